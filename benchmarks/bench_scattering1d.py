"""Scattering1D with default parameters: skscat against Kymatio 0.3 and its FFT floor.

Same work in one process: 200 signals of 4096 samples, J=6, Q=8, averaged
(Kymatio's defaults), in float32 and float64. Each timing is the median of
``--repeat`` calls after a warm-up call (filters built, kernels compiled, FFT
plans made); the entries are timed round-robin, so that other processes' load
falls on all of them alike. Columns:

- skscat as a user gets it, ``Scattering1D(J=6, Q=8)`` (numba backend, the
  threads of the default policy), the same on one thread (``n_jobs=1``), and
  ``backend="numpy"``;
- Kymatio 0.3's numpy frontend (single-threaded SciPy FFTs; it computes in
  float64 whatever the input) and, when torch imports, its torch frontend on
  the CPU (torch's default threads);
- the FFT floor: :mod:`scipy.fft` doing only the forward and inverse FFTs
  skscat performs on that batch (:mod:`_fft_floor`), on the default threads
  and on one.

Prints the ratios ``kymatio / skscat`` (> 1: skscat is faster) and
``skscat / floor`` (1: nothing but FFTs; on one thread also in CPU time,
which other jobs on the machine do not inflate), and checks that the outputs
agree.

``--json PATH`` also writes the performance page's figure.

Run: ``python benchmarks/bench_scattering1d.py [--repeat R] [--no-torch] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import (  # noqa: E402
    default_threads,
    describe,
    fft_calls,
    fft_replay,
    import_kymatio,
    machine,
    race,
    write_figure,
)

from skscat.scattering import Scattering1D  # noqa: E402

SK, SK1, SKNP = "skscat (defaults)", "skscat (n_jobs=1)", "skscat numpy backend"
FLOOR, FLOOR1 = "FFT floor", "FFT floor (1 thread)"
PAUSE = "(pause)"


def _row(label, wall, cpu):
    print(f"  {label:<38s} {wall:8.3f} s   (CPU {cpu:7.3f} s)")


def run_dtype(dtype, X64, args, ky_numpy, ky_torch):
    X = X64.astype(dtype)
    n = len(X)
    print(f"\n{n} x {X.shape[1]}, J={args.J}, Q={args.Q}, {np.dtype(dtype).name}")
    fns = {}
    for label, kwargs in ((SK, {}), (SK1, {"n_jobs": 1}), (SKNP, {"backend": "numpy"})):
        est = Scattering1D(J=args.J, Q=args.Q, **kwargs).fit(X)
        fns[label] = lambda est=est: est.transform(X)
        if label == SK:
            calls = fft_calls(est.transform, X)
    if ky_numpy is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ky = ky_numpy.Scattering1D(J=args.J, shape=X.shape[1], Q=args.Q)
        fns["kymatio.numpy"] = lambda ky=ky: ky(X).reshape(n, -1)
    if ky_torch is not None and dtype != np.float32:
        print("  (kymatio.torch: float32 filters only, skipped)")
    elif ky_torch is not None:
        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kyt = ky_torch.Scattering1D(J=args.J, shape=X.shape[1], Q=args.Q)
        tX = torch.from_numpy(X)

        def run_torch():
            with torch.no_grad():
                return kyt(tX).reshape(n, -1).numpy()

        fns["kymatio.torch (CPU)"] = run_torch
        # torch's idle worker threads keep spinning for a while after a call:
        # a timed pause (not reported) keeps them off the next entry's clock
        fns[PAUSE] = lambda: time.sleep(0.3)
        print(f"  (kymatio.torch on {torch.get_num_threads()} thread(s))")
    fns[FLOOR], summary = fft_replay(calls)
    fns[FLOOR1], _ = fft_replay(calls, 1)
    results = race(fns, args.repeat)
    results.pop(PAUSE, None)
    for name, (wall, cpu, _) in results.items():
        _row(name, wall, cpu)
    print(f"    FFTs replayed: {describe(summary)}")

    t = {name: wall for name, (wall, _, _) in results.items()}
    cpu = {name: c for name, (_, c, _) in results.items()}
    print("  ratios:")
    for name in t:
        if name.startswith("kymatio"):
            print(f"    {name} / skscat: {t[name] / t[SK]:6.2f}x")
            print(f"    {name} / skscat, 1 thread: {t[name] / t[SK1]:6.2f}x")
    print(f"    skscat / FFT floor: {t[SK] / t[FLOOR]:6.2f}x")
    print(f"    skscat, 1 thread / FFT floor, 1 thread: {t[SK1] / t[FLOOR1]:6.2f}x")
    # one thread: CPU time is the work, whatever else the machine runs
    print(f"    the same in CPU time: {cpu[SK1] / cpu[FLOOR1]:6.2f}x")
    outs = {name: out for name, (_, _, out) in results.items() if not name.startswith("FFT")}
    ref = outs.get("kymatio.numpy")
    if ref is not None:
        for name, out in outs.items():
            if out is not ref:
                err = np.abs(out - ref).max() / np.abs(ref).max()
                print(f"    max relative difference {name} vs kymatio.numpy: {err:.1e}")
    return t, cpu


def _torch_threads():
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else "--"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--J", type=int, default=6)
    parser.add_argument("--Q", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true", help="skip Kymatio's torch frontend")
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="torch's threads (default: torch's own; on a machine shared with other "
        "jobs, torch's OpenMP threads spin and stall, and 1 keeps its figure meaningful)",
    )
    parser.add_argument("--float32-only", action="store_true", help="skip the float64 run")
    parser.add_argument("--json", help="write the performance page's figure there")
    args = parser.parse_args(argv)

    print(
        f"Scattering1D benchmark, default parameters; median of {args.repeat} after a "
        f"warm-up; {machine()}; skscat's default threads: {default_threads()}; "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    ky_numpy = import_kymatio("numpy")
    ky_torch = None if args.no_torch else import_kymatio("torch")
    if ky_torch is not None and args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    X64 = np.random.default_rng(0).standard_normal((args.n_samples, args.length))
    table, cpus = {}, {}
    for dtype in (np.float32,) if args.float32_only else (np.float32, np.float64):
        name = np.dtype(dtype).name
        table[name], cpus[name] = run_dtype(dtype, X64, args, ky_numpy, ky_torch)
    print("\nsummary (median seconds; ratios > 1: skscat faster; floor ratio 1: only FFTs)")
    for case, t in table.items():
        ratios = ", ".join(
            f"{name} / skscat {t[name] / t[SK]:.2f}x" for name in t if name.startswith("kymatio")
        )
        one = f"{t[SK1] / t[FLOOR1]:.2f}x ({cpus[case][SK1] / cpus[case][FLOOR1]:.2f}x in CPU time)"
        print(
            f"  {case}: skscat {t[SK]:.3f} s; {ratios}; skscat / floor {t[SK] / t[FLOOR]:.2f}x, "
            f"on one thread {one}"
        )
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")
    if args.json:
        cases = {}
        for case, t in table.items():
            row = {SK: t[SK], SK1: t[SK1], SKNP: t[SKNP]}
            row.update({_KY_LABELS[k]: v for k, v in t.items() if k.startswith("kymatio")})
            row[FLOOR] = t[FLOOR]
            row[FLOOR1] = t[FLOOR1]
            cases[case] = {k: round(v, 4) for k, v in row.items()}
        write_figure(
            args.json,
            title=f"Scattering1D(J={args.J}, Q={args.Q}), {args.n_samples} signals of "
            f"{args.length:,} samples, averaged, default parameters",
            script="benchmarks/bench_scattering1d.py",
            command=" ".join(["python", "benchmarks/bench_scattering1d.py", *sys.argv[1:]]),
            note=f"Same arrays in one process, median of {args.repeat} round-robin calls after "
            f"a warm-up. skscat with default parameters (numba backend, {default_threads()} "
            "threads by the default policy); Kymatio's numpy frontend computes in float64 "
            f"whatever the input, its torch frontend ({_torch_threads()} thread(s)) has float32 "
            "filters only. The *FFT floor* is scipy.fft, on the same threads, doing only the "
            "forward and inverse FFTs skscat performs on the batch.",
            cases=cases,
            log=False,
        )


_KY_LABELS = {
    "kymatio.numpy": "Kymatio numpy",
    "kymatio.torch (CPU)": "Kymatio torch (CPU)",
}


if __name__ == "__main__":
    main()

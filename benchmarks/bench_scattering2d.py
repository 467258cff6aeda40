"""Scattering2D with default parameters: skscat against Kymatio 0.3 and its FFT floor.

Same work in one process, float32, L=8 and every other parameter at its
default: 1000 images of 28x28 (J=2), 500 of 32x32 (J=3), 32 of 256x256 (J=4)
and 8 of 512x512 (J=5). Each timing is the median of ``--repeat`` calls after
a warm-up call (filters built, kernels compiled, FFT plans made); the entries
are timed round-robin (one call of each per round), so that other processes'
load falls on all of them alike and their ratios stay meaningful on a busy
machine. Columns:

- skscat as a user gets it, ``Scattering2D(J=J, L=8, shape=...)``: the numba
  backend on the threads of the default policy (``n_jobs=None``), and the
  same on one thread (``n_jobs=1``);
- Kymatio 0.3's numpy frontend (single-threaded SciPy FFTs) and, when torch
  imports, its torch frontend on the CPU (torch's default threads);
- the FFT floor: :mod:`scipy.fft` doing only the forward and inverse FFTs
  skscat performs on that batch (:mod:`_fft_floor`), on the default threads
  and on one, and sample-parallel (the batch's samples split over the
  default threads, one FFT thread each: how skscat itself runs a batch).

Ratios ``kymatio / skscat`` (> 1: skscat is faster) and ``skscat / floor``
(1: nothing but FFTs), the relative difference of the outputs, and the time
to build a 256x256, J=4, L=8 filter bank from scratch against Kymatio's.
``--json PATH`` also writes the performance page's figure.

Run: ``python benchmarks/bench_scattering2d.py [--repeat R] [--quick] [--no-torch]
[--cases 0 1 ...] [--json doc/benchmarks/scattering2d_kymatio.json]``.
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

from skscat import Scattering2D  # noqa: E402
from skscat.filters._cache import clear_filter_cache  # noqa: E402
from skscat.filters.morlet2d import morlet_filter_bank_2d  # noqa: E402
from skscat.scattering.scattering2d import padded_size  # noqa: E402

CASES = [(1000, 28, 2), (500, 32, 3), (32, 256, 4), (8, 512, 5)]  # (n_samples, side, J)
L = 8

SK, SK1 = "skscat (defaults)", "skscat (n_jobs=1)"
FLOOR, FLOOR1 = "FFT floor", "FFT floor (1 thread)"
FLOORP = "FFT floor (sample-parallel)"
KY_NUMPY, KY_TORCH = "kymatio.numpy", "kymatio.torch (CPU)"
PAUSE = "(pause)"


def _row(label, wall, cpu):
    print(f"  {label:<28s} {wall:8.3f} s   (CPU {cpu:7.3f} s)")


def run_case(n, side, J, args, ky_numpy, ky_torch):
    """Times (median seconds) of every entry on one case, and its printed ratios."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, side * side)).astype(np.float32)
    images = X.reshape(n, side, side)
    print(f"\n{n} x {side}x{side}, J={J}, L={L}, float32")
    est = Scattering2D(J=J, L=L, shape=(side, side)).fit(X)
    est1 = Scattering2D(J=J, L=L, shape=(side, side), n_jobs=1).fit(X)
    fns = {SK: lambda: est.transform(X), SK1: lambda: est1.transform(X)}
    # the FFTs of the whole batch on one thread (the default splits it over threads)
    calls = fft_calls(est1.transform, X)
    if ky_numpy is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ky = ky_numpy.Scattering2D(J=J, shape=(side, side), L=L)
        fns[KY_NUMPY] = lambda: ky(images).reshape(n, -1)
    if ky_torch is not None:
        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kyt = ky_torch.Scattering2D(J=J, shape=(side, side), L=L)
        timages = torch.from_numpy(images)

        def run_torch():
            with torch.no_grad():
                return kyt(timages).numpy().reshape(n, -1)

        fns[KY_TORCH] = run_torch
        # torch's idle worker threads keep spinning for a while after a call:
        # a timed pause (not reported) keeps them off the next entry's clock
        fns[PAUSE] = lambda: time.sleep(0.3)
    fns[FLOOR], summary = fft_replay(calls)
    fns[FLOOR1], _ = fft_replay(calls, 1)
    if default_threads() > 1:
        fns[FLOORP], _ = fft_replay(calls, split=default_threads())
    results = race(fns, args.repeat)
    results.pop(PAUSE, None)
    for name, (wall, cpu, _) in results.items():
        _row(name, wall, cpu)
    print(f"    FFTs replayed: {describe(summary)}")
    t = {name: wall for name, (wall, _, _) in results.items()}
    print("  ratios:")
    for name in (KY_NUMPY, KY_TORCH):
        if name in t:
            print(f"    {name} / skscat: {t[name] / t[SK]:6.2f}x")
            print(f"    {name} / skscat, 1 thread: {t[name] / t[SK1]:6.2f}x")
    print(f"    skscat / FFT floor: {t[SK] / t[FLOOR]:6.2f}x")
    if FLOORP in t:
        print(f"    skscat / FFT floor, sample-parallel: {t[SK] / t[FLOORP]:6.2f}x")
    print(f"    skscat, 1 thread / FFT floor, 1 thread: {t[SK1] / t[FLOOR1]:6.2f}x")
    outs = {name: out for name, (_, _, out) in results.items() if not name.startswith("FFT")}
    ref = outs.get(KY_NUMPY, outs[SK])
    for name, out in outs.items():
        if out is not ref:
            err = np.abs(out - ref).max() / np.abs(ref).max()
            print(f"    max relative difference {name} vs {KY_NUMPY}: {err:.1e}")
    return t


def filter_bank_times(side=256, J=4):
    """Seconds to build the bank from scratch: skscat's, and Kymatio's (or None)."""
    M = padded_size(side, J)
    clear_filter_cache()
    t0 = time.perf_counter()
    morlet_filter_bank_2d(M, M, J, L, "float32")
    mine = time.perf_counter() - t0
    theirs = None
    try:
        from kymatio.scattering2d.filter_bank import filter_bank

        t0 = time.perf_counter()
        filter_bank(M, M, J, L=L)
        theirs = time.perf_counter() - t0
    except ImportError:
        pass
    return M, mine, theirs


def _torch_threads():
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else "--"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a tenth of the images")
    parser.add_argument("--no-torch", action="store_true", help="skip Kymatio's torch frontend")
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="torch's threads (default: torch's own; on a machine shared with other "
        "jobs, torch's OpenMP threads spin and stall, and 1 keeps its figure meaningful)",
    )
    parser.add_argument("--cases", type=int, nargs="+", default=list(range(len(CASES))))
    parser.add_argument("--json", help="write the performance page's figure there")
    args = parser.parse_args(argv)

    print(
        f"Scattering2D benchmark, default parameters; median of {args.repeat} after a "
        f"warm-up; {machine()}; skscat's default threads: {default_threads()}; "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    ky_numpy = import_kymatio("numpy")
    ky_torch = None if args.no_torch else import_kymatio("torch")
    if ky_torch is not None and args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    if ky_torch is not None:
        import torch

        print(f"kymatio.torch runs on torch's {torch.get_num_threads()} threads")
    table = {}
    for i in args.cases:
        n, side, J = CASES[i]
        if args.quick:
            n = max(1, n // 10)
        table[f"{n:,} x {side}x{side}, J={J}"] = run_case(n, side, J, args, ky_numpy, ky_torch)
    print("\nsummary (median seconds; ratios > 1: skscat faster; floor ratio 1: only FFTs)")
    print(
        f"  {'case':<24s} {'skscat':>8s} {'ky.numpy/':>10s} {'ky.torch/':>10s} {'/floor':>7s} "
        f"{'/floor-sp':>9s}"
    )
    for case, t in table.items():
        ratios = [
            f"{t[k] / t[SK]:9.2f}x" if k in t else f"{'--':>10s}" for k in (KY_NUMPY, KY_TORCH)
        ]
        sp = f"{t[SK] / t[FLOORP]:8.2f}x" if FLOORP in t else f"{'--':>9s}"
        print(f"  {case:<24s} {t[SK]:8.3f} {' '.join(ratios)} {t[SK] / t[FLOOR]:6.2f}x {sp}")
    M, mine, theirs = filter_bank_times()
    line = f"\nfilter bank for 256x256 images (padded {M}x{M}), J=4, L=8: {mine:.3f} s"
    if theirs is not None:
        line += f"; Kymatio's {theirs:.2f} s ({theirs / mine:.0f}x)"
    print(line)
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    if args.json:
        names = {
            SK: "skscat (defaults)",
            KY_NUMPY: "Kymatio numpy",
            KY_TORCH: "Kymatio torch (CPU)",
            FLOOR: "FFT floor",
            FLOORP: "FFT floor (sample-parallel)",
        }
        cases = {c: {names[k]: round(t[k], 4) for k in names if k in t} for c, t in table.items()}
        write_figure(
            args.json,
            title="Scattering2D (L=8, float32, default parameters) against Kymatio 0.3",
            script="benchmarks/bench_scattering2d.py",
            command=" ".join(["python", "benchmarks/bench_scattering2d.py", *sys.argv[1:]]),
            note=f"Same arrays in one process, median of {args.repeat} round-robin calls "
            f"after a warm-up. skscat with default parameters (numba backend, "
            f"{default_threads()} threads by the default policy); Kymatio's numpy frontend "
            f"on SciPy's single-threaded FFTs, its torch frontend on {_torch_threads()} "
            "thread(s). "
            "The *FFT floor* is scipy.fft, on the same threads, doing only the forward and "
            "inverse FFTs skscat performs on the batch; the sample-parallel floor runs the "
            "same FFTs with the samples split over those threads, one FFT thread each, "
            "as skscat runs them.",
            cases=cases,
        )


if __name__ == "__main__":
    main()

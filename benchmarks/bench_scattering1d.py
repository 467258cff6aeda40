"""Scattering1D: skscat against Kymatio 0.3, and against the FFTs it needs.

Same work in one process: 200 signals of 4096 samples, J=6, Q=8, averaged
(Kymatio's defaults), in float32 and float64. Each timing is the best of 3
after a warm-up call (filters built, kernels compiled, FFT plans made); the
entries are timed round-robin, so that other processes' load falls on all of
them alike. Columns:

- skscat with ``backend="numba"`` on all cores and on one thread, and with
  ``backend="numpy"``;
- Kymatio 0.3's numpy frontend (single-threaded SciPy FFTs; it computes in
  float64 whatever the input) and, when torch imports, its torch frontend on
  the CPU (torch's default threads);
- the FFT floor: :mod:`scipy.fft` doing only the forward and inverse FFTs
  skscat's numba path performs on that batch (:mod:`_fft_floor`), on all
  cores and on one.

Prints the ratios ``kymatio / skscat`` (> 1: skscat is faster) and
``skscat / floor`` (1: nothing but FFTs), and checks that the outputs agree.

Run: ``python benchmarks/bench_scattering1d.py [--n-jobs N] [--repeat R] [--no-torch]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import describe, fft_calls, fft_replay, import_kymatio, machine, race  # noqa: E402

from skscat.scattering import Scattering1D  # noqa: E402


def _row(label, wall, cpu):
    print(f"  {label:<38s} {wall:8.3f} s   (CPU {cpu:7.3f} s)")


def run_dtype(dtype, X64, args, ky_numpy, ky_torch):
    X = X64.astype(dtype)
    n = len(X)
    print(f"\n{n} x {X.shape[1]}, J={args.J}, Q={args.Q}, {np.dtype(dtype).name}")
    fns = {}
    for backend, n_jobs in (("numba", args.n_jobs), ("numba", 1), ("numpy", args.n_jobs)):
        est = Scattering1D(J=args.J, Q=args.Q, backend=backend, n_jobs=n_jobs).fit(X)
        fns[f"skscat {backend} (n_jobs={n_jobs})"] = lambda est=est: est.transform(X)
        if backend == "numba" and n_jobs == args.n_jobs:
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

        fns[f"kymatio.torch, CPU ({torch.get_num_threads()} threads)"] = run_torch
    cores = os.cpu_count() or 1
    floor_fns = {}
    for workers in sorted({cores, 1}, reverse=True):
        floor_fns[f"FFT floor (scipy.fft, {workers} workers)"], summary = fft_replay(calls, workers)
    results = race({**fns, **floor_fns}, args.repeat)
    for name, (wall, cpu, _) in results.items():
        _row(name, wall, cpu)
    print(f"    FFTs replayed: {describe(summary)}")

    t = {name: wall for name, (wall, _, _) in results.items()}
    sk = t[f"skscat numba (n_jobs={args.n_jobs})"]
    sk1 = t["skscat numba (n_jobs=1)"]
    print("  ratios:")
    for name in t:
        if name.startswith("kymatio"):
            print(f"    {name} / skscat numba: {t[name] / sk:6.2f}x")
    if "kymatio.numpy" in t:
        print(f"    kymatio.numpy / skscat numba, 1 thread: {t['kymatio.numpy'] / sk1:6.2f}x")
    print(
        f"    skscat numba / FFT floor: {sk / t[f'FFT floor (scipy.fft, {cores} workers)']:6.2f}x"
    )
    print(
        f"    skscat numba, 1 thread / FFT floor, 1 worker: "
        f"{sk1 / t['FFT floor (scipy.fft, 1 workers)']:6.2f}x"
    )
    outs = {name: out for name, (_, _, out) in results.items() if name in fns}
    ref = outs.get("kymatio.numpy")
    if ref is not None:
        for name, out in outs.items():
            if out is not ref:
                err = np.abs(out - ref).max() / np.abs(ref).max()
                print(f"    max relative difference {name} vs kymatio.numpy: {err:.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--J", type=int, default=6)
    parser.add_argument("--Q", type=int, default=8)
    parser.add_argument("--n-jobs", type=int, default=-1, help="skscat threads (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true", help="skip Kymatio's torch frontend")
    parser.add_argument("--float32-only", action="store_true", help="skip the float64 run")
    args = parser.parse_args(argv)

    print(
        f"Scattering1D benchmark; best of {args.repeat} after a warm-up; {machine()}; "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    ky_numpy = import_kymatio("numpy")
    ky_torch = None if args.no_torch else import_kymatio("torch")
    X64 = np.random.default_rng(0).standard_normal((args.n_samples, args.length))
    for dtype in (np.float32,) if args.float32_only else (np.float32, np.float64):
        run_dtype(dtype, X64, args, ky_numpy, ky_torch)
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()

"""Scattering2D: skscat against Kymatio 0.3, and against the FFTs it needs.

Same work in one process, float32: 1000 images of 28x28 (J=2, L=8) and 500
images of 32x32 (J=3, L=8). Each timing is the best of 3 after a warm-up call
(filters built, kernels compiled, FFT plans made); the entries are timed
round-robin (one call of each per round), so that other processes' load falls
on all of them alike. Columns:

- skscat with ``backend="numba"`` (all cores, and one thread) and
  ``backend="numpy"`` (``n_jobs=-1``: all cores);
- Kymatio 0.3's numpy frontend (single-threaded SciPy FFTs) and, when torch
  imports, its torch frontend on the CPU (torch's default threads);
- the FFT floor: :mod:`scipy.fft` on all cores (and on one) doing only the
  forward and inverse FFTs skscat's numba path performs on that batch
  (:mod:`_fft_floor`); and, for reference, the FFTs of the all-Fourier
  cascade (every low-pass by FFT, as Kymatio does: skscat takes the last
  order's low-pass in space instead, which removes a forward and an inverse
  FFT per last-order map).

Ratios ``kymatio / skscat`` (> 1: skscat is faster) and ``skscat / floor``
(1: nothing but FFTs). Also prints the relative difference of the outputs and
the time to build a 256x256, J=4, L=8 filter bank from scratch.

Run: ``python benchmarks/bench_scattering2d.py [--n-jobs N] [--repeat R] [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import describe, fft_calls, fft_replay, import_kymatio, machine, race  # noqa: E402

from skscat import Scattering2D  # noqa: E402
from skscat.filters._cache import clear_filter_cache  # noqa: E402
from skscat.filters.morlet2d import morlet_filter_bank_2d  # noqa: E402
from skscat.scattering.scattering2d import padded_size  # noqa: E402

CASES = [(1000, 28, 2), (500, 32, 3)]  # (n_samples, side, J); L = 8


def _row(label, wall, cpu, extra=""):
    print(f"  {label:<34s} {wall:8.3f} s   (CPU {cpu:7.3f} s){extra}")


def run_case(n, side, J, L, args, ky_numpy, ky_torch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, side * side)).astype(np.float32)
    images = X.reshape(n, side, side)
    print(f"\n{n} x {side}x{side}, J={J}, L={L}, float32")
    fns = {}
    for backend, n_jobs in (("numba", args.n_jobs), ("numba", 1), ("numpy", args.n_jobs)):
        est = Scattering2D(J=J, L=L, shape=(side, side), backend=backend, n_jobs=n_jobs).fit(X)
        fns[f"skscat {backend} (n_jobs={n_jobs})"] = lambda est=est: est.transform(X)
        if backend == "numba" and n_jobs == args.n_jobs:
            calls = fft_calls(est.transform, X)
            calls_fourier = fft_calls(est.transform, X, fourier_lowpass=True)
    if ky_numpy is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ky = ky_numpy.Scattering2D(J=J, shape=(side, side), L=L)
        fns["kymatio.numpy"] = lambda ky=ky: ky(images).reshape(n, -1)
    if ky_torch is not None:
        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kyt = ky_torch.Scattering2D(J=J, shape=(side, side), L=L)
        timages = torch.from_numpy(images)

        def run_torch():
            with torch.no_grad():
                return kyt(timages).numpy().reshape(n, -1)

        fns[f"kymatio.torch, CPU ({torch.get_num_threads()} threads)"] = run_torch
    cores = os.cpu_count() or 1
    floor_fns = {}
    for workers in sorted({cores, 1}, reverse=True):
        floor_fns[f"FFT floor (scipy.fft, {workers} workers)"], summary = fft_replay(calls, workers)
    floor_fns["FFTs of the all-Fourier cascade"], summary_fourier = fft_replay(calls_fourier)
    results = race({**fns, **floor_fns}, args.repeat)
    for name, (wall, cpu, _) in results.items():
        _row(name, wall, cpu)
        if name == "FFTs of the all-Fourier cascade":
            print(f"    (every low-pass by FFT, as Kymatio does: {describe(summary_fourier)})")
        elif name.startswith("FFT floor") and name.endswith(" 1 workers)"):
            print(f"    FFTs replayed: {describe(summary)}")

    t = {name: wall for name, (wall, _, _) in results.items()}
    sk = t[f"skscat numba (n_jobs={args.n_jobs})"]
    sk1 = t["skscat numba (n_jobs=1)"]
    floor = t[f"FFT floor (scipy.fft, {cores} workers)"]
    floor1 = t["FFT floor (scipy.fft, 1 workers)"]
    print("  ratios:")
    for name in t:
        if name.startswith("kymatio"):
            print(f"    {name} / skscat numba: {t[name] / sk:6.2f}x")
    if "kymatio.numpy" in t:
        print(f"    kymatio.numpy / skscat numba, 1 thread: {t['kymatio.numpy'] / sk1:6.2f}x")
        numpy_sk = t[f"skscat numpy (n_jobs={args.n_jobs})"]
        print(f"    kymatio.numpy / skscat numpy: {t['kymatio.numpy'] / numpy_sk:6.2f}x")
    print(f"    skscat numba / FFT floor: {sk / floor:6.2f}x")
    print(f"    skscat numba, 1 thread / FFT floor, 1 worker: {sk1 / floor1:6.2f}x")
    fourier = t["FFTs of the all-Fourier cascade"]
    print(f"    skscat numba / FFTs of the all-Fourier cascade: {sk / fourier:6.2f}x")
    outs = {name: out for name, (_, _, out) in results.items() if name in fns}
    ref = outs.get("kymatio.numpy", outs[f"skscat numpy (n_jobs={args.n_jobs})"])
    for name, out in outs.items():
        if out is not ref:
            err = np.abs(out - ref).max() / np.abs(ref).max()
            print(f"    max relative difference {name} vs reference: {err:.1e}")


def filter_bank_time(side=256, J=4, L=8):
    M = padded_size(side, J)
    clear_filter_cache()
    t0 = time.perf_counter()
    morlet_filter_bank_2d(M, M, J, L, "float32")
    return M, time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=-1, help="skscat threads (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tenth of the images")
    parser.add_argument("--no-torch", action="store_true", help="skip Kymatio's torch frontend")
    args = parser.parse_args(argv)

    print(
        f"Scattering2D benchmark; best of {args.repeat} after a warm-up; {machine()}; "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    ky_numpy = import_kymatio("numpy")
    ky_torch = None if args.no_torch else import_kymatio("torch")
    for n, side, J in CASES:
        if args.quick:
            n //= 10
        run_case(n, side, J, 8, args, ky_numpy, ky_torch)
    M, seconds = filter_bank_time()
    print(f"\nfilter bank for 256x256 images (padded {M}x{M}), J=4, L=8, built in {seconds:.3f} s")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()

"""HarmonicScattering3D: skscat against Kymatio 0.3's numpy frontend, same work, one process.

A batch of random densities on one grid (default 96 x 64 x 48: half of each
side of Kymatio's QM7 example grid, 192 x 128 x 96, whose full size takes
Kymatio about 25 s per sample), J=2, L=3, sigma_0=1 (Kymatio's defaults, with
the Nyquist remainders active), integral powers 0.5, 1, 2, float32 input.
Each timing is the best of ``--repeat`` rounds after a warm-up call, timed
round-robin so that other processes' load falls on every entry alike.

Prints the ratio ``kymatio / skscat`` (> 1: skscat is faster) for skscat's
numba backend on ``--n-jobs`` threads and on one, and checks that the
coefficients agree.

Run: ``python benchmarks/bench_harmonic3d.py [--shape M N O] [--n-samples B] [--n-jobs N]
[--repeat R]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import import_kymatio, machine, race  # noqa: E402

from skscat import HarmonicScattering3D  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=3, default=(96, 64, 48))
    parser.add_argument("--n-samples", type=int, default=2)
    parser.add_argument("--J", type=int, default=2)
    parser.add_argument("--L", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=-1, help="skscat threads (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    shape = tuple(args.shape)
    print(machine())
    X = np.random.default_rng(0).random((args.n_samples, int(np.prod(shape)))).astype(np.float32)
    print(f"{args.n_samples} densities of {shape}, J={args.J}, L={args.L}, float32")
    kn = import_kymatio("numpy")
    fns = {}
    for n_jobs in (args.n_jobs, 1):
        est = HarmonicScattering3D(J=args.J, L=args.L, shape=shape, backend="numba", n_jobs=n_jobs)
        est.fit(X[:1])
        fns[f"skscat numba (n_jobs={n_jobs})"] = lambda est=est: est.transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ky = kn.HarmonicScattering3D(J=args.J, shape=shape, L=args.L)
    cube = X.reshape((-1,) + shape)
    fns["kymatio.numpy"] = lambda: ky(cube).reshape(len(X), -1)
    results = race(fns, repeat=args.repeat)
    ref_wall = results["kymatio.numpy"][0]
    ref = results["kymatio.numpy"][2]
    for name, (wall, cpu, out) in results.items():
        err = float(np.abs(out - ref).max() / np.abs(ref).max())
        ratio = ref_wall / wall
        print(
            f"  {name:<28s} {wall:8.3f} s (CPU {cpu:7.3f} s)  "
            f"kymatio/this {ratio:5.2f}x   rel. diff {err:.1e}"
        )


if __name__ == "__main__":
    main()

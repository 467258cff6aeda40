"""PhaseHarmonics2D: skscat against pywph 1.1 on the CPU.

Same work in one process: 64 images of 256 x 256 (float32), J=8, L=8, with
``delta_n = 0`` and ``delta_n = 2``; raw moments (``normalize=None``, pywph's
``norm=None``, periodic boundary). Each timing is the best of ``--repeat``
after a warm-up call (filters built, FFT plans made). Both libraries get the
same number of threads (``--threads``: torch.set_num_threads and skscat's
``n_jobs``; default 1, which is what stays reproducible on a shared machine).
Prints both times, the ratio pywph / skscat (> 1: skscat is faster) and the
relative difference of the outputs.

pywph's constructor sizes a weight map for non-periodic data with
``M - 2 * cut_y_param * 2**J`` rows and refuses ``J = 8`` on 256 x 256 with its
default ``cut_*_param = 1/2``; that map is not used with ``pbc=True``, so the
benchmark passes ``cut_x_param = cut_y_param = 1/4`` (same coefficients).

Run: ``python benchmarks/bench_phase_harmonics.py [--n-images N] [--size S]
[--threads T] [--repeat R] [--backend NAME]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from skscat.phase_harmonics import PhaseHarmonics2D  # noqa: E402


def best_of(fn, repeat=3):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=64)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--J", type=int, default=8)
    parser.add_argument("--L", type=int, default=8)
    parser.add_argument("--delta-n", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args(argv)

    import pywph
    import torch

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    g = rng.standard_normal((args.n_images, args.size, args.size))
    X = (g + np.roll(g, 1, axis=-1) ** 2).astype(np.float32)  # non-Gaussian images
    X_torch = torch.from_numpy(X)

    print(
        f"PhaseHarmonics2D vs pywph {pywph.__version__} (torch {torch.__version__}), "
        f"{args.n_images} images {args.size}x{args.size} float32, J={args.J}, L={args.L}; "
        f"{args.threads} thread(s) each; best of {args.repeat} after a warm-up; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    )
    for dn in args.delta_n:
        est = PhaseHarmonics2D(
            J=args.J,
            L=args.L,
            delta_n=dn,
            normalize=None,
            backend=args.backend,
            n_jobs=args.threads,
        ).fit(X.reshape(args.n_images, -1))
        t_sk, out_sk = best_of(
            lambda est=est: est.transform(X.reshape(args.n_images, -1)), args.repeat
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            op = pywph.WPHOp(
                args.size, args.size, args.J, L=args.L, dn=dn, cut_x_param=0.25, cut_y_param=0.25
            )
        t_pw, out_pw = best_of(lambda op=op: op.apply(X_torch, norm=None).numpy(), args.repeat)
        ref = np.concatenate([out_pw.real, out_pw.imag], axis=1)
        err = np.abs(out_sk - ref).max() / np.abs(ref).max()
        print(
            f"delta_n={dn}: {est.n_moments_} moments; skscat ({est.backend_}) {t_sk:.2f} s   "
            f"pywph {t_pw:.2f} s   ratio pywph/skscat {t_pw / t_sk:.1f}x   "
            f"(rel. difference {err:.1e})",
            flush=True,
        )


if __name__ == "__main__":
    main()

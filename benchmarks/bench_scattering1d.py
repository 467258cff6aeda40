"""Scattering1D: skscat against Kymatio 0.3's NumPy frontend.

Same work in one process: 200 signals of 4096 samples, J=6, Q=8, averaged
(Kymatio's defaults), in float32 and float64. Each timing is the best of 3
after a warm-up call (filters built, FFT plans made); Kymatio is run on the
same array (it computes in float64 whatever the input). Prints both times and
the ratio Kymatio / skscat (> 1: skscat is faster), and checks that the
outputs agree.

Run: ``python benchmarks/bench_scattering1d.py [--n-jobs N] [--backend NAME]``.
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

from skscat.scattering import Scattering1D  # noqa: E402
from tests.conftest import import_kymatio_numpy  # noqa: E402  (SciPy >= 1.17 alias)


def best_of(fn, repeat=3):
    """Best wall-clock and best CPU (process) time of ``repeat`` calls after a warm-up.

    The CPU time is reported too because it is robust to other processes
    sharing the machine (with one thread, the two agree on a quiet machine).
    """
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--J", type=int, default=6)
    parser.add_argument("--Q", type=int, default=8)
    parser.add_argument("--n-jobs", type=int, default=None, help="skscat threads (default 1)")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    kymatio = import_kymatio_numpy()
    rng = np.random.default_rng(0)
    X64 = rng.standard_normal((args.n_samples, args.length))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ky = kymatio.Scattering1D(J=args.J, shape=args.length, Q=args.Q)

    print(
        f"Scattering1D, {args.n_samples} x {args.length}, J={args.J}, Q={args.Q}; "
        f"best of {args.repeat} after a warm-up; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores"
    )
    for dtype in (np.float32, np.float64):
        X = X64.astype(dtype)
        est = Scattering1D(J=args.J, Q=args.Q, backend=args.backend, n_jobs=args.n_jobs).fit(X)
        t_sk, c_sk, out_sk = best_of(lambda est=est, X=X: est.transform(X), args.repeat)
        t_ky, c_ky, out_ky = best_of(lambda X=X: ky(X).reshape(len(X), -1), args.repeat)
        err = np.abs(out_sk - out_ky).max() / np.abs(out_ky).max()
        print(
            f"{np.dtype(dtype).name:>8}: skscat ({est.backend_}, n_jobs={args.n_jobs}) "
            f"{t_sk:.3f} s   kymatio.numpy {t_ky:.3f} s   ratio kymatio/skscat "
            f"{t_ky / t_sk:.2f}x   [CPU time: {c_sk:.3f} s vs {c_ky:.3f} s, "
            f"{c_ky / c_sk:.2f}x]   (rel. difference {err:.1e}, output {out_sk.dtype})"
        )


if __name__ == "__main__":
    main()

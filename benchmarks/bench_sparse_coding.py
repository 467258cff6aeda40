"""SparseCoding against scikit-learn's lasso solvers on the same dictionary.

The problem of issue 8: a fixed random dictionary of 256 unit-norm atoms in
64 dimensions, 500 Gaussian samples, ``alpha = 0.2``, codes signed and
non-negative. For each solver, in one process, the best of ``--repeat`` runs
after a warm-up (the solvers taking turns, so that they share the machine's
background load), with the same number of threads for everyone
(``--threads``, default 1: BLAS threads for scikit-learn, whose coordinate
descent is single-threaded Cython; ``n_jobs`` for skscat, which codes chunks
of rows in parallel threads with single-threaded BLAS).

Printed per case: the total objective ``sum_i 1/2 ||x_i - z_i D||^2 +
alpha ||z_i||_1`` relative to ``sparse_encode(..., algorithm="lasso_cd")``'s
and to the optimum (the lower of lasso_cd's and LARS's, an exact homotopy
method), the time, and the speed-up over lasso_cd. Timings include
everything a user pays: validation, the Gram matrix and its largest
eigenvalue (skscat's ``fit``) and the codes (``transform``).

Run: ``python benchmarks/bench_sparse_coding.py [--threads 1] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
from sklearn.decomposition import sparse_encode
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skscat import SparseCoding
from skscat.sparse._solvers import objective


def best_times(runs, repeat):
    """Warm up each run once, then time them round-robin ``repeat`` times.

    Interleaving the solvers exposes them to the same background load (the
    development machine is shared); each keeps its best time.
    Returns ``{name: (result, seconds)}``.
    """
    results = {name: fn() for name, fn in runs.items()}
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: (results[name], best[name]) for name in runs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-atoms", type=int, default=256)
    parser.add_argument("--n-features", type=int, default=64)
    parser.add_argument("--n-samples", type=int, default=500)
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    D = rng.standard_normal((args.n_atoms, args.n_features))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    X = rng.standard_normal((args.n_samples, args.n_features))
    alpha = args.alpha
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpu = platform.processor() or platform.machine()
    print(
        f"dictionary {args.n_atoms} atoms x {args.n_features} features, {args.n_samples} "
        f"samples, alpha={alpha}, float64; threads={args.threads}, best of "
        f"{args.repeat} (round-robin) after a warm-up; {cpu}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    header = (
        f"{'positive':>8} {'solver':>18} {'objective':>12} {'vs lasso_cd':>12} "
        f"{'vs optimum':>11} {'time [s]':>9} {'speed-up':>9}"
    )
    summary = []
    with threadpool_limits(limits=args.threads, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for positive in (False, True):

            def skl(algorithm, positive=positive):
                return sparse_encode(X, D, algorithm=algorithm, alpha=alpha, positive=positive)

            def sks(positive=positive, **params):
                sc = SparseCoding(
                    dictionary=D, alpha=alpha, positive=positive, n_jobs=args.threads, **params
                )
                return sc.fit(X).transform(X)

            runs = {
                "sklearn lasso_cd": lambda: skl("lasso_cd"),
                "sklearn lasso_lars": lambda: skl("lasso_lars"),
                "skscat fista": lambda: sks(solver="fista"),
                "skscat homotopy": lambda: sks(solver="homotopy"),
            }
            results = best_times(runs, args.repeat)
            F = {name: objective(X, Z, D, alpha).sum() for name, (Z, _) in results.items()}
            F_cd = F["sklearn lasso_cd"]
            F_opt = min(F_cd, F["sklearn lasso_lars"])
            t_cd = results["sklearn lasso_cd"][1]
            print(header)
            for name, (_, t) in results.items():
                print(
                    f"{positive!s:>8} {name:>18} {F[name]:12.4f} {F[name] / F_cd - 1:+12.2e} "
                    f"{F[name] / F_opt - 1:+11.2e} {t:9.4f} {t_cd / t:8.2f}x"
                )
            summary.append(
                (
                    positive,
                    F["skscat fista"] / F_cd - 1,
                    t_cd / results["skscat fista"][1],
                    F["skscat homotopy"] / F_opt - 1,
                    t_cd / results["skscat homotopy"][1],
                )
            )
    print("\ntargets: fista within 0.1% of lasso_cd and >= 3x faster; homotopy within 5% of")
    print("the optimum and faster than fista")
    for positive, f_obj, f_speed, h_obj, h_speed in summary:
        print(
            f"positive={positive!s:5}: fista {f_obj:+.2e} objective, {f_speed:.1f}x faster; "
            f"homotopy {h_obj:+.2%} from optimum, {h_speed:.1f}x faster"
        )


if __name__ == "__main__":
    main()

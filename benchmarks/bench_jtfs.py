"""TimeFrequencyScattering: skscat against Kymatio's joint time-frequency scattering.

Same work in one process: 32 signals of 4096 samples, ``J=6, J_fr=2, Q=8``
(the example of Kymatio's documentation), ``format="time"``, float64 (Kymatio
computes in float64). Each entry is called once (warm-up: filters built,
kernels compiled), then timed round-robin ``--repeat`` times; the median is
reported. Entries: skscat with ``backend="numba"`` on all cores and on one
thread, skscat with ``backend="numpy"`` on one thread, and Kymatio's numpy
frontend (single-threaded SciPy FFTs). Prints ``kymatio / skscat`` (> 1:
skscat is faster) and the largest difference between the outputs relative to
the largest coefficient.

Kymatio's joint time-frequency scattering exists only on its main branch
(0.4.0.dev0), which cannot share an environment with Kymatio 0.3. Run it in an
environment of its own that also has skscat's runtime dependencies::

    python -m venv /tmp/ky04
    /tmp/ky04/bin/pip install "scipy<1.17" numpy scikit-learn numba \
        "git+https://github.com/kymatio/kymatio@11552ed5"
    PYTHONPATH=. /tmp/ky04/bin/python benchmarks/bench_jtfs.py [--n-samples N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np

from skscat import TimeFrequencyScattering


def race(fns: dict, repeat: int) -> dict:
    """Median wall time of each callable, timed round-robin after one warm-up call."""
    outs = {name: fn() for name, fn in fns.items()}
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: (statistics.median(times[name]), outs[name]) for name in fns}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=32)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--J", type=int, default=6)
    parser.add_argument("--J-fr", type=int, default=2)
    parser.add_argument("--Q", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from kymatio.numpy import TimeFrequencyScattering as KymatioJTFS

    X = np.random.default_rng(0).standard_normal((args.n_samples, args.length))
    n = len(X)
    print(
        f"TimeFrequencyScattering, {n} x {args.length}, J={args.J}, J_fr={args.J_fr}, "
        f"Q={args.Q}, float64; median of {args.repeat}; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    fns = {}
    for backend, n_jobs in (("numba", -1), ("numba", 1), ("numpy", 1)):
        est = TimeFrequencyScattering(
            J=args.J, J_fr=args.J_fr, Q=args.Q, backend=backend, n_jobs=n_jobs
        ).fit(X)
        fns[f"skscat {backend} (n_jobs={n_jobs})"] = lambda est=est: est.transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ky = KymatioJTFS(J=args.J, J_fr=args.J_fr, Q=args.Q, shape=args.length)
    fns["kymatio.numpy (main)"] = lambda: ky(X).reshape(n, -1)
    results = race(fns, args.repeat)
    ref_time, ref = results["kymatio.numpy (main)"]
    for name, (wall, out) in results.items():
        line = f"  {name:<28s} {wall:8.3f} s"
        if out is not ref:
            err = np.abs(out - ref).max() / np.abs(ref).max()
            line += f"   kymatio / skscat {ref_time / wall:6.2f}x   max rel. diff {err:.1e}"
        print(line)


if __name__ == "__main__":
    main()

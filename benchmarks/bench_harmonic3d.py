"""HarmonicScattering3D: skscat against Kymatio 0.3's numpy frontend, same work, one process.

By default Kymatio's QM7 example: one density on its 192 x 128 x 96 grid,
J=2, L=3, sigma_0=2, integral powers 0.5, 1, 2, 3, float32 input. skscat runs
with its default parameters (``backend="auto"``, ``n_jobs=None``: the default
thread policy); Kymatio's numpy frontend runs scipy.fft on one thread. Every
callable is called once (warm-up: filters built, kernels compiled), then
``--repeat`` rounds call each in turn and the median of each is kept, so the
load of other processes falls on every entry alike.

Prints the ratio ``kymatio / skscat`` (> 1: skscat is faster) of the wall
times and of the CPU times of the same rounds, and the largest relative
difference of the coefficients. ``--n-jobs 1`` adds skscat on one thread.

Run: ``python benchmarks/bench_harmonic3d.py [--shape M N O] [--n-samples B]
[--sigma-0 S] [--n-jobs N ...] [--repeat R] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import default_threads, import_kymatio, machine, race, write_figure  # noqa: E402

from skscat import HarmonicScattering3D  # noqa: E402

KYMATIO = "Kymatio numpy"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=3, default=(192, 128, 96))
    parser.add_argument("--n-samples", type=int, default=1)
    parser.add_argument("--J", type=int, default=2)
    parser.add_argument("--L", type=int, default=3)
    parser.add_argument("--sigma-0", type=float, default=2.0)
    parser.add_argument("--powers", type=float, nargs="+", default=(0.5, 1.0, 2.0, 3.0))
    parser.add_argument(
        "--n-jobs",
        type=int,
        nargs="*",
        default=(),
        help="extra skscat runs with these n_jobs (the default-threads run is always there)",
    )
    parser.add_argument("--float64", action="store_true", help="float64 input (default float32)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the figure's numbers to this path")
    args = parser.parse_args(argv)
    shape = tuple(args.shape)
    powers = tuple(args.powers)
    dtype = np.float64 if args.float64 else np.float32
    print(machine())
    X = np.random.default_rng(0).random((args.n_samples, int(np.prod(shape)))).astype(dtype)
    config = (
        f"J={args.J}, L={args.L}, sigma_0={args.sigma_0:g}, powers {', '.join(map(str, powers))}"
    )
    print(f"{args.n_samples} densities of {shape}, {config}, {np.dtype(dtype).name}")
    kn = import_kymatio("numpy")
    common = dict(J=args.J, L=args.L, shape=shape, sigma_0=args.sigma_0, integral_powers=powers)
    fns = {}
    default_name = f"skscat (defaults, {default_threads()} threads)"
    runs = [(default_name, None)] + [(f"skscat (n_jobs={n})", n) for n in args.n_jobs]
    for name, n_jobs in runs:
        est = HarmonicScattering3D(**common, n_jobs=n_jobs).fit(X[:1])
        fns[name] = lambda est=est: est.transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ky = kn.HarmonicScattering3D(**common)
    cube = X.reshape((-1,) + shape)
    fns[KYMATIO] = lambda: ky(cube).reshape(len(X), -1)
    results = race(fns, repeat=args.repeat)
    ref_wall, ref_cpu, ref = results[KYMATIO]
    print(f"median of {args.repeat} round-robin calls after a warm-up:")
    for name, (wall, cpu, out) in results.items():
        err = float(np.abs(out - ref).max() / np.abs(ref).max())
        print(
            f"  {name:<34s} {wall:8.3f} s (CPU {cpu:7.3f} s)  "
            f"kymatio/this {ref_wall / wall:5.2f}x (CPU {ref_cpu / cpu:5.2f}x)  "
            f"rel. diff {err:.1e}"
        )
    wall, cpu, out = results[default_name]
    err = float(np.abs(out - ref).max() / np.abs(ref).max())
    print(
        f"ratio Kymatio numpy / skscat (defaults): {ref_wall / wall:.2f}x wall, "
        f"{ref_cpu / cpu:.2f}x CPU; load average {os.getloadavg()[0]:.1f} at end"
    )
    if args.json:
        write_figure(
            args.json,
            title=f"HarmonicScattering3D({config}), {args.n_samples} x "
            f"{' x '.join(map(str, shape))}, {np.dtype(dtype).name}",
            script="benchmarks/bench_harmonic3d.py",
            command=" ".join(["python", "benchmarks/bench_harmonic3d.py", *sys.argv[1:]]),
            note=f"Same array in one process, median of {args.repeat} round-robin calls after "
            f"a warm-up. skscat with default parameters ({default_threads()} threads by the "
            f"default policy); Kymatio's numpy frontend on one thread. CPU times: "
            f"{cpu:.2f} s (skscat) against {ref_cpu:.2f} s (Kymatio), "
            f"{ref_cpu / cpu:.2f}x. The coefficients agree to {err:.1e} relative difference.",
            cases={
                f"wall time, {np.dtype(dtype).name}": {
                    KYMATIO: round(ref_wall, 3),
                    **{name: round(results[name][0], 3) for name, _ in runs},
                }
            },
            log=False,
        )


if __name__ == "__main__":
    main()

"""RotoTranslationScattering2D against Scattering2D with the same J and L.

Same work in one process, float32, ``backend="numba"``: 1000 images of 28x28
(J=2, L=8: Scattering2D's defaults; J=3, L=12: the roto-translation
transform's) and 500 images of 32x32 (J=3, L=8), spatial output
(``average=False``, the default of both) and, as a separate line, the
rotation-invariant global average (``average=True``, which the
roto-translation transform computes without sub-sampling). Each timing is the
best of ``--repeat`` after a warm-up call, timed round-robin (see
:func:`_fft_floor.race`). The ratio ``roto / scattering`` is printed
(the target: at most 2 for the default output).

Run: ``python benchmarks/bench_roto_translation.py [--n-jobs N] [--repeat R] [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import race  # noqa: E402

from skscat import RotoTranslationScattering2D, Scattering2D  # noqa: E402

# (n_samples, side, J, L): Scattering2D's defaults, then the roto-translation's
CASES = [(1000, 28, 2, 8), (1000, 28, 3, 12), (500, 32, 3, 8)]


def run_case(n, side, J, L, args):
    X = np.random.default_rng(0).standard_normal((n, side * side)).astype(np.float32)
    print(f"\n{n} x {side}x{side}, J={J}, L={L}, float32, numba, n_jobs={args.n_jobs}")
    for average in (False, True):
        params = dict(J=J, L=L, shape=(side, side), average=average, backend="numba")
        ests = {
            "Scattering2D": Scattering2D(n_jobs=args.n_jobs, **params).fit(X),
            "RotoTranslationScattering2D": RotoTranslationScattering2D(
                n_jobs=args.n_jobs, **params
            ).fit(X),
        }
        times = race({k: (lambda e=e: e.transform(X)) for k, e in ests.items()}, args.repeat)
        for name, (wall, _, out) in times.items():
            label = f"average={average!s:<5s} {name}"
            print(f"  {label:<42s} {wall:7.3f} s  {out.shape[1]:6d} features")
        ratio = times["RotoTranslationScattering2D"][0] / times["Scattering2D"][0]
        print(f"  average={average!s:<5s} ratio roto / scattering: {ratio:.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=-1, help="threads (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tenth of the images")
    args = parser.parse_args(argv)
    for n, side, J, L in CASES:
        run_case(n // 10 if args.quick else n, side, J, L, args)


if __name__ == "__main__":
    main()

"""What each step of a transform costs, against the FFTs: a per-step profile.

Runs each benchmark case with default parameters on one thread
(``n_jobs=1``) and measures the CPU time of the calling thread
(:func:`time.thread_time`) spent in every backend operation (FFTs, the fused
filter product and periodisation, the low-passes, moduli, phase harmonics,
padding), medians of ``--repeat`` transforms; "rest" is what runs outside the
backend operations (for phase harmonics: the moments' means and matrix
products in NumPy; the lag sums' fused pass is ``cross_lag_sums``). One
thread and CPU time keep the profile meaningful on a machine shared with
other jobs, where wall-clock times are not. The
"FFT floor" column is scipy.fft alone doing the same FFTs
(:mod:`_fft_floor`), in the same units.

Run: ``python benchmarks/profile_steps.py [--repeat R] [--cases NAME ...]``.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _fft_floor import fft_calls, fft_replay, machine  # noqa: E402

import skscat._base as base  # noqa: E402
from skscat import Scattering2D  # noqa: E402
from skscat.phase_harmonics import PhaseHarmonics2D  # noqa: E402
from skscat.scattering import Scattering1D  # noqa: E402

OPS = (
    "rfft",
    "fft",
    "ifft",
    "irfft",
    "filter_subsample_hermitian",
    "filter_subsample",
    "lowpass_hermitian",
    "lowpass_spatial",
    "modulus",
    "phase_harmonic",
    "cross_lag_sums",
    "pad_reflect",
)
FFTS = {"rfft", "fft", "ifft", "irfft"}


def _texture(shape):
    g = np.random.default_rng(0).standard_normal(shape)
    return (g + np.roll(g, 1, axis=-1) ** 2).astype(np.float32)


def cases():
    rng = np.random.default_rng(0)

    def images(n, side):
        return rng.standard_normal((n, side * side)).astype(np.float32)

    return {
        "S2D 1000x28x28 J=2": lambda: (Scattering2D(J=2, shape=(28, 28)), images(1000, 28)),
        "S2D 500x32x32 J=3": lambda: (Scattering2D(J=3, shape=(32, 32)), images(500, 32)),
        "S2D 32x256x256 J=4": lambda: (Scattering2D(J=4, shape=(256, 256)), images(32, 256)),
        "S2D 8x512x512 J=5": lambda: (Scattering2D(J=5, shape=(512, 512)), images(8, 512)),
        "S1D 200x4096 J=6 Q=8": lambda: (
            Scattering1D(J=6, Q=8),
            rng.standard_normal((200, 4096)).astype(np.float32),
        ),
        "PH2D 4x128x128 J=5 dn=1": lambda: (
            PhaseHarmonics2D(J=5, delta_n=1, normalize=None),
            _texture((4, 128 * 128)),
        ),
        "PH2D 4x256x256 J=6 dn=0": lambda: (
            PhaseHarmonics2D(J=6, delta_n=0, normalize=None),
            _texture((4, 256 * 256)),
        ),
        "PH2D 4x256x256 J=6 dn=1": lambda: (
            PhaseHarmonics2D(J=6, delta_n=1, normalize=None),
            _texture((4, 256 * 256)),
        ),
    }


class _Timed:
    """Backends whose operations add their thread CPU time to ``acc``."""

    def __init__(self):
        self.acc = collections.defaultdict(float)
        self.depth = 0

    def install(self):
        original = base.get_backend
        timed = self

        def get_backend(name="auto", n_jobs=None):
            backend = original(name, n_jobs=n_jobs)
            cls = type(backend)
            sub = type("Timed" + cls.__name__, (cls,), {})
            for op in OPS:
                method = getattr(cls, op, None)
                if method is not None:
                    setattr(sub, op, timed.wrap(op, method))
            backend.__class__ = sub
            return backend

        base.get_backend = get_backend
        return original

    def wrap(self, op, method):
        def timed(backend, *args, **kwargs):
            outer = self.depth == 0  # an op calling another op is counted once
            self.depth += 1
            t0 = time.thread_time()
            try:
                return method(backend, *args, **kwargs)
            finally:
                self.depth -= 1
                if outer:
                    self.acc[op] += time.thread_time() - t0

        return timed


def profile(name, make, repeat):
    est, X = make()
    est.set_params(n_jobs=1).fit(X)
    est.transform(X)
    replay, _ = fft_replay(fft_calls(est.transform, X), 1)
    replay()
    totals, floors = [], []
    for _ in range(repeat):
        t0 = time.thread_time()
        est.transform(X)
        totals.append(time.thread_time() - t0)
        t0 = time.thread_time()
        replay()
        floors.append(time.thread_time() - t0)
    timer = _Timed()
    original = timer.install()
    try:
        runs = []
        for _ in range(repeat):
            timer.acc.clear()
            est.transform(X)
            runs.append(dict(timer.acc))
    finally:
        base.get_backend = original
    steps = {op: float(np.median([r.get(op, 0.0) for r in runs])) for op in OPS}
    total, floor = float(np.median(totals)), float(np.median(floors))
    steps = {op: t for op, t in steps.items() if t > 0}
    steps["rest"] = max(0.0, total - sum(steps.values()))
    ffts = sum(t for op, t in steps.items() if op in FFTS)
    print(
        f"\n{name}: {total * 1e3:.0f} ms CPU, FFT floor {floor * 1e3:.0f} ms "
        f"({total / floor:.2f}x); FFT steps {ffts / total:.0%}, other steps {1 - ffts / total:.0%}"
    )
    for op, t in sorted(steps.items(), key=lambda kv: -kv[1]):
        kind = "FFT" if op in FFTS else "   "
        print(f"  {kind} {op:<28s} {t * 1e3:8.1f} ms  {t / total:6.1%}  ({t / floor:.2f} x floor)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", nargs="+", help="substrings of the case names to run")
    args = parser.parse_args(argv)
    print(
        f"Per-step profile, default parameters on one thread, thread CPU time, median of "
        f"{args.repeat}; {machine()}; load average {os.getloadavg()[0]:.1f}"
    )
    for name, make in cases().items():
        if args.cases and not any(c in name for c in args.cases):
            continue
        profile(name, make, args.repeat)


if __name__ == "__main__":
    main()

"""Shared helpers of the benchmarks: timing, reference libraries, the FFT floor.

The **FFT floor** of a transform on a batch is the time :mod:`scipy.fft`, on
the threads skscat uses by default, takes for just the forward and inverse FFTs
the algorithm performs on that batch: the same calls (kind, shape, precision, axes), recorded while
the estimator transforms the batch, replayed on fresh C-contiguous arrays
(complex transforms in place, as the numba backend does them). Nothing else
(filter products, moduli, low-pass, copies) is counted, so
``time / floor`` says how much of the transform is not FFT work.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

import numpy as np
import scipy.fft

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

FFT_NAMES = ("fft", "ifft", "rfft", "irfft")


def best_of(fn, repeat=3):
    """Best wall-clock and best CPU (process) time of ``repeat`` calls after a warm-up.

    The CPU time is robust to other processes sharing the machine; with
    several threads it is the sum over threads.
    """
    out = fn()  # warm-up: filters built, kernels compiled, FFT plans made
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), out


def import_kymatio(frontend="numpy"):
    """``kymatio.<frontend>`` (``None`` if it cannot be imported).

    Kymatio 0.3 imports ``scipy.special.sph_harm``, which SciPy 1.17 removed;
    the benchmark (never the package) aliases it to ``sph_harm_y``.
    """
    import importlib

    import scipy.special

    if not hasattr(scipy.special, "sph_harm") and hasattr(scipy.special, "sph_harm_y"):
        scipy.special.sph_harm = lambda m, n, theta, phi: scipy.special.sph_harm_y(n, m, phi, theta)
    try:
        if frontend == "torch":
            import torch  # noqa: F401
        return importlib.import_module(f"kymatio.{frontend}")
    except Exception as exc:  # torch missing or broken: the column is skipped
        print(f"(kymatio.{frontend} unavailable: {type(exc).__name__}: {exc})")
        return None


def race(fns: dict, repeat=5):
    """Median wall and CPU time of each callable, timed round-robin.

    Every callable is called once (warm-up), then ``repeat`` rounds call each
    in turn; the median of its ``repeat`` times is kept. Interleaving spreads
    the load of other processes over all entries instead of penalising
    whichever ran during a busy spell, so the ratios of two entries are
    robust even when the absolute times are not. Returns
    ``{name: (wall, cpu, out)}`` (``out`` from the warm-up call).
    """
    outs = {name: fn() for name, fn in fns.items()}
    wall = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return {
        name: (float(np.median(wall[name])), float(np.median(cpu[name])), outs[name])
        for name in fns
    }


def default_threads() -> int:
    """The threads skscat uses with ``n_jobs=None`` in this process."""
    from skscat._threads import effective_n_threads

    return effective_n_threads(None)


def write_figure(path, *, title, script, command, note, cases, unit="seconds", log=True):
    """Write a performance-page figure (``doc/benchmarks/NAME.json``) from one run."""
    import datetime
    import json
    import platform

    import scipy

    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    versions.append(f"SciPy {scipy.__version__}")
    for name in ("numba", "kymatio", "torch", "pywph"):
        module = sys.modules.get(name)
        if module is not None:
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
    data = {
        "title": title,
        "script": script,
        "command": command,
        "machine": f"{machine()}; {', '.join(versions)}; load average "
        f"{os.getloadavg()[0]:.1f} at the end of the run",
        "date": datetime.date.today().isoformat(),
        "unit": unit,
        "lower_is_better": True,
        "log": log,
        "note": note,
        "cases": cases,
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    print(f"wrote {path}")


def fft_replay(calls, workers=None, split=1):
    """A callable replaying ``calls`` with :mod:`scipy.fft`, and its summary.

    Returns ``(replay, summary)``; ``summary`` maps each call kind to
    ``(count, points)`` (``points``: transformed values, batch included).
    ``split > 1`` replays them sample-parallel, as skscat runs a batch on
    several threads: every call's first (sample) axis is cut into ``split``
    contiguous parts, and ``split`` threads each replay their part of every
    call on one FFT thread.
    """
    if split > 1:
        return _split_replay(calls, split)
    workers = workers or default_threads()
    rng = np.random.default_rng(0)
    jobs = []
    summary = {}
    arrays = {}  # one input array per (shape, dtype), reused by the calls
    for name, shape, dtype, ndim, n_last in calls:
        axes = tuple(range(-ndim, 0))
        a = arrays.get((shape, dtype.str))
        if a is None:
            a = rng.standard_normal(shape).astype(dtype)
            if dtype.kind == "c":
                a.imag = rng.standard_normal(shape)
            arrays[(shape, dtype.str)] = a
        if name == "irfft":
            s = shape[len(shape) - ndim : -1] + (n_last,)
            jobs.append(
                lambda a=a, s=s, axes=axes: scipy.fft.irfftn(a, s=s, axes=axes, workers=workers)
            )
        elif name == "rfft":
            jobs.append(lambda a=a, axes=axes: scipy.fft.rfftn(a, axes=axes, workers=workers))
        else:
            fn = scipy.fft.fftn if name == "fft" else scipy.fft.ifftn
            inplace = a.dtype.kind == "c"
            # In place, replays transform the same array again and again: the
            # orthonormal scaling (same cost) keeps its values from drifting to
            # subnormal numbers (ifft divides the norm by sqrt(n) each time),
            # which would make the floor many times slower than the real FFTs.
            jobs.append(
                lambda a=a, fn=fn, axes=axes, inplace=inplace: fn(
                    a, axes=axes, workers=workers, overwrite_x=inplace, norm="ortho"
                )
            )
        count, points = summary.get(name, (0, 0))
        summary[name] = (count + 1, points + int(np.prod(shape)))

    def replay():
        for job in jobs:
            job()

    return replay, summary


def _split_replay(calls, split):
    parts = [[] for _ in range(split)]
    summary = {}
    for name, shape, dtype, ndim, n_last in calls:
        n = shape[0]
        bounds = [n * i // split for i in range(split + 1)]
        for i in range(split):
            if bounds[i + 1] > bounds[i]:
                sub = (bounds[i + 1] - bounds[i],) + tuple(shape[1:])
                parts[i].append((name, sub, dtype, ndim, n_last))
        count, points = summary.get(name, (0, 0))
        summary[name] = (count + 1, points + int(np.prod(shape)))
    replays = [fft_replay(part, 1)[0] for part in parts if part]

    def replay():
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(replays)) as pool:
            for future in [pool.submit(r) for r in replays]:
                future.result()

    return replay, summary


def describe(summary) -> str:
    return ", ".join(f"{k} x{c} ({p / 1e6:.1f} M points)" for k, (c, p) in summary.items())


@contextlib.contextmanager
def recording_ffts(calls: list, fourier_lowpass: bool = False):
    """Within the block, skscat's backends append every FFT they run to ``calls``.

    Each entry is ``(name, shape, dtype, ndim, n_last)`` of one call. With
    ``fourier_lowpass``, the backends hide ``lowpass_spatial``, so the
    cascade takes every low-pass in Fourier (a forward FFT of every modulus,
    as in Kymatio) instead of in space for the last order.
    """
    import skscat._base as base

    original = base.get_backend

    def get_backend(name="auto", n_jobs=None):
        backend = original(name, n_jobs=n_jobs)
        cls = type(backend)

        class Recording(cls):
            pass

        def wrap(fname):
            method = getattr(cls, fname)

            def recorded(self, x, *args, **kwargs):
                n_last = args[0] if fname == "irfft" else None
                ndim = args[-1] if args else kwargs["ndim"]
                calls.append((fname, tuple(x.shape), np.dtype(x.dtype), ndim, n_last))
                return method(self, x, *args, **kwargs)

            return recorded

        for fname in FFT_NAMES:
            setattr(Recording, fname, wrap(fname))
        if fourier_lowpass:

            def hidden(self):
                raise AttributeError("lowpass_spatial")

            Recording.lowpass_spatial = property(hidden)
        backend.__class__ = Recording
        return backend

    base.get_backend = get_backend
    try:
        yield calls
    finally:
        base.get_backend = original


def fft_calls(transform, X, fourier_lowpass=False):
    """The FFT calls ``transform(X)`` makes (one run); see :func:`recording_ffts`."""
    calls = []
    with recording_ffts(calls, fourier_lowpass):
        transform(X)
    return calls


def fft_floor(calls, repeat=3, workers=None):
    """Best time of replaying ``calls`` with :mod:`scipy.fft` on ``workers`` threads.

    Returns ``(wall, cpu, summary)`` (see :func:`fft_replay`).
    """
    replay, summary = fft_replay(calls, workers)
    wall, cpu, _ = best_of(replay, repeat)
    return wall, cpu, summary


def machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"

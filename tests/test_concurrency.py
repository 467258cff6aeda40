"""Several threads transforming with one fitted estimator give the sequential results,
and a cold filter cache is built once under concurrent first use."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.base import clone

from skscat.filters import clear_filter_cache
from skscat.filters._cache import cached_bank
from skscat.phase_harmonics import PhaseHarmonics1D, PhaseHarmonics2D
from skscat.scattering import (
    HarmonicScattering3D,
    RotoTranslationScattering2D,
    Scattering1D,
    Scattering2D,
    ScatteringNormalizer,
    TimeFrequencyScattering,
)
from skscat.sparse import SparseCoding

N_THREADS = 6


def _backends():
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover
        return ["numpy"]
    return ["numpy", "numba"]


def _estimators(backend):
    return [
        (Scattering1D(J=4, Q=4, backend=backend, batch_size=3), 128),
        (Scattering2D(J=2, L=4, shape=(16, 16), backend=backend, batch_size=3), 256),
        (
            Scattering2D(
                J=2, L=2, shape=(12, 12), nonlinearity="relu", n_phases=2, backend=backend
            ),
            144,
        ),
        (PhaseHarmonics1D(J=5, delta_n=1, backend=backend, batch_size=2), 64),
        (RotoTranslationScattering2D(J=2, L=4, shape=(16, 16), backend=backend, batch_size=3), 256),
        (PhaseHarmonics2D(J=3, L=4, shape=(16, 16), delta_n=1, backend=backend), 256),
        (
            SparseCoding(n_atoms=12, alpha=0.2, n_epochs=2, random_state=0, backend=backend),
            20,
        ),
        (ScatteringNormalizer(Scattering1D(J=4, Q=2, backend=backend)), 128),
        (TimeFrequencyScattering(J=4, J_fr=1, Q=2, backend=backend, batch_size=3), 128),
        (HarmonicScattering3D(J=1, L=2, shape=(8, 8, 8), backend=backend, batch_size=3), 512),
    ]


CASES = [
    pytest.param(est, p, id=f"{type(est).__name__}-{backend}-{i}")
    for backend in _backends()
    for i, (est, p) in enumerate(_estimators(backend))
]


def _chunks(p, n_chunks=N_THREADS, rows=5):
    rng = np.random.default_rng(0)
    return [rng.standard_normal((rows, p)) for _ in range(n_chunks)]


def _run_concurrently(func, args):
    """Call ``func(arg)`` for every arg from its own thread, all released together."""
    barrier = threading.Barrier(len(args))

    def task(arg):
        barrier.wait()
        return func(arg)

    with ThreadPoolExecutor(max_workers=len(args)) as pool:
        return list(pool.map(task, args))


@pytest.mark.parametrize(("est", "p"), CASES)
def test_threads_share_one_fitted_estimator(est, p):
    chunks = _chunks(p)
    est = clone(est).fit(np.concatenate(chunks))
    sequential = [est.transform(X) for X in chunks]
    # Every chunk three times, all threads at once, on the same estimator.
    concurrent = _run_concurrently(est.transform, chunks * 3)
    for i, Y in enumerate(concurrent):
        np.testing.assert_array_equal(Y, sequential[i % len(chunks)])


@pytest.mark.parametrize(("est", "p"), CASES)
def test_cold_filter_cache_under_concurrent_first_use(est, p):
    chunks = _chunks(p)
    est = clone(est).fit(np.concatenate(chunks))
    warm = [est.transform(X) for X in chunks]
    for dtype in (np.float64, np.float32):
        clear_filter_cache()
        concurrent = _run_concurrently(est.transform, [X.astype(dtype) for X in chunks])
        for Y, ref in zip(concurrent, warm, strict=True):
            assert Y.dtype == dtype
            if dtype == np.float64:
                np.testing.assert_array_equal(Y, ref)
            else:
                np.testing.assert_allclose(Y, ref, rtol=1e-3, atol=1e-4 * np.abs(ref).max())


def test_concurrent_fits_of_clones():
    """Fitting clones from several threads (a threaded grid search) is safe."""
    X = _chunks(256, n_chunks=1)[0]
    params = [dict(J=J, L=L) for J in (1, 2) for L in (2, 4, 6)]
    base = Scattering2D(shape=(16, 16), backend="numpy")

    def fit_transform(kw):
        return clone(base).set_params(**kw).fit(X).transform(X)

    clear_filter_cache()
    concurrent = _run_concurrently(fit_transform, params)
    for kw, Y in zip(params, concurrent, strict=True):
        np.testing.assert_array_equal(Y, fit_transform(kw))


def test_cached_bank_builds_each_key_once():
    calls = []
    lock = threading.Lock()

    @cached_bank
    def slow_bank(n, dtype="float64"):
        with lock:
            calls.append((n, dtype))
        time.sleep(0.05)  # a slow build: every thread arrives while it runs
        return np.arange(n, dtype=dtype)

    keys = [4, 4, 4, 8, 8, 4, 8, 4]
    results = _run_concurrently(slow_bank, keys)
    assert sorted(calls) == [(4, "float64"), (8, "float64")]
    by_key = {}
    for k, r in zip(keys, results, strict=True):
        assert by_key.setdefault(k, r) is r  # one shared object per key
    clear_filter_cache()
    assert slow_bank(4) is not by_key[4]  # rebuilt after clearing
    assert len(calls) == 3


def _blas_threads_now():
    from threadpoolctl import threadpool_info

    return sorted(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


class _FakeLimiter:
    def __init__(self, controller, limit):
        self.controller = controller
        self.saved = controller.value
        controller.value = limit
        controller.log.append(("limit", limit))

    def restore_original_limits(self):
        self.controller.value = self.saved
        self.controller.log.append(("restore", self.saved))

    def __enter__(self):  # threadpoolctl's limiters are context managers too
        return self

    def __exit__(self, *exc):
        self.restore_original_limits()


class _FakeController:
    """Stands for threadpoolctl's process-wide state: one number of threads."""

    def __init__(self, value):
        self.value, self.log = value, []

    def limit(self, limits, user_api):
        assert user_api == "blas"
        return _FakeLimiter(self, limits)


def test_blas_threads_first_in_last_out(monkeypatch):
    """Threads entering and leaving ``blas_threads`` in any order leave the
    original limit behind: set once by the first thread in, restored once by
    the last one out (``threadpool_limits`` per call restores in the wrong
    order and leaves BLAS limited)."""
    from skscat import _blas

    fake = _FakeController(8)
    monkeypatch.setitem(_blas._state, "controller", fake)
    n = N_THREADS
    inside, leave = threading.Barrier(n + 1), [threading.Event() for _ in range(n)]
    seen = []

    def hold(i):
        with _blas.blas_threads(1):
            inside.wait()
            leave[i].wait(10)
            seen.append(fake.value)

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(hold, i) for i in range(n)]
        inside.wait()  # all inside
        assert fake.value == 1
        for i in (3, 0, 5, 1, 4, 2):  # leave in a scrambled order
            leave[i].set()
        for f in futures:
            f.result()
    assert seen == [1] * n  # limited until the last one left
    assert fake.value == 8
    assert fake.log == [("limit", 1), ("restore", 8)]
    # Sequential use sets and restores each time.
    with _blas.blas_threads(2):
        assert fake.value == 2
    assert fake.value == 8 and _blas._state["depth"] == 0


def _interleaved(monkeypatch, owner, name, call_a, call_b):
    """Run ``call_a`` and ``call_b`` in two threads, forced to overlap as
    A in, B in, A out, B out, both inside ``owner.name`` (patched to wait)."""
    original = getattr(owner, name)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def gated(*args, **kwargs):
        if threading.current_thread().name == "A":
            a_in.set()
            assert b_in.wait(10)
        else:
            b_in.set()
            assert a_out.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, gated)

    def run_a():
        call_a()
        a_out.set()

    def run_b():
        assert a_in.wait(10)
        call_b()

    threads = [threading.Thread(target=run_a, name="A"), threading.Thread(target=run_b, name="B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert a_out.is_set() and not any(t.is_alive() for t in threads)


@pytest.fixture
def fake_blas(monkeypatch):
    """threadpoolctl's process-wide BLAS state as one number (8 threads), for every
    limiter of skscat. (Real OpenBLAS builds may keep the count per thread, which
    would hide the interleaving this checks.)"""
    import threadpoolctl

    from skscat import _blas

    fake = _FakeController(8)
    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", lambda: fake)
    monkeypatch.setitem(_blas._state, "controller", None)
    return fake


def test_interleaved_sparse_coding_leaves_blas_threads_as_they_were(monkeypatch, fake_blas):
    """SparseCoding limits BLAS to one thread through the shared limiter: two
    overlapping calls must not leave the process at one BLAS thread."""
    from skscat.sparse.sparse_coding import SparseCoding as cls

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8))
    # one thread: the gate tells the calls apart by their thread
    sc = SparseCoding(n_atoms=6, random_state=0, backend="numpy", n_jobs=1).fit(X)
    assert fake_blas.value == 8
    _interleaved(
        monkeypatch, cls, "_transform_batch", lambda: sc.transform(X), lambda: sc.transform(X)
    )
    assert fake_blas.value == 8
    assert ("limit", 1) in fake_blas.log


def test_interleaved_gradients_leave_blas_threads_as_they_were(monkeypatch, fake_blas):
    """The phase-harmonic VJP limits BLAS through the same shared limiter."""
    from skscat.gradients import _phase_harmonics, vjp

    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 64))
    est = PhaseHarmonics2D(J=2, L=2, backend="numpy", n_jobs=1).fit(X)
    G = np.ones((2, est.n_features_out_))
    _interleaved(
        monkeypatch, _phase_harmonics, "_backward", lambda: vjp(est, X, G), lambda: vjp(est, X, G)
    )
    assert fake_blas.value == 8
    assert ("limit", 1) in fake_blas.log

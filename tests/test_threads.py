"""The default thread policy: cores available, lowered by every limit the process was given."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from joblib import Parallel, delayed, parallel_config
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

import skscat._threads as threads
from skscat._threads import dask_task, effective_n_threads
from skscat.backends import get_backend


@pytest.fixture
def many_cores(monkeypatch):
    """Pretend the process may use 64 cores, and clear the environment's limits."""
    monkeypatch.setattr(threads, "available_cpus", lambda only_physical_cores=False: 64)
    for name in threads._ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    # the libraries' own thread counts (the real machine's) are not the subject here
    monkeypatch.setattr(threads, "_threadpool_limit", lambda: None)


def test_default_uses_the_available_cores(many_cores):
    assert effective_n_threads(None) == 64
    assert get_backend("numpy").workers == 64
    assert get_backend("numba").workers == 64


def test_explicit_n_jobs_wins(many_cores, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert effective_n_threads(3) == 3
    assert effective_n_threads(1) == 1
    assert effective_n_threads(-1) == 64
    assert effective_n_threads(-2) == 63
    assert effective_n_threads(-100) == 1
    with parallel_config(n_jobs=4):
        assert effective_n_threads(5) == 5
        assert get_backend("numba", n_jobs=5).workers == 5


@pytest.mark.parametrize("name", ["OMP_NUM_THREADS", "NUMBA_NUM_THREADS"])
def test_environment_variables_lower_the_default(many_cores, monkeypatch, name):
    monkeypatch.setenv(name, "3")
    assert effective_n_threads(None) == 3
    monkeypatch.setenv(name, "5,2")  # OpenMP's nested list: the outer level counts
    assert effective_n_threads(None) == 5
    monkeypatch.setenv(name, "not a number")
    assert effective_n_threads(None) == 64


def test_threadpool_limits_lower_the_default(monkeypatch):
    monkeypatch.setattr(threads, "available_cpus", lambda only_physical_cores=False: 64)
    for name in threads._ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    np.ones((2, 2)) @ np.ones((2, 2))  # BLAS is loaded
    before = effective_n_threads(None)
    with threadpool_limits(limits=1):
        assert effective_n_threads(None) == 1
        assert get_backend("numba").workers == 1
        assert effective_n_threads(2) == 2
    assert effective_n_threads(None) == before


def test_one_thread_in_joblib_workers(many_cores):
    inside = Parallel(n_jobs=2, backend="threading")(
        delayed(effective_n_threads)(None) for _ in range(4)
    )
    assert inside == [1, 1, 1, 1]
    # an explicit n_jobs still wins inside a worker
    inside = Parallel(n_jobs=2, backend="threading")(delayed(effective_n_threads)(3) for _ in "ab")
    assert inside == [3, 3]
    # a sequential Parallel is no parallelism
    assert Parallel(n_jobs=1)(delayed(effective_n_threads)(None) for _ in "ab") == [64, 64]


@pytest.mark.parametrize("n_jobs, expected", [(2, 1), (-1, 1), (1, 64)])
def test_parallel_config_context(many_cores, n_jobs, expected):
    with parallel_config(n_jobs=n_jobs):
        assert effective_n_threads(None) == expected
    assert effective_n_threads(None) == 64


class _Recorder(BaseEstimator):
    """Records the threads a transform would get while being fitted."""

    def __init__(self, c=1):
        self.c = c

    def fit(self, X, y=None):
        self.threads_ = effective_n_threads(None)
        return self

    def score(self, X, y=None):
        return float(effective_n_threads(None))


def test_one_thread_inside_grid_search(many_cores):
    X = np.zeros((6, 2))
    with parallel_config(backend="threading"):
        search = GridSearchCV(_Recorder(), {"c": [1, 2]}, cv=2, n_jobs=2, refit=False).fit(X)
    assert np.all(search.cv_results_["mean_test_score"] == 1.0)


def test_dask_worker_threads_get_one_thread(many_cores):
    with dask_task():  # the main thread: dask's synchronous scheduler, no limit
        assert effective_n_threads(None) == 64
    seen = []

    def task():
        with dask_task():
            seen.append(effective_n_threads(None))
            seen.append(effective_n_threads(2))
        seen.append(effective_n_threads(None))

    worker = threading.Thread(target=task)
    worker.start()
    worker.join()
    assert seen == [1, 2, 64]


def test_dask_blocks_transform_with_one_thread(many_cores, monkeypatch):
    da = pytest.importorskip("dask.array")
    import dask

    import skscat._base as base
    from skscat import Scattering1D

    workers = []
    original = base.get_backend

    def recording(name="auto", n_jobs=None):
        backend = original(name, n_jobs=n_jobs)
        workers.append(backend.workers)
        return backend

    monkeypatch.setattr(base, "get_backend", recording)
    X = np.random.default_rng(0).standard_normal((8, 64))
    est = Scattering1D(J=2, Q=1).fit(X)
    expected = est.transform(X)
    # the batch's backend gets the cores; its rows are split over them, one thread per sub-batch
    assert workers[0] == 64 and set(workers[1:]) == {1}
    workers.clear()
    with dask.config.set(scheduler="threads"):
        out = est.transform(da.from_array(X, chunks=(2, 64))).compute()
    np.testing.assert_array_equal(out, expected)
    assert workers and set(workers) == {1}

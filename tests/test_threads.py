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


# -- sample-level parallelism: batches split over threads ---------------------
def test_row_blocks_are_contiguous_and_balanced():
    blocks = threads.row_blocks(10, 3)
    assert [(b.start, b.stop) for b in blocks] == [(0, 3), (3, 6), (6, 10)]
    assert threads.row_blocks(1, 4) == [slice(0, 1)]  # one row: not split
    assert len(threads.row_blocks(3, 8)) == 3  # at most one block per row
    assert threads.row_blocks(7, 1) == [slice(0, 7)]


def test_map_row_blocks_one_thread_inside_and_errors_propagate(many_cores):
    def record(i, block):
        return i, block, effective_n_threads(None), effective_n_threads(7)

    out = threads.map_row_blocks(record, [slice(0, 2), slice(2, 4), slice(4, 5)])
    assert [o[:2] for o in out] == [(0, slice(0, 2)), (1, slice(2, 4)), (2, slice(4, 5))]
    assert all(o[2:] == (1, 1) for o in out)  # explicit n_jobs included: threads are busy
    assert effective_n_threads(None) == 64  # back to the policy outside

    def failing(i, block):
        if i == 1:
            raise RuntimeError("block 1 failed")
        return i

    with pytest.raises(RuntimeError, match="block 1 failed"):
        threads.map_row_blocks(failing, [slice(0, 1), slice(1, 2)])


def test_batches_split_over_threads_single_threaded_inside(monkeypatch):
    from skscat import Scattering1D

    X = np.random.default_rng(0).standard_normal((10, 64))
    seen = []
    original = Scattering1D._transform_batch

    def recording(self, Xb, backend):
        seen.append((Xb.shape[0], backend.workers, effective_n_threads(None)))
        return original(self, Xb, backend)

    expected = Scattering1D(J=2, Q=1, n_jobs=1).fit(X).transform(X)
    monkeypatch.setattr(Scattering1D, "_transform_batch", recording)
    seen.clear()
    est = Scattering1D(J=2, Q=1, n_jobs=3, batch_size=7).fit(X)
    np.testing.assert_array_equal(est.transform(X), expected)
    # batches of 7 and 3 rows, each split into 3 sub-batches with one thread each
    assert sorted(s[0] for s in seen) == [1, 1, 1, 2, 2, 3]
    assert {s[1:] for s in seen} == {(1, 1)}
    seen.clear()
    est.set_params(n_jobs=1).transform(X)
    assert sorted(s[0] for s in seen) == [3, 7]  # one thread: whole batches


def test_split_rows_false_keeps_whole_batches():
    from skscat import Scattering1D

    X = np.random.default_rng(0).standard_normal((9, 64))
    est = Scattering1D(J=2, Q=1, n_jobs=2, batch_size=4).fit(X)
    calls = []

    def compute(backend, Xb, rows):
        calls.append((rows, threading.current_thread() is threading.main_thread()))
        return (est._transform_batch(Xb, backend),)

    (out,) = est._map_batches(X, compute, split_rows=False)
    assert [c[0] for c in calls] == [slice(0, 4), slice(4, 8), slice(8, 9)]
    assert all(c[1] for c in calls)
    np.testing.assert_array_equal(out, est.transform(X))


def test_auto_batches_hold_a_cache_sized_chunk_per_thread(monkeypatch):
    import skscat._base as base
    from skscat import Scattering1D

    X = np.random.default_rng(0).standard_normal((23, 64))
    seen = []
    original = Scattering1D._transform_batch

    def recording(self, Xb, backend):
        seen.append(Xb.shape[0])
        return original(self, Xb, backend)

    expected = Scattering1D(J=2, Q=1, n_jobs=1, batch_size=23).fit(X).transform(X)
    est = Scattering1D(J=2, Q=1, n_jobs=2).fit(X)
    monkeypatch.setattr(Scattering1D, "_bounded_blocks", False)
    monkeypatch.setattr(base, "_THREAD_CHUNK_BYTES", 4 * est._bytes_per_sample())
    monkeypatch.setattr(base, "_THREAD_CHUNK_ROWS", 2)
    monkeypatch.setattr(Scattering1D, "_transform_batch", recording)
    np.testing.assert_array_equal(est.transform(X), expected)
    # batches of 2 threads x 4 rows, each split in two: 23 = 4 + 4 + 4 + 4 + 4 + 3
    assert sorted(seen) == [3] + [4] * 5
    seen.clear()
    monkeypatch.setattr(base, "_THREAD_CHUNK_ROWS", 6)  # the floor on rows a thread
    seen.clear()
    est.transform(X)
    assert sorted(seen) == [5, 6, 6, 6]
    seen.clear()
    est.set_params(batch_size=23).transform(X)  # an explicit batch_size is kept
    assert sorted(seen) == [11, 12]


def _recorded_batches(monkeypatch, cls):
    seen = []
    original = cls._transform_batch

    def recording(self, Xb, backend):
        seen.append(Xb.shape[0])
        return original(self, Xb, backend)

    monkeypatch.setattr(cls, "_transform_batch", recording)
    return seen


def test_auto_batches_budget_float32_rows_at_half_the_float64_estimate(monkeypatch):
    import skscat._base as base
    from skscat import Scattering1D

    X = np.random.default_rng(0).standard_normal((12, 64))
    est = Scattering1D(J=2, Q=1, n_jobs=1).fit(X)
    monkeypatch.setattr(base, "_BATCH_MEMORY_BYTES", 3 * est._bytes_per_sample())
    monkeypatch.setattr(base, "_THREAD_CHUNK_ROWS", 1)
    seen = _recorded_batches(monkeypatch, Scattering1D)
    expected = est.transform(X)
    assert seen == [3, 3, 3, 3]  # the float64 estimate: 3 rows a batch
    seen.clear()
    out = est.transform(X.astype(np.float32))
    assert seen == [6, 6]  # float32 rows need half of it
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


def test_rows_larger_than_the_batch_budget_still_get_one_a_thread(monkeypatch):
    import skscat._base as base
    from skscat import Scattering1D

    X = np.random.default_rng(0).standard_normal((5, 64))
    expected = Scattering1D(J=2, Q=1, n_jobs=1, batch_size=1).fit(X).transform(X)
    est = Scattering1D(J=2, Q=1, n_jobs=2).fit(X)
    monkeypatch.setattr(base, "_BATCH_MEMORY_BYTES", est._bytes_per_sample() // 2)
    seen = _recorded_batches(monkeypatch, Scattering1D)
    # batches of two rows (one a thread), each split in two, then the last row
    np.testing.assert_array_equal(est.transform(X), expected)
    assert seen == [1] * 5
    calls = []
    original = base.row_blocks
    monkeypatch.setattr(base, "row_blocks", lambda n, t: calls.append(n) or original(n, t))
    est.transform(X)
    assert calls == [2, 2, 1]
    # unless the memory cannot hold a row a thread
    monkeypatch.setattr(base, "available_memory_bytes", lambda: est._bytes_per_sample() * 3 // 2)
    calls.clear()
    np.testing.assert_array_equal(est.transform(X), expected)
    assert calls == [1] * 5


def test_bounded_blocks_take_even_batches_bounded_by_memory_alone(monkeypatch):
    import skscat._base as base
    from skscat import Scattering1D

    assert Scattering1D._bounded_blocks  # its cascade runs in chunks of filters
    X = np.random.default_rng(0).standard_normal((23, 64))
    expected = Scattering1D(J=2, Q=1, n_jobs=1, batch_size=23).fit(X).transform(X)
    est = Scattering1D(J=2, Q=1, n_jobs=2).fit(X)
    monkeypatch.setattr(base, "_THREAD_CHUNK_BYTES", 1)  # not applied
    monkeypatch.setattr(base, "_BATCH_MEMORY_BYTES", 10 * est._bytes_per_sample())
    seen = _recorded_batches(monkeypatch, Scattering1D)
    np.testing.assert_array_equal(est.transform(X), expected)
    # at most 10 rows a batch: 23 = 8 + 8 + 7 (not 10 + 10 + 3), each split in two
    assert sorted(seen) == [3, 4, 4, 4, 4, 4]

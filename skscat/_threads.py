"""How many threads a transform's FFTs and kernels use.

``n_jobs`` is the explicit choice and always wins: a positive number is that
many threads, a negative one counts back from the CPUs this process may use
(joblib's convention: ``-1`` all of them, ``-2`` all but one).

``n_jobs=None`` (the default) means "as many as is safe", like the compiled
estimators of scikit-learn and like BLAS: the physical cores this process may
use (CPU affinity and cgroup quotas, through :func:`joblib.cpu_count`), lowered
by every limit the process has been given for threads of that kind:

- ``OMP_NUM_THREADS`` and ``NUMBA_NUM_THREADS`` when set;
- the thread counts of the OpenMP and BLAS libraries loaded in the process,
  which is what :func:`threadpoolctl.threadpool_limits` sets;
- one thread inside a joblib worker (``GridSearchCV(n_jobs=...)``,
  ``cross_val_score``, ``Parallel``), inside a ``joblib.parallel_config`` that
  asks for more than one job, and inside a task that dask runs on one of its
  worker threads: the outer level already runs one task per core, so inner
  threads would only oversubscribe the machine.

How the threads are used: a batch of rows is split into one contiguous
sub-batch per thread (:func:`map_row_blocks`), each transformed on its own
thread with one thread inside (single-threaded FFTs and kernels), so that all
the work, FFTs and element-wise kernels alike, runs in parallel without a
parallel region per operation; a batch with too few rows to split keeps one
sub-batch whose FFTs and kernels use the threads instead. Inside a sub-batch
every thread count is 1, even an explicit ``n_jobs``: the transform's threads
are already all busy.

The count changes only the speed: every backend computes each output value in
an order that does not depend on it, and a row's values do not depend on the
rows it is batched with.
"""

from __future__ import annotations

import contextlib
import os
import threading

# Environment variables that cap compute threads (joblib sets them in its
# worker processes, users set them to share a machine).
_ENV_VARS = ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS")

_local = threading.local()
_controller_lock = threading.Lock()
_controller = None


def available_cpus(only_physical_cores: bool = False) -> int:
    """CPUs this process may run on: affinity mask, cgroup quota, ``LOKY_MAX_CPU_COUNT``."""
    try:
        from joblib import cpu_count

        return max(1, int(cpu_count(only_physical_cores=only_physical_cores)))
    except Exception:  # joblib absent or unable to tell
        if hasattr(os, "sched_getaffinity"):
            return max(1, len(os.sched_getaffinity(0)))
        return max(1, os.cpu_count() or 1)


def _env_limit() -> int | None:
    """The smallest positive thread count set by :data:`_ENV_VARS`, if any."""
    limit = None
    for name in _ENV_VARS:
        value = os.environ.get(name, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            limit = int(value) if limit is None else min(limit, int(value))
    return limit


def _threadpool_limit() -> int | None:
    """The smallest thread count of the OpenMP and BLAS libraries loaded, if any.

    Read live from a controller made once (``threadpool_limits`` changes the
    libraries' settings, which the controller reads back).
    """
    global _controller
    with _controller_lock:
        if _controller is None:
            try:
                from threadpoolctl import ThreadpoolController

                _controller = ThreadpoolController()
            except Exception:  # threadpoolctl absent or unable to inspect the process
                _controller = False
        controller = _controller
    if not controller:
        return None
    counts = []
    for lib in controller.lib_controllers:
        try:
            counts.append(int(lib.num_threads))
        except Exception:  # a library that cannot report: ignore it
            continue
    counts = [c for c in counts if c > 0]
    return min(counts) if counts else None


def _in_nested_parallelism() -> bool:
    """Whether an outer level already runs tasks in parallel (joblib or dask)."""
    if getattr(_local, "outer_parallel", False):
        return True
    try:
        from joblib.parallel import get_active_backend
    except ImportError:  # pragma: no cover - joblib comes with scikit-learn
        return False
    try:
        backend, n_jobs = get_active_backend()
    except Exception:  # a joblib whose internals differ: no information
        return False
    if getattr(backend, "nesting_level", 0):
        return True  # inside a worker of a Parallel call
    # a parallel_config(n_jobs=k) around this call, k > 1 (or negative: all cores)
    return n_jobs is not None and n_jobs != 1


def effective_n_threads(n_jobs: int | None = None) -> int:
    """Threads for one transform's FFTs and kernels.

    Parameters
    ----------
    n_jobs : int or None
        The estimator's ``n_jobs``. An integer is used as given (negative:
        counted back from the CPUs available, ``-1`` all of them); ``None``
        applies the default policy described in :mod:`skscat._threads`.

    Returns
    -------
    int
        At least 1; always 1 within a sub-batch of :func:`map_row_blocks`.
    """
    if getattr(_local, "inside_row_block", False):
        return 1
    if n_jobs is not None:
        n_jobs = int(n_jobs)
        if n_jobs < 0:
            return max(1, available_cpus() + 1 + n_jobs)
        return max(1, n_jobs)
    if _in_nested_parallelism():
        return 1
    n = available_cpus(only_physical_cores=True)
    for limit in (_env_limit(), _threadpool_limit()):
        if limit is not None:
            n = min(n, limit)
    return max(1, n)


@contextlib.contextmanager
def dask_task():
    """Within the block, ``n_jobs=None`` gives one thread if this is a dask worker thread.

    A dask array's blocks are transformed in parallel, one task per worker
    thread; the main thread (dask's synchronous scheduler, or a plain call)
    keeps the default.
    """
    if threading.current_thread() is threading.main_thread():
        yield
        return
    previous = getattr(_local, "outer_parallel", False)
    _local.outer_parallel = True
    try:
        yield
    finally:
        _local.outer_parallel = previous


# Rows a sub-batch needs, per thread, for the batch to be split over threads
# rather than run with threads inside each FFT and kernel. One: on the 2-D
# benchmark cases (down to sub-batches of two 256 x 256 images) the split
# took no more CPU time than threads inside each operation, which pay a
# synchronisation per FFT and kernel call.
MIN_ROWS_PER_THREAD = 1

_pools_lock = threading.Lock()
_pools: dict = {}


def _forget_pools_in_child():
    """A forked child has none of the parent's threads: it starts new pools."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_in_child)


def thread_pool(name: str):
    """The process's pool of threads called ``name``, created on first use.

    One pool per use (sub-batches, kernel chunks): a task of one pool may wait
    on tasks of another, never on its own pool's queue, so nesting cannot
    deadlock.
    """
    with _pools_lock:
        pool = _pools.get(name)
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            pool = _pools[name] = ThreadPoolExecutor(
                max_workers=max(2, os.cpu_count() or 1), thread_name_prefix=f"skscat-{name}"
            )
        return pool


def row_blocks(n_rows: int, n_threads: int) -> list[slice]:
    """Contiguous, near-equal slices of ``range(n_rows)``, one per thread that gets rows.

    A single slice when there are fewer than ``MIN_ROWS_PER_THREAD`` rows per thread.
    """
    n = max(1, min(int(n_threads), int(n_rows) // MIN_ROWS_PER_THREAD))
    bounds = [n_rows * i // n for i in range(n + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(n)]


@contextlib.contextmanager
def _inside_row_block():
    previous = getattr(_local, "inside_row_block", False)
    _local.inside_row_block = True
    try:
        yield
    finally:
        _local.inside_row_block = previous


def map_row_blocks(fn, blocks: list) -> list:
    """``[fn(i, block) for i, block in enumerate(blocks)]``, the calls run concurrently.

    The first block runs on the calling thread, the others on a shared pool;
    within each call :func:`effective_n_threads` is 1. Results in block order.
    """

    def call(i):
        with _inside_row_block():
            return fn(i, blocks[i])

    if len(blocks) == 1:
        return [fn(0, blocks[0])]
    futures = [thread_pool("rows").submit(call, i) for i in range(1, len(blocks))]
    try:
        first = call(0)
    finally:
        results = [future.result() for future in futures]
    return [first, *results]

"""The one BLAS thread limiter of skscat.

threadpoolctl's limits are process-wide. A ``threadpool_limits`` context per
call is wrong under threads: two calls that enter and leave interleaved
restore each other's saved limits and leave BLAS limited after both are done.
Here the first thread in sets the limit, later ones share it, and the last one
out restores the original.
"""

from __future__ import annotations

import contextlib
import threading

_lock = threading.Lock()
_state: dict = {"depth": 0, "limiter": None, "controller": None}


@contextlib.contextmanager
def blas_threads(limit: int):
    """Limit BLAS to ``limit`` threads while any thread of the process is inside.

    Parameters
    ----------
    limit : int
        Number of BLAS threads. Calls that overlap in time share the limit of
        the first one in.
    """
    with _lock:
        if _state["depth"] == 0:
            controller = _state["controller"]
            if controller is None:  # the library scan, once per process
                # SciPy's BLAS (a library of its own, which numba kernels call)
                # must be loaded for the scan to find it
                import scipy.linalg.cython_blas  # noqa: F401
                from threadpoolctl import ThreadpoolController

                controller = _state["controller"] = ThreadpoolController()
            _state["limiter"] = controller.limit(limits=int(limit), user_api="blas")
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                _state["limiter"].restore_original_limits()
                _state["limiter"] = None

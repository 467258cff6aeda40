"""The one cache of skscat: built once per key, thread-safe, least recently used out.

Filter banks, device copies of them and compiled kernels depend only on their
parameters, so each is built once per key and shared by every estimator (and
every thread) that needs it; estimators never hold them in their pickled state.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

_MAXSIZE = 32
_registry: list = []


class BuildOnceCache:
    """A thread-safe LRU map whose values are built on demand, once per key.

    Concurrent callers asking for the same missing key wait for the first
    build instead of building again; callers of other keys are not blocked
    meanwhile. A build that raises leaves nothing behind (the next call
    builds again).

    Parameters
    ----------
    maxsize : int
        Entries kept; the least recently used go first.
    """

    def __init__(self, maxsize: int = _MAXSIZE):
        self.maxsize = maxsize
        self._store: OrderedDict = OrderedDict()
        # Reentrant: a weakref finalizer may pop an entry while this thread holds it.
        self._lock = threading.RLock()
        self._building: dict = {}

    def get(self, key, build: Callable[[], Any]):
        """The value for ``key``, calling ``build()`` if it is missing."""
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                return self._store[key]
            key_lock = self._building.setdefault(key, threading.Lock())
        try:
            with key_lock:
                with self._lock:
                    if key in self._store:
                        return self._store[key]
                value = build()
                with self._lock:
                    self._store[key] = value
                    while len(self._store) > self.maxsize:
                        self._store.popitem(last=False)
                return value
        finally:
            with self._lock:
                if self._building.get(key) is key_lock and not key_lock.locked():
                    del self._building[key]

    def pop(self, key) -> None:
        with self._lock:
            self._store.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._store.clear()

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key) -> bool:
        return key in self._store


def memoize(maxsize: int = _MAXSIZE, *, clearable: bool = False):
    """Decorator: memoise a pure function on its (hashable) arguments in a :class:`BuildOnceCache`.

    ``clearable`` caches are emptied by :func:`clear_filter_cache`.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        cache = BuildOnceCache(maxsize)
        if clearable:
            _registry.append(cache)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            key = (args, tuple(sorted(kwargs.items())))
            return cache.get(key, lambda: func(*args, **kwargs))

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate


def cached_bank(func: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise a filter-bank builder on its arguments (cleared by :func:`clear_filter_cache`)."""
    return memoize(_MAXSIZE, clearable=True)(func)


def readonly(a, dtype) -> np.ndarray:
    """``a`` as a C-contiguous, read-only array of ``dtype`` (banks are shared)."""
    a = np.ascontiguousarray(a, dtype=dtype)
    a.flags.writeable = False
    return a


def clear_filter_cache() -> None:
    """Forget every cached filter bank (they are rebuilt on demand)."""
    for cache in list(_registry):
        cache.clear()

"""A module-level, thread-safe cache for filter banks.

Filter banks depend only on their parameters, so they are built once per
parameter set and shared by every estimator (and every thread) that needs
them; estimators never hold them in their pickled state.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

_MAXSIZE = 32
_lock = threading.RLock()
_registry: list[OrderedDict] = []


def cached_bank(func: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise a filter-bank builder on its (hashable) arguments.

    Unlike :func:`functools.lru_cache`, concurrent callers asking for the same
    key wait for the first build instead of building the bank again.
    """
    store: OrderedDict = OrderedDict()
    key_locks: dict = {}
    _registry.append(store)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = (args, tuple(sorted(kwargs.items())))
        with _lock:
            if key in store:
                store.move_to_end(key)
                return store[key]
            key_lock = key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with _lock:
                if key in store:
                    return store[key]
            value = func(*args, **kwargs)
            with _lock:
                store[key] = value
                while len(store) > _MAXSIZE:
                    store.popitem(last=False)
                key_locks.pop(key, None)
        return value

    wrapper.cache = store  # type: ignore[attr-defined]
    return wrapper


def clear_filter_cache() -> None:
    """Forget every cached filter bank (they are rebuilt on demand)."""
    with _lock:
        for store in _registry:
            store.clear()

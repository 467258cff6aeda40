"""The one cache: built once per key, nothing left behind by a failed build."""

import threading

import pytest

from skscat.filters._cache import BuildOnceCache, cached_bank, clear_filter_cache


def test_failed_build_leaves_no_lock_and_is_retried():
    calls = []

    @cached_bank
    def flaky(n):
        calls.append(n)
        if len(calls) == 1:
            raise RuntimeError("first build fails")
        return n * 2

    with pytest.raises(RuntimeError, match="first build fails"):
        flaky(3)
    assert flaky.cache._building == {}  # the per-key lock did not leak
    assert 3 not in [k[0][0] for k in flaky.cache._store]
    assert flaky(3) == 6 and flaky(3) == 6
    assert calls == [3, 3]
    assert flaky.cache._building == {}


def test_waiters_of_a_failed_build_build_again():
    cache = BuildOnceCache(4)
    started, release = threading.Event(), threading.Event()
    results, calls = [], []

    def failing():
        calls.append("fail")
        started.set()
        assert release.wait(10)
        raise ValueError("no")

    def first():
        with pytest.raises(ValueError):
            cache.get("k", failing)

    t1 = threading.Thread(target=first)
    t1.start()
    assert started.wait(10)
    t2 = threading.Thread(
        target=lambda: results.append(cache.get("k", lambda: calls.append("ok") or 7))
    )
    t2.start()
    release.set()
    t1.join(10)
    t2.join(10)
    assert results == [7] and calls == ["fail", "ok"]
    assert cache._building == {} and cache.get("k", lambda: 0) == 7


def test_lru_bound_and_clear():
    cache = BuildOnceCache(2)
    for k in range(3):
        cache.get(k, lambda k=k: k)
    assert 0 not in cache and 1 in cache and 2 in cache and len(cache) == 2

    @cached_bank
    def square(n):
        return n * n

    square(4)
    assert len(square.cache) == 1
    clear_filter_cache()
    assert len(square.cache) == 0

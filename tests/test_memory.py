"""Available memory as the batching and the memory checks see it."""

import sys

import pytest

from skscat import _memory


def test_without_psutil_memavailable_is_read_not_memfree(tmp_path, monkeypatch):
    """A large page cache is available memory: MemAvailable, not MemFree, counts."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(
        "MemTotal:       16000000 kB\n"
        "MemFree:           10000 kB\n"
        "MemAvailable:   12000000 kB\n"
        "Cached:         11000000 kB\n"
    )
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil fails
    monkeypatch.setattr(_memory, "_MEMINFO", str(meminfo))
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda _: (resource.RLIM_INFINITY,) * 2)
    assert _memory.available_memory_bytes() == 12000000 * 1024


def test_without_memavailable_free_pages_are_the_fallback(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 16000000 kB\nMemFree: 10000 kB\n")
    monkeypatch.setitem(sys.modules, "psutil", None)
    monkeypatch.setattr(_memory, "_MEMINFO", str(meminfo))
    available = _memory.available_memory_bytes()
    assert available is None or available > 0


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB")]
)
def test_format_bytes(n, text):
    assert _memory.format_bytes(n) == text

"""How much memory this process can still allocate."""

from __future__ import annotations

import os

# Linux's estimate of memory available without swapping (free pages plus the
# page cache and reclaimable slabs), in kB; read when psutil is absent.
_MEMINFO = "/proc/meminfo"


def _meminfo_available() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes, or None where there is none."""
    try:
        with open(_MEMINFO, encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    value, *unit = line.split()[1:]
                    return int(value) * (1024 if unit == ["kB"] else 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_memory_bytes() -> int | None:
    """Memory this process can still allocate, or None when it cannot be told.

    ``psutil.virtual_memory().available`` when psutil is installed, otherwise
    the kernel's ``MemAvailable`` (which counts the reclaimable page cache),
    and only where neither exists the free physical pages of
    :func:`os.sysconf`; capped by the address-space limit (``ulimit -v``)
    when one is set.
    """
    try:
        import psutil

        available = int(psutil.virtual_memory().available)
    except Exception:  # psutil absent or unsupported here
        available = _meminfo_available()
        if available is None:
            try:
                available = int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
            except (AttributeError, ValueError, OSError):
                available = None
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft not in (resource.RLIM_INFINITY, -1) and soft > 0:
            available = soft if available is None else min(available, soft)
    except (ImportError, ValueError, OSError):
        pass
    return available


def format_bytes(n: float) -> str:
    """``n`` bytes in B, KiB, MiB, ... for error messages."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover

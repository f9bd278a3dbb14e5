"""The C allocator's settings for CPU runs (`computing.keep_freed_memory`)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# glibc's mallopt parameters and the sizes asdf sets: blocks up to 1 GiB come from the heap, and up to
# 2 GiB of freed heap is kept for reuse instead of being handed back to the kernel
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_BYTES = 1 << 30
_TRIM_THRESHOLD_BYTES = (1 << 31) - 1


def keep_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse; True if it took (Linux with glibc), else nothing changes.

    By default glibc maps large blocks (from 128 kB, adapting up to 32 MB) afresh from the kernel and unmaps
    them when freed, so each full-resolution tensor of a CPU training step costs a page fault per 4 kB,
    zero-filled by the kernel: on the 2-core machine of bench/aasist_speed.py that was a third of an AASIST
    training step, and nearly half of the official model's. The price: the process keeps its peak memory
    until it exits, and aligned blocks fragment the heap, so the peak itself grows (by a quarter for one
    AASIST training step at batch 8).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES) and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES))

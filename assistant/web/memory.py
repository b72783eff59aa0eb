"""Give freed heap memory back to the operating system (glibc ``malloc_trim``).

A long-running server that answers from many threads leaves freed memory cached in glibc's per-thread
arenas, so its resident size drifts up by a few hundred MB although nothing is leaked. Trimming now and
then keeps it flat; elsewhere (musl, macOS) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

_TRIM = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _TRIM = getattr(_libc, "malloc_trim", None)
except OSError:  # no C library to load (not glibc): nothing to trim
    _TRIM = None


def trim() -> bool:
    """Return freed heap pages to the OS; True if glibc did release some."""
    if _TRIM is None:
        return False
    return bool(_TRIM(0))

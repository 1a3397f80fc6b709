"""Give memory freed by a large piece of work back to the system.

glibc keeps freed heap pages for reuse; after one 10,000-row import (or a
50,000-change feed batch) a process would stay 100 MB larger for good.
"""

import ctypes
import ctypes.util

_LIBC_NAME = ctypes.util.find_library("c")
_libc = ctypes.CDLL(_LIBC_NAME) if _LIBC_NAME else None
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_arenas(count: int = 2) -> None:
    """Let malloc keep at most `count` heaps (mallopt M_ARENA_MAX).

    By default glibc gives threads up to 8 heaps per core; the threads of a
    gunicorn worker then each hold freed memory of their own (12 MB more
    after a bulk import here). Call before the threads start; a no-op off glibc.
    """
    if _libc is not None and hasattr(_libc, "mallopt"):
        _libc.mallopt(_M_ARENA_MAX, count)


def trim() -> None:
    """Return free heap pages to the system (malloc_trim); a no-op off glibc."""
    if _libc is not None and hasattr(_libc, "malloc_trim"):
        _libc.malloc_trim(0)

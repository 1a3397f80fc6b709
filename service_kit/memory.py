"""Give memory freed by a large piece of work back to the system.

glibc keeps freed heap pages for reuse; after one 10,000-row import (or a
50,000-change feed batch) a process would stay 100 MB larger for good.
"""

import ctypes
import ctypes.util

_LIBC_NAME = ctypes.util.find_library("c")
_libc = ctypes.CDLL(_LIBC_NAME) if _LIBC_NAME else None


def trim() -> None:
    """Return free heap pages to the system (malloc_trim); a no-op off glibc."""
    if _libc is not None and hasattr(_libc, "malloc_trim"):
        _libc.malloc_trim(0)

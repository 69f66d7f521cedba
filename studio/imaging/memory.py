"""How the process asks for memory: ordinary pages for photo-sized arrays.

Imported by ``studio.imaging`` (every path that makes photo-sized arrays imports it first), not
by ``studio/__init__``, so ``likeness --version`` starts without numpy.
"""

import os


def _plain_pages() -> None:
    """Ask numpy not to back big arrays with transparent huge pages.

    A render makes and drops several photo-sized temporaries. On virtual machines (where this
    project is measured) a fresh 2 MB page is often memory the host has not backed yet, and
    first touches of a 24 MP photo's arrays then cost a few hundred milliseconds, differently
    on every run; with ordinary pages the kernel reuses what was just freed. Measured here: a
    24 MP one-off render 1.87 s median, steady, against 2.35-2.51 s and +-0.5 s with huge
    pages. ``LIKENESS_HUGE_PAGES=1`` keeps numpy's default.
    """
    if os.environ.get("LIKENESS_HUGE_PAGES") == "1":
        return
    try:
        from numpy._core.multiarray import _set_madvise_hugepage  # optional
    except ImportError:  # numpy 1.x keeps it under numpy.core; a future numpy may drop it
        try:
            from numpy.core.multiarray import _set_madvise_hugepage  # optional
        except ImportError:
            return
    _set_madvise_hugepage(False)


_plain_pages()


def keep_freed_memory() -> None:
    """Let this process keep the memory it frees, for a one-off export (``likeness retouch``).

    glibc hands every array over 32 MB straight back to the kernel when it is freed, so each
    photo-sized temporary of a render is fresh memory: at 24 MP the kernel zeroes and maps
    about 3 GB of pages one at a time (~2 s of system time, as much as half the render).
    Served from the heap and never trimmed, a freed array's pages are reused by the next one.
    The process ends after its one photo; the studio, which opens photo after photo, does not
    call this. Only on glibc (elsewhere nothing changes)."""
    import ctypes  # start-up
    import ctypes.util  # start-up

    name = ctypes.util.find_library("c")
    if name is None or os.environ.get("LIKENESS_KEEP_MEMORY") == "0":
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    mallopt(_M_TOP_PAD, 64 << 20)
    mallopt(_M_MMAP_MAX, 0)


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_MAX = -1, -2, -4

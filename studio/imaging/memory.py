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
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # numpy 1.x keeps it under numpy.core; a future numpy may drop it
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:
            return
    _set_madvise_hugepage(False)


_plain_pages()

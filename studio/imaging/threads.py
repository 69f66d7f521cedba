"""How many cores an export may use, and the thread pool that spreads its work over them.

A full-resolution export is mostly OpenCV and numpy passes over bands of rows, and both
release Python's lock while they work: bands handed to a few threads run on as many cores.
Every band's pixels depend only on its own inputs, so the result is the same bit for bit
whatever the number of threads. The live preview does not use the pool (it stays on one
core, as its figures are measured).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")



def all_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, else
    the machine's; at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_lock = threading.Lock()
_threads = all_cores()
_pool: ThreadPoolExecutor | None = None


def set_threads(count: int | None) -> int:
    """Use ``count`` threads from now on (None: every core), for OpenCV's own threads and
    for :func:`each`; never more than :func:`all_cores` (more threads than cores only load
    the machine). Returns the count in effect."""
    global _threads, _pool
    count = all_cores() if count is None else min(max(1, int(count)), all_cores())
    with _lock:
        if count != _threads and _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None
        _threads = count
    # OpenCV reads this when it loads (then ``likeness`` need not import it to start); once
    # loaded, it is told directly.
    os.environ["OPENCV_FOR_THREADS_NUM"] = str(count)
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        cv2.setNumThreads(count)
    return count


def threads() -> int:
    """The number of threads in effect."""
    return _threads


def each(work: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``[work(item) for item in items]``, spread over the threads in effect (in order).

    Use it for pieces that release Python's lock (OpenCV calls, numpy passes over a band) and
    write only their own part of any shared output.
    """
    items = list(items)
    if _threads == 1 or len(items) < 2:
        return [work(item) for item in items]
    return list(_executor().map(work, items))


def split(length: int, parts: int | None = None) -> Sequence[slice]:
    """``range(length)`` in about ``parts`` contiguous slices (default: four per thread, so a
    band's temporaries stay small and a slow thread does not hold the others up)."""
    parts = max(1, min(parts or 4 * _threads, length))
    bounds = [length * i // parts for i in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="likeness-band")
        return _pool

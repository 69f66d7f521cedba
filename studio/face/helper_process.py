"""The helper process for dlib's work that holds Python's lock: the CNN face detector (a
second or more, when HOG finds no face) and the likeness descriptor (about 0.15 s a measure).
Run in the studio's own process, each froze the window that long; the studio hands this
module a one-worker process pool (``studio.ui.app.start_face_helper``)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

#: Where :func:`run` runs its work: None, in this process; else a ``concurrent.futures``
#: executor whose worker can import the function's module.
_pool = None


def use_helper_process(pool) -> None:
    """Run :func:`run`'s work in ``pool`` from now on (None: in this process again)."""
    global _pool
    _pool = pool


def run(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in the helper process when there is one, else (or when it died or was
    shut down) here; the same result either way."""
    pool = _pool
    if pool is not None:
        try:
            return pool.submit(fn, *args).result()
        except (BrokenProcessPool, RuntimeError):  # the pool died or was shut down: here
            pass
    return fn(*args)

"""Helper processes that end with the app, and work that gives way to the window."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from multiprocessing.connection import wait


def follow_parent() -> None:
    """In a helper process: exit as soon as the process that started it is gone.

    A pool's idle worker waits for work forever; if the studio is killed or crashes, nothing
    would ever tell it to stop. Use as a ``ProcessPoolExecutor`` initializer.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


#: The priority (nice) of work the studio runs behind the window (Export Selected's workers
#: and its thread): when that work takes every core, the window and its preview still come
#: first, as Lightroom's background exports do.
BACKGROUND_NICE = 10


def give_way(nice: int = BACKGROUND_NICE) -> None:
    """Lower the calling thread's priority to ``nice`` (never raise it): in a batch worker's
    initializer, the whole worker; what it starts inherits it. Linux only, where a thread has a priority of its own: elsewhere the whole
    process (the window too) would be lowered, so nothing changes there."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) < nice:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:  # not allowed here: the work runs at the window's priority
        pass

"""Helper processes that end with the app."""

from __future__ import annotations

import multiprocessing
import os
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

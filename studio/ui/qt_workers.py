"""Background work for the studio: rendering, analysis, likeness and export off the GUI thread.

A :class:`QtLatestRunner` runs one job at a time on its own worker thread. A job submitted
while another runs waits as the *pending* job, and a newer submission replaces it (so a slider
drag coalesces into the newest values). Every job has a request id; a result is delivered
only when it belongs to the newest request, so a stale result never paints over a newer one.
A *progressive* runner (the preview's renders) also delivers a result newer than the last one
it delivered while a newer request runs: during a drag the preview follows the hand, a render
behind, instead of waiting for the drag to stop; a cancelled request is still never shown.

The worker threads are Python threads, not QThreadPool threads: dlib's pybind11 bindings keep
a Python thread state per OS thread, and a pool thread's state is freed after each job, which
crashed the likeness measure on the next job in the same thread.
"""

from __future__ import annotations

import atexit
import queue
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.errors import LikenessError


class _Relay(QObject):
    """Carries a job's outcome from the worker thread to the GUI thread (queued signal)."""

    done = Signal(int, object, object)  # request id, result, error


class _Job:
    def __init__(self, request_id: int, fn: Callable[..., Any], args: tuple, relay: _Relay):
        self.request_id = request_id
        self.fn = fn
        self.args = args
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn(*self.args)
        except LikenessError as error:
            self.relay.done.emit(self.request_id, None, error)
        except BaseException as error:  # a bug: re-raised on the GUI thread, never hidden
            error.worker_traceback = traceback.format_exc()
            self.relay.done.emit(self.request_id, None, error)
        else:
            self.relay.done.emit(self.request_id, result, None)


#: Every runner's thread, so the last jobs can finish before Python exits: a daemon thread
#: stopped inside native code (OpenCV, dlib) at exit aborts the process.
_THREADS: list[tuple[threading.Thread, queue.SimpleQueue]] = []


@atexit.register
def _finish_all(timeout: float = 120.0) -> None:
    for thread, jobs in _THREADS:
        if thread.is_alive():
            jobs.put(None)
    for thread, _jobs in _THREADS:
        thread.join(timeout)


def _serve(jobs: queue.SimpleQueue) -> None:
    while True:
        job = jobs.get()
        if job is None:
            return
        job.run()
        del job  # drop the job's arguments (photos) before waiting for the next one


class QtLatestRunner(QObject):
    """Runs the newest submitted job; older pending jobs are dropped, stale results ignored.

    Signals
    -------
    finished(request_id, result)   the newest request's result
    failed(request_id, error)      the newest request raised LikenessError (a user's problem)
    busy(bool)                     a job started / everything is done
    """

    finished = Signal(int, object)
    failed = Signal(int, object)
    busy = Signal(bool)

    _next_id = 0  # shared by every runner so ids are unique in the app

    def __init__(self, name: str, parent: QObject | None = None, progressive: bool = False):
        super().__init__(parent)
        self.name = name
        self.progressive = progressive
        #: The newest request delivered, and the newest cancelled: older results are stale.
        self._delivered = 0
        self._cancelled = 0
        self._relay = _Relay()
        self._relay.done.connect(self._on_job_done)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._running: _Job | None = None
        self._pending: _Job | None = None
        self.latest_id = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Queue ``fn(*args)`` to run in the background; returns its request id."""
        QtLatestRunner._next_id += 1
        request_id = QtLatestRunner._next_id
        self.latest_id = request_id
        job = _Job(request_id, fn, args, self._relay)
        if self._running is None:
            self._start(job)
        else:
            self._pending = job  # supersedes any older pending job
        return request_id

    def cancel(self) -> int:
        """Forget the pending job and ignore the running one's result; returns a new request
        id (for a result the caller already has, e.g. from a cache)."""
        self._pending = None
        QtLatestRunner._next_id += 1
        self.latest_id = self._cancelled = QtLatestRunner._next_id
        return self.latest_id

    def _current(self, request_id: int) -> bool:
        """Whether a finished request's result is to be delivered: the newest request's; with
        ``progressive``, any newer than the last delivered and not cancelled since."""
        if request_id == self.latest_id:
            return True
        return self.progressive and request_id > max(self._delivered, self._cancelled)

    @property
    def is_busy(self) -> bool:
        return self._running is not None or self._pending is not None

    def shutdown(self) -> None:
        """Drop the pending job and stop the thread once the running job ends (no waiting)."""
        self.cancel()
        if self._thread is not None:
            self._jobs.put(None)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to stop after :meth:`shutdown` (at exit)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _start(self, job: _Job) -> None:
        if self._running is None:
            self.busy.emit(True)
        self._running = job
        if self._thread is None:
            self._thread = threading.Thread(
                target=_serve, args=(self._jobs,), name=f"likeness-{self.name}", daemon=True
            )
            self._thread.start()
            _THREADS[:] = [entry for entry in _THREADS if entry[0].is_alive()]
            _THREADS.append((self._thread, self._jobs))
        self._jobs.put(job)

    def _on_job_done(self, request_id: int, result: object, error: object) -> None:
        self._running = None
        pending, self._pending = self._pending, None
        if pending is not None:
            self._start(pending)
        else:
            self.busy.emit(False)
        if error is not None and not isinstance(error, LikenessError):
            sys.stderr.write(getattr(error, "worker_traceback", ""))
            raise error  # a bug, stale or not
        if not self._current(request_id):
            return  # stale: a newer request exists (or was shown, or it was cancelled)
        self._delivered = request_id
        if error is None:
            self.finished.emit(request_id, result)
        else:
            self.failed.emit(request_id, error)

"""Crash recovery: the open document's session, written to the user's data folder shortly
after every change, and the autosaves a crashed studio left behind.

Each running studio writes ``autosave-PID.likeness.json`` (two studios never collide). A write
happens :data:`QUIET_MS` after the last change, and at least every :data:`MAX_MS` while changes
keep coming (a long slider drag), so a kill loses at most that much. Writes are atomic (a kill
mid-write leaves the previous autosave) and run in order on one background thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from studio.errors import LikenessError
from studio.paths import user_dir
from studio.session import load_session, save_session

#: Milliseconds after the last change before the autosave is written.
QUIET_MS = 1500
#: Milliseconds: the longest a change waits while changes keep coming.
MAX_MS = 5000
AUTOSAVE_PREFIX, AUTOSAVE_SUFFIX = "autosave-", ".likeness.json"


def autosave_path(pid: int | None = None) -> Path:
    """This studio's autosave file (or the one of process ``pid``) in the user's data folder."""
    return (
        user_dir("data")
        / f"{AUTOSAVE_PREFIX}{os.getpid() if pid is None else pid}{AUTOSAVE_SUFFIX}"
    )


def write_autosave(session, path: Path | None = None) -> Path:
    """The one place an autosave is written (atomically): the session to ``path`` (default:
    this studio's autosave file). Raises LikenessError or OSError."""
    return save_session(session, autosave_path() if path is None else path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def crashed_autosaves(include_own: bool = True) -> list[tuple[float, Path]]:
    """(modified time, path) of autosaves whose studio is gone, newest first.

    Autosaves of studios still running are left alone; this process's own is included when
    ``include_own`` (a window that is gone left it).
    """
    found = []
    for path in user_dir("data").glob(f"{AUTOSAVE_PREFIX}*{AUTOSAVE_SUFFIX}"):
        try:
            pid = int(path.name[len(AUTOSAVE_PREFIX) : -len(AUTOSAVE_SUFFIX)])
            modified = path.stat().st_mtime
        except (ValueError, OSError):
            continue
        if pid == os.getpid() and not include_own:
            continue
        if pid != os.getpid() and _alive(pid):
            continue
        found.append((modified, path))
    return sorted(found, reverse=True)


def crashed_autosave() -> Path | None:
    """The newest session a crashed studio left behind, or None."""
    found = crashed_autosaves()
    return found[0][1] if found else None


def crashed_autosave_for(photo: Path, sha256: str | None, newer_than: float = 0.0):
    """The newest crashed autosave of this photo (same file and bytes) modified after
    ``newer_than``, as (session, path), or None. Unreadable autosaves are skipped."""
    wanted = os.path.abspath(photo)
    for modified, path in crashed_autosaves(include_own=False):
        if modified <= newer_than:
            break
        try:
            session = load_session(path)
        except LikenessError:
            continue
        source = session.source
        same_file = source is not None and os.path.abspath(source.path) == wanted
        if same_file and (sha256 is None or source.sha256 == sha256):
            return session, path
    return None


class Autosaver(QObject):
    """Writes ``session_of()`` (None: nothing to keep) after changes, debounced: ``quiet_ms``
    after the last change, and at the latest ``longest_ms`` after the first one not yet written.

    ``changed()`` after every edit; ``flush()`` writes now if a change is waiting;
    ``discard()`` forgets the pending change and removes the file (saved, or closed).
    The session is taken on the GUI thread; the file is written on one background thread, in
    order (a write can wait tens of milliseconds for the disk: never during a slider drag).
    """

    def __init__(
        self,
        session_of: Callable[[], object],
        parent: QObject | None = None,
        quiet_ms: int = QUIET_MS,
        longest_ms: int = MAX_MS,
    ):
        super().__init__(parent)
        self.session_of = session_of
        self.pending = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._quiet = QTimer(self, singleShot=True, interval=quiet_ms)
        self._quiet.timeout.connect(self._write_soon)
        self._longest = QTimer(self, singleShot=True, interval=longest_ms)
        self._longest.timeout.connect(self._write_soon)

    @property
    def path(self) -> Path:
        return autosave_path()

    def changed(self) -> None:
        self.pending = True
        self._quiet.start()  # restarts: waits for the user to pause
        if not self._longest.isActive():
            self._longest.start()  # never restarted: at most longest_ms after the first change

    def _submit(self) -> Future | None:
        """Queue a write of the current session when a change is waiting."""
        self._quiet.stop()
        self._longest.stop()
        if not self.pending:
            return None
        self.pending = False
        session = self.session_of()
        if session is None:
            return None
        return self._writer.submit(write_autosave, session, self.path)

    def _write_soon(self) -> None:
        self._submit()  # a failed write is retried at the next change; never interrupts

    def flush(self) -> Path | None:
        """Write the session now when a change is waiting; the path written, or None."""
        future = self._submit()
        if future is None:
            return None
        try:
            return future.result()
        except (LikenessError, OSError):
            self.pending = True  # a safety net: never interrupt the user over it
            return None

    def wait_written(self) -> None:
        """Return when every write queued so far is on disk (or failed)."""
        self._writer.submit(int).result()

    def discard(self) -> None:
        """No autosave to keep: stop waiting and remove the file (after queued writes)."""
        self._quiet.stop()
        self._longest.stop()
        self.pending = False
        path = self.path
        self._writer.submit(path.unlink, missing_ok=True).result()

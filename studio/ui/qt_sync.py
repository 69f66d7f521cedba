"""Sync (Edit › Sync Selected, Lightroom's Sync Settings): the open photo's look, sliders and
export preset written into the session of each photo selected in the filmstrip.

Each photo keeps what is its own: its face choice (the face sliders apply to its own face,
its masks found there), its marks (they never travel), its straightening and snapshots; its
framing is found by the preset on its own face. A look with a likeness budget finds its own
amount on each photo. Each photo's change is one undoable step: the whole sync is one step
on the open photo's history (undo puts every session back), and a synced photo opened later
shows "Sync from NAME" as its own step, which undoes it there."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from studio.errors import LikenessError
from studio.imaging.export import ExportSettings
from studio.session import Session, default_session_path, file_sha256, load_session, save_session

from . import shoot

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from studio.session import Session

    from .model import StudioDocument
    from .qt_filmstrip import StudioFilmstrip
    from .qt_notice import Notices


@dataclass(frozen=True)
class SyncedPhoto:
    """One photo's sync: its session before (None: it had none) and after, and from which
    photo the look came."""

    path: Path
    before: Session | None
    after: Session
    source_name: str


def _what(session: Session | None) -> tuple:
    """What a sync changes in a session (to tell whether it is still as synced)."""
    if session is None:
        return ()
    return (session.sliders, session.look, session.budget, session.amount, session.export,
            session.crop)


def write_beside(photo: Path, session: Session | None) -> str:
    """Write ``session`` beside ``photo`` (None: remove the one there); "" or what went
    wrong, in one line."""
    beside = default_session_path(photo)
    try:
        if session is None:
            beside.unlink(missing_ok=True)
        else:
            save_session(session, beside)
    except (LikenessError, OSError) as error:
        return f"{photo.name}: {error}"
    return ""


class SyncCommand(QUndoCommand):
    """The open photo's history step of a sync: redo writes each photo's synced session
    beside it, undo puts back the one each had (or removes the one the sync made).

    No child commands: a Python-made child of a command is owned by both Python and its
    parent, and the stack's end (a window closed) then deletes it twice."""

    def __init__(self, synced: list[SyncedPhoto], source_name: str, on_change):
        count = len(synced)
        super().__init__(f"Sync {count} photo{'s' * (count != 1)} from {source_name}")
        self.errors: list[str] = []
        self.on_change = on_change
        self.photos = list(synced)

    def redo(self) -> None:
        self._write([(p.path, p.after) for p in self.photos])

    def undo(self) -> None:
        self._write([(p.path, p.before) for p in reversed(self.photos)])

    def _write(self, sessions: list) -> None:
        self.errors[:] = [e for e in (write_beside(path, s) for path, s in sessions) if e]
        self.on_change()


class SyncedHereCommand(QUndoCommand):
    """On a synced photo opened later: the sync as its step (already applied when pushed);
    undo brings back the session it had before the sync."""

    def __init__(self, document: StudioDocument, synced: SyncedPhoto):
        super().__init__(f"Sync from {synced.source_name}")
        self.document, self.synced = document, synced
        self._first = True

    def redo(self) -> None:
        if self._first:  # opened as synced: nothing to do
            self._first = False
            return
        self._take(self.synced.after)

    def undo(self) -> None:
        self._take(self.synced.before or Session(source=self.synced.after.source))

    def _take(self, session: Session) -> None:
        document = self.document
        document.set_sliders(session.sliders)
        document.set_look_amount(session.budget, session.amount)
        document.set_look(session.look)
        document.set_framing(session.crop, document.angle)
        document.set_export(None if session.export == ExportSettings() else session.export)


class StudioSync:
    """Sync: ``sync(paths)`` syncs the open photo's look to them; ``photo_opened`` after
    each opening makes a synced photo's sync its first history step."""

    def __init__(self, document: StudioDocument, undo_stack: QUndoStack,
                 filmstrip: StudioFilmstrip, notices: Notices):
        self.document, self.undo_stack = document, undo_stack
        self.filmstrip, self.notices = filmstrip, notices
        #: Each photo synced in this studio, by absolute path: its last sync.
        self.synced: dict[str, SyncedPhoto] = {}

    def sync_selected(self) -> None:
        """Edit › Sync Selected: the filmstrip's selected photos other than the open one."""
        targets = [p for p in self.filmstrip.selected() if not self._is_open(p)]
        if not targets:
            self.notices.error("Select the photos to sync in the filmstrip (Ctrl+click or "
                               "Shift+click), besides the photo open.")
            return
        self.sync(targets)

    def _is_open(self, path: Path) -> bool:
        source = self.document.source_path
        return source is not None and os.path.abspath(source) == os.path.abspath(path)

    def sync(self, paths: list[Path]) -> SyncCommand | None:
        """Write the open photo's look into each photo's session (one undo step, a child
        step per photo). A photo that cannot be read is left out and named in one dialog."""
        document = self.document
        if document.photo is None:
            return None
        current = document.session()
        source_name = document.display_name
        synced, problems = [], []
        for path in paths:
            try:
                synced.append(self._synced(Path(path), current, source_name))
            except (LikenessError, OSError) as error:
                problems.append(f"{Path(path).name}: {error}")
        command = None
        if synced:
            command = SyncCommand(synced, source_name, self.filmstrip.refresh_flags)
            self.undo_stack.push(command)
            problems += command.errors
            for photo in synced:
                self.synced[os.path.abspath(photo.path)] = photo
            self.notices.status(command.text(), 5000)
        if problems:
            self.notices.error("Not synced: " + "; ".join(problems))
        return command

    def _synced(self, path: Path, current: Session, source_name: str) -> SyncedPhoto:
        sha = file_sha256(path)
        beside = default_session_path(path)
        before = None
        if beside.is_file():
            before = load_session(beside)  # a session that cannot be read is not overwritten
        after = shoot.synced_session(current, before, path, sha)
        return SyncedPhoto(path, before, after, source_name)

    def photo_opened(self, _request_id: int, result) -> None:
        """A synced photo opened as synced: its sync is its first history step."""
        path = result.photo.path
        synced = None if path is None else self.synced.get(os.path.abspath(path))
        if synced is None or result.restored != "beside":
            return
        if _what(result.session) != _what(synced.after):
            return  # changed since (saved again here, or synced from elsewhere)
        stack = self.undo_stack
        stack.push(SyncedHereCommand(self.document, synced))
        stack.setClean()

"""Sessions in the studio: saving beside the photo or elsewhere, the recent-files list, the
autosave that keeps the last edit for crash recovery, and asking before unsaved work is lost."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from studio.errors import LikenessError
from studio.session import (
    default_session_path,
    list_looks,
    load_look,
    load_session,
    save_look,
    save_session,
)

from . import APP_NAME
from .qt_autosave import Autosaver
from .qt_commands import SetAllSlidersCommand

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QMenu, QWidget

    from .model import StudioDocument
    from .qt_notice import Notices

SESSION_FILTER = "Sessions and looks (*.likeness.json *.json)"
MAX_RECENT = 10


class StudioSessions(QObject):
    """The document's session files, recent files (in the studio's ``settings``), looks and
    autosave (``autosaver``). ``parent``: the window its dialogs belong to."""

    #: The looks to offer, [(key, name)], built-in and the user's.
    looks_listed = Signal(list)
    #: A look was applied (its key and its Session): its amount is to be found.
    look_applied = Signal(str, object)
    #: A recent file was chosen (its path): to be opened.
    open_asked = Signal(str)

    def __init__(self, document: StudioDocument, undo_stack: QUndoStack, settings: QSettings,
                 notices: Notices, parent: QWidget):
        super().__init__(parent)
        self.document, self.undo_stack, self.settings = document, undo_stack, settings
        self.notices, self._parent = notices, parent
        self.recent_menu: QMenu | None = None
        self.autosaver = Autosaver(self._session_to_autosave, parent)

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, path: Path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", ([path] + recent)[:MAX_RECENT])
        self.settings.sync()
        self.show_recent_in(self.recent_menu)

    def show_recent_in(self, menu: QMenu | None) -> None:
        """List the recent files in ``menu`` (File › Open Recent), now and after each change."""
        self.recent_menu = menu
        if menu is None:
            return
        menu.clear()
        recent = self.recent_files()
        for path in recent:
            menu.addAction(Path(path).name, lambda p=path: self.open_asked.emit(p))
        menu.setEnabled(bool(recent))

    def save_session(self) -> bool:
        """Save to the session's file (default: beside the photo). Returns True when saved."""
        document = self.document
        if document.photo is None:
            return False
        path = document.session_path
        if path is None:
            if document.source_path is None:
                return self.save_session_as()
            path = default_session_path(document.source_path)
        return self._write_session(path)

    def save_session_as(self, path: str | os.PathLike | None = None) -> bool:
        if self.document.photo is None:
            return False
        if path is None:
            source = self.document.source_path
            suggestion = (
                str(default_session_path(source))
                if source
                else str(
                    Path(str(self.settings.value("folder", str(Path.home()))))
                    / "sample.likeness.json"
                )
            )
            path, _ = QFileDialog.getSaveFileName(self._parent, "Save session", suggestion,
                                                  SESSION_FILTER)
            if not path:
                return False
        return self._write_session(Path(path))

    def _write_session(self, path: Path) -> bool:
        try:
            written = save_session(self.document.session(), path)
        except LikenessError as error:
            self.notices.error(str(error))
            return False
        self.document.set_session_path(written)
        self.document.set_dirty(False)
        self.undo_stack.setClean()
        self.add_recent(written)
        self.autosaver.discard()
        self.notices.status(f"Session saved: {written}", 5000)
        return True

    def _session_to_autosave(self):
        """The session worth keeping after a crash: None without a photo or unsaved changes."""
        if self.document.photo is None or not self.document.dirty:
            return None
        return self.document.session()

    def autosave(self) -> Path | None:
        """Write the autosave now when a change is waiting (it is also written by itself,
        shortly after each change); the path written, or None."""
        return self.autosaver.flush()

    def confirm_discard(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        if not self.document.dirty or self.document.photo is None:
            return True
        answer = QMessageBox.question(
            self._parent,
            APP_NAME,
            f"Save the changes to {self.document.display_name}'s session?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_session()
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------------ looks and applying
    def load_looks(self) -> None:
        """Fill the look picker (built-in and the user's looks)."""
        try:
            looks = [
                (info.key, info.name)
                for info in list_looks()
                if not info.description.startswith("(cannot be used")
            ]
        except LikenessError as error:  # a broken built-in look: say so, keep working
            self.notices.status(f"Looks unavailable: {error}")
            looks = []
        self.looks_listed.emit(looks)

    def apply_look(self, key: str) -> None:
        """Set every slider from a look (one undo step)."""
        try:
            look = load_look(key)
        except LikenessError as error:
            self.notices.error(str(error))
            return
        self.undo_stack.push(
            SetAllSlidersCommand(
                self.document, look.sliders, f"Look: {look.name or key}", look=key,
                amount=(look.budget, None, None),
            )
        )
        self.look_applied.emit(key, look)

    def apply_session_dialog(self) -> None:
        folder = str(self.settings.value("folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self._parent, "Apply a session or look", folder, f"{SESSION_FILTER};;All files (*)"
        )
        if path:
            self.apply_session_file(path)

    def apply_session_file(self, path: str | os.PathLike) -> None:
        """Use a session's or look's sliders on this photo (its masks follow this photo's face)."""
        try:
            session = load_session(path)
        except LikenessError as error:
            self.notices.error(str(error))
            return
        self.undo_stack.push(
            SetAllSlidersCommand(
                self.document,
                session.sliders,
                f"Applied {Path(path).name}",
                look=session.look,
                amount=(session.budget, session.amount, None),
            )
        )
        if session.budget is not None and session.amount is None and session.look is not None:
            self.look_applied.emit(session.look, session)  # a look file: find it
        if session.marks and not session.marks_for(self.document.sha256 or ""):
            self.notices.status(
                f"{len(session.marks)} marks of {Path(path).name} not carried over: "
                "they belong to the photo they were painted on",
                8000,
            )

    def save_look_dialog(self) -> None:
        name, ok = QInputDialog.getText(self._parent, "Save look", "Name of the look:")
        if ok and name.strip():
            self.save_look(name)

    def save_look(self, name: str) -> None:
        """Keep the current sliders as the user's look ``name`` (shown in the look picker)."""
        try:
            path = save_look(name, self.document.sliders)
        except LikenessError as error:
            self.notices.error(str(error))
            return
        self.load_looks()
        self.document.set_look(path.name[: -len(".json")])
        self.notices.status(f"Look saved: {path}", 5000)

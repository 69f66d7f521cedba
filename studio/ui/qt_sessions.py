"""Sessions in the studio: saving beside the photo or elsewhere, the recent-files list, the
autosave that keeps the last edit for crash recovery, and asking before unsaved work is lost."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from studio.errors import LikenessError

from . import APP_NAME
from .qt_autosave import Autosaver
from .qt_commands import SetAllSlidersCommand

if TYPE_CHECKING:
    from .qt_main import QtStudioWindow

SESSION_FILTER = "Sessions and looks (*.likeness.json *.json)"
MAX_RECENT = 10


class StudioSessions:
    """The window's session files, recent files and autosave (``autosaver``)."""

    def __init__(self, window: QtStudioWindow):
        self.window = window
        self.autosaver = Autosaver(self._session_to_autosave, window)

    def recent_files(self) -> list[str]:
        value = self.window.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, path: Path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        self.window.settings.setValue("recent", ([path] + recent)[:MAX_RECENT])
        self.window.settings.sync()
        self.rebuild_recent_menu()

    def rebuild_recent_menu(self) -> None:
        self.window.recent_menu.clear()
        recent = self.recent_files()
        for path in recent:
            self.window.recent_menu.addAction(Path(path).name, lambda p=path: self.window.open_path(p))
        self.window.recent_menu.setEnabled(bool(recent))

    def current_session(self):
        """The document as a Session: what saving and the autosave write (one source)."""
        return self.window.document.session()

    def save_session(self) -> bool:
        """Save to the session's file (default: beside the photo). Returns True when saved."""
        from studio.session import default_session_path

        document = self.window.document
        if document.photo is None:
            return False
        path = document.session_path
        if path is None:
            if document.source_path is None:
                return self.save_session_as()
            path = default_session_path(document.source_path)
        return self._write_session(path)

    def save_session_as(self, path: str | os.PathLike | None = None) -> bool:
        from studio.session import default_session_path

        if self.window.document.photo is None:
            return False
        if path is None:
            source = self.window.document.source_path
            suggestion = (
                str(default_session_path(source))
                if source
                else str(
                    Path(str(self.window.settings.value("folder", str(Path.home()))))
                    / "sample.likeness.json"
                )
            )
            path, _ = QFileDialog.getSaveFileName(self.window, "Save session", suggestion, SESSION_FILTER)
            if not path:
                return False
        return self._write_session(Path(path))

    def _write_session(self, path: Path) -> bool:
        from studio.session import save_session

        try:
            written = save_session(self.current_session(), path)
        except LikenessError as error:
            self.window.show_error(str(error))
            return False
        self.window.document.set_session_path(written)
        self.window.document.set_dirty(False)
        self.window.undo_stack.setClean()
        self.add_recent(written)
        self.autosaver.discard()
        self.window.statusBar().showMessage(f"Session saved: {written}", 5000)
        return True

    def _session_to_autosave(self):
        """The session worth keeping after a crash: None without a photo or unsaved changes."""
        if self.window.document.photo is None or not self.window.document.dirty:
            return None
        return self.current_session()

    def autosave(self) -> Path | None:
        """Write the autosave now when a change is waiting (it is also written by itself,
        shortly after each change); the path written, or None."""
        return self.autosaver.flush()

    def restore_autosave(self, path: Path) -> None:
        """Reopen a session left by a crash (its photo, or the sample when it had none)."""
        from studio.session import load_session

        try:
            session = load_session(path)
        except LikenessError as error:
            self.window.show_error(f"The autosaved session cannot be restored: {error}")
            return
        self.window.opener.restore(session, Path(path))

    def confirm_discard(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        if not self.window.document.dirty or self.window.document.photo is None:
            return True

        answer = QMessageBox.question(
            self.window,
            APP_NAME,
            f"Save the changes to {self.window.document.display_name}'s session?",
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
        from studio.session import list_looks

        try:
            looks = [
                (info.key, info.name)
                for info in list_looks()
                if not info.description.startswith("(cannot be used")
            ]
        except LikenessError as error:  # a broken built-in look: say so, keep working
            self.window.statusBar().showMessage(f"Looks unavailable: {error}")
            looks = []
        self.window.panel.set_looks(looks)

    def apply_look(self, key: str) -> None:
        """Set every slider from a look (one undo step)."""
        from studio.session import load_look

        try:
            look = load_look(key)
        except LikenessError as error:
            self.window.show_error(str(error))
            return
        self.window.undo_stack.push(
            SetAllSlidersCommand(
                self.window.document, look.sliders, f"Look: {look.name or key}", look=key,
                amount=(look.budget, None, None),
            )
        )
        self.window.amount.look_applied(key, look)

    def apply_session_dialog(self) -> None:
        folder = str(self.window.settings.value("folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Apply a session or look", folder, f"{SESSION_FILTER};;All files (*)"
        )
        if path:
            self.apply_session_file(path)

    def apply_session_file(self, path: str | os.PathLike) -> None:
        """Use a session's or look's sliders on this photo (its masks follow this photo's face)."""
        from studio.session import load_session

        try:
            session = load_session(path)
        except LikenessError as error:
            self.window.show_error(str(error))
            return
        self.window.undo_stack.push(
            SetAllSlidersCommand(
                self.window.document,
                session.sliders,
                f"Applied {Path(path).name}",
                look=session.look,
                amount=(session.budget, session.amount, None),
            )
        )
        if session.budget is not None and session.amount is None and session.look is not None:
            self.window.amount.look_applied(session.look, session)  # a look file: find it
        if session.marks and not session.marks_for(self.window.document.sha256 or ""):
            self.window.statusBar().showMessage(
                f"{len(session.marks)} marks of {Path(path).name} not carried over: "
                "they belong to the photo they were painted on",
                8000,
            )

    def save_look_dialog(self) -> None:
        name, ok = QInputDialog.getText(self.window, "Save look", "Name of the look:")
        if ok and name.strip():
            self.save_look(name)

    def save_look(self, name: str) -> None:
        """Keep the current sliders as the user's look ``name`` (shown in the look picker)."""
        from studio.session import save_look

        try:
            path = save_look(name, self.window.document.sliders)
        except LikenessError as error:
            self.window.show_error(str(error))
            return
        self.load_looks()
        self.window.document.set_look(path.name[: -len(".json")])
        self.window.statusBar().showMessage(f"Look saved: {path}", 5000)

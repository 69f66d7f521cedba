"""Who is who in a shoot (issue 29): the user corrects the likeness descriptor's groups of
Export Selected's "Same amount for each person". Select photos in the filmstrip, then Edit ›
These Are the Same Person (Ctrl+G) or This Is Someone Else (Ctrl+Shift+G), also on the
filmstrip's context menu. The corrections are the shoot's, in one small file in its folder
(``shoot.PEOPLE_FILE``, written atomically through the write guard; a photo is never written
to), read by the next Export Selected; each is one undoable step."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QMenu

from studio.errors import LikenessError

from . import shoot

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QUndoStack

    from .qt_filmstrip import StudioFilmstrip
    from .qt_notice import Notices


class PeopleCommand(QUndoCommand):
    """One correction of who is who: redo writes the shoot's people file with it, undo with
    what it held before. ``errors``: what went wrong writing it, one line each."""

    def __init__(self, folder: Path, before, after, text: str, on_change):
        super().__init__(text)
        self.folder, self.before, self.after = folder, before, after
        self.on_change = on_change
        self.errors: list[str] = []

    def redo(self) -> None:
        self._write(self.after)

    def undo(self) -> None:
        self._write(self.before)

    def _write(self, corrections) -> None:
        self.errors.clear()
        try:
            shoot.write_people(self.folder, corrections)
        except LikenessError as error:
            self.errors.append(str(error))
        self.on_change()


class StudioPeople:
    """Corrections of who is who: ``same_person()`` and ``someone_else()`` on the filmstrip's
    selected photos; ``menu_actions``: what the filmstrip's context menu offers (None: a line)."""

    def __init__(self, undo_stack: QUndoStack, filmstrip: StudioFilmstrip, notices: Notices):
        self.undo_stack, self.filmstrip, self.notices = undo_stack, filmstrip, notices
        self.menu_actions: list[QAction | None] = []
        strip = filmstrip.strip
        strip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        strip.customContextMenuRequested.connect(self._show_menu)

    def same_person(self) -> PeopleCommand | None:
        """Edit › These Are the Same Person: the selected photos (two or more) are one."""
        names = self._selected_names(2, "Select two or more photos of one person in the "
                                        "filmstrip (Ctrl+click), then say they are the same "
                                        "person.")
        if names is None:
            return None
        return self._correct(shoot.same_person, names,
                             f"{_listed(names)}: the same person")

    def someone_else(self) -> PeopleCommand | None:
        """Edit › This Is Someone Else: the selected photos are nobody else's in the shoot
        (several: one person together)."""
        names = self._selected_names(1, "Select the photos of someone else in the filmstrip, "
                                        "then say so.")
        if names is None:
            return None
        return self._correct(shoot.someone_else, names, f"{_listed(names)}: someone else")

    def _selected_names(self, least: int, hint: str) -> list[str] | None:
        filmstrip = self.filmstrip
        names = [p.name for p in filmstrip.selected()]
        if filmstrip.folder is None or len(names) < least:
            self.notices.error(hint)
            return None
        return names

    def _correct(self, change, names: list[str], text: str) -> PeopleCommand | None:
        folder = self.filmstrip.folder
        before, problem = shoot.read_people(folder)
        if problem:
            self.notices.bar.show_message(problem)
        command = PeopleCommand(folder, before, change(before, names), text,
                                self._on_change)
        self.undo_stack.push(command)
        if command.errors:
            self.notices.error("Not noted: " + "; ".join(command.errors))
            return command
        self.notices.status(f"{text} (the next Export Selected uses it)", 5000)
        return command

    def _on_change(self) -> None:
        """Who is who changed: the persons shown from the last export no longer hold."""
        self.filmstrip.show_people({})

    def _show_menu(self, position) -> None:
        strip = self.filmstrip.strip
        menu = QMenu(strip)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in self.menu_actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.popup(strip.viewport().mapToGlobal(position))


def _listed(names: list[str]) -> str:
    """"a.jpg, b.jpg and 3 more"."""
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")

"""Every change the user makes is an undoable command on the window's QUndoStack."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QUndoCommand

from studio.edits.backdrop import is_picture, picture_path
from studio.edits.marks import Mark
from studio.edits.sliders import slider

from .model import StudioDocument

#: Command ids for merging (QUndoCommand.id); one per slider so a drag merges into one step.
_SLIDER_IDS = {}


def _format(key: str, value) -> str:
    if value is None:
        return "none"
    if is_picture(value):
        return picture_path(value).name  # not its image:<sha256>:<path>
    return (
        value
        if isinstance(value, str)
        else f"{value:+.2f}"
        if slider(key).minimum < 0
        else f"{value:.2f}"
    )


class SetSliderCommand(QUndoCommand):
    """Move one slider. Consecutive moves of the same slider while it is held merge."""

    def __init__(self, document: StudioDocument, key: str, value, held: bool):
        super().__init__()
        self.document = document
        self.key = key
        self.old = document.slider(key)
        self.old_look = document.look
        self.new = value
        self.held = held  # the user is still dragging: the next move of this slider merges
        self._update_text()

    def _update_text(self) -> None:
        self.setText(f"{slider(self.key).label} {_format(self.key, self.new)}")

    def id(self) -> int:  # noqa: A003 - Qt API
        return _SLIDER_IDS.setdefault(self.key, 1000 + len(_SLIDER_IDS))

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt API
        if not isinstance(other, SetSliderCommand) or other.key != self.key or not self.held:
            return False
        self.new = other.new
        self.held = other.held
        self._update_text()
        self.setObsolete(self.new == self.old)
        return True

    def release(self) -> None:
        """The drag ended: the next move of this slider is a new step."""
        self.held = False

    def redo(self) -> None:
        self.document.set_slider(self.key, self.new)
        self.document.set_look(None)

    def undo(self) -> None:
        self.document.set_slider(self.key, self.old)
        self.document.set_look(self.old_look)


class SetAllSlidersCommand(QUndoCommand):
    """Set every slider at once: a look, a look at another amount, a session applied to this
    photo, or reset all. ``amount`` is the look's (budget, amount, likeness at it); None: no
    budgeted look (undo brings the old ones back, with their label)."""

    def __init__(
        self,
        document: StudioDocument,
        values: Mapping[str, object],
        text: str,
        look: str | None = None,
        amount: tuple[float | None, float | None, float | None] | None = None,
    ):
        super().__init__(text)
        self.document = document
        self.old = document.sliders
        self.old_look = document.look
        self.old_amount = document.look_amount
        self.new = dict(values)
        self.look = look
        self.amount = amount or (None, None, None)

    def redo(self) -> None:
        self.document.set_sliders(self.new)
        self.document.set_look_amount(*self.amount)
        self.document.set_look(self.look)

    def undo(self) -> None:
        self.document.set_sliders(self.old)
        self.document.set_look_amount(*self.old_amount)
        self.document.set_look(self.old_look)


class _SetCommand(QUndoCommand):
    """A step that sets one value of the document: :meth:`apply` gets ``new`` on redo and
    ``old`` on undo."""

    def __init__(self, document: StudioDocument, old, new, text: str):
        super().__init__(text)
        self.document = document
        self.old, self.new = old, new

    def apply(self, value) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        self.apply(self.new)

    def undo(self) -> None:
        self.apply(self.old)


class SetFramingCommand(_SetCommand):
    """Change the crop and/or the straighten angle: one step per drag (the tool shows the
    drag live and pushes this when the mouse is released)."""

    def apply(self, value: tuple) -> None:
        self.document.set_framing(*value)


class SetFaceCommand(_SetCommand):
    """Choose which face the edits apply to."""

    def __init__(self, document: StudioDocument, index: int):
        super().__init__(document, document.face_index, index, f"Face {index + 1}")

    def apply(self, value: int) -> None:
        self.document.set_face(value)


def _retouched_words(retouched: str | tuple[int, ...]) -> str:
    """The History panel's name for a face choice (faces numbered from 1, as the list shows)."""
    if retouched == "all":
        return "Retouch everyone"
    if retouched == "primary":
        return "Retouch one face"
    return "Retouch faces " + ", ".join(str(i + 1) for i in retouched)


class SetEveryoneCommand(_SetCommand):
    """Retouch every face, only the chosen one, or a set of faces."""

    def __init__(self, document: StudioDocument, retouched: str | tuple[int, ...]):
        super().__init__(document, document.retouched, retouched, _retouched_words(retouched))

    def apply(self, value: str | tuple[int, ...]) -> None:
        self.document.set_retouched(value)


#: How a mark is named in the History panel.
MARK_NAMES = {
    "heal": "Heal",
    "keep": "Keep",
    "person": "Person brush",
    "background": "Background brush",
}


class _SetMarksCommand(_SetCommand):
    def apply(self, value: tuple[Mark, ...]) -> None:
        self.document.set_marks(value)


class AddMarksCommand(_SetMarksCommand):
    """Add one stroke (or the suggested marks, all in one step)."""

    def __init__(self, document: StudioDocument, marks: tuple[Mark, ...], text: str | None = None):
        super().__init__(document, document.marks, document.marks + tuple(marks),
                         text or MARK_NAMES[marks[0].kind])


class RemoveMarkCommand(_SetMarksCommand):
    """Delete one mark (chosen on the canvas)."""

    def __init__(self, document: StudioDocument, index: int):
        marks = document.marks
        super().__init__(document, marks, marks[:index] + marks[index + 1 :],
                         f"Delete {MARK_NAMES[marks[index].kind].lower()} mark")

"""A budgeted look's amount in the studio (issue 20): when a look with a likeness budget is
applied, a worker finds the strongest amount (0-150% of its face sliders) that keeps the
likeness within the budget on the preview proxy; the panel shows "LinkedIn, 85% — likeness
93.4%" with a slider to choose another amount. Each amount is one undo step (the sliders,
the amount and its likeness go back together); the amount is stored in the session. With photos of the user and "Keep at least N% like me" (issue
28, the CLI's ``--budget-to-me``), the amount found also keeps that likeness to you. The
amount scales the look as applied: once a slider is moved by hand the look is no longer
current and the row hides, so values set by hand are never rescaled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from studio.errors import LikenessError
from studio.render.amount import MOST, scaled
from studio.render.amount import MOST as MOST_AMOUNT
from studio.render.amount import STEP as AMOUNT_STEP
from studio.session import load_look

from .qt_commands import SetAllSlidersCommand
from .qt_slider import QtClickSlider
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QUndoStack

    from studio.session import Session

    from .engine import PreviewEngine
    from .model import StudioDocument


def _amount_job(preview, sliders: dict, least: float, most: float, exact: bool,
                marks: tuple = (), to_me=None):
    """The strongest amount within ``least`` on the preview, the lowest retouched face
    counting (exact: ``most`` itself), with the likeness the meter shows for it; ``to_me``
    (the user's photos, percent): also at least that like you."""
    return preview.amount_within(sliders, least, most, marks, exact=exact, to_me=to_me)


def amount_words(name: str, amount: float, likeness: float | None,
                 to_me: float | None = None) -> str:
    """"LinkedIn, 85% — likeness 93.4%" (without the likeness when it is not measured), and
    ", like you ≥ 80%" with a budget to the photos of the user (the panel is narrow)."""
    measured = "" if likeness is None else f" \N{EM DASH} likeness {likeness:.1f}%"
    kept = "" if to_me is None else f", like you \N{GREATER-THAN OR EQUAL TO} {to_me:g}%"
    return f"{name}, {amount:.0%}{measured}{kept}"


class QtLookAmount(QWidget):
    """The amount row under the look picker: a label and a 0-150% slider (shown while a look
    with a budget is the current look). ``preview`` gives the open photo's preview engine
    (None: none yet), on which the amount is found."""

    def __init__(self, document: StudioDocument, undo_stack: QUndoStack,
                 preview: Callable[[], PreviewEngine | None], parent: QWidget):
        super().__init__(parent)
        self.document, self.undo_stack, self._preview = document, undo_stack, preview
        self.label = QLabel(self)
        self.label.setObjectName("look_amount")
        self.label.setWordWrap(True)  # a long figure wraps: the slider keeps its half
        self.slider = QtClickSlider(self, 0.0, MOST_AMOUNT, AMOUNT_STEP)
        self.slider.setObjectName("look_amount_slider")
        self.slider.setToolTip("How strongly the look's face sliders apply (found within the "
                               "look's likeness budget; move to choose another)")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.slider, 1)
        # Hidden, the row keeps its room: the sliders below never move under the pointer.
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.runner = QtLatestRunner("amount", parent=self)
        self.runner.finished.connect(self._found)
        #: Measures the likeness at an amount a session brought (no undo step, not a change).
        self.measurer = QtLatestRunner("amount_likeness", parent=self)
        self.measurer.finished.connect(self._measured)
        self._measuring: tuple[str, float] | None = None
        self.slider.sliderReleased.connect(self._chosen)
        self.slider.valueChanged.connect(self._moved)
        #: The current look's key and its own values (what the amount scales).
        self._look: tuple[str, Session] | None = None
        #: The look whose amount is being found (its result is dropped if the look changed).
        self._finding: str | None = None
        events = document.events
        events.amount.connect(lambda **_: self._show())
        events.look.connect(lambda **_: self._show())
        events.to_me.connect(lambda **_: self._show())
        self.hide()

    # ------------------------------------------------------------------ look -> amount
    def look_applied(self, key: str, look: Session) -> None:
        """Find the amount of a just-applied look (nothing to find without a budget)."""
        preview = self._preview()
        self._look = (key, look)
        if look.budget is None or preview is None or preview.face is None:
            self._finding = None
            self._show()
            return
        self._finding = key
        self._show()
        self.runner.submit(_amount_job, preview, dict(look.sliders), look.budget, MOST, False,
                           tuple(self.document.marks), self.document.to_me)

    def find_again(self) -> None:
        """The user changed the budget to their photos (or the photos): the current budgeted
        look's amount is found again against both budgets (one undo step). A reopened
        session keeps its amount: only the user's change calls this."""
        base = self._base()
        if base is not None and self.document.budget is not None:
            self.look_applied(*base)
        else:
            self._show()

    def _to_me_percent(self) -> float | None:
        to_me = self.document.to_me
        return None if to_me is None else to_me[1]

    def _base(self) -> tuple[str, Session] | None:
        """The current look's key and its own values (loaded when a session brought it)."""
        key = self.document.look
        if key is None:
            return None
        if self._look is None or self._look[0] != key:
            try:
                self._look = (key, load_look(key))
            except LikenessError:  # a look of another machine: no amount to choose
                return None
        return self._look

    def _show(self) -> None:
        """The row as the document says: the current look's amount and likeness, or hidden."""
        document, base = self.document, self._base()
        if base is None or document.budget is None:
            self.hide()
            return
        key, look = base
        name = look.name or key
        if self._finding == key:
            self.label.setText(f"{name}: finding the amount…")
        elif document.amount is None:
            self.label.setText(f"{name}, 100%")
        else:
            self.label.setText(amount_words(name, document.amount, document.amount_likeness,
                                            self._to_me_percent()))
            if document.amount_likeness is None:
                self._measure(key, look, document.amount)
        to_me = self._to_me_percent()
        self.label.setToolTip(f"Budget: likeness at least {document.budget:g}%" + (
            "" if to_me is None else f", at least {to_me:g}% like you"))
        if not self.slider.isSliderDown():
            self.slider.set_number(1.0 if document.amount is None else document.amount,
                                   quietly=True)
        self.show()

    def _measure(self, key: str, look: Session, amount: float) -> None:
        """The likeness at a session's amount (it stores the amount, not the likeness)."""
        preview = self._preview()
        if preview is None or preview.face is None or self._measuring == (key, amount):
            return
        self._measuring = (key, amount)
        self.measurer.submit(_amount_job, preview, dict(look.sliders), 0.0, amount, True,
                             tuple(self.document.marks))

    def _measured(self, _request_id: int, found) -> None:
        measured, self._measuring = self._measuring, None
        document = self.document
        if measured is None or measured != (document.look, document.amount) \
                or document.amount_likeness is not None:
            return  # the look or its amount changed meanwhile
        document.set_look_amount(document.budget, document.amount, found.likeness_percent,
                                 dirty=False)

    def _moved(self, value: int) -> None:
        base = self._base()
        if base is None:
            return
        if self.slider.isSliderDown():  # dragging: say the amount, measure on release
            self.label.setText(f"{base[1].name or base[0]}, {self.slider.number_at(value):.0%}")
        else:  # a click on the track or a key
            self._chosen()

    def _chosen(self) -> None:
        """The user's own amount: the likeness at it is measured, then it is applied."""
        preview, base = self._preview(), self._base()
        if base is None or preview is None or preview.face is None:
            return
        key, look = base
        self._finding = key
        self.runner.submit(_amount_job, preview, dict(look.sliders), look.budget,
                           self.slider.number(), True, tuple(self.document.marks))

    def _found(self, _request_id: int, found) -> None:
        key, self._finding = self._finding, None
        base = self._base()
        if base is None or base[0] != key:  # another look, or sliders moved by hand since
            self._show()
            return
        look = base[1]
        self.undo_stack.push(SetAllSlidersCommand(
            self.document, scaled(look.sliders, found.amount),
            f"{look.name or key} at {found.amount:.0%}", look=key,
            amount=(look.budget, found.amount, found.likeness_percent)))
        self._show()

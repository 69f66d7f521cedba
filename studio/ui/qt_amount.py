"""A budgeted look's amount in the studio (issue 20): when a look with a likeness budget is
applied, a worker finds the strongest amount (0-150% of its face sliders) that keeps the
likeness within the budget on the preview proxy; the panel shows "LinkedIn, 85% — likeness
93.4%" with a slider to choose another amount. The amount is stored in the session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from .qt_commands import SetAllSlidersCommand
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from studio.session import Session

    from .qt_main import QtStudioWindow


def _amount_job(preview, sliders: dict, least: float, most: float, exact: bool):
    """The strongest amount within ``least`` (exact: the likeness at ``most`` itself)."""
    from studio.render.amount import strongest_amount

    return strongest_amount(preview.proxy, preview.proxy_analysis, sliders,
                            0.0 if exact else least, most=most,
                            face_index=preview.face_index)


class QtLookAmount(QWidget):
    """The amount row under the look picker: a label and a 0-150% slider (hidden until a
    look with a budget is applied)."""

    def __init__(self, window: QtStudioWindow):
        super().__init__(window.panel)
        self.window = window
        self.label = QLabel(self)
        self.label.setObjectName("look_amount")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("look_amount_slider")
        self.slider.setRange(0, 30)  # 5% steps, 0..150%
        self.slider.setToolTip("How strongly the look's face sliders apply (found within the "
                               "look's likeness budget; move to choose another)")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.slider, 1)
        self.runner = QtLatestRunner("amount", parent=window)
        self.runner.finished.connect(self._found)
        self.slider.sliderReleased.connect(self._chosen)
        self.slider.valueChanged.connect(self._moved)
        self._look: tuple[str, Session] | None = None
        self.hide()

    # ------------------------------------------------------------------ look -> amount
    def look_applied(self, key: str, look: Session) -> None:
        """Find the amount of a just-applied look (nothing to find without a budget)."""
        document = self.window.document
        document.budget, document.amount = look.budget, None
        preview = self.window.preview.engine
        if look.budget is None or preview is None or preview.face is None:
            self._look = None
            self.hide()
            return
        from studio.render.amount import MOST

        self._look = (key, look)
        self.label.setText(f"{look.name or key}: finding the amount…")
        self.show()
        self.runner.submit(_amount_job, preview, dict(look.sliders), look.budget, MOST, False)

    def _moved(self, value: int) -> None:
        if self._look is None:
            return
        if self.slider.isSliderDown():  # dragging: say the amount, measure on release
            self.label.setText(f"{self._look[1].name or self._look[0]}, {value * 5}%")
        else:  # a click on the track or a key
            self._chosen()

    def _chosen(self) -> None:
        """The user's own amount: the likeness at it is measured, then it is applied."""
        preview = self.window.preview.engine
        if self._look is None or preview is None:
            return
        look = self._look[1]
        self.runner.submit(_amount_job, preview, dict(look.sliders), look.budget,
                           self.slider.value() * 0.05, True)

    def _found(self, _request_id: int, found) -> None:
        if self._look is None:
            return
        from studio.render.amount import scaled

        key, look = self._look
        document = self.window.document
        self.window.undo_stack.push(SetAllSlidersCommand(
            document, scaled(look.sliders, found.amount),
            f"{look.name or key} at {found.amount:.0%}", look=key))
        document.amount = found.amount
        self.slider.blockSignals(True)
        self.slider.setValue(round(found.amount / 0.05))
        self.slider.blockSignals(False)
        likeness = ("" if found.likeness_percent is None
                    else f" \N{EM DASH} likeness {found.likeness_percent:.1f}%")
        self.label.setText(f"{look.name or key}, {found.amount:.0%}{likeness}")
        self.label.setToolTip(f"Budget: likeness at least {look.budget:g}%")

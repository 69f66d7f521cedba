"""The studio's one slider: it holds a number (a slider's value, the crop's angle, a look's
amount) in steps of ``step``, so no caller scales integers itself; and it answers a click on its
track as Lightroom does: the handle jumps to the click and follows the mouse while the button is
held, and press, drag and release are one change (Qt's own sliders page-step toward the click,
again and again while the button is held)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProxyStyle, QSlider, QStyle


class _JumpToClick(QProxyStyle):
    """The style's answer: the left button sets the slider where it is pressed."""

    def styleHint(self, hint, option=None, widget=None, returnData=None) -> int:  # noqa: N802
        if hint == QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:
            return Qt.MouseButton.LeftButton.value
        return super().styleHint(hint, option, widget, returnData)


class QtClickSlider(QSlider):
    """A horizontal slider from ``minimum`` to ``maximum`` in steps of ``step``; a left press
    anywhere on it starts a drag (``isSliderDown()`` is already true when the jump's
    ``valueChanged`` arrives, so the jump and the drag after it are one held change, and
    ``sliderReleased`` ends it). ``number()`` / ``set_number()`` and ``number_at(position)``
    speak the number; Qt's own integer positions stay for keys and signals."""

    def __init__(self, parent=None, minimum: float = 0.0, maximum: float = 1.0,
                 step: float = 0.01):
        super().__init__(Qt.Orientation.Horizontal, parent)
        style = _JumpToClick()
        style.setParent(self)
        self.setStyle(style)
        self.step = step
        self.setRange(self.position_of(minimum), self.position_of(maximum))

    def position_of(self, number: float) -> int:
        """The slider position that shows ``number`` (to the nearest step)."""
        return int(round(number / self.step))

    def number_at(self, position: int) -> float:
        """The number at a slider position (a multiple of ``step``, rounded to its digits)."""
        return round(position * self.step, 6)

    def number(self) -> float:
        return self.number_at(self.value())

    def set_number(self, number: float, quietly: bool = False) -> None:
        """Move to ``number``; ``quietly``: without ``valueChanged`` (showing, not editing)."""
        blocked = self.blockSignals(True) if quietly else None
        self.setValue(self.position_of(number))
        if quietly:
            self.blockSignals(blocked)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.isEnabled():
            self.setSliderDown(True)
        super().mousePressEvent(event)

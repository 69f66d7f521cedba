"""A slider that answers a click on its track as Lightroom does: the handle jumps to the click
and follows the mouse while the button is held, and press, drag and release are one change
(Qt's own sliders page-step toward the click, again and again while the button is held)."""

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
    """A horizontal slider; a left press anywhere on it starts a drag (``isSliderDown()`` is
    already true when the jump's ``valueChanged`` arrives, so the jump and the drag after it
    are one held change, and ``sliderReleased`` ends it)."""

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        style = _JumpToClick()
        style.setParent(self)
        self.setStyle(style)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self.isEnabled():
            self.setSliderDown(True)
        super().mousePressEvent(event)

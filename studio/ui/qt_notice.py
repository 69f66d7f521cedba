"""A message bar above the photo that stays until it is closed or replaced (not the status bar,
which cuts long lines off and forgets them): export results, a session restored on open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class QtNoticeBar(QFrame):
    """One message, word-wrapped and selectable (a path can be copied), with an optional
    button (e.g. "Start from Neutral") and a close button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("notice_bar")
        self.setStyleSheet(
            "QFrame#notice_bar { background: #2f3a48; border-bottom: 1px solid #111; }"
            "QFrame#notice_bar QLabel { color: #e6edf5; }"
        )
        self.label = QLabel(self)
        self.label.setObjectName("notice_text")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton(self)
        self.button.setObjectName("notice_button")
        self.button.clicked.connect(self._on_button)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Hide this message")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(self.close_button)
        self._on_click: Callable[[], object] | None = None
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def show_message(
        self, text: str, button: str | None = None, on_click: Callable[[], object] | None = None
    ) -> None:
        """Show ``text`` (replacing any message) until closed; ``button`` runs ``on_click``."""
        self.label.setText(text)
        self._on_click = on_click
        self.button.setVisible(bool(button))
        self.button.setText(button or "")
        self.show()

    def clear(self) -> None:
        self._on_click = None
        self.hide()

    def _on_button(self) -> None:
        on_click, self._on_click = self._on_click, None
        self.hide()
        if on_click is not None:
            on_click()

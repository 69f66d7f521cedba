"""Text the user must be able to read whole: a message bar above the photo that stays until it
is closed or replaced (not the status bar, which cuts long lines off and forgets them): export
results, a session restored on open; and list rows (History, snapshots) whose text is cut show it
whole in a tooltip."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QStatusBar,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QToolTip,
    QWidget,
)

from . import APP_NAME


class Notices:
    """How a controller tells the user something: a passing line in the status bar, a message
    above the photo that stays (``bar``), or a dialog for a problem they can fix (``error``)."""

    def __init__(self, status_bar: QStatusBar, bar: QtNoticeBar, parent: QWidget):
        self.status_bar = status_bar
        self.bar = bar
        self._parent = parent

    def status(self, text: str, milliseconds: int = 0) -> None:
        """A passing line in the status bar (0: until the next one)."""
        self.status_bar.showMessage(text, milliseconds)

    def clear_status(self) -> None:
        self.status_bar.clearMessage()

    def error(self, message: str) -> None:
        """The one-line message of a problem the user can fix, in a dialog."""
        QMessageBox.warning(self._parent, APP_NAME, message)


class QtCutTextTips(QStyledItemDelegate):
    """A list's rows as usual; hovering a row whose text is cut ("LinkedIn at 9…") shows the
    whole text in a tooltip."""

    def helpEvent(self, event, view, option, index) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if self.is_cut(view, option, index):
            QToolTip.showText(event.globalPos(), text, view)
        else:
            QToolTip.hideText()
            event.ignore()
        return True

    def is_cut(self, view, option, index) -> bool:
        """Whether the row's text is wider than the room the row shows it in."""
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        style = view.style()
        room = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, shown, view)
        room = room.intersected(view.viewport().rect())  # a list scrolls what it does not show
        return shown.fontMetrics.horizontalAdvance(shown.text) > room.width()


def elide_rows_to_width(view: QListView) -> None:
    """A list whose rows are as wide as the list: a long row ("Sync 11 photos from DSC_…")
    has its middle elided, with the whole text in a tooltip, and the list never scrolls
    sideways."""
    view.setItemDelegate(_QtRowsAsWideAsTheList(view))
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setResizeMode(QListView.ResizeMode.Adjust)  # rows follow the list's width


class _QtRowsAsWideAsTheList(QtCutTextTips):
    """Rows no wider than the list shows (Qt sizes them to their text and scrolls)."""

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint(option, index)
        view = self.parent()
        if isinstance(view, QListView):
            hint.setWidth(min(hint.width(), max(view.viewport().width(), 1)))
        return hint


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

"""Before / after side by side (View › Before / After Side by Side, Lightroom's Y): the
original in the left pane, the edit in the right, at the same zoom and place: a wheel turn or
a drag in either pane moves both. Today's split (Shift+Y) stays on the canvas; this replaces
the canvas while it is on."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from .qt_canvas import QtCanvas

#: The zoom range of the panes, screen pixels per photo pixel.
MIN_ZOOM, MAX_ZOOM = 0.02, 8.0


class QtPane(QGraphicsView):
    """One pane: a picture of the photo in photo pixels (the proxy scaled up to them)."""

    zoomed = Signal(float, QPointF)  # zoom factor wanted, viewport anchor

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setBackgroundBrush(QColor(30, 30, 32))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def set_picture(self, pixmap: QPixmap | None, width: int, height: int) -> None:
        """Show ``pixmap`` stretched over a ``width`` x ``height`` photo."""
        if pixmap is None or pixmap.isNull() or not width:
            self.item.setPixmap(QPixmap())
            return
        self.item.setPixmap(pixmap)
        self.item.setScale(width / pixmap.width())
        self.scene().setSceneRect(QRectF(0, 0, width, height))

    @property
    def zoom(self) -> float:
        return float(self.transform().m11())

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoomed.emit(self.zoom * 1.25**steps, event.position())
        event.accept()


class QtSideBySide(QWidget):
    """The two panes with their labels; their zoom and pan kept the same."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("side_by_side")
        self.before = QtPane("before_pane", self)
        self.after = QtPane("after_pane", self)
        self.photo_size = (0, 0)
        self.fitted = True
        row = QHBoxLayout()
        row.setSpacing(2)
        for pane, label in ((self.before, "Before"), (self.after, "After")):
            column = QVBoxLayout()
            title = QLabel(label, self)
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(title)
            column.addWidget(pane, 1)
            row.addLayout(column, 1)
            pane.zoomed.connect(self.zoom_to)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        self._syncing = False
        for one, other in ((self.before, self.after), (self.after, self.before)):
            one.horizontalScrollBar().valueChanged.connect(
                lambda v, o=other: self._follow(o.horizontalScrollBar(), v))
            one.verticalScrollBar().valueChanged.connect(
                lambda v, o=other: self._follow(o.verticalScrollBar(), v))

    def _follow(self, bar, value: int) -> None:
        if not self._syncing:
            self._syncing = True
            bar.setValue(value)
            self._syncing = False

    def set_pictures(self, before: QPixmap | None, after: QPixmap | None,
                     width: int, height: int) -> None:
        """The original and the edit of a ``width`` x ``height`` photo."""
        new = (width, height) != self.photo_size
        self.photo_size = (width, height)
        self.before.set_picture(before, width, height)
        self.after.set_picture(after, width, height)
        if new or self.fitted:
            self.fit()

    def fit(self) -> None:
        """The whole photo in each pane."""
        width, height = self.photo_size
        if not width:
            return
        view = self.after.viewport().rect()
        scale = min(view.width() / width, view.height() / height)
        self.fitted = True
        self._set_zoom(scale, QPointF(width / 2, height / 2))

    def zoom_to(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Both panes at ``zoom`` (screen pixels per photo pixel), the photo point under
        ``anchor`` (a pane's viewport point) staying still."""
        zoom = float(min(max(zoom, MIN_ZOOM), MAX_ZOOM))
        pane = self.after
        if anchor is None:
            anchor = QPointF(pane.viewport().rect().center())
        scene_point = pane.mapToScene(anchor.toPoint())
        self.fitted = False
        self._set_zoom(zoom, scene_point, anchor)

    def _set_zoom(self, zoom: float, scene_point: QPointF, anchor: QPointF | None = None) -> None:
        for pane in (self.before, self.after):
            pane.setTransform(QTransform().scale(zoom, zoom))
        if anchor is None:
            for pane in (self.before, self.after):
                pane.centerOn(scene_point)
            return
        pane = self.after
        delta = pane.mapFromScene(scene_point) - anchor.toPoint()
        pane.horizontalScrollBar().setValue(pane.horizontalScrollBar().value() + delta.x())
        pane.verticalScrollBar().setValue(pane.verticalScrollBar().value() + delta.y())

    def visible_rects(self) -> tuple[QRectF, QRectF]:
        """The photo area each pane shows (scene coordinates: photo pixels)."""
        return tuple(p.mapToScene(p.viewport().rect()).boundingRect()
                     for p in (self.before, self.after))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.fitted:
            self.fit()


class StudioSideBySide:
    """The side-by-side view in the canvas's place: ``set_enabled(True)`` shows it instead of
    the canvas; ``refresh()`` (after each new preview) shows the canvas's pictures."""

    def __init__(self, canvas: QtCanvas, arrow_keys: QObject):
        self.canvas = canvas
        self.view = QtSideBySide(canvas.parentWidget())
        canvas.parentWidget().layout().addWidget(self.view, 1)
        self.view.hide()
        self._actions: Mapping[str, QAction] = {}
        for widget in (self.view, self.view.before, self.view.after):  # as on the canvas
            widget.installEventFilter(arrow_keys)

    @property
    def enabled(self) -> bool:
        return not self.view.isHidden()

    def follow_tools(self, actions: Mapping[str, QAction]) -> None:
        """One before / after at a time, and the canvas back for its tools: the split
        (Shift+Y), the crop tool or a brush picked ends the side by side; side by side ends
        the split (``actions``: the window's, by name)."""
        self._actions = actions
        for name in ("split", "crop", "heal_tool", "keep_tool", "brush_tool"):
            actions[name].toggled.connect(self._canvas_wanted)

    def _canvas_wanted(self, on: bool) -> None:
        if on and self.enabled:
            self._actions["side_by_side"].setChecked(False)

    def set_enabled(self, enabled: bool) -> None:
        if enabled:
            self._actions["split"].setChecked(False)
        self.canvas.setVisible(not enabled)
        self.view.setVisible(enabled)
        if enabled:
            self.refresh()
            self.view.fit()

    def refresh(self) -> None:
        if not self.enabled:
            return
        before, after = self.canvas.pictures()
        self.view.set_pictures(before, after, *self.canvas.photo_size)

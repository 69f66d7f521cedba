"""The canvas: the photo with a before/after split, zoom, pan and overlays.

Scene coordinates are the photo's full-resolution pixels. The live preview is a proxy
(fewer pixels) drawn scaled over the whole photo; at 100% zoom a full-resolution piece of
the visible region is drawn over it once it is rendered.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsScene, QGraphicsView

from .qt_keys import FACE_TOGGLE

#: Overlay names, their colours (RGBA) and menu labels.
OVERLAYS = {
    "landmarks": ((255, 214, 10, 255), "Landmarks"),
    "protected": ((255, 64, 129, 90), "Protected features"),
    "skin": ((64, 220, 120, 70), "Skin mask"),
    "background": ((64, 140, 255, 80), "Background mask"),
    "likeness": ((229, 83, 60, 110), "Where the likeness went"),
}
MIN_ZOOM, MAX_ZOOM = 0.02, 16.0
#: How close (screen pixels) the mouse must be to grab the split line.
GRAB_DISTANCE = 8
#: A press and release closer than this (screen pixels) is a click (picks a face), not a pan.
CLICK_DISTANCE = 4
#: The outline drawn round the face under the mouse (RGBA).
HOVER_COLOUR = (90, 200, 255, 230)


def qimage_from_rgb8(rgb8: np.ndarray) -> QImage:
    """A QImage that owns a copy of (H, W, 3) uint8 RGB pixels (safe on any thread)."""
    h, w = rgb8.shape[:2]
    rgb8 = np.ascontiguousarray(rgb8)
    return QImage(rgb8.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def qimage_from_mask(mask: np.ndarray, rgba: tuple[int, int, int, int]) -> QImage:
    """A translucent colour layer: ``rgba`` where the (H, W) mask in [0, 1] is 1."""
    h, w = mask.shape
    layer = np.empty((h, w, 4), dtype=np.uint8)
    layer[..., :3] = rgba[:3]
    layer[..., 3] = np.clip(mask * rgba[3] + 0.5, 0, 255).astype(np.uint8)
    return QImage(
        np.ascontiguousarray(layer).data, w, h, 4 * w, QImage.Format.Format_RGBA8888
    ).copy()


class _SplitImageItem(QGraphicsItem):
    """Draws ``before`` left of the split and ``after`` right of it, over ``rect`` (scene)."""

    def __init__(self, canvas: QtCanvas):
        super().__init__()
        self._canvas = canvas
        self.rect = QRectF()
        self.before: QPixmap | None = None
        self.after: QPixmap | None = None

    def set_images(self, rect: QRectF, before: QPixmap | None, after: QPixmap | None) -> None:
        self.prepareGeometryChange()
        self.rect = QRectF(rect)
        self.before, self.after = before, after
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return self.rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.after is None:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._canvas.zoom < 1.0)
        canvas = self._canvas
        if canvas.showing_original and self.before is not None:
            painter.drawPixmap(self.rect, self.before, QRectF(self.before.rect()))
            return
        split = canvas.split_x if canvas.split_enabled else None
        if split is None or self.before is None:
            painter.drawPixmap(self.rect, self.after, QRectF(self.after.rect()))
            return
        if canvas.turn:  # the line stands upright on screen: cut along it
            before_side = canvas.before_side()
            for pixmap, side in ((self.before, before_side), (self.after, None)):
                painter.save()
                if side is not None:
                    painter.setClipPath(side)
                else:
                    whole = QPainterPath()
                    whole.addRect(self.rect)
                    painter.setClipPath(whole.subtracted(before_side))
                painter.drawPixmap(self.rect, pixmap, QRectF(pixmap.rect()))
                painter.restore()
            return
        if split <= self.rect.left():
            painter.drawPixmap(self.rect, self.after, QRectF(self.after.rect()))
            return
        sx = self.after.width() / max(self.rect.width(), 1e-9)
        cut = min(split, self.rect.right())
        left = QRectF(self.rect.left(), self.rect.top(), cut - self.rect.left(), self.rect.height())
        right = QRectF(cut, self.rect.top(), self.rect.right() - cut, self.rect.height())
        painter.drawPixmap(left, self.before, QRectF(0, 0, left.width() * sx, self.before.height()))
        if right.width() > 0:
            painter.drawPixmap(
                right,
                self.after,
                QRectF(left.width() * sx, 0, right.width() * sx, self.after.height()),
            )


class _FrameCover(QGraphicsItem):
    """Covers what lies outside the framed photo (the crop, turned as straightened) with the
    canvas's own colour, so the photo shows as it will be exported."""

    def __init__(self, canvas: QtCanvas):
        super().__init__()
        self._canvas = canvas
        self.setZValue(40)  # over the photo, overlays and marks; under the crop tool
        self.setVisible(False)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        w, h = self._canvas.photo_size
        return QRectF(-w, -h, 3 * w, 3 * h)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        frame = self._canvas.frame
        if frame is None:
            return
        outside = QPainterPath()
        outside.addRect(self.boundingRect())
        inside = QPainterPath()
        inside.addPolygon(frame)
        inside.closeSubpath()
        painter.fillPath(outside.subtracted(inside), self._canvas.backgroundBrush())


#: What the canvas says while no photo is open.
EMPTY_HINT = "Open or drop a photo\n(File › Open…, or drag one here)"


class QtCanvas(QGraphicsView):
    """The photo view.

    Signals
    -------
    view_changed()          zoom or scroll changed (the window may render a detail)
    split_changed(float)    the split line moved (scene x, photo pixels)
    file_dropped(str)       a file was dropped on the canvas
    face_clicked(int)       a face was clicked (index into the outlines of ``set_faces``)
    face_toggled(int)       a face was Ctrl+clicked (retouch it too, or no longer)
    """

    view_changed = Signal()
    split_changed = Signal(float)
    file_dropped = Signal(str)
    face_clicked = Signal(int)
    face_toggled = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("canvas")
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.setBackgroundBrush(QColor(30, 30, 32))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.photo_size = (0, 0)
        self.split_enabled = True
        self.split_x = 0.0
        self.showing_original = False
        self.fit_mode = True
        #: Degrees the photo is shown turned by (the crop tool's straighten, the framed photo).
        self.turn = 0.0
        #: The framed part shown (its corners in photo pixels), or None: the whole photo.
        self.frame: QPolygonF | None = None
        self._dragging_split = False
        self._image = _SplitImageItem(self)
        self._scene.addItem(self._image)
        self._detail = _SplitImageItem(self)
        self._detail.setZValue(1)
        self._scene.addItem(self._detail)
        self._cover = _FrameCover(self)
        self._scene.addItem(self._cover)
        self._overlay_items: dict[str, QGraphicsItem] = {}
        self.overlays_on: dict[str, bool] = dict.fromkeys(OVERLAYS, False)
        self._before_full: np.ndarray | None = None
        #: Each face's outline (photo pixels) for hover and click; empty with one face or none.
        self._faces: list[QPainterPath] = []
        self._hover = QGraphicsPathItem()
        pen = QPen(QColor(*HOVER_COLOUR), 2.0)
        pen.setCosmetic(True)
        self._hover.setPen(pen)
        self._hover.setZValue(4)
        self._hover.setVisible(False)
        self._scene.addItem(self._hover)
        #: The face under the mouse (None: none), and where a press on it happened (screen).
        self.hovered_face: int | None = None
        self._press: tuple[QPointF, int] | None = None
        self._view_timer = QTimer(self, singleShot=True, interval=120)
        self._view_timer.timeout.connect(self.view_changed)
        self.horizontalScrollBar().valueChanged.connect(self._view_moved)
        self.verticalScrollBar().valueChanged.connect(self._view_moved)

    # ------------------------------------------------------------------ images
    @property
    def zoom(self) -> float:
        """Device (screen) pixels per photo pixel: 1.0 = 100%, also on high-DPI screens."""
        matrix = self.transform()
        return float(np.hypot(matrix.m11(), matrix.m12())) * self.devicePixelRatioF()

    def _view_transform(self, scale: float) -> QTransform:
        # The view turns the photo the way straightening does (cv2: counter-clockwise for a
        # positive angle; Qt's rotate turns clockwise on a y-down screen, hence the minus).
        return QTransform().rotate(-self.turn).scale(scale, scale)

    def set_turn(self, angle: float) -> None:
        """Show the photo turned by ``angle`` degrees about its centre (the crop tool's
        straighten, as in Lightroom: the photo turns under an upright frame)."""
        if angle == self.turn:
            return
        self.turn = float(angle)
        if self.fit_mode or not self.photo_size[0]:
            self.fit()
            return
        centre = self.mapToScene(self.viewport().rect().center())
        self.setTransform(self._view_transform(self.zoom / self.devicePixelRatioF()))
        self.centerOn(centre)
        self._view_moved()

    def set_frame(self, corners: np.ndarray | None) -> None:
        """Show only the framed part of the photo (``corners``: (4, 2) photo pixels, turned
        as ``turn`` turns the view, so the frame shows upright), fitted; None: the whole photo."""
        frame = None if corners is None else QPolygonF(
            [QPointF(float(x), float(y)) for x, y in corners]
        )
        if frame == self.frame:
            return
        self.frame = frame
        self._cover.setVisible(self.frame is not None)
        self._cover.update()
        self._show_scroll_bars()
        if self.frame is None:
            self.setSceneRect(QRectF())  # the view follows the scene: the whole photo
        else:
            self.setSceneRect(self.frame.boundingRect())  # panning stays about the frame
            centre = self.frame.boundingRect().center()
            if not self.frame.containsPoint(QPointF(self.split_x, centre.y()),
                                            Qt.FillRule.OddEvenFill):
                self.split_x = centre.x()  # the before/after line where it can be seen
        self.fit()

    def set_photo(
        self, width: int, height: int, before: QImage, after: QImage | None = None
    ) -> None:
        """Show a newly opened photo (``before``: the original proxy) fitted to the window."""
        self.photo_size = (width, height)
        rect = QRectF(0, 0, width, height)
        self._scene.setSceneRect(rect)
        self.set_frame(None)  # the whole photo until its framing is shown
        self._image.set_images(rect, QPixmap.fromImage(before), QPixmap.fromImage(after or before))
        self.clear_detail()
        for name in list(self._overlay_items):
            self._scene.removeItem(self._overlay_items.pop(name))
        self.split_x = width / 2.0
        self.fit()

    def clear_photo(self) -> None:
        """Show nothing (no photo is open)."""
        self.photo_size = (0, 0)
        self._image.set_images(QRectF(), None, None)
        self.clear_detail()
        self.set_faces([])
        self._scene.setSceneRect(QRectF())
        self.viewport().update()

    def set_after(self, after: QImage) -> None:
        """Show a new edited proxy."""
        self._image.set_images(self._image.rect, self._image.before, QPixmap.fromImage(after))

    def pictures(self) -> tuple[QPixmap | None, QPixmap | None]:
        """The original and the edited proxy on screen (None: no photo)."""
        return self._image.before, self._image.after

    def set_detail(self, x: int, y: int, before: QImage, after: QImage) -> None:
        """Show a full-resolution piece (top-left at photo pixel x, y) over the proxy."""
        rect = QRectF(x, y, after.width(), after.height())
        self._detail.set_images(rect, QPixmap.fromImage(before), QPixmap.fromImage(after))
        self._detail.setVisible(True)

    def clear_detail(self) -> None:
        self._detail.setVisible(False)
        self._detail.set_images(QRectF(), None, None)

    @property
    def has_detail(self) -> bool:
        return self._detail.isVisible() and self._detail.after is not None

    # ------------------------------------------------------------------ overlays
    def set_overlay_image(self, name: str, image: QImage | None, scale: float = 1.0) -> None:
        """Set a mask overlay (``scale``: photo pixels per image pixel)."""
        old = self._overlay_items.pop(name, None)
        if old is not None:
            self._scene.removeItem(old)
        if image is None:
            return
        item = self._scene.addPixmap(QPixmap.fromImage(image))
        item.setTransform(QTransform.fromScale(scale, scale))
        item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        item.setZValue(2 if name != "landmarks" else 3)
        item.setVisible(self.overlays_on.get(name, False))
        self._overlay_items[name] = item

    def set_landmarks(self, faces: list[np.ndarray], chosen: int | None) -> None:
        """Draw the 68 landmarks of each face (photo pixels); the chosen face brighter."""
        old = self._overlay_items.pop("landmarks", None)
        if old is not None:
            self._scene.removeItem(old)
        if not faces:
            return
        path = QPainterPath()
        chains = [
            range(0, 17),
            range(17, 22),
            range(22, 27),
            range(27, 31),
            range(31, 36),
            list(range(36, 42)) + [36],
            list(range(42, 48)) + [42],
            list(range(48, 60)) + [48],
            list(range(60, 68)) + [60],
        ]
        parent = QGraphicsPathItem()
        for index, points in enumerate(faces):
            path = QPainterPath()
            iod = float(np.hypot(*(points[42:48].mean(0) - points[36:42].mean(0))))
            radius = max(iod / 60.0, 1.0)
            for chain in chains:
                chain = list(chain)
                path.moveTo(QPointF(*points[chain[0]]))
                for i in chain[1:]:
                    path.lineTo(QPointF(*points[i]))
            for x, y in points:
                path.addEllipse(QPointF(x, y), radius, radius)
            item = QGraphicsPathItem(path, parent)
            colour = QColor(*OVERLAYS["landmarks"][0])
            if chosen is not None and index != chosen:
                colour.setAlpha(110)
            pen = QPen(colour, 1.2)
            pen.setCosmetic(True)  # one screen pixel wide at any zoom
            item.setPen(pen)
            item.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        parent.setZValue(3)
        parent.setVisible(self.overlays_on["landmarks"])
        self._scene.addItem(parent)
        self._overlay_items["landmarks"] = parent

    def set_faces(self, outlines: list[np.ndarray]) -> None:
        """The outlines (photo pixels, (N, 2) each) of the faces a click can pick; fewer than
        two turns picking off (there is nothing to choose between)."""
        self._faces = []
        if len(outlines) > 1:
            for points in outlines:
                path = QPainterPath()
                path.moveTo(QPointF(*points[0]))
                for x, y in points[1:]:
                    path.lineTo(QPointF(x, y))
                path.closeSubpath()
                self._faces.append(path)
        self._set_hover(None)

    def face_at(self, scene_point: QPointF) -> int | None:
        """The face whose outline holds ``scene_point`` (photo pixels); the smallest when
        outlines overlap (a face in front of a larger one behind)."""
        inside = [i for i, path in enumerate(self._faces) if path.contains(scene_point)]
        if not inside:
            return None
        return min(inside, key=lambda i: self._faces[i].boundingRect().width())

    def _set_hover(self, index: int | None) -> None:
        if index == self.hovered_face:
            return
        self.hovered_face = index
        self._hover.setVisible(index is not None)
        if index is not None:
            self._hover.setPath(self._faces[index])

    def set_overlay_visible(self, name: str, visible: bool) -> None:
        self.overlays_on[name] = visible
        item = self._overlay_items.get(name)
        if item is not None:
            item.setVisible(visible)

    def overlay_ready(self, name: str) -> bool:
        return name in self._overlay_items

    # ------------------------------------------------------------------ before/after
    def set_split_enabled(self, enabled: bool) -> None:
        self.split_enabled = enabled
        self.viewport().update()

    def set_split(self, x: float) -> None:
        width = self.photo_size[0]
        self.split_x = float(min(max(x, 0.0), width))
        self.viewport().update()
        self.split_changed.emit(self.split_x)

    def set_showing_original(self, showing: bool) -> None:
        if showing != self.showing_original:
            self.showing_original = showing
            self.viewport().update()

    @property
    def showing_hint(self) -> bool:
        """True while the empty canvas shows :data:`EMPTY_HINT` (no photo open)."""
        return not self.photo_size[0]

    def _draw_hint(self, painter: QPainter) -> None:
        painter.save()
        painter.resetTransform()
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        painter.setFont(font)
        painter.setPen(QColor(170, 170, 176))
        painter.drawText(
            QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter, EMPTY_HINT
        )
        painter.restore()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt API
        if self.showing_hint:
            self._draw_hint(painter)
            return
        if not self.split_enabled or self.showing_original or not self.photo_size[0]:
            if self.showing_original:
                self._draw_label(painter, "Before", 12)
            return
        painter.save()
        painter.resetTransform()
        start, end = self._split_line()
        top, bottom = start.y(), end.y()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(0, 0, 0, 120), 3))
        painter.drawLine(start, end)
        painter.setPen(QPen(QColor(245, 245, 245), 1))
        painter.drawLine(start, end)
        mid = (top + bottom) / 2
        x = start.x()
        painter.setBrush(QColor(245, 245, 245))
        painter.setPen(QPen(QColor(0, 0, 0, 140), 1))
        painter.drawEllipse(QPointF(x, mid), 9, 9)
        painter.setPen(QPen(QColor(40, 40, 40), 1.5))
        for sign in (-1, 1):
            painter.drawLine(QPointF(x + sign * 2, mid - 4), QPointF(x + sign * 6, mid))
            painter.drawLine(QPointF(x + sign * 6, mid), QPointF(x + sign * 2, mid + 4))
        painter.restore()
        self._draw_label(painter, "Before", start.x() - 8, right_aligned=True, top=top)
        self._draw_label(painter, "After", start.x() + 8, top=top)

    def _split_line(self) -> tuple[QPointF, QPointF]:
        """The before/after line on screen (viewport pixels), top and bottom, upright, within
        the photo shown."""
        shown = QRectF(self.viewport().rect())
        area = self.frame if self.frame is not None else QPolygonF(self.sceneRect())
        shown = shown.intersected(self.viewportTransform().map(area).boundingRect())
        x = self.split_view_x()
        return QPointF(x, max(shown.top(), 0.0)), QPointF(x, shown.bottom())

    def split_view_x(self) -> float:
        """Where the before/after line stands on screen (viewport x): upright, through photo
        point (``split_x``, the middle row of the photo shown)."""
        middle = self.sceneRect().center().y()
        return self.viewportTransform().map(QPointF(self.split_x, middle)).x()

    def _split_from_view(self, view_x: float) -> float:
        """The ``split_x`` that puts the line at viewport x ``view_x``."""
        back, _ok = self.viewportTransform().inverted()
        a, b = back.map(QPointF(view_x, 0.0)), back.map(QPointF(view_x, 1000.0))
        middle = self.sceneRect().center().y()
        if abs(b.y() - a.y()) < 1e-9:
            return a.x()
        return a.x() + (b.x() - a.x()) * (middle - a.y()) / (b.y() - a.y())

    def before_side(self) -> QPainterPath:
        """The part of the photo (photo pixels) left of the before/after line on screen."""
        back, _ok = self.viewportTransform().inverted()
        view = QRectF(self.viewport().rect())
        margin = 4 * max(view.width(), view.height(), 1.0)
        left = QRectF(view.left() - margin, view.top() - margin,
                      self.split_view_x() - view.left() + margin, view.height() + 2 * margin)
        path = QPainterPath()
        path.addPolygon(back.map(QPolygonF(left)))
        path.closeSubpath()
        return path

    def _draw_label(
        self, painter: QPainter, text: str, x: float, right_aligned: bool = False, top: float = 0
    ) -> None:
        painter.save()
        painter.resetTransform()
        metrics = painter.fontMetrics()
        w, h = metrics.horizontalAdvance(text) + 14, metrics.height() + 6
        left = x - w if right_aligned else x
        box = QRectF(left, max(top, 0) + 10, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(235, 235, 235))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    # ------------------------------------------------------------------ zoom and pan
    def _show_scroll_bars(self) -> None:
        """Scroll bars only when zoomed in on the whole photo. Fitted, everything is in view;
        a scroll bar shown there narrows the view, the fit shrinks, the bar goes, the fit
        grows and the bar comes back: an endless relayout (seen in the soak) that froze the
        window. Framed, the frame's turned corners push the scroll range out, and the hand
        pans instead."""
        needed = not self.fit_mode and self.frame is None
        policy = Qt.ScrollBarPolicy.ScrollBarAsNeeded if needed else \
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)

    def fit(self) -> None:
        """Fit the whole photo in the window."""
        self.fit_mode = True
        self._show_scroll_bars()
        if self.photo_size[0] and self.frame is not None:  # the frame, upright, fits
            upright = self._view_transform(1.0).map(self.frame).boundingRect()
            view = self.viewport().rect()
            scale = min(view.width() / upright.width(), view.height() / upright.height())
            self.setTransform(self._view_transform(scale))
            self.centerOn(self.frame.boundingRect().center())
        elif self.photo_size[0]:
            if self.turn == 0:
                self.resetTransform()  # fitInView scales the view but keeps a turn
                self.fitInView(self._scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            else:  # the turned photo's bounding box fits the window
                rect = self._scene.sceneRect()
                turned = self._view_transform(1.0).mapRect(rect)
                view = self.viewport().rect()
                scale = min(view.width() / turned.width(), view.height() / turned.height())
                self.setTransform(self._view_transform(scale))
                self.centerOn(rect.center())
        self._view_moved()

    def zoom_to(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` screen pixels per photo pixel, keeping ``anchor`` (viewport) still."""
        zoom = float(min(max(zoom, MIN_ZOOM), MAX_ZOOM))
        self.fit_mode = False
        self._show_scroll_bars()
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        scene_point = self.mapToScene(anchor.toPoint())
        scale = zoom / self.devicePixelRatioF()  # the view's transform is in logical pixels
        self.setTransform(self._view_transform(scale))
        # keep the photo point under the anchor in place
        delta = self.mapFromScene(scene_point) - anchor.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())
        self._view_moved()

    def zoom_100(self) -> None:
        self.zoom_to(1.0)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_to(self.zoom * (1.25**steps), event.position())
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit()

    def visible_rect(self) -> tuple[int, int, int, int]:
        """The photo pixels in view: (x0, y0, x1, y1), clipped to the photo."""
        area = self.mapToScene(self.viewport().rect()).boundingRect()
        w, h = self.photo_size
        x0, y0 = max(int(area.left()), 0), max(int(area.top()), 0)
        x1, y1 = min(int(np.ceil(area.right())), w), min(int(np.ceil(area.bottom())), h)
        return x0, y0, max(x1, x0), max(y1, y0)

    def _view_moved(self, *_args) -> None:
        self._view_timer.start()

    # ------------------------------------------------------------------ mouse
    def _near_split(self, pos) -> bool:
        if not self.split_enabled or self.showing_original or not self.photo_size[0]:
            return False
        return abs(pos.x() - self.split_view_x()) <= GRAB_DISTANCE

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton and self._near_split(event.position()):
            self._dragging_split = True
            event.accept()
            return
        self._press = None
        if event.button() == Qt.MouseButton.LeftButton:
            face = self.face_at(self.mapToScene(event.position().toPoint()))
            if face is not None:
                self._press = (event.position(), face)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._dragging_split:
            self.set_split(self._split_from_view(event.position().x()))
            event.accept()
            return
        near = self._near_split(event.position())
        face = None if near else self.face_at(self.mapToScene(event.position().toPoint()))
        self._set_hover(face)
        cursor = Qt.CursorShape.OpenHandCursor
        if near:
            cursor = Qt.CursorShape.SplitHCursor
        elif face is not None:
            cursor = Qt.CursorShape.PointingHandCursor
        self.viewport().setCursor(cursor)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._set_hover(None)
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._dragging_split:
            self._dragging_split = False
            event.accept()
            return
        press, self._press = self._press, None
        super().mouseReleaseEvent(event)
        if press is not None and event.button() == Qt.MouseButton.LeftButton:
            moved = event.position() - press[0]
            # a pan that started on a face is not a pick
            if abs(moved.x()) + abs(moved.y()) > CLICK_DISTANCE:
                return
            if event.modifiers() & FACE_TOGGLE:
                self.face_toggled.emit(press[1])
            else:
                self.face_clicked.emit(press[1])

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.fit_mode:
            self.zoom_to(1.0, event.position())
        else:
            self.fit()

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.file_dropped.emit(str(Path(urls[0].toLocalFile())))

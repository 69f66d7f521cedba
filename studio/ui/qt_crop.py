"""The crop tool (key C, as in Lightroom): a frame over the photo with aspect presets, drag
to move, corner handles to resize, rule-of-thirds and eye-line guides, LinkedIn's circle;
Straighten (level from the eye line) and an angle slider.

The frame lives in the straightened photo's coordinates (studio.imaging.framing); on the
canvas the photo stays as shot and the frame is drawn turned by the angle over it. Each drag,
aspect switch, straighten or slider movement is one undo step (SetFramingCommand).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QWidget,
)

from studio.imaging.export import Crop
from studio.imaging.framing import (
    FRAMES,
    MAX_ANGLE,
    auto_frame,
    keep_inside,
    level_angle,
    to_original,
    to_straightened,
)

from .qt_commands import SetFramingCommand

if TYPE_CHECKING:
    from .qt_main import QtStudioWindow

#: The aspect presets in the tool's menu: (frame name, label).
FRAME_LABELS = (
    ("linkedin", "LinkedIn 1:1"),
    ("portfolio", "Portfolio 4:5"),
    ("3:2", "3:2"),
    ("banner", "Banner 1584×396"),
    ("original", "Original"),
    ("free", "Free"),
)
#: Handle size and grab distance, in screen pixels; the smallest frame, in photo pixels.
HANDLE, MIN_SIDE = 10, 32


class _CropItem(QGraphicsItem):
    """Draws the frame and its guides; turns mouse drags into frame changes."""

    def __init__(self, tool: CropTool):
        super().__init__()
        self.tool = tool
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self._grab: tuple[str, np.ndarray, tuple] | None = None

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        w, h = self.tool.window.canvas.photo_size
        return QRectF(-w, -h, 3 * w, 3 * h)

    def _polygon(self, rect) -> QPolygonF:
        left, top, w, h = rect
        corners = np.array([[left, top], [left + w, top], [left + w, top + h], [left, top + h]])
        points = to_original(corners, *self.tool.window.canvas.photo_size, self.tool.angle)
        return QPolygonF([QPointF(float(x), float(y)) for x, y in points])

    def _line(self, painter: QPainter, a, b) -> None:
        size, angle = self.tool.window.canvas.photo_size, self.tool.angle
        (x0, y0), (x1, y1) = to_original(np.array([a, b]), *size, angle)
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.tool.rect
        if rect is None:
            return
        width, height = self.tool.window.canvas.photo_size
        scale = 1.0 / max(self.tool.window.canvas.zoom, 1e-6)  # one screen pixel
        frame = self._polygon(rect)
        veil = QPainterPath()
        veil.addRect(QRectF(0, 0, width, height))
        inner = QPainterPath()
        inner.addPolygon(frame)
        painter.fillPath(veil.subtracted(inner), QBrush(QColor(0, 0, 0, 150)))
        left, top, w, h = rect
        painter.setPen(QPen(QColor(255, 255, 255, 110), scale))
        for k in (1, 2):  # rule of thirds
            self._line(painter, (left + w * k / 3, top), (left + w * k / 3, top + h))
            self._line(painter, (left, top + h * k / 3), (left + w, top + h * k / 3))
        eyes = self.tool.eye_line()
        if eyes is not None and top < eyes < top + h:  # where the eyes are, in the frame
            painter.setPen(QPen(QColor(80, 200, 255, 220), 1.5 * scale, Qt.PenStyle.DashLine))
            self._line(painter, (left, eyes), (left + w, eyes))
        if self.tool.frame == "linkedin":  # LinkedIn shows the square through a circle
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1.5 * scale, Qt.PenStyle.DotLine))
            circle = QPainterPath()
            centre = to_original(np.array([[left + w / 2, top + h / 2]]), width, height, 0)[0]
            circle.addEllipse(QPointF(*centre), w / 2, h / 2)
            turn = self.tool.angle
            painter.save()
            c = to_original(np.array([[left + w / 2, top + h / 2]]), width, height, turn)[0]
            painter.translate(c[0], c[1])
            painter.rotate(-turn)
            painter.drawEllipse(QPointF(0, 0), w / 2, h / 2)
            painter.restore()
        painter.setPen(QPen(QColor(255, 255, 255), 1.5 * scale))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolygon(frame)
        painter.setBrush(QBrush(QColor(255, 255, 255)))
        for corner in (frame[0], frame[1], frame[2], frame[3]):
            painter.drawRect(QRectF(corner.x() - HANDLE * scale / 2, corner.y() - HANDLE * scale / 2,
                                    HANDLE * scale, HANDLE * scale))  # fmt: skip

    # ------------------------------------------------------------------ dragging
    def _straight(self, scene_pos: QPointF) -> np.ndarray:
        size = self.tool.window.canvas.photo_size
        return to_straightened(np.array([[scene_pos.x(), scene_pos.y()]]), *size, self.tool.angle)[
            0
        ]

    def _hit(self, point: np.ndarray) -> str | None:
        left, top, w, h = self.tool.rect
        grab = HANDLE / max(self.tool.window.canvas.zoom, 1e-6)
        corners = {"tl": (left, top), "tr": (left + w, top), "bl": (left, top + h),
                   "br": (left + w, top + h)}  # fmt: skip
        for name, (x, y) in corners.items():
            if abs(point[0] - x) <= grab and abs(point[1] - y) <= grab:
                return name
        if left <= point[0] <= left + w and top <= point[1] <= top + h:
            return "move"
        return None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.tool.rect is None:
            event.ignore()
            return
        point = self._straight(event.scenePos())
        part = self._hit(point)
        if part is None:
            event.ignore()  # outside the frame: the canvas pans
            return
        self._grab = (part, point, self.tool.rect)
        self.tool.begin_change()
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._grab is None:
            return
        part, start, rect = self._grab
        delta = self._straight(event.scenePos()) - start
        self.tool.drag(part, rect, float(delta[0]), float(delta[1]))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._grab is not None:
            self._grab = None
            self.tool.end_change("Crop")


class CropTool:
    """The crop tool of a studio window: ``active`` while shown (key C); ``frame`` is the
    aspect preset; ``rect`` the frame in straightened photo pixels; ``angle`` the turn."""

    def __init__(self, window: QtStudioWindow):
        self.window = window
        self.active = False
        self.frame = "linkedin"
        self._before: tuple | None = None
        self.crown_y: float | None = None  # photo pixels, from the person matte (a worker)
        self._split_was = True
        self.item = _CropItem(self)
        self.item.setVisible(False)
        window.canvas.scene().addItem(self.item)
        self.bar = self._build_bar()
        self.bar.setVisible(False)
        window.document.events.crop.connect(lambda crop: self._sync())

    # ------------------------------------------------------------------ widgets
    def _build_bar(self) -> QWidget:
        bar = QWidget(self.window)
        bar.setObjectName("crop_bar")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(QLabel("Crop:", bar))
        self.aspect_box = QComboBox(bar)
        self.aspect_box.setObjectName("crop_aspect")
        for name, label in FRAME_LABELS:
            self.aspect_box.addItem(label, name)
        self.aspect_box.activated.connect(
            lambda index: self.set_frame(self.aspect_box.itemData(index))
        )
        layout.addWidget(self.aspect_box)
        self.straighten_button = QPushButton("Straighten", bar)
        self.straighten_button.setObjectName("crop_straighten")
        self.straighten_button.setToolTip("Level the eye line")
        self.straighten_button.clicked.connect(self.straighten)
        layout.addWidget(self.straighten_button)
        layout.addWidget(QLabel("Angle", bar))
        self.angle_slider = QSlider(Qt.Orientation.Horizontal, bar)
        self.angle_slider.setObjectName("crop_angle")
        self.angle_slider.setRange(int(-MAX_ANGLE * 10), int(MAX_ANGLE * 10))
        self.angle_slider.setMinimumWidth(220)
        self.angle_slider.sliderPressed.connect(self.begin_change)
        self.angle_slider.valueChanged.connect(self._on_angle_slider)
        self.angle_slider.sliderReleased.connect(lambda: self.end_change("Straighten"))
        layout.addWidget(self.angle_slider)
        self.angle_label = QLabel("0.0°", bar)
        self.angle_label.setMinimumWidth(48)
        layout.addWidget(self.angle_label)
        done = QPushButton("Done", bar)
        done.clicked.connect(lambda: self.set_active(False))
        layout.addWidget(done)
        layout.addStretch(1)
        self.window.centralWidget().layout().insertWidget(1, bar)
        return bar

    # ------------------------------------------------------------------ state
    @property
    def angle(self) -> float:
        return self.window.document.angle

    @property
    def rect(self) -> tuple[float, float, float, float] | None:
        """The frame in straightened pixels: the document's crop, or the automatic one."""
        document = self.window.document
        if document.photo is None:
            return None
        width, height = self.window.canvas.photo_size
        if document.crop is not None:
            return document.crop.rect(width, height)
        return self.auto_rect(self.frame, self.angle)

    def auto_rect(self, frame: str, angle: float) -> tuple[float, float, float, float]:
        """The automatic head-and-shoulders frame of a preset: headroom above the crown the
        person matte found (estimated from the face until the matte is ready)."""
        width, height = self.window.canvas.photo_size
        face = self.window.document.face
        landmarks = None if face is None else face.landmarks
        aspect = FRAMES.get(frame)
        if frame == "original":
            aspect = width / height
        rect, _notes = auto_frame(width, height, landmarks, aspect, frame, self.crown_y, angle)
        return rect

    def set_crown(self, crown_y: float | None) -> None:
        """The top of the head found by the person matte (None: estimated from the face)."""
        self.crown_y = crown_y
        self.item.update()

    def eye_line(self) -> float | None:
        """The chosen face's eye line (height in straightened pixels), for the guide."""
        face = self.window.document.face
        if face is None:
            return None
        eyes = face.landmarks[36:48].mean(axis=0)
        return float(to_straightened(eyes, *self.window.canvas.photo_size, self.angle)[0, 1])

    def aspect(self, rect) -> float | None:
        if self.frame == "free":
            return None
        if self.frame == "original":
            width, height = self.window.canvas.photo_size
            return width / height
        return FRAMES[self.frame]

    def _sync(self) -> None:
        """Bring the slider and the drawing up to date with the document (undo, open)."""
        self.angle_slider.blockSignals(True)
        self.angle_slider.setValue(int(round(self.angle * 10)))
        self.angle_slider.blockSignals(False)
        self.angle_label.setText(f"{self.angle:+.1f}°")
        self.item.prepareGeometryChange()
        self.item.update()
        self.window.preview.update_circle()

    def _apply(self, rect, angle: float) -> None:
        width, height = self.window.canvas.photo_size
        self.window.document.set_framing(Crop.from_rect(rect, width, height), angle)

    # ------------------------------------------------------------------ user actions
    def set_active(self, on: bool) -> None:
        """Show or hide the tool (key C)."""
        if on and self.window.document.photo is None:
            on = False
        if on == self.active:
            return
        self.active = on
        canvas = self.window.canvas
        if on:
            self._split_was = canvas.split_enabled
            canvas.set_split_enabled(False)
        else:
            canvas.set_split_enabled(self._split_was)
        self.item.setVisible(on)
        self.bar.setVisible(on)
        action = getattr(self.window, "crop_action", None)
        if action is not None and action.isChecked() != on:
            action.setChecked(on)
        self._sync()

    def begin_change(self) -> None:
        document = self.window.document
        self._before = (document.crop, document.angle)

    def end_change(self, text: str) -> None:
        """Push one undo step for the change since begin_change (if anything changed)."""
        if self._before is None:
            return
        document = self.window.document
        after = (document.crop, document.angle)
        if after != self._before:
            self.window.undo_stack.push(SetFramingCommand(document, self._before, after, text))
        self._before = None

    def drag(self, part: str, rect, dx: float, dy: float) -> None:
        """Move the frame or one corner by (dx, dy) straightened pixels from ``rect``."""
        width, height = self.window.canvas.photo_size
        left, top, w, h = rect
        if part == "move":
            moved = keep_inside((left + dx, top + dy, w, h), width, height, self.angle)
            self._apply(moved, self.angle)
            return
        # The opposite corner stays put; the aspect (if any) follows the wider movement.
        fixed_x = left + w if "l" in part[1] else left
        fixed_y = top + h if "t" in part[0] else top
        new_w = max(w + (-dx if "l" in part[1] else dx), MIN_SIDE)
        new_h = max(h + (-dy if "t" in part[0] else dy), MIN_SIDE)
        aspect = self.aspect(rect)
        if aspect is not None:
            if new_w / aspect > new_h:
                new_h = new_w / aspect
            else:
                new_w = new_h * aspect
        new_left = fixed_x - new_w if "l" in part[1] else fixed_x
        new_top = fixed_y - new_h if "t" in part[0] else fixed_y
        anchor = (fixed_x, fixed_y)
        resized = keep_inside((new_left, new_top, new_w, new_h), width, height, self.angle, anchor)
        self._apply(resized, self.angle)

    def set_frame(self, frame: str) -> None:
        """Switch the aspect preset: its automatic framing is the new starting point."""
        self.frame = frame
        index = self.aspect_box.findData(frame)
        if index != self.aspect_box.currentIndex():
            self.aspect_box.setCurrentIndex(index)
        self.begin_change()
        self._apply(self.auto_rect(frame, self.angle), self.angle)
        self.end_change(f"Crop {dict(FRAME_LABELS)[frame]}")

    def set_angle(self, angle: float) -> None:
        """Turn the photo; the frame keeps its place, made smaller if a corner would show."""
        width, height = self.window.canvas.photo_size
        angle = float(min(max(angle, -MAX_ANGLE), MAX_ANGLE))
        rect = self.rect
        self._apply(keep_inside(rect, width, height, angle), angle)

    def straighten(self) -> None:
        """Level the eye line (one undo step)."""
        face = self.window.document.face
        self.begin_change()
        self.set_angle(level_angle(None if face is None else face.landmarks))
        self.end_change("Straighten")

    def _on_angle_slider(self, value: int) -> None:
        held = self.angle_slider.isSliderDown()
        if not held:
            self.begin_change()
        self.set_angle(value / 10.0)
        if not held:
            self.end_change("Straighten")

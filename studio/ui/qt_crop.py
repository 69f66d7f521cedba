"""The crop tool (key C, as in Lightroom): a frame over the photo with aspect presets, drag
to move, corner handles to resize, rule-of-thirds and eye-line guides, LinkedIn's circle;
Straighten (level from the eye line) and an angle slider.

The frame lives in the straightened photo's coordinates (studio.imaging.framing). While the
tool is open the canvas shows the photo turned by the angle (as the export turns it) and the
frame upright over it, as in Lightroom; corner handles resize freely or at the aspect, edge
handles move one side (with a fixed aspect the other side grows evenly about the centre). Each drag,
aspect switch, straighten or slider movement is one undo step (SetFramingCommand).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.imaging.export import Crop
from studio.imaging.framing import (
    FRAMES,
    MAX_ANGLE,
    auto_frame,
    keep_inside,
    largest_inside,
    level_angle,
    move_inside,
    rotation_matrix,
    to_original,
    to_straightened,
)

from .qt_commands import SetFramingCommand
from .qt_slider import QtClickSlider

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

    from .model import StudioDocument
    from .qt_canvas import QtCanvas

#: The angle slider's step, degrees.
ANGLE_STEP = 0.1
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


def _handles(rect) -> dict[str, tuple[float, float]]:
    """The frame's handles (straightened pixels): corners "tl".."br", then edges "t", "b",
    "l", "r" at the middle of each side."""
    left, top, w, h = rect
    right, bottom, middle_x, middle_y = left + w, top + h, left + w / 2, top + h / 2
    return {
        "tl": (left, top), "tr": (right, top), "bl": (left, bottom), "br": (right, bottom),
        "t": (middle_x, top), "b": (middle_x, bottom), "l": (left, middle_y),
        "r": (right, middle_y),
    }  # fmt: skip


class _CropItem(QGraphicsItem):
    """Draws the frame and its guides; turns mouse drags into frame changes."""

    def __init__(self, tool: CropTool):
        super().__init__()
        self.tool = tool
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self._grab: tuple[str, np.ndarray, tuple] | None = None

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        w, h = self.tool.canvas.photo_size
        return QRectF(-w, -h, 3 * w, 3 * h)

    def _straight_transform(self) -> QTransform:
        """Straightened pixels -> photo (scene) pixels: the item paints in straightened
        pixels, so the frame it draws is upright where the view shows the turned photo."""
        width, height = self.tool.canvas.photo_size
        back = cv2.invertAffineTransform(rotation_matrix(width, height, self.tool.angle))
        return QTransform(back[0, 0], back[1, 0], back[0, 1], back[1, 1], back[0, 2], back[1, 2])

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.tool.rect
        if rect is None:
            return
        width, height = self.tool.canvas.photo_size
        scale = 1.0 / max(self.tool.canvas.zoom, 1e-6)  # one screen pixel
        painter.setTransform(self._straight_transform(), True)
        corners = to_straightened(
            np.array([[0, 0], [width, 0], [width, height], [0, height]]), width, height,
            self.tool.angle,
        )  # fmt: skip
        photo = QPainterPath()
        photo.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in corners]))
        left, top, w, h = rect
        frame = QRectF(left, top, w, h)
        inner = QPainterPath()
        inner.addRect(frame)
        painter.fillPath(photo.subtracted(inner), QBrush(QColor(0, 0, 0, 150)))
        painter.setPen(QPen(QColor(255, 255, 255, 110), scale))
        for k in (1, 2):  # rule of thirds
            painter.drawLine(QPointF(left + w * k / 3, top), QPointF(left + w * k / 3, top + h))
            painter.drawLine(QPointF(left, top + h * k / 3), QPointF(left + w, top + h * k / 3))
        eyes = self.tool.eye_line()
        if eyes is not None and top < eyes < top + h:  # where the eyes are, in the frame
            painter.setPen(QPen(QColor(80, 200, 255, 220), 1.5 * scale, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(left, eyes), QPointF(left + w, eyes))
        if self.tool.frame == "linkedin":  # LinkedIn shows the square through a circle
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1.5 * scale, Qt.PenStyle.DotLine))
            painter.drawEllipse(frame)
        painter.setPen(QPen(QColor(255, 255, 255), 1.5 * scale))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(frame)
        painter.setBrush(QBrush(QColor(255, 255, 255)))
        size = HANDLE * scale
        for x, y in _handles(rect).values():
            painter.drawRect(QRectF(x - size / 2, y - size / 2, size, size))

    # ------------------------------------------------------------------ dragging
    def _straight(self, scene_pos: QPointF) -> np.ndarray:
        size = self.tool.canvas.photo_size
        return to_straightened(np.array([[scene_pos.x(), scene_pos.y()]]), *size, self.tool.angle)[
            0
        ]

    def _hit(self, point: np.ndarray) -> str | None:
        left, top, w, h = self.tool.rect
        grab = HANDLE / max(self.tool.canvas.zoom, 1e-6)
        for name, (x, y) in _handles(self.tool.rect).items():  # corners first, then edges
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


class CropTool(QObject):
    """The crop tool on the canvas: ``active`` while shown (key C); ``frame`` is the aspect
    preset; ``rect`` the frame in straightened photo pixels; ``angle`` the turn. Its bar goes
    above the canvas."""

    #: The tool was shown (True) or hidden (False).
    active_changed = Signal(bool)
    #: The tool shows the document's framing anew (the profile circle follows it).
    framing_shown = Signal()

    def __init__(self, document: StudioDocument, undo_stack: QUndoStack, canvas: QtCanvas):
        super().__init__(canvas)
        self.document, self.undo_stack, self.canvas = document, undo_stack, canvas
        self.active = False
        self.frame = "linkedin"
        self._before: tuple | None = None
        #: The framing (crop, angle) the note under the controls speaks of (None: no note).
        self._noted: tuple | None = None
        self.crown_y: float | None = None  # photo pixels, from the person matte (a worker)
        self._split_was = True
        #: Outside the tool: the whole photo as shot (True) or its framed part (False).
        self.whole_photo = False
        self.item = _CropItem(self)
        self.item.setVisible(False)
        canvas.scene().addItem(self.item)
        self.bar = self._build_bar()
        self.bar.setVisible(False)
        document.events.crop.connect(lambda crop: self._sync())

    # ------------------------------------------------------------------ widgets
    def _build_bar(self) -> QWidget:
        above = self.canvas.parentWidget()
        bar = QWidget(above)
        bar.setObjectName("crop_bar")
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(8, 4, 8, 4)
        rows.setSpacing(2)
        layout = QHBoxLayout()
        rows.addLayout(layout)
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
        self.angle_slider = QtClickSlider(bar, -MAX_ANGLE, MAX_ANGLE, ANGLE_STEP)
        self.angle_slider.setObjectName("crop_angle")
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
        # What the automatic framing could not keep (a banner from a portrait photo): a line
        # of its own under the controls, shown only when there is something to say.
        self.note_label = QLabel("", bar)
        self.note_label.setObjectName("crop_note")
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(False)
        rows.addWidget(self.note_label)
        above.layout().insertWidget(1, bar)
        return bar

    # ------------------------------------------------------------------ state
    @property
    def angle(self) -> float:
        return self.document.angle

    @property
    def rect(self) -> tuple[float, float, float, float] | None:
        """The frame in straightened pixels: the document's crop, or the automatic one."""
        document = self.document
        if document.photo is None:
            return None
        width, height = self.canvas.photo_size
        if document.crop is not None:
            return document.crop.rect(width, height)
        return self.auto_rect(self.frame, self.angle)

    def auto_rect(self, frame: str, angle: float) -> tuple[float, float, float, float]:
        """The automatic head-and-shoulders frame of a preset: headroom above the crown the
        person matte found (estimated from the face until the matte is ready)."""
        return self._auto_framing(frame, angle)[0]

    def _auto_framing(self, frame: str, angle: float) -> tuple[tuple, list[str]]:
        width, height = self.canvas.photo_size
        face = self.document.face
        landmarks = None if face is None else face.landmarks
        aspect = FRAMES.get(frame)
        if frame == "original":
            aspect = width / height
        return auto_frame(width, height, landmarks, aspect, frame, self.crown_y, angle)

    def set_crown(self, crown_y: float | None) -> None:
        """The top of the head found by the person matte (None: estimated from the face)."""
        self.crown_y = crown_y
        self.item.update()

    def eye_line(self) -> float | None:
        """The chosen face's eye line (height in straightened pixels), for the guide."""
        face = self.document.face
        if face is None:
            return None
        eyes = face.landmarks[36:48].mean(axis=0)
        return float(to_straightened(eyes, *self.canvas.photo_size, self.angle)[0, 1])

    def aspect(self, rect, frame: str | None = None) -> float | None:
        """Width / height of preset ``frame`` (default: the tool's); None: free."""
        frame = self.frame if frame is None else frame
        if frame == "free":
            return None
        if frame == "original":
            width, height = self.canvas.photo_size
            return width / height
        return FRAMES[frame]

    def _fitting_frame(self) -> str:
        """The tool's preset when the document's crop has its aspect, else the first that
        fits (a session, a restore or an undo brings a crop made at another preset)."""
        crop = self.document.crop
        _, _, w, h = (0, 0, 0, 0) if crop is None else crop.rect(*self.canvas.photo_size)
        if h <= 0:  # automatic framing: the preset's own
            return self.frame
        for frame in (self.frame, *(name for name, _ in FRAME_LABELS)):
            wanted = self.aspect(None, frame)
            if wanted is None or abs(w / h - wanted) <= 1e-3 * wanted:
                return frame
        return "free"

    def _sync(self) -> None:
        """Bring the preset, the slider and the drawing up to date with the document (undo,
        open)."""
        self.frame = self._fitting_frame()
        self.aspect_box.setCurrentIndex(self.aspect_box.findData(self.frame))
        self.angle_slider.set_number(self.angle, quietly=True)
        self.angle_label.setText(f"{self.angle:+.1f}°")
        self.show_framing()
        self.item.prepareGeometryChange()
        self.item.update()
        self._show_note()
        self.framing_shown.emit()

    def framed_corners(self) -> np.ndarray | None:
        """The framed part of the photo as exported (the document's crop, turned by its
        angle): its corners in photo pixels; None when the photo is not framed."""
        document = self.document
        width, height = self.canvas.photo_size
        if document.photo is None or not width:
            return None
        if document.crop is not None:
            left, top, w, h = document.crop.rect(width, height)
        elif document.angle:  # straightened, not cropped: the largest frame inside
            left, top, w, h = largest_inside(width, height, document.angle)
        else:
            return None
        corners = np.array([[left, top], [left + w, top], [left + w, top + h], [left, top + h]])
        return to_original(corners, width, height, document.angle)

    def set_whole_photo(self, on: bool) -> None:
        """See the whole photo as shot (on) or only its framed part, as exported (off)."""
        self.whole_photo = on
        self.show_framing()

    def show_framing(self) -> None:
        """Outside the tool the canvas shows the framed photo, straightened and cut as it will
        be exported (Lightroom), unless the whole photo is asked for; in the tool, the whole
        photo turns under the upright frame."""
        canvas = self.canvas
        corners = None if self.active or self.whole_photo else self.framed_corners()
        if self.active or corners is not None:
            canvas.set_turn(self.angle)
        else:
            canvas.set_turn(0.0)
        canvas.set_frame(corners)

    def _apply(self, rect, angle: float) -> None:
        width, height = self.canvas.photo_size
        self.document.set_framing(Crop.from_rect(rect, width, height), angle)

    # ------------------------------------------------------------------ user actions
    def set_active(self, on: bool) -> None:
        """Show or hide the tool (key C)."""
        if on and self.document.photo is None:
            on = False
        if on == self.active:
            return
        self.active = on
        canvas = self.canvas
        if on:
            self._split_was = canvas.split_enabled
            canvas.set_split_enabled(False)
        else:
            canvas.set_split_enabled(self._split_was)
        self.item.setVisible(on)
        self.bar.setVisible(on)
        self.active_changed.emit(on)
        self._sync()

    def begin_change(self) -> None:
        document = self.document
        self._before = (document.crop, document.angle)

    def end_change(self, text: str) -> None:
        """Push one undo step for the change since begin_change (if anything changed)."""
        if self._before is None:
            return
        document = self.document
        after = (document.crop, document.angle)
        if after != self._before:
            self.undo_stack.push(SetFramingCommand(document, self._before, after, text))
        self._before = None

    def drag(self, part: str, rect, dx: float, dy: float) -> None:
        """Move the frame, one corner or one edge by (dx, dy) straightened pixels from ``rect``."""
        width, height = self.canvas.photo_size
        left, top, w, h = rect
        if part == "move":
            wanted = (left + dx, top + dy, w, h)  # a move keeps the size: moved in, not shrunk
            moved = move_inside(wanted, width, height, self.angle) or keep_inside(
                wanted, width, height, self.angle
            )
            self._apply(moved, self.angle)
            return
        if len(part) == 1:
            self._apply(self._edge_drag(part, rect, dx, dy), self.angle)
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

    def _edge_drag(self, part: str, rect, dx: float, dy: float) -> tuple:
        """One side moved by the drag, the opposite side stays put. With a fixed aspect the
        other dimension follows, growing or shrinking evenly about the centre (Lightroom)."""
        width, height = self.canvas.photo_size
        left, top, w, h = rect
        aspect = self.aspect(rect)
        if part in ("l", "r"):
            new_w = max(w + (dx if part == "r" else -dx), MIN_SIDE)
            new_h = h if aspect is None else new_w / aspect
            new_left = left if part == "r" else left + w - new_w
            new_top = top + (h - new_h) / 2
            anchor = (left if part == "r" else left + w, top + h / 2)
        else:
            new_h = max(h + (dy if part == "b" else -dy), MIN_SIDE)
            new_w = w if aspect is None else new_h * aspect
            new_top = top if part == "b" else top + h - new_h
            new_left = left + (w - new_w) / 2
            anchor = (left + w / 2, top if part == "b" else top + h)
        return keep_inside((new_left, new_top, new_w, new_h), width, height, self.angle, anchor)

    def set_frame(self, frame: str) -> None:
        """Switch the aspect preset: its automatic framing is the new starting point."""
        self.frame = frame
        index = self.aspect_box.findData(frame)
        if index != self.aspect_box.currentIndex():
            self.aspect_box.setCurrentIndex(index)
        self.begin_change()
        rect, notes = self._auto_framing(frame, self.angle)
        self.note_label.setText(notes[0][:1].upper() + notes[0][1:] if notes else "")
        self._apply(rect, self.angle)
        self._noted = self._framing() if notes else None
        self.end_change(f"Crop {dict(FRAME_LABELS)[frame]}")
        self._show_note()

    def _framing(self) -> tuple:
        document = self.document
        return document.crop, document.angle

    def _show_note(self) -> None:
        """The automatic framing's note, while the frame is the one it speaks of (a resize by
        hand, a straighten or an undo makes it stale)."""
        self.note_label.setVisible(
            self._noted is not None and self._noted == self._framing()
        )

    def set_angle(self, angle: float) -> None:
        """Turn the photo; the frame keeps its place, made smaller if a corner would show."""
        width, height = self.canvas.photo_size
        angle = float(min(max(angle, -MAX_ANGLE), MAX_ANGLE))
        rect = self.rect
        self._apply(keep_inside(rect, width, height, angle), angle)

    def straighten(self) -> None:
        """Level the eye line (one undo step)."""
        face = self.document.face
        self.begin_change()
        self.set_angle(level_angle(None if face is None else face.landmarks))
        self.end_change("Straighten")

    def _on_angle_slider(self, value: int) -> None:
        held = self.angle_slider.isSliderDown()
        if not held:
            self.begin_change()
        self.set_angle(self.angle_slider.number_at(value))
        if not held:
            self.end_change("Straighten")

"""The mark tools on the canvas: heal (H), keep (K), person brush (B, Alt: background), the marks
overlay, choosing and deleting a mark, and suggested marks.

Strokes are recorded in scene coordinates, which are the photo's own pixels, so a mark is
stored exactly where it was painted whatever the zoom. Each stroke is one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from studio.edits.marks import DEFAULT_RADIUS_IOD, Mark
from studio.errors import SessionError
from studio.render.marking import check_marks

from .qt_commands import AddMarksCommand, RemoveMarkCommand
from .qt_keys import BACKGROUND_PAINT

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QUndoStack

    from .engine import PreviewEngine
    from .model import StudioDocument
    from .qt_canvas import QtCanvas
    from .qt_notice import Notices

#: Each kind's colour on the overlay (RGB).
MARK_COLOURS = {
    "heal": (255, 90, 90),
    "keep": (80, 220, 120),
    "person": (80, 160, 255),
    "background": (255, 170, 60),
}
#: Tools and the mark kind they paint (the brush paints "background" with Alt held).
TOOLS = {"heal": "heal", "keep": "keep", "brush": "person"}
#: A new point is added to a stroke when the mouse moved this share of the radius.
POINT_SPACING = 0.25
#: A click this many screen pixels beside a mark still chooses it.
PICK_SLACK = 4.0
#: Brush radius without a face, as a share of the photo's shorter side.
RADIUS_NO_FACE = 0.01


def distance_to(mark: Mark, x: float, y: float) -> float:
    """Distance from photo pixel (x, y) to the mark's stroke (its centre line), pixels."""
    points = np.asarray(mark.points, np.float64)
    best = float(np.hypot(*(points[0] - (x, y))))
    for a, b in zip(points[:-1], points[1:], strict=True):
        d = b - a
        length2 = float(d @ d)
        if length2 == 0:
            continue
        t = min(max(float(((x, y) - a) @ d) / length2, 0.0), 1.0)
        best = min(best, float(np.hypot(*(a + t * d - (x, y)))))
    return best


def mark_path(mark: Mark) -> QPainterPath:
    """The outline of a mark's radius (a round-capped stroke), in photo pixels."""
    path = QPainterPath()
    r = mark.radius
    points = mark.points
    path.addEllipse(QPointF(*points[0]), r, r)
    for (ax, ay), (bx, by) in zip(points[:-1], points[1:], strict=True):
        dx, dy = bx - ax, by - ay
        length = float(np.hypot(dx, dy))
        if length == 0:
            continue
        nx, ny = -dy / length * r, dx / length * r
        segment = QPainterPath()
        segment.moveTo(ax + nx, ay + ny)
        segment.lineTo(bx + nx, by + ny)
        segment.lineTo(bx - nx, by - ny)
        segment.lineTo(ax - nx, ay - ny)
        segment.closeSubpath()
        segment.addEllipse(QPointF(bx, by), r, r)
        path = path.united(segment)
    return path


class QtMarksItem(QGraphicsItem):
    """Draws every mark (and the stroke being painted) over the photo."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(4)
        self._paths: list[tuple[str, QPainterPath]] = []
        self.selected: int | None = None
        self._rect = QRectF()

    def set_marks(self, marks: tuple[Mark, ...], live: Mark | None = None) -> None:
        self.prepareGeometryChange()
        shown = [*marks, live] if live is not None else list(marks)
        self._paths = [(m.kind, mark_path(m)) for m in shown]
        rect = QRectF()
        for _kind, path in self._paths:
            rect = rect.united(path.boundingRect())
        self._rect = rect.adjusted(-4, -4, 4, 4)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for index, (kind, path) in enumerate(self._paths):
            colour = QColor(*MARK_COLOURS[kind])
            chosen = index == self.selected
            pen = QPen(QColor(255, 255, 255) if chosen else colour, 2.5 if chosen else 1.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            fill = QColor(colour)
            fill.setAlpha(90 if chosen else 45)
            painter.setBrush(QBrush(fill))
            painter.drawPath(path)


class StudioMarks(QObject):
    """The mark tools of the canvas. ``tool`` is None (pan and choose marks) or one of
    ``TOOLS``; ``radius`` is the brush radius in photo pixels. ``preview`` gives the open
    photo's preview engine (None: none yet)."""

    #: The tool in use changed (its name, or None).
    tool_chosen = Signal(object)
    #: The marks overlay was shown by a command (Suggest Marks), not by its own toggle.
    overlay_shown = Signal()

    def __init__(self, document: StudioDocument, undo_stack: QUndoStack, canvas: QtCanvas,
                 preview: Callable[[], PreviewEngine | None], notices: Notices,
                 parent: QObject):
        super().__init__(parent)
        self.document, self.undo_stack, self.canvas = document, undo_stack, canvas
        self._preview, self.notices = preview, notices
        self.tool: str | None = None
        self.radius: float | None = None
        self.item = QtMarksItem()
        self.item.setVisible(True)
        self._stroke: list[tuple[float, float]] | None = None
        self._kind = "heal"
        canvas.scene().addItem(self.item)
        canvas.viewport().installEventFilter(self)
        document.events.marks.connect(self._on_marks_change)
        document.events.photo.connect(lambda photo, analysis: self._on_photo())

    # ------------------------------------------------------------------ state
    @property
    def visible(self) -> bool:
        return self.item.isVisible()

    def set_visible(self, visible: bool) -> None:
        """Show or hide the marks overlay (the marks still apply)."""
        self.item.setVisible(visible)

    def set_tool(self, tool: str | None) -> None:
        """Choose a tool (None: back to panning and choosing marks)."""
        if tool is not None and tool not in TOOLS:
            raise ValueError(f"no mark tool {tool!r}")
        self.tool = tool
        canvas = self.canvas
        canvas.setDragMode(
            QGraphicsView.DragMode.NoDrag if tool else QGraphicsView.DragMode.ScrollHandDrag
        )
        canvas.viewport().setCursor(
            Qt.CursorShape.CrossCursor if tool else Qt.CursorShape.OpenHandCursor
        )
        self.tool_chosen.emit(tool)

    def tool_toggled(self, tool: str, on: bool) -> None:
        """A tool's action was checked or unchecked."""
        if on:
            self.set_tool(tool)
        elif self.tool == tool:
            self.set_tool(None)

    def default_radius(self) -> float:
        """The brush radius in photo pixels: a share of the eye distance (or of the photo)."""
        document = self.document
        if self.radius is not None:
            return self.radius
        if document.face is not None:
            return max(DEFAULT_RADIUS_IOD * document.face.iod, 2.0)
        photo = document.photo
        return max(RADIUS_NO_FACE * min(photo.height, photo.width), 2.0) if photo else 8.0

    def scale_radius(self, factor: float) -> None:
        photo = self.document.photo
        most = max(photo.height, photo.width) / 2 if photo is not None else 2000.0
        self.radius = float(min(max(self.default_radius() * factor, 1.0), most))
        self.notices.status(f"Brush radius {self.radius:.0f} px", 2000)

    # ------------------------------------------------------------------ editing
    def add(self, marks: tuple[Mark, ...], text: str | None = None) -> None:
        """Add marks as one undo step; not when the photo's marks would then ask more than
        it allows (``check_marks``: the status bar says which limit), so every session the
        studio saves opens again."""
        if not marks:
            return
        document = self.document
        if document.photo is not None:
            try:
                check_marks(document.marks + tuple(marks),
                            (document.photo.height, document.photo.width))
            except SessionError as error:
                self.notices.status(f"Mark not added: {error}", 8000)
                return
        self.undo_stack.push(AddMarksCommand(document, marks, text))

    def select(self, index: int | None) -> None:
        self.item.selected = index
        self.item.update()

    @property
    def selected(self) -> int | None:
        return self.item.selected

    def delete_selected(self) -> None:
        """Delete the chosen mark (one undo step)."""
        index = self.item.selected
        if index is None or index >= len(self.document.marks):
            return
        self.select(None)
        self.undo_stack.push(RemoveMarkCommand(self.document, index))

    def mark_at(self, x: float, y: float) -> int | None:
        """The topmost mark under photo pixel (x, y) (or within a few screen pixels of it)."""
        slack = PICK_SLACK / max(self.canvas.zoom, 1e-6)
        marks = self.document.marks
        for index in range(len(marks) - 1, -1, -1):
            if distance_to(marks[index], x, y) <= marks[index].radius + slack:
                return index
        return None

    def suggest(self) -> int:
        """Add the suggested marks (heal on spots, keep on moles) as one undo step; the user
        removes the ones they do not want (or undoes them all). Returns how many."""
        preview = self._preview()
        if preview is None:
            return 0
        marks = preview.suggest_marks()
        self.item.setVisible(True)
        self.overlay_shown.emit()
        if not marks:
            message = "No spots or moles found to suggest"
            if preview.face_too_small_to_suggest():
                message = ("The face is too small to tell spots and moles from pores: mark them by "
                           "hand with Heal (H) and Keep (K)")
            self.notices.status(message, 5000)
            return 0
        heals = sum(m.kind == "heal" for m in marks)
        self.add(marks, f"Suggested marks ({heals} heal, {len(marks) - heals} keep)")
        self.notices.status(
            f"Suggested {heals} heal and {len(marks) - heals} keep marks: click one and press "
            "Delete to drop it, or undo them all",
            8000,
        )
        return len(marks)

    # ------------------------------------------------------------------ events
    def _on_photo(self) -> None:
        self.radius = None
        self.select(None)

    def _on_marks_change(self, marks: tuple[Mark, ...]) -> None:
        if self.item.selected is not None and self.item.selected >= len(marks):
            self.item.selected = None
        self.item.set_marks(marks)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            return self._press(event)
        if kind == QEvent.Type.MouseMove and self._stroke is not None:
            self._move(event)
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._stroke is not None:
            self._finish()
            return True
        return False

    def _scene_point(self, event) -> tuple[float, float]:
        point = self.canvas.mapToScene(event.position().toPoint())
        return round(point.x(), 2), round(point.y(), 2)

    def _press(self, event) -> bool:
        if self.document.photo is None:
            return False
        x, y = self._scene_point(event)
        if self.tool is None:
            if not self.visible:
                return False
            index = self.mark_at(x, y)
            self.select(index)
            return index is not None  # a click beside every mark still pans
        self._kind = TOOLS[self.tool]
        if self.tool == "brush" and event.modifiers() & BACKGROUND_PAINT:
            self._kind = "background"
        self._stroke = [(x, y)]
        self._show_live()
        return True

    def _move(self, event) -> None:
        x, y = self._scene_point(event)
        last = self._stroke[-1]
        if np.hypot(x - last[0], y - last[1]) >= POINT_SPACING * self.default_radius():
            self._stroke.append((x, y))
            self._show_live()

    def _finish(self) -> None:
        points, self._stroke = tuple(self._stroke), None
        mark = Mark(self._kind, points, round(self.default_radius(), 2))
        preview = self._preview()
        if preview is not None:
            (mark,) = preview.with_sources((mark,))
        self.add((mark,))
        self.item.set_marks(self.document.marks)

    def _show_live(self) -> None:
        live = Mark(self._kind, tuple(self._stroke), self.default_radius())
        self.item.set_marks(self.document.marks, live)

"""Compare view (key N, like Lightroom's Survey): 2 to 4 versions of the photo side by side
(the current sliders, built-in looks, the user's looks, snapshots), each rendered in a worker
on the same face-centred square and labelled with its likeness; zoom and pan move all panes
together; "Use this" continues from a version (one undo step). A look with a likeness budget
is shown as applying it gives: at the strongest amount within its budget on this photo
("Look: LinkedIn, 85% — likeness 90.4%").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
)

from studio.errors import LikenessError
from studio.imaging.export import ExportSettings, plan_crop
from studio.render.amount import MOST, scaled
from studio.session import list_looks, load_look

from . import engine
from .qt_amount import amount_words
from .qt_canvas import qimage_from_rgb8
from .qt_commands import SetAllSlidersCommand
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QWidget

    from .engine import PreviewEngine
    from .model import StudioDocument
    from .qt_notice import Notices

MAX_PANES = 4


@dataclass(frozen=True)
class CompareResult:
    """A version rendered on the shared square: the picture and its likeness percent."""

    image: object  # QImage
    percent: float | None
    sliders: dict | None = None
    amount: float | None = None
    like_you: float | None = None


def compare_job(preview: PreviewEngine, sliders: dict, marks: tuple = (),
                budget: float | None = None, identity=None) -> CompareResult:
    """Worker: render ``sliders`` (with the photo's ``marks``, which every version shares) on
    the proxy, measure the likeness (and, with ``identity``, the user's photos, how like them
    it is), cut the face square. With a look's ``budget``, its sliders at the strongest amount
    within it (what applying the look gives)."""
    amount = None
    if budget is not None and preview.face is not None:
        amount = preview.amount_within(sliders, budget, MOST, marks).amount
        sliders = scaled(sliders, amount)
    edited = preview.render(sliders, marks)
    percent = preview.likeness(edited).percent
    like_you = preview.like_you(edited, identity)
    h, w = edited.shape[:2]
    face = preview.face
    crop, _ = plan_crop(
        ExportSettings("linkedin"),
        w,
        h,
        None if face is None else face.landmarks,
        crown_y=preview.crown(),
    )
    x0, y0, x1, y1 = crop.pixels(w, h) if crop is not None else (0, 0, w, h)
    if crop is not None:  # whole pixels of a fractional square may differ by one: trim to square
        side = min(x1 - x0, y1 - y0)
        x1, y1 = x0 + side, y0 + side
    return CompareResult(qimage_from_rgb8(engine.to_uint8(edited[y0:y1, x0:x1])), percent,
                         sliders, amount, like_you)


class _PaneView(QGraphicsView):
    """One version's picture; wheel zooms every pane (the dialog relays it)."""

    zoomed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setMinimumSize(260, 260)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.zoomed.emit(1.25 if event.angleDelta().y() > 0 else 1 / 1.25)


class _Pane:
    """A version picker, its picture, its label and a "Use this" button."""

    def __init__(self, view: CompareView, index: int):
        self.picker = QComboBox(view)
        self.picker.setObjectName(f"compare_pick_{index}")
        self.view = _PaneView(view)
        self.label = QLabel("…", view)
        self.label.setObjectName(f"compare_label_{index}")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.use = QPushButton("Use this", view)
        self.use.setObjectName(f"compare_use_{index}")
        self.runner = QtLatestRunner(f"compare{index}", parent=view)
        self.sliders: dict | None = None
        self.percent: float | None = None
        #: For a budgeted look: (its key, budget, the amount it is shown at); else None.
        self.look_amount: tuple[str, float, float] | None = None


class CompareView(QDialog):
    """The Compare view (non-modal): versions of the document's photo side by side, on the
    preview engine ``preview`` gives; choosing one is a step on ``undo_stack``."""

    def __init__(self, document: StudioDocument, undo_stack: QUndoStack,
                 preview: Callable[[], PreviewEngine | None], notices: Notices,
                 parent: QWidget):
        super().__init__(parent)
        self.setObjectName("compare_view")
        self.setWindowTitle("Compare versions")
        self.document, self.undo_stack, self._preview = document, undo_stack, preview
        self._zoom = 1.0
        self._syncing = False
        self._budgets: dict[str, tuple[str, float]] = {}
        layout = QGridLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Versions", self))
        self.count = QSpinBox(self)
        self.count.setObjectName("compare_count")
        self.count.setRange(2, MAX_PANES)
        self.count.setValue(MAX_PANES)
        self.count.valueChanged.connect(self._show_count)
        top.addWidget(self.count)
        top.addStretch(1)
        layout.addLayout(top, 0, 0, 1, MAX_PANES)
        self.panes = [_Pane(self, i) for i in range(MAX_PANES)]
        for i, pane in enumerate(self.panes):
            layout.addWidget(pane.picker, 1, i)
            layout.addWidget(pane.view, 2, i)
            layout.addWidget(pane.label, 3, i)
            layout.addWidget(pane.use, 4, i)
            pane.picker.activated.connect(lambda _index, p=pane: self._render(p))
            pane.use.clicked.connect(lambda _checked=False, p=pane: self.choose(p))
            pane.runner.finished.connect(lambda _id, result, p=pane: self._show(p, result))
            pane.runner.failed.connect(lambda _id, error: notices.error(str(error)))
            pane.view.zoomed.connect(self.zoom_by)
            for bar in (pane.view.horizontalScrollBar(), pane.view.verticalScrollBar()):
                bar.valueChanged.connect(lambda _value, p=pane: self._pan_from(p))
        self.resize(1300, 520)

    # ------------------------------------------------------------------ versions
    def versions(self) -> list[tuple[str, dict]]:
        """Every version on offer: (label, sliders): the current sliders, each look, each
        snapshot."""
        offered = [("Current", dict(self.document.sliders))]
        self._budgets = {}  # a look's label -> (its key, its likeness budget)
        try:
            for info in list_looks():
                if not info.description.startswith("(cannot be used"):
                    look = load_look(info.key)
                    offered.append((f"Look: {info.name}", dict(look.sliders)))
                    if look.budget is not None and look.amount is None:
                        self._budgets[offered[-1][0]] = (info.key, look.budget)
        except LikenessError:
            pass  # a broken look file: the others are still offered
        for name, sliders in self.document.snapshots:
            offered.append((f"Snapshot: {name}", dict(sliders)))
        return offered

    def show_versions(self) -> None:
        """Fill the pickers (current, then the looks in order) and render every pane."""
        offered = self.versions()
        for index, pane in enumerate(self.panes):
            pane.picker.clear()
            for label, sliders in offered:
                pane.picker.addItem(label, sliders)
            pane.picker.setCurrentIndex(min(index, len(offered) - 1))
        self._show_count(self.count.value())
        self.show()
        self.raise_()

    def _show_count(self, count: int) -> None:
        for index, pane in enumerate(self.panes):
            shown = index < count
            for widget in (pane.picker, pane.view, pane.label, pane.use):
                widget.setVisible(shown)
            if shown:
                self._render(pane)

    def _render(self, pane: _Pane) -> None:
        preview = self._preview()
        if preview is None:
            return
        pane.sliders = dict(pane.picker.currentData())
        pane.percent, pane.look_amount = None, None
        pane.label.setText(f"{pane.picker.currentText()} — rendering…")
        marks = tuple(self.document.marks)
        budget = self._budgets.get(pane.picker.currentText())
        pane.runner.submit(compare_job, preview, pane.sliders, marks,
                           None if budget is None else budget[1],
                           self.document.identity)

    def _show(self, pane: _Pane, result: CompareResult) -> None:
        pane.item_image = result.image
        pane.view.item.setPixmap(QPixmap.fromImage(result.image))
        pane.view.scene().setSceneRect(pane.view.item.boundingRect())
        pane.percent = result.percent
        label = pane.picker.currentText()
        budget = self._budgets.get(label)
        if result.amount is not None and budget is not None:
            pane.sliders, pane.look_amount = result.sliders, (*budget, result.amount)
            pane.label.setText(amount_words(label, result.amount, result.percent))
        else:
            likeness = "n/a" if result.percent is None else f"{result.percent:.1f}%"
            pane.label.setText(f"{label} — likeness {likeness}")
        if result.like_you is not None:
            pane.label.setText(f"{pane.label.text()}, like you {result.like_you:.0f}%")
        self._apply_zoom()

    def rendered(self) -> bool:
        """Whether every shown pane has its picture and likeness (tests wait for it)."""
        return all(
            p.percent is not None or "rendering" not in p.label.text()
            for p in self.panes[: self.count.value()]
        )

    # ------------------------------------------------------------------ zoom and pan
    def zoom_by(self, factor: float) -> None:
        self._zoom = float(np.clip(self._zoom * factor, 0.25, 8.0))
        self._apply_zoom()

    def _apply_zoom(self) -> None:
        for pane in self.panes:
            view = pane.view
            rect = view.item.boundingRect()
            if rect.isEmpty():
                continue
            fit = min(view.viewport().width() / rect.width(), view.viewport().height() / rect.height())
            view.resetTransform()
            view.scale(fit * self._zoom, fit * self._zoom)

    def _pan_from(self, source: _Pane) -> None:
        """Pan every pane to where ``source`` was panned (same fraction of its picture)."""
        if self._syncing:
            return
        self._syncing = True
        try:
            h, v = source.view.horizontalScrollBar(), source.view.verticalScrollBar()
            for pane in self.panes:
                if pane is not source:
                    pane.view.horizontalScrollBar().setValue(h.value())
                    pane.view.verticalScrollBar().setValue(v.value())
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ choosing
    def choose(self, pane: _Pane) -> None:
        """Continue from this version: its sliders become the photo's (one undo step)."""
        if pane.sliders is None:
            return
        label = pane.picker.currentText()
        if pane.look_amount is not None:  # the look at its amount, as applying it gives
            key, budget, amount = pane.look_amount
            self.undo_stack.push(SetAllSlidersCommand(
                self.document, pane.sliders, f"Compare: {label} at {amount:.0%}", look=key,
                amount=(budget, amount, pane.percent)))
        elif pane.sliders != self.document.sliders:
            self.undo_stack.push(
                SetAllSlidersCommand(self.document, pane.sliders, f"Compare: {label}")
            )
        self.close()

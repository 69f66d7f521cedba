"""Photos of me: the references the "like you" figure is measured against (thumbnails under
the likeness meter, "Add Photos of Me…"), and File > Check Headshots (any headshots scored
against them, shown as the check sheet)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.errors import LikenessError
from studio.face.reference import read_references, with_chips

from .qt_canvas import OVERLAYS, qimage_from_mask, qimage_from_rgb8
from .qt_workers import QtLatestRunner

#: Photo files the dialogs offer.
PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif *.bmp)"
THUMB = 44
#: Below this likeness (percent) the breakdown bars show where it went.
BREAKDOWN_BELOW = 99.5


class QtPhotosOfMe(QWidget):
    """A row of the reference thumbnails (a problem shown on its tooltip) and "Add photos of
    me…", and under it "Keep at least N% like me" (shown once there are photos of the user)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("photos_of_me")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        layout = QHBoxLayout()
        column.addLayout(layout)
        self.to_me = QSpinBox(self)
        self.to_me.setObjectName("budget_to_me")
        self.to_me.setRange(0, 100)
        self.to_me.setPrefix("Keep at least ")
        self.to_me.setSuffix("% like me")
        self.to_me.setSpecialValueText("Keep a likeness to me: off")
        self.to_me.setToolTip("A look's amount is also found to keep at least this likeness "
                              "to your photos (as the command line's --budget-to-me); the "
                              "look's own budget stays the floor")
        self.to_me.hide()
        column.addWidget(self.to_me)
        self.thumbs = QHBoxLayout()
        layout.addLayout(self.thumbs)
        layout.addStretch(1)
        self.add_button = QPushButton("Add photos of me…", self)
        self.add_button.setObjectName("add_photos_of_me")
        self.add_button.setToolTip("Photos of you: the studio also says how like you the "
                                   "retouch is ('like you')")
        layout.addWidget(self.add_button)
        self.labels: list[QLabel] = []

    def show_references(self, identity) -> None:
        for label in self.labels:
            self.thumbs.removeWidget(label)
            label.deleteLater()
        self.labels = []
        for reference in () if identity is None else identity.references:
            label = QLabel(self)
            label.setFixedSize(THUMB, THUMB)
            pixmap = _thumbnail(reference)
            if pixmap is not None:
                label.setPixmap(pixmap)
            label.setToolTip(reference.name + (f": {reference.problem}" if reference.problem else ""))
            label.setStyleSheet("border: 2px solid %s;" % ("#e5533c" if reference.problem else "#4caf50"))
            self.thumbs.addWidget(label)
            self.labels.append(label)


def _thumbnail(reference) -> QPixmap | None:
    """The reference's face (its crop when read in this run, else its file), THUMB px."""
    if reference.chip is not None:
        pixels = reference.chip[0]
        pixmap = QPixmap.fromImage(qimage_from_rgb8(pixels))
    else:
        pixmap = QPixmap(str(reference.path))
    if pixmap.isNull():
        return None
    return pixmap.scaled(THUMB - 4, THUMB - 4, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                         Qt.TransformationMode.SmoothTransformation)


class QtBreakdownBars(QWidget):
    """Where the likeness went: a bar per region (its share of the change) and the top one in
    words. Hidden while nothing measurable changed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("likeness_breakdown")
        self.shares: dict[str, float] = {}
        self.words = QLabel(self)
        self.words.setWordWrap(True)
        self.words.setObjectName("breakdown_words")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 64, 0, 0)
        layout.addWidget(self.words)
        self.setMinimumHeight(96)
        self.hide()

    def show_breakdown(self, breakdown) -> None:
        if breakdown is None or breakdown.top is None:
            self.shares = {}
            self.hide()
            return
        self.shares = breakdown.shares
        self.words.setText(breakdown.words()[0].upper() + breakdown.words()[1:])
        self.show()
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        from studio.face.breakdown import REGION_NAMES  # start-up

        painter = QPainter(self)
        width = self.width() / len(REGION_NAMES)
        top = max(self.shares.values(), default=0.0) or 1.0
        short = {"cheeks and skin": "skin", "hair line": "hair", "jaw line": "jaw"}
        for index, name in enumerate(REGION_NAMES):
            share = self.shares.get(name, 0.0)
            height = 40.0 * share / top
            painter.fillRect(QRectF(index * width + 3, 44 - height, width - 6, height),
                             QColor(229, 83, 60) if share == top else QColor(150, 150, 155))
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(QRectF(index * width, 46, width, 16), Qt.AlignmentFlag.AlignCenter,
                             short.get(name, name))
        painter.end()


@dataclass(frozen=True)
class BreakdownResult:
    """Where the edit's likeness went (a Breakdown, None without a face) and its overlay
    (a QImage on the proxy, None without a breakdown)."""

    breakdown: object | None
    overlay: QImage | None = None


def breakdown_job(preview, edited) -> BreakdownResult:
    """Where the edit's likeness went on the preview's chosen face, and the overlay of it."""
    from studio.face.breakdown import edit_breakdown  # start-up

    if preview.face is None:
        return BreakdownResult(None)
    breakdown = edit_breakdown(preview.proxy, edited, preview.face)
    where = breakdown.where(preview.face, preview.proxy.shape)
    return BreakdownResult(breakdown, qimage_from_mask(where, OVERLAYS["likeness"][0]))


class QtCheckDialog(QDialog):
    """The result of Check Headshots: the sheet and one line per photo."""

    def __init__(self, parent, sheet, lines: list[str]):
        super().__init__(parent)
        self.setObjectName("check_headshots")
        self.setWindowTitle("Check Headshots")
        layout = QVBoxLayout(self)
        picture = QLabel(self)
        picture.setPixmap(QPixmap.fromImage(qimage_from_rgb8(sheet)))
        scroll = QScrollArea(self)
        scroll.setWidget(picture)
        layout.addWidget(scroll, 1)
        self.text = QLabel("\n".join(lines), self)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(min(sheet.shape[1] + 40, 1100), min(sheet.shape[0] + 160, 800))


class StudioPhotosOfMe(QObject):
    """The controller: adds references to the document and runs Check Headshots. Its strip
    and bars go in the side ``panel`` under the likeness meter; ``shown_preview()`` gives the
    preview engine and the pixels on screen (the breakdown is measured on them)."""

    #: The user's budget to their photos, or the photos, changed: the look's amount is to be
    #: found again.
    amount_asked = Signal()
    #: The photos of the user changed: the likeness on screen is to be measured again.
    likeness_asked = Signal()

    def __init__(self, document, panel, canvas, shown_preview, notices, parent: QWidget):
        super().__init__(parent)
        self.document, self.panel, self.canvas = document, panel, canvas
        self.shown_preview, self.notices, self._parent = shown_preview, notices, parent
        self.strip = QtPhotosOfMe(panel)
        layout = panel.layout()
        layout.insertWidget(layout.indexOf(panel.meter) + 1, self.strip)
        self.bars = QtBreakdownBars(panel)
        layout.insertWidget(layout.indexOf(self.strip), self.bars)
        self.runner = QtLatestRunner("breakdown", parent=parent)
        self.runner.finished.connect(self._on_breakdown_done)
        self.runner.failed.connect(lambda _id, error: notices.error(str(error)))
        self.chips = QtLatestRunner("photos of me", parent=parent)
        self.chips.finished.connect(lambda _id, found: self._on_chips_done(found))
        self.chips.failed.connect(lambda _id, error: notices.error(str(error)))
        self.strip.add_button.clicked.connect(self.add_dialog)
        self.strip.to_me.valueChanged.connect(self._on_to_me_chosen)
        document.events.to_me.connect(lambda **_: self._show_to_me())
        document.events.references.connect(self._on_references_change)
        self.last_check: QtCheckDialog | None = None

    def _on_to_me_chosen(self, value: int) -> None:
        """The user's budget to their photos (0: off): the look's amount is found again."""
        document = self.document
        percent = None if value == 0 else float(value)
        if percent == document.budget_to_me:
            return
        document.set_budget_to_me(percent)
        self.amount_asked.emit()

    def _show_to_me(self) -> None:
        """The control as the document says, shown while there are photos of the user."""
        document, box = self.document, self.strip.to_me
        box.blockSignals(True)
        box.setValue(0 if document.budget_to_me is None else round(document.budget_to_me))
        box.blockSignals(False)
        box.setVisible(document.identity is not None and document.identity.mean is not None)

    def _on_references_change(self, identity) -> None:
        self.strip.show_references(identity)
        self._show_to_me()
        if identity is not None and any(r.usable and r.chip is None for r in identity.references):
            self.chips.submit(with_chips, identity)  # a reopened session keeps no pixels
        if identity is None:
            self.panel.meter.set_like_you(None)
        self.likeness_asked.emit()

    def likeness_shown(self, percent) -> None:
        """A likeness was measured: where it went, when an edit took some of it."""
        engine, pixels = self.shown_preview()
        if percent is None or percent >= BREAKDOWN_BELOW or engine is None:
            self.runner.cancel()
            self._on_breakdown_done(None, BreakdownResult(None))
            return
        self.runner.submit(breakdown_job, engine, pixels)

    def _on_chips_done(self, identity) -> None:
        """The faces of the photos of the user read again: thumbnails of the face used."""
        document = self.document
        now = () if document.identity is None else document.identity.references
        if [r.path for r in now] != [r.path for r in identity.references]:
            return  # the photos changed meanwhile
        document.identity = identity  # the same photos, with their faces: not an edit
        self.strip.show_references(identity)

    def _on_breakdown_done(self, _request_id, result: BreakdownResult) -> None:
        """The bars and the 'Where the likeness went' overlay (View > Overlays)."""
        self.bars.show_breakdown(result.breakdown)
        engine, _pixels = self.shown_preview()
        scale = 1.0 / engine.factor if engine is not None else 1.0
        self.canvas.set_overlay_image("likeness", result.overlay, scale)

    def add_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self._parent, "Add Photos of Me", "", PHOTO_FILTER)
        if paths:
            self.add(paths)

    def add(self, paths: list[str]) -> None:
        """Read ``paths`` as photos of the user, with the ones already added; what is wrong
        with any (no face, someone else, the same file twice, unreadable) in one dialog."""
        document = self.document
        known = () if document.identity is None else document.identity.references
        try:
            with _busy():
                identity = read_references(paths, known=known)
        except LikenessError as error:
            self.notices.error(str(error))
            return
        document.set_references(identity)
        if document.budget_to_me is not None:  # other photos of you: other amounts
            self.amount_asked.emit()
        said = [*identity.problems, *identity.notes]
        if said:
            QMessageBox.information(self._parent, "Photos of me", "\n".join(said))

    def check_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self._parent, "Check Headshots in a Folder")
        if folder:
            self.check(folder)

    def check(self, folder: str | Path) -> QtCheckDialog | None:
        """Score the photos in ``folder`` against the photos of the user and show the sheet."""
        from studio.batch.inputs import find_photos  # start-up
        from studio.session.check_sheet import check_photo, label_lines, sheet_pixels  # start-up

        identity = self.document.identity
        if identity is None or identity.mean is None:
            self.notices.error("Add photos of you first (the panel's 'Add photos of me…'): "
                               "headshots are checked against them")
            return None
        found, _ = find_photos([folder])
        if not found:
            self.notices.error(f"{folder}: no photo in this folder")
            return None
        with _busy():
            items = [check_photo(p.path.name, p.path, identity) for p in found]
        lines = [" \N{EM DASH} ".join(label_lines(item)) for item in items]
        self.last_check = QtCheckDialog(self._parent, sheet_pixels(items), lines)
        self.last_check.show()
        return self.last_check


class _busy:
    """A wait cursor while the references or headshots are read."""

    def __enter__(self):
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *_):
        QGuiApplication.restoreOverrideCursor()

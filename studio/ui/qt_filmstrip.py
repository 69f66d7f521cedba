"""The shoot's filmstrip (File › Open Folder): every photo of a folder as a thumbnail in
capture order, flagged retouched / exported / session saved, under the photo (after an
Export Selected with the same amount for each person, its person too: "P2"). Clicking one,
or Left / Right (Ctrl+Left / Ctrl+Right anywhere; Left / Right on the photo or the strip, as
in Lightroom's Develop), opens it the way File › Open does: its own session beside it, and
unsaved work on the photo left is asked about first. Thumbnails and flags are made in
workers; the window never waits for them."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QListWidget,
    QListWidgetItem,
)
from shiboken6 import isValid

from studio.errors import LikenessError

from . import shoot
from .qt_canvas import qimage_from_rgb8
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from .qt_main import QtStudioWindow

PATH_ROLE = Qt.ItemDataRole.UserRole
FLAGS_ROLE = Qt.ItemDataRole.UserRole + 1
#: The badge of each flag: letter and colour (drawn on the thumbnail's corner).
BADGES = (("retouched", "R", (90, 170, 255)), ("exported", "E", (90, 200, 120)),
          ("saved", "S", (230, 180, 70)))


class _ThumbRelay(QObject):
    """Thumbnails made in the worker, one at a time, to the GUI thread (queued)."""

    thumb = Signal(int, str, object)  # generation, photo path, QImage (None: unreadable)


def thumbnails_job(generation: int, paths: list[Path], emit: Callable, current: Callable) -> int:
    """Worker: a thumbnail per photo, each handed to ``emit`` as it is made; stops early when
    ``current()`` is no longer ``generation`` (another folder was opened)."""
    for path in paths:
        if current() != generation:
            break
        try:
            image = qimage_from_rgb8(shoot.thumbnail_rgb8(path))
        except LikenessError:
            image = None
        emit(generation, str(path), image)
    return generation


def flags_job(paths: list[Path], export_folder: Path | None, settings) -> dict[str, shoot.PhotoFlags]:
    """Worker: each photo's flags (reads the sessions beside them and the export's done list)."""
    return {str(p): shoot.photo_flags(p, export_folder, settings) for p in paths}


def badged(image: QImage | None, flags: shoot.PhotoFlags, edge: int = shoot.THUMB_EDGE,
           person: str = "") -> QIcon:
    """The thumbnail with a badge per flag in its top-right corner and its ``person`` ("P2",
    "": none) in the top-left one (a grey box while the thumbnail is being made or could not
    be)."""
    pixmap = QPixmap(edge, edge)
    pixmap.fill(QColor(45, 45, 48))
    painter = QPainter(pixmap)
    if image is not None:
        scaled = image.scaled(edge, edge, Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
        painter.drawImage((edge - scaled.width()) // 2, (edge - scaled.height()) // 2, scaled)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(13)
    painter.setFont(font)
    x = edge - 20
    for name, letter, colour in BADGES:
        if getattr(flags, name):
            painter.fillRect(x, 3, 17, 17, QColor(*colour))
            painter.setPen(QColor(20, 20, 20))
            painter.drawText(x, 3, 17, 17, Qt.AlignmentFlag.AlignCenter, letter)
            x -= 20
    if person:
        width = painter.fontMetrics().horizontalAdvance(person) + 8
        painter.fillRect(3, 3, width, 17, QColor(200, 120, 220))
        painter.setPen(QColor(20, 20, 20))
        painter.drawText(3, 3, width, 17, Qt.AlignmentFlag.AlignCenter, person)
    painter.end()
    return QIcon(pixmap)


class QtFilmstrip(QListWidget):
    """The strip of thumbnails: one row, scrolled sideways, several can be selected (Ctrl /
    Shift+click); the current item is the photo open."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("filmstrip")
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListWidget.Movement.Static)
        self.setIconSize(QSize(shoot.THUMB_EDGE, shoot.THUMB_EDGE))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(True)
        self.setFixedHeight(shoot.THUMB_EDGE + 58)
        self.setSpacing(4)

    def paths(self) -> list[Path]:
        return [Path(self.item(i).data(PATH_ROLE)) for i in range(self.count())]

    def row_of(self, path: Path | None) -> int:
        if path is None:
            return -1
        wanted = os.path.abspath(path)
        for i in range(self.count()):
            if os.path.abspath(self.item(i).data(PATH_ROLE)) == wanted:
                return i
        return -1


class _ArrowKeys(QObject):
    """Left / Right on the photo go through the shoot (Lightroom's Develop), unmodified only."""

    def __init__(self, filmstrip: StudioFilmstrip):
        super().__init__(filmstrip.window)
        self.filmstrip = filmstrip

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.KeyPress or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(event.key())
        if step is None or not self.filmstrip.photos:
            return False
        self.filmstrip.go(step)
        return True


class StudioFilmstrip:
    """The window's shoot: ``open_folder`` fills the strip; ``go(+1)`` opens the next photo;
    ``selected()`` are the photos chosen for Sync and Export Selected."""

    def __init__(self, window: QtStudioWindow):
        self.window = window
        self.folder: Path | None = None
        self.photos: list[shoot.ShootPhoto] = []
        self.flags: dict[str, shoot.PhotoFlags] = {}
        self.thumbs: dict[str, QImage | None] = {}
        #: Each photo's person at the last Export Selected ("person 2 (3 photos, ...)")
        self.people: dict[str, str] = {}
        self._generation = 0
        self.strip = QtFilmstrip(window)
        self.dock = QDockWidget("Filmstrip", window)
        self.dock.setObjectName("filmstrip_dock")
        self.dock.setWidget(self.strip)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        # Export Selected's results beside the strip: under it they took the photo's height
        # and still showed one row
        window.splitDockWidget(self.dock, window.shoot_export.dock, Qt.Orientation.Horizontal)
        self.dock.hide()
        self.strip.currentItemChanged.connect(self._on_current_changed)
        self._relay = _ThumbRelay()
        self._relay.thumb.connect(self._on_thumb)
        self.thumb_runner = QtLatestRunner("thumbnails", parent=window)
        self.flags_runner = QtLatestRunner("flags", parent=window)
        self.flags_runner.finished.connect(self._on_flags)
        window.opener.runner.finished.connect(lambda *_: self.follow_open_photo())
        window.document.events.session_path.connect(lambda path: self.refresh_flags())
        #: Left / Right through the shoot, on the photo (the canvas, the side-by-side panes)
        self.arrow_keys = _ArrowKeys(self)
        window.canvas.installEventFilter(self.arrow_keys)

    def hide_while_empty(self) -> None:
        """Hide the strip and the export's results while there is no shoot (the window's
        last layout, restored, may have had them)."""
        if not self.photos:
            self.dock.hide()
        if not self.window.shoot_export.paths:
            self.window.shoot_export.dock.hide()

    @property
    def export_folder(self) -> Path | None:
        return None if self.folder is None else self.folder / shoot.EXPORT_FOLDER

    # ------------------------------------------------------------------ opening
    def open_folder_dialog(self) -> None:
        start = str(self.window.settings.value("folder", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self.window, "Open a folder of photos", start)
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | os.PathLike) -> None:
        """Show the folder's photos in capture order and open the first (a bad folder: one
        dialog, the shoot shown stays)."""
        try:
            photos = shoot.scan_folder(folder)
        except LikenessError as error:
            self.window.show_error(str(error))
            return
        self.folder, self.photos = Path(os.path.abspath(folder)), photos
        self.window.settings.setValue("folder", str(self.folder))
        self.flags, self.thumbs, self.people = {}, {}, {}
        self._generation += 1
        self.strip.blockSignals(True)
        self.strip.clear()
        for photo in photos:
            item = QListWidgetItem(photo.path.name)
            item.setData(PATH_ROLE, str(photo.path))
            item.setData(FLAGS_ROLE, "")
            item.setIcon(badged(None, shoot.PhotoFlags()))
            item.setSizeHint(QSize(shoot.THUMB_EDGE + 12, shoot.THUMB_EDGE + 30))
            self.strip.addItem(item)
        self.strip.blockSignals(False)
        self.dock.show()
        generation = self._generation
        self.thumb_runner.submit(thumbnails_job, generation, [p.path for p in photos],
                                 self._relay.thumb.emit, lambda: self._generation)
        self.refresh_flags()
        self.window.statusBar().showMessage(f"{len(photos)} photos in {self.folder.name}", 5000)
        if self.window.document.source_path is None or self.strip.row_of(
                self.window.document.source_path) < 0:
            self.strip.setCurrentRow(0)
        else:
            self.follow_open_photo()
        self.strip.setFocus()

    # ------------------------------------------------------------------ moving through it
    def go(self, step: int) -> None:
        """Open the photo ``step`` places on (-1: the previous one), within the strip."""
        if not self.photos:
            return
        row = self.strip.row_of(self.window.document.source_path)
        row = min(max(row + step, 0), self.strip.count() - 1) if row >= 0 else 0
        self.strip.setCurrentRow(row)

    def _on_current_changed(self, item, _previous) -> None:
        if item is None:
            return
        path = Path(item.data(PATH_ROLE))
        window = self.window
        same = window.document.source_path is not None and os.path.abspath(
            window.document.source_path) == os.path.abspath(path)
        if same:
            return
        window.open_path(path)  # asks first about unsaved work, as File › Open does
        if not window.opening:  # the user kept the photo open: the strip says so again
            self.follow_open_photo()

    def follow_open_photo(self) -> None:
        """Make the open photo the strip's current one (no photo is opened by it)."""
        row = self.strip.row_of(self.window.document.source_path)
        if row < 0 or row == self.strip.currentRow():
            return
        self.strip.blockSignals(True)
        self.strip.setCurrentRow(row, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.strip.blockSignals(False)
        self.strip.scrollToItem(self.strip.item(row))
        self.refresh_flags()

    def selected(self) -> list[Path]:
        """The photos selected in the strip, in strip order (the open one included when
        selected)."""
        rows = sorted(self.strip.row(item) for item in self.strip.selectedItems())
        return [Path(self.strip.item(r).data(PATH_ROLE)) for r in rows]

    def select(self, paths: list[Path]) -> None:
        """Select these photos (as Ctrl+click would), the open one staying current."""
        wanted = {os.path.abspath(p) for p in paths}
        self.strip.blockSignals(True)
        for i in range(self.strip.count()):
            item = self.strip.item(i)
            item.setSelected(os.path.abspath(item.data(PATH_ROLE)) in wanted)
        self.strip.blockSignals(False)

    # ------------------------------------------------------------------ thumbnails and flags
    def refresh_flags(self) -> None:
        """Read every photo's flags again in the worker (after a save, a sync, an export)."""
        if self.photos:
            settings = self.window.shoot_export.settings()
            self.flags_runner.submit(flags_job, [p.path for p in self.photos],
                                     self.export_folder, settings)

    def mark_exported(self, photo: str | os.PathLike) -> None:
        """Badge ``photo`` exported as soon as its export is written (Export Selected reads
        every photo's flags again only when it ends)."""
        row = self.strip.row_of(Path(photo))
        if row < 0:
            return
        path = self.strip.item(row).data(PATH_ROLE)
        self.flags[path] = replace(self.flags.get(path, shoot.PhotoFlags()), exported=True)
        self._draw(path)
        self.refresh_flags()  # a reading begun before this export would take the badge away

    def show_people(self, people: dict[str, str]) -> None:
        """Show each photo's person (by photo path: its group's name, as the export's result
        table names it); every other photo shows none."""
        shown = {}
        for photo, person in people.items():
            row = self.strip.row_of(Path(photo))
            if row >= 0:
                shown[self.strip.item(row).data(PATH_ROLE)] = person
        self.people, before = shown, self.people
        for path in {*before, *shown}:
            self._draw(path)

    def _on_thumb(self, generation: int, path: str, image) -> None:
        if generation != self._generation or not isValid(self.strip):
            return  # another folder's, or the window is gone
        self.thumbs[path] = image
        self._draw(path)

    def _on_flags(self, _request_id: int, flags: dict) -> None:
        self.flags.update(flags)
        for path in flags:
            self._draw(path)

    def _draw(self, path: str) -> None:
        row = self.strip.row_of(Path(path))
        if row < 0:
            return
        flags = self.flags.get(path, shoot.PhotoFlags())
        person = self.people.get(path, "")
        item = self.strip.item(row)
        item.setIcon(badged(self.thumbs.get(path), flags, person=shoot.person_badge(person)))
        item.setData(FLAGS_ROLE, flags.words())
        words = flags.words()
        item.setToolTip(f"{Path(path).name}" + (f": {words}" if words else "")
                        + (f"\n{person} at the last export" if person else ""))

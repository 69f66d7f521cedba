"""Look thumbnails: the look picker shows each look rendered small on the open photo's chosen
face, at the amount it would get here (a budgeted look: the strongest amount within its
likeness budget on this face, as applying it finds). Made in a worker, one look at a time,
``THUMBS_AFTER_MS`` after each photo opens and the sliders have rested as long (at once when
the picker is opened before): the first moments with a photo are the user's, its preview and
first slider moves get the cores. The picker is usable meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate
from shiboken6 import isValid

from studio.errors import LikenessError
from studio.face.types import FaceAnalysis
from studio.render.amount import MOST, face_search, scaled, strongest_amount
from studio.session import load_look

from . import engine
from .qt_canvas import qimage_from_rgb8
from .qt_workers import QtLatestRunner

#: Edge of a look thumbnail, pixels.
LOOK_THUMB_EDGE = 64
#: Edge of the chosen look's thumbnail in the closed picker (a line of text high).
LOOK_ICON_IN_BOX = 16
#: The head kept around the face's landmarks, in IODs (what a thumbnail shows).
HEAD_MARGIN = 1.2
#: The thumbnails are made this long after a photo opens (ms): about 2 s of CPU for four
#: looks, which would otherwise share the two cores with the photo's first preview and moves.
THUMBS_AFTER_MS = 1500


@dataclass(frozen=True)
class LookThumbnail:
    """A look rendered small on this photo: its key, uint8 RGB pixels, the amount of its face
    sliders (1.0: as the look has them)."""

    key: str
    pixels: np.ndarray
    amount: float


def head_of(preview: engine.PreviewEngine) -> tuple[np.ndarray, object, int] | None:
    """The chosen face's head cut from the proxy: (pixels, its analysis, face index), or None
    without a face."""
    face = preview.face
    if face is None:
        return None
    h, w = preview.proxy.shape[:2]
    margin = HEAD_MARGIN * face.iod
    x0, y0 = (face.landmarks.min(axis=0) - margin).astype(int)
    x1, y1 = (face.landmarks.max(axis=0) + margin).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    crop = np.ascontiguousarray(preview.proxy[y0:y1, x0:x1])
    index = preview.face_index if preview.face_index is not None else preview.proxy_analysis.primary
    faces = tuple(f.translated(x0, y0) for f in preview.proxy_analysis.faces)
    return crop, FaceAnalysis(width=x1 - x0, height=y1 - y0, faces=faces, primary=index), index


def look_thumbnail(head, key: str, look, edge: int = LOOK_THUMB_EDGE) -> LookThumbnail:
    """``look`` (a Session) rendered on ``head`` (from :func:`head_of`) at its amount here.

    Rendered on the face crop the amount search renders (the head shrunk to about 80 px
    between the eyes, its edits prepared once for every look of the photo), then shrunk to
    ``edge``: a 64 px thumbnail shows nothing a bigger render would add."""
    pixels, analysis, index = head
    sliders, amount = dict(look.sliders), 1.0
    if look.budget is not None:
        found = strongest_amount(pixels, analysis, sliders, float(look.budget), most=MOST,
                                 face_index=index)
        amount = found.amount
        sliders = scaled(sliders, amount)
    out = face_search(pixels, analysis, index).render(sliders)
    h, w = out.shape[:2]
    scale = edge / max(h, w)
    small = cv2.resize(out, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    return LookThumbnail(key, np.ascontiguousarray(engine.to_uint8(small)), amount)


def look_thumbnails_job(preview, looks: list, emit: Callable, current: Callable,
                        generation: int) -> int:
    """Worker: each look's thumbnail handed to ``emit`` as it is made; stops when
    ``current()`` is no longer ``generation`` (another photo opened)."""
    head = head_of(preview)
    for key, look in looks:
        if head is None or current() != generation:
            break
        try:
            thumb = look_thumbnail(head, key, look)
        except LikenessError:
            continue
        emit(generation, key, qimage_from_rgb8(thumb.pixels), thumb.amount)
    return generation


def show_thumbs_in_the_list(combo: QComboBox) -> None:
    """The picker's list shows the thumbnails whole; its closed box a small one beside the
    look's name (Qt draws both at the box's icon size: 64 px there was cut to a strip)."""
    combo.setIconSize(QSize(LOOK_ICON_IN_BOX, LOOK_ICON_IN_BOX))
    combo.setItemDelegate(QStyledItemDelegate(combo))  # rows sized by the list's icon size
    combo.view().setIconSize(QSize(LOOK_THUMB_EDGE, LOOK_THUMB_EDGE))


class _Relay(QObject):
    thumb = Signal(int, str, object, float)  # generation, look key, QImage, amount

    def __init__(self, shown: Callable[[], None]):
        super().__init__()
        self._shown = shown

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Show:  # the picker's list opened
            self._shown()
        return False


class StudioLookThumbs:
    """Keeps the look picker's icons: each look on this photo, at its amount. ``preview``
    gives the open photo's preview engine (None: none yet); ``refresh`` after each opening."""

    def __init__(self, combo: QComboBox, preview: Callable[[], engine.PreviewEngine | None],
                 parent: QObject):
        self.combo = combo
        self._preview = preview
        self.generation = 0
        #: Each look's amount on the open photo (its thumbnail made), by key.
        self.amounts: dict[str, float] = {}
        self.runner = QtLatestRunner("look-thumbnails", parent=parent)
        self._relay = _Relay(self._make_now)
        self._relay.thumb.connect(self._on_thumb)
        combo.view().installEventFilter(self._relay)
        self._later = QTimer(parent)
        self._later.setSingleShot(True)
        self._later.setInterval(THUMBS_AFTER_MS)
        self._later.timeout.connect(self._make)
        show_thumbs_in_the_list(combo)

    def refresh(self) -> None:
        """The open photo's thumbnails: the old ones cleared now, the new ones made in the
        worker ``THUMBS_AFTER_MS`` from now (or when the picker opens, if sooner)."""
        self.generation += 1
        self.amounts = {}
        combo = self.combo
        for i in range(combo.count()):
            combo.setItemIcon(i, QIcon())
        self._later.start()

    def postpone(self) -> None:
        """A slider moved: thumbnails not yet begun wait until the sliders rest again."""
        if self._later.isActive():
            self._later.start()

    def _make_now(self) -> None:
        if self._later.isActive():
            self._later.stop()
            self._make()

    def _make(self) -> None:
        combo = self.combo
        preview = self._preview()
        if preview is None or preview.face is None:
            return
        looks = []
        for i in range(combo.count()):
            key = combo.itemData(i)
            if key is None:
                continue
            try:
                looks.append((key, load_look(key)))
            except LikenessError:
                continue
        self.runner.submit(look_thumbnails_job, preview, looks, self._relay.thumb.emit,
                           lambda: self.generation, self.generation)

    def _on_thumb(self, generation: int, key: str, image, amount: float) -> None:
        if generation != self.generation or not isValid(self.combo):
            return  # another photo's, or the window is gone
        combo = self.combo
        index = combo.findData(key)
        if index < 0:
            return
        self.amounts[key] = amount
        combo.setItemIcon(index, QIcon(QPixmap.fromImage(image)))
        combo.setItemData(index, f"{combo.itemText(index)} on this photo, at {amount:.0%}",
                          Qt.ItemDataRole.ToolTipRole)

"""Suggested marks: heal marks on the blemish detector's spots, keep marks on moles.

The studio shows them as ordinary marks the person accepts (keeps) or removes; nothing is
decided for them. Spots are ``studio.edits.blemish.find_spots``'s candidates (red for their
darkness); moles are small, well-defined spots much darker than the skin around them and not
red (the spots the blemish slider leaves alone, now protected on purpose).
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.edits.blemish import MAX_SPOT, find_spots
from studio.edits.layers import PhotoLayers, fast_lab, normalized_blur
from studio.edits.marks import DEFAULT_RADIUS_IOD, Mark
from studio.imaging.filters import gaussian

#: A mole is this much darker (L*) than the skin around it...
MOLE_DARKER = 12.0
#: ...and at least this wide, IOD (smaller dark dots are pores).
MOLE_MIN = 1 / 80
#: Most suggestions of each kind (the strongest first).
MOST = 12


def suggest_marks(layers: PhotoLayers) -> tuple[Mark, ...]:
    """Heal marks on the blemish candidates and keep marks on moles of the layers' face, in
    the pixels of ``layers.pixels``; none without a face."""
    if not layers.has_face:
        return ()
    work = layers.work
    spots = find_spots(work.image, work.skin_area, work.iod, reference=work.skin) * work.skin_area
    heal = _blobs(spots > 0.5, spots, work.iod, "heal")
    moles = _moles(work)
    # The work copy's pixels -> the photo's (its ROI, shrunk for a big head).
    scale = work.shape[1] / layers.shape[1]
    top, left = layers.roi[0].start, layers.roi[1].start
    return tuple(
        Mark(
            m.kind,
            tuple(((x + 0.5) / scale - 0.5 + left, (y + 0.5) / scale - 0.5 + top) for x, y in m.points),
            m.radius / scale,
        )
        for m in heal + moles
    )


def _moles(work: PhotoLayers) -> tuple[Mark, ...]:
    lab = fast_lab(gaussian(work.image, work.iod / 200))
    inside = (work.skin_area > 0.5).astype(np.float32)
    around = normalized_blur(lab, (work.skin > 0.5).astype(np.float32), work.iod / 15)
    darker = around[..., 0] - lab[..., 0]
    redder = lab[..., 1] - around[..., 1]
    found = (darker > MOLE_DARKER) & (redder < 0.5 * darker) & (inside > 0)
    return _blobs(found, darker, work.iod, "keep", smallest=MOLE_MIN, skin=work.skin)


def _blobs(
    found: np.ndarray,
    strength: np.ndarray,
    iod: float,
    kind: str,
    smallest: float = 0.0,
    skin: np.ndarray | None = None,
) -> tuple[Mark, ...]:
    """One round mark on each small blob of ``found`` (up to ``MOST``, strongest first). With
    ``skin``: only round blobs with skin all around them (a mole; not the end of a crease, a
    hair's edge or a nostril's shadow)."""
    count, labels, stats, centres = cv2.connectedComponentsWithStats(
        found.astype(np.uint8), connectivity=8
    )
    marks = []
    for i in range(1, count):
        area = stats[i, cv2.CC_STAT_AREA]
        width = 2 * np.sqrt(area / np.pi)
        if width > MAX_SPOT * iod or width < smallest * iod:
            continue
        if skin is not None and not _round_and_on_skin(labels == i, stats[i], skin, width):
            continue
        radius = max(0.75 * width + 1.0, DEFAULT_RADIUS_IOD * iod * 0.75)
        peak = float(strength[labels == i].max())
        marks.append((peak, Mark(kind, ((float(centres[i][0]), float(centres[i][1])),), float(radius))))
    marks.sort(key=lambda pair: -pair[0])
    return tuple(m for _, m in marks[:MOST])


def _round_and_on_skin(blob: np.ndarray, stats: np.ndarray, skin: np.ndarray, width: float) -> bool:
    bw, bh, area = stats[cv2.CC_STAT_WIDTH], stats[cv2.CC_STAT_HEIGHT], stats[cv2.CC_STAT_AREA]
    if max(bw, bh) > 2 * min(bw, bh) or area < 0.5 * bw * bh:
        return False  # a line (a crease, a hair) or a ragged shape
    ring_width = max(int(round(width)), 2)
    grown = cv2.dilate(blob.astype(np.uint8), cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * ring_width + 1, 2 * ring_width + 1)))
    ring = (grown > 0) & ~blob
    return bool(ring.any()) and float((skin[ring] > 0.5).mean()) >= 0.95

"""Suggested marks: heal marks on small red spots, keep marks on moles.

The studio shows them as ordinary marks the person accepts (keeps) or removes; nothing is
decided for them. A suggestion is a small round blob on the skin that stands out from a calm
ring of skin all around it: redder than that ring (a spot: heal) or much darker and not red (a
mole: keep). A blob whose ring is not calm skin is never proposed: the end of a crease, a
shadow's edge, stubble, a hair strand or a brow's tip all put dark or non-skin pixels in the
ring. Sizes are in IOD (the eyes' distance, ~63 mm): spots and moles of 1.5-8 mm.
Figures: docs/quality.md, "Suggest Marks".
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.marks import DEFAULT_RADIUS_IOD, Mark
from studio.face.layers import PhotoLayers
from studio.face.skin import DARK_EXCUSE, YELLOW_EXCUSE
from studio.imaging.colour import fast_lab
from studio.imaging.filters import disk, gaussian, normalized_blur

#: A spot is this much redder (a*, after its darkness and yellowness are excused) than the
#: skin around it ...
SPOT_REDDER = 4.0
#: ... a mole this much darker (L*), and redder by less than half its darkness.
MOLE_DARKER = 9.0
#: Widths looked for (IOD): ~1.5 mm (smaller dark dots are pores and stubble) to ~8 mm.
SMALLEST, LARGEST = 1 / 42, 1 / 8
#: A blob narrower than this (pixels) cannot be told from a pore, a crease's crossing or a
#: stubble hair: a face whose SMALLEST is narrower gets no suggestions (``too_small``).
FEWEST_PIXELS = 3.0
#: The ring around a blob (as wide as the blob, at least RING_MIN_IOD) must be at least this
#: share skin-coloured (skin weight over 0.3; a red spot's own rim lowers it nearby) ...
RING_SKIN = 0.5
RING_MIN_IOD = 1 / 40
#: ... and calm: its spread (the 90th minus the 10th percentile) at most this many times the
#: blob's contrast with the ring's own darkest (a mole) or reddest (a spot) tenth, which must
#: reach the threshold (MOLE_DARKER, SPOT_REDDER) too.
RING_CALM = 1.5
#: Blobs nearer than this (IOD) to a protected feature (eye, brow, nostril, lip) are left.
FEATURE_CLEARANCE = 0.06
#: Most suggestions of each kind (the strongest first).
MOST = 12


@dataclass(frozen=True)
class _Blob:
    """A spot (kind "heal") or mole ("keep") on the work copy: its peak redness or darkness
    (a* or L* units), centre (x, y) and width, in the work copy's pixels."""

    kind: str
    strength: float
    centre: tuple[float, float]
    width: float


def too_small(layers: PhotoLayers) -> bool:
    """True when the layers' face (at the layers' scale) is too small for suggestions (an
    IOD under FEWEST_PIXELS / SMALLEST, ~126 px) or there is none."""
    return not layers.has_face or layers.work.iod * SMALLEST < FEWEST_PIXELS


def suggest_marks(layers: PhotoLayers) -> tuple[Mark, ...]:
    """Heal marks on red spots and keep marks on moles of the layers' face, in the pixels of
    ``layers.pixels``; none without a face or when it is ``too_small``."""
    if too_small(layers):
        return ()
    work = layers.work
    blobs = _blobs(work)
    # The work copy's pixels -> the photo's (its ROI, shrunk for a big head).
    scale = work.shape[1] / layers.shape[1]
    top, left = layers.roi[0].start, layers.roi[1].start
    marks = []
    for kind in ("heal", "keep"):
        chosen = sorted((b for b in blobs if b.kind == kind), key=lambda b: -b.strength)[:MOST]
        for blob in chosen:
            x, y = blob.centre
            radius = max(0.75 * blob.width + 1.0, DEFAULT_RADIUS_IOD * work.iod * 0.75)
            point = ((x + 0.5) / scale - 0.5 + left, (y + 0.5) / scale - 0.5 + top)
            marks.append(Mark(kind, (point,), radius / scale))
    return tuple(marks)


def _blobs(work: PhotoLayers) -> list[_Blob]:
    """The spots and moles of the work copy (its pixels)."""
    iod = work.iod
    lab = fast_lab(gaussian(work.image, iod / 200))
    skin = (work.skin > 0.5).astype(np.float32)
    around = normalized_blur(lab, skin, iod / 12)
    diff = lab - around
    darker = -diff[..., 0]
    redder = diff[..., 1] - DARK_EXCUSE * np.maximum(darker, 0.0) - YELLOW_EXCUSE * np.maximum(diff[..., 2], 0.0)
    on_face = work.skin_area > 0.5
    features = work.protected > 0
    near = cv2.dilate(features.astype(np.uint8), disk(FEATURE_CLEARANCE * iod)) > 0
    candidates = (
        ("heal", (redder > SPOT_REDDER) & on_face, diff[..., 1], redder),
        ("keep", (darker > MOLE_DARKER) & (diff[..., 1] < 0.5 * darker) & on_face, darker, darker),
    )
    found = []
    for kind, mask, channel, strength in candidates:
        count, labels, stats, centres = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        for i in range(1, count):
            blob = _checked(kind, labels, i, stats[i], channel, work.skin, near, features, iod)
            if blob is not None:
                x, y, bw, bh = stats[i, :4]
                peak = float(strength[y:y + bh, x:x + bw][labels[y:y + bh, x:x + bw] == i].max())
                found.append(_Blob(kind, peak, (float(centres[i][0]), float(centres[i][1])), blob))
    return found


def _checked(kind: str, labels: np.ndarray, index: int, stats: np.ndarray, channel: np.ndarray,
             skin: np.ndarray, near: np.ndarray, features: np.ndarray, iod: float) -> float | None:
    """The blob's width (pixels) when it is a spot or mole worth proposing, else None: small,
    round, clear of the features, in a calm ring of skin, and standing out from that ring.
    ``channel``: how much redder (a spot) or darker (a mole) than the skin around each pixel is."""
    x, y, bw, bh, area = (int(v) for v in stats[:5])
    width = 2.0 * np.sqrt(area / np.pi)
    if not SMALLEST * iod <= width <= LARGEST * iod:
        return None
    if max(bw, bh) > 2 * min(bw, bh) or area < 0.5 * bw * bh:
        return None  # a line (a crease, a hair) or a ragged shape
    gap = int(round(0.35 * width)) + 1  # the blob's soft rim
    reach = gap + max(int(round(width)), int(round(RING_MIN_IOD * iod)), 2)
    h, w = labels.shape
    box = slice(max(y - reach, 0), min(y + bh + reach, h)), slice(max(x - reach, 0), min(x + bw + reach, w))
    blob = (labels[box] == index).astype(np.uint8)
    inner = cv2.dilate(blob, disk(gap)) > 0
    ring = (cv2.dilate(blob, disk(reach)) > 0) & ~inner
    if ring.sum() < 8 or near[box][inner].any() or features[box][ring].any():
        return None
    if float((skin[box][ring] > 0.3).mean()) < RING_SKIN:
        return None  # hair, stubble or a brow beside it
    values, inside = channel[box][ring], channel[box][blob > 0]
    low, high = np.percentile(values, (10, 90))
    contrast = float(np.percentile(inside, 80)) - high  # past the ring's reddest or darkest tenth
    threshold = MOLE_DARKER if kind == "keep" else SPOT_REDDER
    if contrast < threshold or high - low > RING_CALM * contrast:
        return None  # a shadow's edge or a crease's end: the ring is not calm
    return width

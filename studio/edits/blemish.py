"""Blemishes: heal small temporary spots (red, raised) from the surrounding skin; moles and
freckles (brown, well defined) stay.

A spot is a local outlier of the slightly smoothed skin that is redder (a*) than the skin
around it by more than its darkness and yellowness explain, and smaller than ~IOD/15. It is
replaced by the surrounding base colour (a normalised blur that ignores the spots themselves)
with the photo's fine texture laid back over it, so the healed patch still has pores.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.blend import add_prepared_change
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.layers import PhotoLayers
from studio.face.skin import DARK_EXCUSE, YELLOW_EXCUSE
from studio.imaging.colour import fast_lab
from studio.imaging.filters import disk, gaussian, normalized_blur, smoothstep

#: Largest spot healed, as a diameter in IOD.
MAX_SPOT = 1 / 15
#: Redness excess (a* units, after discounting darkness and yellowness) where healing starts
#: and where it is complete.
RED_START, RED_FULL = 3.0, 6.0
#: Share of the original pore texture (finer than IOD/PORE_SCALE) laid back on a healed spot.
TEXTURE_KEPT = 0.6
PORE_SCALE = 200


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("blemish",)
VERSION = 1
STAGE = "face"
ORDER = 10


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (heal every spot found, fully)."""

    strength: float = slider_field("blemish")


@dataclass(frozen=True)
class Prepared:
    """change: (h, w, 3) float32 ROI difference at strength 1 (0 away from spots);
    spots: (h, w) float32 confidence of each pixel being a healed spot;
    boxes: when known, ROI boxes outside which ``change`` is 0 (``apply`` touches only them;
    they may overlap)."""

    change: np.ndarray
    spots: np.ndarray
    boxes: tuple[tuple[slice, slice], ...] | None = None


def find_spots(
    image: np.ndarray, skin: np.ndarray, iod: float, reference: np.ndarray | None = None
) -> np.ndarray:
    """Confidence (h, w) in [0, 1] that a pixel belongs to a small red blemish.

    Parameters
    ----------
    image : float32 (h, w, 3) sRGB.
    skin : float32 (h, w) where skin may be; spots are only looked for where it is > 0.5.
    iod : inter-ocular distance in pixels (sets every scale).
    reference : float32 (h, w) weight of the pixels that show the skin's usual colour (the
        surroundings a spot is compared with); default ``skin``.
    """
    lab = fast_lab(gaussian(image, iod / 150))
    inside = (skin > 0.5).astype(np.float32)
    weight = inside if reference is None else (reference > 0.5).astype(np.float32)
    around = normalized_blur(lab, weight, iod / 15)
    d = lab - around
    dark = np.maximum(-d[..., 0], 0.0)
    yellow = np.maximum(d[..., 2], 0.0)
    excess = d[..., 1] - DARK_EXCUSE * dark - YELLOW_EXCUSE * yellow
    score = smoothstep(excess, RED_START, RED_FULL) * inside
    # Only small spots: drop blobs wider than MAX_SPOT (a flushed cheek is not a blemish).
    found = (score > 0.2).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(found, connectivity=8)
    max_area = np.pi * (MAX_SPOT * iod / 2) ** 2
    too_big = np.zeros(count, bool)
    too_big[1:] = stats[1:, cv2.CC_STAT_AREA] > max_area
    score[too_big[labels]] = 0.0
    # Cover the spot's soft rim too, then feather.
    grown = cv2.dilate(score, disk(iod / 100))
    return np.clip(gaussian(grown, iod / 200), 0, 1).astype(np.float32, copy=False)


def prepare(layers: PhotoLayers) -> Prepared | None:
    """Find the spots and their healed colours once per photo; None without a face.

    A big head's spots and surrounding colours are found on the working copy
    (``layers.work``); the healed patches are then made at full resolution, in the spots'
    boxes only, so their pore texture is the photo's own."""
    if not layers.has_face:
        return None
    work = layers.work
    image, iod = work.image, work.iod
    # Look on the whole skin area (a spot is off-colour by nature), compare with the skin-coloured
    # pixels around it (not beard or hair).
    area, skin = work.skin_area, work.skin
    spots = find_spots(image, area, iod, reference=skin) * area
    clear = np.clip(1.0 - cv2.dilate(spots, disk(iod / 80)) * 4, 0, 1) * (skin > 0.2)
    surround = normalized_blur(work.base, clear.astype(np.float32), iod / 40)
    if work is not layers:
        return _heal_full_size(layers, spots, surround)
    # Pore-scale texture only (finer than any spot), so the spot itself is not laid back.
    texture = image - gaussian(image, iod / PORE_SCALE)
    healed = surround + TEXTURE_KEPT * texture
    change = spots[:, :, None] * (healed - image)
    np.copyto(change, 0.0, where=(spots == 0)[:, :, None])  # exactly 0 off the spots
    return Prepared(change=change.astype(np.float32, copy=False), spots=spots)


def _heal_full_size(layers: PhotoLayers, spots: np.ndarray, surround: np.ndarray) -> Prepared:
    """``prepare``'s change at the ROI's full size from the working copy's ``spots`` (h', w')
    and ``surround`` colours (h', w', 3): worked out only in the boxes the enlarged spots can
    reach (spots are small and few), with the photo's own pore texture."""
    image = layers.image
    h, w = layers.shape
    full_spots = layers.on_features_zero(layers.enlarge(spots))
    change = np.zeros((h, w, 3), np.float32)
    boxes = []
    sigma = layers.iod / PORE_SCALE
    pad = int(np.ceil(4 * sigma))  # the texture's blur sees real pixels around each box
    count, _, stats, _ = cv2.connectedComponentsWithStats(
        (spots > 0).astype(np.uint8), connectivity=8
    )
    for x, y, bw, bh, _area in stats[1:count]:
        # Full-size pixels whose bilinear neighbours (within one copy pixel) touch the blob.
        rows, cols = layers.reach(slice(y, y + bh), slice(x, x + bw))
        grown = slice(max(rows.start - pad, 0), min(rows.stop + pad, h)), slice(
            max(cols.start - pad, 0), min(cols.stop + pad, w)
        )
        inner = (
            slice(rows.start - grown[0].start, rows.stop - grown[0].start),
            slice(cols.start - grown[1].start, cols.stop - grown[1].start),
        )
        patch = image[grown]
        texture = (patch - gaussian(patch, sigma))[inner]
        weight = full_spots[rows, cols]
        healed = layers.enlarge_part(surround, (rows, cols))
        healed += TEXTURE_KEPT * texture
        healed -= image[rows, cols]
        healed *= weight[:, :, None]
        np.copyto(healed, 0.0, where=(weight == 0)[:, :, None])  # exactly 0 off the spots
        change[rows, cols] = healed
        boxes.append((rows, cols))
    return Prepared(change=change, spots=full_spots, boxes=tuple(boxes))


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """Heal the spots in the head region ``region.pixels``; strength 0 or no face returns it as is.
    ``out`` (may be ``region.pixels`` itself) receives the result, else it is a new array."""
    return add_prepared_change(region.pixels, region.prepared, params.strength, out)

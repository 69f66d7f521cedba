"""Eyes: gentle clarity for iris and sclera, inside the eye regions only.

Local contrast (a mid-scale unsharp mask on L*) makes the iris read clearly; the whites are
lifted a little and cleared of some redness, but never past L* 92 (never pure white), and the
lift is an offset, so the eyeball's shading stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.blend import edit_lab_crop
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.eyes import eye_box, sclera_weight
from studio.face.layers import PhotoLayers
from studio.imaging.colour import fast_lab
from studio.imaging.filters import gaussian

#: Local-contrast gain at ``eyes=1``.
CLARITY = 0.5
#: Largest lift of the whites at ``eyes=1``, L* units; the whites never pass SCLERA_MAX.
SCLERA_LIFT = 5.0
SCLERA_MAX = 92.0
#: Share of the whites' redness (a* > 0) removed at ``eyes=1``.
REDNESS_REMOVED = 0.4


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("eyes",)
VERSION = 1
STAGE = "face"
ORDER = 50


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (clearest)."""

    strength: float = slider_field("eyes")


@dataclass(frozen=True)
class Prepared:
    """Everything at ROI crop ``box`` around the eyes: mask, L*a*b*, local detail, whites."""

    box: tuple[slice, slice]
    mask: np.ndarray
    lab: np.ndarray
    detail: np.ndarray
    sclera: np.ndarray


def prepare(layers: PhotoLayers) -> Prepared | None:
    if not layers.has_face:
        return None
    pad = int(np.ceil(layers.px(0.1)))
    top, left, crop = eye_box(layers.roi_face, layers.shape, 0.1 + 1 / max(layers.iod, 1.0),
                              layers.iod)
    ys, xs = np.nonzero(crop.any(axis=1))[0], np.nonzero(crop.any(axis=0))[0]
    if len(ys) == 0:
        return None
    h, w = layers.shape
    box = (
        slice(max(top + ys[0] - pad, 0), min(top + ys[-1] + 1 + pad, h)),
        slice(max(left + xs[0] - pad, 0), min(left + xs[-1] + 1 + pad, w)),
    )
    mask = crop[box[0].start - top : box[0].stop - top, box[1].start - left : box[1].stop - left]
    lab = fast_lab(layers.image[box])  # the crop only, not the whole head
    light = lab[..., 0]
    detail = gaussian(light, layers.px(1 / 250)) - gaussian(light, layers.px(1 / 25))
    return Prepared(
        box=box,
        mask=mask,
        lab=lab,
        detail=detail.astype(np.float32),
        sclera=sclera_weight(lab, mask),
    )


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """Clearer eyes in the head region ``region.pixels``; strength 0 or no face returns it as is.
    ``out`` (may be ``region.pixels`` itself) receives the result, else it is a new array."""
    return edit_lab_crop(region.pixels, region.prepared, params.strength, _clearer, out)


def _clearer(lab: np.ndarray, prepared: Prepared, s: float) -> None:
    """Clearer eyes: local contrast and lighter, less red whites, on ``lab`` in place."""
    light = lab[..., 0]
    lifted = light + s * (
        CLARITY * prepared.detail + prepared.sclera * np.clip(SCLERA_MAX - light, 0, SCLERA_LIFT)
    )
    # Never past SCLERA_MAX (unless the photo already was).
    lab[..., 0] = np.minimum(lifted, np.maximum(light, SCLERA_MAX))
    lab[..., 1] -= s * REDNESS_REMOVED * prepared.sclera * np.maximum(lab[..., 1], 0)

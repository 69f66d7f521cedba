"""Teeth: remove some yellow, inside the mouth only; never brighter than the whites of the eyes.

b* is reduced by at most 50% and L* raised by at most 15, on teeth-coloured pixels (bright, not
red) of the inner-mouth region shrunk away from the lips; gums and lips are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.blend import edit_lab_crop
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face import region_mask
from studio.face.eyes import eye_box, sclera_weight
from studio.face.layers import PhotoLayers
from studio.imaging.colour import fast_lab
from studio.imaging.filters import disk, gaussian, smoothstep

#: At ``teeth=1``: share of the yellow (b* > 0) removed, and the largest L* lift.
YELLOW_REMOVED = 0.5
MAX_LIFT = 15.0
#: The whites' lightness used when the eyes cannot tell (closed, shaded), L*.
DEFAULT_SCLERA = 80.0
#: How far the teeth mask keeps from the lips, IOD.
LIP_GAP = 0.015


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("teeth",)
VERSION = 1
STAGE = "face"
ORDER = 60


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (whitest we offer)."""

    strength: float = slider_field("teeth")


@dataclass(frozen=True)
class Prepared:
    box: tuple[slice, slice]
    mask: np.ndarray
    lab: np.ndarray
    sclera_light: float


def teeth_weight(lab: np.ndarray, mouth: np.ndarray) -> np.ndarray:
    """How much each pixel of the open mouth looks like a tooth (bright, not red), 0..1."""
    inside = mouth > 0.5
    if inside.sum() < 10:
        return np.zeros(mouth.shape, np.float32)
    light, a = lab[..., 0], lab[..., 1]
    level = np.percentile(light[inside], 50)
    return (smoothstep(light, level - 8, level + 4) * (1 - smoothstep(a, 10, 18)) * mouth).astype(
        np.float32
    )


def sclera_lightness(layers: PhotoLayers) -> float:
    """The whites of the eyes' lightness (L*), the ceiling for the teeth."""
    top, left, crop = eye_box(layers.roi_face, layers.shape, 0.0, layers.iod)
    ys, xs = np.nonzero(crop.any(axis=1))[0], np.nonzero(crop.any(axis=0))[0]
    if len(ys) == 0:
        return DEFAULT_SCLERA
    # The eyes' box only (the same pixels count; the rest of the head has mask 0).
    inner = (slice(ys[0], ys[-1] + 1), slice(xs[0], xs[-1] + 1))
    box = (slice(top + ys[0], top + ys[-1] + 1), slice(left + xs[0], left + xs[-1] + 1))
    lab = fast_lab(layers.image[box])
    white = sclera_weight(lab, crop[inner]) > 0.5
    if white.sum() < 5:
        return DEFAULT_SCLERA
    return float(np.percentile(lab[..., 0][white], 75))


def prepare(layers: PhotoLayers) -> Prepared | None:
    if not layers.has_face:
        return None
    # Drawn on a crop around the inner lips only (the same pixels as on the whole ROI: the
    # outline moves by whole pixels, and the crop keeps a border of zeros for the erosion).
    top, left, bottom, right = layers.landmark_box(slice(60, 68), layers.px(LIP_GAP) + 4.0)
    if right <= left or bottom <= top:
        return None
    moved = layers.roi_face.translated(left, top)
    mouth = region_mask(moved, "inner_mouth", (bottom - top, right - left))
    mouth = cv2.erode(mouth, disk(layers.px(LIP_GAP)))
    ys, xs = np.nonzero(mouth.any(axis=1))[0], np.nonzero(mouth.any(axis=0))[0]
    if len(ys) == 0:
        return None
    inner = (slice(ys[0], ys[-1] + 1), slice(xs[0], xs[-1] + 1))
    box = (slice(top + ys[0], top + ys[-1] + 1), slice(left + xs[0], left + xs[-1] + 1))
    lab = fast_lab(layers.image[box])  # the crop only, not the whole head
    weight = teeth_weight(lab, mouth[inner])
    weight = np.clip(gaussian(weight, layers.px(1 / 300)), 0, 1) * (mouth[inner] > 0)
    if not weight.any():
        return None
    return Prepared(
        box=box, mask=weight.astype(np.float32), lab=lab, sclera_light=sclera_lightness(layers)
    )


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """Whiter teeth in the head region ``region.pixels``; strength 0 or no face returns it as is.
    ``out`` (may be ``region.pixels`` itself) receives the result, else it is a new array."""
    return edit_lab_crop(region.pixels, region.prepared, params.strength, _whiter, out)


def _whiter(lab: np.ndarray, prepared: Prepared, s: float) -> None:
    """Whiter teeth: lifted toward the eyes' whites, less yellow, on ``lab`` in place."""
    light = lab[..., 0]
    ceiling = np.maximum(light, prepared.sclera_light)
    lift = np.minimum(MAX_LIFT, 0.5 * np.maximum(prepared.sclera_light - light, 0))
    lab[..., 0] = np.minimum(light + s * lift, ceiling)
    lab[..., 2] -= s * YELLOW_REMOVED * np.maximum(lab[..., 2], 0)

"""Shine: compress specular hot spots on the skin toward the surrounding skin's own colour
(so they do not turn grey), keeping the texture under them."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.blend import add_prepared_change
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.layers import PhotoLayers, WorkField
from studio.imaging.colour import luminance
from studio.imaging.filters import normalized_blur, smoothstep, soft_blur

#: Brightness above the surrounding skin (sRGB luma) where a hot spot starts / is fully one.
HOT_START, HOT_FULL = 0.03, 0.12
#: How much paler (HSV saturation) than the skin around a hot spot is when fully specular.
PALER = 0.08
#: Share of a hot spot's extra brightness kept at ``shine=1`` (some glow is natural).
GLOW_KEPT = 0.4
#: Scale of a hot spot's smooth glow, IOD; finer texture under it is kept.
HOT_SCALE = 1 / 30
#: Most a hot spot is darkened (sRGB luma): the form of nose and cheekbones stays.
MAX_DARKENING = 0.07
#: Scale of "the surrounding skin", IOD: local, so a hot spot is a peak on the face's shading.
SURROUND = 1 / 8


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("shine",)
VERSION = 2
STAGE = "face"
ORDER = 30


def _from_version_1(values: dict) -> tuple[dict, str]:
    """Version 1's shine value, kept: version 2 keeps the glow as white light, not as a
    brighter, more saturated skin colour."""
    return values, ("shine keeps the skin's own colour on calmed hot spots since version 2 "
                    "(version 1 could leave them orange); they may look a little different")


#: Older versions' slider values -> today's (``studio.edits.versions``).
LEGACY = {1: _from_version_1}


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (hot spots brought to 40% of their extra brightness)."""

    strength: float = slider_field("shine")


@dataclass(frozen=True)
class Prepared:
    """change: (h, w, 3) float32 ROI difference at strength 1; hot: (h, w) hot-spot weight
    (a big head's: ``WorkField``s in a one-off render, enlarged where they are used);
    boxes: when known, ROI boxes outside which ``change`` is 0 (``apply`` touches only them)."""

    change: np.ndarray | WorkField
    hot: np.ndarray | WorkField
    boxes: tuple[tuple[slice, slice], ...] | None = None


def _saturation(rgb: np.ndarray) -> np.ndarray:
    # Per-channel cv2 max/min: the same values as numpy's max over the last axis, many times faster.
    r, g, b = cv2.split(np.ascontiguousarray(rgb, dtype=np.float32))
    top = cv2.max(cv2.max(r, g), b)
    return ((top - cv2.min(cv2.min(r, g), b)) / np.maximum(top, 1e-3)).astype(np.float32, copy=False)


def prepare(layers: PhotoLayers) -> Prepared | None:
    """Find the hot spots and their target colour once per photo; None without a face.

    The change is smooth (texture finer than ``HOT_SCALE`` is kept under it): a big head's is
    computed on the working copy (``layers.work``) and enlarged, then set to exactly 0 on the
    features and wherever the enlarged hot-spot weight is 0."""
    if not layers.has_face:
        return None
    work = layers.work
    # Look on the whole skin area (a hot spot is not skin-coloured) ...
    area = work.skin_area
    # The shine's own scale: hot spots down to ~IOD/15 are seen, texture finer than
    # HOT_SCALE (pores, fine creases, the skin's small relief) is kept under them.
    base = soft_blur(work.fine_smoothed, work.px(HOT_SCALE))
    y = luminance(base)
    inside = area > 0.5
    if inside.sum() < 50:
        return None
    # ... and compare with the real skin around, without its brightest third (the shine itself)
    # or its darkest tenth (stubble, pores in shadow), so the reference colour is not greyed.
    skin = (work.skin > 0.5) & inside
    if skin.sum() < 50:
        return None
    lo, cut = np.percentile(y[skin], [10, 66])
    normal = (skin & (y >= lo) & (y <= cut)).astype(np.float32)
    ref_y = normalized_blur(y, normal, work.px(SURROUND))
    ref_rgb = normalized_blur(base, normal, work.px(SURROUND))
    excess = y - ref_y
    # Specular shine is brighter AND paler than the skin around; a broad lit cheek is not.
    saturation = _saturation(base)
    paler = smoothstep(_saturation(ref_rgb) - saturation, 0.0, PALER)
    hot = smoothstep(excess, HOT_START, HOT_FULL) * paler * area
    hot = np.clip(soft_blur(hot, work.px(1 / 80)), 0, 1) * (area > 0)
    # Target: the surrounding skin colour with a little of the glow kept as what it is, white
    # light added to it (version 1 scaled the skin's colour up to that lightness, which raised
    # its chroma with it: orange patches on a bright forehead, C* up to +16).
    kept = np.maximum(GLOW_KEPT * np.maximum(excess, 0), excess - MAX_DARKENING)
    target = ref_rgb + kept[:, :, None]
    change = hot[:, :, None] * (target - base)
    hot = hot.astype(np.float32, copy=False)
    np.copyto(change, 0.0, where=(hot == 0)[:, :, None])  # exactly 0 off the hot spots
    if work is layers:
        return Prepared(change=change.astype(np.float32, copy=False), hot=hot)
    # Enlarged, the change is still 0 wherever the hot-spot weight is (same neighbours).
    box = layers.nonzero_box(hot)
    hot = layers.work_field(hot)
    change = layers.work_field(change.astype(np.float32, copy=False))
    return Prepared(change=change, hot=hot, boxes=() if box is None else (box,))


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """Tame the shine in the head region ``region.pixels``; strength 0 or no face returns it as is.
    ``out`` (may be ``region.pixels`` itself) receives the result, else it is a new array."""
    return add_prepared_change(region.pixels, region.prepared, params.strength, out)

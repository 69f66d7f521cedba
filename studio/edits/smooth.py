"""Smooth skin: even the skin's tone (blotches, redness) inside the skin mask, keeping the
fine band (pores, fine creases) and the freckles and moles, and leaving protected features
untouched.

The photo is split by two edge-aware guided filters (O(N), cost independent of the radius)
into fine (< ~IOD/40), mid (~IOD/40..IOD/6) and base layers. Version 2 removes the mid band's
lightness only above freckle size (IOD/20), more strongly than version 1 removed all of it:
freckles and spots are lightness at IOD/60..IOD/20, so they stay, while the broader shading
blotches go; and its colour above IOD/30 (blotch scale). Both fade out near the features
(whose shading carries identity).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.blend import add_prepared_change
from studio.edits.layers import PhotoLayers, WorkField, smoothstep, soft_blur
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.imaging.colour import luminance

#: Share of the mid band removed at ``smooth=1`` (the rest keeps the skin's shape and life).
MID_REMOVED = 0.8
#: Smoothing fades in over this distance from the protected features, IOD: the shading
#: around eyes, nose and mouth carries much of a face's identity.
FEATURE_FADE = 0.45
#: Share of the band's colour (as opposed to lightness) variation removed, relative to
#: MID_REMOVED. Bound by QUALITY's skin colour shift (mean per-pixel CIEDE2000 <= 1.5): at 1.0
#: smooth=1 keeps 0.40-0.80 of the uneven tone but shifts the skin's colour by 1.60-1.79 on
#: darker, bearded and glasses photos (obama1, img24, attribute_2963, aflw-test); at 0.6 obama1
#: still measured 1.55. Measured sweep in docs/quality.md.
CHROMA_SHARE = 0.5
#: The band's lightness is removed only above this scale, IOD: freckles and spots (QUALITY's
#: L* band IOD/60..IOD/20) stay (version 1 removed all of it: 0.70-0.93 of them kept).
LIGHTNESS_FROM = 1 / 20
#: Share of the band's lightness above LIGHTNESS_FROM removed, relative to MID_REMOVED: more
#: than version 1 (which removed 0.8 of all of it), so the luminance mid band still goes to
#: <= 0.80 (img1: 0.836 at 1.0, 0.796 at 1.28) while the freckles under IOD/20 stay.
LIGHTNESS_SHARE = 1.28
#: The band's colour is removed only above this scale, IOD (QUALITY's uneven tone: IOD/30..).
COLOUR_FROM = 1 / 30
#: Scale below which the removed band is left alone, IOD (docs/quality.md's fine band).
RIPPLE_SIGMA = 1 / 60


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("smooth",)
VERSION = 2
STAGE = "face"
ORDER = 20


def _from_version_1(values: dict) -> tuple[dict, str]:
    """Version 1's smooth value, kept: version 2 keeps freckles and evens broader shading."""
    return values, ("smooth keeps freckles and evens broader shading since version 2; the skin may "
                    "look a little different from when the session was saved")


#: Older versions' slider values -> today's (``studio.edits.versions``).
LEGACY = {1: _from_version_1}


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (the most smoothing we offer)."""

    strength: float = slider_field("smooth")


@dataclass(frozen=True)
class Prepared:
    """change: (h, w, 3) float32 ROI difference at strength 1, exactly 0 outside the skin (a
    big head's: a ``WorkField`` in a one-off render, enlarged as it is added);
    boxes: when known, ROI boxes outside which ``change`` is 0 (``apply`` touches only them)."""

    change: np.ndarray | WorkField
    boxes: tuple[tuple[slice, slice], ...] | None = None


def prepare(layers: PhotoLayers) -> Prepared | None:
    """The masked mid band of the ROI; None without a face.

    The band and its weight are smooth (IOD/40 and up): a big head's are computed on the
    working copy (``layers.work``) and enlarged, then set to exactly 0 on the features."""
    if not layers.has_face:
        return None
    work = layers.work
    weight = work.skin * np.float32(MID_REMOVED)
    outside = (work.protected == 0).astype(np.uint8)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, 5) / work.iod
    weight = weight * smoothstep(distance, 0.0, FEATURE_FADE)
    # The band's own pore-scale ripples (filter edges) are not removed: they belong to the skin.
    mid = soft_blur(work.mid, work.px(RIPPLE_SIGMA)) if RIPPLE_SIGMA > 0 else work.mid
    grey = luminance(mid)[:, :, None]
    broad = soft_blur(grey, work.px(LIGHTNESS_FROM))[:, :, None]
    colour = mid - grey
    if COLOUR_FROM > 0:
        colour = soft_blur(colour, work.px(COLOUR_FROM))
    mid = LIGHTNESS_SHARE * broad + CHROMA_SHARE * colour
    change = (-weight[:, :, None] * mid).astype(np.float32, copy=False)
    if work is layers:
        return Prepared(change=change)
    box = layers.nonzero_box(change)
    change = layers.work_field(change)
    return Prepared(change=change, boxes=() if box is None else (box,))


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """Smooth the head region ``region.pixels`` (float32 (h, w, 3)); strength 0 or no face returns it as is.
    ``out`` (may be ``region.pixels`` itself) receives the result, else it is a new array."""
    return add_prepared_change(region.pixels, region.prepared, params.strength, out)

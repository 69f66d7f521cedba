"""Under-eye: soften the shadows and bags under the eyes, the eyes themselves untouched.

Dark circles and the shadow a bag casts are illumination: under each eye, in a crescent from
the lower lid down to the top of the cheek, the face's lighting (edge-aware log luminance at
``SHADOW_SCALE`` IOD, so pores, lashes and fine creases are detail, not shadow) is lifted
toward the level of the cheek just below. The lift is a smooth gain of linear light (the light
stage), so the skin's detail stays as it is; it fades to 0 over the protected features' feather
(eyes, lashes and brows are protected as in every light edit).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region, add_gain
from studio.face.layers import PhotoLayers, guided_radius, subsample_for
from studio.face.regions import up_direction
from studio.imaging.filters import guided_filter, soft_blur

#: Share of the under-eye shadow's depth (log illumination below the cheek's) lifted at 1.
FILL = 0.7
#: Largest lift at ``under_eye=1``, stops (a deep hollow is softened, not erased).
MAX_LIFT_STOPS = 0.6
#: Smallest shadow lifted, IOD: finer dark detail (lashes' shade, creases) stays.
SHADOW_SCALE = 1 / 25
#: The crescent: from the lower lid down this far, IOD, and its soft edge.
DEPTH, FEATHER = 0.32, 0.06
#: The cheek's level is read this far below the lower lid, IOD (a band under the crescent).
CHEEK_FROM, CHEEK_TO = 0.38, 0.55
#: The lower lids' landmarks (outer corner, lower lid, inner corner) of each eye.
LOWER_LIDS = ((36, 41, 40, 39), (42, 47, 46, 45))


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("under_eye",)
VERSION = 1
STAGE = "light"
ORDER = 39


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (70% of the under-eye shadow's depth lifted, at most 0.6 stop)."""

    strength: float = slider_field("under_eye")


@dataclass(frozen=True)
class Prepared:
    """lift: (h, w) float32 log gain at strength 1 (0 off the crescents and on the features)."""

    lift: np.ndarray


def _band_below(lid: np.ndarray, down: np.ndarray, near: float, far: float) -> np.ndarray:
    """The polygon between a lower lid's points moved ``near`` and ``far`` pixels ``down``."""
    return np.vstack([lid + down * near, (lid + down * far)[::-1]])


def crescents(layers: PhotoLayers) -> tuple[np.ndarray, np.ndarray]:
    """(under-eye crescents, cheek bands under them), (h, w) float32 of ``layers``' ROI: each
    crescent 1 inside and soft over ``FEATHER`` IOD, one label per eye in the cheek bands."""
    face = layers.roi_face
    down = -up_direction(face)
    crescent = np.zeros(layers.shape, np.uint8)
    cheeks = np.zeros(layers.shape, np.uint8)
    for label, lid in enumerate(LOWER_LIDS, start=1):
        points = face.landmarks[list(lid)].astype(np.float64)
        polygon = _band_below(points, down, 0.0, layers.px(DEPTH))
        cv2.fillPoly(crescent, [np.round(polygon).astype(np.int32)], 1)
        cheek = _band_below(points, down, layers.px(CHEEK_FROM), layers.px(CHEEK_TO))
        cv2.fillPoly(cheeks, [np.round(cheek).astype(np.int32)], label)
    soft = soft_blur(crescent.astype(np.float32), layers.px(FEATHER))
    return np.clip(soft, 0, 1).astype(np.float32, copy=False), cheeks


def prepare(layers: PhotoLayers) -> Prepared | None:
    """The under-eye lift once per photo and size; None without a face."""
    if not layers.has_face:
        return None
    work = layers.work
    log = work.log_luminance
    r = guided_radius(SHADOW_SCALE, work.iod)
    lighting = guided_filter(log, log, r, 0.15**2, subsample=subsample_for(r))
    crescent, cheeks = crescents(work)
    depth = np.zeros(work.shape, np.float32)
    for label in (1, 2):
        cheek = (cheeks == label) & (work.skin_likeness > 0.5)
        if np.count_nonzero(cheek) < 10:
            continue
        level = np.median(lighting[cheek])
        side = _nearest(cheeks, label, work)
        depth[side] = np.maximum(level - lighting[side], 0.0)
    depth = soft_blur(depth, work.px(SHADOW_SCALE) / 2)
    on_skin = np.clip(work.skin_likeness, 0, 1)
    lift = np.minimum(FILL * depth, MAX_LIFT_STOPS * np.log(2.0)) * crescent * on_skin
    lift = (lift * work.unprotected_soft).astype(np.float32, copy=False)
    if work is not layers:
        lift = layers.on_features_zero(layers.enlarge(lift))
    return Prepared(lift=lift) if lift.any() else None


def _nearest(cheeks: np.ndarray, label: int, layers: PhotoLayers) -> np.ndarray:
    """Boolean (h, w): the half of the face on ``label``'s eye's side (each crescent is
    measured against its own cheek)."""
    face = layers.roi_face
    left, right = face.eye_centres
    middle = (left + right) / 2
    across = right - left
    ys, xs = np.mgrid[0:layers.shape[0], 0:layers.shape[1]]
    side = (xs - middle[0]) * across[0] + (ys - middle[1]) * across[1]
    return side < 0 if label == 1 else side >= 0


def log_gain(prepared: Prepared | None, params: Params) -> np.ndarray | None:
    """The natural-log gain of linear light, (h, w), or None when nothing changes."""
    if prepared is None or params.strength == 0:
        return None
    return prepared.lift * np.float32(params.strength)


def process(
    region: Region, params: Params, out: np.ndarray | None = None
) -> np.ndarray | None:
    """Lift the under-eye shadows of the head region: the natural-log gain of its linear light
    (h, w) added to ``out`` (the light stage's gain so far), or a new array when ``out`` is
    None; None when nothing changes."""
    return add_gain(log_gain(region.prepared, params), out)

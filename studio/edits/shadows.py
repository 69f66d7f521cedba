"""Shadows: lift the face's darker illumination toward its lit parts, like a reflector
(``shadows`` > 0), or deepen it away from them, like a black flag (< 0: depth for a portfolio).

The lift is computed on the illumination layer (edge-aware, log luminance) relative to the
face's well-lit level, so it acts on shadows, not on dark features or detail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region, add_gain
from studio.face.layers import PhotoLayers
from studio.imaging.filters import soft_blur

#: Share of a shadow's depth (in log illumination) lifted at ``shadows=1``.
FILL = 0.45
#: Largest lift at ``shadows=1``, stops (a deep shadow is softened, not erased).
MAX_LIFT_STOPS = 1.0
#: Smallest shadow lifted, IOD (finer dark detail is left as it is).
SHADOW_SCALE = 1 / 20
#: The face's lit level: this percentile of the illumination over the skin.
LIT_PERCENTILE = 75


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("shadows",)
VERSION = 1
STAGE = "light"
ORDER = 40


@dataclass(frozen=True)
class Params(EditParams):
    """strength: -1 (each shadow 45% deeper) .. 0 (off) .. 1 (45% of each shadow's depth lifted)."""

    strength: float = slider_field("shadows")


@dataclass(frozen=True)
class Prepared:
    """lift: (h, w) float32 log gain at strength 1 (0 off the face and on protected features)."""

    lift: np.ndarray


def prepare(layers: PhotoLayers) -> Prepared | None:
    """The shadows' lift once per photo; None without a face. The lift is smooth: a big
    head's is computed on the working copy (``layers.work``) and enlarged, then set to
    exactly 0 on the features."""
    if not layers.has_face:
        return None
    work = layers.work
    illum = work.illumination
    inside = work.face_hull > 0.5
    if inside.sum() < 50:
        return None
    lit = np.percentile(illum[inside], LIT_PERCENTILE)
    # Shadows are broad: the depth map is smoothed so dark fine detail (freckles, stubble,
    # creases) is not lifted as if it were a shadow.
    depth = soft_blur(np.maximum(lit - illum, 0.0), work.px(SHADOW_SCALE))
    # Shadows on the skin only (a dark beard or hair is not a shadow), fading in gradually.
    on_skin = np.clip(soft_blur(work.skin_likeness, work.px(1 / 15)), 0, 1)
    lift = np.minimum(FILL * depth, MAX_LIFT_STOPS * np.log(2.0)) * work.face_and_neck * on_skin
    lift = lift.astype(np.float32, copy=False)
    if work is not layers:
        lift = layers.on_features_zero(layers.enlarge(lift))
    return Prepared(lift=lift)


def log_gain(prepared: Prepared | None, params: Params) -> np.ndarray | None:
    """The natural-log gain of linear light, (h, w), or None when nothing changes."""
    if prepared is None or params.strength == 0:
        return None
    return prepared.lift * np.float32(params.strength)


def process(
    region: Region, params: Params, out: np.ndarray | None = None
) -> np.ndarray | None:
    """Fill the shadows of the head region: the natural-log gain of its linear light (h, w) added to
    ``out`` (the light stage's gain so far), or a new array when ``out`` is None; None when
    nothing changes. The pipeline applies the light stage's gain in one pass
    (``studio.render.light.apply_log_gain``)."""
    return add_gain(log_gain(region.prepared, params), out)

"""Face light: brighten or darken the face and neck relative to the scene, organically.

Works on the illumination in linear light with a feathered weight that follows the skin's own
edges (no oval); detail is kept unchanged; protected features are not touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region, add_gain
from studio.face.layers import PhotoLayers

#: Exposure change at ``face_light = +-1``, in stops.
MAX_STOPS = 0.6


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("face_light",)
VERSION = 1
STAGE = "light"
ORDER = 41


@dataclass(frozen=True)
class Params(EditParams):
    """strength: -1 (darker by 0.6 stop) .. 0 (off) .. +1 (brighter by 0.6 stop)."""

    strength: float = slider_field("face_light")


@dataclass(frozen=True)
class Prepared:
    """weight: (h, w) float32 face-and-neck weight, 0 on protected features and off the skin."""

    weight: np.ndarray


def prepare(layers: PhotoLayers) -> Prepared | None:
    if not layers.has_face:
        return None
    return Prepared(weight=layers.face_and_neck)


def log_gain(prepared: Prepared | None, params: Params) -> np.ndarray | None:
    """The natural-log gain of linear light, (h, w), or None when nothing changes."""
    if prepared is None or params.strength == 0:
        return None
    return prepared.weight * np.float32(params.strength * MAX_STOPS * np.log(2.0))


def process(
    region: Region, params: Params, out: np.ndarray | None = None
) -> np.ndarray | None:
    """Relight the head region: the natural-log gain of its linear light (h, w) added to
    ``out`` (the light stage's gain so far), or a new array when ``out`` is None; None when
    nothing changes. The pipeline applies the light stage's gain in one pass
    (``studio.render.light.apply_log_gain``)."""
    return add_gain(log_gain(region.prepared, params), out)

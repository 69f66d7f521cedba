"""A test-only light edit: a broad glow on the face and neck (a log gain of linear light)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.layers import PhotoLayers

KEYS = ("test_glow",)
VERSION = 1
STAGE = "light"
ORDER = 45
#: Stops of light added at strength 1 where the face weight is 1.
STOPS = 0.3


@dataclass(frozen=True)
class Params(EditParams):
    strength: float = slider_field("test_glow")


def prepare(layers: PhotoLayers) -> np.ndarray | None:
    return layers.face_and_neck if layers.has_face else None


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray | None:
    if region.prepared is None or params.strength == 0:
        return None
    gain = region.prepared * np.float32(params.strength * STOPS * np.log(2.0))
    if out is None:
        return gain
    out += gain
    return out

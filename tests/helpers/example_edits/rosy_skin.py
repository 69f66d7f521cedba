"""A test-only face edit: a rosier skin tone, on the skin mask only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.blend import add_change
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.layers import PhotoLayers

KEYS = ("test_rosy",)
VERSION = 1
STAGE = "face"
ORDER = 25
#: The change of (R, G, B) at strength 1 where the skin mask is 1.
ROSE = np.array([0.04, -0.01, -0.01], np.float32)


@dataclass(frozen=True)
class Params(EditParams):
    strength: float = slider_field("test_rosy")


def prepare(layers: PhotoLayers) -> np.ndarray | None:
    """The change at strength 1 (h, w, 3), exactly 0 off the skin; None without a face."""
    if not layers.has_face:
        return None
    return (layers.skin[:, :, None] * ROSE).astype(np.float32)


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    if region.prepared is None or params.strength == 0:
        return region.pixels
    return add_change(region.pixels, region.prepared, params.strength, out)

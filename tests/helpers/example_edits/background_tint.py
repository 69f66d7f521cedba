"""A test-only background edit: tints what is behind the person toward blue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.blend import blend
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.layers import PhotoLayers

KEYS = ("test_bg_tint",)
VERSION = 1
STAGE = "background"
ORDER = 20
BLUE = np.array([0.2, 0.3, 0.8], np.float32)


@dataclass(frozen=True)
class Params(EditParams):
    strength: float = slider_field("test_bg_tint")


def prepare(layers: PhotoLayers) -> np.ndarray:
    """How much of each pixel is background (1 - the person matte), (H, W)."""
    return (1.0 - layers.person_alpha).astype(np.float32)


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    if params.strength == 0:
        return region.pixels
    behind = region.prepared if region.box is None else region.prepared[region.box]
    # 0 where the person's matte is 1: those pixels keep their bits (the stage's contract).
    tinted = blend(region.pixels, np.broadcast_to(BLUE, region.pixels.shape), behind * params.strength * 0.5)
    if out is None:
        return tinted
    out[...] = tinted
    return out

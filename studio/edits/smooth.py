"""Smooth skin: attenuate the mid band (blotches, uneven tone) inside the skin mask, keeping
the fine band (pores, freckles, fine creases) and leaving protected features untouched.

The photo is split by two edge-aware guided filters (O(N), cost independent of the radius)
into fine (< ~IOD/60), mid (IOD/60..IOD/8) and base layers; only the mid band is scaled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.blend import add_change
from studio.edits.layers import PhotoLayers
from studio.edits.params import EditParams, slider_field

#: Share of the mid band removed at ``smooth=1`` (the rest keeps the skin's shape and life).
MID_REMOVED = 0.75


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (the most smoothing we offer)."""

    strength: float = slider_field("smooth")


@dataclass(frozen=True)
class Prepared:
    """change: (h, w, 3) float32 ROI difference at strength 1, exactly 0 outside the skin."""

    change: np.ndarray


def prepare(layers: PhotoLayers) -> Prepared | None:
    """The masked mid band of the ROI; None without a face."""
    if not layers.has_face:
        return None
    weight = layers.skin * np.float32(MID_REMOVED)
    return Prepared(change=(-weight[:, :, None] * layers.mid).astype(np.float32))


def apply(image: np.ndarray, prepared: Prepared | None, params: Params) -> np.ndarray:
    """Smooth the ROI ``image`` (float32 (h, w, 3)); strength 0 or no face returns it as is."""
    if prepared is None or params.strength == 0:
        return image
    return add_change(image, prepared.change, params.strength)

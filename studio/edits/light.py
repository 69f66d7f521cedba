"""What ``face_light`` and ``shadows`` share: a smooth gain on the illumination, in linear light
(the pipeline applies the light stage's summed gain once: ``studio.render.light``).

The gain is a function of the base (illumination) layer and the feathered face-and-neck weight
only, so it is smooth: multiplying linear light by it changes the illumination and leaves the
detail (the ratio of the photo to its base) unchanged.
"""

from __future__ import annotations

import numpy as np


def add_gain(gain: np.ndarray | None, out: np.ndarray | None) -> np.ndarray | None:
    """A light edit's ``process`` result: its log ``gain`` (a new array it owns, or None when
    nothing changes) added to the light stage's gain so far ``out`` (or None)."""
    if gain is None or out is None:
        return gain
    out += gain
    return out

"""What ``face_light`` and ``shadows`` share: a smooth gain on the illumination, in linear light.

The gain is a function of the base (illumination) layer and the feathered face-and-neck weight
only, so it is smooth: multiplying linear light by it changes the illumination and leaves the
detail (the ratio of the photo to its base) unchanged.
"""

from __future__ import annotations

import numpy as np

from studio.imaging.colour import linear_to_srgb


def apply_log_gain(image: np.ndarray, linear: np.ndarray, log_gain: np.ndarray) -> np.ndarray:
    """Multiply the linear light of ``image`` by ``exp(log_gain)`` (h, w), with a soft shoulder
    so brightened highlights roll off below 1 instead of clipping; pixels where the gain is
    exactly 0 keep their input bits.

    ``linear`` must be ``srgb_to_linear(image)`` (passed in so it is computed once per photo
    when ``image`` is the unedited ROI, or fresh when earlier edits changed it).
    """
    changed = log_gain != 0
    if not changed.any():
        return image
    ys, xs = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
    box = slice(ys[0], ys[-1] + 1), slice(xs[0], xs[-1] + 1)
    g = np.exp(log_gain[box]).astype(np.float32)[:, :, None]
    lin = linear[box]
    brighter = lin * g
    # Reinhard-style shoulder for gains > 1: x*g / (1 + x*(g-1)) maps 1 to 1, keeps shadows' gain.
    rolled = np.where(g > 1, brighter / (1.0 + lin * (g - 1.0)), brighter)
    new = linear_to_srgb(rolled)
    out = image.copy()
    region = out[box]
    out[box] = np.where(changed[box][:, :, None], new, region)
    return out

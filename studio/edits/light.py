"""What ``face_light`` and ``shadows`` share: a smooth gain on the illumination, in linear light.

The gain is a function of the base (illumination) layer and the feathered face-and-neck weight
only, so it is smooth: multiplying linear light by it changes the illumination and leaves the
detail (the ratio of the photo to its base) unchanged.
"""

from __future__ import annotations

import functools

import numpy as np

from studio.imaging.colour import linear_to_srgb, srgb_to_linear

#: Table size: sRGB in is looked up per 16-bit code value (exact for 8- and 16-bit photos);
#: linear light out is looked up by its square root (where the sRGB curve is gentle), which
#: keeps the error under a 16-bit step, even near black, with a table that stays in cache.
_CODES = 1 << 16


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    steps = np.arange(_CODES, dtype=np.float32) / np.float32(_CODES - 1)
    return srgb_to_linear(steps), linear_to_srgb(steps * steps)


def fast_to_linear(image: np.ndarray) -> np.ndarray:
    """``srgb_to_linear`` by table lookup (values clipped to [0, 1])."""
    table, _ = _tables()
    # In place on one temporary (the same bits as the plain expression, less fresh memory).
    index = np.clip(image, 0.0, 1.0)
    index *= np.float32(_CODES - 1)
    index += np.float32(0.5)
    return table[index.astype(np.uint16)]


def fast_to_srgb(linear: np.ndarray) -> np.ndarray:
    """``linear_to_srgb`` by table lookup (values clipped to [0, 1])."""
    _, table = _tables()
    index = np.clip(linear, 0.0, 1.0)
    np.sqrt(index, out=index)
    index *= np.float32(_CODES - 1)
    index += np.float32(0.5)
    return table[index.astype(np.uint16)]


def apply_log_gain(image: np.ndarray, log_gain: np.ndarray) -> np.ndarray:
    """Multiply the linear light of ``image`` by ``exp(log_gain)`` (h, w), with a soft shoulder
    so brightened highlights roll off below 1 instead of clipping; pixels where the gain is
    exactly 0 keep their input bits. Only the bounding box of the non-zero gain is touched.
    """
    rows = np.flatnonzero(log_gain.any(axis=1))
    if rows.size == 0:
        return image
    cols = np.flatnonzero(log_gain.any(axis=0))
    box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
    gain = log_gain[box]
    g = np.exp(gain)[:, :, None]
    lin = fast_to_linear(image[box])
    # Reinhard-style shoulder for gains > 1: x*g / (1 + x*(g-1)) maps 1 to 1 (no clipping) and
    # keeps the gain of darker values; a darkening gain (g < 1) is a plain multiply.
    shoulder = np.maximum(g - np.float32(1.0), 0)
    shoulder = lin * shoulder
    shoulder += np.float32(1.0)
    lin *= g
    lin /= shoulder
    new = fast_to_srgb(lin)
    out = image.copy()
    np.copyto(out[box], new, where=(gain != 0)[:, :, None])
    return out

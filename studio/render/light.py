"""The light stage's gain applied: linear light multiplied by ``exp(log_gain)``.

The light edits (``face_light``, ``shadows``) only return their natural-log gains; the render
pipeline sums them and applies the sum once, here.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.edits.blend import copy_to_out
from studio.imaging.colour import SRGB_CODES, srgb_tables

#: Rows the relight works on at a time: a band's buffers stay in the CPU's cache.
_BAND_ROWS = 32


def apply_log_gain(
    image: np.ndarray, log_gain: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Multiply the linear light of ``image`` by ``exp(log_gain)`` (h, w), with a soft shoulder
    so brightened highlights roll off below 1 instead of clipping; pixels where the gain is
    exactly 0 keep their input bits. Only the bounding box of the non-zero gain is touched.

    The sRGB curve both ways is ``fast_to_linear``'s and ``fast_to_srgb``'s tables, indexed by
    OpenCV's rounding (to the nearest 16-bit code; a tie may round the other way). The work
    goes by bands of rows, each over its own columns with a non-zero gain, so every pass over
    a band runs in cache. ``out`` (may be ``image`` itself) receives the result; by default
    it is a new array (``image`` itself when the gain is 0 everywhere and ``out`` is None).
    """
    changed = log_gain != 0
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return image if out is None else copy_to_out(image, out)
    out = copy_to_out(image, out)
    for top in range(rows[0], rows[-1] + 1, _BAND_ROWS):
        band = slice(top, min(top + _BAND_ROWS, rows[-1] + 1))
        cols = np.flatnonzero(changed[band].any(axis=0))
        if cols.size:
            box = band, slice(cols[0], cols[-1] + 1)
            out[box] = _relit(image[box], log_gain[box], changed[box])
    return out


def _relit(part: np.ndarray, log_gain: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """``apply_log_gain`` on one block: ``part`` (h, w, 3), its ``log_gain`` and where that
    is not 0 (h, w); a new float32 array."""
    to_linear, to_srgb = srgb_tables()
    scale = float(SRGB_CODES - 1)
    part = part.astype(np.float32, copy=False)
    codes = cv2.multiply(part, scale, dtype=cv2.CV_16U)  # clipped to [0, 1], rounded
    lin = cv2.LUT(codes, to_linear)
    g = cv2.exp(log_gain.astype(np.float32, copy=False))
    # Reinhard-style shoulder for gains > 1: x*g / (1 + x*(g-1)) maps 1 to 1 (no clipping) and
    # keeps the gain of darker values; a darkening gain (g < 1) is a plain multiply.
    excess = cv2.max(g - np.float32(1.0), 0.0)
    per_channel = cv2.merge([excess, excess, excess])
    cv2.multiply(per_channel, lin, dst=per_channel)
    per_channel += np.float32(1.0)
    cv2.divide(lin, per_channel, dst=lin)
    cv2.multiply(lin, cv2.merge([g, g, g], dst=per_channel), dst=lin)
    cv2.sqrt(lin, dst=lin)  # the sRGB table is indexed by the square root of linear light
    cv2.multiply(lin, scale, dst=codes, dtype=cv2.CV_16U)
    cv2.LUT(codes, to_srgb, dst=lin)
    # Where the gain is exactly 0 the input's bits stay.
    unchanged = (~changed).view(np.uint8)
    np.copyto(lin, part, where=cv2.merge([unchanged, unchanged, unchanged]).view(bool))
    return lin

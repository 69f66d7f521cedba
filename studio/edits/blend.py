"""The one way an edit meets a mask: ``out = in + m * (edit - in)``."""

from __future__ import annotations

import numpy as np


def blend(image: np.ndarray, edited: np.ndarray, mask: np.ndarray | float) -> np.ndarray:
    """Mix ``edited`` into ``image`` by ``mask`` (H, W) or a scalar in [0, 1].

    Where the mask is 0 the result is ``image`` bit for bit; where it is 1 it is ``edited``.
    Both images are float32 (H, W, C); returns a new float32 array.
    """
    m = np.asarray(mask, dtype=np.float32)
    if m.ndim == 2 and image.ndim == 3:
        m = m[:, :, None]
    return (image + m * (edited - image)).astype(np.float32, copy=False)


def add_change(image: np.ndarray, change: np.ndarray, amount: float) -> np.ndarray:
    """``image + amount * change``: the blend above with the masked difference
    ``m * (edit - in)`` prepared once per photo, so a slider move costs one pass.

    ``change`` is float32 (H, W, C) and exactly 0 wherever the edit's mask is 0, so those
    pixels stay bit-identical.
    """
    out = change * np.float32(amount)
    out += image
    return out


def add_change_in(
    image: np.ndarray, change: np.ndarray, amount: float, boxes: tuple[tuple[slice, slice], ...]
) -> np.ndarray:
    """``add_change`` when ``change`` is 0 outside ``boxes`` ((rows, cols) slices, may overlap):
    the same bits, with only the boxes' pixels computed (a new array)."""
    out = image.copy()
    for box in boxes:
        out[box] = add_change(image[box], change[box], amount)
    return out

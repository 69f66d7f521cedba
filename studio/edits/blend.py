"""The one way an edit meets a mask: ``out = in + m * (edit - in)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from studio.imaging.colour import lab_to_srgb


def blend(image: np.ndarray, edited: np.ndarray, mask: np.ndarray | float) -> np.ndarray:
    """Mix ``edited`` into ``image`` by ``mask`` (H, W) or a scalar in [0, 1].

    Where the mask is 0 the result is ``image`` bit for bit; where it is 1 it is ``edited``.
    Both images are float32 (H, W, C); returns a new float32 array.
    """
    m = np.asarray(mask, dtype=np.float32)
    if m.ndim == 2 and image.ndim == 3:
        m = m[:, :, None]
    return (image + m * (edited - image)).astype(np.float32, copy=False)


def add_change(
    image: np.ndarray, change: np.ndarray, amount: float, out: np.ndarray | None = None
) -> np.ndarray:
    """``image + amount * change``: the blend above with the masked difference
    ``m * (edit - in)`` prepared once per photo, so a slider move costs one pass.

    ``change`` is float32 (H, W, C) and exactly 0 wherever the edit's mask is 0, so those
    pixels stay bit-identical. ``out`` (may be ``image`` itself) receives the result, by
    bands of rows (the same bits, no photo-sized temporary); by default it is a new array.
    """
    if out is None:
        out = change * np.float32(amount)
        out += image
        return out
    step = max(_BAND_BYTES // max(change[:1].nbytes, 1), 1)
    for top in range(0, change.shape[0], step):
        band = slice(top, top + step)
        part = change[band] * np.float32(amount)
        part += image[band]
        out[band] = part
    return out


#: Bytes of a band ``add_change`` works on at a time into ``out`` (fits the CPU's cache).
_BAND_BYTES = 1 << 19


def add_change_in(
    image: np.ndarray,
    change: np.ndarray,
    amount: float,
    boxes: tuple[tuple[slice, slice], ...] | None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``add_change`` when ``change`` is 0 outside ``boxes`` ((rows, cols) slices, may overlap;
    None: anywhere): the same bits, with only the boxes' pixels computed; into ``out`` (may
    be ``image``) or a new array."""
    if not isinstance(change, np.ndarray):
        return _add_field_in(image, change, amount, boxes, out)
    if boxes is None:
        return add_change(image, change, amount, out)
    out = copy_to_out(image, out)
    for box in boxes:
        out[box] = add_change(image[box], change[box], amount)
    return out


def _add_field_in(image: np.ndarray, change, amount: float,
                  boxes: tuple[tuple[slice, slice], ...] | None, out: np.ndarray | None) -> np.ndarray:
    """``add_change_in`` with ``change`` a ``studio.face.layers.WorkField``: the change is
    made band by band as it is added (the same bits as with the whole field)."""
    out = copy_to_out(image, out)
    whole = (slice(0, image.shape[0]), slice(0, image.shape[1]))
    for rows_box, cols in boxes if boxes is not None else (whole,):
        for rows, values in change.bands(rows_box):
            part = values[:, cols] * np.float32(amount)
            part += image[rows, cols]
            out[rows, cols] = part
    return out


def copy_to_out(image: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """The array an edit writes ``image``'s result to: ``out`` holding ``image``'s pixels
    (``image`` itself when they are the same), or a copy of ``image``."""
    if out is None:
        return image.copy()
    if out is not image:
        np.copyto(out, image)
    return out


def add_prepared_change(
    image: np.ndarray, prepared: object | None, strength: float, out: np.ndarray | None = None
) -> np.ndarray:
    """The ``process`` of an edit that prepares its whole effect once: ``prepared.change`` (the
    difference at strength 1, 0 outside ``prepared.boxes``) added to ``image`` at ``strength``,
    into ``out`` (may be ``image``) or a new array; ``image`` itself when ``prepared`` is None
    (no face) or ``strength`` is 0."""
    if prepared is None or strength == 0:
        return image
    return add_change_in(image, prepared.change, strength, prepared.boxes, out)


def edit_lab_crop(
    image: np.ndarray,
    prepared: object | None,
    strength: float,
    edit: Callable[[np.ndarray, object, float], None],
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The ``process`` of an edit that works on a prepared L*a*b* crop (``prepared.lab`` at
    ``prepared.box``): ``edit(lab, prepared, strength)`` changes a copy in place, which goes
    back to sRGB and is mixed in by ``prepared.mask``; into ``out`` (may be ``image``) or a
    new array. ``image`` itself when ``prepared`` is None (no face) or ``strength`` is 0."""
    if prepared is None or strength == 0:
        return image
    lab = prepared.lab.copy()
    edit(lab, prepared, strength)
    out = copy_to_out(image, out)
    rgb = np.clip(lab_to_srgb(lab), 0.0, 1.0)  # fast_lab's inverse: no scikit-image
    out[prepared.box] = blend(image[prepared.box], rgb, prepared.mask)
    return out

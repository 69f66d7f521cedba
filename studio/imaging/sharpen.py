"""Output sharpening: the detail a downscaled export loses, given back (Lightroom's "Sharpen
for Screen").

Shrinking a picture to LinkedIn's 1024 px averages away part of the face's fine band (pores,
lashes, the texture that says "a photo"). After the export's resize, the fine band on the
face (grey minus its blur at IOD/60, as docs/quality.md defines it) is measured in the
resized picture and in the picture before the resize; an unsharp mask on the luminance
raises it back to the source's level (``standard``: to 90% of it). Each sharpened pixel is
then held inside the range of the pixels within 2 px of it before sharpening, so an edge never
gains a halo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from studio.imaging.colour import luminance
from studio.imaging.filters import gaussian


@dataclass(frozen=True)
class Sharpening:
    """An output sharpening: the unsharp mask's radius (Gaussian sigma, output pixels) and
    the share of the source's fine band it restores."""

    radius: float
    target: float


#: The kinds of output sharpening.
KINDS = {
    "screen": Sharpening(radius=0.7, target=1.0),  # seen pixel for pixel on a screen
    "standard": Sharpening(radius=1.0, target=0.9),  # a larger picture, often printed
}
#: The sharpening each export preset applies after its resize (None: none).
PRESET_SHARPENING = {
    "linkedin": "screen",
    "banner": "screen",
    "portfolio": "standard",
    "original": None,
    "custom": None,
}
#: The most an unsharp mask adds (times the band): beyond this detail turns to grit.
MAX_AMOUNT = 3.0
#: The most unsharp masks tried to reach the target.
_STEPS = 5
#: The fine band's scale, as docs/quality.md's figures measure it (IOD / 60).
_FINE_OF_IOD = 1.0 / 60.0
#: Without a face, the fine band is measured at this scale of the picture's short side.
_FINE_OF_SHORT_SIDE = 1.0 / 400.0


def fine_band_energy(pixels: np.ndarray, sigma: float, where: np.ndarray | None) -> float:
    """Mean square of the fine band (luminance minus its blur at ``sigma`` px) in ``where``
    (boolean (H, W); None: everywhere)."""
    grey = luminance(pixels)
    band = grey - gaussian(grey, sigma)
    return float(np.mean(band[where] ** 2 if where is not None else band**2))


def face_mask(points: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    """Boolean (H, W): the hull of a face's 68 landmarks (pixels of this picture); None
    without landmarks or when too little of the face is in the picture."""
    if points is None:
        return None
    mask = np.zeros(shape[:2], np.uint8)
    hull = cv2.convexHull(np.round(points).astype(np.int32).reshape(-1, 1, 2))
    cv2.fillConvexPoly(mask, hull, 1)
    return mask > 0 if mask.sum() >= 64 else None


def _iod(points: np.ndarray) -> float:
    return float(np.hypot(*(points[36:42].mean(axis=0) - points[42:48].mean(axis=0))))


def sharpen_for_output(
    before: np.ndarray,
    after: np.ndarray,
    kind: str | None,
    points: np.ndarray | None = None,
) -> np.ndarray:
    """``after`` (the export's picture resized from ``before``) with its fine band restored.

    Parameters
    ----------
    before : float32 (H, W, 3) sRGB in [0, 1], the picture before the resize.
    after : float32 (h, w, 3), the resized picture (smaller than ``before``).
    kind : a key of :data:`KINDS`, or None for no sharpening.
    points : (68, 2) landmarks of the face in ``before``'s pixels, or None (the whole
        picture is measured).

    Returns
    -------
    The sharpened picture (float32), or ``after`` itself when it needs none (no kind, not
    downscaled, or its fine band already at the target).
    """
    scale = after.shape[1] / before.shape[1]
    if kind is None or scale >= 1.0:
        return after
    sharpening = KINDS[kind]
    source, measure = _measure(before, after, points)
    if source <= 1e-12:
        return after
    ratio = measure(after) / source
    if ratio >= sharpening.target:
        return after
    return _restore(after, sharpening, ratio, (source, measure))


def sharpen_alike(before: np.ndarray, after: np.ndarray, kind: str | None,
                  points: np.ndarray | None, pictures: list[np.ndarray]) -> list[np.ndarray]:
    """``pictures`` (each the size of ``after``, e.g. a retouch rendered at the output's
    scale) given back the share of the fine band the resize ``before`` -> ``after`` of the
    original loses, as :func:`sharpen_for_output` gives it back to ``after`` (the original
    itself among ``pictures`` comes out exactly as that function makes it)."""
    return alike_sharpener(before, after, kind, points)(pictures)


def alike_sharpener(before: np.ndarray, after: np.ndarray, kind: str | None,
                    points: np.ndarray | None) -> Callable[[list[np.ndarray]], list[np.ndarray]]:
    """:func:`sharpen_alike` for these ``before``, ``after``, ``kind`` and ``points``, with
    what the resize loses measured once (an export's amount steps sharpen several renders)."""
    scale = after.shape[1] / before.shape[1]
    if kind is None or scale >= 1.0:
        return lambda pictures: pictures
    sharpening = KINDS[kind]
    source, measure = _measure(before, after, points)
    if source <= 1e-12:
        return lambda pictures: pictures
    lost = measure(after) / source
    if lost >= sharpening.target:
        return lambda pictures: pictures

    def sharpened(pictures: list[np.ndarray]) -> list[np.ndarray]:
        out = []
        for picture in pictures:
            own = measure(picture) / lost  # its fine band before a resize that lost as much
            out.append(picture if own <= 1e-12
                       else _restore(picture, sharpening, lost, (own, measure)))
        return out

    return sharpened


def fine_band_ratio(before: np.ndarray, after: np.ndarray,
                    points: np.ndarray | None) -> float | None:
    """The fine band's energy on the face in ``after`` over that in ``before`` (None when
    the source has no fine band there)."""
    source, measure = _measure(before, after, points)
    if source <= 1e-12:
        return None
    return measure(after) / source


def _measure(before, after, points):
    """(the source's fine band energy, a function giving a resized picture's)."""
    scale = after.shape[1] / before.shape[1]
    sigma = _FINE_OF_IOD * _iod(points) if points is not None \
        else _FINE_OF_SHORT_SIDE * min(before.shape[:2])
    sigma = max(sigma, 0.5 / scale)
    where_before = face_mask(points, before.shape)
    where_after = face_mask(points * scale if points is not None else None, after.shape)
    if where_before is None or where_after is None:
        where_before = where_after = None
    source = fine_band_energy(*_around(before, where_before, 3 * sigma, sigma))

    def measure(picture: np.ndarray) -> float:
        return fine_band_energy(*_around(picture, where_after, 3 * sigma * scale, sigma * scale))

    return source, measure


def _around(pixels: np.ndarray, where: np.ndarray | None, margin: float, sigma: float):
    """(``pixels``, ``sigma``, ``where``) with the pictures cut to ``where``'s box grown by
    ``margin`` px (the blur's reach), so a 24 MP source is measured on its face only."""
    if where is None:
        return pixels, sigma, where
    rows, cols = np.nonzero(where.any(axis=1))[0], np.nonzero(where.any(axis=0))[0]
    m = int(np.ceil(margin)) + 1
    y0, y1 = max(rows[0] - m, 0), min(rows[-1] + m + 1, where.shape[0])
    x0, x1 = max(cols[0] - m, 0), min(cols[-1] + m + 1, where.shape[1])
    return pixels[y0:y1, x0:x1], sigma, where[y0:y1, x0:x1]


def _restore(after: np.ndarray, sharpening: Sharpening, ratio: float, measured) -> np.ndarray:
    """An unsharp mask of ``sharpening.radius`` whose amount brings the fine band from
    ``ratio`` to ``sharpening.target`` of the source's, with no pixel leaving the range
    within 2 px of it before sharpening (no halo). The range clamp takes some of the mask back, so the
    amount is found by the secant method (a few steps, to within 0.01 of the target)."""
    source, measure = measured
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    high, low = cv2.dilate(after, kernel), cv2.erode(after, kernel)
    grey = luminance(after)
    detail = (grey - gaussian(grey, sharpening.radius))[..., None]

    def sharpened(amount: float) -> tuple[np.ndarray, float]:
        out = np.clip(after + np.float32(amount) * detail, low, high)
        return out, measure(out) / source

    tried = [(0.0, ratio)]
    amount = min((sharpening.target / max(ratio, 1e-6)) ** 0.5 - 1.0, MAX_AMOUNT)
    for _ in range(_STEPS):
        out, reached = sharpened(amount)
        tried.append((amount, reached))
        if abs(reached - sharpening.target) < 0.01 or amount >= MAX_AMOUNT:
            break
        (a0, r0), (a1, r1) = tried[-2], tried[-1]
        slope = (r1 - r0) / (a1 - a0) if a1 != a0 else 0.0
        if slope <= 0:
            break
        amount = float(np.clip(a1 + (sharpening.target - r1) / slope, 0.0, MAX_AMOUNT))
    return np.ascontiguousarray(out, dtype=np.float32)

"""docs/quality.md's figures, computed exactly as defined there (tests, notes and benchmarks use them).

All on the chosen face; image arguments are float32 sRGB in [0, 1]; 8-bit-scale figures are
multiplied by 255.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from studio.face import face_hull_mask, likeness_distance, protected_mask
from studio.face.layers import head_outline
from studio.face.types import Face
from studio.imaging.colour import delta_e2000, luminance, rgb_to_lab
from studio.imaging.filters import disk, gaussian


def protected_features(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean (H, W): hulls of brows, eyes, nostrils, lips dilated by 2% IOD."""
    return protected_mask(face, shape) > 0


def quality_skin(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean (H, W): face hull minus protected features (+8% IOD), eroded by 8% IOD."""
    hull = face_hull_mask(face, shape) > 0.5
    grown = protected_mask(face, shape, extra_margin=0.08) > 0
    skin = (hull & ~grown).astype(np.uint8)
    return cv2.erode(skin, disk(0.08 * face.iod)) > 0


def bands(image: np.ndarray, iod: float) -> tuple[np.ndarray, np.ndarray]:
    """(fine, mid) bands of the grey image: grey - G(IOD/60), G(IOD/60) - G(IOD/8)."""
    grey = luminance(image)
    g_fine = gaussian(grey, iod / 60)
    g_mid = gaussian(grey, iod / 8)
    return grey - g_fine, g_fine - g_mid


def head_mask(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean (H, W): the head: the face up to the hairline (jaw plus brows raised 1 IOD)
    grown by 0.3 IOD; "outside the head" is its complement (neck, hair, background)."""

    head = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(head, [np.round(head_outline(face)).astype(np.int32).reshape(-1, 1, 2)], 1)
    return cv2.dilate(head, disk(0.3 * face.iod)) > 0


def band_energy(channels: np.ndarray, fine_sigma: float, coarse_sigma: float,
                skin: np.ndarray) -> float:
    """Mean square, over the skin, of G(fine_sigma) - G(coarse_sigma) of ``channels`` (summed
    over channels when there are several)."""
    if not skin.any():
        return 0.0
    band = gaussian(channels, fine_sigma) - gaussian(channels, coarse_sigma)
    return float(np.mean(band[skin] ** 2) * (band.shape[2] if band.ndim == 3 else 1))


def energy_kept(before: np.ndarray, after: np.ndarray, where: np.ndarray) -> float:
    """Mean square of ``after`` over mean square of ``before``, both in ``where``: how much of
    a band's energy an edit kept there."""
    return float(np.mean(after[where] ** 2) / max(np.mean(before[where] ** 2), 1e-12))


def skin_bands(image: np.ndarray, iod: float, skin: np.ndarray) -> tuple[float, float]:
    """(uneven tone, freckles and spots) energies of ``image`` in ``skin``: a*, b* band-pass
    IOD/30..IOD/6 (blotches, redness) and L* band-pass IOD/60..IOD/20 (what should stay)."""
    lab = rgb_to_lab(np.clip(image, 0, 1).astype(np.float32))
    tone = band_energy(np.ascontiguousarray(lab[..., 1:]), iod / 30, iod / 6, skin)
    freckles = band_energy(np.ascontiguousarray(lab[..., 0]), iod / 60, iod / 20, skin)
    return tone, freckles


def _around(mask: np.ndarray, iod: float) -> tuple[slice, slice]:
    """The mask's bounding box grown by IOD/2 (3 sigma of the coarsest blur): the bands inside
    the mask are then the same as on the whole photo, at a fraction of the cost."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return slice(0, 0), slice(0, 0)
    m = int(np.ceil(iod / 2))
    return (slice(max(rows.min() - m, 0), rows.max() + m + 1),
            slice(max(cols.min() - m, 0), cols.max() + m + 1))


def skin_bands_kept(original: np.ndarray, edited: np.ndarray, face: Face) -> tuple[float, float]:
    """(uneven tone kept, freckles and spots band kept): energy after / before in the skin."""
    return _skin_bands_kept(_original_side(original, face), edited, face.iod)


def _skin_bands_kept(before: _OriginalSide, edited: np.ndarray,
                     iod: float) -> tuple[float, float]:
    """:func:`skin_bands_kept` against the original's side ``before``."""
    box = before.skin_box
    tone1, freckles1 = skin_bands(edited[box], iod, before.skin[box])
    return tone1 / max(before.tone, 1e-12), freckles1 / max(before.freckles, 1e-12)


@dataclass(frozen=True)
class _OriginalSide:
    """What the figures read of the original alone: its masks, bands and skin energies."""

    skin: np.ndarray
    protected: np.ndarray
    outside: np.ndarray
    fine: np.ndarray
    mid: np.ndarray
    skin_box: tuple[slice, slice]
    tone: float
    freckles: float


#: The originals measured last: a sweep compares several edits (looks, amounts, sizes) with
#: one original, whose side of every figure is the same each time (about half the cost).
_ORIGINALS: OrderedDict[bytes, _OriginalSide] = OrderedDict()
_ORIGINALS_KEPT = 4
_originals_lock = threading.Lock()


def _original_side(original: np.ndarray, face: Face) -> _OriginalSide:
    """The original's side of the figures on ``face`` (from the recent ones when the same
    pixels and face were measured already: the same arrays, never written to)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (np.ascontiguousarray(original), np.ascontiguousarray(face.landmarks)):
        digest.update(repr((part.shape, part.dtype.str)).encode())
        digest.update(part.data)
    digest.update(repr(float(face.iod)).encode())
    key = digest.digest()
    with _originals_lock:
        if key in _ORIGINALS:
            _ORIGINALS.move_to_end(key)
            return _ORIGINALS[key]
    shape = original.shape
    skin = quality_skin(face, shape)
    fine, mid = bands(original, face.iod)
    box = _around(skin, face.iod)
    tone, freckles = skin_bands(original[box], face.iod, skin[box])
    side = _OriginalSide(skin, protected_features(face, shape), ~head_mask(face, shape),
                         fine, mid, box, tone, freckles)
    for array in (side.skin, side.protected, side.outside, side.fine, side.mid):
        array.setflags(write=False)
    with _originals_lock:
        _ORIGINALS[key] = side
        while len(_ORIGINALS) > _ORIGINALS_KEPT:
            _ORIGINALS.popitem(last=False)
    return side


def mid_kept_split(original: np.ndarray, edited: np.ndarray, face: Face,
                   skin_weight: np.ndarray) -> tuple[float, float, float]:
    """The mid band kept, split by what the region holds (for photos with glasses or a beard):
    (kept on the skin clear of anything else, kept on what is not skin, share of the region
    that is clear skin). Clear skin: skin weight >= 0.5 and at least IOD/8 (the band's coarse
    blur) from where it is below; the frames' and beard's edges reach that far into the band."""
    before = _original_side(original, face)
    region, m0 = before.skin, before.mid
    skin = (skin_weight >= 0.5).astype(np.uint8)
    clear = region & (cv2.erode(skin, disk(face.iod / 8)) > 0)
    other = region & (skin == 0)
    _, m1 = bands(edited, face.iod)

    def kept(where: np.ndarray) -> float:
        return energy_kept(m0, m1, where) if where.any() else 1.0

    return kept(clear), kept(other), float(clear.sum() / max(region.sum(), 1))


@dataclass
class Figures:
    fine_kept: float
    mid_kept: float
    protected_change: float
    outside_head_change: float
    skin_colour_shift: float
    skin_mean_colour_shift: float
    tone_kept: float
    freckles_kept: float
    likeness_distance: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def figures(original: np.ndarray, edited: np.ndarray, face: Face, likeness: bool = True) -> Figures:
    """docs/quality.md's figures of ``edited`` against ``original`` on ``face``."""
    before = _original_side(original, face)
    skin, prot, outside = before.skin, before.protected, before.outside
    f1, m1 = bands(edited, face.iod)
    fine_kept = energy_kept(before.fine, f1, skin)
    mid_kept = energy_kept(before.mid, m1, skin)
    diff = np.abs(edited - original) * 255
    protected_change = float(diff[prot].mean()) if prot.any() else 0.0
    outside_change = float(diff[outside].max()) if outside.any() else 0.0
    de = delta_e2000(original[skin], edited[skin])
    skin_shift = float(de.mean())
    mean0 = original[skin].mean(axis=0)[None, None]
    mean1 = edited[skin].mean(axis=0)[None, None]
    mean_shift = float(delta_e2000(mean0, mean1).ravel()[0])
    tone_kept, freckles_kept = _skin_bands_kept(before, edited, face.iod)
    distance = None
    if likeness:
        distance = likeness_distance(original, edited, face)
    return Figures(
        fine_kept, mid_kept, protected_change, outside_change, skin_shift, mean_shift,
        tone_kept, freckles_kept, distance,
    )

"""docs/quality.md's figures, computed exactly as defined there (tests, notes and benchmarks use them).

All on the chosen face; image arguments are float32 sRGB in [0, 1]; 8-bit-scale figures are
multiplied by 255.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from studio.edits.layers import disk, head_outline
from studio.face.types import Face
from studio.imaging.colour import delta_e2000, luminance
from studio.imaging.filters import gaussian


def protected_features(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean (H, W): hulls of brows, eyes, nostrils, lips dilated by 2% IOD."""
    from studio.face import protected_mask

    return protected_mask(face, shape) > 0


def quality_skin(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean (H, W): face hull minus protected features (+8% IOD), eroded by 8% IOD."""
    from studio.face import face_hull_mask, protected_mask

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


@dataclass
class Figures:
    fine_kept: float
    mid_kept: float
    protected_change: float
    outside_head_change: float
    skin_colour_shift: float
    skin_mean_colour_shift: float
    likeness_distance: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def figures(original: np.ndarray, edited: np.ndarray, face: Face, likeness: bool = True) -> Figures:
    """docs/quality.md's figures of ``edited`` against ``original`` on ``face``."""
    shape = original.shape
    skin = quality_skin(face, shape)
    prot = protected_features(face, shape)
    f0, m0 = bands(original, face.iod)
    f1, m1 = bands(edited, face.iod)
    fine_kept = float(np.mean(f1[skin] ** 2) / max(np.mean(f0[skin] ** 2), 1e-12))
    mid_kept = float(np.mean(m1[skin] ** 2) / max(np.mean(m0[skin] ** 2), 1e-12))
    diff = np.abs(edited - original) * 255
    protected_change = float(diff[prot].mean()) if prot.any() else 0.0
    outside = ~head_mask(face, shape)
    outside_change = float(diff[outside].max()) if outside.any() else 0.0
    de = delta_e2000(original[skin], edited[skin])
    skin_shift = float(de.mean())
    mean0 = original[skin].mean(axis=0)[None, None]
    mean1 = edited[skin].mean(axis=0)[None, None]
    mean_shift = float(delta_e2000(mean0, mean1).ravel()[0])
    distance = None
    if likeness:
        from studio.face import likeness_distance

        distance = likeness_distance(original, edited, face)
    return Figures(
        fine_kept, mid_kept, protected_change, outside_change, skin_shift, mean_shift, distance
    )

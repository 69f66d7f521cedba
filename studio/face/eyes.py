"""The eyes as the face edits see them: their regions on a crop, and the whites (no Qt, no I/O)."""

from __future__ import annotations

import numpy as np

from studio.face.regions import REGIONS, region_mask
from studio.face.types import Face
from studio.imaging.filters import smoothstep


def landmark_box(points: np.ndarray, shape: tuple[int, int], reach: float
                 ) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels of an image of ``shape`` within ``reach``
    pixels of ``points`` (N, 2), clipped to the image (may be empty: bottom <= top). A shape
    drawn on this crop has the same pixels as drawn on the whole image: its outline only
    moves by whole pixels."""
    h, w = shape
    left = int(max(np.floor(points[:, 0].min() - reach), 0))
    top = int(max(np.floor(points[:, 1].min() - reach), 0))
    right = int(min(np.ceil(points[:, 0].max() + reach) + 1, w))
    bottom = int(min(np.ceil(points[:, 1].max() + reach) + 1, h))
    return top, left, bottom, right


def eye_box(face: Face, shape: tuple[int, int], reach_iod: float, iod: float
            ) -> tuple[int, int, np.ndarray]:
    """Both eye regions of ``face`` (landmarks in an image of ``shape``) drawn on a crop only:
    (top, left, float32 mask) whose crop holds every pixel of the regions plus ``reach_iod``
    IOD around them (the same pixels as drawn on the whole image). ``iod``: the face's IOD in
    pixels as its photo has it (a moved face's float32 landmarks may differ in the last bits)."""
    margin = max(REGIONS["left_eye"].margin, REGIONS["right_eye"].margin)
    top, left, bottom, right = landmark_box(face.landmarks[36:48], shape,
                                            (margin + reach_iod) * iod + 4.0)
    if right <= left or bottom <= top:
        return 0, 0, np.zeros((0, 0), np.float32)
    moved = face.translated(left, top)
    crop = (bottom - top, right - left)
    mask = np.maximum(region_mask(moved, "left_eye", crop), region_mask(moved, "right_eye", crop))
    return top, left, mask


def sclera_weight(lab: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How much each pixel of an eye region looks like the white of the eye (0..1)."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    inside = mask > 0.5
    if not inside.any():
        return np.zeros(mask.shape, np.float32)
    bright = np.percentile(lab[..., 0][inside], 60)
    return (
        smoothstep(lab[..., 0], bright - 5, bright + 5) * (1 - smoothstep(chroma, 12, 22)) * mask
    ).astype(np.float32)

"""The skin mask: where smoothing and skin edits may act."""

from __future__ import annotations

import numpy as np

from studio.face.regions import face_hull_mask, protected_mask
from studio.face.types import Face

#: The skin mask keeps this much further away from the protected features, in IOD (QUALITY.md).
SKIN_FEATURE_GAP = 0.08


def skin_mask(pixels: np.ndarray, face: Face) -> np.ndarray:
    """Mask of the face's real skin, float32 (H, W) in [0, 1], 0 on the protected features."""
    shape = pixels.shape[:2]
    hull = face_hull_mask(face, shape)
    keep_out = protected_mask(face, shape, extra_margin=SKIN_FEATURE_GAP)
    return np.clip(hull * (1.0 - keep_out), 0.0, 1.0).astype(np.float32)

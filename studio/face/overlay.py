"""A picture of what face analysis found: landmarks, box, protected features and skin as tints."""

from __future__ import annotations

import cv2
import numpy as np

from studio.face.regions import protected_mask
from studio.face.skin import skin_mask
from studio.face.types import FaceAnalysis

#: Tint colours (sRGB 0..1) and their opacity.
SKIN_TINT = np.array([0.10, 0.85, 0.30], dtype=np.float32)
PROTECTED_TINT = np.array([0.95, 0.10, 0.45], dtype=np.float32)
TINT_OPACITY = 0.45
PRIMARY_COLOUR = (255, 220, 0)
OTHER_COLOUR = (0, 200, 255)


def overlay_image(pixels: np.ndarray, analysis: FaceAnalysis) -> np.ndarray:
    """The photo with every face's skin mask (green) and protected features (magenta) tinted,
    its 68 landmarks as dots and its box drawn (yellow: the primary face, cyan: others).

    ``analysis`` must be in ``pixels`` coordinates. Returns float32 (H, W, 3) in [0, 1].
    """
    out = np.clip(pixels[:, :, :3].astype(np.float32), 0.0, 1.0)
    shape = out.shape[:2]
    for face in analysis.faces:
        skin = skin_mask(out, face)[:, :, None] * TINT_OPACITY
        out = out + skin * (SKIN_TINT - out)
        protected = protected_mask(face, shape)[:, :, None] * TINT_OPACITY
        out = out + protected * (PROTECTED_TINT - out)
    canvas = np.ascontiguousarray(np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8))
    for index, face in enumerate(analysis.faces):
        colour = PRIMARY_COLOUR if index == analysis.primary else OTHER_COLOUR
        line = max(int(round(face.iod / 80)), 1)
        x0, y0, x1, y1 = (int(round(v)) for v in face.box)
        cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, line, cv2.LINE_AA)
        radius = max(int(round(face.iod / 60)), 1)
        for x, y in face.landmarks:
            cv2.circle(canvas, (int(round(x)), int(round(y))), radius, colour, -1, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255.0

"""The built-in sample portrait: scikit-image's public-domain ``astronaut`` (NASA)."""

from __future__ import annotations

import numpy as np

from studio.imaging.photo import Photo

SAMPLE_NAME = "astronaut (built-in sample, public domain)"


def sample_photo() -> Photo:
    """The sample portrait as a Photo (512 x 512, sRGB, no file behind it)."""
    from skimage import data  # heavy

    pixels = np.asarray(data.astronaut(), dtype=np.float32) / 255.0
    return Photo(pixels=np.ascontiguousarray(pixels), format="PNG", bit_depth=8,
                 info={"name": SAMPLE_NAME})

"""The in-memory photo: sRGB float pixels plus what export needs to write it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(eq=False)
class Photo:
    """A decoded photo.

    Attributes
    ----------
    pixels : float32 array (H, W, 3), sRGB, values in [0, 1], EXIF orientation applied.
    alpha : float32 array (H, W) in [0, 1], or None when the photo is opaque.
    format : the source's format name as Pillow spells it ("JPEG", "PNG", "TIFF", "WEBP", "HEIF", ...).
    bit_depth : 8 or 16 bits per channel in the source.
    exif : the source's EXIF block (bytes) or None; its orientation no longer applies to ``pixels``.
    icc_profile : the source's embedded colour profile (bytes) or None; ``pixels`` are already sRGB.
    path : where it was read from, or None for a built-in or generated photo.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    format: str = "PNG"
    bit_depth: int = 8
    exif: bytes | None = None
    icc_profile: bytes | None = None
    path: Path | None = None
    info: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6

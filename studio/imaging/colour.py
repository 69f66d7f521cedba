"""Colour conversions on float32 sRGB images in [0, 1]."""

from __future__ import annotations

import numpy as np


def _skcolor():
    # scikit-image (and the SciPy it brings) takes ~0.3 s to import: only when Lab is needed.
    from skimage import color

    return color


def lab_ready() -> None:
    """Import what the Lab conversions need now (e.g. in a thread, while a photo decodes)."""
    _skcolor()


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] to linear light (float32)."""
    rgb = np.asarray(rgb, dtype=np.float32)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light to sRGB encoding (float32); negative values clip to 0."""
    linear = np.maximum(np.asarray(linear, dtype=np.float32), 0.0)
    return np.where(
        linear <= 0.0031308, linear * 12.92, 1.055 * np.power(linear, 1 / 2.4) - 0.055
    ).astype(np.float32)


#: Rec. 709 weights of (R, G, B): luma of sRGB values, or luminance (CIE Y) of linear ones.
REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 weighted sum of (H, W, 3) values (luma of sRGB, CIE Y of linear light), float32;
    the 'grey image' of docs/quality.md."""
    rgb = np.asarray(rgb, dtype=np.float32)
    return (0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]).astype(np.float32)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] to CIE L*a*b* (D65), float32; L* in 0..100."""
    return _skcolor().rgb2lab(np.clip(rgb, 0, 1).astype(np.float32)).astype(np.float32)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) to sRGB in [0, 1], float32."""
    return np.clip(_skcolor().lab2rgb(lab.astype(np.float32)), 0, 1).astype(np.float32)


def delta_e2000(rgb_a: np.ndarray, rgb_b: np.ndarray) -> np.ndarray:
    """Per-pixel CIEDE2000 difference between two sRGB images in [0, 1]."""
    return _skcolor().deltaE_ciede2000(rgb_to_lab(rgb_a), rgb_to_lab(rgb_b)).astype(np.float32)


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """float [0, 1] (H, W[, C]) to contiguous uint8, rounded (uint8 input passes through)."""
    if pixels.dtype == np.uint8:
        return np.ascontiguousarray(pixels)
    return np.ascontiguousarray(np.clip(pixels * 255.0 + 0.5, 0, 255).astype(np.uint8))

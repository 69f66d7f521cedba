"""Colour conversions on float32 sRGB images in [0, 1]."""

from __future__ import annotations

import functools

import cv2
import numpy as np


def _skcolor():
    # scikit-image (and the SciPy it brings) takes ~0.3 s to import: only when Lab is needed.
    from skimage import color  # start-up

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


#: Rows :func:`to_uint8` converts at a time (a band that stays in the cache).
_UINT8_ROWS = 64


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """float [0, 1] (H, W[, C]) to contiguous uint8, rounded (uint8 input passes through):
    ``clip(x * 255 + 0.5, 0, 255)`` truncated, band by band in one small buffer (the whole
    array at once made three photo-sized float arrays: 12-36 ms of a 2 MP preview's update,
    5 ms this way, the same bits)."""
    if pixels.dtype == np.uint8:
        return np.ascontiguousarray(pixels)
    out = np.empty(pixels.shape, np.uint8)
    kind = np.result_type(pixels.dtype, 255.0)  # the arithmetic's own type, as x * 255.0 has
    buffer = np.empty((min(_UINT8_ROWS, len(pixels)), *pixels.shape[1:]), kind)
    for top in range(0, len(pixels), _UINT8_ROWS):
        band = pixels[top:top + _UINT8_ROWS]
        work = buffer[:len(band)]
        np.multiply(band, 255.0, out=work)
        work += 0.5
        np.clip(work, 0, 255, out=work)
        out[top:top + _UINT8_ROWS] = work
    return out


#: Table size: sRGB in is looked up per 16-bit code value (exact for 8- and 16-bit photos);
#: linear light out is looked up by its square root (where the sRGB curve is gentle), which
#: keeps the error under a 16-bit step, even near black, with a table that stays in cache.
SRGB_CODES = 1 << 16


@functools.cache
def srgb_tables() -> tuple[np.ndarray, np.ndarray]:
    """(sRGB code -> linear light, square root of linear light code -> sRGB) tables."""
    steps = np.arange(SRGB_CODES, dtype=np.float32) / np.float32(SRGB_CODES - 1)
    return srgb_to_linear(steps), linear_to_srgb(steps * steps)


def _look_up(index: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[index]`` for a uint16 ``index``: OpenCV's 16-bit LUT (the same values, several
    times faster than numpy's gather) for image-shaped arrays, numpy's otherwise."""
    if index.ndim <= 2 or (index.ndim == 3 and index.shape[2] <= 4):
        return cv2.LUT(np.ascontiguousarray(index), table)
    return table[index]


def fast_to_linear(image: np.ndarray) -> np.ndarray:
    """``srgb_to_linear`` by table lookup (values clipped to [0, 1])."""
    table, _ = srgb_tables()
    # In place on one temporary (the same bits as the plain expression, less fresh memory).
    index = np.clip(image, 0.0, 1.0)
    index *= np.float32(SRGB_CODES - 1)
    index += np.float32(0.5)
    return _look_up(index.astype(np.uint16), table)


def fast_to_srgb(linear: np.ndarray) -> np.ndarray:
    """``linear_to_srgb`` by table lookup (values clipped to [0, 1])."""
    _, table = srgb_tables()
    index = np.clip(linear, 0.0, 1.0)
    np.sqrt(index, out=index)
    index *= np.float32(SRGB_CODES - 1)
    index += np.float32(0.5)
    return _look_up(index.astype(np.uint16), table)


def fast_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] to CIE L*a*b* (D65), float32: ``rgb_to_lab``'s formulas (scikit-image's
    matrix and white) in float32 with a table for the sRGB curve, several times faster."""
    linear = np.ascontiguousarray(fast_to_linear(rgb), dtype=np.float32)
    xyz = cv2.transform(linear, _XYZ_OVER_WHITE)
    delta = np.float32(6 / 29)
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta * delta) + np.float32(4 / 29))
    f = f.astype(np.float32, copy=False)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


#: sRGB (linear) to XYZ, each row divided by the D65 white (scikit-image's constants).
_XYZ_OVER_WHITE = (
    np.array(
        [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]
    )
    / np.array([0.95047, 1.0, 1.08883])[:, None]
).astype(np.float32)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) to sRGB, float32, unclipped above: ``fast_lab``'s inverse in exact
    arithmetic (its tables would quantise a small colour change)."""
    fy = (lab[..., 0] + np.float32(16)) / np.float32(116)
    f = cv2.merge([fy + lab[..., 1] / np.float32(500), fy, fy - lab[..., 2] / np.float32(200)])
    delta = np.float32(6 / 29)
    xyz = np.where(f > delta, f * f * f, np.float32(3 * delta * delta) * (f - np.float32(4 / 29)))
    linear = np.maximum(cv2.transform(xyz.astype(np.float32), _LINEAR_FROM_XYZ_OVER_WHITE), 0.0)
    srgb = np.where(linear <= 0.0031308, linear * np.float32(12.92),
                    np.float32(1.055) * np.power(linear, np.float32(1 / 2.4)) - np.float32(0.055))
    return srgb.astype(np.float32, copy=False)


#: ``_XYZ_OVER_WHITE``'s inverse: XYZ over the D65 white -> linear sRGB.
_LINEAR_FROM_XYZ_OVER_WHITE = np.linalg.inv(_XYZ_OVER_WHITE.astype(np.float64)).astype(np.float32)

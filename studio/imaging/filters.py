"""Edge-aware and band filters with cost independent of the radius (O(N) in pixels)."""

from __future__ import annotations

import cv2
import numpy as np


def row_bands(height: int, width: int, pixels_per_band: int = 65536) -> list[slice]:
    """Slices of rows, ~``pixels_per_band`` pixels each: per-pixel passes over one band stay in
    the processor's cache, 2-3x faster on big photos than whole-image temporaries."""
    rows = max(1, pixels_per_band // max(width, 1))
    return [slice(top, min(top + rows, height)) for top in range(0, height, rows)]


def gaussian(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float32 image with standard deviation ``sigma`` in pixels."""
    if sigma <= 0:
        return image.astype(np.float32, copy=True)
    return cv2.GaussianBlur(image.astype(np.float32, copy=False), (0, 0), sigmaX=float(sigma),
                            sigmaY=float(sigma), borderType=cv2.BORDER_REFLECT)


def box(image: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window, float32."""
    r = max(int(radius), 1)
    return cv2.boxFilter(image.astype(np.float32, copy=False), -1, (2 * r + 1, 2 * r + 1),
                         borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: float, eps: float,
                  subsample: int = 1) -> np.ndarray:
    """He et al.'s guided filter with a grey ``guide`` (H, W) and a ``source`` (H, W[, C]).

    ``radius`` in pixels, ``eps`` the edge threshold in squared intensity units. With
    ``subsample`` > 1 the linear coefficients are computed on a smaller copy (the fast
    guided filter, He & Sun 2015) and upsampled: same look, a fraction of the cost.

    References: K. He, J. Sun, X. Tang, "Guided Image Filtering", TPAMI 2013.
    """
    guide = guide.astype(np.float32, copy=False)
    source = source.astype(np.float32, copy=False)
    h, w = guide.shape[:2]
    s = max(int(subsample), 1)
    if s > 1:
        size = (max(w // s, 1), max(h // s, 1))
        g = cv2.resize(guide, size, interpolation=cv2.INTER_AREA)
        p = cv2.resize(source, size, interpolation=cv2.INTER_AREA)
        r = max(radius / s, 1.0)
    else:
        g, p, r = guide, source, max(radius, 1.0)
    r = int(round(r))
    g3 = g[:, :, None] if p.ndim == 3 else g
    mean_g = box(g, r)
    mean_p = box(p, r)
    corr_gp = box((g3 * p) if p.ndim == 3 else g * p, r)
    var_g = box(g * g, r) - mean_g * mean_g
    mg = mean_g[:, :, None] if p.ndim == 3 else mean_g
    vg = var_g[:, :, None] if p.ndim == 3 else var_g
    a = (corr_gp - mg * mean_p) / (vg + eps)
    b = mean_p - a * mg
    mean_a = box(a, r)
    mean_b = box(b, r)
    if s > 1:
        mean_a = cv2.resize(mean_a, (w, h), interpolation=cv2.INTER_LINEAR)
        mean_b = cv2.resize(mean_b, (w, h), interpolation=cv2.INTER_LINEAR)
    guide3 = guide[:, :, None] if source.ndim == 3 else guide
    return (mean_a * guide3 + mean_b).astype(np.float32)


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize to (width, height): area averaging when shrinking, bicubic-free linear when growing."""
    w, h = size
    shrinking = w < image.shape[1] or h < image.shape[0]
    return cv2.resize(image, (int(w), int(h)),
                      interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)

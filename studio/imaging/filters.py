"""Edge-aware and band filters with cost independent of the radius (O(N) in pixels)."""

from __future__ import annotations

from typing import NamedTuple

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


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below ``lo``, 1 above ``hi``, smooth in between (float32)."""
    # In place on two temporaries: the same bits as t * t * (3 - 2 * t).
    t = np.asarray(x, np.float32).reshape(-1) - lo
    t /= hi - lo
    np.clip(t, 0.0, 1.0, out=t)
    rest = 2 * t
    np.subtract(3, rest, out=rest)
    t *= t
    t *= rest
    return t.reshape(np.shape(x))


def disk(radius_px: float) -> np.ndarray:
    """Round structuring element of the given radius in pixels (at least 3x3)."""
    r = max(int(round(radius_px)), 1)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def soft_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``sigma`` pixels for smooth results (masks, broad layers): from sigma
    6 up it runs on a copy shrunk to ~3 pixels per sigma and enlarged back, so the cost does
    not grow with ``sigma``. The shrink (box) and enlargement (tent) widen the blur a little;
    the small copy's sigma is reduced to make up for it."""
    if sigma < 6.0:
        return gaussian(image, sigma)
    h, w = image.shape[:2]
    step = sigma / 3.0
    size = (max(int(round(w / step)), 1), max(int(round(h / step)), 1))
    small = cv2.resize(image.astype(np.float32, copy=False), size, interpolation=cv2.INTER_AREA)
    sx = w / size[0]
    small_sigma = float(np.sqrt(max(sigma * sigma - sx * sx / 4.0, 1e-6))) / sx
    blurred = gaussian(small, small_sigma)
    return cv2.resize(blurred, (w, h), interpolation=cv2.INTER_LINEAR)


def distance_outside(mask: np.ndarray) -> np.ndarray:
    """Distance in pixels from each pixel to the nearest pixel of the binary ``mask`` (0 on it)."""
    return cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_5)


def grow(mask: np.ndarray, radius_px: float) -> np.ndarray:
    """Binary ``mask`` dilated by a disk of ``radius_px`` (uint8 0/1), through a distance
    transform: O(N) whatever the radius (a big elliptic cv2.dilate is not)."""
    r = max(int(round(radius_px)), 1)
    return (distance_outside(mask) <= r).astype(np.uint8)


def shrink(mask: np.ndarray, radius_px: float) -> np.ndarray:
    """Binary ``mask`` (> 0.5) eroded by a disk of ``radius_px`` (uint8 0/1), O(N)."""
    r = max(int(round(radius_px)), 1)
    inside = (mask > 0.5).astype(np.uint8)
    return (cv2.distanceTransform(inside, cv2.DIST_L2, cv2.DIST_MASK_5) > r).astype(np.uint8)


def normalized_blur(values: np.ndarray, weight: np.ndarray, sigma: float, shrink: bool = True,
                    border: int = cv2.BORDER_REFLECT) -> np.ndarray:
    """Gaussian average of ``values`` counting only where ``weight`` > 0 (normalised convolution).

    With ``shrink``, large blurs run on a copy subsampled to ~3 pixels per sigma and are
    resized back, so the cost does not grow with ``sigma``. ``border``: OpenCV's border mode.
    """
    if values.ndim == 3 and values.dtype == weight.dtype == np.float32 and values.shape[2] <= 4:
        # The weight repeated per channel: the same products, without numpy's slow broadcast.
        weighted = values * cv2.merge([weight] * values.shape[2])
    else:
        weighted = values * (weight[..., None] if values.ndim == 3 else weight)
    h, w = weight.shape
    step = max(int(sigma // 3), 1) if shrink else 1
    if step > 1:
        size = (max(w // step, 1), max(h // step, 1))
        small_w = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        small_v = cv2.resize(weighted, size, interpolation=cv2.INTER_AREA)
        sw = np.maximum(gaussian(small_w, sigma / step), 1e-6)
        blurred = gaussian(small_v, sigma / step) / (sw[..., None] if values.ndim == 3 else sw)
        return cv2.resize(blurred, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32, copy=False)
    if border == cv2.BORDER_REFLECT:
        wn, v = np.maximum(gaussian(weight, sigma), 1e-6), gaussian(weighted, sigma)
    else:
        wn = np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma, borderType=border), 1e-6)
        v = cv2.GaussianBlur(weighted, (0, 0), sigma, borderType=border)
    return (v / (wn[..., None] if values.ndim == 3 else wn)).astype(np.float32, copy=False)


def true_runs(columns: np.ndarray, gap: int = 32) -> list[tuple[int, int]]:
    """(start, stop) of the runs of True in a 1-D bool array, runs less than ``gap`` apart
    joined (fewer, wider pieces cost less than many narrow ones)."""
    idx = np.flatnonzero(columns)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate([idx[:1], idx[breaks + 1]])
    stops = np.concatenate([idx[breaks], idx[-1:]]) + 1
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


class ColumnRun(NamedTuple):
    """Columns [start, stop) of a band of rows that show some background, and the runs of
    columns within them where the matte is soft (0 < alpha < 1): (start, stop) pairs."""

    start: int
    stop: int
    soft_edges: list[tuple[int, int]]


def background_columns(alpha: np.ndarray, rows: slice, cols: slice) -> list[list[ColumnRun]]:
    """For each band of rows of the region (rows, cols) of the matte ``alpha`` (``row_bands``),
    the runs of columns that show some background (alpha < 1 on a row), in the region's
    columns, each with its soft edges."""
    bands = []
    inside = (float(np.nextafter(np.float32(0), np.float32(1))),
              float(np.nextafter(np.float32(1), np.float32(0))))
    for band in row_bands(rows.stop - rows.start, cols.stop - cols.start):
        band_alpha = alpha[rows.start + band.start:rows.start + band.stop, cols]
        # Column reductions by OpenCV (numpy's any over a strided view is slow).
        lowest = cv2.reduce(band_alpha, 0, cv2.REDUCE_MIN).reshape(-1)
        runs = []
        for c0, c1 in true_runs(lowest < 1.0):
            soft = cv2.inRange(np.ascontiguousarray(band_alpha[:, c0:c1]), *inside)
            soft = cv2.reduce(soft, 0, cv2.REDUCE_MAX).reshape(-1) > 0
            runs.append(ColumnRun(c0, c1, [(c0 + s0, c0 + s1) for s0, s1 in true_runs(soft)]))
        bands.append(runs)
    return bands

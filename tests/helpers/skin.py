"""A synthetic skin patch with pores, a red spot and a brown mole (for the marks' tests)."""

from __future__ import annotations

import cv2
import numpy as np

#: The patch's eye distance in pixels: sets QUALITY.md's band scales.
IOD = 200.0
SPOT = (70.0, 80.0)  # (x, y) centre of the red spot
MOLE = (120.0, 80.0)
SPOT_RADIUS = 6.0


def skin_patch(size: int = 192, seed: int = 3) -> np.ndarray:
    """float32 (size, size, 3) sRGB skin: a gentle tone gradient, pores and fine relief, a red
    raised spot at ``SPOT`` and a brown mole at ``MOLE``."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = np.array([0.80, 0.62, 0.52], np.float32)
    shade = 1.0 + 0.04 * (xx / size - 0.5) - 0.03 * (yy / size - 0.5)
    image = base * shade[..., None]
    relief = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 0.8)
    pores = np.zeros((size, size), np.float32)
    for _ in range(size * size // 60):
        y, x = rng.integers(0, size, 2)
        pores[y, x] = -1.0
    pores = cv2.GaussianBlur(pores, (0, 0), 0.9) * 6
    image = image + (0.012 * relief + 0.03 * pores)[..., None] * base
    spot = np.exp(-((xx - SPOT[0]) ** 2 + (yy - SPOT[1]) ** 2) / (2 * (SPOT_RADIUS / 1.6) ** 2))
    image += spot[..., None] * np.array([0.08, -0.10, -0.07], np.float32)
    mole = np.exp(-(((xx - MOLE[0]) ** 2 + (yy - MOLE[1]) ** 2) / (2 * 2.5**2)) ** 2)
    image = image * (1 - 0.55 * mole[..., None]) + mole[..., None] * np.array([0.12, 0.06, 0.03])
    return np.clip(image, 0, 1).astype(np.float32)


def bands(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """QUALITY.md's fine and mid bands of the grey image, at ``IOD``."""
    grey = image @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    fine_blur = cv2.GaussianBlur(grey, (0, 0), IOD / 60)
    return grey - fine_blur, fine_blur - cv2.GaussianBlur(grey, (0, 0), IOD / 8)


def disc(size: int, centre: tuple[float, float], radius: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    return np.hypot(xx - centre[0], yy - centre[1]) <= radius

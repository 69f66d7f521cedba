"""Shared helpers for the tests that hold the product's promises (issue 21): real shared photos
spanning skin tones, and the protected features drawn here from the 68 landmarks alone, never
from the implementation's masks (a region dropped there must not vanish from the check too)."""

from __future__ import annotations

import functools
import os
from collections import OrderedDict

import cv2
import numpy as np

from tests.helpers.photos import face_photo, manifest

#: A handful of real photos spanning skin tones (MANIFEST.csv's notes), light to deep.
SKIN_TONES = {
    "human_stock-teen-6.jpg": "light skin, freckles",
    "deepface_img24.jpg": "medium-brown skin, glasses, beard",
    "face_recognition_obama1.jpg": "medium-dark skin",
    "insightface_inspireface_attribute_1423.jpg": "dark skin, small low-quality photo",
}

#: The protected features by dlib's 68-point numbering: (name, indices, drawn as).
FEATURES = (
    ("left eye", tuple(range(36, 42)), "hull"),
    ("right eye", tuple(range(42, 48)), "hull"),
    ("left brow", tuple(range(17, 22)), "hull"),
    ("right brow", tuple(range(22, 27)), "hull"),
    ("nostrils", tuple(range(30, 36)), "hull"),
    ("lips", tuple(range(48, 60)), "polygon"),
)


def faces_in_manifest(name: str) -> int:
    """How many faces MANIFEST.csv says photo ``name`` shows."""
    for row in manifest():
        if row["file"] == name:
            return int(row["faces"])
    raise KeyError(f"{name} is not in MANIFEST.csv")


def load_photo(name: str, max_pixels: float = 1e6) -> np.ndarray:
    """A shared test photo as float32 sRGB, area-downscaled to at most ``max_pixels``."""
    from studio.imaging import load

    pixels = load(face_photo(name)).pixels
    h, w = pixels.shape[:2]
    scale = min(1.0, (max_pixels / (h * w)) ** 0.5)
    if scale < 1:
        size = (round(w * scale), round(h * scale))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(np.clip(pixels, 0, 1), dtype=np.float32)


@functools.lru_cache(maxsize=48)  # at most every shared photo at 1 MP: ~0.6 GB
def _analysed(name: str, max_pixels: float, models: str | None) -> tuple[np.ndarray, object]:
    from studio.face import analyze

    pixels = load_photo(name, max_pixels)
    pixels.flags.writeable = False  # shared by every test that asks: none may change it
    return pixels, analyze(pixels)


def analysed_photo(name: str, max_pixels: float = 1e6) -> tuple[np.ndarray, object]:
    """``load_photo(name, max_pixels)`` and ``analyze`` of it, made once per test process: the
    promise sweeps analyse the same photos (the analysis of the same pixels is the same). The
    pixels are read-only; copy them to change them."""
    return _analysed(name, max_pixels, os.environ.get("LIKENESS_MODELS_DIR"))


def feature_mask(landmarks: np.ndarray, indices: tuple[int, ...], kind: str,
                 shape: tuple[int, ...]) -> np.ndarray:
    """Boolean (H, W): the feature's hull (or polygon, for the lips) of these landmarks, shrunk
    by 1 px so an antialiased edge pixel of the implementation's own mask is never counted."""
    points = np.asarray(landmarks, np.float64)[list(indices)].astype(np.float32)
    if kind == "hull":
        points = cv2.convexHull(points).reshape(-1, 2)
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32).reshape(-1, 1, 2)], 1)
    return cv2.erode(mask, np.ones((3, 3), np.uint8)) > 0


def feature_masks(landmarks: np.ndarray, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Every protected feature's mask (see ``feature_mask``), by name."""
    return {name: feature_mask(landmarks, idx, kind, shape) for name, idx, kind in FEATURES}


def fine_band_energy(image: np.ndarray, region: np.ndarray, iod: float) -> float:
    """Mean squared fine band (grey minus its Gaussian of IOD/60) over ``region``: the pores,
    freckles and fine creases smoothing must keep (QUALITY.md's definition, computed here)."""
    grey = image[..., :3] @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    sigma = max(iod / 60.0, 0.3)
    fine = grey - cv2.GaussianBlur(grey, (0, 0), sigma)
    return float(np.mean(fine[region] ** 2))


def clear_likeness_cache() -> None:
    """Forget every remembered face descriptor, so each likeness in a test is computed from
    the pixels it is given (a cache hit cannot stand in for a computation)."""
    from studio.face import likeness

    # Only the module's own caches of descriptors (its dicts named like caches), never its
    # imports or builtins.
    for name, value in vars(likeness).items():
        if not name.startswith("__") and type(value) in (dict, OrderedDict):
            value.clear()

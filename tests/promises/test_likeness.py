"""The likeness meter is calibrated: a blurred face is far, blurred eyes are far, a high-quality
JPEG re-save is near; and an edit's score comes from the edited pixels. Every distance here is
computed afresh (the descriptor cache is cleared first: a cache hit is not a measurement)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from studio.face import likeness_distance
from studio.render import Retoucher
from tests.helpers.promises import (
    analysed_photo,
    clear_likeness_cache,
    faces_in_manifest,
)

#: Real photos, light and medium-dark skin (MANIFEST.csv).
PHOTOS = ("deepface_img21.jpg", "face_recognition_obama1.jpg")


@pytest.fixture(scope="module")
def photos():
    out = {}
    for name in PHOTOS:
        pixels, analysis = analysed_photo(name)
        assert faces_in_manifest(name) == 1
        assert analysis.face() is not None, f"no face found on {name}"
        out[name] = (pixels, analysis)
    return out


def _distance(original: np.ndarray, edited: np.ndarray, face) -> float:
    clear_likeness_cache()
    distance = likeness_distance(original, edited, face)
    assert distance is not None
    return distance


def _region(face, shape, indices, grow_iod: float) -> np.ndarray:
    """Convex hull of these landmarks grown by ``grow_iod`` IOD, boolean (H, W)."""
    points = cv2.convexHull(face.landmarks[list(indices)].astype(np.float32))
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(points).astype(np.int32), 1)
    r = max(int(round(grow_iod * face.iod)), 1)
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)) > 0


def _blurred(pixels: np.ndarray, face, region: np.ndarray) -> np.ndarray:
    """``pixels`` with a Gaussian blur of 0.25 IOD inside ``region``."""
    blur = cv2.GaussianBlur(pixels, (0, 0), 0.25 * face.iod)
    return np.where(region[..., None], blur, pixels).astype(np.float32)


def _eyes(face, shape) -> np.ndarray:
    return _region(face, shape, range(36, 42), 0.15) | _region(face, shape, range(42, 48), 0.15)


@pytest.mark.parametrize("name", PHOTOS)
def test_a_blurred_face_is_far(photos, name):
    pixels, analysis = photos[name]
    face = analysis.face()
    blurred = _blurred(pixels, face, _region(face, pixels.shape, range(68), 0.1))
    distance = _distance(pixels, blurred, face)
    assert distance > 0.4, f"{name}: a 0.25 IOD blur over the face is only {distance:.3f} away"


@pytest.mark.parametrize("name", PHOTOS)
def test_blurred_eyes_are_far(photos, name):
    pixels, analysis = photos[name]
    face = analysis.face()
    distance = _distance(pixels, _blurred(pixels, face, _eyes(face, pixels.shape)), face)
    assert distance > 0.3, f"{name}: a 0.25 IOD blur over the eyes is only {distance:.3f} away"


@pytest.mark.parametrize("name", PHOTOS)
def test_a_high_quality_jpeg_resave_is_near(photos, name):
    pixels, analysis = photos[name]
    buffer = io.BytesIO()
    Image.fromarray(np.round(pixels * 255).astype(np.uint8)).save(buffer, "JPEG", quality=95)
    resaved = np.asarray(Image.open(buffer).convert("RGB"), np.float32) / 255.0
    distance = _distance(pixels, resaved, analysis.face())
    assert distance < 0.05, f"{name}: a JPEG q95 re-save is {distance:.3f} away"


def test_a_photo_is_at_zero_distance_from_an_uncached_copy_of_itself(photos):
    pixels, analysis = photos[PHOTOS[0]]
    assert _distance(pixels, pixels.copy(), analysis.face()) == pytest.approx(0.0, abs=1e-6)


def test_the_score_of_an_edit_is_computed_from_the_edited_pixels(photos):
    """Only the edited image changes between the two measurements: the score must move."""
    pixels, analysis = photos[PHOTOS[0]]
    face = analysis.face()
    edited = Retoucher(pixels, analysis).render({"smooth": 0.5, "face_light": 0.3})
    assert not np.array_equal(edited, pixels)
    near = _distance(pixels, edited, face)
    assert near < 0.15, f"a gentle edit is {near:.3f} away"
    worse = _blurred(edited, face, _eyes(face, pixels.shape))
    far = _distance(pixels, worse, face)
    assert far > near + 0.2, f"blurring the edit's eyes moved the score {near:.3f} -> {far:.3f}"
    assert _distance(pixels, edited, face) == pytest.approx(near, abs=1e-9)  # and moves back

"""The face mesh as the landmark source: dlib's 68-point numbering, tilted faces, the fallback."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.face import analyze, detect, mesh, models
from studio.face.types import Face
from studio.imaging import load
from tests.helpers.photos import face_photo, require_photos

#: Frontal faces of different skin tones, sizes and lighting.
FRONTAL = ("human_stock-teen-6.jpg", "face_recognition_obama1.jpg",
           "facenet-pytorch_paul_rudd_1.jpg", "deepface_img21.jpg")


@pytest.fixture(scope="module")
def frontal():
    require_photos()
    out = {}
    for name in FRONTAL:
        pixels = load(face_photo(name)).pixels
        out[name] = (pixels, analyze(pixels).face())
    return out


def _iod_errors(a: np.ndarray, b: np.ndarray, face: Face) -> np.ndarray:
    return np.hypot(*(np.asarray(a, np.float64) - b).T) / face.iod


@pytest.mark.parametrize("name", FRONTAL)
def test_mesh_points_keep_dlibs_numbering(frontal, name):
    """Each of the 68 points means what dlib's point means (a wrong vertex in the table would be
    a fifth of the face away): every group within a few percent of the face's width of dlib's."""
    pixels, face = frontal[name]
    dlib68 = detect.dlib_landmarks_in_box(pixels, face.box)
    errors = _iod_errors(face.landmarks, dlib68, face)
    groups = {"jaw": slice(0, 17), "brows": slice(17, 27), "nose": slice(27, 36),
              "eyes": slice(36, 48), "lips": slice(48, 68)}
    for group, where in groups.items():
        assert np.median(errors[where]) < 0.12, (group, errors[where].round(3))
    assert errors.max() < 0.3, errors.round(3)
    # the eye centres (the IOD, the likeness chip's alignment) agree closely
    assert face.iod == pytest.approx(Face(face.box, dlib68).iod, rel=0.06)


def test_mesh_follows_a_tilted_face(frontal):
    """A face turned 30 degrees in the frame gets the same landmarks, turned with it."""
    pixels, face = frontal["human_stock-teen-6.jpg"]
    cx, cy = face.landmarks[27:36].mean(axis=0)
    turn = cv2.getRotationMatrix2D((float(cx), float(cy)), 30.0, 1.0)
    h, w = pixels.shape[:2]
    tilted = cv2.warpAffine(np.ascontiguousarray(pixels), turn, (w, h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)
    expected = face.landmarks.astype(np.float64) @ turn[:, :2].T + turn[:, 2]
    # the detector's box on a tilted face: the upright box around the turned landmarks
    (x0, y0), (x1, y1) = expected[17:].min(axis=0), expected[17:].max(axis=0)
    found = detect.landmarks_in_box(tilted, (x0, y0, x1, y1))
    errors = _iod_errors(found, expected, face)
    assert np.median(errors) < 0.03, errors.round(3)
    assert np.median(errors[36:48]) < 0.03  # the eyes, which align the likeness chip


def test_without_the_mesh_model_dlib_stands_in_and_says_so_once(frontal, tmp_path, monkeypatch, capsys):
    pixels, face = frontal["face_recognition_obama1.jpg"]
    monkeypatch.setenv("LIKENESS_MODELS_DIR", str(tmp_path / "no-models"))
    models.forget()
    try:
        assert not mesh.available()
        first = detect.landmarks_in_box(pixels, face.box)
        second = detect.landmarks_in_box(pixels, face.box)
    finally:
        models.forget()
    np.testing.assert_array_equal(first, detect.dlib_landmarks_in_box(pixels, face.box))
    np.testing.assert_array_equal(first, second)
    err = capsys.readouterr().err
    assert err.count("not installed") == 1, err
    assert "68-point model" in err and "make models" in err
    assert len(err.strip().splitlines()) == 1


def test_an_analysis_made_without_the_mesh_is_not_reused_once_it_is_installed(tmp_path, monkeypatch):
    """A photo opened before ``make models`` (dlib's 68 points, cached by the file's bytes) gets
    the mesh's landmarks when opened again with the models installed, not the cached ones."""
    require_photos()
    photo = load(face_photo("face_recognition_obama1.jpg"))
    detect.clear_memory_cache()
    monkeypatch.setenv("LIKENESS_MODELS_DIR", str(tmp_path / "no-models"))
    models.forget()
    try:
        without = detect.analyze_photo(photo).face()
    finally:
        monkeypatch.delenv("LIKENESS_MODELS_DIR")
        models.forget()
    detect.clear_memory_cache()
    with_mesh = detect.analyze_photo(photo).face()
    # an analysis is stored rounded to 0.01 px (its box too)
    np.testing.assert_allclose(without.landmarks, detect.dlib_landmarks_in_box(photo.pixels, without.box),
                               atol=0.05)
    np.testing.assert_allclose(with_mesh.landmarks, mesh.landmarks_in_box(photo.pixels, with_mesh.box),
                               atol=0.05)
    assert np.abs(with_mesh.landmarks - without.landmarks).max() > 1.0


def test_mesh_works_on_grey_and_uint8_photos(frontal):
    pixels, face = frontal["face_recognition_obama1.jpg"]
    as_uint8 = detect.to_uint8(pixels)
    grey = cv2.cvtColor(as_uint8, cv2.COLOR_RGB2GRAY)
    from_uint8 = detect.landmarks_in_box(as_uint8, face.box)
    from_grey = detect.landmarks_in_box(grey, face.box)
    assert np.median(_iod_errors(from_uint8, face.landmarks, face)) < 0.01
    assert np.median(_iod_errors(from_grey, face.landmarks, face)) < 0.05

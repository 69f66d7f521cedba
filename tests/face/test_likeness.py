"""The likeness check measures a big face at its working scale, not at full size, and gives
the same score as measuring at full size."""

from __future__ import annotations

import numpy as np
import pytest

from studio.face import analyze_photo, likeness_distance
from studio.face import likeness as likeness_module
from studio.imaging import load
from studio.render import render_photo
from studio.session import load_look
from tests.helpers.photos import face_photo

#: Shared photos whose faces are big enough to be shrunk first.
BIG_FACES = ("deepface_img3.jpg", "facenet-pytorch_paul_rudd_1.jpg", "deepface_img40.jpg")


def _landmark_span(face) -> float:
    return float(max(np.ptp(face.landmarks[:, 0]), np.ptp(face.landmarks[:, 1])))


@pytest.mark.parametrize("name", BIG_FACES)
def test_big_face_scores_the_same_at_its_working_scale(name, monkeypatch):
    photo = load(face_photo(name))
    analysis = analyze_photo(photo)
    face = analysis.face()
    # the face really is measured on a shrunk region
    assert _landmark_span(face) >= 2 * likeness_module._WORK_SPAN
    edited = render_photo(photo.pixels, analysis, load_look("linkedin").sliders)
    working = likeness_distance(photo.pixels, edited, face)
    monkeypatch.setattr(likeness_module, "_WORK_SPAN", 1e9)  # the chip cut at full size
    full = likeness_distance(photo.pixels, edited, face)
    # 0.01 is 1.7 points of the percent users see, and a third of the measure's own noise:
    # at full size, the unedited photo moved by one pixel scores 0.029 from itself (Paul Rudd).
    assert abs(working - full) < 0.01
    assert likeness_distance(photo.pixels, photo.pixels, face) == 0.0


class _CountingModel:
    """dlib's recognition model stand-in: a descriptor read off the chip's pixels (a different
    chip gives a different one), each computation counted."""

    def __init__(self):
        self.computed = 0

    def compute_face_descriptor(self, chip):
        self.computed += 1
        return np.resize(np.asarray(chip, np.float64).mean(axis=(0, 1)) + chip[75, 75], 128)


def _crop(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A uint8 crop of random pixels and 68 landmarks spread over its middle."""
    rng = np.random.default_rng(seed)
    crop = rng.integers(0, 256, (220, 200, 3), dtype=np.uint8)
    points = np.stack([np.linspace(50, 150, 68), 60 + 100 * np.abs(np.sin(np.arange(68)))], axis=1)
    return crop, points.astype(np.float64)


def test_a_measure_made_before_is_remembered_and_a_new_edit_is_measured(monkeypatch):
    """A studio session measures the same faces again and again (a photo opened again makes its
    look thumbnails again, an undo goes back to an edit already measured): each descriptor is
    computed once, even after a hundred other measures; a crop with other pixels (an edit:
    same size, same landmarks) is measured anew, never answered from memory."""
    model = _CountingModel()
    monkeypatch.setattr(likeness_module, "recognition_model", lambda: model)
    likeness_module._recent.clear()
    first_crop, points = _crop(0)
    first = likeness_module._descriptor(first_crop, points)
    others = [likeness_module._descriptor(*_crop(seed)) for seed in range(1, 150)]
    assert model.computed == 150
    assert all(not np.array_equal(first, other) for other in others)
    assert np.array_equal(likeness_module._descriptor(first_crop, points), first)
    assert model.computed == 150  # from memory
    edited = first_crop.copy()
    edited[60:160, 50:150] //= 2  # the face's pixels changed, nothing else
    assert not np.array_equal(likeness_module._descriptor(edited, points), first)
    assert model.computed == 151
    likeness_module._recent.clear()

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

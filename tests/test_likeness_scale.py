"""The likeness check measures a big face at its working scale, not at full size, and gives
the same score as measuring at full size."""

from __future__ import annotations

import numpy as np
import pytest

from studio.face import analyze_photo, face_descriptor, likeness_distance
from studio.face.likeness import _work_block, relocate
from studio.imaging import load
from studio.render import render_photo
from studio.session import load_look

try:
    from tests.conftest import face_photo
except ImportError:  # pragma: no cover - tests run as a plain folder
    from conftest import face_photo

#: Shared photos whose faces are big enough to be shrunk first (by 2, 3 and 4).
BIG_FACES = ("deepface_img3.jpg", "facenet-pytorch_paul_rudd_1.jpg", "deepface_img40.jpg")


def _full_size_distance(original: np.ndarray, edited: np.ndarray, face) -> float:
    """The score as measured before: landmarks and chip cut from the full-size photos."""
    before = face_descriptor(original, relocate(face, original))
    after = face_descriptor(edited, relocate(face, edited))
    return float(np.linalg.norm(before - after))


@pytest.mark.parametrize("name", BIG_FACES)
def test_big_face_scores_the_same_at_its_working_scale(name):
    photo = load(face_photo(name))
    analysis = analyze_photo(photo)
    face = analysis.face()
    assert _work_block(face) >= 2  # the face really is measured on a shrunk region
    edited = render_photo(photo.pixels, analysis, load_look("linkedin").sliders)
    full = _full_size_distance(photo.pixels, edited, face)
    # 0.01 is 1.7 points of the percent users see, and a third of the measure's own noise:
    # at full size, the unedited photo moved by one pixel scores 0.029 from itself (Paul Rudd).
    assert abs(likeness_distance(photo.pixels, edited, face) - full) < 0.01
    assert likeness_distance(photo.pixels, photo.pixels, face) == 0.0

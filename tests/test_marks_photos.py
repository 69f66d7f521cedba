"""Marks on real photos: suggestions, and the same result at proxy and full resolution."""

from __future__ import annotations

import pytest
from conftest import face_photo

from studio.edits.layers import PhotoLayers
from studio.edits.marks import mask
from studio.edits.suggest import suggest_marks


@pytest.fixture(scope="module")
def rudd():
    from studio.face import analyze_photo
    from studio.imaging import load

    photo = load(face_photo("facenet-pytorch_paul_rudd_1.jpg"))
    return photo, analyze_photo(photo)


def test_suggested_marks_lie_on_the_skin_away_from_the_features(rudd):
    photo, analysis = rudd
    layers = PhotoLayers(photo.pixels, analysis.face(None))
    marks = suggest_marks(layers)
    heals = [m for m in marks if m.kind == "heal"]
    assert heals, "the blemish detector's red spots are proposed for healing"
    roi = layers.roi
    origin = (roi[0].start, roi[1].start)
    for mark in marks:
        centre = mask([type(mark)(mark.kind, mark.points, 1.0)], layers.shape, origin) == 1
        assert (layers.skin_area[centre] > 0).all(), mark
        assert (layers.protected[centre] == 0).all(), mark

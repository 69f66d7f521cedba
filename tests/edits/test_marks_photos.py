"""Marks on real photos: suggestions, and the same result at proxy and full resolution."""

from __future__ import annotations

import pytest

from studio.edits.marks import mask
from studio.edits.suggest import suggest_marks
from studio.face.layers import PhotoLayers
from tests.helpers.photos import face_photo


@pytest.fixture(scope="module")
def rudd():
    from studio.face import analyze_photo
    from studio.imaging import load

    photo = load(face_photo("facenet-pytorch_paul_rudd_1.jpg"))
    return photo, analyze_photo(photo)


def test_suggested_marks_lie_on_the_skin_away_from_the_features(rudd):
    import numpy as np

    from tests.edits.test_suggest import MM, _paint

    photo, analysis = rudd
    face = analysis.face(None)
    lm = face.landmarks
    pixels = photo.pixels.copy()
    rng = np.random.default_rng(0)
    # a red spot on one cheek and a dark mole on the other
    _paint(pixels, tuple(lm[36] * 0.45 + lm[48] * 0.55), 4 * MM * face.iod, "heal", rng)
    _paint(pixels, tuple(lm[45] * 0.45 + lm[54] * 0.55), 3 * MM * face.iod, "keep", rng)
    layers = PhotoLayers(pixels, face)
    marks = suggest_marks(layers)
    assert {m.kind for m in marks} == {"heal", "keep"}, marks
    roi = layers.roi
    origin = (roi[0].start, roi[1].start)
    for mark in marks:
        centre = mask([type(mark)(mark.kind, mark.points, 1.0)], layers.shape, origin) == 1
        assert (layers.skin_area[centre] > 0).all(), mark
        assert (layers.protected[centre] == 0).all(), mark


SLIDERS = {"smooth": 0.6, "blemish": 0.5, "shine": 0.5, "face_light": 0.3}


@pytest.mark.parametrize(
    "name",
    ["facenet-pytorch_paul_rudd_1.jpg", "deepface_img1.jpg", "human_stock-teen-6.jpg"],
)
def test_marks_give_the_same_result_at_proxy_and_full_resolution(name):
    import cv2
    import numpy as np

    from studio.edits.heal import with_source
    from studio.edits.marks import Mark, scaled
    from studio.face import analyze_photo
    from studio.imaging import load
    from studio.render import proxy_of, render_photo

    photo = load(face_photo(name))
    analysis = analyze_photo(photo)
    face = analysis.face(None)
    lm = face.landmarks
    # The suggested marks (as the studio proposes them), plus one heal and one keep mark
    # on each cheek, each healed from a donor chosen on the full photo (as the studio does).
    marks = suggest_marks(PhotoLayers(photo.pixels, face)) + (
        Mark("heal", (tuple(map(float, lm[36] * 0.45 + lm[48] * 0.55)),), face.iod / 25),
        Mark("keep", (tuple(map(float, lm[45] * 0.45 + lm[54] * 0.55)),), face.iod / 25),
    )
    marks = tuple(with_source(photo.pixels, m) for m in marks)
    full = render_photo(photo.pixels, analysis, SLIDERS, marks=marks)
    h, w = photo.pixels.shape[:2]
    proxy, proxy_analysis, factor = proxy_of(photo.pixels, analysis, max_pixels=h * w // 4)
    small = render_photo(proxy, proxy_analysis, SLIDERS, marks=scaled(marks, factor))
    down = cv2.resize(full, (proxy.shape[1], proxy.shape[0]), interpolation=cv2.INTER_AREA)
    for kind in ("heal", "keep"):
        inside = mask([m for m in scaled(marks, factor) if m.kind == kind], proxy.shape[:2]) == 1
        assert inside.sum() > 20
        mse = float(((down[inside] - small[inside]) ** 2).mean())
        assert 10 * np.log10(1 / mse) >= 40, kind

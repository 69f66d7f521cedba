"""Every built-in look meets docs/quality.md's "every built-in look" column on 6 real photos
(light to deep skin, glasses and beard, freckles, an older face): fine band kept >= 0.90
(pores and freckles stay) and likeness distance <= 0.08.

Photos are downscaled to a 900 px long edge for speed; the figures are those of
``studio.render.quality`` (docs/quality.md's definitions: fine band = grey minus Gaussian at
sigma IOD/60, energy in the docs/quality.md skin mask after / before). Run with ``-s`` to print
the table for the notes.
"""

from __future__ import annotations

import pytest

from studio import imaging
from studio.face import analyze
from studio.imaging.filters import resize
from studio.render import render_photo
from studio.render.quality import figures
from studio.session import BUILTIN_LOOKS, load_look
from tests.helpers.photos import face_photo

pytestmark = pytest.mark.slow

#: Light to deep skin tones, glasses + beard, freckles, an older bearded face.
PHOTOS = (
    "deepface_img2.jpg",  # light skin, woman
    "deepface_img24.jpg",  # medium-brown skin, glasses, short beard
    "face_recognition_obama1.jpg",  # medium-dark skin
    "insightface_inspireface_attribute_1423.jpg",  # dark skin, outdoor
    "human_stock-teen-6.jpg",  # freckles
    "deepface_img40.jpg",  # older man, full grey beard
)
LONG_EDGE = 900
FINE_KEPT_MIN, LIKENESS_MAX = 0.90, 0.08


@pytest.fixture(scope="module")
def photos():
    out = []
    for name in PHOTOS:
        photo = imaging.load(face_photo(name))
        scale = min(1.0, LONG_EDGE / max(photo.width, photo.height))
        pixels = (
            photo.pixels
            if scale == 1.0
            else resize(photo.pixels, (round(photo.width * scale), round(photo.height * scale)))
        )
        analysis = analyze(pixels)
        assert analysis.face() is not None, f"no face found in {name}"
        out.append((name, pixels, analysis))
    return out


@pytest.mark.parametrize("key", BUILTIN_LOOKS)
def test_every_look_keeps_pores_and_likeness_on_real_photos(photos, key):
    sliders = load_look(key).sliders
    failures = []
    print(f"\n{key}: photo, fine band kept, likeness distance")
    for name, pixels, analysis in photos:
        face = analysis.face()
        result = figures(pixels, render_photo(pixels, analysis, sliders), face)
        print(f"  {name:45s} {result.fine_kept:6.3f} {result.likeness_distance:6.3f}")
        if result.fine_kept < FINE_KEPT_MIN:
            failures.append(f"{name}: fine band kept {result.fine_kept:.3f} < {FINE_KEPT_MIN}")
        if result.likeness_distance is None or result.likeness_distance > LIKENESS_MAX:
            failures.append(
                f"{name}: likeness distance {result.likeness_distance} > {LIKENESS_MAX}"
            )
    assert not failures, f"look '{key}' misses docs/quality.md targets: " + "; ".join(failures)

"""``studio.service.retouch``: the retouch service's render names what it returns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from studio.face import analyze_photo
from studio.face.types import FaceAnalysis
from studio.imaging.sample import sample_photo
from studio.render.everyone import lowest_likeness
from studio.service.retouch import Retouched, render_retouch


@pytest.fixture(scope="module")
def astronaut():
    photo = sample_photo()
    return photo, analyze_photo(photo)


def test_the_render_names_its_pixels_and_likeness(astronaut):
    photo, analysis = astronaut
    retouched = render_retouch(photo.pixels, analysis, {"smooth": 0.8}, [analysis.primary])
    assert isinstance(retouched, Retouched)
    assert retouched.pixels.shape == photo.pixels.shape
    assert not np.array_equal(retouched.pixels, photo.pixels)  # the skin was smoothed
    measured = lowest_likeness(photo.pixels, retouched.pixels, analysis, [analysis.primary])
    assert retouched.likeness_percent == measured.percent
    assert 0 < retouched.likeness_percent < 100
    assert retouched.likeness_face is None  # one face: nobody to name
    with pytest.raises(dataclasses.FrozenInstanceError):
        retouched.likeness_percent = 100.0  # type: ignore[misc]


def test_without_a_face_the_likeness_is_not_measured(astronaut):
    photo, _ = astronaut
    nobody = FaceAnalysis(width=photo.width, height=photo.height)
    retouched = render_retouch(photo.pixels, nobody, {"bg_light": 0.3}, [])
    assert retouched.likeness_percent is None and retouched.likeness_face is None
    assert retouched.pixels.shape == photo.pixels.shape

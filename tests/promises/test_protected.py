"""The promise: eyes, brows, nostrils and lips are never smoothed or relit. Checked on real
photos of light to dark skin, with every skin and light edit at its maximum, against features
drawn here from the 68 landmarks (not the implementation's masks): bit-identical inside them."""

from __future__ import annotations

import numpy as np
import pytest

from studio.render import Retoucher
from tests.helpers.promises import (
    SKIN_TONES,
    analysed_photo,
    faces_in_manifest,
    feature_masks,
)

#: Every skin and light edit at its maximum, alone and all together (face_light both ways).
EDITS = {
    "smooth": {"smooth": 1.0},
    "blemish": {"blemish": 1.0},
    "shine": {"shine": 1.0},
    "face_light+": {"face_light": 1.0},
    "face_light-": {"face_light": -1.0},
    "shadows": {"shadows": 1.0},
    "all": {"smooth": 1.0, "blemish": 1.0, "shine": 1.0, "face_light": 1.0, "shadows": 1.0},
}


@pytest.fixture(scope="module")
def photos():
    """name -> (pixels, face, Retoucher): each photo analysed once for this module."""

    out = {}
    for name in SKIN_TONES:
        pixels, analysis = analysed_photo(name)
        face = analysis.face()
        assert faces_in_manifest(name) >= 1
        assert face is not None, f"no face found on {name}, which MANIFEST.csv says shows one"
        out[name] = (pixels, face, Retoucher(pixels, analysis))
    return out


@pytest.mark.parametrize("name", list(SKIN_TONES))
@pytest.mark.parametrize("edit", list(EDITS))
def test_protected_features_are_bit_identical(photos, name, edit):
    pixels, face, retoucher = photos[name]
    edited = retoucher.render(EDITS[edit])
    for feature, mask in feature_masks(face.landmarks, pixels.shape).items():
        assert mask.sum() >= 20, f"{name}: the {feature} mask is too small to test"
        changed = np.abs(edited[mask] - pixels[mask]).max() * 255
        assert changed == 0, f"{edit} on {name} changed the {feature} by {changed:.3f}/255"


@pytest.mark.parametrize("name", list(SKIN_TONES))
def test_the_edits_do_act_around_the_features(photos, name):
    """The check above could pass on an edit that does nothing: all the edits together must
    change the face around the features (the skin between them) by a visible amount."""
    pixels, face, retoucher = photos[name]
    edited = retoucher.render(EDITS["all"])
    features = np.zeros(pixels.shape[:2], bool)
    for mask in feature_masks(face.landmarks, pixels.shape).values():
        features |= mask
    x0, y0, x1, y1 = (int(v) for v in face.box)
    around = np.zeros_like(features)
    around[max(y0, 0):y1, max(x0, 0):x1] = True
    around &= ~features
    change = np.abs(edited - pixels).max(axis=2)[around] * 255
    assert np.mean(change >= 1) > 0.2, f"{name}: the edits barely changed the face"


#: The background edits at their maximum: they act on the background's share of each pixel,
#: and README promises the face is left bit for bit.
BACKGROUND = {
    "bg_blur": {"bg_blur": 1.0},
    "bg_light+": {"bg_light": 1.0},
    "bg_light-": {"bg_light": -1.0},
    "bg_desaturate": {"bg_desaturate": 1.0},
    "backdrop": {"backdrop": "#f2f2f2"},
}


@pytest.mark.parametrize("name", SKIN_TONES)
def test_background_edits_leave_the_protected_features(photos, name):
    pixels, face, retoucher = photos[name]
    masks = feature_masks(face.landmarks, pixels.shape)
    for edit, sliders in BACKGROUND.items():
        edited = retoucher.render(sliders)
        for feature, mask in masks.items():
            changed = np.abs(edited[mask] - pixels[mask]).max() * 255
            assert changed == 0, f"{edit} on {name} changed the {feature} by {changed:.2f}/255"

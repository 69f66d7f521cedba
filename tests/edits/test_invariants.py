"""Invariants every edit keeps, on the sample portrait (real detection) and a synthetic one:
strength 0 is the input bit for bit; nothing changes outside the edit's mask; skin edits leave
everything off the head bit-identical; skin and light edits never touch protected features."""

from __future__ import annotations

import numpy as np
import pytest

from studio.edits.sliders import SLIDERS
from studio.render import Retoucher
from studio.render.quality import head_mask

SKIN_EDITS = ("smooth", "blemish", "shine")
LIGHT_EDITS = ("face_light", "shadows", "under_eye")
FACE_EDITS = SKIN_EDITS + LIGHT_EDITS + ("eyes", "teeth")
#: The strongest value of every numeric slider (face_light both ways).
STRONG = {
    "smooth": 1.0,
    "blemish": 1.0,
    "shine": 1.0,
    "face_light": 1.0,
    "shadows": 1.0,
    "under_eye": 1.0,
    "warmth": 1.0,
    "eyes": 1.0,
    "teeth": 1.0,
    "bg_blur": 1.0,
    "bg_light": 1.0,
    "bg_desaturate": 1.0,
}


@pytest.fixture(scope="module")
def sample():
    from studio.face import analyze
    from studio.imaging.sample import sample_photo

    pixels = sample_photo().pixels
    analysis = analyze(pixels)
    assert analysis.face() is not None, "the sample portrait must have a face"
    return pixels, analysis, Retoucher(pixels, analysis)


@pytest.fixture(scope="module")
def synthetic():
    from tests.render.test_synthetic import synthetic_portrait

    pixels, analysis = synthetic_portrait()
    return pixels, analysis, Retoucher(pixels, analysis)


@pytest.fixture(params=["sample", "synthetic"])
def photo(request):
    return request.getfixturevalue(request.param)


def test_all_neutral_returns_the_input_bits(photo):
    pixels, _, r = photo
    assert np.array_equal(r.render({}), pixels)
    neutral = {s.key: s.neutral for s in SLIDERS}
    out = r.render(neutral)
    assert out.dtype == np.float32 and np.array_equal(out, pixels)


@pytest.mark.parametrize("key", [s.key for s in SLIDERS if s.kind == "number"])
def test_strength_zero_is_identity_and_nonzero_changes(photo, key):
    pixels, _, r = photo
    assert np.array_equal(r.render({key: 0.0}), pixels)
    assert not np.array_equal(r.render({key: STRONG[key]}), pixels), f"{key}=max changed nothing"


@pytest.mark.parametrize("key", list(STRONG))
def test_same_input_same_bits(photo, key):
    pixels, analysis, r = photo
    a = r.render({key: STRONG[key]})
    b = Retoucher(pixels.copy(), analysis).render({key: STRONG[key]})
    assert np.array_equal(a, b)


@pytest.mark.parametrize("key", SKIN_EDITS)
def test_skin_edits_stay_on_the_skin(photo, key):
    pixels, analysis, r = photo
    out = r.render({key: 1.0})
    changed = np.any(out != pixels, axis=2)
    masks = r.masks()
    assert not np.any(changed & (masks["skin"] == 0)), f"{key} changed pixels off the skin mask"
    outside_head = ~head_mask(analysis.face(), pixels.shape)
    assert not np.any(changed & outside_head), f"{key} changed pixels off the head"
    assert not np.any(changed & (masks["protected"] > 0)), f"{key} touched protected features"


@pytest.mark.parametrize("key,value", [("face_light", 1.0), ("face_light", -1.0), ("shadows", 1.0), ("shadows", -1.0)])
def test_light_edits_stay_on_face_and_neck_and_off_protected(photo, key, value):
    pixels, _, r = photo
    out = r.render({key: value})
    changed = np.any(out != pixels, axis=2)
    masks = r.masks()
    assert not np.any(changed & (masks["face"] == 0)), f"{key} changed pixels off its mask"
    assert not np.any(changed & (masks["protected"] > 0)), f"{key} touched protected features"


def _region(analysis, shape, *names):
    from studio.face import region_mask

    face = analysis.face()
    return np.maximum.reduce([region_mask(face, n, shape) for n in names]) > 0


def test_eyes_change_only_the_eyes(photo):
    pixels, analysis, r = photo
    changed = np.any(r.render({"eyes": 1.0}) != pixels, axis=2)
    assert changed.any()
    assert not np.any(changed & ~_region(analysis, pixels.shape, "left_eye", "right_eye"))


def test_teeth_change_only_inside_the_mouth(photo):
    pixels, analysis, r = photo
    changed = np.any(r.render({"teeth": 1.0}) != pixels, axis=2)
    assert not np.any(changed & ~_region(analysis, pixels.shape, "inner_mouth"))
    assert not np.any(
        changed
        & _region(analysis, pixels.shape, "lips")
        & ~_region(analysis, pixels.shape, "inner_mouth")
    )


@pytest.mark.parametrize("key", ["bg_blur", "bg_light", "bg_desaturate", "backdrop"])
def test_background_edits_leave_the_face_centre(photo, key):
    from studio.face import face_hull_mask

    pixels, analysis, r = photo
    value = "#f0f0f0" if key == "backdrop" else 1.0
    out = r.render({key: value})
    assert not np.array_equal(out, pixels)
    hull = face_hull_mask(analysis.face(), pixels.shape) > 0.99
    centre = hull & (r.masks()["background"] == 0)
    assert centre.sum() > 0.5 * hull.sum()
    assert np.array_equal(out[centre], pixels[centre])


def test_warmth_is_a_whole_photo_white_balance(photo):
    pixels, _, r = photo
    warmer = r.render({"warmth": 0.5})
    cooler = r.render({"warmth": -0.5})
    # Red up and blue down over the whole photo (and the reverse), luminance about kept.
    assert warmer[..., 0].mean() > pixels[..., 0].mean() > cooler[..., 0].mean()
    assert warmer[..., 2].mean() < pixels[..., 2].mean() < cooler[..., 2].mean()


def test_no_face_face_edits_do_nothing_background_and_warmth_still_work():
    from studio.face.types import FaceAnalysis
    from tests.render.test_synthetic import synthetic_portrait

    pixels, _ = synthetic_portrait(seed=3)
    r = Retoucher(pixels, FaceAnalysis(width=pixels.shape[1], height=pixels.shape[0]))
    for key in FACE_EDITS:
        assert np.array_equal(r.render({key: 1.0}), pixels), key
    assert not np.array_equal(r.render({"warmth": 0.5}), pixels)
    assert not np.array_equal(r.render({"bg_light": 0.5}), pixels)
    assert set(r.masks()) == {"skin", "protected", "face", "background"}
    assert not r.masks()["skin"].any()


def test_bad_slider_values_are_named():
    from studio.errors import LikenessError
    from tests.render.test_synthetic import synthetic_portrait

    pixels, analysis = synthetic_portrait(texture=False)
    r = Retoucher(pixels, analysis)
    with pytest.raises(LikenessError, match="smooth"):
        r.render({"smooth": 2.0})
    with pytest.raises(LikenessError, match="sparkle"):
        r.render({"sparkle": 1.0})
    with pytest.raises(LikenessError, match="face number 3"):
        Retoucher(pixels, analysis, face_index=3)

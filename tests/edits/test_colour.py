"""Warmth keeps every skin tone natural; eyes and teeth stay within their caps."""

from __future__ import annotations

import numpy as np
import pytest

from studio.edits import eyes, teeth, warmth
from studio.edits.protocol import Region
from studio.imaging.colour import lab_to_rgb, rgb_to_lab

#: Typical skin colours (L*, a*, b*): deep, medium-dark, medium, light, pale.
SKIN_TONES = {
    "deep": (32.0, 12.0, 16.0),
    "medium-dark": (45.0, 14.0, 22.0),
    "medium": (58.0, 14.0, 21.0),
    "light": (68.0, 13.0, 17.0),
    "pale": (78.0, 9.0, 11.0),
}


def _chroma_hue(lab):
    return float(np.hypot(lab[1], lab[2])), float(np.degrees(np.arctan2(lab[2], lab[1])))


def _shift(lab, strength):
    skin = np.array(lab, np.float32)
    rgb = lab_to_rgb(skin.reshape(1, 1, 3))
    out = warmth.process(Region(rgb, warmth.Prepared.for_skin(skin)), warmth.Params(strength))
    return rgb_to_lab(out).reshape(3)


@pytest.mark.parametrize("tone", list(SKIN_TONES))
def test_warmer_never_turns_skin_orange(tone):
    lab = np.array(SKIN_TONES[tone], np.float32)
    c0, h0 = _chroma_hue(lab)
    c1, h1 = _chroma_hue(_shift(lab, 1.0))
    assert c1 > c0, "warmer did nothing"
    # Deep skin may gain only a little chroma; none goes past the hue range of real skin.
    allowed = 2.0 + 6.0 * float(np.clip((lab[0] - 30) / 45, 0, 1)) + 0.3
    assert c1 - c0 <= allowed, f"{tone}: chroma {c0:.1f} -> {c1:.1f}"
    assert h1 <= max(h0, warmth.SKIN_HUE_MAX) + 0.5


@pytest.mark.parametrize("tone", list(SKIN_TONES))
def test_cooler_never_greys_skin(tone):
    lab = np.array(SKIN_TONES[tone], np.float32)
    c0, h0 = _chroma_hue(lab)
    c1, _ = _chroma_hue(_shift(lab, -1.0))
    assert c1 < c0, "cooler did nothing"
    assert c1 >= 0.75 * c0 - 0.3, f"{tone}: chroma {c0:.1f} -> {c1:.1f}"


def test_warmth_without_a_face_is_a_plain_white_balance():
    grey = np.full((4, 4, 3), 0.5, np.float32)
    out = warmth.process(Region(grey, warmth.Prepared(skin_lab=None)), warmth.Params(1.0))
    assert out[..., 0].mean() > 0.5 > out[..., 2].mean()
    # The skin-aware limit only ever weakens the shift, never strengthens it.
    for tone in SKIN_TONES.values():
        used = warmth.skin_aware_strength(1.0, np.array(tone, np.float32))
        assert 0 < used <= 1.0


def _eye_prepared(light: np.ndarray, sclera: np.ndarray) -> eyes.Prepared:
    lab = np.zeros(light.shape + (3,), np.float32)
    lab[..., 0] = light
    lab[..., 1] = 3.0
    lab[..., 2] = 4.0
    from studio.imaging.filters import gaussian

    detail = gaussian(light, 0.5) - gaussian(light, 4.0)
    box = (slice(0, light.shape[0]), slice(0, light.shape[1]))
    return eyes.Prepared(
        box=box,
        mask=np.ones(light.shape, np.float32),
        lab=lab,
        detail=detail.astype(np.float32),
        sclera=sclera.astype(np.float32),
    )


def test_eye_whites_never_pass_L92_and_keep_their_shading():
    # A sclera shaded from L* 80 to 91 across, with an iris disc in the middle.
    h, w = 30, 60
    light = np.tile(np.linspace(80, 91, w, dtype=np.float32), (h, 1))
    yy, xx = np.mgrid[:h, :w]
    iris = (xx - 30) ** 2 + (yy - 15) ** 2 < 64
    light[iris] = 35.0
    prepared = _eye_prepared(light, (~iris).astype(np.float32))
    image = lab_to_rgb(prepared.lab)
    out = rgb_to_lab(eyes.process(Region(image, prepared), eyes.Params(1.0)))
    white = ~iris & ((xx - 30) ** 2 + (yy - 15) ** 2 > 200)
    assert out[..., 0][white].max() <= 92.0 + 0.3
    assert out[..., 0][white].mean() > light[white].mean() + 0.5, "the whites were not lifted"
    # Shading kept: the left-to-right gradient of the whites is still there.
    left, right = out[..., 0][white & (xx < 12)].mean(), out[..., 0][white & (xx > 48)].mean()
    assert right - left > 0.6 * (91 - 80) * 0.8


def test_teeth_caps():
    h, w = 20, 40
    lab = np.zeros((h, w, 3), np.float32)
    lab[..., 0] = np.linspace(55, 78, w, dtype=np.float32)
    lab[..., 1] = 2.0
    lab[..., 2] = 24.0  # yellow
    box = (slice(0, h), slice(0, w))
    prepared = teeth.Prepared(box=box, mask=np.ones((h, w), np.float32), lab=lab, sclera_light=75.0)
    image = lab_to_rgb(lab)
    lab_in = rgb_to_lab(image)
    out = rgb_to_lab(teeth.process(Region(image, prepared), teeth.Params(1.0)))
    assert np.all(out[..., 2] >= 0.5 * lab_in[..., 2] - 0.5), "b* reduced by more than 50%"
    assert np.all(out[..., 2] < lab_in[..., 2] - 5), "yellow not reduced"
    assert np.all(out[..., 0] - lab_in[..., 0] <= 15 + 0.3), "L* raised by more than 15"
    # Never brighter than the whites of the eyes (unless already so).
    assert np.all(out[..., 0] <= np.maximum(lab_in[..., 0], 75.0) + 0.3)


def test_teeth_on_a_real_smile_leave_lips_and_gums():
    from studio.face import analyze, region_mask
    from studio.imaging.sample import sample_photo
    from studio.render import Retoucher

    pixels = sample_photo().pixels
    analysis = analyze(pixels)
    r = Retoucher(pixels, analysis)
    out = r.render({"teeth": 1.0})
    face = analysis.face()
    lips_only = (region_mask(face, "lips", pixels.shape) > 0) & ~(
        region_mask(face, "inner_mouth", pixels.shape) > 0
    )
    assert np.array_equal(out[lips_only], pixels[lips_only])
    changed = np.any(out != pixels, axis=2)
    if changed.any():  # the sample smiles with teeth: they got less yellow, and gums stay red
        lab_in, lab_out = rgb_to_lab(pixels)[changed], rgb_to_lab(out)[changed]
        assert lab_out[:, 2].mean() < lab_in[:, 2].mean()
        red = lab_in[:, 1] > 20
        if red.any():
            assert np.abs(lab_out[red] - lab_in[red]).max() < 3.0


def test_light_tables_match_the_colour_formulas():
    from studio.imaging.colour import fast_to_linear, fast_to_srgb, linear_to_srgb, srgb_to_linear

    codes = np.arange(65536, dtype=np.float32) / 65535  # every 16-bit value
    np.testing.assert_allclose(fast_to_linear(codes), srgb_to_linear(codes), atol=1e-6)
    linear = np.random.default_rng(0).random(100_000, dtype=np.float32)
    np.testing.assert_allclose(fast_to_srgb(linear), linear_to_srgb(linear), atol=1.5e-5)

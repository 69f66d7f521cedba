"""The fast paths give what the plain ones give: cached stages, one-off renders, the fast
colour conversions and the radius-independent mask filters (no timing is asserted)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.edits.layers import disk, fast_lab, grow, shrink, soft_blur
from studio.edits.warmth import gains, white_balance
from studio.imaging.colour import linear_to_srgb, rgb_to_lab, srgb_to_linear
from studio.imaging.filters import gaussian
from studio.imaging.sample import sample_photo
from studio.render import Retoucher, render_photo

LOOK = {
    "smooth": 0.7, "blemish": 0.5, "shine": 0.5, "face_light": 0.3, "shadows": 0.4,
    "warmth": 0.3, "eyes": 0.4, "teeth": 0.4, "bg_blur": 0.6, "bg_light": 0.2,
    "bg_desaturate": 0.3,
}


@pytest.fixture(scope="module")
def sample():
    from studio.face import analyze

    pixels = sample_photo().pixels
    return pixels, analyze(pixels)


def test_slider_moves_give_the_same_bits_as_a_fresh_render(sample):
    # A slider move reuses cached stages (face region, background, person share, warmth);
    # whatever was moved before, the picture must be the one a fresh render gives.
    pixels, analysis = sample
    retoucher = Retoucher(pixels, analysis)
    moves = [
        LOOK,
        dict(LOOK, smooth=0.2),
        dict(LOOK, bg_light=-0.5),
        dict(LOOK, bg_blur=0.05),
        dict(LOOK, warmth=-0.6),
        dict(LOOK, backdrop="#336699"),
        dict(LOOK, eyes=0.0, teeth=0.0, smooth=0.0, blemish=0.0, shine=0.0, face_light=0.0,
             shadows=0.0),
        LOOK,
    ]
    for sliders in moves:
        moved = retoucher.render(sliders)
        fresh = Retoucher(pixels, analysis).render(sliders)
        assert np.array_equal(moved, fresh), sliders
        assert np.array_equal(moved, render_photo(pixels, analysis, sliders)), sliders


def test_a_render_is_a_new_array_each_time(sample):
    # Callers may draw on the result; the cached stages must not change with it.
    pixels, analysis = sample
    retoucher = Retoucher(pixels, analysis)
    first = retoucher.render(LOOK)
    expected = first.copy()
    first[:] = 0.0
    assert np.array_equal(retoucher.render(LOOK), expected)
    assert np.array_equal(retoucher.render({}), pixels)


def test_white_balance_matches_the_formula_near_black_too():
    rng = np.random.default_rng(1)
    image = rng.random((64, 96, 3), dtype=np.float32)
    image[:20] *= 0.06  # a band of near-black values (the sRGB curve's linear toe)
    image[30:34] *= 0.3
    for strength in (-1.0, -0.3, 0.25, 1.0):
        g = gains(strength)
        exact = np.clip(linear_to_srgb(srgb_to_linear(image) * g), 0.0, 1.0)
        assert np.abs(white_balance(image, g) - exact).max() < 2e-5


def test_fast_lab_matches_rgb_to_lab():
    rng = np.random.default_rng(2)
    image = rng.random((50, 60, 3), dtype=np.float32)
    image[0, 0] = 0.0
    image[0, 1] = 1.0
    assert np.abs(fast_lab(image) - rgb_to_lab(image)).max() < 0.02


def test_mask_filters_match_the_plain_ones():
    mask = np.zeros((240, 260), np.uint8)
    cv2.ellipse(mask, (130, 120), (60, 80), 20, 0, 360, 1, -1)
    for radius in (3, 12, 30):
        plain = cv2.dilate(mask, disk(radius))
        # The distance transform's disk and OpenCV's elliptic kernel differ on a rim pixel.
        assert np.mean(grow(mask, radius) != plain) < 0.01
        plain = cv2.erode(mask, disk(radius))
        assert np.mean(shrink(mask.astype(np.float32), radius) != plain) < 0.01
    soft = mask.astype(np.float32)
    for sigma in (2.0, 8.0, 25.0):
        assert np.abs(soft_blur(soft, sigma) - gaussian(soft, sigma)).max() < 0.03

"""The fast paths give what the plain ones give: cached stages, one-off renders, the fast
colour conversions and the radius-independent mask filters (no timing is asserted)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.edits.warmth import gains, white_balance
from studio.imaging.colour import fast_lab, linear_to_srgb, rgb_to_lab, srgb_to_linear
from studio.imaging.filters import disk, gaussian, grow, shrink, soft_blur
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


@pytest.fixture(scope="module")
def enlarged():
    # The sample at 3x: the background's blur levels are on resized grids, so every band's
    # new background is interpolated (unlike at 512 px, where the finest level is full size).
    from studio.face import analyze

    pixels = cv2.resize(sample_photo().pixels, (1536, 1536), interpolation=cv2.INTER_CUBIC)
    pixels = np.clip(pixels, 0.0, 1.0).astype(np.float32)
    return pixels, analyze(pixels)


def test_moves_on_a_big_photo_give_the_same_bits_as_a_one_off_render(enlarged):
    pixels, analysis = enlarged
    retoucher = Retoucher(pixels, analysis)
    retoucher.render(LOOK)
    assert retoucher.prepared("bg_blur").blur_levels[-1].shape[:2] != pixels.shape[:2]
    moves = [
        dict(LOOK, bg_light=-0.4),  # kept person shares, background columns only
        dict(LOOK, bg_light=-0.4, smooth=0.1),  # head region again
        dict(LOOK, bg_blur=0.2, bg_desaturate=0.8),
        dict(LOOK, bg_blur=0.2, bg_desaturate=0.8, warmth=-0.5),  # warm all again
        dict(LOOK, bg_blur=0.9, warmth=-0.5),  # re-warm the background columns only
        dict(LOOK, backdrop="#202830", warmth=-0.5),
        dict(LOOK, bg_blur=0.0, bg_light=0.0, bg_desaturate=0.0, warmth=-0.5),
    ]
    for sliders in moves:
        assert np.array_equal(retoucher.render(sliders), render_photo(pixels, analysis, sliders)), sliders


def test_background_in_place_and_over_an_old_result_match_a_fresh_one(enlarged):
    from studio.edits.background import Params, prepare_background, process
    from studio.edits.protocol import Region
    from studio.face.person import person_alpha

    def apply_background(pixels, layers, alpha, blur, light, calm, out=None, person_ready=False):
        assert alpha is layers.alpha
        return process(Region(pixels, layers, out_has_person=person_ready),
                       Params(blur, light, calm), out)

    pixels, analysis = enlarged
    face = analysis.face(None)
    alpha = person_alpha(pixels, face)
    layers = prepare_background(pixels, alpha, face)
    fresh = apply_background(pixels, layers, alpha, 0.5, 0.3, 0.2)
    assert not np.array_equal(fresh, pixels)
    in_place = pixels.copy()
    assert apply_background(in_place, layers, alpha, 0.5, 0.3, 0.2, out=in_place) is in_place
    assert np.array_equal(in_place, fresh)
    old = apply_background(pixels, layers, alpha, 0.1, -0.6, 0.9)
    again = apply_background(pixels, layers, alpha, 0.5, 0.3, 0.2, out=old, person_ready=True)
    assert again is old and np.array_equal(again, fresh)
    # The person is the photo, bit for bit.
    assert np.array_equal(fresh[alpha >= 1.0], pixels[alpha >= 1.0])


def test_a_background_band_writes_its_rows_only_with_the_bits_of_the_whole_call(enlarged):
    # The pipeline hands the background edit one band per call (on several threads in an
    # export): a band must write its own rows, as the whole region's call makes them, and
    # nothing else.
    from dataclasses import replace

    from studio.edits.background import Params, prepare_background, process
    from studio.edits.protocol import Region
    from studio.face.person import person_alpha
    from studio.imaging.filters import row_bands

    pixels, analysis = enlarged
    face = analysis.face(None)
    layers = prepare_background(pixels, person_alpha(pixels, face), face)
    params = Params(0.6, 0.2, 0.3)
    whole = process(Region(pixels, layers), params)
    h, w = pixels.shape[:2]
    bands = row_bands(h, w)
    columns = layers.background_columns(slice(0, h), slice(0, w))
    out = np.full_like(pixels, -1.0)
    for index in (len(bands) // 2, 0):
        process(replace(Region(pixels, layers), band=bands[index], columns=columns[index]),
                params, out)
    done = np.zeros(h, bool)
    for index in (len(bands) // 2, 0):
        done[bands[index]] = True
        assert np.array_equal(out[bands[index]], whole[bands[index]])
    assert (out[~done] == -1.0).all()


def test_white_balance_of_parts_writes_only_those_pixels():
    rng = np.random.default_rng(3)
    image = rng.random((90, 120, 3), dtype=np.float32)
    image[:30] *= 0.05  # near black
    g = gains(0.7)
    whole = white_balance(image, g)
    out = np.full_like(image, -1.0)
    parts = [(slice(0, 40), slice(10, 50)), (slice(40, 90), slice(0, 120)), (slice(20, 25), slice(100, 103))]
    white_balance(image, g, out=out, parts=parts)
    written = np.zeros(image.shape[:2], bool)
    for part in parts:
        written[part] = True
    assert np.array_equal(out[written], whole[written])
    assert np.all(out[~written] == -1.0)

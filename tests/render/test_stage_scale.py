"""A big head (IOD > 160 px: any close-up from 12 MP up) is worked on a smaller copy for speed; at full
resolution it must still keep every promise: protected features and everything off the head
bit for bit, the look of a screen-sized render, and the photo's own pores.

The photo is a real tight studio portrait with very sharp pores at its own size (3.4 MP,
IOD ~480 px), so no test image is made up or stored."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.imaging.filters import gaussian
from studio.render import Retoucher, proxy_of
from studio.render.quality import figures, head_mask
from tests.helpers.photos import face_photo

PHOTO = "facenet-pytorch_paul_rudd_1.jpg"
SKIN = {"smooth": 1.0, "blemish": 1.0, "shine": 1.0}
LIGHT = {"face_light": 1.0, "shadows": 1.0}
#: Every face edit on, as in ``likeness bench``.
FACE = {
    "smooth": 0.6, "blemish": 0.6, "shine": 0.5, "face_light": 0.3, "shadows": 0.4,
    "eyes": 0.4, "teeth": 0.4,
}
#: A screen render the head is worked on at full size in (IOD ~140 px, under 160).
SCREEN_PIXELS = 280_000


@pytest.fixture(scope="module")
def big():
    from studio.face import analyze
    from studio.imaging import load

    pixels = np.ascontiguousarray(load(face_photo(PHOTO)).pixels, dtype=np.float32)
    analysis = analyze(pixels)
    assert analysis.face() is not None
    retoucher = Retoucher(pixels, analysis)
    assert retoucher.layers.work is not retoucher.layers, "the head should be worked on a copy"
    return pixels, analysis, retoucher


def test_the_copy_is_small_whatever_the_head_size(big):
    # The copy's head is the same size for any big head: the cost does not grow with it.
    _, _, retoucher = big
    layers = retoucher.layers
    assert layers.iod > 400
    from studio.face.layers import BIG_HEAD_WORK_IOD

    assert abs(layers.work.iod - BIG_HEAD_WORK_IOD) < 2
    assert layers.work.shape[0] * layers.work.shape[1] < 0.15 * layers.shape[0] * layers.shape[1]


def test_skin_edits_leave_features_and_everything_off_the_head_bit_identical(big):
    pixels, analysis, retoucher = big
    out = retoucher.render(SKIN)
    changed = np.any(out != pixels, axis=2)
    assert changed.sum() > 10_000, "the skin edits changed almost nothing"
    masks = retoucher.masks()
    assert not np.any(changed & (masks["protected"] > 0)), "a protected feature changed"
    assert not np.any(changed & (masks["skin"] == 0)), "a pixel off the skin mask changed"
    assert not np.any(changed & ~head_mask(analysis.face(), pixels.shape)), "off the head"


def test_light_edits_leave_features_bit_identical(big):
    pixels, _, retoucher = big
    out = retoucher.render(LIGHT)
    changed = np.any(out != pixels, axis=2)
    assert changed.sum() > 10_000
    masks = retoucher.masks()
    assert not np.any(changed & (masks["protected"] > 0)), "a protected feature changed"
    assert not np.any(changed & (masks["face"] == 0)), "a pixel off the face-and-neck mask changed"


@pytest.fixture(scope="module")
def full_and_screen(big):
    pixels, analysis, retoucher = big
    full = retoucher.render(FACE)
    small, small_analysis, _ = proxy_of(pixels, analysis, SCREEN_PIXELS)
    screen = Retoucher(small, small_analysis)
    assert screen.layers.work is screen.layers, "the screen render should work at full size"
    return full, small, screen.render(FACE), screen.layers.roi


def test_full_size_render_looks_like_the_screen_render(full_and_screen):
    # What the user saw on screen is what the export shows, shrunk to the same size.
    full, small, screen, (rows, cols) = full_and_screen
    shrunk = cv2.resize(full, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA)
    a, b, before = shrunk[rows, cols], screen[rows, cols], small[rows, cols]
    psnr = 10 * np.log10(1.0 / np.mean((a - b) ** 2))
    # Measured 62.5 dB (working at full size, before the copy: 59.8 dB).
    assert psnr >= 60.0, f"{psnr:.1f} dB"
    # The edits themselves agree: their difference is a small share of what they change
    # (measured 0.044; 0.060 before the copy).
    disagreement = np.sqrt(np.mean((a - b) ** 2) / np.mean((b - before) ** 2))
    assert disagreement <= 0.06, f"{disagreement:.3f}"


def test_full_size_render_keeps_the_pores(big, full_and_screen):
    # docs/quality.md: every look keeps >= 0.90 of the fine band (pores) on the skin, measured at
    # the photo's own size (0.97 measured).
    pixels, analysis, retoucher = big
    full = full_and_screen[0]
    face = analysis.face()
    assert figures(pixels, full, face, likeness=False).fine_kept >= 0.90
    smoothed = retoucher.render({"smooth": 1.0})
    assert figures(pixels, smoothed, face, likeness=False).fine_kept >= 0.80


def test_enlarging_part_of_a_field_matches_enlarging_all_of_it(big):
    # Blemish heals only in the spots' boxes: its colours must be those of the whole field.
    _, _, retoucher = big
    layers = retoucher.layers
    rng = np.random.default_rng(0)
    field = rng.random((*layers.work.shape, 3), dtype=np.float32)
    whole = layers.enlarge(field)
    h, w = layers.shape
    for box in [(slice(0, 40), slice(0, 30)), (slice(h // 2, h // 2 + 77), slice(w // 3, w // 3 + 51)),
                (slice(h - 25, h), slice(w - 60, w))]:
        np.testing.assert_allclose(layers.enlarge_part(field, box), whole[box], atol=1e-6)


def test_a_big_heads_field_made_band_by_band_is_the_whole_field(big):
    # A one-off render (an export) adds a big head's smooth and shine changes band by band
    # where they are used; a preview enlarges them whole once. Both must be the same bits,
    # whichever rows are asked for, 0 on the protected features, and the field enlarged.
    from studio.edits.blend import add_change_in
    from studio.face.layers import WorkField

    _, _, retoucher = big
    layers = retoucher.layers
    rng = np.random.default_rng(2)
    small = gaussian(rng.random((*layers.work.shape, 3), dtype=np.float32), 2.0)
    field = WorkField(layers, small)
    whole = field.full()
    h, w = layers.shape
    assert whole.shape == (h, w, 3)
    for rows in (slice(0, h), slice(h // 3, h // 3 + 1), slice(h - 5, h + 20), slice(7, h // 2)):
        made = np.concatenate([values for _, values in field.bands(rows)])
        assert np.array_equal(made, whole[rows.start : min(rows.stop, h)])
    assert not whole[layers.unprotected == 0].any()
    outside = layers.unprotected > 0
    np.testing.assert_allclose(whole[outside], layers.enlarge(small)[outside], atol=2e-3)
    image = rng.random((h, w, 3), dtype=np.float32)
    box = ((slice(h // 4, h // 2 + 3), slice(w // 5, w - 9)),)
    for boxes in (None, box):
        assert np.array_equal(add_change_in(image, field, 0.7, boxes),
                              add_change_in(image, whole, 0.7, boxes))


def test_adding_a_change_in_its_boxes_gives_the_bits_of_adding_it_everywhere():
    from studio.edits.blend import add_change, add_change_in

    rng = np.random.default_rng(1)
    image = rng.random((60, 80, 3), dtype=np.float32)
    change = np.zeros_like(image)
    boxes = ((slice(5, 20), slice(10, 30)), (slice(15, 40), slice(25, 70)))
    for box in boxes:
        change[box] = rng.normal(0, 0.05, change[box].shape).astype(np.float32)
    assert np.array_equal(add_change_in(image, change, 0.6, boxes), add_change(image, change, 0.6))


def _chain_in_place(retoucher, values):
    """The face stage with every edit after the first writing into the same array (the light
    edits' log gains summed and applied once, as the retoucher does)."""
    from studio.edits.protocol import Region, edits
    from studio.render.light import apply_log_gain

    head, owned, gain = retoucher.layers.image, False, None
    for module in edits(["face", "light"]):
        key = module.KEYS[0]
        params = module.Params(values[key])
        region = Region(head, retoucher.prepared(key))
        if module.STAGE == "light":
            added = module.process(region, params, gain)
            gain = added if added is not None else gain
            continue
        result = module.process(region, params, head if owned else None)
        owned, head = owned or result is not head, result
    if gain is not None:
        result = apply_log_gain(head, gain, head if owned else None)
        owned, head = owned or result is not head, result
    return np.clip(head, 0.0, 1.0)


@pytest.mark.parametrize("which", ["big", "screen"])
def test_edits_written_in_place_give_the_same_bits(big, which):
    # The retoucher may let each edit write into the previous edit's result.
    from studio.render.retoucher import normalise_sliders

    pixels, analysis, retoucher = big
    if which == "screen":
        small, small_analysis, _ = proxy_of(pixels, analysis, SCREEN_PIXELS)
        retoucher = Retoucher(small, small_analysis)
    values = normalise_sliders(FACE)
    image = retoucher.layers.image.copy()
    expected = retoucher._head_stage(values)
    assert np.array_equal(_chain_in_place(retoucher, values), expected)
    assert np.array_equal(retoucher.layers.image, image), "the photo's own pixels were written"

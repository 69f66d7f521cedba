"""Marks through the render pipeline: keep wins over every face edit, heal heals, the person
brush corrects the matte every background slider follows; preview and one-off agree."""

from __future__ import annotations

import numpy as np
import pytest

from studio.edits.marks import Mark, mask
from studio.imaging.sample import sample_photo
from studio.render import Retoucher, render_photo

FACE_ALL = {"smooth": 1.0, "blemish": 1.0, "shine": 1.0, "face_light": 1.0, "shadows": 1.0}


@pytest.fixture(scope="module")
def marked():
    """The sample portrait with a red spot and a brown mole painted on the left cheek; the
    mole's and the spot's centres, and the analysis."""
    from studio.face import analyze

    pixels = sample_photo().pixels.copy()
    analysis = analyze(pixels)
    face = analysis.face(None)
    lm = face.landmarks
    # Cheek: between the left eye's outer corner (36) and the mouth's left corner (48).
    cheek = (lm[36] * 0.45 + lm[48] * 0.55) + np.array([-0.05, 0.0]) * face.iod
    mole = cheek + np.array([0.0, -0.12]) * face.iod
    spot = cheek + np.array([0.02, 0.10]) * face.iod
    yy, xx = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]].astype(np.float32)
    r = face.iod / 60
    bump = np.exp(-((xx - spot[0]) ** 2 + (yy - spot[1]) ** 2) / (2 * r * r))[..., None]
    pixels += bump * np.array([0.10, -0.08, -0.06], np.float32)
    dot = np.exp(-(((xx - mole[0]) ** 2 + (yy - mole[1]) ** 2) / (2 * (r * 0.8) ** 2)) ** 2)
    pixels = pixels * (1 - 0.5 * dot[..., None]) + dot[..., None] * np.array([0.1, 0.05, 0.02])
    pixels = np.clip(pixels, 0, 1).astype(np.float32)
    return pixels, analysis, tuple(mole), tuple(spot), face.iod


def test_keep_leaves_the_mole_bit_identical_under_every_face_edit(marked):
    pixels, analysis, mole, _spot, iod = marked
    keep = Mark("keep", (mole,), iod / 25)
    inside = mask([keep], pixels.shape[:2]) == 1
    plain = Retoucher(pixels, analysis).render(FACE_ALL)
    assert np.abs(plain[inside] - pixels[inside]).max() > 0.01  # the edits do reach the mole
    kept = Retoucher(pixels, analysis).render(FACE_ALL, [keep])
    assert np.array_equal(kept[inside], pixels[inside])
    # Beyond the mark's soft edge the edits are as without it.
    outside = mask([keep], pixels.shape[:2]) == 0
    assert np.array_equal(kept[outside], plain[outside])


def test_a_keep_mark_wins_over_the_blemish_slider(marked):
    pixels, analysis, _mole, spot, iod = marked
    keep = Mark("keep", (spot,), iod / 25)
    inside = mask([keep], pixels.shape[:2]) == 1
    healed = Retoucher(pixels, analysis).render({"blemish": 1.0})
    assert np.abs(healed[inside] - pixels[inside]).max() > 0.02  # the slider heals the spot...
    kept = Retoucher(pixels, analysis).render({"blemish": 1.0}, [keep])
    assert np.array_equal(kept[inside], pixels[inside])  # ...unless it is marked to keep


def test_heal_mark_heals_the_spot_and_nothing_far_from_it(marked):
    pixels, analysis, mole, spot, iod = marked
    heal = Mark("heal", (spot,), iod / 25)
    out = Retoucher(pixels, analysis).render({}, [heal])
    inside = mask([heal], pixels.shape[:2]) == 1
    redness = lambda img: float((img[..., 0] - img[..., 1])[inside].mean())  # noqa: E731
    assert redness(out) < redness(pixels) - 0.03
    far = mask([Mark("heal", (spot,), heal.reach * 7)], pixels.shape[:2]) == 0
    assert np.array_equal(out[far], pixels[far])


def test_marks_change_the_preview_as_a_fresh_render_would(marked):
    pixels, analysis, mole, spot, iod = marked
    marks = [
        Mark("keep", (mole,), iod / 25),
        Mark("heal", (spot,), iod / 25),
        Mark("person", ((20.0, 20.0), (60.0, 30.0)), iod / 6),
    ]
    values = dict(FACE_ALL, bg_blur=0.8, warmth=0.3)
    preview = Retoucher(pixels, analysis)
    preview.render(values)
    preview.render(dict(values, smooth=0.5))
    moved = preview.render(values, marks)
    assert np.array_equal(moved, render_photo(pixels, analysis, values, marks=marks))
    assert np.array_equal(preview.render(values, []), render_photo(pixels, analysis, values))


def _textured_point(pixels, where, radius):
    """A pixel of ``where`` whose surroundings (``radius``) are most textured (blur shows)."""
    import cv2

    grey = pixels.mean(axis=2)
    detail = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 3))
    score = cv2.boxFilter(detail, -1, (int(radius), int(radius))) * where
    y, x = np.unravel_index(np.argmax(score), score.shape)
    return float(x), float(y)


def test_the_person_brush_corrects_the_matte_the_background_blur_follows(marked):
    pixels, analysis, *_ = marked
    retoucher = Retoucher(pixels, analysis)
    alpha = retoucher.layers.person_alpha.copy()
    radius = 12.0
    blurred = retoucher.render({"bg_blur": 1.0})
    changed = np.abs(blurred - pixels).max(axis=2)
    # Background the blur visibly changes, near the person (hair against the backdrop).
    import cv2

    near = cv2.dilate((alpha > 0.5).astype(np.uint8), np.ones((61, 61), np.uint8)) > 0
    where = (alpha == 0) & near & (changed > 0.02)
    person = Mark("person", (_textured_point(pixels, where, radius),), radius)
    core = mask([person], pixels.shape[:2]) == 1
    assert changed[core].mean() > 0.01
    fixed = retoucher.render({"bg_blur": 1.0}, [person])
    assert np.abs(fixed[core] - pixels[core]).max() < 1 / 255
    # A background stroke over the person's hair or clothes: now blurred.
    body = (alpha == 1) & ~(mask([person], pixels.shape[:2]) > 0)
    rows, cols = retoucher.layers.roi
    body[rows, cols] = False  # not the face
    background = Mark("background", (_textured_point(pixels, body, radius),), radius)
    core = mask([background], pixels.shape[:2]) == 1
    assert np.array_equal(blurred[core], pixels[core])  # the matte called it person
    fixed = retoucher.render({"bg_blur": 1.0}, [person, background])
    assert np.abs(fixed[core] - pixels[core]).mean() > 0.01

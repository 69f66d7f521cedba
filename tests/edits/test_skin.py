"""The skin edits do what they promise, on synthetic patches and the synthetic portrait:
blemish heals a red spot but keeps a brown mole, freckles, pores and a blotch; shine calms a hot
spot without greying it; smooth evens blotches but keeps pores."""

from __future__ import annotations

import numpy as np
import pytest

from studio.edits import blemish
from studio.imaging.colour import lab_to_rgb, rgb_to_lab
from studio.render import Retoucher
from tests.render.test_synthetic import spot_and_mole, synthetic_portrait

IOD = 150.0


def _disc(shape, centre, radius):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return ((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) <= radius**2


def skin_patch(seed: int = 1) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A 240 x 240 skin patch (IOD 150 px) with pores, a blotch, a red spot, a brown mole and
    two freckles; returns it and the boolean region of each."""
    from studio.imaging.filters import gaussian

    rng = np.random.default_rng(seed)
    h = w = 240
    lab = np.zeros((h, w, 3), np.float32)
    lab[:] = (68.0, 14.0, 18.0)
    lab[..., 0] += gaussian(rng.normal(0, 2.5, (h, w)).astype(np.float32), 0.8)  # pores
    yy, xx = np.mgrid[:h, :w]
    blotch = np.exp(-((xx - 60) ** 2 + (yy - 170) ** 2) / (2 * 25.0**2)).astype(np.float32)
    lab[..., 1] += 5.0 * blotch  # a broad flush: uneven tone, not a blemish
    regions = {"blotch": blotch > 0.5}
    features = {  # name: (centre, radius px, (dL, da, db))
        "spot": ((70, 60), 4.5, (-6.0, 14.0, 2.0)),
        "mole": ((170, 60), 4.5, (-30.0, 4.0, 8.0)),
        "freckle": ((170, 170), 3.0, (-9.0, 2.0, 6.0)),
        "freckle2": ((190, 150), 2.5, (-8.0, 2.5, 5.0)),
    }
    for name, (centre, radius, delta) in features.items():
        region = _disc((h, w), centre, radius)
        soft = gaussian(region.astype(np.float32), 1.0)
        lab += soft[..., None] * np.array(delta, np.float32)
        regions[name] = region
    return lab_to_rgb(lab), regions


def test_blemish_finds_the_red_spot_but_not_mole_freckles_pores_or_blotch():
    patch, regions = skin_patch()
    spots = blemish.find_spots(patch, np.ones(patch.shape[:2], np.float32), IOD)
    assert spots[regions["spot"]].mean() > 0.8
    for name in ("mole", "freckle", "freckle2", "blotch"):
        assert spots[regions[name]].max() < 0.05, f"{name} taken for a blemish"
    far = ~np.any([_disc(patch.shape[:2], c, 14) for c in ((70, 60),)], axis=0)
    assert spots[far].max() < 0.05, "pores or the blotch taken for a blemish"


@pytest.fixture(scope="module")
def portrait():
    pixels, analysis = synthetic_portrait()
    return pixels, analysis, Retoucher(pixels, analysis)


def _a_star_excess(pixels, centre, iod):
    lab = rgb_to_lab(pixels)
    inner = _disc(pixels.shape[:2], centre, iod / 60)
    ring = _disc(pixels.shape[:2], centre, iod / 12) & ~_disc(pixels.shape[:2], centre, iod / 20)
    return float(lab[..., 1][inner].mean() - lab[..., 1][ring].mean())


def test_blemish_heals_the_spot_and_keeps_the_mole(portrait):
    pixels, analysis, r = portrait
    face = analysis.face()
    spot, mole = spot_and_mole(face)
    out = r.render({"blemish": 1.0})
    before, after = _a_star_excess(pixels, spot, face.iod), _a_star_excess(out, spot, face.iod)
    assert before > 8 and after < 0.3 * before, (before, after)
    near_mole = _disc(pixels.shape[:2], mole, face.iod / 12)
    assert np.array_equal(out[near_mole], pixels[near_mole])
    # Half strength heals part of the way.
    half = _a_star_excess(r.render({"blemish": 0.5}), spot, face.iod)
    assert after < half < before


def test_shine_calms_a_hot_spot_without_greying():
    from studio.face import skin_mask
    from studio.imaging.filters import gaussian

    pixels, analysis = synthetic_portrait(seed=2)
    face = analysis.face()
    lm = face.landmarks
    centre = 0.5 * (lm[27] + lm[21])  # between the brows: a shiny forehead spot
    centre = centre + np.array([0.0, -0.35 * face.iod])
    yy, xx = np.mgrid[: pixels.shape[0], : pixels.shape[1]]
    glow = np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * (face.iod / 15) ** 2))
    glow = glow.astype(np.float32) * (skin_mask(pixels, face) > 0.5)
    shiny = np.clip(pixels + 0.25 * glow[..., None] * (1.0 - pixels) / 0.5, 0, 1)
    shiny = np.clip(gaussian(shiny, 0.5), 0, 1).astype(np.float32)
    r = Retoucher(shiny, analysis)
    out = r.render({"shine": 1.0})
    hot = glow > 0.7
    lab_in, lab_out = rgb_to_lab(shiny)[hot], rgb_to_lab(out)[hot]
    assert lab_out[:, 0].mean() < lab_in[:, 0].mean() - 3, "the hot spot is no darker"
    chroma_in = np.hypot(lab_in[:, 1], lab_in[:, 2]).mean()
    chroma_out = np.hypot(lab_out[:, 1], lab_out[:, 2]).mean()
    assert chroma_out >= chroma_in, "the calmed spot went grey"


def test_smooth_evens_blotches_but_keeps_pores(portrait):
    from studio.imaging.colour import luminance
    from studio.imaging.filters import gaussian

    pixels, analysis, r = portrait
    face = analysis.face()
    out = r.render({"smooth": 1.0})
    forehead = 0.5 * (face.landmarks[21] + face.landmarks[22]) - [0, 0.55 * face.iod]
    cheek = _disc(pixels.shape[:2], forehead, face.iod * 0.15)

    def bands(img):
        g = luminance(img)
        fine = g - gaussian(g, face.iod / 60)
        mid = gaussian(g, face.iod / 60) - gaussian(g, face.iod / 8)
        return fine[cheek], mid[cheek]

    f0, m0 = bands(pixels)
    f1, m1 = bands(out)
    assert np.mean(f1**2) / np.mean(f0**2) >= 0.9
    assert np.mean(m1**2) / np.mean(m0**2) <= 0.6

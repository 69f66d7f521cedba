"""No halos: a step edge at a mask boundary (the painted person against a flat backdrop) shows
at most 2% overshoot after smooth, face_light and bg_blur, and (docs/quality.md) the band of IOD/20
outside the face changes by less than 1 L* on average."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.imaging.colour import rgb_to_lab
from studio.render import Retoucher
from tests.render.test_synthetic import BACKGROUND, synthetic_portrait


@pytest.fixture(scope="module")
def flat():
    pixels, analysis = synthetic_portrait(texture=False)
    person = ~np.all(np.abs(pixels - np.array(BACKGROUND, np.float32)) < 1e-3, axis=2)
    return pixels, analysis, person, Retoucher(pixels, analysis)


def _ring(mask: np.ndarray, radius: float, outside: bool) -> np.ndarray:
    r = max(int(round(radius)), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    m = mask.astype(np.uint8)
    if outside:
        return (cv2.dilate(m, kernel) > 0) & ~mask
    return mask & ~(cv2.erode(m, kernel) > 0)


def _overshoot(before: np.ndarray, after: np.ndarray, band: np.ndarray, radius: float) -> float:
    """Largest excursion of ``after`` beyond the local range of ``before`` inside ``band``."""
    r = max(int(round(radius)), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    hi = cv2.dilate(before, kernel)
    lo = cv2.erode(before, kernel)
    excess = np.maximum(after - hi, 0) + np.maximum(lo - after, 0)
    return float(excess[band].max())


def _step(pixels, person):
    return float(np.abs(pixels[person].mean(axis=0) - np.array(BACKGROUND)).max())


def test_smooth_no_overshoot_at_the_face_edge(flat):
    pixels, analysis, person, r = flat
    iod = analysis.face().iod
    out = r.render({"smooth": 1.0})
    band = _ring(person, iod / 10, True) | _ring(person, iod / 10, False)
    assert _overshoot(pixels, out, band, iod / 10) <= 0.02 * _step(pixels, person)


@pytest.mark.parametrize("value", [1.0, -1.0])
def test_face_light_no_glow_around_the_face(flat, value):
    pixels, analysis, person, r = flat
    iod = analysis.face().iod
    out = r.render({"face_light": value})
    assert not np.array_equal(out, pixels)
    outside = _ring(person, iod / 20, True)
    change = np.abs(out - pixels)[outside].max()
    assert change <= 0.02 * _step(pixels, person)
    d_light = np.abs(rgb_to_lab(out)[..., 0] - rgb_to_lab(pixels)[..., 0])[outside].mean()
    assert d_light < 1.0


def test_bg_blur_no_subject_halo(flat):
    pixels, analysis, person, r = flat
    iod = analysis.face().iod
    out = r.render({"bg_blur": 1.0})
    step = _step(pixels, person)
    # The backdrop next to the person keeps the backdrop's colour (no skin bleeding out)...
    outside = _ring(person, iod / 20, True)
    assert np.abs(out - np.array(BACKGROUND, np.float32))[outside].max() <= 0.02 * step + 1e-3
    # ...and the person's edge does not pick up the backdrop beyond a 2% overshoot.
    inside = _ring(person, iod / 20, False)
    assert _overshoot(pixels, out, inside, iod / 20) <= 0.02 * step

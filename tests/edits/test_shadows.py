"""The Shadows slider both ways, on the sample portrait: right lifts the face's shadows (fill
light), left deepens them (depth), and either way the lit parts of the face barely move."""

from __future__ import annotations

import numpy as np
import pytest

from studio.imaging.colour import rgb_to_lab
from studio.render import Retoucher
from studio.render.quality import quality_skin


@pytest.fixture(scope="module")
def sample():
    from studio.face import analyze
    from studio.imaging.sample import sample_photo

    pixels = sample_photo().pixels
    analysis = analyze(pixels)
    face = analysis.face()
    assert face is not None, "the sample portrait must have a face"
    lightness = rgb_to_lab(pixels)[..., 0]
    skin = quality_skin(face, pixels.shape)
    dark = skin & (lightness <= np.quantile(lightness[skin], 0.25))
    lit = skin & (lightness >= np.quantile(lightness[skin], 0.75))
    return pixels, Retoucher(pixels, analysis), dark, lit


def _change(sample, value: float) -> tuple[float, float]:
    """Mean L* change on the darkest and on the brightest quarter of the face's skin."""
    pixels, retoucher, dark, lit = sample
    delta = rgb_to_lab(retoucher.render({"shadows": value}))[..., 0] - rgb_to_lab(pixels)[..., 0]
    return float(delta[dark].mean()), float(delta[lit].mean())


def test_shadows_right_lifts_and_left_deepens_the_shadows(sample):
    lifted_dark, lifted_lit = _change(sample, 1.0)
    deepened_dark, deepened_lit = _change(sample, -1.0)
    assert lifted_dark > 1.0, f"fill light lifted the shadows by only {lifted_dark:+.2f} L*"
    assert deepened_dark < -1.0, f"depth deepened the shadows by only {deepened_dark:+.2f} L*"
    # The shadows move, not the whole face: the lit quarter moves far less.
    assert abs(lifted_lit) < abs(lifted_dark) / 2
    assert abs(deepened_lit) < abs(deepened_dark) / 2


def test_half_as_far_left_deepens_about_half_as_much(sample):
    full, _ = _change(sample, -1.0)
    half, _ = _change(sample, -0.5)
    assert 0.35 < half / full < 0.65, f"-0.5 deepened {half:+.2f} L*, -1 {full:+.2f} L*"

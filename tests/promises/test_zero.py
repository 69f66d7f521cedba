"""Every slider at 0 changes nothing, bit for bit, also while every OTHER slider is on (so the
face stage, the background and the white balance all run around it), and also after the
slider was moved up and back to 0 in a live session (the studio's cached stages)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.edits.sliders import SLIDERS
from studio.render import Retoucher, render_photo
from tests.helpers.promises import load_photo

NUMBERS = [s for s in SLIDERS if s.kind == "number"]
#: Every slider on, at a moderate value (the backdrop too).
ALL_ON = {
    "smooth": 0.6,
    "blemish": 0.5,
    "shine": 0.5,
    "face_light": 0.4,
    "shadows": 0.5,
    "under_eye": 0.5,
    "warmth": 0.3,
    "eyes": 0.5,
    "teeth": 0.5,
    "bg_blur": 0.5,
    "bg_light": 0.3,
    "bg_desaturate": 0.5,
    "backdrop": "#d0d4d8",
}


@pytest.fixture(scope="module", params=["sample", "deepface_img21.jpg"])
def photo(request):
    from studio.face import analyze
    from studio.imaging.sample import sample_photo

    sample = request.param == "sample"
    pixels = sample_photo().pixels if sample else load_photo(request.param)
    analysis = analyze(pixels)
    assert analysis.face() is not None, f"no face found on {request.param}"
    # One live retoucher per photo, as in the studio: its stages stay cached from test to test.
    return pixels, analysis, Retoucher(pixels, analysis)


@pytest.mark.parametrize("key", [s.key for s in NUMBERS])
def test_zero_is_bit_identical_with_every_other_slider_on(photo, key):
    pixels, analysis, live = photo
    others = {k: v for k, v in ALL_ON.items() if k != key}
    if key == "bg_blur":
        others["backdrop"] = None  # a backdrop replaces the background: nothing left to blur
    strongest = next(s.maximum for s in NUMBERS if s.key == key)
    without = render_photo(pixels, analysis, others)  # a one-off render, nothing cached
    assert not np.array_equal(without, pixels)
    acts = not np.array_equal(live.render({key: strongest}), pixels)  # on this photo
    # Up, then straight back to 0, as a slider drag does.
    moved = live.render({**others, key: strongest})
    if acts:
        assert not np.array_equal(moved, without), f"{key} at its maximum changed nothing"
    back = live.render({**others, key: 0.0})
    assert np.array_equal(back, without), f"{key} moved back to 0 did not restore the bits"

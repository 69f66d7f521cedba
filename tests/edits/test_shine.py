"""Shine calms a hot spot to the skin's own colour: on real photos the calmed spots are no more
saturated than the skin around them (shine version 1 scaled the skin's colour up to the spot's
lightness and left orange patches on the sample's forehead and cheek: C* up to +16, the calmed
spots' 95th percentile chroma 1.2-5.7 above the skin's 90th)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.face import analyze
from studio.imaging.colour import rgb_to_lab
from studio.render import Retoucher
from studio.render.quality import quality_skin
from tests.helpers.promises import load_photo

#: Photos with shiny foreheads, noses and cheeks, light to dark skin.
PHOTOS = (
    "deepface_img1.jpg",
    "deepface_img24.jpg",
    "face_recognition_obama1.jpg",
    "facenet-pytorch_paul_rudd_1.jpg",
    "deepface_img41.jpg",
)


def _chroma(lab: np.ndarray) -> np.ndarray:
    return np.hypot(lab[..., 1], lab[..., 2])


def _check(pixels: np.ndarray, where: str) -> None:
    analysis = analyze(pixels)
    face = analysis.face()
    assert face is not None, f"no face found on {where}"
    calmed = Retoucher(pixels, analysis).render({"shine": 1.0})
    before, after = rgb_to_lab(pixels), rgb_to_lab(calmed)
    changed = np.abs(after - before).sum(axis=-1) > 1.0
    assert changed.sum() > 500, f"{where}: shine=1 calmed no hot spot"
    assert (after[..., 0] - before[..., 0])[changed].mean() < -1.5, f"{where}: spots no darker"
    skin = _chroma(before)[quality_skin(face, pixels.shape)]
    spots = _chroma(after)[changed]
    # measured: 0.4 above at most (the sample 0.1); version 1 1.2-5.7 above.
    assert np.percentile(spots, 95) <= np.percentile(skin, 90) + 1.0, (
        f"{where}: calmed spots' chroma {np.percentile(spots, 95):.1f}, "
        f"skin's {np.percentile(skin, 90):.1f}"
    )


def test_shine_leaves_no_orange_patch_on_the_sample():
    from studio.imaging.sample import sample_photo

    _check(sample_photo().pixels, "the sample portrait")


@pytest.mark.parametrize("name", PHOTOS)
def test_shine_keeps_the_skins_own_colour(name):
    _check(load_photo(name, max_pixels=np.inf), name)  # full size

"""The render engine: proxy and full-resolution renders agree, masks for overlays, caching."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from studio.render import Retoucher, proxy_of, render_photo
from tests.helpers.photos import face_photo

LOOK = {
    "smooth": 1.0,
    "blemish": 1.0,
    "shine": 0.8,
    "face_light": 0.5,
    "shadows": 0.5,
    "warmth": 0.3,
    "eyes": 0.6,
    "teeth": 0.6,
    "bg_blur": 0.6,
    "bg_light": -0.3,
    "bg_desaturate": 0.4,
}


@pytest.fixture(scope="module")
def real_photo():
    from studio.face import analyze
    from studio.imaging import load

    pixels = load(face_photo("face_recognition_obama1.jpg")).pixels  # 1.2 MP
    return pixels, analyze(pixels)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def test_proxy_preview_matches_the_downscaled_export(real_photo):
    """Radii are IOD fractions, so the preview on a screen proxy looks like the export."""
    pixels, analysis = real_photo
    full = render_photo(pixels, analysis, LOOK)
    proxy, proxy_analysis, factor = proxy_of(pixels, analysis, max_pixels=300_000)
    assert 0.4 < factor < 0.6
    assert proxy.shape[0] * proxy.shape[1] <= 300_000
    preview = Retoucher(proxy, proxy_analysis).render(LOOK)
    size = (proxy.shape[1], proxy.shape[0])
    downscaled = cv2.resize(full, size, interpolation=cv2.INTER_AREA)
    assert _psnr(downscaled, preview) >= 35.0
    # ...and the look is really there (not two identical no-ops).
    assert _psnr(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), preview) < 35.0


def test_proxy_of_small_photo_is_the_photo(real_photo):
    pixels, analysis = real_photo
    proxy, proxy_analysis, factor = proxy_of(pixels, analysis, max_pixels=10**8)
    assert proxy is pixels and proxy_analysis is analysis and factor == 1.0


def test_proxy_landmarks_follow_the_scale(real_photo):
    pixels, analysis = real_photo
    _, proxy_analysis, factor = proxy_of(pixels, analysis, max_pixels=300_000)
    assert proxy_analysis.face().iod == pytest.approx(analysis.face().iod * factor, rel=0.01)


def test_masks_for_overlays(real_photo):
    pixels, analysis = real_photo
    proxy, proxy_analysis, _ = proxy_of(pixels, analysis, max_pixels=300_000)
    masks = Retoucher(proxy, proxy_analysis).masks()
    assert set(masks) == {"skin", "protected", "face", "background"}
    for name, mask in masks.items():
        assert mask.shape == proxy.shape[:2] and mask.dtype == np.float32, name
        assert mask.min() >= 0.0 and mask.max() <= 1.0, name
    assert masks["skin"].sum() > 0 and masks["protected"].sum() > 0 and masks["face"].sum() > 0
    # The skin is on the person, not on the backdrop; protected features are never skin.
    assert masks["background"][masks["skin"] > 0.5].mean() < 0.05
    assert not np.any((masks["skin"] > 0) & (masks["protected"] > 0))


def test_slider_moves_reuse_the_prepared_layers(real_photo):
    pixels, analysis = real_photo
    proxy, proxy_analysis, _ = proxy_of(pixels, analysis, max_pixels=300_000)
    r = Retoucher(proxy, proxy_analysis)
    r.render({"smooth": 0.5})
    first = r.prepared("smooth")
    r.render({"smooth": 0.9})
    assert r.prepared("smooth") is first
    half, full = r.render({"smooth": 0.5}), r.render({"smooth": 1.0})
    # Strength scales the change linearly (one multiply-add per pixel on prepared layers).
    np.testing.assert_allclose(half - proxy, 0.5 * (full - proxy), atol=2e-6)


def test_input_is_never_modified(real_photo):
    pixels, analysis = real_photo
    proxy, proxy_analysis, _ = proxy_of(pixels, analysis, max_pixels=300_000)
    before = proxy.copy()
    Retoucher(proxy, proxy_analysis).render(LOOK)
    assert np.array_equal(proxy, before)


def test_sixteen_bit_precision_is_kept():
    """A 16-bit-smooth gradient stays finer than 8-bit steps after a render."""
    from tests.render.test_synthetic import synthetic_portrait

    pixels, analysis = synthetic_portrait(texture=False)
    ramp = np.linspace(0.3, 0.3 + 40 / 65535, pixels.shape[1], dtype=np.float32)
    pixels = pixels.copy()
    pixels[:20, :, :] = ramp[None, :, None]
    out = Retoucher(pixels, analysis).render({"warmth": 0.4, "smooth": 1.0})
    levels = np.unique(np.round(out[:20, :, 1] * 65535))
    assert len(levels) > 20, "the gradient was quantised to 8-bit steps"


def _boxes(retoucher: Retoucher) -> list[tuple[slice, slice]]:
    """Boxes of the photo inside, across and outside the head region, off any band's edge."""
    h, w = retoucher.pixels.shape[:2]
    rows, cols = retoucher.layers.roi
    return [
        (rows, cols),
        (slice(max(rows.start - 37, 0), min(rows.stop + 21, h)),
         slice(max(cols.start - 50, 0), min(cols.stop + 9, w))),
        (slice(rows.start + 5, rows.start + 40), slice(cols.start + 3, cols.start + 77)),
        (slice(0, min(64, h)), slice(0, min(96, w))),
        (slice(0, h), slice(0, w)),
    ]


@pytest.mark.parametrize("name, faces", [("deepface_img54.jpg", None),
                                         ("ultralight-face-detector_imgs_18.jpg", "all")])
def test_a_box_of_the_render_is_the_render_s_own_bits(name, faces):
    """An export's amount is settled on its faces' box of the written file
    (``Retoucher.render_box``): the box must hold the whole render's bits, with a background
    blur and light together (cut into the box's own bands, their runs of columns differed from
    the whole photo's by a bit: cv2.transform rounds a run's last pixels its own way), a
    group's faces, and the face, background and photo edits at once."""
    from tests.helpers.promises import analysed_photo

    pixels, analysis = analysed_photo(name, max_pixels=2e6)
    chosen = list(range(len(analysis.faces))) if faces == "all" else ()
    retoucher = Retoucher(pixels, analysis, faces=chosen, preview=False)
    for sliders in (LOOK, {"bg_blur": 1.0, "bg_light": 0.4}, {"warmth": -0.3, "smooth": 0.5}):
        whole = retoucher.render(sliders)
        for box in _boxes(retoucher):
            assert np.array_equal(retoucher.render_box(sliders, box), whole[box]), (sliders, box)


def test_a_box_is_not_made_with_heal_marks(real_photo):
    """A heal reads round its mark: a box of the render is refused, the whole photo is made."""
    from studio.edits.marks import Mark

    pixels, analysis = real_photo
    retoucher = Retoucher(pixels, analysis, preview=False)
    retoucher.set_marks([Mark("heal", ((100.0, 100.0),), 8.0, (30.0, 0.0))])
    with pytest.raises(ValueError, match="heal marks"):
        retoucher.render_box(LOOK, (slice(0, 50), slice(0, 50)))

"""docs/quality.md's figures for ``smooth=1`` on real photos, light to deep skin, beards, glasses,
freckles (downscaled to ~1 MP, as the figures are scale-free: every radius is in IOD)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.render import Retoucher
from studio.render.quality import figures, mid_kept_split, quality_skin
from tests.helpers.promises import analysed_photo

#: photo -> what it covers.
PHOTOS = {
    "deepface_img1.jpg": "light skin, smile with teeth",
    "deepface_img24.jpg": "medium-brown skin, glasses, beard",
    "face_recognition_obama1.jpg": "medium-dark skin",
    "insightface_inspireface_attribute_1423.jpg": "deep skin, small low-quality photo",
    "human_stock-teen-6.jpg": "freckles",
    "facenet-pytorch_paul_rudd_1.jpg": "very sharp pores",
    "deepface_img41.jpg": "older man, stubble",
}
#: Photos with glasses frames inside docs/quality.md's geometric skin region: the frames (rightly
#: left sharp) carry much of that region's mid band (see test_smooth_on_glasses_photos).
GLASSES = {"deepface_img24.jpg"}


@pytest.fixture(scope="module")
def results():
    """name -> (original, smooth=1 render, face, figures): computed once for every test here."""
    out = {}
    for name in PHOTOS:
        pixels, analysis = analysed_photo(name)
        face = analysis.face()
        assert face is not None, f"no face found on {name}"
        edited = Retoucher(pixels, analysis).render({"smooth": 1.0})
        out[name] = (pixels, edited, face, figures(pixels, edited, face))
    return out


@pytest.mark.parametrize("name", list(PHOTOS))
def test_smooth_keeps_the_fine_band(results, name):
    """The product's promise: pores, freckles and fine creases stay (fine band kept >= 0.95;
    measured 0.99-1.00 on these photos)."""
    fig = results[name][3]
    print(f"{name}: fine band kept {fig.fine_kept:.4f}")
    assert fig.fine_kept >= 0.95, f"{name}: fine band kept {fig.fine_kept:.2f}"


@pytest.mark.parametrize("name", list(PHOTOS))
def test_smooth_meets_quality_targets(results, name):
    pixels, edited, face, fig = results[name]
    assert fig.protected_change == 0, f"{name}: protected changed {fig.protected_change:.3f}"
    assert fig.outside_head_change == 0, f"{name}: changed outside the head"
    assert fig.skin_colour_shift <= 1.5, f"{name}: skin colour shift {fig.skin_colour_shift:.2f}"
    assert fig.likeness_distance is not None and fig.likeness_distance <= 0.10, (
        f"{name}: likeness distance {fig.likeness_distance:.3f}"
    )
    if name not in GLASSES:
        assert fig.mid_kept <= 0.80, f"{name}: mid band kept {fig.mid_kept:.2f}"


@pytest.mark.parametrize("name", sorted(GLASSES))
def test_smooth_on_glasses_photos(results, name):
    """With glasses and a beard, the frames and beard (not skin, left sharp on purpose) and their
    edges hold much of the region's mid band, so the whole region's figure stays near 0.87
    (docs/quality.md). The skin clear of them is evened as on every other photo (<= 0.80), and
    the frames and beard keep their detail."""
    from studio.face.skin import skin_mask

    pixels, edited, face, _ = results[name]
    clear, other, share = mid_kept_split(pixels, edited, face, skin_mask(pixels, face))
    assert share >= 0.2, f"{name}: only {share:.0%} of the region is clear skin"
    assert clear <= 0.80, f"{name}: mid band kept {clear:.3f} on the skin clear of the frames"
    assert other >= 0.95, f"{name}: frames and beard kept only {other:.3f} of their mid band"


def test_fine_band_check_fails_on_a_blur(results):
    """The fine-band figure catches a plastic blur: a Gaussian sigma 3 keeps far below 0.80."""
    from studio.imaging.filters import gaussian

    pixels, _, face, _ = results["facenet-pytorch_paul_rudd_1.jpg"]
    skin = quality_skin(face, pixels.shape)[..., None]
    blurred = np.where(skin, gaussian(pixels, 3.0), pixels).astype(np.float32)
    assert figures(pixels, blurred, face, likeness=False).fine_kept < 0.5


LOOKS = ("natural", "linkedin", "nonprofit", "portfolio")


@pytest.fixture(scope="module")
def look_figures(results):
    """(look, photo) -> figures of the built-in look, and of its skin and light edits alone."""
    from studio.face.types import FaceAnalysis
    from studio.session import load_session
    from studio.session.looks import builtin_look_path

    out = {}
    for look in LOOKS:
        sliders = dict(load_session(builtin_look_path(look)).sliders)
        # Protected features: skin and light edits only (eyes/teeth act on their own regions by
        # design, warmth is a white balance of the whole photo, the background edits act on the
        # background's share of each pixel: see test_promises_protected for theirs).
        skin_and_light = {**sliders, "eyes": 0.0, "teeth": 0.0, "warmth": 0.0, "bg_blur": 0.0,
                          "bg_light": 0.0, "bg_desaturate": 0.0, "backdrop": None}
        for name, (pixels, _, face, _) in results.items():
            analysis = FaceAnalysis(pixels.shape[1], pixels.shape[0], (face,), 0)
            r = Retoucher(pixels, analysis)
            full = figures(pixels, r.render(sliders), face)
            partial = figures(pixels, r.render(skin_and_light), face, likeness=False)
            out[look, name] = (full, partial)
    return out


@pytest.mark.parametrize("look", LOOKS)
def test_built_in_looks_meet_quality_targets(look_figures, look):
    """docs/quality.md's 'every built-in look' column on every test photo."""
    for (which, name), (full, partial) in look_figures.items():
        if which != look:
            continue
        assert full.fine_kept >= 0.90, f"{look} on {name}: fine kept {full.fine_kept:.2f}"
        assert full.likeness_distance <= 0.08, (
            f"{look} on {name}: likeness distance {full.likeness_distance:.3f}"
        )
        assert partial.protected_change == 0, (
            f"{look} on {name}: protected changed {partial.protected_change:.3f}"
        )


def _lab_edit(pixels, face, edit):
    """``pixels`` with ``edit(lab) -> lab`` applied inside QUALITY.md's skin region."""
    from studio.imaging.colour import lab_to_rgb, rgb_to_lab

    skin = quality_skin(face, pixels.shape)[..., None]
    edited = lab_to_rgb(edit(rgb_to_lab(pixels)))
    return np.where(skin, edited, pixels).astype(np.float32)


def test_uneven_tone_measure_sees_colour_not_lightness(results):
    """Evening a* and b* at blotch scale drops 'tone kept' and leaves the freckles band; a
    lightness-only change of the same scale leaves 'tone kept' alone."""
    from studio.imaging.filters import gaussian
    from studio.render.quality import skin_bands_kept

    pixels, _, face, _ = results["human_stock-teen-6.jpg"]

    def even_colour(lab):
        lab = lab.copy()
        lab[..., 1:] = gaussian(np.ascontiguousarray(lab[..., 1:]), face.iod / 6)
        return lab

    def flatten_lightness(lab):
        lab = lab.copy()
        lab[..., 0] = gaussian(np.ascontiguousarray(lab[..., 0]), face.iod / 6)
        return lab

    tone, freckles = skin_bands_kept(pixels, _lab_edit(pixels, face, even_colour), face)
    assert tone < 0.2 and freckles > 0.9, (tone, freckles)
    tone, freckles = skin_bands_kept(pixels, _lab_edit(pixels, face, flatten_lightness), face)
    assert tone > 0.95 and freckles < 0.6, (tone, freckles)


def test_freckles_band_measure_sees_freckles_not_pores(results):
    """Removing spots of freckle size (L* blurred at IOD/20) drops the freckles band kept;
    removing pores only (blur at IOD/200) barely touches it."""
    from studio.imaging.filters import gaussian

    pixels, _, face, _ = results["human_stock-teen-6.jpg"]

    def blur_lightness(sigma):
        def edit(lab):
            lab = lab.copy()
            lab[..., 0] = gaussian(np.ascontiguousarray(lab[..., 0]), sigma)
            return lab
        return edit

    spots = figures(pixels, _lab_edit(pixels, face, blur_lightness(face.iod / 20)), face,
                    likeness=False)
    pores = figures(pixels, _lab_edit(pixels, face, blur_lightness(face.iod / 200)), face,
                    likeness=False)
    assert spots.freckles_kept < 0.5, spots.freckles_kept
    assert pores.freckles_kept > 0.9, pores.freckles_kept


@pytest.fixture(scope="module")
def under_eye_results():
    """name -> (original, under_eye=1 render, face, figures) on the same photos as smooth."""
    out = {}
    for name in PHOTOS:
        pixels, analysis = analysed_photo(name)
        face = analysis.face()
        edited = Retoucher(pixels, analysis).render({"under_eye": 1.0})
        out[name] = (pixels, edited, face, figures(pixels, edited, face))
    return out


def _under_eye_gap(pixels: np.ndarray, face) -> float:
    """How much darker the under-eye crescents are than the cheek bands below them (grey)."""
    from studio.edits.under_eye import crescents
    from studio.face.layers import PhotoLayers
    from studio.imaging.colour import luminance

    layers = PhotoLayers(pixels, face)
    crescent, cheeks = crescents(layers)
    grey = luminance(pixels[layers.roi])
    return float(grey[cheeks > 0].mean() - grey[crescent > 0.9].mean())


@pytest.mark.parametrize("name", list(PHOTOS))
def test_under_eye_meets_the_smooth_targets(under_eye_results, name):
    """under_eye=1 is held by smooth's figures (issue 29): the fine band, the protected
    features (the eyes), nothing outside the head, the skin's colour, the likeness; and it
    closes at least 15% of the gap between the under-eye crescent and the cheek below it
    (measured 18-63% on these photos)."""
    pixels, edited, face, fig = under_eye_results[name]
    assert fig.fine_kept >= 0.95, f"{name}: fine band kept {fig.fine_kept:.3f}"
    assert fig.protected_change == 0, f"{name}: protected changed {fig.protected_change:.3f}"
    assert fig.outside_head_change == 0, f"{name}: changed outside the head"
    assert fig.skin_colour_shift <= 1.5, f"{name}: skin colour shift {fig.skin_colour_shift:.2f}"
    assert fig.likeness_distance is not None and fig.likeness_distance <= 0.10, (
        f"{name}: likeness distance {fig.likeness_distance:.3f}"
    )
    before, after = _under_eye_gap(pixels, face), _under_eye_gap(edited, face)
    assert before > 0 and after <= 0.85 * before, f"{name}: gap {before:.4f} -> {after:.4f}"

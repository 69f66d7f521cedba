"""The person matte and the background edits: invariants, no halo, masks on real photos."""

from __future__ import annotations

import numpy as np
import pytest

from studio.edits.background import (
    BLUR_RADIUS_IOD,
    Params,
    parse_backdrop,
    prepare_background,
    process,
)
from studio.edits.protocol import Region
from studio.errors import LikenessError
from studio.face import analyze, face_hull_mask
from studio.face.person import person_alpha
from studio.face.types import Face
from studio.imaging import load
from studio.imaging.colour import rgb_to_lab
from studio.imaging.filters import gaussian, resize
from studio.imaging.sample import sample_photo
from tests.helpers.photos import face_photo

#: Head-and-shoulders photos on plain backdrops: blue, white, light grey.
PORTRAITS = ("deepface_img24.jpg", "facenet-pytorch_paul_rudd_1.jpg", "deepface_img2.jpg")
#: Every background edit on its own, and all together.
EDITS = (
    {"bg_blur": 1.0},
    {"bg_blur": 0.3},
    {"bg_light": 1.0},
    {"bg_light": -1.0},
    {"bg_desaturate": 1.0},
    {"backdrop": "#e8e8e8"},
    {"bg_blur": 0.7, "bg_light": 0.5, "bg_desaturate": 0.5},
    {"backdrop": "#203040", "bg_light": -0.5, "bg_desaturate": 0.3},
)


def _edit(pixels, layers, alpha, **sliders):
    assert alpha is layers.alpha  # the matte the layers were prepared with
    return process(Region(pixels, layers), Params.from_values(sliders))


def _shrink(pixels: np.ndarray, max_pixels: int) -> np.ndarray:
    h, w = pixels.shape[:2]
    k = min(1.0, (max_pixels / (h * w)) ** 0.5)
    small = resize(pixels, (round(w * k), round(h * k))) if k < 1 else pixels
    return np.clip(small, 0.0, 1.0)  # area resizing may overshoot 1 by a rounding hair


class Case:
    """One photo with its face, matte and prepared layers."""

    def __init__(self, pixels: np.ndarray):
        self.pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        self.face = analyze(self.pixels).face()
        assert self.face is not None, "the test photo needs a face"
        self.alpha = person_alpha(self.pixels, self.face)
        self.layers = prepare_background(self.pixels, self.alpha, self.face)

    def edit(self, **sliders):
        return _edit(self.pixels, self.layers, self.alpha, **sliders)


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    out = {"sample": Case(sample_photo().pixels)}
    for name in PORTRAITS:
        out[name] = Case(_shrink(load(face_photo(name)).pixels, 400_000))
    return out


def _face_centre(face: Face, shape) -> np.ndarray:
    """The face hull pulled 15% toward its middle: the part that must never change."""
    pts = face.landmarks.astype(np.float32)
    mid = pts[:17].mean(axis=0)
    shrunk = Face(box=face.box, landmarks=mid + (pts - mid) * 0.85)
    return face_hull_mask(shrunk, shape) > 0.5


def _synthetic_face(centre: tuple[float, float], iod: float, reference: Face) -> Face:
    """A face with ``reference``'s landmark layout, eyes centred near ``centre``, this IOD."""
    left, right = reference.eye_centres
    mid = (left + right) / 2
    pts = (reference.landmarks - mid) * (iod / reference.iod) + np.asarray(centre, np.float32)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return Face(box=(float(x0), float(y0), float(x1), float(y1)), landmarks=pts.astype(np.float32))


# ---- invariants ---------------------------------------------------------------------------

def test_neutral_sliders_return_the_input_bits(cases):
    for case in cases.values():
        out = case.edit()
        assert out.dtype == np.float32
        assert np.array_equal(out, case.pixels)
        assert out is not case.pixels


@pytest.mark.parametrize("sliders", EDITS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_face_centre_is_bit_identical_under_every_background_edit(cases, sliders):
    for name, case in cases.items():
        out = case.edit(**sliders)
        centre = _face_centre(case.face, case.alpha.shape)
        assert np.all(case.alpha[centre] == 1.0), name
        assert np.array_equal(out[centre], case.pixels[centre]), name
        # Everywhere the matte is sure of the person, nothing changes either.
        person = case.alpha == 1.0
        assert np.array_equal(out[person], case.pixels[person]), name
        background = case.alpha == 0.0
        assert np.abs(out[background] - case.pixels[background]).mean() > 1e-3, name
        assert out.min() >= 0.0 and out.max() <= 1.0


def test_matte_is_a_clean_deterministic_mask(cases):
    for name, case in cases.items():
        assert case.alpha.dtype == np.float32 and case.alpha.shape == case.pixels.shape[:2]
        assert np.isfinite(case.alpha).all(), name
        assert case.alpha.min() >= 0.0 and case.alpha.max() <= 1.0, name
    case = cases["deepface_img24.jpg"]
    assert np.array_equal(person_alpha(case.pixels, case.face), case.alpha)


# ---- the matte on real photos ----------------------------------------------------------------

@pytest.mark.parametrize("name", PORTRAITS)
def test_matte_covers_the_face_and_torso_and_leaves_the_top_corners(cases, name):
    case = cases[name]
    alpha, face = case.alpha, case.face
    h, w = alpha.shape
    hull = face_hull_mask(face, alpha.shape) > 0.5
    assert alpha[hull].mean() > 0.99
    assert alpha.dtype == np.float32 and alpha.min() >= 0.0 and alpha.max() <= 1.0
    # The top corners of a head-and-shoulders photo are background.
    c = max(int(0.06 * min(h, w)), 4)
    for corner in (alpha[:c, :c], alpha[:c, -c:]):
        assert corner.mean() < 0.02
    # The neck/torso straight under the chin is person.
    chin = face.landmarks[8]
    x, y = int(round(chin[0])), int(round(chin[1] + 0.4 * face.iod))
    if y < h:
        assert alpha[y, x] > 0.95
    # Some of the frame is background and some edges are soft (hair).
    assert 0.15 < (alpha == 0).mean() < 0.85
    assert ((alpha > 0.05) & (alpha < 0.95)).mean() > 0.002


def test_matte_agrees_between_proxy_and_full_size(cases):
    case = cases["facenet-pytorch_paul_rudd_1.jpg"]
    h, w = case.pixels.shape[:2]
    half = resize(case.pixels, (w // 2, h // 2))
    small_alpha = person_alpha(half, case.face.scaled(0.5))
    big_alpha = resize(case.alpha, (w // 2, h // 2))
    assert np.abs(small_alpha - big_alpha).mean() < 0.03


def test_no_face_means_the_whole_photo_is_background(cases):
    pixels = cases["sample"].pixels
    alpha = person_alpha(pixels, None)
    assert alpha.shape == pixels.shape[:2] and not alpha.any()
    layers = prepare_background(pixels, alpha, None)
    blurred = _edit(pixels, layers, alpha, bg_blur=1.0)
    h, w = alpha.shape
    centre = (slice(h // 3, 2 * h // 3), slice(w // 3, 2 * w // 3))
    assert np.abs(blurred[centre] - pixels[centre]).mean() > 0.01
    grey = _edit(pixels, layers, alpha, backdrop="#808080")
    assert np.abs(grey[0, 0] - 128 / 255).max() < 1.5 / 255
    assert np.abs(grey - grey.mean(axis=(0, 1))).max() < 0.1  # one colour, softly lit


# ---- no halo ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def step_edges(cases):
    """A bright person (left) against a dark background, plain or grainy, with a known soft
    4-pixel edge; the face only sets the IOD (80 px)."""
    h, w, iod, edge = 240, 480, 80.0, 240.0
    x = np.arange(w, dtype=np.float32)
    alpha = np.repeat(np.clip((edge - x) / 4.0, 0.0, 1.0)[None, :], h, axis=0).astype(np.float32)
    face = _synthetic_face((120.0, 100.0), iod, cases["sample"].face)
    band = (alpha == 0) & (x[None, :] < edge + iod / 20)  # IOD/20 outside the person
    rng = np.random.default_rng(7)
    out = {}
    for grain in (0.0, 0.03):
        scene = (0.1 + grain * rng.standard_normal((h, w, 1))) * np.ones(3)
        pixels = (alpha[:, :, None] * 0.9 + (1 - alpha[:, :, None]) * scene).astype(np.float32)
        out[grain] = (pixels, alpha, face, prepare_background(pixels, alpha, face), band)
    return out


def _lightness(rgb):
    return rgb_to_lab(rgb)[..., 0]


def test_background_blur_leaves_no_halo_beside_the_person(step_edges):
    pixels, alpha, face, layers, band = step_edges[0.0]
    out = _edit(pixels, layers, alpha, bg_blur=1.0)
    overshoot = (out - pixels)[band].max()
    assert overshoot <= 0.02 * 0.9, overshoot  # <= 2% of the step
    assert np.abs(_lightness(out) - _lightness(pixels))[band].mean() < 1.0
    # Inside the person, next to the edge, nothing moves either.
    inside = (alpha == 1) & (np.arange(alpha.shape[1])[None, :] > 236 - face.iod / 20)
    assert np.array_equal(out[inside], pixels[inside])


def test_background_blur_on_grain_keeps_its_level_beside_the_person(step_edges):
    pixels, alpha, face, layers, band = step_edges[0.03]
    out = _edit(pixels, layers, alpha, bg_blur=1.0)
    shift = _lightness(out)[band].mean() - _lightness(pixels)[band].mean()
    assert abs(shift) < 1.0, shift
    assert abs((out - pixels)[band].mean()) <= 0.02 * 0.9
    # The background really is blurred: the grain is mostly gone far from the person.
    far = (slice(None), slice(400, 470))
    assert out[far].std() < 0.3 * pixels[far].std()


def test_a_plain_blur_would_fail_the_halo_check(step_edges):
    """Proves the halo test can fail: a whole-image blur of the same radius bleeds light."""
    pixels, alpha, face, layers, band = step_edges[0.0]
    naive = gaussian(pixels, BLUR_RADIUS_IOD * face.iod / 2)
    assert (naive - pixels)[band].max() > 0.1


def test_backdrop_replaces_the_old_background_inside_soft_edges(step_edges):
    pixels, alpha, face, layers, band = step_edges[0.0]
    out = _edit(pixels, layers, alpha, backdrop="#ff8000")
    rows, cols = np.nonzero((alpha > 0) & (alpha < 1))
    # The person's share of the pixel over the new colour beside it; no old dark grey left.
    beside = out[rows, np.full_like(cols, 250)]
    a = alpha[rows, cols][:, None]
    assert np.abs(out[rows, cols] - (a * 0.9 + (1 - a) * beside)).max() < 0.01


# ---- each edit does what it says, only on the background ------------------------------------

def test_background_light_brightens_or_darkens_only_the_background(cases):
    case = cases["deepface_img24.jpg"]
    background = case.alpha == 0
    lightness = rgb_to_lab(case.pixels)[..., 0][background].mean()
    brighter = rgb_to_lab(case.edit(bg_light=1.0))[..., 0][background].mean()
    darker = rgb_to_lab(case.edit(bg_light=-1.0))[..., 0][background].mean()
    assert brighter > lightness + 5
    assert darker < lightness - 5


def test_background_light_rolls_highlights_off_instead_of_clipping():
    ramp = np.linspace(0.0, 1.0, 512, dtype=np.float32)
    pixels = np.repeat(np.repeat(ramp[None, :, None], 8, axis=0), 3, axis=2)
    alpha = np.zeros(pixels.shape[:2], np.float32)
    layers = prepare_background(pixels, alpha, None)
    out = _edit(pixels, layers, alpha, bg_light=1.0)[4, :, 0]
    assert out.max() <= 1.0
    assert np.all(np.diff(out[:-1]) > 0)  # every step stays a step: no flat white plateau
    assert np.all(out[1:-1] > ramp[1:-1])  # and everything is brighter
    assert (out >= 0.999).sum() <= 2


def test_calm_colours_removes_colour_and_keeps_lightness(cases):
    case = cases["deepface_img24.jpg"]  # a saturated blue backdrop
    background = case.alpha == 0
    before = rgb_to_lab(case.pixels)
    after = rgb_to_lab(case.edit(bg_desaturate=1.0))
    chroma_before = np.hypot(before[..., 1], before[..., 2])[background].mean()
    chroma_after = np.hypot(after[..., 1], after[..., 2])[background].mean()
    assert chroma_before > 30 and chroma_after < 0.05 * chroma_before
    assert np.abs(after[..., 0] - before[..., 0])[background].mean() < 1.0
    half = rgb_to_lab(case.edit(bg_desaturate=0.5))
    chroma_half = np.hypot(half[..., 1], half[..., 2])[background].mean()
    assert chroma_after < chroma_half < chroma_before


@pytest.mark.parametrize("name", PORTRAITS)
def test_backdrop_colour_is_reached_in_the_background_corners(cases, name):
    case = cases[name]
    out = case.edit(backdrop="#e8e8e8")
    target = 0xE8 / 255
    h, w = case.alpha.shape
    for y, x in ((0, 0), (0, w - 1)):
        assert case.alpha[y, x] == 0
        assert np.abs(out[y, x] - target).max() <= 1.0 / 255
    # Behind the head it glows a little brighter, never darker, and stays one colour.
    background = case.alpha == 0
    assert out[background].min() >= target - 1.0 / 255
    assert np.ptp(out[background], axis=1).max() < 0.02


def test_blur_looks_the_same_on_a_proxy_and_at_full_size(cases):
    case = cases["deepface_img2.jpg"]
    h, w = case.pixels.shape[:2]
    full = case.edit(bg_blur=1.0)
    half_pixels = resize(case.pixels, (w // 2, h // 2))
    half_alpha = resize(case.alpha, (w // 2, h // 2))
    half_face = case.face.scaled(0.5)
    layers = prepare_background(half_pixels, half_alpha, half_face)
    half = _edit(half_pixels, layers, half_alpha, bg_blur=1.0)
    background = half_alpha == 0
    error = np.mean((resize(full, (w // 2, h // 2))[background] - half[background]) ** 2)
    assert 10 * np.log10(1.0 / error) >= 35.0


def test_slider_values_between_levels_change_smoothly(cases):
    case = cases["deepface_img2.jpg"]
    background = case.alpha == 0
    previous, steps = case.pixels, []
    for amount in np.linspace(0.05, 1.0, 20):
        out = case.edit(bg_blur=float(amount))
        steps.append(np.abs(out[background] - previous[background]).mean())
        previous = out
    # The first step leaves the sharp photo; after it, each equal slider step changes a
    # little less than the one before (larger radii), with no jump where levels meet.
    assert all(later <= 1.25 * earlier for earlier, later in zip(steps[1:], steps[2:], strict=False))


def test_backdrop_must_be_a_colour():
    assert np.allclose(parse_backdrop("#FF8000"), [1.0, 128 / 255, 0.0])
    for bad in ("red", "#12345", "#12345g", "ff8000"):
        with pytest.raises(LikenessError, match="backdrop"):
            parse_backdrop(bad)

"""The person/background split and the four background edits: blur, light, calm colours, backdrop.

Three steps, each a pure function (no Qt, no I/O, no download):

``person_alpha(pixels, face)``
    A soft matte, 1 on the person (head, hair, neck, shoulders, body), 0 on the background.
    1. The subject's silhouette from the learned segmentation model (studio.face.matte); without
       the model, GrabCut (OpenCV) on a small proxy (~0.06 MP) seeded from the 68 landmarks: the face hull
       and the torso under the chin are sure person; a head-and-shoulders prior (in IOD units,
       following the head's roll) is probably person; far from it, above the chin, is sure
       background. Below the chin, pixels of the prior whose colour the background does not
       have are given back to the person (GrabCut tends to lose shaded shoulders and dark
       shirts).
    2. In a band of +-BAND_IOD along the cut, each pixel's colour is projected between the
       nearby sure-person and sure-background colours (a fraction for hair over a wall).
    3. A colour-guided filter (He et al., the fast variant: coefficients from a ~0.25 MP copy)
       carries that matte to full resolution, so single hairs get fractional alpha.
    Without a face the whole photo is background (alpha 0): on a landscape or product shot the
    background sliders act on the whole picture, which is what they say.
``prepare_background(pixels, alpha, face)``
    Everything slider-independent: the background blurred at a ladder of lens radii with
    alpha-normalised weights (blur(bg * w) / blur(w), so the person never seeps in: no halo),
    each on a small pyramid level; and the old background behind soft edges and hair,
    estimated from the nearby pure background so it can be taken away instead of fringing.
``process(region, params, out)``
    The edit protocol's image operation (``prepare(layers)`` runs the two steps above).
    A few per-pixel passes in bands of rows: the new background (blur levels mixed, backdrop,
    light and calm colours worked on the small levels where possible) composited under the
    person's premultiplied share of each pixel. Exactly the input wherever alpha is 1, and the
    input bits when every slider is neutral.

All radii are fractions of the inter-ocular distance (IOD), or of the image diagonal without a
face, so a screen proxy and the full-resolution export look the same.

Where it struggles: backgrounds with the person's colours right beside them (dark suits in
front of a dark crowd, blonde hair on a beige wall, text and logos on a step-and-repeat), the
shadow side of a low-key portrait against a dark backdrop, raised arms and hands away from
the body, and bystanders touching the person (kept with them when in focus; blurred away when
separate, or out of focus behind them: studio.face.matte).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from studio.edits.backdrop import BLUR_SHARE, blurred, is_picture, picture_grid, picture_shade
from studio.edits.layers import disk, normalized_blur
from studio.edits.light import fast_to_linear, fast_to_srgb
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.errors import LikenessError
from studio.face.matte import person_mask, person_probability_map
from studio.face.regions import face_core_points, face_hull_points, protected_mask, up_direction
from studio.face.types import Face
from studio.imaging.colour import REC709, linear_to_srgb, srgb_to_linear
from studio.imaging.filters import row_bands

#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("bg_blur", "bg_light", "bg_desaturate", "backdrop")
VERSION = 1
STAGE = "background"
ORDER = 10


@dataclass(frozen=True)
class Params(EditParams):
    """blur: 0..1, lens blur of radius blur * BLUR_RADIUS_IOD IOD; light: -1..1, exposure in
    units of LIGHT_STOPS stops; desaturate: 0..1, 1 = grey (lightness kept); backdrop: None,
    '#rrggbb', a studio colour replacing the background, or a picture doing so
    ('image:<sha256>:<path>', see studio.edits.backdrop); light and desaturate then act on
    it, blur blurs a picture more (a colour has nothing to blur)."""

    blur: float = slider_field("bg_blur")
    light: float = slider_field("bg_light")
    desaturate: float = slider_field("bg_desaturate")
    backdrop: str | None = slider_field("backdrop")


#: Pixels of the GrabCut proxy; GrabCut's cost grows with it and the matte is refined later.
CUT_PIXELS = 60_000
#: Half-width of the band along the cut where the matte is estimated, in IOD.
BAND_IOD = 0.12
#: Largest lens-blur radius (bg_blur = 1), in IOD; without a face, in image diagonals.
BLUR_RADIUS_IOD = 0.45
BLUR_RADIUS_DIAGONAL = 0.025
#: Blur ladder: radii BLUR_RADIUS * 2**-k for k in 0..BLUR_LEVELS-1; a slider move mixes two.
BLUR_LEVELS = 5
#: Largest background light change (bg_light = +-1), in photographic stops.
LIGHT_STOPS = 1.0
#: How much brighter the backdrop is behind the head than at the frame's edges (linear light).
BACKDROP_GLOW = 0.08

_ONES = np.ones((1, 3), np.float32)
#: Largest head region whose old background is kept between renders, pixels.
REGION_KEPT_PIXELS = 2_000_000


# --------------------------------------------------------------------------------------------
# The person matte
# --------------------------------------------------------------------------------------------

def _face_frame(face: Face) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Eye midpoint, unit 'right' and 'up' vectors of the head (roll followed), IOD in pixels."""
    left, right = face.eye_centres
    up = up_direction(face).astype(np.float32)
    across = np.array([-up[1], up[0]], np.float32)  # perpendicular to 'up', along the eye line
    return ((left + right) / 2).astype(np.float32), across, up, max(face.iod, 1.0)


def _ellipse_points(centre, right, up, a: float, b: float, n: int = 48) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return (centre + np.outer(np.cos(t) * a, right) + np.outer(np.sin(t) * b, up)).astype(np.float32)


def _fill(mask: np.ndarray, points: np.ndarray, value: int, convex: bool = True) -> None:
    pts = np.round(points).astype(np.int32)
    if convex:
        cv2.fillConvexPoly(mask, cv2.convexHull(pts), int(value))
    else:
        cv2.fillPoly(mask, [pts], int(value))


def _person_prior(face: Face, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Sure-person seed and head-and-shoulders prior (uint8 0/1 masks) at ``shape``.

    Proportions in IOD from the eye midpoint: the face is ~2.1 IOD wide, the chin ~1.7 IOD
    below the eyes, the crown ~2 IOD above them; the shoulders slope out from the chin to
    ~4.8 IOD wide half an IOD below it.
    """
    h, w = shape
    centre, right, up, iod = _face_frame(face)
    pts = face.landmarks.astype(np.float32)
    chin = pts[8]
    sure = np.zeros((h, w), np.uint8)
    prior = np.zeros((h, w), np.uint8)

    # Sure person: the face hull pulled 8% IOD toward its centre (landmark jitter on the jaw),
    # and the throat just under the chin.
    hull = face_hull_points(face).astype(np.float32)
    mid = hull.mean(axis=0)
    _fill(sure, mid + (hull - mid) * 0.92, 1)
    down = np.array([0.0, 1.0], np.float32)
    throat = chin + down * 0.45 * iod
    _fill(sure, _ellipse_points(throat, np.array([1.0, 0.0]), down, 0.30 * iod, 0.30 * iod), 1)

    # The torso straight under the chin is person too (a shirt, a beard, long hair), down to
    # about the waist: sure.
    x = chin[0]
    torso = np.array([[x - 0.6 * iod, chin[1] + 0.3 * iod], [x + 0.6 * iod, chin[1] + 0.3 * iod],
                      [x + 1.0 * iod, chin[1] + 2.0 * iod], [x + 1.0 * iod, chin[1] + 6.0 * iod],
                      [x - 1.0 * iod, chin[1] + 6.0 * iod], [x - 1.0 * iod, chin[1] + 2.0 * iod]],
                     dtype=np.float32)
    _fill(sure, torso, 1)

    # Probable person: head with hair, neck, shoulders and body down to the bottom edge.
    _fill(prior, _ellipse_points(centre + up * 0.35 * iod, right, up, 1.55 * iod, 2.15 * iod), 1)
    neck_top = chin[1] - 0.3 * iod
    shoulder_y = chin[1] + 0.5 * iod
    bottom = max(h, shoulder_y + 2.0 * iod) + 1
    body = np.array([
        [x - 0.85 * iod, neck_top], [x + 0.85 * iod, neck_top], [x + 1.0 * iod, chin[1]],
        [x + 2.4 * iod, shoulder_y], [x + 3.0 * iod, shoulder_y + 1.5 * iod], [x + 3.2 * iod, bottom],
        [x - 3.2 * iod, bottom], [x - 3.0 * iod, shoulder_y + 1.5 * iod], [x - 2.4 * iod, shoulder_y],
        [x - 1.0 * iod, chin[1]],
    ], dtype=np.float32)
    _fill(prior, body, 1, convex=False)
    prior |= sure
    return sure, prior


def _grabcut(small: np.ndarray, face: Face) -> np.ndarray:
    """Binary person mask (uint8 0/1) of the proxy ``small`` by landmark-seeded GrabCut."""
    h, w = small.shape[:2]
    sure, prior = _person_prior(face, (h, w))
    iod = face.iod
    # Far from the prior is sure background; 0.7 IOD leaves room for big hair and loose clothes.
    reach = max(int(round(0.7 * iod)), 2)
    grown = cv2.dilate(prior, disk(reach))
    mask = np.full((h, w), cv2.GC_BGD, np.uint8)
    mask[grown > 0] = cv2.GC_PR_BGD
    # Below the chin, shoulders and arms may reach out anywhere: nothing there is sure background.
    chin_row = int(np.clip(np.ceil(face.landmarks[8, 1]), 0, h))
    mask[chin_row:][mask[chin_row:] == cv2.GC_BGD] = cv2.GC_PR_BGD
    mask[prior > 0] = cv2.GC_PR_FGD
    mask[sure > 0] = cv2.GC_FGD
    # GrabCut needs background samples; a tight crop may leave only the prior's rim.
    if (mask == cv2.GC_BGD).sum() + (mask == cv2.GC_PR_BGD).sum() < 64:
        return prior
    image8 = np.clip(small * 255.0 + 0.5, 0, 255).astype(np.uint8)
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(20261128)  # GrabCut's k-means start is random; same photo, same matte
    cv2.grabCut(image8, mask, None, bgd, fgd, 2, cv2.GC_INIT_WITH_MASK)
    person = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    # Background colours: what GrabCut left outside the prior above the mouth (shoulders
    # never reach up there), and anything far from the prior.
    background = (person == 0) & (prior == 0)
    mouth_row = int(np.clip(np.ceil(face.landmarks[57, 1]), 0, h))
    background[mouth_row:] &= grown[mouth_row:] == 0
    # Prior odds for the person below the chin (shoulders, body; GrabCut's cut of the head is
    # better left alone): 4:1 inside the prior, 1:1 up to half an IOD outside it (raised or
    # broad shoulders).
    near = cv2.dilate(prior, disk(reach * 5 // 7))
    odds = np.where(prior > 0, 4.0, np.where(near > 0, 1.0, 0.0)).astype(np.float32)
    odds[:chin_row] = 0.0
    person |= _unlike_background(image8, person | sure, background, odds, iod)
    return _tidy(person, sure, iod)


def _colour_histogram(image8: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Smoothed, normalised 16x16x16 RGB histogram of the pixels ``where`` is set."""
    index = _colour_bins(image8)[where > 0]
    hist = np.bincount(index, minlength=16 ** 3).astype(np.float32).reshape(16, 16, 16)
    # Spread each count over neighbouring bins (Gaussian, sigma 0.8 bin) along each axis.
    taps = np.exp(-np.arange(-3, 4) ** 2 / (2 * 0.8 ** 2)).astype(np.float32)
    taps /= taps.sum()
    for axis in range(3):
        padded = np.pad(hist, [(3, 3) if a == axis else (0, 0) for a in range(3)])
        hist = sum(t * np.take(padded, range(i, i + 16), axis=axis) for i, t in enumerate(taps))
    return hist / max(float(hist.sum()), 1.0)


def _colour_bins(image8: np.ndarray) -> np.ndarray:
    q = (image8 >> 4).astype(np.int32)
    return (q[:, :, 0] << 8) | (q[:, :, 1] << 4) | q[:, :, 2]


def _unlike_background(image8: np.ndarray, person: np.ndarray, background: np.ndarray,
                       odds: np.ndarray, iod: float) -> np.ndarray:
    """Parts of the likely person whose colour the background lacks.

    GrabCut learns its colour models from the uncertain region too, and may hand a shaded
    shoulder or a dark shirt to the background when that colour crept into its background model. Here the
    background colours come only from ``background`` (chosen away from where shoulders may be):
    a pixel where ``odds`` (prior odds for the person, 0 = never) times the colour's likelihood
    ratio (person / background) exceeds 1, on average over ~0.1 IOD, is person.
    """
    if background.sum() < 0.02 * background.size:
        return np.zeros_like(person)
    hist_bg = _colour_histogram(image8, background)
    hist_fg = _colour_histogram(image8, person)
    bins = _colour_bins(image8)
    # A colour seen on neither side counts against the person (1:5), so it takes a colour the
    # person really has to win a pixel back, not just a colour the background lacks.
    ratio = np.log(hist_fg.reshape(-1)[bins] + 1e-5) - np.log(hist_bg.reshape(-1)[bins] + 5e-5)
    # Posterior log-odds; a local average stands in for GrabCut's smoothness term.
    logit = ratio.astype(np.float32) + np.log(np.maximum(odds, 1e-3))
    sigma = max(0.08 * iod, 1.0)
    smooth = cv2.GaussianBlur(logit, (0, 0), sigma)
    return ((smooth > 0) & (odds > 0)).astype(np.uint8)


def _tidy(person: np.ndarray, sure: np.ndarray, iod: float) -> np.ndarray:
    """Keep the parts connected to the face; fill small enclosed holes (pixels of the proxy)."""
    count, labels = cv2.connectedComponents(person, connectivity=8)
    if count > 2:
        keep = np.unique(labels[(sure > 0) & (person > 0)])
        keep = keep[keep > 0]
        person = np.isin(labels, keep).astype(np.uint8)
    holes = 1 - person
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    h, w = person.shape
    small_hole = (0.35 * iod) ** 2
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        touches_edge = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches_edge and area < small_hole:
            person[labels == i] = 1
    return person


def _colour_guided_filter(guide: np.ndarray, source: np.ndarray, radius: int,
                          eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (a (H,W,3), b (H,W)) of He's guided filter with a colour guide.

    A colour guide separates person and background that share a luminance (a blue backdrop
    behind skin), which the grey guided filter of studio.imaging.filters cannot.
    """
    def mean(x):
        return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)

    mu = mean(guide)
    mp = mean(source)
    cov_ip = mean(guide * source[:, :, None]) - mu * mp[:, :, None]
    # Covariance of the guide: 6 unique entries, eps on the diagonal.
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    var = {}
    for i, j in pairs:
        var[i, j] = mean(guide[:, :, i] * guide[:, :, j]) - mu[:, :, i] * mu[:, :, j]
    s00, s01, s02 = var[0, 0] + eps, var[0, 1], var[0, 2]
    s11, s12, s22 = var[1, 1] + eps, var[1, 2], var[2, 2] + eps
    # Inverse of the symmetric 3x3 by cofactors (vectorised; far faster than a batched solve).
    i00 = s11 * s22 - s12 * s12
    i01 = s02 * s12 - s01 * s22
    i02 = s01 * s12 - s02 * s11
    i11 = s00 * s22 - s02 * s02
    i12 = s01 * s02 - s00 * s12
    i22 = s00 * s11 - s01 * s01
    det = s00 * i00 + s01 * i01 + s02 * i02
    c0, c1, c2 = cov_ip[:, :, 0], cov_ip[:, :, 1], cov_ip[:, :, 2]
    a = np.dstack([i00 * c0 + i01 * c1 + i02 * c2,
                   i01 * c0 + i11 * c1 + i12 * c2,
                   i02 * c0 + i12 * c1 + i22 * c2]) / det[:, :, None]
    b = mp - np.einsum("hwc,hwc->hw", a, mu)
    return mean(a), mean(b)


def _colour_projection(image: np.ndarray, coarse: np.ndarray, inside: np.ndarray,
                       outside: np.ndarray, sigma: float) -> np.ndarray:
    """Alpha in the band between ``inside`` (sure person) and ``outside`` (sure background).

    Each band pixel's colour is projected on the line from the local background colour to
    the local person colour (both Gaussian averages over the sure regions, ``sigma`` pixels):
    a hair over a bright wall gets the fraction of hair its colour says. Where the two local
    colours are alike, or one is missing, the projection is unreliable and the binary cut
    (``coarse``) is kept instead.
    """
    # Full resolution (this is the medium copy already) with OpenCV's default border.
    person = normalized_blur(image, inside, sigma, shrink=False, border=cv2.BORDER_REFLECT_101)
    scene = normalized_blur(image, outside, sigma, shrink=False, border=cv2.BORDER_REFLECT_101)
    w_in = cv2.GaussianBlur(inside, (0, 0), sigma)
    w_out = cv2.GaussianBlur(outside, (0, 0), sigma)
    d = person - scene
    dd = np.einsum("hwc,hwc->hw", d, d)
    projection = np.clip(np.einsum("hwc,hwc->hw", image - scene, d) / (dd + 1e-6), 0.0, 1.0)
    # Trust: colours ~0.1 apart (in [0, 1] RGB) give half; both sides must be present nearby;
    # and the pixel must lie near the line between them (dark hair between skin and a blue
    # wall is neither, and must not turn half transparent).
    off_line = image - scene - projection[:, :, None] * d
    residual = np.einsum("hwc,hwc->hw", off_line, off_line)
    trust = (dd / (dd + 0.01) * dd / (dd + 10.0 * residual + 1e-6)
             * np.clip(np.minimum(w_in, w_out) * 10.0, 0.0, 1.0))
    matte = coarse + trust * (projection - coarse)
    matte = np.where(inside > 0, 1.0, np.where(outside > 0, 0.0, matte))
    return matte.astype(np.float32)


def _enlarge(small: np.ndarray, size: tuple[int, int], band: slice,
             cols: slice | None = None, dst: np.ndarray | None = None) -> np.ndarray:
    """Rows ``band`` (and columns ``cols``, default all) of ``small`` enlarged bilinearly to
    ``size`` (w, h), pixel centres aligned as cv2.resize does, without making the whole
    enlarged image; written into ``dst`` (a view of the right shape) when given."""
    w, h = size
    sh, sw = small.shape[:2]
    sx, sy = sw / w, sh / h
    x0, x1 = (0, w) if cols is None else (cols.start, cols.stop)
    matrix = np.array([[sx, 0.0, (x0 + 0.5) * sx - 0.5], [0.0, sy, (band.start + 0.5) * sy - 0.5]])
    return cv2.warpAffine(small, matrix, (x1 - x0, band.stop - band.start), dst=dst,
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def person_alpha(pixels: np.ndarray, face: Face | None, also: Sequence[Face] = ()) -> np.ndarray:
    """Soft person matte of a photo.

    Parameters
    ----------
    pixels : float32 (H, W, 3) sRGB in [0, 1].
    face : the face whose person to keep (landmarks in ``pixels``' coordinates), or None.
    also : more faces whose persons are kept too (a group retouched together): one matte
        for everyone, made in one pass (the band widths follow ``face``), instead of a
        whole-photo matte per person.

    Returns
    -------
    float32 (H, W) in [0, 1]: 1 on the person (head, hair, neck, shoulders and body), 0 on the
    background, fractional along hair and soft edges. Exactly 1 inside the face hull. Without a
    face, all 0: the whole photo counts as background.
    """
    pixels = _check_pixels(pixels)
    h, w = pixels.shape[:2]
    if face is None:
        return np.zeros((h, w), np.float32)

    # 1. GrabCut on a small proxy (shrunk from the medium copy of step 2: one pass over the
    # photo's pixels instead of two).
    k = min(1.0, (CUT_PIXELS / (h * w)) ** 0.5)
    size = (max(int(round(w * k)), 8), max(int(round(h * k)), 8))
    m = min(1.0, 2.0 * k)
    msize = (max(int(round(w * m)), 8), max(int(round(h * m)), 8))
    guide = cv2.resize(pixels, msize, interpolation=cv2.INTER_AREA) if m < 1 else pixels
    small = cv2.resize(guide, size, interpolation=cv2.INTER_AREA) if k < 1 else pixels
    kx, ky = size[0] / w, size[1] / h
    small_face = face.scaled((kx + ky) / 2)
    small_others = [other.scaled((kx + ky) / 2) for other in also]
    # The learned segmentation model's silhouette of the subject; GrabCut without the model.
    # (The model sees the whole photo once, whoever the subjects are.)
    probability = person_probability_map(guide) if small_others else None
    person = None
    for subject in (small_face, *small_others):
        mask = person_mask(guide, small.shape[:2], subject, probability)
        if mask is None:
            mask = _grabcut(small, subject)
        person = mask if person is None else np.maximum(person, mask)

    # 2. A matte in a band along the cut, on the medium copy (~4x the proxy's pixels): each
    # pixel's colour projected between the nearby sure-person and sure-background colours.
    iod_m = face.iod * msize[0] / w
    kernel = disk(BAND_IOD * small_face.iod)
    hull = np.zeros(person.shape, np.uint8)
    for subject in (small_face, *small_others):
        _fill(hull, face_hull_points(subject), 1)
    inside = np.maximum(cv2.erode(person, kernel), cv2.erode(hull, kernel))
    outside = cv2.erode(1 - person, kernel)
    stack = np.dstack([person, inside, outside]).astype(np.float32)
    stack = cv2.resize(stack, msize, interpolation=cv2.INTER_LINEAR) if m != k else stack
    coarse = stack[:, :, 0]
    inside_m = (stack[:, :, 1] >= 1.0).astype(np.float32)
    outside_m = (stack[:, :, 2] >= 1.0).astype(np.float32)
    matte = _colour_projection(guide, coarse, inside_m, outside_m, sigma=0.15 * iod_m)

    # 3. To full resolution through a colour-guided filter (the fast guided filter): smooth
    # coefficients from the medium copy applied to the full-resolution colours, so single
    # hairs get fractional alpha.
    radius = max(int(round(iod_m / 25)), 2)
    a, b = _colour_guided_filter(guide, matte, radius, eps=1e-3)
    # Exactly 1 in the person's core, exactly 0 far out in the background, reached through a
    # soft ramp (a hard switch would show the proxy's pixel grid as steps).
    ramp = max(1.5 * msize[0] / size[0], 1.0)
    sure = np.dstack([inside_m, outside_m])
    sure = np.clip((cv2.GaussianBlur(sure, (0, 0), ramp) - 0.5) * 2.0 + 0.5, 0.0, 1.0)
    rest = np.ascontiguousarray(np.dstack([b, sure]))
    # Which full-size columns of a band are surely person (ramp 1 at both medium columns
    # around them, on every medium row the band reads) or surely background: there alpha is
    # exactly 1 or 0 without enlarging anything; the guided filter runs on the other columns.
    mh, mw = sure.shape[:2]
    sure_person = sure[:, :, 0] >= 1.0
    sure_background = sure[:, :, 1] >= 1.0
    columns = (np.arange(w, dtype=np.float64) + 0.5) * (mw / w) - 0.5
    left = np.clip(np.floor(columns).astype(np.int64), 0, mw - 1)
    right = np.minimum(left + 1, mw - 1)
    alpha = np.zeros((h, w), np.float32)  # fresh zero pages: the background costs nothing
    for band in row_bands(h, w):
        first = int(np.clip(np.floor((band.start + 0.5) * mh / h - 0.5), 0, mh - 1))
        last = int(np.clip(np.floor((band.stop - 0.5) * mh / h - 0.5) + 1, 0, mh - 1))
        person_cols = sure_person[first:last + 1].all(axis=0)
        background_cols = sure_background[first:last + 1].all(axis=0)
        person_cols = person_cols[left] & person_cols[right]
        for c0, c1 in _runs(person_cols, gap=1):
            alpha[band, c0:c1] = 1.0
        unsure = ~(person_cols | (background_cols[left] & background_cols[right]))
        for c0, c1 in _runs(unsure):
            cols = slice(c0, c1)
            part = _enlarge(rest, (w, h), band, cols)
            coef = _enlarge(a, (w, h), band, cols)
            # Sum over the channels by cv2.transform (numpy's sum over the last axis is slow).
            value = cv2.transform(cv2.multiply(np.ascontiguousarray(pixels[band, cols]), coef), _ONES)
            value += part[:, :, 0]
            # Rescale so values within 3% of 0 or 1 become exactly 0 or 1 (clean flat areas).
            value = np.clip((value - 0.03) * (1 / 0.94), 0.0, 1.0)
            value += part[:, :, 1] * (1.0 - value)
            value *= 1.0 - part[:, :, 2]
            alpha[band, cols] = value
    # The face's core (the hull off the jaw's edge) is always person.
    for subject in (face, *also):
        cv2.fillConvexPoly(alpha, np.round(face_core_points(subject)).astype(np.int32), 1.0)
        _keep_features(alpha, subject)
    return alpha


def _keep_features(alpha: np.ndarray, face: Face) -> None:
    """Set ``alpha`` to 1 on the protected features (eyes, brows, nostrils, lips, with their
    margin): a brow's outer end can lie outside the shrunk hull, and no background slider
    may touch a feature."""
    h, w = alpha.shape
    points = face.landmarks
    pad = 0.1 * face.iod + 2
    x0, y0 = (max(int(np.floor(v - pad)), 0) for v in points.min(axis=0))
    x1 = min(int(np.ceil(points[:, 0].max() + pad)) + 1, w)
    y1 = min(int(np.ceil(points[:, 1].max() + pad)) + 1, h)
    if x1 <= x0 or y1 <= y0:
        return
    features = protected_mask(face.translated(x0, y0), (y1 - y0, x1 - x0))
    box = alpha[y0:y1, x0:x1]
    np.maximum(box, features, out=box)


# --------------------------------------------------------------------------------------------
# Prepared layers and the edits
# --------------------------------------------------------------------------------------------

class ColumnRun(NamedTuple):
    """Columns [start, stop) of a band of rows that show some background, and the runs of
    columns within them where the matte is soft (0 < alpha < 1): (start, stop) pairs."""

    start: int
    stop: int
    soft_edges: list[tuple[int, int]]


@dataclass(frozen=True, eq=False)
class BackgroundLayers:
    """Slider-independent work for one photo at one size (from ``prepare_background``).

    photo, alpha : the photo (float32 (H, W, 3) sRGB) and its person matte (H, W) the layers
        were prepared from (the same arrays, not copies).
    blur_radii : lens radii in pixels of this image, largest first.
    blur_levels : the background blurred at each radius (alpha-normalised, in linear light,
        stored sRGB-encoded), each on a small copy enlarged at slider time.
    glow : float32 (h, w) on a small grid, the backdrop's soft light in linear light: exactly 1
        at the frame's corners, up to 1 + BACKDROP_GLOW behind the head.
    """

    photo: np.ndarray
    alpha: np.ndarray
    blur_radii: tuple[float, ...]
    blur_levels: tuple[np.ndarray, ...]
    glow: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.alpha.shape

    def old_bg(self, rows: slice, cols: slice | None = None) -> np.ndarray:
        """The background's colour at pixels (rows, cols) (float32 (h, w, 3) sRGB): the photo
        itself where alpha is 0, a local estimate of the background hidden behind hair and
        edges where alpha is fractional (anything where alpha is 1; it is never used there).

        The smallest blur level's local estimate (made of pure background only), faded in
        quickly (fully from alpha 0.05) so the pure background keeps its own pixels and no
        person colour stays in the estimate. Made band by band when needed: a whole-photo
        copy would cost more (fresh memory) than making it again.
        """
        h, w = self.alpha.shape
        cols = slice(0, w) if cols is None else cols
        photo = self.photo[rows, cols]
        local = _enlarge(self.blur_levels[-1], (w, h), rows, cols)
        mix = np.minimum(self.alpha[rows, cols] * 20.0, 1.0)[:, :, None]
        return photo + mix * (local - photo)

    def region_old_bg(self, rows: slice, cols: slice) -> np.ndarray:
        """``old_bg`` of a region (the head's, re-composited on every face slider move), kept
        for the last region asked for."""
        key = (rows.start, rows.stop, cols.start, cols.stop)
        last = getattr(self, "_last_region", None)
        if last is None or last[0] != key:
            last = (key, self.old_bg(rows, cols))
            object.__setattr__(self, "_last_region", last)
        return last[1]

    def person_share(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``person_share(photo, self, alpha)``, made once and kept (two photo-sized arrays)."""
        share = getattr(self, "_person_share", None)
        if share is None:
            share = person_share(self.photo, self, self.alpha)
            object.__setattr__(self, "_person_share", share)
        return share

    def new_background(self, params: Params, shares) -> object:
        """``_new_background(self, params, shares)``, kept for the last values: the pipeline
        hands a region's bands one call each, and they share it."""
        key = (params, shares is not None)
        last = getattr(self, "_last_background", None)
        if last is None or last[0] != key:
            last = (key, _new_background(self, params, shares))
            object.__setattr__(self, "_last_background", last)
        return last[1]

    def background_columns(self, rows: slice, cols: slice) -> list[list[ColumnRun]]:
        """For each band of rows of the region (``row_bands``), the runs of columns that show some
        background (alpha < 1 on a row), in the region's columns; kept per region (the alpha
        never changes).

        Every path (one-off, kept person shares, head region) cuts a band the same way, so
        the same pixel is always interpolated from the same origin: the same bits."""
        key = (rows.start, rows.stop, cols.start, cols.stop)
        cache = getattr(self, "_background_columns", None)
        if cache is None:
            cache = {}
            object.__setattr__(self, "_background_columns", cache)
        if key not in cache:
            cache[key] = background_columns(self.alpha, rows, cols)
        return cache[key]


def background_columns(alpha: np.ndarray, rows: slice, cols: slice) -> list[list[ColumnRun]]:
    """For each band of rows of the region (rows, cols) of the matte ``alpha`` (``row_bands``),
    the runs of columns that show some background (alpha < 1 on a row), in the region's
    columns, each with its soft edges."""
    bands = []
    inside = (float(np.nextafter(np.float32(0), np.float32(1))),
              float(np.nextafter(np.float32(1), np.float32(0))))
    for band in row_bands(rows.stop - rows.start, cols.stop - cols.start):
        band_alpha = alpha[rows.start + band.start:rows.start + band.stop, cols]
        # Column reductions by OpenCV (numpy's any over a strided view is slow).
        lowest = cv2.reduce(band_alpha, 0, cv2.REDUCE_MIN).reshape(-1)
        runs = []
        for c0, c1 in _runs(lowest < 1.0):
            soft = cv2.inRange(np.ascontiguousarray(band_alpha[:, c0:c1]), *inside)
            soft = cv2.reduce(soft, 0, cv2.REDUCE_MAX).reshape(-1) > 0
            runs.append(ColumnRun(c0, c1, [(c0 + s0, c0 + s1) for s0, s1 in _runs(soft)]))
        bands.append(runs)
    return bands


def _check_pixels(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {pixels.shape}")
    return pixels.astype(np.float32, copy=False)


def _lens_kernel(radius: float) -> np.ndarray:
    """A lens-aperture kernel: a disc with an anti-aliased rim, summing to 1."""
    r = max(radius, 0.5)
    n = int(np.ceil(r)) + 1
    y, x = np.mgrid[-n:n + 1, -n:n + 1].astype(np.float32)
    kernel = np.clip(r + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return (kernel / kernel.sum()).astype(np.float32)


def _background_weight(alpha: np.ndarray) -> np.ndarray:
    """How much a pixel tells about the background: (1 - 10 alpha)^2, none from alpha >= 0.1.

    Soft edges and hair carry some of the person's colour; they must not seep into the
    blurred background (that would be a halo), nor into the estimate of the background
    behind them.
    """
    return np.square(np.clip(1.0 - 10.0 * alpha, 0.0, 1.0)).astype(np.float32)


def _weighted_background(pixels: np.ndarray, alpha: np.ndarray, scale: float
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Colour x background weight (h, w, 3) and the weight (h, w), float32, area-shrunk by a
    whole factor of up to 1 / ``scale`` (2 or more; the last few rows and columns that do not
    fill a block are left out), band by band: the full-size product never exists at once (a
    big photo's fresh memory costs more than the arithmetic)."""
    h, w = alpha.shape
    factor = max(int(1.0 / scale), 1) if scale < 0.5 and min(h, w) >= 2 * scale ** -1 else 1
    if factor == 1:
        weight = _background_weight(alpha)
        return cv2.multiply(pixels, cv2.merge([weight] * 3)), weight
    blocks = w // factor
    rows = max(1, 65536 // max(w * factor, 1)) * factor
    colours, weights = [], []
    for top in range(0, h - h % factor, rows):
        band = slice(top, min(top + rows, h - h % factor))
        band_alpha = alpha[band, :blocks * factor]
        band_pixels = pixels[band, :blocks * factor]
        n = (band.stop - band.start) // factor
        # The weight is 1 where alpha is 0 (the block's plain average) and 0 from alpha 0.1 on
        # (nothing of the person). A block's mean alpha is 0 only when every pixel is 0, and
        # this close to 1 only when every pixel is at least 0.5; the other blocks are weighed
        # pixel by pixel.
        mean = cv2.resize(band_alpha, (blocks, n), interpolation=cv2.INTER_AREA)
        person = mean.min(axis=0) >= 1.0 - 0.5 / factor ** 2
        touched = (mean.max(axis=0) > 0.0) & ~person
        colour = cv2.resize(band_pixels, (blocks, n), interpolation=cv2.INTER_AREA)
        weight = np.ones((n, blocks), np.float32)
        for b0, b1 in _runs(person, gap=1):
            colour[:, b0:b1] = 0.0
            weight[:, b0:b1] = 0.0
        for b0, b1 in _runs(touched):
            cols = slice(b0 * factor, b1 * factor)
            part_weight = _background_weight(band_alpha[:, cols])
            part = cv2.multiply(np.ascontiguousarray(band_pixels[:, cols]), cv2.merge([part_weight] * 3))
            colour[:, b0:b1] = cv2.resize(part, (b1 - b0, n), interpolation=cv2.INTER_AREA)
            weight[:, b0:b1] = cv2.resize(part_weight, (b1 - b0, n), interpolation=cv2.INTER_AREA)
        colours.append(colour)
        weights.append(weight)
    return np.vstack(colours), np.vstack(weights)


def _blur_radius(face: Face | None, shape: tuple[int, int]) -> float:
    """The lens radius at bg_blur = 1, in pixels of an image of ``shape``."""
    if face is not None:
        return BLUR_RADIUS_IOD * face.iod
    return BLUR_RADIUS_DIAGONAL * float(np.hypot(*shape))


def prepare_background(pixels: np.ndarray, alpha: np.ndarray, face: Face | None) -> BackgroundLayers:
    """Per-photo preparation of the background edits (expensive, slider-independent).

    Parameters
    ----------
    pixels : float32 (H, W, 3) sRGB in [0, 1].
    alpha : float32 (H, W) person matte from ``person_alpha`` (1 = person).
    face : the face the matte was cut for (sets the blur radii in IOD), or None.

    Notes
    -----
    The blur ladder is built on a pyramid of halved copies of (background colour x weight,
    weight) in linear light; each radius is blurred with a small disc on the level where the
    disc is 3-6 pixels wide, so the cost does not grow with the radius (nor much with the
    photo's size: only the old background under soft edges is kept at full resolution). Dividing the blurred
    colour by the blurred weight (alpha-normalised blur) keeps the person out of the
    background: no halo.
    """
    pixels = _check_pixels(pixels)
    alpha = np.asarray(alpha, dtype=np.float32)
    h, w = alpha.shape
    if pixels.shape[:2] != (h, w):
        raise ValueError("pixels and alpha differ in size")
    top = _blur_radius(face, (h, w))
    radii = tuple(top * 2.0 ** -i for i in range(BLUR_LEVELS))
    # Work starts on a copy where the smallest disc is ~3 px wide: the background only (its
    # weighted average colour per cell, so no person colour), then into linear light.
    s0 = min(1.0, 3.0 / max(radii[-1], 1e-6))
    colour, weight = _weighted_background(pixels, alpha, s0)
    if s0 < 1:
        size = (max(int(round(w * s0)), 2), max(int(round(h * s0)), 2))
        colour = cv2.resize(colour, size, interpolation=cv2.INTER_AREA)
        weight = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        s0 = size[0] / w
    weight3 = cv2.merge([weight] * 3)
    linear = fast_to_linear(cv2.divide(colour, np.maximum(weight3, 1e-6)))  # table, clipped to [0, 1]
    premultiplied = cv2.multiply(linear, weight3)
    # A background colour for places with no background anywhere near (inside the body).
    total_weight = cv2.sumElems(weight)[0]
    mean_bg = (np.array(cv2.sumElems(premultiplied)[:3]) / total_weight
               if total_weight > 1e-3 else np.full(3, 0.5))
    coarser = np.broadcast_to(mean_bg.astype(np.float32), (2, 2, 3))

    # Climb a pyramid of halved copies; each radius is a disc of at most ~6 px on its level,
    # so the cost does not grow with the radius.
    pyramid = [(premultiplied, weight, s0)]
    levels = []
    for radius in reversed(radii):  # smallest first
        while radius * pyramid[-1][2] > 6.0 and min(pyramid[-1][1].shape[:2]) > 8:
            level_c, level_w, scale = pyramid[-1]
            pyramid.append((cv2.pyrDown(level_c), cv2.pyrDown(level_w), scale * 0.5))
        level_c, level_w, scale = pyramid[-1]
        disc = _lens_kernel(radius * scale)
        levels.append((cv2.filter2D(level_c, -1, disc, borderType=cv2.BORDER_REFLECT),
                       cv2.filter2D(level_w, -1, disc, borderType=cv2.BORDER_REFLECT)))
    # Normalise, largest radius first; where no background is near, the next larger level
    # (then the mean background colour) stands in, smoothly.
    normalised = []
    eps = 1e-3
    for blurred_c, blurred_w in reversed(levels):
        sh, sw = blurred_w.shape[:2]
        fallback = cv2.resize(np.ascontiguousarray(coarser), (sw, sh), interpolation=cv2.INTER_LINEAR)
        linear = cv2.divide(cv2.scaleAdd(fallback, eps, blurred_c), cv2.merge([blurred_w + np.float32(eps)] * 3))
        normalised.append(linear)
        coarser = linear
    blur_levels = tuple(fast_to_srgb(level) for level in normalised)

    return BackgroundLayers(photo=pixels, alpha=alpha, blur_radii=radii,
                            blur_levels=blur_levels, glow=_backdrop_glow(face, (h, w)))


def _backdrop_glow(face: Face | None, shape: tuple[int, int]) -> np.ndarray:
    """A studio backdrop's light on a small grid (linear light, a factor on the colour).

    Brightest (1 + BACKDROP_GLOW) just above the head, falling smoothly to exactly 1 within
    3.5 IOD, and never beyond the nearest corner: every corner shows the chosen colour.
    """
    h, w = shape
    corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
    if face is None:
        cx, cy = (w - 1) / 2, (h - 1) / 2
        reach = np.inf
    else:
        centre, _, up, iod = _face_frame(face)
        cx, cy = centre + up * 0.5 * iod
        reach = 3.5 * iod
    reach = min(reach, min(np.hypot(cx - x, cy - y) for x, y in corners))
    s = min(1.0, 256 / max(h, w))
    gh, gw = max(int(round(h * s)), 2), max(int(round(w * s)), 2)
    y = (np.arange(gh, dtype=np.float32) + 0.5) * (h / gh) - 0.5
    x = (np.arange(gw, dtype=np.float32) + 0.5) * (w / gw) - 0.5
    d = np.hypot(x[None, :] - cx, y[:, None] - cy)
    t = np.clip(d / max(reach, 1.0), 0.0, 1.0)
    return (1.0 + BACKDROP_GLOW * np.square(1.0 - t) * (1.0 + 2.0 * t)).astype(np.float32)


def parse_backdrop(backdrop: str) -> np.ndarray:
    """'#rrggbb' to a float32 sRGB triple in [0, 1]; LikenessError naming the value otherwise."""
    text = str(backdrop).strip()
    if len(text) != 7 or text[0] != "#":
        raise LikenessError(f"backdrop must be a colour like #e8e8e8, not '{backdrop}'")
    try:
        return np.array([int(text[i:i + 2], 16) for i in (1, 3, 5)], np.float32) / 255.0
    except ValueError:
        raise LikenessError(f"backdrop must be a colour like #e8e8e8, not '{backdrop}'") from None


def _blurred(layers: BackgroundLayers, amount: float, restyle, unblurred):
    """The background blurred at radius ``amount`` * the top radius, ``restyle``d, as a function
    of a band of rows (sRGB).

    Mixes the two prepared levels around that radius (by log-radius), or the smallest level
    with the unblurred background (``unblurred(band, cols)``) below it.
    ``restyle`` (light, calm colours) runs on the small levels before they are enlarged.
    """
    h, w = layers.shape
    radii = layers.blur_radii
    radius = amount * radii[0]
    if radius >= radii[0]:
        top = restyle(layers.blur_levels[0])
        return lambda band, cols, dst=None: _enlarge(top, (w, h), band, cols, dst)
    if radius <= radii[-1]:
        # Mixed first and restyled once per pixel shown (the smallest level is as big as a
        # screen photo: restyling all of it on every move would cost more than the mix).
        t = np.float32(radius / radii[-1])

        def smallest(band, cols, dst=None):
            mixed = cv2.addWeighted(unblurred(band, cols), 1.0 - t,
                                    _enlarge(layers.blur_levels[-1], (w, h), band, cols), t, 0.0)
            return _written_to(dst, restyle(mixed))

        return smallest
    i = next(i for i in range(1, len(radii)) if radii[i] <= radius)
    t = float(np.log(radius / radii[i]) / np.log(radii[i - 1] / radii[i]))
    # The last mix is kept on the layers: the head region is re-composited on every face
    # slider move with the same background.
    key = (i, t, getattr(restyle, "key", None))
    last = getattr(layers, "_last_mix", None)
    if last is not None and last[0] == key:
        mixed = last[1]
    else:
        lower, upper = restyle(layers.blur_levels[i]), restyle(layers.blur_levels[i - 1])
        # Mixed on the finer level's grid (the coarser, blurrier level is smooth there), so a
        # slider move enlarges one image, not two.
        if upper.shape != lower.shape:
            upper = cv2.resize(upper, (lower.shape[1], lower.shape[0]), interpolation=cv2.INTER_LINEAR)
        mixed = cv2.addWeighted(lower, 1.0 - t, upper, t, 0.0)
        object.__setattr__(layers, "_last_mix", (key, mixed))
    return lambda band, cols, dst=None: _enlarge(mixed, (w, h), band, cols, dst)


def _written_to(dst: np.ndarray | None, image: np.ndarray) -> np.ndarray:
    """``image`` written into ``dst`` (and ``dst`` returned), or ``image`` when there is none."""
    if dst is None:
        return image
    dst[...] = image
    return dst


def _backdrop(layers: BackgroundLayers, params: Params, restyle):
    """The studio backdrop (sRGB), its colour or picture lit by the glow, as a function of a
    band of rows."""
    h, w = layers.shape
    if is_picture(params.backdrop):
        small = _lit_picture(layers, params.backdrop, float(min(max(params.blur, 0.0), 1.0)),
                             restyle)
    else:
        small = _lit_backdrop(layers.glow, params.backdrop, restyle)
    return lambda band, cols, dst=None: _enlarge(small, (w, h), band, cols, dst)


def _lit_picture(layers: BackgroundLayers, value: str, blur: float, restyle) -> np.ndarray:
    """The backdrop picture of ``value`` covering the frame on a small grid, blurred in linear
    light at BLUR_SHARE (background blur 0) to all (1) of the largest blur radius, lit by
    the glow and ``restyle``d: sRGB (gh, gw, 3)."""
    last = getattr(layers, "_last_picture", None)  # every band of a render asks for it
    if last is not None and last[0] == (value, blur):
        return restyle(last[1])
    grid = picture_grid(value, layers.shape)
    gh, gw = grid.shape[:2]
    radius = (BLUR_SHARE + (1.0 - BLUR_SHARE) * blur) * layers.blur_radii[0] * gw / layers.shape[1]
    linear = blurred(srgb_to_linear(grid), radius)
    glow = cv2.resize(layers.glow, (gw, gh), interpolation=cv2.INTER_LINEAR)
    lit = linear_to_srgb(np.clip(glow[:, :, None] * linear, 0.0, 1.0))
    object.__setattr__(layers, "_last_picture", ((value, blur), lit))
    return restyle(lit)


def _lit_backdrop(glow: np.ndarray, colour: str, restyle) -> np.ndarray:
    """The backdrop ``colour`` lit by ``glow`` (h, w) and ``restyle``d: sRGB (h, w, 3)."""
    shade = picture_shade(colour) if is_picture(colour) else parse_backdrop(colour)
    linear = srgb_to_linear(shade)
    return restyle(linear_to_srgb(np.clip(glow[:, :, None] * linear, 0.0, 1.0)))


def backdrop_shades(colour: str, light: float = 0.0, desaturate: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The backdrop as it is rendered (before the whole photo's warmth; a picture's by its
    mean colour): sRGB float32 (3,) in [0, 1] at the frame's edges and at its brightest, just above the head (the glow), after
    the background light and calm colours (``bg_light``, ``bg_desaturate``)."""
    glow = np.array([[1.0, 1.0 + BACKDROP_GLOW]], np.float32)
    edge, brightest = _lit_backdrop(glow, colour, _slider_restyler(light, desaturate))[0]
    return edge, brightest


def _slider_restyler(light: float, desaturate: float):
    """:func:`_restyler` of the sliders' values (clipped to their ranges)."""
    return _restyler(float(min(max(light, -1.0), 1.0)), float(min(max(desaturate, 0.0), 1.0)))


def _restyler(bg_light: float, bg_desaturate: float):
    """A function sRGB -> sRGB applying the background light and calmer colours, or identity.

    Both work in linear light. Calm colours: each colour moves toward the grey of equal
    luminance, so CIE L* stays exactly. Light, -1..1 = -LIGHT_STOPS..+LIGHT_STOPS: darkening is
    a plain exposure change; brightening uses a soft knee that keeps 1 at 1
    (f(x) = g x / (1 + (g - 1) x)), so highlights roll off instead of clipping.
    """
    if bg_light == 0 and bg_desaturate == 0:
        def identity(srgb: np.ndarray) -> np.ndarray:
            return srgb

        identity.key = (0.0, 0.0)
        return identity
    gain = np.float32(2.0 ** (bg_light * LIGHT_STOPS))
    calm = np.float32(bg_desaturate)
    # Calm colours (each channel toward the luminance) and a darkening gain are one matrix.
    matrix = ((1.0 - calm) * np.eye(3, dtype=np.float32) + calm * REC709[None, :]).astype(np.float32)
    if gain < 1:
        matrix *= gain
    linear_part = calm > 0 or gain < 1

    def restyle(srgb: np.ndarray) -> np.ndarray:
        linear = fast_to_linear(srgb)  # table lookups: a fraction of the formulas' cost
        if linear_part:
            linear = cv2.transform(linear, matrix)
        if gain > 1:
            knee = np.clip(linear, 0.0, 1.0)
            knee *= gain - np.float32(1.0)
            knee += np.float32(1.0)
            linear *= gain
            linear /= knee
        return fast_to_srgb(linear)

    restyle.key = (bg_light, bg_desaturate)  # what it does, for caches
    return restyle


def prepare(layers) -> BackgroundLayers:
    """The protocol's preparation: the person matte (``layers.person_alpha``) and the blur
    ladder, glow and old-background estimate of ``prepare_background``."""
    return prepare_background(layers.pixels, layers.person_alpha, layers.face)


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """The background edits composited behind the person.

    Parameters
    ----------
    region : ``pixels`` float32 (h, w, 3) sRGB in [0, 1] (the photo ``prepared`` was made
        from, or an edit of it that kept the background), or only the part ``box`` of it: the
        result then holds the same values as those pixels of a whole-photo call, so a face
        edit re-composites only its own region. ``prepared``: from ``prepare`` at this size.
        ``person_share``: through the prepared person share (whole photo only): a move costs
        one multiply-add per pixel. ``out_has_person``: ``out`` is an earlier result for the
        same photo, region and matte, holding the photo's bits where alpha is 1; only the
        columns that show background are written. ``band`` and ``columns``: the rows this
        call makes (the render pipeline hands the bands, maybe to several threads); None:
        all of them, one after the other.
    params : the four background sliders.
    out : float32 array shaped like ``pixels`` to write the result to; may be ``pixels``
        itself (the edit is then made in place). Required with ``band``.

    Returns
    -------
    float32 (h, w, 3) sRGB in [0, 1]; bit-identical to ``pixels`` where alpha is 1, and
    everywhere when every value is neutral (0, 0, 0, None).
    """
    layers = region.prepared
    pixels = _check_pixels(region.pixels)
    if params.is_neutral():
        return pixels.copy()
    h, w = layers.alpha.shape
    whole = region.box is None
    rows, cols = (slice(0, h), slice(0, w)) if whole else region.box
    if pixels.shape[:2] != (rows.stop - rows.start, cols.stop - cols.start):
        raise ValueError("pixels do not match the region")
    shares = layers.person_share() if region.person_share and whole else None
    in_place, person_ready = out is pixels, region.out_has_person
    if out is None or out.shape != pixels.shape or out.dtype != np.float32:
        if region.band is not None:
            raise ValueError("a band is written into the region's out")
        out, person_ready = np.empty_like(pixels), False
    # A preview's head region keeps its old background between face slider moves; a big
    # region (a full-size export) makes it band by band instead (no region-sized copy).
    keep_region = not whole and pixels.shape[0] * pixels.shape[1] <= REGION_KEPT_PIXELS
    work = _Compositing(
        layers, pixels, out, rows, cols, layers.new_background(params, shares), shares,
        layers.region_old_bg(rows, cols) if keep_region else None,
    )
    if region.band is not None:
        work.band(region.band, region.columns, in_place, person_ready)
        return out
    bands = row_bands(rows.stop - rows.start, cols.stop - cols.start)
    for band, runs in zip(bands, layers.background_columns(rows, cols), strict=True):
        work.band(band, runs, in_place, person_ready)
    return out


def _new_background(layers: BackgroundLayers, params: Params, shares):
    """The new background as a function (photo rows, photo cols, dst=None) -> sRGB pixels."""
    restyle = _slider_restyler(params.light, params.desaturate)
    if shares is not None:
        def unblurred(band, cols):  # kept with the shares, cut the same way
            return shares[2][band, cols]
    else:
        unblurred = layers.old_bg
    if params.backdrop is not None:
        return _backdrop(layers, params, restyle)
    if params.blur > 0:
        return _blurred(layers, float(min(params.blur, 1.0)), restyle, unblurred)

    def new_bg(band, cols, dst=None):
        return _written_to(dst, restyle(unblurred(band, cols)))

    return new_bg


@dataclass
class _Compositing:
    """One ``process`` call's data: the person composited over the new background into
    ``out``, band by band (``rows``, ``cols``: the region of the photo ``pixels`` shows)."""

    layers: BackgroundLayers
    pixels: np.ndarray
    out: np.ndarray
    rows: slice
    cols: slice
    new_bg: object
    shares: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    region_old_bg: np.ndarray | None

    def band(self, band: slice, runs: list[ColumnRun], in_place: bool, person_ready: bool) -> None:
        """Rows ``band`` of the region: the person's columns copied (unless ``out`` holds
        them already), the columns that show background made."""
        band_pixels, target = self.pixels[band], self.out[band]
        if in_place:
            if runs and self.shares is None:
                band_pixels = band_pixels.copy()
        elif not person_ready:
            start = 0
            for c0, c1, _ in runs + [(band_pixels.shape[1], None, None)]:
                if c0 > start:
                    target[:, start:c0] = band_pixels[:, start:c0]
                start = c1
        photo_rows = slice(self.rows.start + band.start, self.rows.start + band.stop)
        if self.shares is not None:
            person, keep, _ = self.shares
            for c0, c1, _ in runs:
                span = slice(c0, c1)
                cv2.add(person[band, span], cv2.multiply(self.new_bg(photo_rows, span), keep[band, span]),
                        dst=target[:, span])
            return
        band_alpha = self.layers.alpha[photo_rows, self.cols]
        for run in runs:
            self._run(band, photo_rows, run, band_pixels, band_alpha, target)

    def _run(self, band, photo_rows, run: ColumnRun, band_pixels, band_alpha, target) -> None:
        """One run of columns of a band: new background, the person put back, soft edges
        composited over their old background."""
        c0, c1, edges = run
        span, left = slice(c0, c1), self.cols.start
        part = target[:, span]
        self.new_bg(photo_rows, slice(left + c0, left + c1), part)
        cv2.copyTo(band_pixels[:, span], (band_alpha[:, span] >= 1.0).view(np.uint8), part)
        for s0, s1 in edges:
            edge = slice(s0, s1)
            if self.region_old_bg is None:
                old_bg = self.layers.old_bg(photo_rows, slice(left + s0, left + s1))
            else:
                old_bg = self.region_old_bg[band, edge]
            mixed = np.empty((band.stop - band.start, s1 - s0, 3), np.float32)
            _composite(np.ascontiguousarray(band_pixels[:, edge]), old_bg,
                       np.ascontiguousarray(target[:, edge]), np.ascontiguousarray(band_alpha[:, edge]),
                       mixed)
            target[:, edge] = mixed


def _runs(columns: np.ndarray, gap: int = 32) -> list[tuple[int, int]]:
    """(start, stop) of the runs of True in a 1-D bool array, runs less than ``gap`` apart
    joined (fewer, wider pieces cost less than many narrow ones)."""
    idx = np.flatnonzero(columns)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate([idx[:1], idx[breaks + 1]])
    stops = np.concatenate([idx[breaks], idx[-1:]]) + 1
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def person_share(pixels: np.ndarray, layers: BackgroundLayers, alpha: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What every background edit of ``pixels`` shares, for fast slider moves: the person's
    share of each pixel (``_composite``'s, with the photo's own bits where alpha is 1), the
    background's share (1 - alpha, three channels) and the old background (``old_bg``) in the
    columns that show background (cut as ``process`` cuts them), float32 (H, W, 3)
    each.

    ``process`` through it (``Region.person_share``) then costs one multiply-add per pixel
    and the new background; the result is the same bits."""
    pixels = _check_pixels(pixels)
    h, w = alpha.shape
    person = np.empty((h, w, 3), np.float32)
    keep = np.empty((h, w, 3), np.float32)
    old = np.zeros((h, w, 3), np.float32)
    whole = (slice(0, h), slice(0, w))
    for band, runs in zip(row_bands(h, w), layers.background_columns(*whole), strict=True):
        band_alpha = alpha[band]
        keep[band] = cv2.merge([1.0 - band_alpha] * 3)
        # 0 where alpha is 0, the photo where it is 1, _composite's share on the soft edges
        # (their old background cut exactly as process cuts it).
        share = np.zeros((band.stop - band.start, w, 3), np.float32)
        cv2.copyTo(pixels[band], (band_alpha >= 1.0).view(np.uint8), share)
        for c0, c1, edges in runs:
            old[band, c0:c1] = layers.old_bg(band, slice(c0, c1))
            for s0, s1 in edges:
                edge = slice(s0, s1)
                edge_pixels = np.ascontiguousarray(pixels[band, edge])
                edge_keep = np.ascontiguousarray(keep[band, edge])
                part = cv2.subtract(edge_pixels, cv2.multiply(layers.old_bg(band, edge), edge_keep))
                np.maximum(part, 0.0, out=part)
                np.minimum(part, cv2.merge([np.ascontiguousarray(band_alpha[:, edge])] * 3), out=part)
                np.copyto(part, edge_pixels, where=edge_keep <= 0.0)
                share[:, edge] = part
        person[band] = share
    return person, keep, old


def _composite(pixels: np.ndarray, old_bg: np.ndarray, new_bg: np.ndarray, alpha: np.ndarray,
               out: np.ndarray) -> None:
    """``out`` = the person's share of ``pixels`` over ``new_bg`` (all sRGB, one band of rows).

    Premultiplied: the person's share of each pixel is what is left after taking away the old
    background's share, kept within [0, alpha] per channel (a plausible colour), so an old
    background guessed wrong on a busy wall cannot tint hair edges with its opposite. With
    ``new_bg`` in [0, 1] the result is in [0, 1]; where alpha is 1 it is ``pixels`` exactly.
    """
    alpha3 = cv2.merge([alpha, alpha, alpha])
    keep = 1.0 - alpha
    keep3 = cv2.merge([keep, keep, keep])
    person = cv2.subtract(pixels, cv2.multiply(old_bg, keep3))
    np.maximum(person, 0.0, out=person)
    np.minimum(person, alpha3, out=person)
    cv2.add(person, cv2.multiply(new_bg, keep3), dst=out)
    # An input that overshoots [0, 1] by a rounding hair keeps its bits on the person too.
    if pixels.min() < 0.0 or pixels.max() > 1.0:
        np.copyto(out, pixels, where=alpha3 >= 1.0)


def head_top(pixels: np.ndarray, face: Face, long_edge: int = 800) -> float | None:
    """The top of the head, hair included (row in ``pixels``), from the person matte of a
    copy at most ``long_edge`` px across: what automatic framing keeps headroom above.
    None when the matte shows no head above the eyes."""
    from studio.imaging.framing import crown_of

    h, w = pixels.shape[:2]
    k = min(1.0, long_edge / max(h, w))
    small = pixels
    if k < 1.0:
        size = (max(int(round(w * k)), 8), max(int(round(h * k)), 8))
        small = cv2.resize(np.ascontiguousarray(pixels), size, interpolation=cv2.INTER_AREA)
    alpha = person_alpha(small, face.scaled(k) if k < 1.0 else face)
    crown = crown_of(alpha, face.landmarks * k)
    return None if crown is None else crown / k

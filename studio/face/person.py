"""Who is the person: the soft person matte of a photo and the top of the head (no Qt, no I/O).

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
``head_top(pixels, face)``
    The top of the head, hair included, from the matte of a small copy: what automatic framing
    keeps headroom above.

All radii are fractions of the inter-ocular distance (IOD). The background edits that use the
matte are ``studio.edits.background``'s.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from studio.face.matte import person_mask, person_probability_map
from studio.face.regions import face_core_points, face_hull_points, protected_mask, up_direction
from studio.face.types import Face
from studio.imaging.enlarge import enlarge_rows
from studio.imaging.filters import disk, normalized_blur, row_bands, true_runs
from studio.imaging.framing import crown_of

#: Pixels of the GrabCut proxy; GrabCut's cost grows with it and the matte is refined later.
CUT_PIXELS = 60_000
#: Half-width of the band along the cut where the matte is estimated, in IOD.
BAND_IOD = 0.12
_ONES = np.ones((1, 3), np.float32)


def face_frame(face: Face) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The head's frame: eye midpoint, unit 'right' and 'up' vectors of the head (roll followed), IOD in pixels."""
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
    centre, right, up, iod = face_frame(face)
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
        for c0, c1 in true_runs(person_cols, gap=1):
            alpha[band, c0:c1] = 1.0
        unsure = ~(person_cols | (background_cols[left] & background_cols[right]))
        for c0, c1 in true_runs(unsure):
            cols = slice(c0, c1)
            part = enlarge_rows(rest, (w, h), band, cols)
            coef = enlarge_rows(a, (w, h), band, cols)
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


def head_top(pixels: np.ndarray, face: Face, long_edge: int = 800) -> float | None:
    """The top of the head, hair included (row in ``pixels``), from the person matte of a
    copy at most ``long_edge`` px across: what automatic framing keeps headroom above.
    None when the matte shows no head above the eyes."""
    h, w = pixels.shape[:2]
    k = min(1.0, long_edge / max(h, w))
    small = pixels
    if k < 1.0:
        size = (max(int(round(w * k)), 8), max(int(round(h * k)), 8))
        small = cv2.resize(np.ascontiguousarray(pixels), size, interpolation=cv2.INTER_AREA)
    alpha = person_alpha(small, face.scaled(k) if k < 1.0 else face)
    crown = crown_of(alpha, face.landmarks * k)
    return None if crown is None else crown / k


def _check_pixels(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {pixels.shape}")
    return pixels.astype(np.float32, copy=False)

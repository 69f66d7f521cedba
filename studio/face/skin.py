"""The skin mask: where smoothing and skin edits may act.

The face oval (jaw plus the forehead up to about the hairline) and the neck below the
jaw give the region where skin may be; a colour model fitted on this photo's own cheek,
forehead and nose-bridge samples (a Gaussian in CIE L*a*b*, compared by Mahalanobis
distance) keeps only what looks like that skin, so hair, beard, glasses frames and
background fall out whatever the skin tone or light. Photos without colour use
lightness alone. Edges are feathered with a guided filter on the photo itself, so they
follow the real edge and edits leave no halo.

All work happens on a crop around the face, at a working scale where the IOD is
``WORK_IOD`` pixels, so a proxy and the full-size photo give the same mask.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.face.regions import draw_polygon, protected_mask, raised_brows, up_direction
from studio.face.types import Face
from studio.imaging.colour import luminance
from studio.imaging.filters import guided_filter

#: How much darkness (per L* unit) and yellowness (per b* unit) excuse extra redness on skin:
#: brown moles and freckles are dark and yellow, a pimple is red for its darkness (the
#: blemish edit and Suggest Marks tell a spot by it).
DARK_EXCUSE, YELLOW_EXCUSE = 0.35, 0.4

#: The skin mask keeps this much further away from the protected features, in IOD (docs/quality.md).
SKIN_FEATURE_GAP = 0.08
#: ... and fades in over this much more, in IOD.
SKIN_FEATURE_FADE = 0.05
#: How far above the brows the forehead may reach (about the hairline, or a bald head), in IOD.
FOREHEAD_REACH = 1.0
#: How far below the chin the neck may reach, in IOD.
NECK_REACH = 0.9
#: The colour model works at this IOD in pixels (masks are then the same at any scale).
WORK_IOD = 100.0
#: Radius of each colour sample disc, in IOD.
SAMPLE_RADIUS = 0.09
#: Mahalanobis distance (in standard deviations) where skin starts fading out, and where it is gone.
SKIN_NEAR, SKIN_FAR = 2.75, 4.25
#: A sample patch joins the colour model only if its median lies this close to the
#: robust fit of all patches (standard deviations): hair and beard patches stay out.
PATCH_AGREEMENT = 1.75
#: Lightness varies with shading on the same skin: its spread is widened by this factor.
LIGHTNESS_SLACK = 1.8
#: Smallest standard deviations of the colour model: L* (lightness) and a*, b* (chroma).
MIN_SPREAD_L, MIN_SPREAD_AB = 5.0, 2.0
#: Photos whose chroma spread is below this (a*, b* units) are treated as black and white.
GREY_CHROMA = 2.0
#: Holes in the skin smaller than this (area in IOD^2: moles, freckles, highlights) are filled.
HOLE_AREA = 0.03
#: Enclosed holes brighter than the skin (shine) are filled up to this area, in IOD^2.
HIGHLIGHT_AREA = 0.5
#: Edge feathering: guided-filter radius in IOD and its edge threshold (squared 0..1 units).
FEATHER_RADIUS, FEATHER_EPS = 0.03, 1e-3


def _frame(face: Face) -> tuple[np.ndarray, np.ndarray]:
    """(up, across) unit vectors of the face, image pixels."""
    up = up_direction(face)
    return up, np.array([-up[1], up[0]])


def sample_points(face: Face) -> np.ndarray:
    """Centres of the skin colour samples (cheeks, forehead, nose bridge, the sides of the
    face), (N, 2) pixels."""
    lm = face.landmarks.astype(np.float64)
    up, _ = _frame(face)
    iod = face.iod
    return np.array([
        0.5 * (lm[1] + lm[29]),                    # left cheekbone
        0.5 * (lm[15] + lm[29]),                   # right cheekbone
        0.5 * (lm[2] + lm[31]) + 0.05 * iod * up,  # left cheek, lower
        0.5 * (lm[14] + lm[35]) + 0.05 * iod * up,  # right cheek, lower
        0.5 * (lm[21] + lm[22]) + 0.30 * iod * up,  # mid forehead
        lm[19] + 0.35 * iod * up,                  # forehead above the left brow
        lm[24] + 0.35 * iod * up,                  # forehead above the right brow
        lm[28],                                    # nose bridge
        0.5 * (lm[4] + lm[48]),                    # left jaw cheek (beard: rejected)
        0.5 * (lm[12] + lm[54]),                   # right jaw cheek (beard: rejected)
        lm[8] + 0.25 * iod * up,                   # chin (beard: rejected)
        *_face_sides(lm),
    ])


#: The sides of the face, where it turns away from the light, are sampled this far from the
#: jaw line towards the nose tip (a share of the way); the jaw points used are above the
#: beard line.
SIDE_DEPTH = 0.25
SIDE_POINTS = (1, 3, 13, 15)


def _face_sides(lm: np.ndarray) -> list[np.ndarray]:
    """Sample centres on the shaded sides of the face (pixels).

    The cheek samples above sit halfway between the jaw line and the nose, on the front of the
    face. The face mesh puts the jaw line on the bone, so unlike dlib's points (which slide
    outwards and into the neck on a raised chin) it never carries them onto the sides: without
    these samples a cheek in shade fell out of the colour model and was left unsmoothed."""
    return [(1 - SIDE_DEPTH) * lm[i] + SIDE_DEPTH * lm[30] for i in SIDE_POINTS]


def candidate_polygons(face: Face) -> list[np.ndarray]:
    """Where skin may be: the face oval up to the hairline and the neck below the jaw (pixels)."""
    lm = face.landmarks.astype(np.float64)
    up, _ = _frame(face)
    iod = face.iod
    oval = np.vstack([lm[0:17], raised_brows(face, FOREHEAD_REACH)])
    neck = np.vstack([lm[4:13], lm[5:12] - NECK_REACH * iod * up])
    return [cv2.convexHull(p.astype(np.float32)).reshape(-1, 2).astype(np.float64)
            for p in (oval, neck)]


def _crop_box(face: Face, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    points = np.vstack(candidate_polygons(face))
    pad = 0.1 * face.iod + 4
    h, w = shape
    x0 = int(max(np.floor(points[:, 0].min() - pad), 0))
    y0 = int(max(np.floor(points[:, 1].min() - pad), 0))
    x1 = int(min(np.ceil(points[:, 0].max() + pad), w))
    y1 = int(min(np.ceil(points[:, 1].max() + pad), h))
    return x0, y0, x1, y1


def _fit(features: np.ndarray, spreads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust (trimmed) mean and covariance of (N, D) samples; ``spreads`` (std devs) regularise
    the distances used for trimming."""
    def covariance(values: np.ndarray) -> np.ndarray:
        if len(values) <= values.shape[1]:
            return np.diag(spreads ** 2)
        return np.atleast_2d(np.cov(values, rowvar=False))

    mean, cov = np.median(features, axis=0), covariance(features)
    for _ in range(3):
        # trimmed estimate: drop the 30% least skin-like samples (hair, beard, frames)
        diff = features - mean
        d2 = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov + np.diag(spreads ** 2)), diff)
        keep = features[d2 <= np.quantile(d2, 0.7)]
        mean, cov = keep.mean(axis=0), covariance(keep)
    return mean, cov


def quadratic_form(d: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``einsum("...i,ij,...j->...", d, m, d)`` with the same bits (each term added in the
    same order, from 0), about twice as fast: d (..., K), m (K, K) of d's dtype."""
    total = np.zeros(d.shape[:-1], d.dtype)
    term = np.empty(d.shape[:-1], d.dtype)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            np.multiply(d[..., i], m[i, j], out=term)
            term *= d[..., j]
            total += term
    return total


def _gaussian_distance(pixels: np.ndarray, mean: np.ndarray, cov: np.ndarray,
                       floors: np.ndarray) -> np.ndarray:
    """Mahalanobis distance (standard deviations) of (N, D) ``pixels`` to one Gaussian whose
    spreads are floored by ``floors`` and whose lightness spread is widened for shading."""
    stds = np.maximum(np.sqrt(np.maximum(np.diag(cov), 0.0)), floors)
    corr = cov / np.outer(np.sqrt(np.diag(cov)) + 1e-9, np.sqrt(np.diag(cov)) + 1e-9)
    np.fill_diagonal(corr, 1.0)
    corr = np.clip(corr, -0.9, 0.9)  # keep the fitted correlations, never degenerate
    np.fill_diagonal(corr, 1.0)
    stds = stds.copy()
    stds[0] *= LIGHTNESS_SLACK
    inv = np.linalg.inv(corr * np.outer(stds, stds))
    diff = pixels - mean
    return np.sqrt(np.maximum(quadratic_form(diff, inv), 0.0))


def skin_colour_likeness(lab: np.ndarray, patches: list[np.ndarray],
                         where: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    """How skin-like each pixel is, float32 (H, W) in [0, 1].

    ``patches`` are the L*a*b* samples (N_i, 3) of each sample disc. A robust Gaussian
    fitted on all of them, plus one per patch that agrees with it (so a highlight on one
    cheek and shade on the other both count as skin; a patch on hair or beard does not),
    give the distance of each pixel to the nearest skin colour. Also returns whether the
    photo was treated as black and white (lightness alone). With ``where`` (bool (H, W)),
    only those pixels are measured (the same values); the others are 0.
    """
    chroma_spread = float(np.sqrt(lab[..., 1].var() + lab[..., 2].var()))
    grey = chroma_spread < GREY_CHROMA
    dims = 1 if grey else 3
    floors = np.array([MIN_SPREAD_L, MIN_SPREAD_AB, MIN_SPREAD_AB][:dims])
    patches = [p[:, :dims].astype(np.float64) for p in patches if len(p) >= 3]
    pixels = lab.reshape(-1, 3)[:, :dims].astype(np.float64)
    if not patches:
        patches = [pixels]
    mean, cov = _fit(np.vstack(patches), floors)
    if where is not None:
        pixels = pixels[where.ravel()]
    distance = _gaussian_distance(pixels, mean, cov, floors)
    for patch in patches:
        centre = np.median(patch, axis=0)
        if _gaussian_distance(centre[None], mean, cov, floors)[0] > PATCH_AGREEMENT:
            continue  # this sample landed on hair, beard, a frame or a shadowed fold
        patch_cov = np.atleast_2d(np.cov(patch, rowvar=False))
        distance = np.minimum(distance, _gaussian_distance(pixels, patch.mean(axis=0), patch_cov,
                                                           floors))
    like = np.clip((SKIN_FAR - distance) / (SKIN_FAR - SKIN_NEAR), 0.0, 1.0)
    if where is None:
        return like.reshape(lab.shape[:2]).astype(np.float32), grey
    out = np.zeros(lab.shape[:2], np.float32)
    out[where] = like
    return out, grey


def _fill_holes(binary: np.ndarray, lightness: np.ndarray, small_area: float,
                highlight_area: float) -> np.ndarray:
    """Fill holes enclosed by skin: any up to ``small_area`` pixels (moles, freckles, spots),
    and brighter-than-skin ones up to ``highlight_area`` (specular shine, which edits need)."""
    holes = (binary == 0).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=4)
    h, w = binary.shape
    x, y, bw, bh, area = (stats[:, i] for i in range(5))
    touches_edge = (x == 0) | (y == 0) | (x + bw == w) | (y + bh == h)
    skin_lightness = float(np.median(lightness[binary > 0])) if binary.any() else 0.0
    sums = np.bincount(labels.ravel(), weights=lightness.ravel(), minlength=count)
    mean_lightness = sums / np.maximum(area, 1)
    bright = mean_lightness > skin_lightness
    fill = ~touches_edge & ((area <= small_area) | (bright & (area <= highlight_area)))
    fill[0] = False  # label 0 is the skin itself
    return np.where(fill[labels], 1, binary).astype(np.uint8)


#: Where the forehead and neck stop without a colour edge (bald head, bare neck), the mask
#: fades out over this distance, in IOD, instead of ending in a straight cut.
REACH_FADE = 0.35


def _reach_fade(face: Face, shape: tuple[int, int]) -> np.ndarray:
    """1 on the face, fading to 0 towards the top of the forehead reach and the bottom of
    the neck reach (along the face's own up direction), float32 (H, W)."""
    up, _ = _frame(face)
    lm = face.landmarks.astype(np.float64)
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    brows = 0.5 * (lm[21] + lm[22])
    height = ((xs - brows[0]) * up[0] + (ys - brows[1]) * up[1]) / face.iod  # IOD above the brows
    depth = ((lm[8][0] - xs) * up[0] + (lm[8][1] - ys) * up[1]) / face.iod  # IOD below the chin
    top = np.clip((FOREHEAD_REACH - height) / REACH_FADE, 0.0, 1.0)
    bottom = np.clip((NECK_REACH - depth) / REACH_FADE, 0.0, 1.0)
    return (top * bottom).astype(np.float32)


def skin_mask(pixels: np.ndarray, face: Face) -> np.ndarray:
    """Mask of the face's real skin (face, forehead, neck), 0 on the protected features.

    Parameters
    ----------
    pixels : (H, W, 3) float32 sRGB in [0, 1], the photo or a proxy of it.
    face : the face, landmarks in ``pixels`` coordinates.

    Returns
    -------
    float32 (H, W) in [0, 1]: 1 on skin, 0 on hair, beard, glasses, background and within
    ``SKIN_FEATURE_GAP`` IOD of the protected features; feathered edges follow the photo's.
    """
    h, w = pixels.shape[:2]
    out = np.zeros((h, w), np.float32)
    iod = face.iod
    if iod < 2:
        return out
    x0, y0, x1, y1 = _crop_box(face, (h, w))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return out
    crop = np.clip(pixels[y0:y1, x0:x1, :3].astype(np.float32), 0.0, 1.0)
    offset = np.array([x0, y0], dtype=np.float64)
    ch, cw = crop.shape[:2]
    work, (sx, sy) = _working_copy(crop, iod)

    def to_work(points: np.ndarray) -> np.ndarray:
        return (points - offset + 0.5) * (sx, sy) - 0.5

    lab = cv2.cvtColor(work, cv2.COLOR_RGB2Lab)
    region = np.zeros(work.shape[:2], np.uint8)
    for polygon in candidate_polygons(face):
        draw_polygon(region, to_work(polygon))
    centres = to_work(sample_points(face))
    patches = _colour_samples(lab, region > 127, centres)
    # measured inside the candidate region only (the rest is multiplied by 0 below)
    like, _grey = skin_colour_likeness(lab, patches, where=region > 0)
    like *= region.astype(np.float32) / 255.0
    binary = _connected_skin(like, lab, centres)
    soft = np.where(binary > 0, np.maximum(like, 0.999), like * 0.5).astype(np.float32)
    soft = cv2.GaussianBlur(soft, (0, 0), 0.6)
    work_face = face.with_landmarks(to_work(face.landmarks.astype(np.float64)))
    limits = _skin_limits(work_face, region)
    skin = _feathered(soft, limits, crop, iod)
    # a hard zero up to the gap (at full scale, one pixel beyond so the antialiased rim is
    # covered too) and outside the candidate region
    crop_face = face.translated(x0, y0)
    hard = protected_mask(crop_face, (ch, cw), extra_margin=SKIN_FEATURE_GAP + 1.0 / iod) > 0
    skin[hard] = 0.0
    skin[skin < 1e-3] = 0.0  # no invisible traces far from the skin
    out[y0:y1, x0:x1] = skin
    return out


def _working_copy(crop: np.ndarray, iod: float) -> tuple[np.ndarray, tuple[float, float]]:
    """The crop resized so the eyes are ``WORK_IOD`` pixels apart, and the (x, y) scale."""
    factor = WORK_IOD / iod
    ch, cw = crop.shape[:2]
    size = (max(int(round(cw * factor)), 1), max(int(round(ch * factor)), 1))
    work = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
    return work, (size[0] / cw, size[1] / ch)


def _colour_samples(lab: np.ndarray, inside: np.ndarray, centres: np.ndarray) -> list[np.ndarray]:
    """The skin's colour samples: L*a*b* in discs around the sample points, inside the
    candidate region (the whole region, or the crop, when the discs hold too few)."""
    radius = max(int(round(SAMPLE_RADIUS * WORK_IOD)), 1)
    patches = []
    for cx, cy in centres:
        disc = np.zeros(lab.shape[:2], np.uint8)
        cv2.circle(disc, (int(round(cx)), int(round(cy))), radius, 1, -1)
        patches.append(lab[(disc > 0) & inside])
    if sum(len(p) for p in patches) < 10:
        patches = [lab[inside] if inside.any() else lab.reshape(-1, 3)]
    return patches


def _connected_skin(like: np.ndarray, lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The skin-coloured pixels connected to the samples, moles, freckles and highlights
    filled: uint8 (h, w) 0/1 at the working scale."""
    binary = (like > 0.5).astype(np.uint8)
    small = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, small)
    count, labels = cv2.connectedComponents(binary, connectivity=8)
    seeds = {int(labels[int(round(cy)), int(round(cx))]) for cx, cy in centres
             if 0 <= int(round(cy)) < labels.shape[0] and 0 <= int(round(cx)) < labels.shape[1]}
    seeds.discard(0)
    if seeds:
        binary = np.isin(labels, list(seeds)).astype(np.uint8)
    return _fill_holes(binary, lab[..., 0], HOLE_AREA * WORK_IOD ** 2,
                       HIGHLIGHT_AREA * WORK_IOD ** 2)


def _skin_limits(work_face: Face, region: np.ndarray) -> np.ndarray:
    """The smooth limits at the working scale: the candidate region (soft edge, forehead and
    neck fading out) and the fade away from the protected features."""
    limits = cv2.GaussianBlur(region.astype(np.float32) / 255.0, (0, 0), 0.02 * WORK_IOD)
    limits *= _reach_fade(work_face, region.shape)
    keep_out = protected_mask(work_face, region.shape,
                              extra_margin=SKIN_FEATURE_GAP + SKIN_FEATURE_FADE / 2)
    limits *= 1.0 - cv2.GaussianBlur(keep_out, (0, 0), SKIN_FEATURE_FADE / 4 * WORK_IOD)
    return limits


def _feathered(soft: np.ndarray, limits: np.ndarray, crop: np.ndarray, iod: float) -> np.ndarray:
    """The mask back at the crop's resolution, its edges snapped to the photo's own edges."""
    ch, cw = crop.shape[:2]
    soft = cv2.resize(soft, (cw, ch), interpolation=cv2.INTER_LINEAR)
    limits = cv2.resize(limits, (cw, ch), interpolation=cv2.INTER_LINEAR)
    grey = luminance(crop)
    radius_px = max(FEATHER_RADIUS * iod, 1.0)
    subsample = max(int(radius_px // 4), 1)
    soft = guided_filter(grey, soft, radius_px, FEATHER_EPS, subsample=subsample)
    return np.clip(soft * limits, 0.0, 1.0)

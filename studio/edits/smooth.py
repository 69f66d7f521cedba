"""Smooth skin: even the skin's tone (blotches, redness) inside the skin mask, keeping the
fine band (pores, fine creases) and the freckles and moles, and leaving protected features
untouched.

The photo is split by two edge-aware guided filters (O(N), cost independent of the radius)
into fine (< ~IOD/40), mid (~IOD/40..IOD/6) and base layers. The mid band's lightness is
removed only above freckle size (IOD/16 since version 3, IOD/20 in version 2): freckles and
spots are lightness at IOD/60..IOD/20, so they stay, while the broader shading blotches go
(up to IOD/5 since version 3: broader shading is the face's shape). Version 3 takes the strongest of those
blotches more than the faint ones (``LIGHTNESS_SOFT_LIMIT``) and evens the skin's colour
(a*, b*) in the blotch band itself (``TONE_EVENED``), again the strongest blotches most: most
of a band's energy sits in its few strongest places, so this evens the tone for a fraction of
the colour shift a uniform removal costs. Lightness fades out near the features (whose shading
carries identity), colour closer to them (``COLOUR_FADE``). Version 5 evens the colour of
every face to about the same share of its uneven tone (``TONE_KEPT``), and takes less of the
lightness beside the nose and more around the lips (``NOSE_SHARE``, ``LIPS_SHARE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.blend import add_prepared_change
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.layers import PhotoLayers, WorkField
from studio.face.skin import SKIN_FEATURE_GAP
from studio.imaging.colour import lab_to_srgb, luminance
from studio.imaging.filters import normalized_blur, smoothstep, soft_blur

#: Share of the mid band removed at ``smooth=1`` (the rest keeps the skin's shape and life).
MID_REMOVED = 0.8
#: Smoothing fades in over this distance from the protected features, IOD: the shading
#: around eyes, nose and mouth carries much of a face's identity. Version 2's 0.45 covered
#: about 80% of the figures' skin, so most of the face was smoothed only in part; at 0.35 rudd's
#: likeness distance is 0.099 (0.10 is the limit), at 0.30 it was 0.103.
FEATURE_FADE = 0.35
#: Version 5 takes the lightness by place: NOSE_SHARE of it beside the nose (its hull, landmarks
#: 27-35), LIPS_SHARE of it around the lips (48-59), each fading to 1 over NEAR_REACH IOD from
#: the hull. The shading beside the nose carries the most likeness per unit of the mid band
#: (taking 0.7 of it there moved rudd's aligned distance 0.091 -> 0.079 for teen-6's mid band at
#: IOD 90 0.799 -> 0.808); around the lips more smoothing evens teen-6's mid band for little
#: likeness on rudd, more on img3 (0.082 at 1.0, 0.088 at 1.4). Sweep in
#: docs/notes/quality-investigations.md.
NOSE_SHARE = 0.9
LIPS_SHARE = 1.4
NEAR_REACH = 0.45
#: The band's lightness is removed between these scales, IOD. Above IOD/16 only: freckles and
#: spots (QUALITY's L* band IOD/60..IOD/20) stay (version 1 removed all of it: 0.70-0.93 of
#: them kept; version 2, above IOD/20, let a stronger share reach into them). Below IOD/5
#: only: the scales above QUALITY's mid band (IOD/8) cost skin colour shift and likeness
#: without evening any blotch (version 2 spent ~0.3 of its ΔE there).
LIGHTNESS_FROM = 1 / 13.5
LIGHTNESS_TO = 1 / 5
#: The band's fine edge is a flattened low-pass, ``(1 + a) G(s) - a G(sqrt(2) s)`` (a = this):
#: it passes more of the scales just above ``LIGHTNESS_FROM`` and falls off faster below it,
#: so the freckles band loses less for the same mid band evened (version 3, a plain G(IOD/16):
#: attribute_1423's 448 px crop kept 0.840 of its freckles band; teen-6 at IOD 90 0.792 of
#: its mid band; now 0.858 and 0.798; sweep in docs/quality.md).
LIGHTNESS_FLAT = 0.3
#: Share of that lightness removed where it is strong, relative to MID_REMOVED (version 2:
#: 1.28 of all of it above IOD/20; versions 3-4: 1.6, 1.62).
LIGHTNESS_SHARE = 1.64
#: ...and how strong "strong" is: the lightness removed is ``x - x / sqrt(1 + (x / t)^2)``,
#: t this share of the band's RMS on the skin: a faint blotch (|x| << t) stays, a strong one
#: loses all but about t. Mean-square energy sits in the strongest places, so this lowers the
#: luminance mid band further than version 2 (img1 0.787 -> 0.772, teen-6 at IOD 90 0.803 ->
#: 0.797) for the same or less colour shift (rudd 1.43 -> 1.47 with the colour evened too).
LIGHTNESS_SOFT_LIMIT = 0.15
#: Share of the skin's uneven colour (a*, b* band-pass IOD/30..IOD/6, QUALITY's uneven tone)
#: removed where it is strong: the same soft limit, at TONE_SOFT_LIMIT of the band's RMS (the
#: strongest blotches go, the skin's faint colour play stays). Version 2 removed 0.5 x
#: MID_REMOVED of an edge-aware colour band (tone kept 0.70-0.90); versions 3-4 removed it at a
#: soft limit of 0.75 on every face (tone kept 0.44-0.80: the faces whose uneven tone lies where
#: the weight is low, hair over the cheeks and near the features, kept the most).
TONE_EVENED = 1.0
TONE_SOFT_LIMIT = 0.4
#: ...and since version 5 only as much of that as takes the skin's uneven tone (QUALITY's band,
#: on QUALITY's skin) down to this share of its energy: a face the full evening would take far
#: below it is evened less, which spares the colour shift of faces with strong blotches (rudd:
#: skin ΔE 1.49 -> 1.45) while the lower soft limit evens the faces that kept the most (img57
#: 0.795 -> 0.737). Sweep in docs/notes/quality-investigations.md.
TONE_KEPT = 0.715
#: The uneven tone band, IOD (QUALITY's definition).
TONE_FROM, TONE_TO = 1 / 30, 1 / 6
#: Colour is evened from this distance from the protected features on, IOD (lightness from
#: FEATURE_FADE): the skin's colour near the eyes and mouth is as uneven as elsewhere, and
#: evening it does not move the shading that carries identity.
COLOUR_FADE = 0.2
#: Smoothing fades in over this distance from the brows' bands past their hulls, IOD (from the
#: features' hulls over FEATURE_FADE and COLOUR_FADE): no edge where the band stops it.
BAND_FADE = 0.05
#: Scale below which the removed band is left alone, IOD (docs/quality.md's fine band).
RIPPLE_SIGMA = 1 / 60


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("smooth",)
VERSION = 5
STAGE = "face"
ORDER = 20


def _from_version_1(values: dict) -> tuple[dict, str]:
    """Version 1's smooth value, kept: version 2 keeps freckles and evens broader shading."""
    return values, ("smooth keeps freckles and evens broader shading since version 2; the skin may "
                    "look a little different from when the session was saved")


def _from_version_2(values: dict) -> tuple[dict, str]:
    """Version 2's smooth value, kept: version 3 evens the skin's colour more."""
    return values, ("smooth evens the skin's colour more since version 3; the skin may look a "
                    "little more even than when the session was saved")


def _from_version_3(values: dict) -> tuple[dict, str]:
    """Version 3's smooth value, kept: version 4 keeps more of the freckles band."""
    return values, ("smooth keeps more of the skin's freckles and fine shading since version 4; "
                    "the skin may look a little different from when the session was saved")


def _from_version_4(values: dict) -> tuple[dict, str]:
    """Version 4's smooth value, kept: version 5 evens every face's colour about as much."""
    return values, ("smooth evens every face's colour about as much since version 5, and the "
                    "shading beside the nose a little less; the skin may look a little different "
                    "from when the session was saved")


#: Older versions' slider values -> today's (``studio.edits.versions``).
LEGACY = {1: _from_version_1, 2: _from_version_2, 3: _from_version_3, 4: _from_version_4}


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (the most smoothing we offer)."""

    strength: float = slider_field("smooth")


@dataclass(frozen=True)
class Prepared:
    """change: (h, w, 3) float32 ROI difference at strength 1, exactly 0 outside the skin (a
    big head's: a ``WorkField`` in a one-off render, enlarged as it is added);
    boxes: when known, ROI boxes outside which ``change`` is 0 (``apply`` touches only them)."""

    change: np.ndarray | WorkField
    boxes: tuple[tuple[slice, slice], ...] | None = None


def prepare(layers: PhotoLayers) -> Prepared | None:
    """The masked change at strength 1: the mid band's broad lightness and the skin's uneven
    colour, in the ROI; None without a face.

    Both are smooth (IOD/40 and up): a big head's are computed on the working copy
    (``layers.work``) and enlarged, then set to exactly 0 on the features."""
    if not layers.has_face:
        return None
    work = layers.work
    distance = _distance(work, work.feature_hulls)
    # The brows' bands (to the end of their hair) only stop the edit, over BAND_FADE: a fade
    # from them too shrank the smoothing on the temples (teen-6 at IOD 90 kept 0.813 of its mid band).
    band_fade = smoothstep(_distance(work, (work.protected > 0) & (work.feature_hulls == 0)), 0.0,
                           BAND_FADE)
    fade = smoothstep(distance, 0.0, FEATURE_FADE) * _around_nose_and_lips(work)
    weight = work.skin * np.float32(MID_REMOVED) * fade * band_fade
    measured = _measured_skin(work, distance)
    taken = weight * np.float32(LIGHTNESS_SHARE) * _broad_lightness(work)
    change = cv2.merge([-taken] * 3)
    # Colour goes where the skin mask is even where the colour is off the skin's usual colours
    # (a red blotch is what should go): the skin likeness counts only as its square root.
    skin = work.skin_area * np.sqrt(work.skin_likeness)
    colour_weight = skin * smoothstep(distance, 0.0, COLOUR_FADE) * band_fade
    change += _colour_change(work, colour_weight, measured)
    change = change.astype(np.float32, copy=False)
    if work is layers:
        return Prepared(change=change)
    box = layers.nonzero_box(change)
    change = layers.work_field(change)
    return Prepared(change=change, boxes=() if box is None else (box,))


def _around_nose_and_lips(work: PhotoLayers) -> np.ndarray:
    """The lightness share by place (ROI-sized float32): NOSE_SHARE by the nose, LIPS_SHARE by
    the lips, fading to 1 over NEAR_REACH IOD from the hulls of the nose (landmarks 27-35) and
    the lips (48-59)."""
    marks = work.roi_face.landmarks
    share = np.ones(work.shape, np.float32)
    for indices, value in ((range(27, 36), NOSE_SHARE), (range(48, 60), LIPS_SHARE)):
        hull = np.zeros(work.shape, np.uint8)
        cv2.fillConvexPoly(hull, cv2.convexHull(np.round(marks[list(indices)]).astype(np.int32)), 1)
        near = 1.0 - smoothstep(_distance(work, hull), 0.0, NEAR_REACH)
        share += np.float32(value - 1.0) * near
    return share


def _distance(work: PhotoLayers, features: np.ndarray) -> np.ndarray:
    """Each pixel's distance from ``features`` (where > 0 or True), in IOD."""
    outside = (features == 0).astype(np.uint8)
    return cv2.distanceTransform(outside, cv2.DIST_L2, 5) / work.iod


def _broad_lightness(work: PhotoLayers) -> np.ndarray:
    """The mid band's grey between LIGHTNESS_FROM and LIGHTNESS_TO, its strong places taken
    more (soft limit)."""
    # The band's own pore-scale ripples (filter edges) are not removed: they belong to the skin.
    mid = soft_blur(work.mid, work.px(RIPPLE_SIGMA)) if RIPPLE_SIGMA > 0 else work.mid
    grey = luminance(mid)
    fine = work.px(LIGHTNESS_FROM)
    low = (1 + LIGHTNESS_FLAT) * soft_blur(grey, fine) - LIGHTNESS_FLAT * soft_blur(grey, fine * np.sqrt(2))
    broad = low - soft_blur(grey, work.px(LIGHTNESS_TO))
    return _strong_part(broad, broad, work.skin, LIGHTNESS_SOFT_LIMIT)


def _strong_part(values: np.ndarray, size: np.ndarray, skin: np.ndarray, limit: float) -> np.ndarray:
    """``values`` scaled by ``1 - 1 / sqrt(1 + (size / t)^2)``, t = ``limit`` x RMS of
    ``size`` on the skin: about all of a strong place, little of a faint one."""
    on_skin = skin > 0.5
    rms = float(np.sqrt(np.mean(np.square(size[on_skin])))) if on_skin.any() else 0.0
    if rms <= 0.0:
        return np.zeros_like(values)
    ratio = np.square(size / np.float32(limit * rms))
    share = 1.0 - 1.0 / np.sqrt(1.0 + ratio)
    return (values * (share[..., None] if values.ndim == 3 else share)).astype(np.float32)


def _colour_change(work: PhotoLayers, weight: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """sRGB change evening the skin's a*, b* in QUALITY's uneven-tone band by TONE_EVENED
    x ``weight``, strong blotches most, until ``measured`` (QUALITY's skin) keeps TONE_KEPT of
    the band; exactly 0 where ``weight`` is 0."""
    lab = work.lab
    ab = np.ascontiguousarray(lab[..., 1:])
    # Averaged over the face (its hull, hair strands over the cheeks included, and the skin
    # mask beyond it), never the backdrop: a plain blur pulled the skin's colour toward the
    # backdrop's at the face's edge (an overshoot of 3.8% of the step on the synthetic portrait).
    face = np.maximum(work.face_hull, work.skin_area)
    band = normalized_blur(ab, face, work.px(TONE_FROM)) - normalized_blur(ab, face, work.px(TONE_TO))
    # numpy's square root, not cv2.magnitude: OpenCV's SIMD path gives a few pixels other bits
    # depending on where the array happens to lie in memory (the same photo, other bits)
    size = np.sqrt(np.square(band[..., 0]) + np.square(band[..., 1]))
    band = _strong_part(band, size, work.skin, TONE_SOFT_LIMIT)
    band *= np.float32(_amount(work, ab, weight[..., None] * band, measured, (TONE_FROM, TONE_TO),
                               TONE_KEPT))
    change = np.zeros(lab.shape, np.float32)
    inside = weight > 0
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if rows.size == 0:
        return change
    # Converted back to sRGB only in the box the skin weight reaches (the costly part).
    box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
    evened = lab[box].copy()
    evened[..., 1:] -= (np.float32(TONE_EVENED) * weight[box])[..., None] * band[box]
    part = lab_to_srgb(evened) - lab_to_srgb(lab[box])
    part[~inside[box]] = 0.0
    change[box] = part
    return change


def _measured_skin(work: PhotoLayers, distance: np.ndarray) -> np.ndarray:
    """Boolean: QUALITY's skin, where the tone evened is measured: the face hull minus the
    features' hulls (``distance`` from them, IOD) grown by SKIN_FEATURE_GAP, eroded by as much."""
    hull = (work.face_hull > 0.5).astype(np.uint8)
    inside = cv2.distanceTransform(hull, cv2.DIST_L2, 5) / work.iod
    return (inside > SKIN_FEATURE_GAP) & (distance > 2 * SKIN_FEATURE_GAP)


def _amount(work: PhotoLayers, values: np.ndarray, taken: np.ndarray, measured: np.ndarray,
            scales: tuple[float, float], kept: float) -> float:
    """How much of ``taken`` (taken away from ``values``; at most all of it) to take so that
    the band-pass ``scales`` (IOD) of ``values`` keeps ``kept`` of its energy on ``measured``:
    a face whose blotches all of it would even well past that is evened less."""
    if not measured.any():
        return 1.0

    def band(image: np.ndarray) -> np.ndarray:
        image = np.ascontiguousarray(image, dtype=np.float32)
        return (soft_blur(image, work.px(scales[0])) - soft_blur(image, work.px(scales[1])))[measured]

    before, gone = band(values), band(taken)
    energy, cross, gone_energy = (float(np.sum(before * before)), float(np.sum(before * gone)),
                                  float(np.sum(gone * gone)))
    if energy <= 0.0 or gone_energy <= 0.0:
        return 1.0
    # kept(k) = (energy - 2 k cross + k^2 gone_energy) / energy: the smaller k giving ``kept``
    room = cross * cross - gone_energy * (1.0 - kept) * energy
    if room <= 0.0:
        return 1.0
    return float(np.clip((cross - np.sqrt(room)) / gone_energy, 0.0, 1.0))


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """Smooth the head region ``region.pixels`` (float32 (h, w, 3)); strength 0 or no face returns it as is.
    ``out`` (may be ``region.pixels`` itself) receives the result, else it is a new array."""
    return add_prepared_change(region.pixels, region.prepared, params.strength, out)

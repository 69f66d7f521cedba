"""Per-photo layers the face edits share, computed lazily once per photo and scale.

Every radius is a fraction of the inter-ocular distance (IOD, pixels), defined once here, so a
screen proxy and the full-resolution photo get the same look. Face layers live in a region of
interest (``roi``) around the head and neck: filtering and rendering only touch those pixels.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property

import cv2
import numpy as np

from studio.face import face_hull_mask, person, protected_mask, skin_mask
from studio.face.eyes import landmark_box
from studio.face.regions import PROTECTED_REACH, brow_bands_mask, raised_brows, up_direction
from studio.face.skin import quadratic_form
from studio.face.types import Face
from studio.imaging.colour import fast_lab, luminance, srgb_to_linear
from studio.imaging.enlarge import enlarge_rows
from studio.imaging.filters import (
    disk,
    distance_outside,
    grow,
    guided_filter,
    shrink,
    smoothstep,
    soft_blur,
)

#: Where the smoothed band starts, IOD (edge-aware, so a bit above docs/quality.md's IOD/60 fine
#: band: pores, freckles and fine creases stay whole).
FINE_SIGMA = 1 / 40
#: Where it ends, IOD: blotches and uneven tone up to about docs/quality.md's IOD/8 mid band (the
#: larger scales cost less likeness than the small ones).
MID_SIGMA = 1 / 6
#: How far above the brows the forehead reaches (about the hairline), IOD.
FOREHEAD_REACH = 1.0
#: Skin edits fade out within this distance outside the head outline, IOD.
HEAD_REACH = 0.25
#: Illumination (base) layer scale for the light edits, IOD.
LIGHT_SIGMA = 1 / 5
#: Feather of the face-and-neck light mask, IOD: wide, so no oval shows.
LIGHT_FEATHER = 1 / 4
#: Feather of the zone around protected features that light edits fade out in, IOD.
PROTECTED_FEATHER = 1 / 14
#: Edge thresholds of the guided filters (squared sRGB luma): skin tone wobbles (~0.05)
#: are smoothed, feature, crease and hair edges (> ~0.2) are kept.
FINE_EPS = 0.05**2
MID_EPS = 0.10**2
#: Edge threshold of the illumination layer, squared log-luminance units.
LIGHT_EPS = 0.15**2
#: The fewest pixels across a head region cut to the photo that is filtered (a 100% zoom view
#: can hold a sliver of it; its edge is where every edit has faded out).
HEAD_MIN = 1

#: The skin colour model behind ``skin_likeness`` drops this darkest share (percent) of the
#: skin mask's pixels in the face hull. A fixed quarter once stood for beard and hair, and on
#: dlib's jaw line (which slid into the neck on a raised chin) for the shaded neck; on the
#: face mesh's jaw the darkest quarter of the face is its shaded cheek, which is skin.
SKIN_MODEL_DARK_TRIM = 10.0
#: ... and of the whole hull's pixels when the skin mask finds too little skin there.
HULL_MODEL_DARK_TRIM = 25.0

#: Heads up to this inter-ocular distance (pixels) are worked on at full size (most screen
#: proxies and the ~1 MP photos docs/quality.md's figures are checked on)...
WORK_IOD = 160.0
#: ...and a bigger head's masks and smooth layers on a copy with this IOD
#: (``PhotoLayers.work``), then enlarged: the same as the threshold, so the cost grows with
#: the head up to it and then stays (no head just under it costs more than a bigger one),
#: and a 40 MP close-up costs what a 1 MP one does, and looks like it, with its own pores
#: (docs/quality.md, "The big-head working copy", has what it measured).
BIG_HEAD_WORK_IOD = WORK_IOD

#: The box filter of a guided filter of half-width r is about a Gaussian of sigma r * 0.8.
_BOX_TO_SIGMA = 0.8


def guided_radius(sigma_iod: float, iod: float) -> float:
    """Guided-filter radius in pixels giving about a Gaussian of ``sigma_iod`` IOD."""
    return max(sigma_iod * iod / _BOX_TO_SIGMA, 1.0)


def subsample_for(radius: float) -> int:
    """Fast-guided-filter subsampling that keeps about 4 pixels per radius."""
    return max(int(radius // 4), 1)


def head_outline(face: Face) -> np.ndarray:
    """The face up to about the hairline: hull of the jaw (0-16) and the brows raised by
    ``FOREHEAD_REACH`` IOD, (N, 2) pixels. Skin edits stay within ``HEAD_REACH`` IOD of it."""
    points = np.vstack(
        [face.landmarks[0:17].astype(np.float64), raised_brows(face, FOREHEAD_REACH)]
    )
    return cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(np.float64)


class PhotoLayers:
    """Lazily computed layers of one photo at one scale, for one face (or none).

    Attributes are computed on first use and cached. Arrays are float32; masks (H, W) in
    [0, 1]. Face layers are cropped to ``roi`` (a pair of slices into the photo).
    """

    #: How a big head's working-copy fields reach full size (``work_field``): False, enlarged
    #: whole once (a preview: each slider move is then one pass over them); True, enlarged
    #: band by band where an edit uses them (a one-off render: no ROI-sized field is made).
    #: The render pipeline chooses; both give the same bits.
    fields_in_bands = False

    def __init__(self, pixels: np.ndarray, face: Face | None, also: Sequence[Face] = ()):
        self.pixels = pixels
        self.face = face
        #: More people retouched with this face (a group): the person matte keeps them too.
        self.also = tuple(also)
        self.height, self.width = pixels.shape[:2]

    # ---- geometry -------------------------------------------------------------------------
    @property
    def has_face(self) -> bool:
        """A face big enough to edit whose head region meets the photo (a 100% zoom view
        far from the face holds none of it: face edits then leave it as it is)."""
        return self.face is not None and self.face.iod >= 4.0 and self._head_box is not None

    @property
    def iod(self) -> float:
        return float(self.face.iod) if self.face is not None else 0.0

    def px(self, iod_fraction: float) -> float:
        """A length given as a fraction of the IOD, in pixels of this scale."""
        return iod_fraction * self.iod

    @cached_property
    def roi(self) -> tuple[slice, slice]:
        """Head, hair edge and neck: where every face edit lives (whole photo without a face)."""
        if not self.has_face:
            return slice(0, self.height), slice(0, self.width)
        by0, by1, bx0, bx1 = self._head_box
        return slice(by0, by1), slice(bx0, bx1)

    @cached_property
    def _head_box(self) -> tuple[int, int, int, int] | None:
        """(y0, y1, x0, x1) of the head region cut to the photo; None when it misses the photo
        or is too thin to filter (under ``HEAD_MIN`` pixels across)."""
        if self.face is None:
            return None
        pts = self.face.landmarks
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        d = float(self.face.iod)
        # Forehead is ~0.7 IOD above the brows, the neck ~1.4 IOD below the chin; plus feathers.
        bx0 = int(max(np.floor(x0 - 1.0 * d), 0))
        bx1 = int(min(np.ceil(x1 + 1.0 * d), self.width))
        by0 = int(max(np.floor(y0 - 1.4 * d), 0))
        by1 = int(min(np.ceil(y1 + 2.0 * d), self.height))
        if bx1 - bx0 < HEAD_MIN or by1 - by0 < HEAD_MIN:
            return None
        return by0, by1, bx0, bx1

    @cached_property
    def roi_face(self) -> Face | None:
        """The face with landmarks in ROI coordinates."""
        if self.face is None:
            return None
        ys, xs = self.roi
        return self.face.translated(xs.start, ys.start)

    @cached_property
    def image(self) -> np.ndarray:
        """The ROI's pixels (a copy, float32 (h, w, 3))."""
        return np.ascontiguousarray(self.pixels[self.roi], dtype=np.float32)

    @property
    def shape(self) -> tuple[int, int]:
        return self.image.shape[:2]

    def full(self, mask: np.ndarray) -> np.ndarray:
        """A ROI mask padded with zeros to the whole photo."""
        out = np.zeros((self.height, self.width), np.float32)
        out[self.roi] = mask
        return out

    # ---- tone --------------------------------------------------------------------------
    @cached_property
    def luma(self) -> np.ndarray:
        """Grey image (Rec. 709 luma of the sRGB values) in the ROI."""
        return luminance(self.image)

    @cached_property
    def linear(self) -> np.ndarray:
        """The ROI in linear light."""
        return srgb_to_linear(self.image)

    @cached_property
    def lab(self) -> np.ndarray:
        """The ROI in CIE L*a*b*."""
        return fast_lab(self.image)

    # ---- masks -------------------------------------------------------------------------
    @cached_property
    def person_alpha(self) -> np.ndarray:
        """The whole photo's person matte, float32 (H, W), 1 on the person and on the people
        ``also`` retouched (``studio.face.person.person_alpha``; all 0 without a face)."""
        return np.asarray(person.person_alpha(self.pixels, self.face, self.also), np.float32)

    def set_person_alpha(self, alpha: np.ndarray) -> None:
        """Use ``alpha`` (H, W) as the person matte from now on: the matte corrected by the
        person's own strokes (``studio.render.marking``). Layers made from the old matte are
        the caller's to drop."""
        self.__dict__["person_alpha"] = np.asarray(alpha, np.float32)

    @cached_property
    def protected(self) -> np.ndarray:
        """docs/quality.md's protected features (hulls + 2% IOD) and the brows' bands (to the
        end of their hair, ``studio.face.regions.brow_bands_mask``), 1 inside, in the ROI."""
        box, part = self._protected_part
        out = np.zeros(self.shape, np.float32)
        out[box] = part
        return out

    @cached_property
    def feature_hulls(self) -> np.ndarray:
        """``protected`` without the brows' bands: the features' hulls (+ 2% IOD), 1 inside, in
        the ROI. Smoothing fades in with the distance from these (``studio.edits.smooth``)."""
        (rows, cols), _ = self._protected_part
        out = np.zeros(self.shape, np.float32)
        if rows.stop > rows.start and cols.stop > cols.start:
            moved = self.roi_face.translated(cols.start, rows.start)
            out[rows, cols] = protected_mask(moved, (rows.stop - rows.start, cols.stop - cols.start))
        return out

    @cached_property
    def _protected_part(self) -> tuple[tuple[slice, slice], np.ndarray]:
        """``protected`` drawn on a box around the features only: (box, float32 mask). The
        same pixels as on the whole ROI (the outlines move by whole pixels) with a border of
        zeros at least 2 pixels wide (for ``unprotected``'s growth)."""
        # Brows, nose, eyes and lips.
        top, left, bottom, right = self.landmark_box(slice(17, 60), PROTECTED_REACH * self.iod + 6.0)
        box = slice(top, max(bottom, top)), slice(left, max(right, left))
        moved = self.roi_face.translated(left, top)
        shape = (box[0].stop - box[0].start, box[1].stop - box[1].start)
        if shape[0] == 0 or shape[1] == 0:
            return box, np.zeros(shape, np.float32)
        # the features' hulls, and the brows to the end of their hair
        return box, np.maximum(protected_mask(moved, shape), brow_bands_mask(moved, shape))

    def landmark_box(self, landmarks: slice, reach: float) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) of the ROI pixels within ``reach`` pixels of the
        ``landmarks`` (indices of the 68), clipped to the ROI (may be empty: bottom <= top).
        A shape drawn on this crop has the same pixels as drawn on the whole ROI: its outline
        only moves by whole pixels."""
        return landmark_box(self.roi_face.landmarks[landmarks], self.shape, reach)

    @cached_property
    def unprotected(self) -> np.ndarray:
        """0 on the protected features grown by one pixel (exactly), 1 elsewhere."""
        grown = cv2.dilate((self.protected > 0).astype(np.uint8), disk(1.0))
        return (1.0 - grown).astype(np.float32, copy=False)

    @cached_property
    def unprotected_soft(self) -> np.ndarray:
        """Like ``unprotected`` but fading in over ``PROTECTED_FEATHER`` IOD (light edits)."""
        if self.work is not self:
            return self.on_features_zero(self.enlarge(self.work.unprotected_soft))
        sigma = self.px(PROTECTED_FEATHER) / 2
        grown = grow(self.protected > 0, sigma * 2)
        soft = 1.0 - soft_blur(grown.astype(np.float32), sigma)
        return np.clip(soft * self.unprotected, 0, 1).astype(np.float32, copy=False)

    @cached_property
    def head(self) -> np.ndarray:
        """Where skin edits may reach: the face up to the hairline (``head_outline``), feathered
        over ~0.1 IOD, exactly 0 beyond ``HEAD_REACH`` IOD from it (no change off the head)."""
        if self.work is not self:
            return self.enlarge(self.work.head)
        oval = np.zeros(self.shape, np.uint8)
        points = head_outline(self.roi_face)
        cv2.fillPoly(oval, [np.round(points).astype(np.int32).reshape(-1, 1, 2)], 1)
        # Both dilations from one distance transform (O(N) whatever the IOD).
        distance = distance_outside(oval)
        near = (distance <= max(round(self.px(0.08)), 1)).astype(np.float32)
        soft = soft_blur(near, self.px(0.05))
        soft[distance > max(round(self.px(HEAD_REACH)) - self._reach_margin, 1)] = 0.0
        return soft.astype(np.float32, copy=False)

    @cached_property
    def skin_area(self) -> np.ndarray:
        """Where skin edits may act at all: the face analysis's skin mask on the head, exactly
        0 on the protected features and off the head."""
        if self.work is not self:
            return self.on_features_zero(self.enlarge(self.work.skin_area))
        m = skin_mask(self.image, self.roi_face).astype(np.float32)
        return np.clip(m * self.unprotected * self.head, 0, 1).astype(np.float32, copy=False)

    @cached_property
    def skin(self) -> np.ndarray:
        """Skin edits' weight: ``skin_area`` narrowed to skin-coloured pixels (beards, glasses
        frames and hair left alone)."""
        if self.work is not self:
            return self.on_features_zero(self.enlarge(self.work.skin))
        return np.clip(self.skin_area * self.skin_likeness, 0, 1).astype(np.float32, copy=False)

    @cached_property
    def face_hull(self) -> np.ndarray:
        return face_hull_mask(self.roi_face, self.shape).astype(np.float32)

    @cached_property
    def skin_colour_model(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Mean and inverse covariance of the skin's (L*, a*, b*), or None without skin.

        Learnt from the face hull without the features where the skin mask finds skin (beard,
        hair and glasses frames are already out), trimmed of its darkest and least skin-like
        pixels. Without enough of those, from the whole hull, trimmed harder."""
        if self.work is not self:
            return self.work.skin_colour_model
        hull = face_hull_mask(self.roi_face, self.shape) > 0.5
        near = protected_mask(self.roi_face, self.shape, extra_margin=0.08) > 0
        sample = hull & ~near
        on_skin = sample & (self.skin_area > 0.5)
        dark_trim = SKIN_MODEL_DARK_TRIM
        if np.count_nonzero(on_skin) >= 50:
            sample = on_skin
        else:
            dark_trim = HULL_MODEL_DARK_TRIM
        lab = self.lab[sample]
        if lab.shape[0] < 50:
            return None
        lo, hi = np.percentile(lab[:, 0], [dark_trim, 98])
        lab = lab[(lab[:, 0] >= lo) & (lab[:, 0] <= hi)]
        centre = np.median(lab, axis=0)
        spread = np.percentile(np.abs(lab - centre), 80, axis=0)
        keep = np.all(np.abs(lab - centre) <= 2.0 * spread + 1.0, axis=1)
        lab = lab[keep]
        mean = lab.mean(axis=0)
        cov = np.cov(lab.T) + np.diag([9.0, 2.0, 2.0])  # floor: tolerate shading and noise
        return mean.astype(np.float32), np.linalg.inv(cov).astype(np.float32)

    @cached_property
    def skin_likeness(self) -> np.ndarray:
        """How skin-coloured each ROI pixel is (0..1), from the face's own skin colours; shading
        (L*) is forgiven more than a change of hue."""
        if self.work is not self:
            return self.enlarge(self.work.skin_likeness)
        model = self.skin_colour_model
        if model is None:
            return self.face_hull
        mean, inv = model
        d = self.lab - mean
        d[..., 0] *= 0.5
        md2 = quadratic_form(d, inv)  # einsum's bits, faster
        raw = 1.0 - smoothstep(np.sqrt(md2), 2.5, 4.0)
        # A touch of spatial smoothing so pores do not punch holes in the mask.
        smooth = soft_blur(raw, self.px(0.012))
        return np.clip(smooth, 0, 1).astype(np.float32, copy=False)

    # ---- working scale: a big head's smooth layers on a smaller copy ---------------------
    _reach_margin = 0

    @cached_property
    def work_scale(self) -> float:
        """1.0 when the head is worked on at full size (at most ``WORK_IOD`` pixels between the
        eyes, e.g. any screen proxy); below 1, ``work`` is a copy at ``BIG_HEAD_WORK_IOD``."""
        return min(1.0, WORK_IOD / self.iod) if self.iod > 0 else 1.0

    @cached_property
    def work(self) -> PhotoLayers:
        """These layers on the ROI shrunk to an IOD of ``BIG_HEAD_WORK_IOD`` pixels
        (area-averaged) when ``work_scale`` < 1, else ``self``. A big head's masks and slowly
        varying fields (skin, bands from IOD/40 up, illumination, light weights) are computed
        there and enlarged with ``enlarge``; hard zeros (protected features) are then set at
        full size with ``on_features_zero``."""
        if not self.has_face or self.work_scale >= 1:
            return self
        h, w = self.shape
        scale = BIG_HEAD_WORK_IOD / self.iod
        size = (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1))
        small = cv2.resize(self.image, size, interpolation=cv2.INTER_AREA)
        return _WorkCopy(small, self.roi_face.scaled((size[0] / w, size[1] / h)))

    def enlarge(self, field: np.ndarray) -> np.ndarray:
        """A field of ``work`` (h', w'[, C]) at the ROI's size (bilinear, float32); the field
        itself when ``work`` is ``self``. Zeros stay zeros where all four neighbours are 0."""
        if self.work is self:
            return field
        h, w = self.shape
        return cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)

    def work_field(self, field: np.ndarray) -> np.ndarray | WorkField:
        """A smooth field of ``work`` (h', w'[, C]) as it reads at the ROI's size, exactly 0 on
        the protected features: a ``WorkField`` made band by band where it is used
        (``fields_in_bands``), else that field enlarged whole (the same bits)."""
        enlarged = WorkField(self, field)
        return enlarged if self.fields_in_bands else enlarged.full()

    def enlarge_part(self, field: np.ndarray, box: tuple[slice, slice]) -> np.ndarray:
        """``enlarge(field)[box]`` without enlarging the rest (bilinear, cv2.resize's pixel
        centres), float32 (bh, bw[, C])."""
        if self.work is self:
            return field[box].astype(np.float32)
        h, w = self.shape
        small_h, small_w = field.shape[:2]

        def taps(part: slice, small: int, full: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            at = (np.arange(part.start, part.stop) + 0.5) * (small / full) - 0.5
            at = np.clip(at, 0.0, small - 1)
            lo = np.floor(at).astype(np.intp)
            return lo, np.minimum(lo + 1, small - 1), (at - lo).astype(np.float32)

        y0, y1, fy = taps(box[0], small_h, h)
        x0, x1, fx = taps(box[1], small_w, w)
        if field.ndim == 3:
            fx = fx[:, None]
        top = field[y0][:, x0] * (1 - fx) + field[y0][:, x1] * fx
        bottom = field[y1][:, x0] * (1 - fx) + field[y1][:, x1] * fx
        fy = fy[:, None, None] if field.ndim == 3 else fy[:, None]
        return (top * (1 - fy) + bottom * fy).astype(np.float32, copy=False)

    @cached_property
    def _features(self) -> tuple[tuple[slice, slice], np.ndarray]:
        """The bounding box of ``unprotected == 0`` and that zone inside it (bool), worked
        out on ``_protected_part``'s box (the same pixels as on the whole ROI)."""
        (part_rows, part_cols), part = self._protected_part
        top, left = part_rows.start, part_cols.start
        zone = cv2.dilate((part > 0).astype(np.uint8), disk(1.0)) > 0
        rows, cols = np.flatnonzero(zone.any(axis=1)), np.flatnonzero(zone.any(axis=0))
        if rows.size == 0:
            return (slice(0, 0), slice(0, 0)), zone[:0, :0]
        box = slice(top + rows[0], top + rows[-1] + 1), slice(left + cols[0], left + cols[-1] + 1)
        return box, np.ascontiguousarray(zone[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])

    def on_features_zero(self, field: np.ndarray) -> np.ndarray:
        """``field`` (ROI, (h, w[, C])) set to exactly 0, in place, where ``unprotected`` is 0
        (the protected features grown by a pixel, at full resolution); returns it."""
        box, zone = self._features
        if field.ndim == 3:
            zone = self._features_per_channel
        np.copyto(field[box], 0.0, where=zone)
        return field

    @cached_property
    def _features_per_channel(self) -> np.ndarray:
        """``_features``' zone repeated for 3 channels (a contiguous mask copies fastest)."""
        zone = self._features[1].view(np.uint8)
        return cv2.merge([zone, zone, zone]).view(bool)

    def reach(self, rows: slice, cols: slice) -> tuple[slice, slice]:
        """The ROI pixels whose enlarged values (``enlarge``) can come from the work copy's
        pixels ``rows``, ``cols`` (bilinear: within a copy pixel, plus one of safety)."""
        h, w = self.shape
        small_h, small_w = self.work.shape

        def span(part: slice, small: int, full: int) -> slice:
            scale = small / full
            lo = int(np.floor((part.start - 1 + 0.5) / scale - 0.5)) - 1
            hi = int(np.ceil((part.stop + 0.5) / scale - 0.5)) + 2
            return slice(max(lo, 0), min(hi, full))

        return span(rows, small_h, h), span(cols, small_w, w)

    def nonzero_box(self, field: np.ndarray) -> tuple[slice, slice] | None:
        """The ROI box outside which ``enlarge(field)`` is exactly 0 (None: it is 0
        everywhere); ``field`` is the work copy's (h', w'[, C])."""
        nonzero = field != 0
        if nonzero.ndim == 3:
            nonzero = nonzero.any(axis=2)
        rows = np.flatnonzero(nonzero.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(nonzero.any(axis=0))
        return self.reach(slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))

    @cached_property
    def face_and_neck(self) -> np.ndarray:
        """Light edits' weight: face and neck, feathered over ``LIGHT_FEATHER`` IOD, following
        the skin's own edges (no oval) with beard and brows inside, 0 on the protected
        features."""
        if self.work is not self:
            return self.on_features_zero(self.enlarge(self.work.face_and_neck))
        face = self.roi_face
        prior = (self.face_hull > 0).astype(np.uint8)
        # Neck: the lower jaw line dropped by ~1.2 IOD, filled.
        jaw = face.landmarks[3:14].astype(np.float64)
        neck = np.vstack([jaw, (jaw - up_direction(face) * 1.2 * self.iod)[::-1]])
        cv2.fillPoly(prior, [cv2.convexHull(np.round(neck).astype(np.int32))], 1)
        prior = grow(prior, self.px(0.08))
        soft_prior = soft_blur(prior.astype(np.float32), self.px(LIGHT_FEATHER) / 2)
        # The neck fades out downwards so no line shows at the collar.
        below_chin = np.arange(self.shape[0], dtype=np.float32)[:, None] - float(
            face.landmarks[8, 1]
        )
        fade = 1.0 - smoothstep(below_chin / self.iod, 0.5, 1.3)
        # Light falls on beard and brows too: the face inside its outline counts whatever its colour.
        inner = shrink(self.face_hull, self.px(0.05)).astype(np.float32)
        weight = soft_prior * fade * np.maximum(self.skin_likeness, inner)
        # Edge-aware smoothing: one continuous field that stops at the face's edges.
        r = guided_radius(1 / 12, self.iod)
        weight = guided_filter(self.luma, weight, r, 0.01**2, subsample=subsample_for(r))
        return np.clip(weight * self.unprotected_soft, 0, 1).astype(np.float32, copy=False)

    # ---- bands -------------------------------------------------------------------------
    @cached_property
    def fine_smoothed(self) -> np.ndarray:
        """The ROI without its fine band (edge-aware, about Gaussian IOD/60)."""
        r = guided_radius(FINE_SIGMA, self.iod)
        return guided_filter(self.luma, self.image, r, FINE_EPS, subsample=subsample_for(r))

    @cached_property
    def base(self) -> np.ndarray:
        """The ROI without fine and mid bands (edge-aware, about Gaussian IOD/8)."""
        r = guided_radius(MID_SIGMA, self.iod)
        return guided_filter(self.luma, self.image, r, MID_EPS, subsample=subsample_for(r))

    @cached_property
    def mid(self) -> np.ndarray:
        """Mid band (blotches, uneven tone): fine-smoothed minus base, RGB."""
        return (self.fine_smoothed - self.base).astype(np.float32, copy=False)

    @cached_property
    def log_luminance(self) -> np.ndarray:
        y = luminance(self.linear)  # linear-light luminance (same weights)
        return np.log(np.maximum(y, 1e-4)).astype(np.float32, copy=False)

    @cached_property
    def illumination(self) -> np.ndarray:
        """Base (illumination) layer: edge-aware smooth log luminance at ``LIGHT_SIGMA`` IOD."""
        r = guided_radius(LIGHT_SIGMA, self.iod)
        g = self.log_luminance
        return guided_filter(g, g, r, LIGHT_EPS, subsample=subsample_for(r))


class WorkField:
    """A smooth field of a big head's working copy (``PhotoLayers.work``) as it reads at the
    ROI's full size: enlarged bilinearly (cv2.resize's pixel centres) and set to exactly 0 on
    the protected features, one band of rows at a time.

    A 24 MP close-up's head region is ~12 MP: enlarged whole, one colour field is ~150 MB
    written once, paged in and read once more. In bands of about a megabyte each pass stays
    in the CPU's cache. The bands are a fixed grid of whole-width rows, so a field gives the
    same bits whichever rows are asked for, in any order, on any thread (``full`` is the same
    bands put together)."""

    def __init__(self, layers: PhotoLayers, small: np.ndarray):
        self._layers = layers
        self.small = np.ascontiguousarray(small, dtype=np.float32)
        h, w = layers.shape
        self.shape: tuple[int, ...] = (h, w, *self.small.shape[2:])
        self.ndim = len(self.shape)
        self.band_rows = max(_FIELD_BAND_BYTES // max(w * 4 * int(np.prod(self.shape[2:])), 1), 8)

    def bands(self, rows: slice) -> Iterator[tuple[slice, np.ndarray]]:
        """(ROI rows, the field on those rows (r, w[, C])) for the grid's bands that meet
        ``rows``, cut to them, top to bottom."""
        start, stop = max(rows.start or 0, 0), min(self.shape[0] if rows.stop is None else rows.stop,
                                                   self.shape[0])
        step = self.band_rows
        for top in range(start - start % step, stop, step):
            values = self.band(top)
            lo, hi = max(start, top), min(stop, top + values.shape[0])
            yield slice(lo, hi), values[lo - top : hi - top]

    def band(self, top: int) -> np.ndarray:
        """Rows ``top`` .. ``top + band_rows`` of the field (a grid band), float32."""
        h, w = self.shape[:2]
        rows = slice(top, min(top + self.band_rows, h))
        values = enlarge_rows(self.small, (w, h), rows).reshape(rows.stop - top, *self.shape[1:])
        (box_rows, box_cols), zone = self._layers._features
        lo, hi = max(box_rows.start, top), min(box_rows.stop, rows.stop)
        if hi > lo:
            if self.ndim == 3:
                zone = self._layers._features_per_channel
            part = slice(lo - box_rows.start, hi - box_rows.start)
            np.copyto(values[lo - top : hi - top, box_cols], 0.0, where=zone[part])
        return values

    def full(self) -> np.ndarray:
        """The whole field at the ROI's size (the bands put together)."""
        out = np.empty(self.shape, np.float32)
        for rows, values in self.bands(slice(0, self.shape[0])):
            out[rows] = values
        return out


#: Bytes of one band of a ``WorkField`` (about the CPU's cache).
_FIELD_BAND_BYTES = 1 << 20


class _WorkCopy(PhotoLayers):
    """A big head's ROI shrunk to the working scale (``PhotoLayers.work``): the whole copy is
    its region and its own working scale is 1."""

    #: The head's hard edge is pulled in by this many pixels of the copy, so after enlarging
    #: (bilinear, a pixel's reach) nothing changes beyond ``HEAD_REACH`` at full resolution.
    _reach_margin = 3

    @cached_property
    def roi(self) -> tuple[slice, slice]:
        return slice(0, self.height), slice(0, self.width)

    @cached_property
    def work_scale(self) -> float:
        return 1.0

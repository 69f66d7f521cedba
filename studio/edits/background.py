"""The four background edits: blur, light, calm colours, backdrop.

Three steps, each a pure function (no Qt, no I/O, no download):

``person_alpha(pixels, face)`` (``studio.face.person``)
    The soft person matte: 1 on the person, 0 on the background, fractional along hair.
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

from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.backdrop import BLUR_SHARE, blurred, is_picture, picture_grid, picture_shade
from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.errors import LikenessError
from studio.face.person import face_frame
from studio.face.types import Face
from studio.imaging.colour import (
    REC709,
    fast_to_linear,
    fast_to_srgb,
    linear_to_srgb,
    srgb_to_linear,
)
from studio.imaging.enlarge import enlarge_rows
from studio.imaging.filters import ColumnRun, background_columns, row_bands, true_runs

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


#: Largest lens-blur radius (bg_blur = 1), in IOD; without a face, in image diagonals.
BLUR_RADIUS_IOD = 0.45
BLUR_RADIUS_DIAGONAL = 0.025
#: Blur ladder: radii BLUR_RADIUS * 2**-k for k in 0..BLUR_LEVELS-1; a slider move mixes two.
BLUR_LEVELS = 5
#: Largest background light change (bg_light = +-1), in photographic stops.
LIGHT_STOPS = 1.0
#: How much brighter the backdrop is behind the head than at the frame's edges (linear light).
BACKDROP_GLOW = 0.08

#: Largest head region whose old background is kept between renders, pixels.
REGION_KEPT_PIXELS = 2_000_000


# --------------------------------------------------------------------------------------------
# Prepared layers and the edits
# --------------------------------------------------------------------------------------------

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
        local = enlarge_rows(self.blur_levels[-1], (w, h), rows, cols)
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
    fill a block are left out), band by band: the full-size product never exists at once
    (docs/architecture.md, "Two rules every render follows")."""
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
        for b0, b1 in true_runs(person, gap=1):
            colour[:, b0:b1] = 0.0
            weight[:, b0:b1] = 0.0
        for b0, b1 in true_runs(touched):
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
        centre, _, up, iod = face_frame(face)
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
        return lambda band, cols, dst=None: enlarge_rows(top, (w, h), band, cols, dst)
    if radius <= radii[-1]:
        # Mixed first and restyled once per pixel shown (the smallest level is as big as a
        # screen photo: restyling all of it on every move would cost more than the mix).
        t = np.float32(radius / radii[-1])

        def smallest(band, cols, dst=None):
            mixed = cv2.addWeighted(unblurred(band, cols), 1.0 - t,
                                    enlarge_rows(layers.blur_levels[-1], (w, h), band, cols), t, 0.0)
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
    return lambda band, cols, dst=None: enlarge_rows(mixed, (w, h), band, cols, dst)


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
    return lambda band, cols, dst=None: enlarge_rows(small, (w, h), band, cols, dst)


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



"""Warmth: a skin-tone-aware white balance of the whole photo.

A warmer/cooler white balance is a pair of red/blue gains in linear light (luminance kept).
With a face, the strength is limited so the skin stays natural: warming may add only a
little chroma to dark skin (no orange) and cooling may take only a little from pale skin
(no grey); the hue stays within the range of real skin. Without a face it is a plain white
balance.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits.params import EditParams, slider_field
from studio.edits.protocol import Region
from studio.face.layers import PhotoLayers
from studio.imaging.colour import REC709, lab_to_rgb, linear_to_srgb, rgb_to_lab, srgb_to_linear
from studio.imaging.filters import row_bands

#: Red/blue gain at ``warmth = +-1``, in stops (about +-600 K around daylight).
MAX_STOPS = 0.2
#: Hue angles (degrees, CIELAB) real skin stays within after the shift.
SKIN_HUE_MIN, SKIN_HUE_MAX = 30.0, 68.0


#: The edit protocol (studio.edits.protocol): slider keys, algorithm version, stage, order.
KEYS = ("warmth",)
VERSION = 1
STAGE = "photo"
ORDER = 10


@dataclass(frozen=True)
class Params(EditParams):
    """strength: -1 (cooler) .. 0 (off) .. +1 (warmer)."""

    strength: float = slider_field("warmth")


@dataclass(frozen=True)
class Prepared:
    """skin_lab: the skin's mean (L*, a*, b*), or None without a face; warmest, coolest: the
    strongest white balance each way that keeps that skin natural (1.0 / -1.0 without a face).
    The slider's range is mapped onto them, so every position means something on every skin."""

    skin_lab: np.ndarray | None
    warmest: float = 1.0
    coolest: float = -1.0

    @classmethod
    def for_skin(cls, skin_lab: np.ndarray | None) -> Prepared:
        if skin_lab is None:
            return cls(skin_lab=None)
        return cls(
            skin_lab=skin_lab,
            warmest=skin_aware_strength(1.0, skin_lab),
            coolest=skin_aware_strength(-1.0, skin_lab),
        )

    def strength(self, slider: float) -> float:
        """The white balance strength used for a slider value (-1..1)."""
        return slider * (self.warmest if slider > 0 else -self.coolest)


def gains(strength: float) -> np.ndarray:
    """Linear-light (r, g, b) gains of a white balance ``strength`` (-1..1), luminance kept."""
    stops = strength * MAX_STOPS
    g = np.array([2.0**stops, 1.0, 2.0 ** (-stops)], np.float32)
    return (g / float(g @ REC709)).astype(np.float32)


def _shifted(lab: np.ndarray, strength: float) -> np.ndarray:
    lin = srgb_to_linear(lab_to_rgb(lab.reshape(1, 1, 3))) * gains(strength)
    return rgb_to_lab(linear_to_srgb(lin)).reshape(3)


def _chroma_hue(lab: np.ndarray) -> tuple[float, float]:
    return float(np.hypot(lab[1], lab[2])), float(np.degrees(np.arctan2(lab[2], lab[1])))


def _natural(skin: np.ndarray, shifted: np.ndarray, warmer: bool) -> bool:
    """Is ``shifted`` still a natural version of ``skin`` (both L*a*b*)?"""
    c0, h0 = _chroma_hue(skin)
    c1, h1 = _chroma_hue(shifted)
    lightness = float(np.clip((skin[0] - 30.0) / 45.0, 0.0, 1.0))
    if warmer:
        # Dark skin may gain ~2 chroma units, pale skin ~8: beyond that it reads orange.
        return c1 <= c0 + 2.0 + 6.0 * lightness and h1 <= max(h0, SKIN_HUE_MAX)
    # Pale, low-chroma skin greys quickly: keep most of its chroma.
    return c1 >= max(c0 - (1.5 + 0.2 * c0), 0.75 * c0) and h1 >= min(h0, SKIN_HUE_MIN)


def skin_aware_strength(strength: float, skin_lab: np.ndarray | None) -> float:
    """``strength`` limited so the skin stays natural (a few milliseconds: once per photo)."""
    if skin_lab is None or strength == 0:
        return strength
    warmer = strength > 0
    if _natural(skin_lab, _shifted(skin_lab, strength), warmer):
        return strength
    lo, hi = 0.0, abs(strength)
    for _ in range(12):  # to ~0.0003 of the slider
        mid = (lo + hi) / 2
        s = mid if warmer else -mid
        if _natural(skin_lab, _shifted(skin_lab, s), warmer):
            lo = mid
        else:
            hi = mid
    return lo if warmer else -lo


def prepare(layers: PhotoLayers) -> Prepared:
    if not layers.has_face:
        return Prepared.for_skin(None)
    inside = layers.skin > 0.5
    if inside.sum() < 50:
        return Prepared.for_skin(None)
    mean_rgb = layers.image[inside].mean(axis=0)
    return Prepared.for_skin(rgb_to_lab(mean_rgb.reshape(1, 1, 3)).reshape(3))


def process(region: Region, params: Params, out: np.ndarray | None = None) -> np.ndarray:
    """White-balance ``region.pixels`` (float32 (h, w, 3), any part of the photo: the white
    balance is per pixel); strength 0 returns it as is. ``out`` (may be ``region.pixels``
    itself) receives the result instead of a new array."""
    image, prepared = region.pixels, region.prepared
    if params.strength == 0:
        return image
    strength = (prepared or Prepared.for_skin(None)).strength(params.strength)
    if strength == 0:
        return image
    return white_balance(image, gains(strength), out=out)


#: Size of the per-channel tone tables, looked up with linear interpolation (at most ~1e-5
#: off the formulas: well under a 16-bit step). cv2.remap needs fewer than 32767 columns.
_TABLE_SIZE = 16384


@functools.lru_cache(maxsize=8)
def _tables(channel_gains: tuple[float, float, float]) -> np.ndarray:
    """(3, _TABLE_SIZE) float32: each channel's sRGB -> white-balanced sRGB curve."""
    codes = np.arange(_TABLE_SIZE, dtype=np.float32) / np.float32(_TABLE_SIZE - 1)
    linear = srgb_to_linear(codes)
    return np.ascontiguousarray(
        np.stack([np.clip(linear_to_srgb(linear * np.float32(g)), 0.0, 1.0) for g in channel_gains]),
        dtype=np.float32,
    )






@functools.lru_cache(maxsize=8)
def _constants(gains_: tuple[float, float, float]) -> tuple:
    """What ``white_balance`` needs for these gains (made once: a band's work is small)."""
    slope = np.array(gains_, np.float64) ** (1 / 2.4)
    matrix = np.zeros((3, 4), np.float32)
    matrix[[0, 1, 2], [0, 1, 2]] = slope
    matrix[:, 3] = 0.055 * slope - 0.055
    # Where the affine form holds: past the input's toe, and the output past its toe.
    toe = np.array(
        [max(0.04045, float(linear_to_srgb(np.float32(0.0031308 / g)))) for g in gains_], np.float32
    ) + np.float32(1e-6)
    toe_max = np.float32(toe.max())
    diagonal = np.zeros((3, 3), np.float32)
    diagonal[[0, 1, 2], [0, 1, 2]] = gains_
    # Below this, input and output are both on the curve's linear toe in every channel.
    linear_end = np.float32(min(0.04045, 0.04045 / max(gains_)))
    below_toe = float(np.nextafter(toe_max, np.float32(0)))
    return _tables(gains_).reshape(-1), matrix, diagonal, toe_max, linear_end, below_toe


def white_balance(
    image: np.ndarray,
    channel_gains: np.ndarray,
    out: np.ndarray | None = None,
    parts: Iterable[tuple[slice, slice]] | None = None,
) -> np.ndarray:
    """Multiply each channel's linear light by its gain; float32 sRGB in and out (values
    outside [0, 1] are taken as 0 or 1).

    Above the sRGB curve's linear toe, ``srgb(g * linear(x))`` is exactly the affine
    ``g**(1/2.4) * (x + 0.055) - 0.055``: one cv2.transform per band. Values near black
    (below ~0.05) take the exact curve from a table. ``out`` (float32, same shape; may be
    ``image`` itself) receives the result instead of a new array; with ``parts`` ((rows, cols)
    slices, each at most a band of ~65k pixels) only those pixels are made and written.
    """
    image = np.asarray(image, dtype=np.float32)
    h, w = image.shape[:2]
    flat_table, matrix, diagonal, toe_max, linear_end, below_toe = _constants(
        tuple(float(g) for g in channel_gains)
    )
    if out is None:
        out = np.empty((h, w, 3), np.float32)
    if parts is None:
        parts = [(rows, slice(0, w)) for rows in row_bands(h, w)]
    for band in parts:
        clipped = np.clip(image[band], 0.0, 1.0)
        target = out[band]
        # Straight into the output when the part is contiguous there (a whole band).
        direct = target.flags.c_contiguous
        result = cv2.transform(clipped, matrix, dst=target if direct else None)
        np.clip(result, 0.0, 1.0, out=result)
        values = clipped.reshape(clipped.shape[0], -1)  # one channel, for OpenCV's masks
        if cv2.minMaxLoc(values)[0] < toe_max:
            # Below both toes the curve is exactly g * x (a value's result never depends on
            # its neighbours); the table is left for the narrow stretch between the toes.
            below = cv2.compare(values, float(linear_end), cv2.CMP_LT)
            if cv2.countNonZero(below):
                cv2.copyTo(cv2.transform(clipped, diagonal), below.reshape(clipped.shape), result)
            between = cv2.inRange(values, float(linear_end), below_toe)
            if cv2.countNonZero(between):
                dark = np.flatnonzero(between > 0)
                position = clipped.reshape(-1)[dark] * np.float32(_TABLE_SIZE - 1)
                index = np.minimum(position.astype(np.int64), _TABLE_SIZE - 2)
                frac = position - index
                index += (dark % 3) * _TABLE_SIZE
                result.reshape(-1)[dark] = flat_table[index] + frac * (
                    flat_table[index + 1] - flat_table[index]
                )
        if not direct:
            target[...] = result
    return out

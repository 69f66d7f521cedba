"""Real camera RAW files made at test time: a bayer mosaic of a photo written as a DNG by
pidng (a library that writes DNG), optionally with an embedded JPEG preview.

The "camera" sees linear sRGB through an RGGB filter with a colour cast (``NEUTRAL``, the
camera's reading of a grey), so a developer that honours the camera's white balance and
colour matrix gives back the photo the mosaic was made from.
"""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image

#: The camera's reading of a neutral grey (as-shot neutral): red and blue weak, as daylight
#: through a real sensor's filters.
NEUTRAL = (0.5, 1.0, 0.8)
BLACK, WHITE = 256, 16383  # a 14-bit sensor's levels
#: XYZ (D65) to linear sRGB: the "camera" is linear sRGB, so this is its colour matrix.
_XYZ_TO_SRGB = np.array(
    [[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560],
     [0.0556434, -0.2040259, 1.0572252]]
)


def linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB values in [0, 1] to linear light."""
    srgb = np.asarray(srgb, np.float64)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def mosaic(srgb: np.ndarray) -> np.ndarray:
    """The RGGB sensor values (uint16, BLACK..WHITE) a camera with NEUTRAL's cast records
    of an sRGB picture (even width and height)."""
    camera = linear(srgb) * np.asarray(NEUTRAL)
    h, w = camera.shape[:2]
    values = np.empty((h, w))
    values[0::2, 0::2] = camera[0::2, 0::2, 0]
    values[0::2, 1::2] = camera[0::2, 1::2, 1]
    values[1::2, 0::2] = camera[1::2, 0::2, 1]
    values[1::2, 1::2] = camera[1::2, 1::2, 2]
    return np.round(BLACK + np.clip(values, 0, 1) * (WHITE - BLACK)).astype(np.uint16)


def _rationals(values) -> list[list[int]]:
    return [[int(round(float(v) * 10000)), 10000] for v in np.ravel(values)]


def dng_bytes(srgb: np.ndarray, preview: np.ndarray | None = None, orientation: int = 1) -> bytes:
    """A DNG file of ``srgb`` (H, W, 3 in [0, 1], cropped to even sides) as a camera with
    NEUTRAL's cast shoots it; ``preview`` (sRGB) is embedded as its JPEG preview;
    ``orientation`` is its EXIF orientation (6: the camera was turned for a portrait)."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import (
        CalibrationIlluminant,
        CFAPattern,
        DNGVersion,
        PhotometricInterpretation,
    )

    h, w = (srgb.shape[0] // 2) * 2, (srgb.shape[1] // 2) * 2
    tags = DNGTags()
    for tag, value in (
        (Tag.ImageWidth, w), (Tag.ImageLength, h), (Tag.TileWidth, w), (Tag.TileLength, h),
        (Tag.Orientation, orientation),
        (Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
        (Tag.SamplesPerPixel, 1), (Tag.BitsPerSample, 16),
        (Tag.CFARepeatPatternDim, [2, 2]), (Tag.CFAPattern, CFAPattern.RGGB),
        (Tag.BlackLevel, BLACK), (Tag.WhiteLevel, WHITE),
        (Tag.ColorMatrix1, _rationals(_XYZ_TO_SRGB)),
        (Tag.CalibrationIlluminant1, CalibrationIlluminant.D65),
        (Tag.AsShotNeutral, [[int(v * 1000), 1000] for v in NEUTRAL]),
        (Tag.Make, "Likeness"), (Tag.Model, "Test Camera"),
        (Tag.DNGVersion, DNGVersion.V1_4), (Tag.DNGBackwardVersion, DNGVersion.V1_2),
    ):
        tags.set(tag, value)
    writer = RAW2DNG()
    writer.options(tags, path="", compress=False)
    data = bytes(writer.convert(mosaic(srgb[:h, :w])))
    if preview is None:
        return data
    image = Image.fromarray(np.round(np.clip(preview, 0, 1) * 255).astype(np.uint8), "RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return _with_preview(data, out.getvalue(), image.width, image.height)


def _with_preview(dng: bytes, jpeg: bytes, width: int, height: int) -> bytes:
    """``dng`` with a second directory holding ``jpeg`` as its preview (NewSubfileType 1,
    JPEG compressed, YCbCr), chained after the first."""
    data = bytearray(dng) + b"\0" * (len(dng) % 2)
    (count,) = struct.unpack_from("<H", data, 8)
    directory = len(data)
    entries = [(254, 4, 1), (256, 4, width), (257, 4, height), (259, 3, 7), (262, 3, 6),
               (273, 4, None), (277, 3, 3), (278, 4, height), (279, 4, len(jpeg))]
    jpeg_at = directory + 2 + 12 * len(entries) + 4
    block = struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        value = jpeg_at if value is None else value
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        block += struct.pack("<HHI", tag, kind, 1) + packed
    block += struct.pack("<I", 0)
    struct.pack_into("<I", data, 8 + 2 + 12 * count, directory)  # the first's "next" link
    return bytes(data + block + jpeg)

"""Camera RAW files (DNG, CR2/CR3, NEF, ARW, RAF, ORF, RW2) through LibRaw (``rawpy``).

A RAW file is developed as the camera shot it: the camera's white balance, its colour
matrix to linear ProPhoto RGB at 16 bits, then to sRGB in float (values past sRGB's gamut
are clipped there, once), with no automatic brightening, so nothing is clipped that the
camera kept. The embedded JPEG preview, when large enough, is the quick first picture.
RAW files are only ever read.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from studio.errors import PhotoError
from studio.imaging.photo import Photo

#: The camera RAW files Likeness Studio opens, by extension (lower case).
RAW_EXTENSIONS = (".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2")

#: How RAW files begin: TIFF (DNG, CR2, NEF, ARW), Olympus ORF, Panasonic RW2, Fujifilm
#: RAF, Canon CR3 (an ISO media file of brand "crx ").
_RAW_SIGNATURES = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00", b"FUJIFILM")

#: LibRaw's linear ProPhoto RGB from linear sRGB (its ``prophoto_rgb``, D65-relative).
_PROPHOTO_FROM_SRGB = np.array(
    [[0.529317, 0.330092, 0.140588], [0.098368, 0.873465, 0.028169],
     [0.016879, 0.117663, 0.865457]]
)
_SRGB_FROM_PROPHOTO = np.linalg.inv(_PROPHOTO_FROM_SRGB).astype(np.float32)

#: The first directory's tags a RAW file's EXIF keeps: what the photo is and who made it
#: (description, make, model, software, date, artist, copyright) and the EXIF and GPS
#: directories. The rest describe the sensor's data (its size, mosaic, DNG's colour
#: matrices, the orientation LibRaw has already applied): wrong in an export's EXIF.
_KEPT_TAGS = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298, 0x8769, 0x8825)


def is_raw_name(path: str | os.PathLike) -> bool:
    """True when the file's extension is a camera RAW one (see :data:`RAW_EXTENSIONS`)."""
    return Path(path).suffix.lower() in RAW_EXTENSIONS


def looks_raw(head: bytes) -> bool:
    """True when a file's first bytes (at least 12) are how a camera RAW file begins."""
    return head.startswith(_RAW_SIGNATURES) or (head[4:8] == b"ftyp" and head[8:12] == b"crx ")


def _open(data: bytes, name: str):
    """The RAW file opened by LibRaw, or PhotoError with a one-line reason."""
    import rawpy  # start-up

    if not looks_raw(data[:16]):
        raise PhotoError(f"{name}: not a camera RAW file (its first bytes are not a RAW header)")
    try:
        return rawpy.imread(io.BytesIO(data))
    except rawpy.LibRawFileUnsupportedError:
        raise PhotoError(
            f"{name}: a RAW file LibRaw cannot read (an unsupported camera, or damaged)"
        ) from None
    except (rawpy.LibRawError, OSError, ValueError) as error:
        raise PhotoError(f"{name}: corrupt or truncated RAW data ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    text = error.args[0] if error.args else type(error).__name__
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def load_raw(data: bytes, name: str, max_pixels: int) -> Photo:
    """Develop a camera RAW file's bytes; see :func:`studio.imaging.io.load`.

    Returns
    -------
    Photo with float32 sRGB pixels in [0, 1] (16 bits of the camera's data kept), the
    camera's orientation applied, ``format`` "RAW", ``bit_depth`` 16 and the file's EXIF
    where it has a TIFF one. PhotoError (one line) for a file that is not a RAW file, is
    truncated or comes from a camera LibRaw does not know.
    """
    import rawpy  # start-up

    with _open(data, name) as raw:
        sizes = raw.sizes
        if sizes.width * sizes.height > max_pixels:
            raise PhotoError(
                f"{name}: {sizes.width}x{sizes.height} is {sizes.width * sizes.height / 1e6:.0f}"
                f" MP, over the {max_pixels / 1e6:.0f} MP limit"
            )
        try:
            linear = raw.postprocess(
                use_camera_wb=True, no_auto_bright=True, output_bps=16, gamma=(1, 1),
                output_color=rawpy.ColorSpace.ProPhoto,
            )
        except (rawpy.LibRawError, OSError, ValueError) as error:
            raise PhotoError(f"{name}: corrupt or truncated RAW data ({_reason(error)})") from None
    photo = Photo(pixels=srgb_from_linear_prophoto(linear), format="RAW", bit_depth=16,
                  exif=raw_exif(data))
    photo.info["raw"] = Path(name).suffix.lower().lstrip(".") or "raw"
    return photo


def srgb_from_linear_prophoto(linear: np.ndarray) -> np.ndarray:
    """uint16 linear ProPhoto RGB (H, W, 3) to float32 sRGB in [0, 1] (clipped to sRGB's
    gamut), through a 65536-entry curve so every one of the 16 bits counts."""
    import cv2  # start-up

    pixels = cv2.transform(linear.astype(np.float32), _SRGB_FROM_PROPHOTO)
    np.clip(pixels, 0.0, 65535.0, out=pixels)
    pixels += 0.5
    return _SRGB_CURVE[pixels.astype(np.uint16)]


def _srgb_curve() -> np.ndarray:
    """sRGB's transfer function at each of the 65536 linear 16-bit levels."""
    v = np.arange(65536, dtype=np.float64) / 65535.0
    curve = np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)
    return curve.astype(np.float32)


_SRGB_CURVE = _srgb_curve()


def raw_exif(data: bytes) -> bytes | None:
    """A TIFF-based RAW file's EXIF (camera, lens, exposure, date): the tags of
    :data:`_KEPT_TAGS` from its first directory; None for other RAW files, one without
    such tags or a directory that cannot be read."""
    if not data.startswith((b"II*\x00", b"MM\x00*")):
        return None
    try:
        exif = Image.Exif()
        exif.load(data)  # the file's own TIFF header and first directory
        for tag in [tag for tag in exif if tag not in _KEPT_TAGS]:
            del exif[tag]
        return exif.tobytes() if len(exif) else None
    except Exception:  # a broken directory must not stop the photo from opening
        return None


def embedded_preview(data: bytes, name: str) -> tuple[bytes, int, int] | None:
    """The RAW file's embedded JPEG preview: (its JPEG bytes, developed width, developed
    height); None when it has none (the caller decodes the JPEG and checks its shape:
    :func:`studio.imaging.io.load_proxy`)."""
    import rawpy  # start-up

    with _open(data, name) as raw:
        sizes = raw.sizes
        try:
            thumb = raw.extract_thumb()
        except (rawpy.LibRawError, OSError, ValueError):
            return None
    if thumb.format != rawpy.ThumbFormat.JPEG:
        return None
    width, height = sizes.width, sizes.height
    if sizes.flip in (5, 6):  # LibRaw turns these a quarter
        width, height = height, width
    return bytes(thumb.data), width, height

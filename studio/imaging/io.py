"""Reading and writing photos without ever losing one.

``load`` turns any supported file into sRGB float32 pixels with EXIF rotation applied;
``encode`` and ``save`` write JPEG, PNG, TIFF (8/16-bit) and WebP with an sRGB profile and
a privacy-safe EXIF block, atomically, and never over the source photo.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from studio.errors import LikenessError, PhotoError
from studio.imaging.exif import (  # noqa: F401  (clean_exif, fit_exif: imported from here too)
    EXIF_ORIENTATION,
    JPEG_EXIF_LIMIT,
    clean_exif,
    fit_exif,
    tiff_exif,
    with_tiff_exif,
)
from studio.imaging.photo import Photo
from studio.imaging.raw import embedded_preview, is_raw_name, load_raw
from studio.imaging.threads import each, split
from studio.write_guard import WritePlan, read_regular_file, write_atomic

try:  # HEIC/HEIF from phones
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - it is a declared dependency
    pillow_heif = None

#: Photos larger than this are refused before decoding (a decompression bomb or a mistake).
MAX_PIXELS = 150_000_000
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated photo is an error, never half black
# Pillow warns (on stderr) about a TIFF's damaged directories before failing or skipping them:
# the user gets our one-line error instead, or the photo without its broken EXIF.
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.TiffImagePlugin")
Image.MAX_IMAGE_PIXELS = None  # our own limit below gives the user a plain message

_MAXBLOCK_LOCK = threading.Lock()

#: Output formats by file extension.
FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
}

#: How the files we read begin: one that begins so but cannot be opened is damaged.
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"RIFF", b"BM")


#: The creation date written in the sRGB profile every file carries (lcms stamps the time it
#: made the profile: the same export would differ from run to run in those 12 bytes).
PROFILE_DATE = (2026, 1, 1, 0, 0, 0)


def _srgb_profile_bytes() -> bytes:
    """The sRGB ICC profile, the same bytes in every process (its header's date fixed; the
    profile has no ID checksum to update)."""
    made = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    made[24:36] = struct.pack(">6H", *PROFILE_DATE)
    return bytes(made)


SRGB_ICC = _srgb_profile_bytes()


# ----------------------------------------------------------------------------- loading
def load(path: str | os.PathLike, max_pixels: int = MAX_PIXELS, *,
         need: int | None = None) -> Photo:
    """Read a photo file.

    Parameters
    ----------
    path : a JPEG, PNG, TIFF, WebP, BMP or HEIC/HEIF file, or a camera RAW file (known by its
        extension, see :mod:`studio.imaging.raw`).
    max_pixels : refuse larger photos before decoding them.
    need : a JPEG is decoded reduced in the DCT (Pillow's draft: 1/2, 1/4 or 1/8) as far as
        both its sides stay at least ``need`` pixels; ``photo.info["reduced"]`` is then the
        factor from the full size to the decoded one (absent: full size).

    Returns
    -------
    Photo with float32 sRGB pixels in [0, 1], EXIF orientation applied, embedded colour
    profile converted to sRGB, alpha kept aside.

    Raises
    ------
    PhotoError with a one-line reason for every problem a user can cause. The file is
    only ever opened for reading.
    """
    path = Path(path)
    photo = load_bytes(_read_photo_file(path), max_pixels=max_pixels, name=str(path), need=need)
    photo.path = path
    return photo


def _read_photo_file(path: Path) -> bytes:
    """The bytes of the photo file at ``path``; PhotoError (one line) when it cannot be read."""
    try:
        return read_regular_file(path, "a photo")
    except PhotoError:
        raise
    except LikenessError as error:
        raise PhotoError(str(error)) from None


def load_bytes(data: bytes, max_pixels: int = MAX_PIXELS, name: str = "photo",
               need: int | None = None) -> Photo:
    """Decode a photo from its file bytes; see :func:`load` (a ``name`` with a RAW extension
    is developed as a camera RAW file)."""
    if not data:
        raise PhotoError(f"{name}: the file is empty")
    if is_raw_name(name):
        return load_raw(data, name, max_pixels)
    image = _open_image(data, name)
    _check_size(image, max_pixels, name)
    fmt = image.format or "PNG"
    if fmt == "PNG":
        _check_png(data, name)
    try:
        full_width = image.size[0]
        if fmt == "JPEG" and need is not None and min(image.size) >= 2 * need:
            image.draft("RGB", (need, need))  # the smallest DCT scale with both sides >= need
        reduced = image.size[0] / full_width
        photo = _decode(image, data, fmt, name)
        if reduced != 1.0:
            photo.info["reduced"] = reduced
        return photo
    except PhotoError:
        raise
    except Image.DecompressionBombError:
        raise PhotoError(f"{name}: too large to open safely") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError,
            KeyError, TypeError, ZeroDivisionError, MemoryError) as error:
        reason = str(error) or type(error).__name__
        raise PhotoError(f"{name}: corrupt or truncated image data ({reason})") from None


def _open_image(data: bytes, name: str) -> Image.Image:
    """The photo's header read by Pillow, or PhotoError saying why it cannot be."""
    try:
        return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if data.startswith(_SIGNATURES):
            raise PhotoError(f"{name}: corrupt image data (its header cannot be read)") from None
        raise PhotoError(f"{name}: not an image, or a format Likeness Studio cannot read") from None
    except Image.DecompressionBombError:
        raise PhotoError(f"{name}: too large to open safely") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as error:
        raise PhotoError(f"{name}: corrupt or truncated image data ({error})") from None


def _check_size(image: Image.Image, max_pixels: int, name: str) -> None:
    """PhotoError when the photo has no pixels or more than ``max_pixels`` of them."""
    width, height = image.size
    if width <= 0 or height <= 0:
        raise PhotoError(f"{name}: the image has no pixels")
    if width * height > max_pixels:
        raise PhotoError(
            f"{name}: {width}x{height} is {width * height / 1e6:.0f} MP, over the "
            f"{max_pixels / 1e6:.0f} MP limit"
        )


def _check_png(data: bytes, name: str) -> None:
    """PhotoError unless every chunk of a PNG matches its checksum: Pillow does not check the
    image data's chunks when decoding, and one flipped byte there decodes to a black image."""
    try:
        Image.open(io.BytesIO(data)).verify()
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as error:
        reason = str(error) or type(error).__name__
        if "checksum" in reason:
            reason = "a PNG chunk does not match its checksum"
        raise PhotoError(f"{name}: corrupt image data ({reason})") from None


def load_proxy(path: str | os.PathLike, max_pixels: int = 2_000_000) -> tuple[Photo, float]:
    """Read a photo at a reduced size for a fast first preview.

    JPEGs are decoded with DCT scaling (Pillow's draft mode: 1/2, 1/4 or 1/8 size for a
    fraction of the decode cost); everything is then area-resized to at most
    ``max_pixels``. Returns the Photo and the factor from full-size to proxy pixel
    coordinates (``proxy = full * factor``), measured on the oriented full size. A camera
    RAW file gives its embedded JPEG preview when that has a quarter of ``max_pixels`` or more.
    Raises PhotoError like :func:`load`.
    """
    path = Path(path)
    if not path.is_file():
        load(path)  # raises the right PhotoError (missing, folder, ...)
    if is_raw_name(path):
        return _raw_proxy(path, max_pixels)
    try:
        with open(path, "rb") as handle:
            head = Image.open(handle)
            full_w, full_h = head.size
            fmt = head.format
    except PermissionError:
        raise PhotoError(f"{path}: permission denied") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        full_w = full_h = 0
        fmt = None
    if fmt != "JPEG" or full_w * full_h <= max_pixels:
        photo = load(path)
        full_w, full_h = photo.width, photo.height
    else:
        if full_w * full_h > MAX_PIXELS:
            load(path)  # raises the size error
        with open(path, "rb") as handle:
            data = handle.read()
        image = Image.open(io.BytesIO(data))
        scale = (max_pixels / (full_w * full_h)) ** 0.5
        image.draft("RGB", (max(int(full_w * scale), 1), max(int(full_h * scale), 1)))
        try:
            photo = _decode(image, data, "JPEG", str(path))
        except (OSError, SyntaxError, ValueError, struct.error, EOFError) as error:
            raise PhotoError(f"{path}: corrupt or truncated image data ({error})") from None
        photo.path = path
        if photo.width != photo.height and (photo.width > photo.height) != (full_w > full_h):
            full_w, full_h = full_h, full_w  # EXIF rotation swapped the sides
    _shrink(photo, max_pixels)
    return photo, photo.width / full_w


def _shrink(photo: Photo, max_pixels: int) -> None:
    """Area-resize ``photo`` (and its alpha) in place to at most ``max_pixels``."""
    pixels = photo.width * photo.height
    if pixels > max_pixels:
        factor = (max_pixels / pixels) ** 0.5
        import cv2  # start-up

        size = (max(int(round(photo.width * factor)), 1), max(int(round(photo.height * factor)), 1))
        photo.pixels = cv2.resize(photo.pixels, size, interpolation=cv2.INTER_AREA)
        if photo.alpha is not None:
            photo.alpha = cv2.resize(photo.alpha, size, interpolation=cv2.INTER_AREA)


def _raw_proxy(path: Path, max_pixels: int) -> tuple[Photo, float]:
    """A RAW file's embedded preview (or, without a large enough one, the developed photo)
    at most ``max_pixels``, and the factor from developed to proxy pixels."""
    data = _read_photo_file(path)
    found = _raw_preview(data, str(path), max_pixels // 4)
    if found is None:
        photo = load_raw(data, str(path), MAX_PIXELS)
        full_w = photo.width
    else:
        photo, full_w, _full_h = found
    photo.path = path
    _shrink(photo, max_pixels)
    return photo, photo.width / full_w


def _raw_preview(data: bytes, name: str, min_pixels: int) -> tuple[Photo, int, int] | None:
    """The RAW file's embedded JPEG preview when it has ``min_pixels`` or more and the
    shape of the developed photo: (preview, developed width, developed height); None when
    there is no such preview (the caller develops the file instead)."""
    found = embedded_preview(data, name)
    if found is None:
        return None
    jpeg, width, height = found
    try:
        preview = load_bytes(jpeg, name=f"{name} (its preview)")
    except PhotoError:
        return None
    if preview.width * preview.height < min_pixels:
        return None
    if abs(preview.width / preview.height - width / height) > 0.02 * width / height:
        return None  # a preview of another crop or turn would misplace the faces found on it
    preview.path = Path(name)
    return preview, width, height


def _source_bit_depth(image: Image.Image, data: bytes, fmt: str) -> int:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        return 16
    if fmt == "PNG" and data[12:16] == b"IHDR":
        return 16 if data[24] == 16 else 8
    if fmt == "TIFF":
        bits = image.tag_v2.get(258) if hasattr(image, "tag_v2") else None
        if bits is not None:
            bits = bits if isinstance(bits, tuple | list) else (bits,)
            if max(bits) >= 16:
                return 16
    if fmt in ("HEIF", "AVIF") and image.info.get("bit_depth", 8) > 8:
        return 16
    return 8




def _decode(image: Image.Image, data: bytes, fmt: str, name: str) -> Photo:
    exif_bytes = tiff_exif(image) if fmt == "TIFF" else image.info.get("exif")
    icc = image.info.get("icc_profile") or None
    bit_depth = _source_bit_depth(image, data, fmt)
    convert_icc = icc if icc and not _is_srgb(icc) else None
    orientation = 1
    try:
        orientation = int(image.getexif().get(EXIF_ORIENTATION, 1) or 1)
    except Exception:  # a broken EXIF block must not stop the photo from opening
        orientation = 1

    if bit_depth == 16 and fmt in ("PNG", "TIFF"):
        rgb, alpha = _decode_16bit(data, name)
        if fmt != "TIFF":  # OpenCV's TIFF decoder applies the TIFF's orientation itself
            rgb, alpha = _orient_array(rgb, orientation), _orient_array(alpha, orientation)
        if convert_icc:
            rgb = _icc_to_srgb_float(rgb, convert_icc)
    else:
        image.load()
        alpha = None
        if image.mode == "P":
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
            alpha = np.asarray(image.getchannel("A"), dtype=np.float32) / 255.0
        image = ImageOps.exif_transpose(image) if orientation != 1 else image
        if alpha is not None and orientation != 1:
            alpha = _orient_array(alpha, orientation)
        rgb = _unit_float(np.asarray(_to_srgb_rgb8(image, convert_icc)))
    rgb = np.ascontiguousarray(rgb, dtype=np.float32)
    if alpha is not None:
        alpha = np.ascontiguousarray(alpha, dtype=np.float32)
        if alpha.min() >= 1.0:
            alpha = None
    return Photo(
        pixels=rgb,
        alpha=alpha,
        format=fmt,
        bit_depth=bit_depth,
        exif=exif_bytes,
        icc_profile=icc,
    )


def _is_srgb(icc: bytes) -> bool:
    """True for an embedded sRGB profile: converting it would only lose precision."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return "srgb" in ImageCms.getProfileDescription(profile).lower()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False


def _to_srgb_rgb8(image: Image.Image, icc: bytes | None) -> Image.Image:
    """8-bit RGB in sRGB from any Pillow mode, converting an embedded profile."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, dtype=np.float64)
        scale = 65535.0 if array.max() > 255 else 255.0
        grey = np.clip(array / scale * 255.0 + 0.5, 0, 255).astype(np.uint8)
        image = Image.fromarray(grey, "L")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = image.mode if image.mode in ("RGB", "CMYK", "L") else None
            if mode is None:
                image = image.convert("RGB")
            return ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: treat the pixels as sRGB, as browsers do
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _decode_16bit(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    import cv2  # start-up

    # OpenCV logs a damaged file's details on stderr itself: our one-line error says it
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    buffer = np.frombuffer(data, dtype=np.uint8)
    array = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if array is None:
        raise PhotoError(f"{name}: corrupt or truncated image data")
    scale = 65535.0 if array.dtype == np.uint16 else 255.0
    array = array.astype(np.float32) / scale
    alpha = None
    if array.ndim == 2:
        rgb = np.repeat(array[:, :, None], 3, axis=2)
    elif array.shape[2] == 2:
        rgb = np.repeat(array[:, :, :1], 3, axis=2)
        alpha = array[:, :, 1]
    elif array.shape[2] == 4:
        rgb = array[:, :, 2::-1]
        alpha = array[:, :, 3]
    else:
        rgb = array[:, :, ::-1]
    return rgb, alpha


def _orient_array(array: np.ndarray | None, orientation: int) -> np.ndarray | None:
    """Apply an EXIF orientation (1-8) to an (H, W[, C]) array."""
    if array is None or orientation in (0, 1) or orientation > 8:
        return array
    transforms = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1, :],
    }
    return np.ascontiguousarray(transforms[orientation](array))


def _icc_to_srgb_float(rgb: np.ndarray, icc: bytes) -> np.ndarray:
    """Convert high-bit-depth pixels to sRGB through a 3-D lookup table built with LittleCMS."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        transform = ImageCms.buildTransform(source, ImageCms.createProfile("sRGB"), "RGB", "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return rgb
    n = 33
    steps = np.linspace(0, 255, n).round().astype(np.uint8)
    grid = np.stack(np.meshgrid(steps, steps, steps, indexing="ij"), axis=-1).reshape(n * n, n, 3)
    mapped = np.asarray(ImageCms.applyTransform(Image.fromarray(grid, "RGB"), transform))
    lut = mapped.reshape(n, n, n, 3).astype(np.float32) / 255.0
    # Trilinear interpolation in the lookup table.
    position = np.clip(rgb, 0, 1) * (n - 1)
    low = np.minimum(position.astype(np.int32), n - 2)
    frac = position - low
    out = np.zeros_like(rgb)
    for dr in (0, 1):
        wr = frac[..., 0] if dr else 1 - frac[..., 0]
        for dg in (0, 1):
            wg = frac[..., 1] if dg else 1 - frac[..., 1]
            for db in (0, 1):
                wb = frac[..., 2] if db else 1 - frac[..., 2]
                corner = lut[low[..., 0] + dr, low[..., 1] + dg, low[..., 2] + db]
                out += (wr * wg * wb)[..., None] * corner
    return out.astype(np.float32)


# ----------------------------------------------------------------------------- saving
def format_for(path: str | os.PathLike) -> str:
    """The output format for a file name, from its extension; PhotoError when unsupported."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        known = ", ".join(sorted({e for e in FORMATS}))
        raise PhotoError(f"{path}: cannot write '{ext or 'no extension'}' files (use {known})")
    return FORMATS[ext]




def _unit_float(rgb8: np.ndarray) -> np.ndarray:
    """uint8 values as float32 in [0, 1] (``x / 255``), in bands over the export's threads."""
    out = np.empty(rgb8.shape, np.float32)

    def band(rows: slice) -> None:
        np.divide(rgb8[rows], np.float32(255.0), out=out[rows])

    each(band, split(rgb8.shape[0]))
    return out


#: zlib level of 8-bit PNG exports (measured on a 6 MP headshot: level 6 took 1.9 s of CPU
#: for 6.65 MB, level 3 0.63 s for 6.94 MB, level 1 0.42 s for 7.41 MB).
PNG_LEVEL = 3







def _to_uint(pixels: np.ndarray, bits: int) -> np.ndarray:
    """float [0, 1] to rounded uint8/uint16, in bands over the export's threads."""
    top = 65535.0 if bits == 16 else 255.0
    out = np.empty(pixels.shape, np.uint16 if bits == 16 else np.uint8)

    # Each thread goes through its band a few rows at a time in one reused buffer, in place:
    # the same bits as clip * top + 0.5 then a truncating cast, without band-sized
    # temporaries (their fresh pages cost more than the arithmetic).
    step = max(_CHUNK_BYTES // max(pixels[:1].nbytes, 1), 1)

    def band(rows: slice) -> None:
        buffer = np.empty((min(step, rows.stop - rows.start), *pixels.shape[1:]), np.float32)
        for start in range(rows.start, rows.stop, step):
            chunk = slice(start, min(start + step, rows.stop))
            values = buffer[: chunk.stop - chunk.start]
            np.clip(pixels[chunk], 0.0, 1.0, out=values)
            values *= np.float32(top)
            values += np.float32(0.5)
            out[chunk] = values

    each(band, split(pixels.shape[0]))
    return out


#: Bytes of float pixels ``_to_uint`` converts at a time (about the CPU's cache).
_CHUNK_BYTES = 1 << 20


def encode(
    pixels: np.ndarray,
    fmt: str,
    *,
    alpha: np.ndarray | None = None,
    quality: int = 92,
    bit_depth: int = 8,
    exif: bytes | None = None,
) -> bytes:
    """Encode sRGB float pixels (H, W, 3) in [0, 1] to file bytes with an sRGB profile.

    ``bit_depth`` 16 is honoured for PNG and TIFF; ``alpha`` (H, W) for PNG, TIFF, WebP.
    ``exif`` is written as given (see :func:`clean_exif`).
    """
    fmt = fmt.upper()
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError("pixels must be (H, W, 3)")
    if fmt not in ("PNG", "TIFF", "WEBP"):
        alpha = None
    if bit_depth == 16 and fmt == "PNG":
        return _encode_png16(pixels, alpha, exif)
    if bit_depth == 16 and fmt == "TIFF":
        return with_tiff_exif(_encode_tiff16(pixels, alpha), exif)
    if fmt == "JPEG":
        exif = fit_exif(exif, JPEG_EXIF_LIMIT)[0]
    image = _image_8bit(pixels, alpha)
    options = _save_options(fmt, quality, exif)
    if fmt == "JPEG":
        return _save_jpeg(image, options)
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    if fmt == "TIFF":
        return with_tiff_exif(out.getvalue(), exif)
    return out.getvalue()


def _image_8bit(pixels: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    """The pixels, and the alpha when given, as an 8-bit RGB or RGBA Pillow image."""
    rgb = _to_uint(pixels, 8)
    if alpha is not None:
        return Image.fromarray(np.dstack([rgb, _to_uint(alpha, 8)]), "RGBA")
    return Image.fromarray(rgb, "RGB")


def _save_options(fmt: str, quality: int, exif: bytes | None) -> dict:
    """Pillow's save options for one format: the sRGB profile, the EXIF block where the
    encoder can write it, and the format's quality or compression."""
    options: dict = {"icc_profile": SRGB_ICC}
    if exif and fmt != "TIFF":  # libtiff cannot write EXIF's sub-directories: added after
        options["exif"] = exif
    if fmt == "JPEG":
        options.update(quality=int(quality), optimize=True,
                       subsampling=0 if quality >= 90 else 2)
    elif fmt == "WEBP":
        options.update(quality=int(quality), method=4)
    elif fmt == "TIFF":
        options.update(compression="tiff_deflate")
    elif fmt == "PNG":
        # zlib level 3: a 6 MP PNG in a third of level 6's time, about 4% larger.
        options.update(compress_level=PNG_LEVEL)
    return options


def _save_jpeg(image: Image.Image, options: dict) -> bytes:
    """The image as JPEG bytes with ``options``.

    Pillow sizes its optimising JPEG buffer at one byte per pixel below quality 95, which
    grainy photos exceed ("Suspension not allowed here"); MAXBLOCK is that buffer's floor,
    process-wide, so it is raised under a lock for this call only.
    """
    needed = 4 * image.width * image.height + len(options.get("exif") or b"") + 65536
    out = io.BytesIO()
    with _MAXBLOCK_LOCK:
        before = ImageFile.MAXBLOCK
        ImageFile.MAXBLOCK = max(before, needed)
        try:
            image.save(out, format="JPEG", **options)
        finally:
            ImageFile.MAXBLOCK = before
    return out.getvalue()




def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(
        ">I", zlib.crc32(kind + payload) & 0xFFFFFFFF
    )


def _encode_png16(pixels: np.ndarray, alpha: np.ndarray | None, exif: bytes | None) -> bytes:
    import cv2  # start-up

    bgr = _to_uint(pixels, 16)[:, :, ::-1]
    if alpha is not None:
        bgr = np.dstack([bgr, _to_uint(alpha, 16)])
    ok, buffer = cv2.imencode(".png", np.ascontiguousarray(bgr))
    if not ok:  # pragma: no cover
        raise PhotoError("the PNG encoder failed")
    data = buffer.tobytes()
    # Insert the sRGB profile (and EXIF) right after IHDR: 8 signature + 25 IHDR bytes.
    head, tail = data[:33], data[33:]
    extra = _png_chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(SRGB_ICC))
    if exif:
        extra += _png_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    return head + extra + tail


def _encode_tiff16(pixels: np.ndarray, alpha: np.ndarray | None) -> bytes:
    import tifffile  # start-up

    array = _to_uint(pixels, 16)
    extra = {}
    if alpha is not None:
        array = np.dstack([array, _to_uint(alpha, 16)])
        extra["extrasamples"] = [2]  # unassociated alpha
    out = io.BytesIO()
    tifffile.imwrite(
        out,
        array,
        photometric="rgb",
        compression="zlib",
        extratags=[(34675, 7, len(SRGB_ICC), SRGB_ICC, True)],
        **extra,
    )
    return out.getvalue()


def save(
    path: str | os.PathLike,
    pixels: np.ndarray,
    *,
    alpha: np.ndarray | None = None,
    quality: int = 92,
    bit_depth: int = 8,
    exif: bytes | None = None,
    keep_private: bool = False,
    source: str | os.PathLike | None = None,
    plan: WritePlan | None = None,
) -> Path:
    """Encode by the file's extension and write atomically; see :func:`encode`.

    ``exif`` is the source's block: orientation is reset and private tags are stripped
    unless ``keep_private``. ``source`` is the original photo, never written to; ``plan``
    the run's :class:`~studio.write_guard.WritePlan` (see :func:`studio.write_guard.write_atomic`).
    """
    fmt = format_for(path)
    data = encode(
        pixels,
        fmt,
        alpha=alpha,
        quality=quality,
        bit_depth=bit_depth,
        exif=clean_exif(exif, keep_private),
    )
    return write_atomic(path, data, "photo", plan=plan, source=source)

"""A backdrop from a picture the user picks: the backdrop slider's value is a colour
('#rrggbb') or a picture, kept as ``image:<sha256>:<path>`` (the file's absolute path and
the SHA-256 of its bytes), so a session names the very picture it was made with.

The picture covers the frame (centred, cropped to the photo's shape, never stretched), is
blurred as a background behind a portrait is (:data:`BLUR_SHARE` of the background blur
slider's largest radius, more as that slider rises) and lit by the colour backdrop's glow
behind the head. The picture is only ever read.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.errors import LikenessError
from studio.write_guard import read_regular_file

#: How a picture backdrop is written in a slider value (and a session).
_IMAGE = re.compile(r"^image:([0-9a-f]{64}):(.+)$", re.DOTALL)
#: Longest side of the picture kept for rendering, pixels (it is blurred: more is unseen).
GRID = 512
#: The picture's blur at background blur 0, as a share of that slider's largest radius.
BLUR_SHARE = 0.5
#: Largest picture file read, bytes (a picture, not a video).
MAX_BYTES = 200 * 1024 * 1024

_lock = threading.Lock()


def is_picture(value: object) -> bool:
    """True when a backdrop value names a picture (rather than a colour or none)."""
    return isinstance(value, str) and value.startswith("image:")


def picture_value(text: str) -> str:
    """A backdrop value naming a picture: ``image:<sha256>:<path>`` already made is checked
    for its form only; a path (optionally after ``image:``) is read and hashed.

    LikenessError (one line) when the file is missing, unreadable or too large.
    """
    if _IMAGE.match(text):
        return text
    path = Path(os.path.expanduser(text[6:] if text.startswith("image:") else text)).resolve()
    return f"image:{_sha256(_read(path))}:{path}"


def picture_path(value: str) -> Path:
    """The path a picture backdrop value names."""
    return Path(_parts(value)[1])


def _parts(value: str) -> tuple[str, str]:
    match = _IMAGE.match(value)
    if match is None:
        raise LikenessError(f"backdrop picture must be written image:<sha256>:<path>, not {value!r}")
    return match.group(1), match.group(2)


def _read(path: Path) -> bytes:
    """The picture's bytes; a FIFO or device in its place is refused, never waited on."""
    try:
        return read_regular_file(path, "a backdrop picture", limit=MAX_BYTES,
                                 missing="is not there (moved or deleted?)")
    except LikenessError as error:
        said = str(error)  # each message names the path; those that do not say what it is for:
        raise LikenessError(said if "backdrop picture" in said else f"backdrop picture {said}") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def picture_grid(value: str, shape: tuple[int, int]) -> np.ndarray:
    """The picture of ``value`` covering a frame of ``shape`` (h, w): float32 sRGB (gh, gw, 3)
    on a grid of at most :data:`GRID` pixels a side, the frame's shape, not yet blurred.

    LikenessError (one line) when the file is gone, is not a picture, or is no longer the
    picture the value was made with (its SHA-256 differs).
    """
    digest, path = _parts(value)
    h, w = shape
    s = min(1.0, GRID / max(h, w))
    size = (max(int(round(w * s)), 2), max(int(round(h * s)), 2))
    return _covering(digest, path, size).copy()


def _covering(digest: str, path: str, size: tuple[int, int]) -> np.ndarray:
    """:func:`_decoded_covering` once at a time (the render's bands ask together)."""
    with _lock:
        return _decoded_covering(digest, path, size)


@lru_cache(maxsize=4)
def _decoded_covering(digest: str, path: str, size: tuple[int, int]) -> np.ndarray:
    data = _read(Path(path))
    if _sha256(data) != digest:
        raise LikenessError(
            f"backdrop picture {path} has changed since it was chosen: choose it again"
        )
    return _cover(_decoded(data, path), size)


def _decoded(data: bytes, path: str) -> np.ndarray:
    """The picture's pixels (float32 sRGB (H, W, 3), turned as its EXIF says), decoded
    reduced to about 4 * GRID a side: on the calling thread, as the render's bands call it
    from the export's thread pool (the photo loader's own pool would wait on itself)."""

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (2 * GRID, 2 * GRID))  # a JPEG decodes at a fraction
            picture = ImageOps.exif_transpose(image).convert("RGB")
            picture.thumbnail((4 * GRID, 4 * GRID), Image.Resampling.BOX)
            return np.asarray(picture, np.float32) / np.float32(255.0)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError):
        raise LikenessError(f"backdrop picture {path} is not a picture that can be read") from None


def _cover(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` scaled to cover ``size`` (w, h) and cropped about the centre."""
    w, h = size
    ph, pw = pixels.shape[:2]
    scale = max(w / pw, h / ph)
    sw, sh = max(w, int(np.ceil(pw * scale))), max(h, int(np.ceil(ph * scale)))
    area = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(np.ascontiguousarray(pixels[:, :, :3], np.float32), (sw, sh),
                        interpolation=area)
    x0, y0 = (sw - w) // 2, (sh - h) // 2
    return np.ascontiguousarray(scaled[y0:y0 + h, x0:x0 + w])


def blurred(grid: np.ndarray, radius: float) -> np.ndarray:
    """``grid`` (float32 (h, w, 3)) blurred by a lens of ``radius`` of its pixels (a Gaussian
    of half that sigma: smooth enough to enlarge bilinearly)."""
    sigma = max(radius / 2.0, 1.0)
    return cv2.GaussianBlur(grid, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def picture_shade(value: str) -> np.ndarray:
    """A picture backdrop's mean colour (float32 sRGB (3,)), as a swatch shows it; mid grey
    when the picture cannot be read (rendering then says why)."""
    try:
        grid = picture_grid(value, (64, 64))
    except LikenessError:
        return np.full(3, 0.5, np.float32)
    return grid.reshape(-1, 3).mean(axis=0).astype(np.float32)

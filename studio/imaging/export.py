"""Export presets: crop, resize and encode a finished picture for a purpose. No Qt here.

Presets
-------
``linkedin``
    Square, face-centred head-and-shoulders crop (eyes a third from the top, the face about
    60% of the frame height), 1024 x 1024 sRGB JPEG, always under 8 MB (quality is stepped
    down, then the size, until it fits). Upscale policy: a crop with fewer than 1024 pixels
    across is written at its own size (inventing pixels adds no detail); below 400 px, the
    smallest LinkedIn accepts, it is upscaled to 400 and the result says so.
``portfolio``
    Long edge 2048 px (never upscaled), the photo's own aspect or 4:5 (face-aware crop),
    sRGB JPEG at quality 95.
``banner``
    LinkedIn's cover image: 1584 x 396 (4:1) sRGB JPEG under 8 MB, framed on the head.
``original``
    Full resolution, whole frame, same format family as the source (JPEG, PNG, TIFF, WebP;
    HEIC and others become PNG, or JPEG for HEIC; a camera RAW file becomes a 16-bit TIFF),
    16-bit kept for PNG and TIFF.
``custom`` (the default)
    Long edge ``size`` (px), ``aspect`` ("original", "1:1", "4:5" or "W:H"), ``format`` and
    ``quality`` as given; with none of them set it writes the whole picture at full resolution
    in the format of the output file's extension (16-bit kept for PNG and TIFF).

Straighten and crop (:mod:`studio.imaging.framing`): a session's ``angle`` turns the full
resolution render (Lanczos) before cropping, and every crop is kept inside the turned photo,
so no empty corner is ever exported; with an angle and no crop the largest frame of the
photo's aspect inside it is used. Without a stored crop, a preset with an aspect frames the
head automatically (crown from the person matte, eyes a third from the top).

Output sharpening (:mod:`studio.imaging.sharpen`): after the resize, linkedin and banner are
sharpened for the screen and portfolio a little less ("standard"): the face's fine band is
restored to the source's level, with no halo; original and custom are not sharpened.

Metadata: orientation is already baked into the pixels; camera EXIF is kept; GPS, serial
numbers and maker notes are stripped unless ``keep_metadata``; the sRGB profile is embedded
(see :func:`studio.imaging.io.clean_exif` and :func:`studio.imaging.io.encode`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.errors import LikenessError, PhotoError
from studio.imaging.filters import resize
from studio.imaging.framing import (
    FRAMES,
    auto_frame,
    keep_inside,
    largest_inside,
    points_inside,
    straighten,
    to_straightened,
)
from studio.imaging.io import (
    JPEG_EXIF_LIMIT,
    MAX_PIXELS,
    clean_exif,
    encode,
    fit_exif,
    format_for,
)
from studio.imaging.sharpen import PRESET_SHARPENING, sharpen_for_output
from studio.write_guard import WritePlan, shown, write_atomic

PRESETS = ("linkedin", "portfolio", "banner", "original", "custom")
ASPECTS = ("original", "1:1", "4:5")
#: LinkedIn's limit on an uploaded photo.
LINKEDIN_MAX_BYTES = 8 * 1024 * 1024
LINKEDIN_SIDE, LINKEDIN_MIN_SIDE = 1024, 400
BANNER_SIZE = (1584, 396)
PORTFOLIO_LONG_EDGE = 2048
#: A custom export's long edge, in pixels: at least MIN_SIZE, at most MAX_SIZE (and the
#: picture at most MAX_PIXELS, the largest photo Likeness Studio opens).
MIN_SIZE, MAX_SIZE = 16, 16384
#: A crop the user chose is at least this many pixels each way (a 1 x 1 crop is no picture).
MIN_CROP = MIN_SIZE
#: Head-and-shoulders framing: the face (hairline to chin) fills this much of the frame height
#: and the eye line sits this far down from the top.
LINKEDIN_FACE_FRACTION, PORTFOLIO_FACE_FRACTION, EYE_LINE = 0.60, 0.45, 1.0 / 3.0
#: Eye line to chin as a fraction of hairline to chin, for an average adult face.
_EYES_TO_CHIN_OF_FACE = 0.54
_DEFAULT_QUALITY = {"linkedin": 92, "portfolio": 95, "banner": 92, "original": 95, "custom": 92}
#: Qualities tried, highest first, when a file must fit under a size limit.
_QUALITY_STEPS = (95, 92, 90, 88, 85, 80, 75, 70, 65, 60, 50, 40, 30, 20)
_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp"}
_FAMILY = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "TIFF": "TIFF",
    "WEBP": "WEBP",
    "HEIF": "JPEG",
    "AVIF": "JPEG",
    "RAW": "TIFF",
}


@dataclass(frozen=True)
class ExportSettings:
    """What the user chose to export (stored in sessions).

    preset : one of :data:`PRESETS`.
    size : long edge in pixels (custom only; None keeps the size).
    aspect : "original", "1:1", "4:5" or "W:H" (None: the preset's own).
    format : "jpeg", "png", "tiff" or "webp" (None: the preset's own, or the file's extension).
    quality : JPEG/WebP quality 1..100 (None: the preset's own).
    keep_metadata : keep GPS, serial numbers and maker notes (stripped by default).
    """

    preset: str = "custom"
    size: int | None = None
    aspect: str | None = None
    format: str | None = None
    quality: int | None = None
    keep_metadata: bool = False

    def to_dict(self) -> dict:
        return {
            "preset": self.preset,
            "size": self.size,
            "aspect": self.aspect,
            "format": self.format,
            "quality": self.quality,
            "keep_metadata": self.keep_metadata,
        }


@dataclass(frozen=True)
class Crop:
    """A crop rectangle as fractions of the photo (after EXIF rotation), each in 0..1."""

    left: float
    top: float
    width: float
    height: float

    def to_dict(self) -> dict:
        return {
            "left": float(self.left),
            "top": float(self.top),
            "width": float(self.width),
            "height": float(self.height),
        }

    @classmethod
    def from_rect(cls, rect: tuple[float, float, float, float], width: int, height: int) -> Crop:
        """The crop of a (left, top, width, height) rectangle in pixels of a photo."""
        left, top, w, h = rect
        return cls(
            float(left / width), float(top / height), float(w / width), float(h / height)
        )

    def rect(self, width: int, height: int) -> tuple[float, float, float, float]:
        """(left, top, width, height) in pixels of a ``width`` x ``height`` photo."""
        return (self.left * width, self.top * height, self.width * width, self.height * height)

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) in pixels of a ``width`` x ``height`` photo, at least 1 px."""
        x0 = min(max(int(round(self.left * width)), 0), width - 1)
        y0 = min(max(int(round(self.top * height)), 0), height - 1)
        x1 = min(max(int(round((self.left + self.width) * width)), x0 + 1), width)
        y1 = min(max(int(round((self.top + self.height) * height)), y0 + 1), height)
        return x0, y0, x1, y1


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: file, pixel size, file size in bytes, JPEG/WebP quality used
    (None for lossless), the crop applied (None: whole frame) and notes for the user."""

    path: Path
    width: int
    height: int
    bytes: int
    format: str
    quality: int | None
    crop: Crop | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


# ----------------------------------------------------------------------------- framing
def parse_aspect(text: str | None) -> float | None:
    """Width / height from "1:1", "4:5", "3:2"...; None for "original" or None."""
    if text is None or text == "original":
        return None
    try:
        w, h = (float(part) for part in str(text).split(":"))
    except ValueError:
        raise LikenessError(f"aspect '{shown(text)}' is not W:H (e.g. 4:5) or 'original'") from None
    if not (0 < w <= 100 and 0 < h <= 100) or not 0.1 <= w / h <= 10:
        raise LikenessError(f"aspect '{shown(text)}' is not a sensible width:height")
    return w / h


def centre_crop(width: int, height: int, aspect: float) -> Crop:
    """The largest centred crop of a ``width`` x ``height`` photo with this width/height."""
    crop_w, crop_h = width, width / aspect
    if crop_h > height:
        crop_w, crop_h = height * aspect, height
    left, top = (width - crop_w) / 2, (height - crop_h) / 2
    return Crop(left / width, top / height, crop_w / width, crop_h / height)


def face_crop(
    width: int,
    height: int,
    landmarks: np.ndarray | None,
    aspect: float,
    face_fraction: float = LINKEDIN_FACE_FRACTION,
    eye_line: float = EYE_LINE,
) -> tuple[Crop, list[str]]:
    """Head-and-shoulders framing around a face.

    Parameters
    ----------
    width, height : photo size in pixels.
    landmarks : (68, 2) dlib landmarks in photo pixels, or None (no face: centre crop).
    aspect : crop width / height.
    face_fraction : hairline-to-chin height as a fraction of the crop height.
    eye_line : eye line position from the top, as a fraction of the crop height.

    Returns
    -------
    The crop as fractions of the photo, and notes for the user (why it differs from the ideal).
    """
    if landmarks is None:
        return centre_crop(width, height, aspect), ["no face found: centre crop"]
    points = np.asarray(landmarks, dtype=np.float64)
    eyes = (points[36:42].mean(axis=0) + points[42:48].mean(axis=0)) / 2
    chin = points[8]
    eyes_to_chin = float(np.hypot(*(chin - eyes)))
    face_height = max(eyes_to_chin / _EYES_TO_CHIN_OF_FACE, 4.0)
    crop_h = face_height / face_fraction
    crop_w = crop_h * aspect
    notes = []
    fit = min(width / crop_w, height / crop_h, 1.0)
    if fit < 0.98:
        notes.append(
            "the face fills more of the photo than head-and-shoulders framing needs: "
            "the crop is as large as the photo allows"
        )
    crop_w, crop_h = crop_w * fit, crop_h * fit
    centre_x = (eyes[0] + chin[0]) / 2
    left = centre_x - crop_w / 2
    top = eyes[1] - eye_line * crop_h
    fitted_left = min(max(left, 0.0), width - crop_w)
    fitted_top = min(max(top, 0.0), height - crop_h)
    if fit >= 0.98 and max(abs(fitted_left - left), abs(fitted_top - top)) > 0.05 * crop_h:
        notes.append("the face is near the edge of the photo: the crop is shifted to stay inside")
    return Crop(
        float(fitted_left / width),
        float(fitted_top / height),
        float(crop_w / width),
        float(crop_h / height),
    ), notes


def _fit_aspect(crop: Crop, width: int, height: int, aspect: float) -> Crop:
    """Trim a stored crop (centred) to the aspect a preset needs."""
    crop_w, crop_h = crop.width * width, crop.height * height
    if abs(crop_w / crop_h - aspect) <= 0.01 * aspect:
        return crop
    if crop_w / crop_h > aspect:
        new_w, new_h = crop_h * aspect, crop_h
    else:
        new_w, new_h = crop_w, crop_w / aspect
    left = crop.left * width + (crop_w - new_w) / 2
    top = crop.top * height + (crop_h - new_h) / 2
    return Crop(left / width, top / height, new_w / width, new_h / height)




# ----------------------------------------------------------------------------- planning
def preset_aspect(settings: ExportSettings) -> float | None:
    """Width / height of a preset's frame (None: the photo's own, or the stored crop's)."""
    if settings.preset == "linkedin":
        return 1.0
    if settings.preset == "banner":
        return BANNER_SIZE[0] / BANNER_SIZE[1]
    if settings.preset == "original":
        return None
    return parse_aspect(settings.aspect)


def frame_name(aspect: float | None) -> str:
    """The framing preset (studio.imaging.framing.FRAMES) of an aspect."""
    if aspect is None:
        return "free"
    for name, value in FRAMES.items():
        if value is not None and abs(value - aspect) <= 0.01 * aspect:
            return name
    return "free"


def plan_crop(
    settings: ExportSettings,
    width: int,
    height: int,
    landmarks: np.ndarray | None = None,
    crop: Crop | None = None,
    *,
    angle: float = 0.0,
    crown_y: float | None = None,
) -> tuple[Crop | None, list[str]]:
    """The crop a preset applies to a ``width`` x ``height`` photo straightened by ``angle``
    (None: the whole frame), with notes; the studio draws it (and LinkedIn's circle).

    ``landmarks`` (68, 2) of the chosen face (original pixels) and ``crown_y`` (the top of
    the head in the person matte, original pixels) frame the automatic crop; a stored
    ``crop`` (the user's adjustment) wins, trimmed to the preset's aspect. Every crop stays
    inside the straightened photo.
    """
    aspect = preset_aspect(settings)
    notes: list[str] = []
    if aspect is None:
        if crop is None or settings.preset != "custom":
            if angle == 0:
                return None, []
            return Crop.from_rect(largest_inside(width, height, angle), width, height), []
    elif crop is None:
        rect, notes = auto_frame(
            width, height, landmarks, aspect, frame_name(aspect), crown_y, angle
        )
        return Crop.from_rect(rect, width, height), notes
    else:
        crop = _fit_aspect(crop, width, height, aspect)
    rect = crop.rect(width, height)
    kept = keep_inside(rect, width, height, angle)
    if kept != rect:
        if abs(kept[2] - rect[2]) > 0.5 or abs(kept[3] - rect[3]) > 0.5:
            notes.append("the crop reached past the straightened photo: it is made smaller")
        crop = Crop.from_rect(kept, width, height)
    return crop, notes


def output_format(
    settings: ExportSettings, source_format: str = "JPEG", path: str | os.PathLike | None = None
) -> str:
    """The file format ("JPEG", "PNG", "TIFF", "WEBP") a preset writes."""
    if settings.preset in ("linkedin", "portfolio", "banner"):
        return "JPEG"
    if settings.format:
        return settings.format.upper()
    if settings.preset == "custom" and path is not None:
        return format_for(path)
    family = _FAMILY.get(str(source_format).upper(), "PNG")
    return family


def output_suffix(settings: ExportSettings, source_format: str = "JPEG") -> str:
    """The file extension (".jpg", ...) for a preset's output, e.g. for batch file names."""
    return _EXTENSIONS[output_format(settings, source_format)]


def check_size(size: int | None) -> None:
    """LikenessError (one line) for a custom long edge outside MIN_SIZE..MAX_SIZE pixels."""
    if size is not None and (
        isinstance(size, bool) or not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE
    ):
        raise LikenessError(f"the export size must be {MIN_SIZE}..{MAX_SIZE} pixels, not {size}")


def check_output(
    settings: ExportSettings, path: str | os.PathLike, source_format: str = "JPEG"
) -> str:
    """The format a preset writes to ``path``; PhotoError when the extension disagrees or
    LikenessError when the settings are impossible (an unknown preset, an absurd size)."""
    if settings.preset not in PRESETS:
        raise LikenessError(
            f"unknown export preset '{settings.preset}' (known: {', '.join(PRESETS)})"
        )
    check_size(settings.size)
    path = Path(path)
    fmt = output_format(settings, source_format, path)
    try:
        named = format_for(path)
    except PhotoError:
        if settings.preset == "custom" and not settings.format:
            raise
        named = None
    if named != fmt:
        raise PhotoError(
            f"{path}: the {settings.preset} export writes {fmt}; name the file "
            f"'{path.stem}{_EXTENSIONS[fmt]}'"
        )
    return fmt


def encode_within(
    pixels: np.ndarray,
    fmt: str,
    *,
    quality: int,
    max_bytes: int | None,
    alpha: np.ndarray | None = None,
    bit_depth: int = 8,
    exif: bytes | None = None,
) -> tuple[bytes, int, np.ndarray, list[str]]:
    """Encode, stepping JPEG/WebP quality down (then the size) until the file fits.

    Returns (file bytes, quality used, the pixels encoded, notes). ``max_bytes`` None: no limit.
    """
    notes: list[str] = []
    data = encode(pixels, fmt, alpha=alpha, quality=quality, bit_depth=bit_depth, exif=exif)
    if max_bytes is None or len(data) <= max_bytes:
        return data, quality, pixels, notes
    if fmt not in ("JPEG", "WEBP"):
        raise PhotoError(
            f"a {fmt} file of this picture is {len(data) / 1e6:.1f} MB, over the "
            f"{max_bytes / 1e6:.1f} MB limit; export as JPEG"
        )
    # Binary search for the highest quality that fits.
    steps = [q for q in _QUALITY_STEPS if q < quality]
    best: tuple[bytes, int] | None = None
    low, high = 0, len(steps) - 1
    while low <= high:
        middle = (low + high) // 2
        attempt = encode(pixels, fmt, alpha=alpha, quality=steps[middle], exif=exif)
        if len(attempt) <= max_bytes:
            best, high = (attempt, steps[middle]), middle - 1
        else:
            low = middle + 1
    if best is not None:
        notes.append(
            f"quality lowered from {quality} to {best[1]} to stay under {max_bytes / 2**20:.0f} MB"
        )
        return best[0], best[1], pixels, notes
    # Even the lowest quality is too big: shrink until it fits (guaranteed to end).
    lowest = steps[-1] if steps else quality
    size = len(encode(pixels, fmt, alpha=alpha, quality=lowest, exif=exif))
    while True:
        scale = min(0.9, 0.95 * (max_bytes / size) ** 0.5)
        h, w = pixels.shape[:2]
        new_w, new_h = max(int(w * scale), 1), max(int(h * scale), 1)
        pixels = resize(pixels, (new_w, new_h))
        alpha = resize(alpha, (new_w, new_h)) if alpha is not None else None
        data = encode(pixels, fmt, alpha=alpha, quality=lowest, exif=exif)
        size = len(data)
        if size <= max_bytes:
            notes.append(
                f"quality {lowest} and size reduced to {new_w}x{new_h} to stay under "
                f"{max_bytes / 2**20:.0f} MB"
            )
            return data, lowest, pixels, notes


def _crop_array(array: np.ndarray | None, box: tuple[int, int, int, int]) -> np.ndarray | None:
    if array is None:
        return None
    x0, y0, x1, y1 = box
    return array[y0:y1, x0:x1]


@dataclass(frozen=True)
class Encoded:
    """An export made in memory, not yet written: the file's bytes, and how its picture was
    cut from the photo (``angle``, ``box`` in the straightened photo's pixels, then resized to
    ``sizes`` (the preset's size, then the size it was shrunk to to fit a file size limit;
    None: not resized), so the original can be framed the same way and a face found in it
    (:meth:`framed`, :meth:`face`)."""

    data: bytes
    format: str
    quality: int | None
    width: int
    height: int
    crop: Crop | None
    notes: tuple[str, ...]
    source_size: tuple[int, int]
    angle: float
    box: tuple[int, int, int, int]
    sizes: tuple[tuple[int, int] | None, tuple[int, int] | None]
    flattened: bool
    #: The output sharpening after the first resize (a kind of studio.imaging.sharpen) and the
    #: face's landmarks in the cut picture it measured: the original is framed sharpened alike.
    sharpening: str | None = None
    cut_points: np.ndarray | None = field(default=None, compare=False)

    def framed(self, pixels: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
        """``pixels`` (the photo's size) turned, cut and resized as the written picture was
        (on white where ``alpha`` is see-through, when the file has no transparency)."""
        x0, y0, x1, y1 = self.box
        if self.angle:
            pixels = straighten(pixels, self.angle)
            alpha = straighten(alpha, self.angle) if alpha is not None else None
        pixels = np.ascontiguousarray(pixels[y0:y1, x0:x1], dtype=np.float32)
        alpha = _crop_array(alpha, self.box)
        for step, size in enumerate(self.sizes):
            if size is not None:
                cut, pixels = pixels, resize(pixels, size)
                alpha = resize(np.ascontiguousarray(alpha), size) if alpha is not None else None
                if step == 0:  # output sharpening is finishing, not retouching: both have it
                    pixels = sharpen_for_output(cut, pixels, self.sharpening, self.cut_points)
            if step == 0 and self.flattened and alpha is not None:
                pixels, alpha = pixels * alpha[..., None] + (1.0 - alpha[..., None]), None
        return np.asarray(pixels, np.float32)

    def points(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) points of the photo in the written picture's pixels (pixel centres kept)."""
        moved = to_straightened(points, *self.source_size, self.angle) - self.box[:2]
        x0, y0, x1, y1 = self.box
        factor = np.array([self.width / (x1 - x0), self.height / (y1 - y0)])
        return (moved + 0.5) * factor - 0.5

    def face(self, face):
        """``face`` (a studio.face.types.Face in the photo's pixels) in the written picture,
        or None when any of its landmarks falls outside it (that face is not written)."""
        landmarks = self.points(face.landmarks)
        if not points_inside(landmarks, self.width, self.height):
            return None
        return face.with_landmarks(landmarks)


@dataclass(frozen=True)
class OutputPlan:
    """What an export will write, known before anything is rendered: the ``crop`` (None: the
    whole frame) of the photo straightened by ``angle``, its ``box`` in the straightened
    photo's pixels (x0, y0, x1, y1), the written picture's ``size`` (width, height; before a
    file size limit shrinks it), the notes so far, and the photo's size."""

    crop: Crop | None
    angle: float
    box: tuple[int, int, int, int]
    size: tuple[int, int]
    notes: tuple[str, ...]
    source_size: tuple[int, int]

    @property
    def scale(self) -> tuple[float, float]:
        """Written pixels per photo pixel, across and down (1: full size)."""
        x0, y0, x1, y1 = self.box
        return self.size[0] / (x1 - x0), self.size[1] / (y1 - y0)


def plan_output(
    settings: ExportSettings,
    width: int,
    height: int,
    landmarks: np.ndarray | None = None,
    crop: Crop | None = None,
    *,
    angle: float = 0.0,
    crown_y: float | None = None,
) -> OutputPlan:
    """The crop, angle and size an export of a ``width`` x ``height`` photo writes (the
    parameters are :func:`export_photo`'s): the part of an export done before rendering, so
    a render can make only what the file needs. LikenessError for a crop or size a user can
    fix."""
    used_crop, crop_notes = plan_crop(
        settings, width, height, landmarks, crop, angle=angle, crown_y=crown_y
    )
    if crop is not None and used_crop is not None:
        check_crop_size(used_crop, width, height)
    notes: list[str] = list(crop_notes)
    box = used_crop.pixels(width, height) if used_crop is not None else (0, 0, width, height)
    w, h = box[2] - box[0], box[3] - box[1]
    target = _preset_size(settings, w, h, notes)
    if target is not None and target[0] * target[1] > MAX_PIXELS:
        raise LikenessError(
            f"a {target[0]} x {target[1]} export is {target[0] * target[1] / 1e6:.0f} MP, over "
            f"the {MAX_PIXELS / 1e6:.0f} MP limit: choose a smaller size"
        )
    return OutputPlan(crop=used_crop, angle=float(angle), box=box, size=target or (w, h),
                      notes=tuple(notes), source_size=(width, height))


def encode_export(
    pixels: np.ndarray,
    settings: ExportSettings,
    path: str | os.PathLike,
    *,
    landmarks: np.ndarray | None = None,
    crop: Crop | None = None,
    angle: float = 0.0,
    crown_y: float | None = None,
    alpha: np.ndarray | None = None,
    exif: bytes | None = None,
    source_format: str = "JPEG",
    bit_depth: int = 8,
    max_bytes: int | None = None,
) -> Encoded:
    """Crop, resize and encode a finished picture for a preset, in memory (the parameters are
    :func:`export_photo`'s); :func:`write_export` writes it."""
    check_output(settings, Path(path), source_format)
    height, width = pixels.shape[:2]
    plan = plan_output(settings, width, height, landmarks, crop, angle=angle, crown_y=crown_y)
    pixels, alpha = _straighten_and_crop(pixels, alpha, angle, plan.crop)
    sharpening, cut_points = None, None
    if plan.size != (pixels.shape[1], pixels.shape[0]):
        cut = pixels
        pixels = resize(pixels, plan.size)
        alpha = resize(alpha, plan.size) if alpha is not None else None
        sharpening = PRESET_SHARPENING[settings.preset]
        cut_points = _points_in_cut(landmarks, width, height, angle, plan.box)
        pixels = sharpen_for_output(cut, pixels, sharpening, cut_points)
    return encode_planned(pixels, plan, settings, path, alpha=alpha, exif=exif,
                          source_format=source_format, bit_depth=bit_depth, max_bytes=max_bytes,
                          sharpening=sharpening, cut_points=cut_points)


def size_limit(settings: ExportSettings) -> int | None:
    """The largest file ``settings``' preset writes, bytes (None: no limit): quality then
    size step down to fit it."""
    return LINKEDIN_MAX_BYTES if settings.preset in ("linkedin", "banner") else None


def encode_planned(
    pixels: np.ndarray,
    plan: OutputPlan,
    settings: ExportSettings,
    path: str | os.PathLike,
    *,
    alpha: np.ndarray | None = None,
    exif: bytes | None = None,
    source_format: str = "JPEG",
    bit_depth: int = 8,
    max_bytes: int | None = None,
    sharpening: str | None = None,
    cut_points: np.ndarray | None = None,
) -> Encoded:
    """Encode ``pixels``, the picture ``plan`` writes (already turned, cut, sized to
    ``plan.size`` and sharpened for output: ``sharpening`` and ``cut_points`` say how, so the
    original can be framed alike), for ``settings``, in memory; the other parameters are
    :func:`export_photo`'s."""
    fmt = check_output(settings, Path(path), source_format)
    notes = list(plan.notes)
    if plan.size != (pixels.shape[1], pixels.shape[0]):
        raise ValueError(f"the picture is {pixels.shape[1]} x {pixels.shape[0]}, the plan's "
                         f"{plan.size[0]} x {plan.size[1]}")
    flattened = alpha is not None and fmt == "JPEG"
    pixels, alpha = _flatten_for_jpeg(pixels, alpha, fmt, notes)
    quality = settings.quality or _DEFAULT_QUALITY[settings.preset]
    depth = _export_bit_depth(settings.preset, fmt, bit_depth, notes)
    if max_bytes is None:
        max_bytes = size_limit(settings)
    cleaned = _export_exif(exif, settings, fmt, notes)
    data, used_quality, pixels, size_notes = encode_within(
        np.ascontiguousarray(pixels, dtype=np.float32),
        fmt,
        quality=quality,
        max_bytes=max_bytes,
        alpha=alpha,
        bit_depth=depth,
        exif=cleaned,
    )
    notes += size_notes
    out_h, out_w = pixels.shape[:2]
    x0, y0, x1, y1 = plan.box
    sizes = (None if plan.size == (x1 - x0, y1 - y0) else plan.size,
             None if (out_w, out_h) == plan.size else (out_w, out_h))
    return Encoded(
        data=data,
        format=fmt,
        quality=used_quality if fmt in ("JPEG", "WEBP") else None,
        width=out_w,
        height=out_h,
        crop=plan.crop,
        notes=tuple(notes),
        source_size=plan.source_size,
        angle=plan.angle,
        box=plan.box,
        sizes=sizes,
        flattened=flattened,
        sharpening=sharpening,
        cut_points=cut_points,
    )


def write_export(encoded: Encoded, path: str | os.PathLike, *, plan: WritePlan | None = None,
                 source: str | os.PathLike | None = None) -> ExportResult:
    """Write (atomically) an export made by :func:`encode_export`."""
    path = Path(path)
    write_atomic(path, encoded.data, "photo", plan=plan, source=source)
    return ExportResult(
        path=path,
        width=encoded.width,
        height=encoded.height,
        bytes=len(encoded.data),
        format=encoded.format,
        quality=encoded.quality,
        crop=encoded.crop,
        notes=encoded.notes,
    )


def export_photo(
    pixels: np.ndarray,
    settings: ExportSettings,
    path: str | os.PathLike,
    *,
    landmarks: np.ndarray | None = None,
    crop: Crop | None = None,
    angle: float = 0.0,
    crown_y: float | None = None,
    alpha: np.ndarray | None = None,
    exif: bytes | None = None,
    source_format: str = "JPEG",
    bit_depth: int = 8,
    source: str | os.PathLike | None = None,
    max_bytes: int | None = None,
    plan: WritePlan | None = None,
) -> ExportResult:
    """Crop, resize, encode and write (atomically) a finished picture for a preset.

    Parameters
    ----------
    pixels : float32 (H, W, 3) sRGB in [0, 1], orientation already applied.
    settings : the preset and its options.
    path : the output file; its extension must match the preset's format.
    landmarks : (68, 2) landmarks of the chosen face in pixel coordinates, for the face-aware
        crop (None: no face, a centre crop).
    crop : a stored crop (fractions of the straightened photo) instead of the automatic one.
    angle : straighten by this many degrees (-15..15) at full resolution before cropping.
    crown_y : the top of the head (person matte) in pixels, for the automatic framing.
    alpha : (H, W) transparency in [0, 1], kept for PNG/TIFF/WebP.
    exif : the source's EXIF block; cleaned per ``settings.keep_metadata``.
    source_format, bit_depth : of the source photo (``original`` keeps them).
    source : the original photo's path: never written to.
    max_bytes : a file size limit (default: 8 MB for linkedin, none otherwise).
    plan : the run's WritePlan (its inputs are never written over; see studio.write_guard).

    Returns
    -------
    ExportResult. Raises PhotoError / LikenessError for problems a user can fix.
    """
    encoded = encode_export(
        pixels, settings, path, landmarks=landmarks, crop=crop, angle=angle, crown_y=crown_y,
        alpha=alpha, exif=exif, source_format=source_format, bit_depth=bit_depth,
        max_bytes=max_bytes,
    )
    return write_export(encoded, path, plan=plan, source=source)


def _points_in_cut(points: np.ndarray | None, width: int, height: int, angle: float,
                   box: tuple[int, int, int, int]) -> np.ndarray | None:
    """(N, 2) points of the photo in the pixels of its turned and cut picture (None: None)."""
    if points is None:
        return None
    return to_straightened(np.asarray(points, np.float64), width, height, angle) - box[:2]


def check_crop_size(crop: Crop, width: int, height: int) -> None:
    """LikenessError (one line) when ``crop`` of a ``width`` x ``height`` photo is under
    ``MIN_CROP`` pixels either way."""
    x0, y0, x1, y1 = crop.pixels(width, height)
    if x1 - x0 < MIN_CROP or y1 - y0 < MIN_CROP:
        raise LikenessError(
            f"the crop is {x1 - x0} x {y1 - y0} pixels of the photo; at least {MIN_CROP} x "
            f"{MIN_CROP} (as an export's size is at least {MIN_SIZE})"
        )


def _straighten_and_crop(
    pixels: np.ndarray, alpha: np.ndarray | None, angle: float, crop: Crop | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The picture (and its transparency) turned by ``angle`` and cut to ``crop``."""
    height, width = pixels.shape[:2]
    if angle:
        pixels = straighten(pixels, angle)
        alpha = straighten(alpha, angle) if alpha is not None else None
    if crop is not None:
        box = crop.pixels(width, height)
        pixels, alpha = _crop_array(pixels, box), _crop_array(alpha, box)
    return pixels, alpha


def _preset_size(
    settings: ExportSettings, w: int, h: int, notes: list[str]
) -> tuple[int, int] | None:
    """The preset's width and height for a ``w`` x ``h`` crop (None: keep its size)."""
    if settings.preset == "linkedin":
        return _linkedin_size(min(w, h), notes)
    if settings.preset == "banner":
        if w < BANNER_SIZE[0]:
            notes.append(f"the banner crop is only {w} px wide: upscaled to {BANNER_SIZE[0]}")
        return BANNER_SIZE
    if settings.preset in ("portfolio", "custom"):
        return _long_edge_size(settings, w, h, notes)
    return None


def _linkedin_size(side: int, notes: list[str]) -> tuple[int, int]:
    """LinkedIn's square: 1024 px, or the crop's own side down to LinkedIn's 400 px minimum."""
    if side >= LINKEDIN_SIDE:
        return (LINKEDIN_SIDE, LINKEDIN_SIDE)
    if side < LINKEDIN_MIN_SIDE:
        notes.append(
            f"the face crop is only {side} px across: upscaled to "
            f"{LINKEDIN_MIN_SIDE} px, LinkedIn's minimum"
        )
        return (LINKEDIN_MIN_SIDE, LINKEDIN_MIN_SIDE)
    notes.append(
        f"the face crop is {side} px across: written at that size, "
        f"not upscaled to {LINKEDIN_SIDE}"
    )
    return (side, side)


def _long_edge_size(
    settings: ExportSettings, w: int, h: int, notes: list[str]
) -> tuple[int, int] | None:
    """Portfolio (2048 px, never upscaled) or custom (as asked) long edge; None: keep the size."""
    long_edge = PORTFOLIO_LONG_EDGE if settings.preset == "portfolio" else settings.size
    if long_edge is None:
        return None
    scale = long_edge / max(w, h)
    if scale < 1 or settings.preset == "custom":
        target = (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1))
        return _keep_aspect(target, preset_aspect(settings))
    if scale > 1:
        notes.append(f"the photo's long edge is {max(w, h)} px: not upscaled to {long_edge}")
    return None


def _keep_aspect(target: tuple[int, int], aspect: float | None) -> tuple[int, int]:
    """``target`` with its short side recomputed from ``aspect``: the crop's whole pixels must
    not shift the preset's aspect."""
    if aspect is None:
        return target
    if target[0] >= target[1]:
        return (target[0], max(int(round(target[0] / aspect)), 1))
    return (max(int(round(target[1] * aspect)), 1), target[1])


def _flatten_for_jpeg(
    pixels: np.ndarray, alpha: np.ndarray | None, fmt: str, notes: list[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """JPEG has no transparency: see-through parts become white, not whatever colour hid
    there."""
    if alpha is None or fmt != "JPEG":
        return pixels, alpha
    notes.append("JPEG has no transparency: transparent parts are white")
    return pixels * alpha[..., None] + (1.0 - alpha[..., None]), None


def _export_bit_depth(preset: str, fmt: str, bit_depth: int, notes: list[str]) -> int:
    """16 bits kept only for a PNG or TIFF original/custom export; a note when reduced."""
    keeps_source = preset in ("original", "custom")
    depth = bit_depth if fmt in ("PNG", "TIFF") and keeps_source else 8
    if bit_depth == 16 and depth == 8 and keeps_source:
        notes.append(f"{fmt} holds 8 bits per channel: the 16-bit source is reduced")
    return depth


def _export_exif(
    exif: bytes | None, settings: ExportSettings, fmt: str, notes: list[str]
) -> bytes | None:
    """The source's EXIF cleaned per ``keep_metadata``, fitted into JPEG's 64 KB."""
    cleaned = clean_exif(exif, keep_private=settings.keep_metadata)
    if fmt == "JPEG":
        cleaned, dropped = fit_exif(cleaned, JPEG_EXIF_LIMIT)
        if dropped:
            notes.append(f"JPEG holds at most 64 KB of EXIF: dropped {', '.join(dropped)}")
    return cleaned

"""Compare versions: several slider sets rendered on the same face-centred crop, each with its
likeness percent — ``likeness sheet`` (and its older name, ``likeness retouch --contact-sheet``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from studio.edits.marks import scaled
from studio.edits.sliders import default_sliders
from studio.errors import LikenessError
from studio.face import analyze_photo
from studio.face.likeness import face_descriptor
from studio.face.person import head_top
from studio.face.types import FaceAnalysis
from studio.imaging import encode, format_for, load
from studio.imaging.export import Crop
from studio.imaging.framing import auto_frame, straighten
from studio.render import proxy_of
from studio.render.amount import amount_within
from studio.render.amount import scaled as scaled_by
from studio.render.everyone import chosen_faces
from studio.service.retouch import render_retouch
from studio.session.looks import load_look
from studio.session.model import file_sha256
from studio.write_guard import WritePlan, write_atomic

#: The versions a contact sheet shows by default: the original and the built-in looks.
DEFAULT_VERSIONS = ("original", "natural", "linkedin", "nonprofit", "portfolio")
#: Pixels a version is rendered on (the photo is shrunk to this first: a comparison, not an
#: export), and the side of one tile on the sheet.
COMPARE_PIXELS, TILE = 2_000_000, 512
_LABEL_HEIGHT = 56


@dataclass(frozen=True)
class Version:
    """One version to compare: its label and its sliders; a look's likeness budget (its
    amount is then found on the photo, as applying it does) or the amount it is stored at."""

    label: str
    sliders: dict
    budget: float | None = None
    amount: float | None = None


@dataclass(frozen=True)
class Rendered:
    """A version rendered on the shared crop: RGB float32 pixels, its likeness percent and,
    for a look with a budget, the amount its face sliders were shown at (None: as they are)."""

    label: str
    sliders: dict
    pixels: np.ndarray
    percent: float | None
    amount: float | None = None
    #: How like the user's photos of themselves it is, percent (None: no photos, no face).
    like_you: float | None = None


def version_of(name: str) -> Version:
    """A version by name: "original" (no edit), a built-in or user look, or a look file."""
    if name.lower() == "original":
        return Version("Original", default_sliders())
    look = load_look(name)
    label = look.name or Path(str(name)).stem.replace("_", " ").title()
    return Version(label, dict(look.sliders), look.budget, look.amount)


def shared_crop(photo_pixels: np.ndarray, analysis, face_index: int | None = None,
                angle: float = 0.0) -> Crop | None:  # fmt: skip
    """The face-centred square every version is shown on (the automatic LinkedIn framing
    of the photo turned by ``angle``, with the crown from the person matte); None without a
    face (the whole photo)."""
    face = analysis.face(face_index)
    if face is None:
        return None
    h, w = photo_pixels.shape[:2]
    crown = head_top(photo_pixels, face)
    rect, _ = auto_frame(w, h, face.landmarks, 1.0, "linkedin", crown, angle)
    return Crop.from_rect(rect, w, h)


def render_versions(
    photo_pixels: np.ndarray,
    analysis,
    versions: list[Version],
    *,
    faces: list[int] | None = None,
    marks: tuple = (),
    crop: Crop | None = None,
    angle: float = 0.0,
    identity=None,
) -> list[Rendered]:
    """Each version rendered by the retouch service (studio.service.retouch.render_retouch,
    the render ``retouch_photo`` exports) on a copy of at most COMPARE_PIXELS, with the
    session's ``faces`` (indices; None: the largest), ``marks`` (photo pixels) and framing
    (``crop`` of the photo turned by ``angle``; None: the shared face-centred square), with
    its likeness measured on the whole render as an export is; with an ``identity`` (the
    user's photos, ``studio.face.reference``), how like you the first face is too."""
    proxy, proxy_analysis, factor = proxy_of(photo_pixels, analysis, COMPARE_PIXELS)
    if faces is None:
        faces = [] if proxy_analysis.face(None) is None else [proxy_analysis.primary]
    proxy_marks = scaled(marks, factor)
    if crop is None:
        crop = shared_crop(proxy, proxy_analysis, faces[0] if faces else None, angle)
    h, w = proxy.shape[:2]
    x0, y0, x1, y1 = crop.pixels(w, h) if crop is not None else (0, 0, w, h)
    out = []
    for version in versions:
        sliders, amount = _as_applied(version, proxy, proxy_analysis, faces, proxy_marks)
        retouched = render_retouch(proxy, proxy_analysis, sliders, faces, proxy_marks)
        turned = straighten(retouched.pixels, angle)
        like_you = _like_you(retouched.pixels, proxy_analysis, faces, identity)
        out.append(Rendered(version.label, sliders, turned[y0:y1, x0:x1],
                            retouched.likeness_percent, amount, like_you))
    return out


def _like_you(rendered: np.ndarray, analysis, faces: list[int], identity) -> float | None:
    """How like ``identity`` the first of ``faces`` is in ``rendered`` (None: no identity)."""
    if identity is None or identity.mean is None or not faces:
        return None
    return identity.like_you(face_descriptor(rendered, analysis.faces[faces[0]]))


def _as_applied(version: Version, proxy: np.ndarray, analysis, faces: list[int],
                marks: tuple = ()):
    """(sliders, amount): a look with a budget at the strongest amount within it on this photo
    (what applying the look in the studio or ``--look`` gives), one stored at its amount; any
    other version's sliders as they are (amount None)."""
    if version.budget is None or version.amount is not None or not faces:
        return version.sliders, version.amount
    def likeness_of(sliders: dict) -> float | None:
        return render_retouch(proxy, analysis, sliders, faces, marks).likeness_percent

    found = amount_within(proxy, analysis, version.sliders, version.budget, faces, likeness_of)
    return scaled_by(version.sliders, found.amount), found.amount


def label_text(version: Rendered) -> str:
    """"LinkedIn, 85% — likeness 93.4%" for a look at an amount, "Original: likeness 100.0%"
    otherwise (the studio's words beside the look), then ", like you 88%" with photos of you."""
    return ", ".join(label_lines(version))


def label_lines(version: Rendered) -> list[str]:
    """The label in lines: the version and its likeness, and "like you 88%" when measured."""
    likeness = "n/a" if version.percent is None else f"{version.percent:.1f}%"
    if version.amount is None:
        lines = [f"{version.label}: likeness {likeness}"]
    else:
        lines = [f"{version.label}, {version.amount:.0%} \N{EM DASH} likeness {likeness}"]
    if version.like_you is not None:
        lines.append(f"like you {version.like_you:.0f}%")
    return lines


def sheet_pixels(versions: list[Rendered], tile: int = TILE) -> np.ndarray:
    """The versions side by side, each ``tile`` px across with its label below (uint8 RGB)."""
    tiles = []
    for version in versions:
        h, w = version.pixels.shape[:2]
        size = (tile, max(int(round(tile * h / w)), 1))
        rgb8 = np.clip(version.pixels * 255 + 0.5, 0, 255).astype(np.uint8)
        tiles.append(Image.fromarray(rgb8).resize(size, Image.Resampling.LANCZOS))
    label_height = _LABEL_HEIGHT + 26 * (max(len(label_lines(v)) for v in versions) - 1)
    height = max(t.height for t in tiles) + label_height
    sheet = Image.new("RGB", (tile * len(tiles), height), (32, 32, 34))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=22)
    for index, (picture, version) in enumerate(zip(tiles, versions, strict=True)):
        sheet.paste(picture, (index * tile, 0))
        draw.text(
            (index * tile + 12, height - label_height + 14),
            "\n".join(label_lines(version)).replace("\N{EM DASH}", "-"),  # Pillow's font has no dash
            fill=(235, 235, 235),
            font=font,
        )
    return np.asarray(sheet)


def write_contact_sheet(
    image_path: str | os.PathLike,
    names: list[str] | None,
    out_path: str | os.PathLike,
    inputs: tuple[str | os.PathLike, ...] = (),
    session=None,
    identity=None,
) -> list[Rendered]:
    """Render the versions (default: the original and the built-in looks) of a photo and
    write them as one labelled image through the write guard (never over the photo or any
    input). With a ``session`` of this photo, every version has its marks, chosen faces,
    crop and angle, as an export of it would; with an ``identity`` (photos of the user), each
    version also says how like them it is. Returns the versions with their likeness.
    LikenessError for bad input."""
    image_path, out_path = Path(image_path), Path(out_path)
    fmt = format_for(out_path)
    versions = [version_of(name) for name in (names or DEFAULT_VERSIONS)]
    if not 2 <= len(versions) <= 8:
        raise LikenessError(f"a contact sheet compares 2 to 8 versions, not {len(versions)}")
    plan = WritePlan(inputs=[image_path])
    for path in inputs:
        plan.add_input(path, "the session or look file")
    plan.add_target(out_path, "photo")
    photo = load(image_path)
    choice = _session_choice(session, image_path, photo)
    analysis = choice.analysis or analyze_photo(photo)
    rendered = render_versions(photo.pixels, analysis, versions, faces=choice.faces,
                               marks=choice.marks, crop=choice.crop, angle=choice.angle,
                               identity=identity)
    pixels = sheet_pixels(rendered).astype(np.float32) / 255.0
    write_atomic(out_path, encode(pixels, fmt, quality=92), "photo", plan=plan, source=image_path)
    return rendered


@dataclass(frozen=True, kw_only=True)
class _SessionChoice:
    """What a session of this photo brings to the sheet: its face analysis, the faces it
    retouches (None: the largest), its marks (photo pixels), crop and angle."""

    analysis: FaceAnalysis | None = None
    faces: list[int] | None = None
    marks: tuple = ()
    crop: Crop | None = None
    angle: float = 0.0


def _session_choice(session, image_path: Path, photo) -> _SessionChoice:
    """What a session brings to the sheet when it belongs to this photo (by its hash and
    size): its analysis, chosen face(s), marks, crop and angle; nothing otherwise."""
    if session is None:
        return _SessionChoice()
    sha = file_sha256(image_path)
    analysis = session.analysis_for(sha)
    if analysis is None or (analysis.width, analysis.height) != (photo.width, photo.height):
        return _SessionChoice()
    face = session.face if analysis.face(session.face) is not None else None
    faces = chosen_faces(session.faces, analysis, face)
    return _SessionChoice(
        analysis=analysis,
        faces=list(faces) or None,
        marks=tuple(session.marks_for(sha, (photo.height, photo.width))),
        crop=session.crop,
        angle=session.angle,
    )

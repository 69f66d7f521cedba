"""The session file: what the user asked for (never pixels), versioned, validated, migrated.

A session is JSON::

    {"format": "likeness-session", "version": 7,
     "source": {"path": "photo.jpg", "sha256": "...", "bytes": 123456} | null,
     "sliders": {"smooth": 0.3, ...},
     "edits": {"smooth": 1, "background": 1, ...},
     "look": "linkedin" | null,
     "face": 0 | null,
     "faces": "primary" | "all" | [0, 2, ...],     (optional, default "primary": only "face")
     "crop": {"left": 0.1, "top": 0.05, "width": 0.6, "height": 0.45} | null,
     "angle": 0.0,
     "snapshots": [{"name": "Before lunch", "sliders": {...}}, ...],
     "export": {"preset": "linkedin", "size": null, "aspect": null, "format": null,
                "quality": null, "keep_metadata": false},
     "analysis": {FaceAnalysis.to_dict()} | null,
     "name": "LinkedIn" | null, "description": "..." | null,
     "marks": [{"kind": "heal", "radius": 6.5, "points": [[x, y], ...]}, ...],
     "budget": 93.0 | null, "amount": 0.85 | null,
     "references": [{"path": "me.jpg", "sha256": "...", "face": 0, "descriptor": [128 numbers]}],
     "budget_to_me": 80.0 | null}

``budget`` is a look's least likeness (percent) and ``amount`` (0..1.5) the factor its face
sliders are scaled by (``studio.render.amount``): with a budget and no amount, the amount is
found on each photo as the strongest within the budget (it scales the look's own values: face
sliders that differ from the look named in ``look`` were set by hand and stay as they are); a
stored amount is the user's choice (or the one found), and ``sliders`` then hold the scaled
values, which is what renders.

``references`` (v8, optional, default none) are photos of the user (``studio.face.reference``):
their path, hash, the face used and its descriptor, never pixels; a reference whose file no
longer has its hash is refused on reopening (``verified_references``).

``budget_to_me`` (v9, optional, default none) is the least likeness to those photos (percent)
a budgeted look's amount keeps besides ``budget`` (the CLI's ``--budget-to-me``).

``marks`` (heal, keep, person / background brush strokes; ``studio.edits.marks``) are in the
photo's own pixels; they belong to that photo and are left out when it is absent (and when a
session is applied to another photo).

Older versions are upgraded one step at a time (``_MIGRATIONS``); one sample file of every
old version lives in ``tests/sessions`` forever. ``edits`` records the algorithm version of
every edit the sliders were made with; an older one is upgraded by the edit's own ``LEGACY``
steps, with a note (``studio.edits.versions``; sample sessions per edit version and their
golden renders live in ``tests/sessions/edits``). Every problem a user can cause raises
:class:`studio.errors.SessionError` with a one-line message naming the key at fault.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from studio.edits.marks import Mark, marks_from_list, marks_to_list
from studio.edits.sliders import SLIDERS, check_value, default_sliders
from studio.edits.versions import current_versions, upgrade
from studio.errors import LikenessError, SessionError
from studio.face.reference import MOST_REFERENCES, Reference
from studio.face.types import Face, FaceAnalysis
from studio.imaging.export import (
    ASPECTS,
    MAX_SIZE,
    MIN_SIZE,
    PRESETS,
    Crop,
    ExportSettings,
    parse_aspect,
)
from studio.imaging.framing import MAX_ANGLE
from studio.write_guard import (
    WritePlan,
    WriteRefused,
    check_name_lengths,
    read_regular_file,
    shown,
    write_atomic,
)

FORMAT_NAME = "likeness-session"
#: The strongest amount a session may store (``studio.render.amount.MOST``, 150%).
MOST_AMOUNT = 1.5
#: The version this code writes. Bump it, add a ``_migrate_vN`` step and a sample file.
CURRENT_VERSION = 9
#: What every edit was at session format 2 (before sessions stored edit versions).
_EDITS_AT_V2 = ("blemish", "smooth", "shine", "shadows", "face_light", "eyes", "teeth",
                "background", "warmth")
#: Session files larger than this are not sessions (they hold no pixels).
MAX_BYTES = 20_000_000
SESSION_SUFFIX = ".likeness.json"

_TOP_KEYS = {
    "format",
    "version",
    "source",
    "sliders",
    "edits",
    "look",
    "face",
    "faces",
    "crop",
    "angle",
    "snapshots",
    "export",
    "analysis",
    "name",
    "description",
    "marks",
    "budget",
    "amount",
    "references",
    "budget_to_me",
}
_CROP_KEYS = ("left", "top", "width", "height")
_EXPORT_KEYS = {"preset", "size", "aspect", "format", "quality", "keep_metadata"}
_EXPORT_FORMATS = ("jpeg", "png", "tiff", "webp")
_NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_PAIR = re.compile(r"\[\s+" + _NUMBER + r",\s+" + _NUMBER + r"\s+\]")


# ----------------------------------------------------------------------------- values
@dataclass(frozen=True)
class Source:
    """The photo a session was made on: its path, the sha256 of its bytes and (optionally)
    its size in bytes, which lets a search for a moved photo skip most files unhashed."""

    path: Path
    sha256: str
    bytes: int | None = None

    @classmethod
    def of(cls, path: str | os.PathLike) -> Source:
        """The Source record of a photo file (absolute path, hash, size)."""
        path = Path(os.path.abspath(path))
        return cls(path=path, sha256=file_sha256(path), bytes=path.stat().st_size)


@dataclass
class Session:
    """One edit session (or a look, when ``source`` is None).

    Attributes
    ----------
    sliders : every slider key of ``studio.edits.sliders.SLIDERS`` with its value.
    source : the photo it was made on, or None (a look, or a session not tied to a photo).
    look : name of the look it started from, or None.
    face : index of the chosen face in ``analysis`` (None: the largest).
    faces : which faces are retouched: "primary" (only ``face``), "all", or a tuple of
        indices in ``analysis`` (the first is the one whose masks the studio shows).
    crop : the export crop as fractions of the straightened photo (see
        studio.imaging.framing), or None (the preset frames the face automatically).
    angle : the straighten angle in degrees, -15..15 (counter-clockwise positive).
    snapshots : named slider sets the user kept, oldest first.
    export : the export preset and its options.
    analysis : the face analysis of ``source`` (reused only when the photo's hash matches).
    name, description : a look's display name and one-line description.
    marks : heal / keep / person / background strokes on ``source``, in its pixels.
    budget : a look's least likeness, percent (None: no budget).
    amount : the factor the face sliders were scaled by from the look's (0..1.5), None: not
        chosen yet (with a budget, found per photo).
    references : photos of the user (path, sha256, face, descriptor), for "like you".
    budget_to_me : the least likeness to ``references`` a look's amount keeps, percent
        (None: none; the CLI's ``--budget-to-me``).
    path : the file it was loaded from or saved to (not stored in the file).
    notes : what loading changed: an edit's slider values migrated from an older version of
        its algorithm (not stored in the file; the sliders are today's values).
    """

    sliders: dict[str, float | str | None] = field(default_factory=default_sliders)
    source: Source | None = None
    look: str | None = None
    face: int | None = None
    faces: str | tuple[int, ...] = "primary"
    crop: Crop | None = None
    angle: float = 0.0
    snapshots: list[tuple[str, dict]] = field(default_factory=list)
    export: ExportSettings = field(default_factory=ExportSettings)
    analysis: FaceAnalysis | None = None
    name: str | None = None
    description: str | None = None
    marks: tuple[Mark, ...] = ()
    budget: float | None = None
    amount: float | None = None
    references: tuple[Reference, ...] = ()
    budget_to_me: float | None = None
    path: Path | None = None
    notes: tuple[str, ...] = ()

    def with_sliders(self, overrides: Mapping[str, float | str | None]) -> Session:
        """A copy with some sliders changed (validated; SessionError names a bad key)."""
        sliders = dict(self.sliders)
        for key, value in overrides.items():
            sliders[key] = _slider_value(key, value)
        return replace(self, sliders=sliders)

    def analysis_for(self, sha256: str) -> FaceAnalysis | None:
        """The cached analysis when it belongs to the photo with this hash, else None."""
        if self.analysis is not None and self.source is not None and self.source.sha256 == sha256:
            return self.analysis
        return None

    def marks_for(self, sha256: str, shape: tuple[int, int] | None = None) -> tuple[Mark, ...]:
        """The marks when they belong to the photo with this hash, else none. Given the
        photo's ``shape`` (rows, columns), they are checked against its size first
        (``studio.render.marking.check_marks``: SessionError naming the mark and the limit)."""
        if self.source is None or self.source.sha256 != sha256:
            return ()
        if shape is not None and self.marks:
            from studio.render.marking import check_marks  # the render's costs (OpenCV)

            try:
                check_marks(self.marks, shape)
            except SessionError as error:
                where = f"{shown(str(self.path))}: " if self.path is not None else ""
                raise SessionError(f"{where}{error}") from None
        return self.marks


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def default_session_path(photo_path: str | os.PathLike) -> Path:
    """Where a photo's session goes by default: ``PHOTO.likeness.json`` beside it."""
    photo_path = Path(photo_path)
    return photo_path.with_name(photo_path.name + SESSION_SUFFIX)


# ----------------------------------------------------------------------------- migration
def _migrate_v1(data: dict) -> dict:
    """v1 (early 2026): flat slider keys at the top level, ``image`` + ``image_sha256``,
    ``preset`` for the export, no crop, no cached analysis."""
    out: dict = {"format": FORMAT_NAME, "version": 2}
    slider_keys = {s.key for s in SLIDERS}
    sliders = {}
    for key, value in data.items():
        if key in slider_keys:
            sliders[key] = value
        elif key in ("format", "version"):
            continue
        elif key == "image":
            out["source"] = (
                None if value is None else {"path": value, "sha256": data.get("image_sha256")}
            )
        elif key == "image_sha256":
            if "image" not in data:
                raise SessionError("'image_sha256' without 'image' (version 1)")
        elif key == "preset":
            out["export"] = {"preset": value}
        elif key in ("look", "face", "name", "description"):
            out[key] = value
        else:
            raise SessionError(f"unknown key '{key}' (version 1)")
    out["sliders"] = sliders
    out.setdefault("source", None)
    return out


def _migrate_v2(data: dict) -> dict:
    """v2 (to November 2026): no ``edits``; every edit was then at its version 1."""
    if "edits" in data:
        raise SessionError("unknown key 'edits' (version 2)")
    return {**data, "version": 3, "edits": dict.fromkeys(_EDITS_AT_V2, 1)}


def _migrate_v3(data: dict) -> dict:
    """v3 (to issue 18): one face was retouched; v4 adds the optional "faces" (which faces
    are retouched), whose default "primary" is what v3 did. Neither "faces" nor "marks"
    (v5) existed yet."""
    for key in ("faces", "marks"):
        if key in data:
            raise SessionError(f"unknown key {key!r} (version 3)")
    return {**data, "version": 4}


def _migrate_v4(data: dict) -> dict:
    """v4 (November 2026): no marks (v5 adds the optional ``marks`` list, default none)."""
    if "marks" in data:
        raise SessionError("unknown key 'marks' (version 4)")
    return {**data, "version": 5}


def _migrate_v5(data: dict) -> dict:
    """v5 (November 2026): the photo was never turned and no snapshots were kept (v6 adds
    ``angle`` and ``snapshots``)."""
    for key in ("angle", "snapshots"):
        if key in data:
            raise SessionError(f"unknown key {key!r} (version 5)")
    return {**data, "version": 6, "angle": 0.0, "snapshots": []}


def _migrate_v6(data: dict) -> dict:
    """v6 (November 2026): looks had no likeness budget and no amount (v7 adds both,
    optional; none means the sliders render as they are)."""
    for key in ("budget", "amount"):
        if key in data:
            raise SessionError(f"unknown key {key!r} (version 6)")
    return {**data, "version": 7, "budget": None, "amount": None}


def _migrate_v7(data: dict) -> dict:
    """v7 (December 2026): no photos of the user (v8 adds the optional ``references``)."""
    if "references" in data:
        raise SessionError("unknown key 'references' (version 7)")
    return {**data, "version": 8, "references": []}


def _migrate_v8(data: dict) -> dict:
    """v8 (December 2026): no budget to the photos of the user (v9 adds the optional
    ``budget_to_me``)."""
    if "budget_to_me" in data:
        raise SessionError("unknown key 'budget_to_me' (version 8)")
    return {**data, "version": 9, "budget_to_me": None}


#: ``_MIGRATIONS[n]`` turns a version-n dict into a version-(n+1) dict.
_MIGRATIONS: dict[int, Callable[[dict], dict]] = {
    1: _migrate_v1,
    2: _migrate_v2,
    3: _migrate_v3,
    4: _migrate_v4,
    5: _migrate_v5,
    6: _migrate_v6,
    7: _migrate_v7,
    8: _migrate_v8,
}


def migrate(data: dict) -> dict:
    """Upgrade a session dict step by step to :data:`CURRENT_VERSION`."""
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(f"'version' must be a whole number, not {version!r}")
    if version > CURRENT_VERSION:
        raise SessionError(
            f"session version {version} is newer than this Likeness Studio understands "
            f"(up to {CURRENT_VERSION}); update the app"
        )
    if version < 1:
        raise SessionError(f"session version {version} does not exist")
    while version < CURRENT_VERSION:
        data = _MIGRATIONS[version](data)
        version += 1
        assert data["version"] == version, "a migration step must bump the version by one"
    return data


# ----------------------------------------------------------------------------- validation
def _slider_value(key: object, value: object) -> float | str | None:
    try:
        return check_value(str(key), value)
    except SessionError:
        raise
    except LikenessError as error:
        raise SessionError(str(error)) from None


def _number(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SessionError(f"'{name}' must be a number, not {value!r}")
    number = float(value)
    if not (low <= number <= high):  # also rejects NaN
        raise SessionError(f"'{name}' is {value!r}, outside {low:g}..{high:g}")
    return number


def _optional_number(name: str, value: object, low: float, high: float) -> float | None:
    return None if value is None else _number(name, value, low, high)


def _optional_text(name: str, value: object, limit: int = 500) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SessionError(f"'{name}' must be text, not {value!r}")
    if len(value) > limit or "\n" in value:
        raise SessionError(f"'{name}' must be one line of at most {limit} characters")
    return value


def _parse_source(value: object, base: Path | None) -> Source | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SessionError(f"'source' must be an object with 'path' and 'sha256', not {value!r}")
    unknown = set(value) - {"path", "sha256", "bytes"}
    if unknown:
        raise SessionError(f"unknown key 'source.{sorted(unknown)[0]}'")
    path, sha = value.get("path"), value.get("sha256")
    if not isinstance(path, str) or not path or "\x00" in path:
        raise SessionError(f"'source.path' must be a file name, not {path!r}")
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise SessionError("'source.sha256' must be 64 lower-case hex digits")
    size = value.get("bytes")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise SessionError(f"'source.bytes' must be a file size in bytes, not {size!r}")
    resolved = Path(path)
    if not resolved.is_absolute() and base is not None:
        resolved = base / resolved
    return Source(path=resolved, sha256=sha, bytes=size)


def _parse_sliders(value: object) -> dict[str, float | str | None]:
    if not isinstance(value, dict):
        raise SessionError(f"'sliders' must be an object of slider names to values, not {value!r}")
    out = default_sliders()
    for key, raw in value.items():
        out[key] = _slider_value(key, raw)
    return out


def _parse_edits(value: object) -> dict[str, int]:
    """The ``edits`` object: edit name -> the algorithm version the sliders were made with."""
    if not isinstance(value, dict):
        raise SessionError(f"'edits' must be an object of edit names to versions, not {value!r}")
    known = current_versions()
    for name, version in value.items():
        if name not in known:
            raise SessionError(f"unknown edit '{name}' in 'edits'")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise SessionError(f"edit '{name}' must have a whole version from 1, not {version!r}")
    return dict(value)


def _parse_face(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1000:
        raise SessionError(f"'face' must be a face number (0, 1, ...) or null, not {value!r}")
    return value


def _parse_faces(value: object) -> str | tuple[int, ...]:
    if value is None or value in ("primary", "all"):
        return "primary" if value is None else value
    if (
        isinstance(value, list)
        and 0 < len(value) <= 1000
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1000 for v in value)
    ):
        return tuple(dict.fromkeys(value))
    raise SessionError(
        f"'faces' must be \"primary\", \"all\" or a list of face numbers (0, 1, ...), not {value!r}"
    )


def _parse_crop(value: object) -> Crop | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SessionError(f"'crop' must be an object with {', '.join(_CROP_KEYS)}, not {value!r}")
    unknown = set(value) - set(_CROP_KEYS)
    if unknown:
        raise SessionError(f"unknown key 'crop.{sorted(unknown)[0]}'")
    numbers = {}
    for key in _CROP_KEYS:
        if key not in value:
            raise SessionError(f"'crop.{key}' is missing")
        numbers[key] = _number(f"crop.{key}", value[key], 0.0, 1.0)
    eps = 1e-6
    if numbers["width"] <= 0 or numbers["height"] <= 0:
        raise SessionError("'crop' must have a width and height above 0")
    if numbers["left"] + numbers["width"] > 1 + eps or numbers["top"] + numbers["height"] > 1 + eps:
        raise SessionError("'crop' reaches outside the photo")
    return Crop(**numbers)


def _whole(value: object, low: int, high: int) -> bool:
    """Is ``value`` a whole number (not a bool) in low..high?"""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _parse_aspect(aspect: object) -> str | None:
    if aspect is None:
        return None
    if not isinstance(aspect, str):
        raise SessionError(f"'export.aspect' must be text like '4:5', not {aspect!r}")
    try:
        parse_aspect(aspect)
    except LikenessError:
        raise SessionError(
            f"'export.aspect' must be {', '.join(ASPECTS)} or W:H, not {aspect!r}"
        ) from None
    return aspect


def _parse_snapshots(value: object) -> list[tuple[str, dict]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 100:
        raise SessionError("'snapshots' must be a list of at most 100 named slider sets")
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"name", "sliders"}:
            raise SessionError("each of 'snapshots' must be {\"name\": ..., \"sliders\": {...}}")
        name = _optional_text("snapshots.name", item["name"], 60)
        if not name:
            raise SessionError("a snapshot needs a name")
        out.append((name, _parse_sliders(item["sliders"])))
    return out


def _parse_angle(value: object) -> float:
    if value is None:
        return 0.0
    return _number("angle", value, -MAX_ANGLE, MAX_ANGLE)


def _parse_export(value: object) -> ExportSettings:
    if value is None:
        return ExportSettings()
    if not isinstance(value, dict):
        raise SessionError(f"'export' must be an object, not {value!r}")
    unknown = set(value) - _EXPORT_KEYS
    if unknown:
        raise SessionError(f"unknown key 'export.{sorted(unknown)[0]}'")
    preset = value.get("preset", "custom")
    if preset not in PRESETS:
        raise SessionError(f"'export.preset' must be one of {', '.join(PRESETS)}, not {preset!r}")
    size = value.get("size")
    if size is not None and not _whole(size, MIN_SIZE, MAX_SIZE):
        raise SessionError(
            f"'export.size' must be a whole number of pixels ({MIN_SIZE}..{MAX_SIZE}), "
            f"not {size!r}"
        )
    aspect = _parse_aspect(value.get("aspect"))
    fmt = value.get("format")
    if fmt is not None and fmt not in _EXPORT_FORMATS:
        raise SessionError(
            f"'export.format' must be one of {', '.join(_EXPORT_FORMATS)}, not {fmt!r}"
        )
    quality = value.get("quality")
    if quality is not None and not _whole(quality, 1, 100):
        raise SessionError(f"'export.quality' must be a whole number 1..100, not {quality!r}")
    keep = value.get("keep_metadata", False)
    if not isinstance(keep, bool):
        raise SessionError(f"'export.keep_metadata' must be true or false, not {keep!r}")
    return ExportSettings(
        preset=preset, size=size, aspect=aspect, format=fmt, quality=quality, keep_metadata=keep
    )


def _parse_analysis(value: object) -> FaceAnalysis | None:
    """The stored face analysis, checked as far as it can be without the photo: numbers that
    are finite pixel positions, boxes and landmarks inside its photo, a face's geometry.
    SessionError names the key at fault (a damaged or edited session must not reach the
    render, where it would fail deep inside OpenCV)."""
    if value is None:
        return None
    invalid = SessionError("'analysis' is not a valid face analysis")
    if not isinstance(value, dict) or not isinstance(value.get("image"), dict):
        raise invalid
    faces = value.get("faces", [])
    if not isinstance(faces, list) or isinstance(value.get("primary"), bool):
        raise invalid
    size = value["image"]
    if not all(
        isinstance(size.get(k), int) and not isinstance(size.get(k), bool)
        and 0 < size.get(k) <= 1_000_000
        for k in ("width", "height")
    ):
        raise SessionError("'analysis.image' must hold a width and height in pixels")
    for index, face in enumerate(faces):
        try:
            if not isinstance(face, dict):
                raise ValueError("not an object")
            Face.from_dict(face)
        except (ValueError, KeyError, TypeError, OverflowError) as error:
            reason = str(error) if isinstance(error, ValueError) else f"lacks {error}"
            raise SessionError(f"'analysis.faces[{index}]' is not a valid face ({reason})") from None
    try:
        analysis = FaceAnalysis.from_dict(value)
    except (ValueError, KeyError, TypeError, OverflowError, AttributeError, IndexError):
        raise invalid from None
    problem = analysis.problem()
    if problem is not None:
        raise SessionError(f"'analysis.{problem[0]}' {problem[1]}")
    return analysis


def _parse_references(value: object, base: Path | None) -> tuple[Reference, ...]:
    """The stored photos of the user; relative paths resolve against ``base``."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MOST_REFERENCES:
        raise SessionError(f"'references' must be a list of at most {MOST_REFERENCES} photos")
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - {"path", "sha256", "face", "descriptor"}:
            raise SessionError(f"'references[{index}]' must be an object with path, sha256, "
                               "face and descriptor")
        try:
            reference = Reference.from_dict(item)
        except (ValueError, TypeError) as error:
            raise SessionError(f"'references[{index}]': {error}") from None
        path = Path(reference.path)
        if not path.is_absolute() and base is not None:
            reference = replace(reference, path=str(base / path))
        out.append(reference)
    return tuple(out)


def _stored_path(path: str | os.PathLike, base: str | os.PathLike | None) -> str:
    """``path`` as a session stores it: relative to ``base`` when inside it, else absolute."""
    stored = str(path)
    if base is not None:
        try:
            stored = Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            stored = str(Path(os.path.abspath(path)))
    return stored


def session_from_dict(data: object, base: str | os.PathLike | None = None) -> Session:
    """Validate (and migrate) a parsed session; relative source paths resolve against ``base``.

    Raises SessionError naming the problem and the key.
    """
    if not isinstance(data, dict):
        raise SessionError("not a Likeness Studio session (the file is not a JSON object)")
    fmt = data.get("format")
    if fmt != FORMAT_NAME:
        shown = "missing" if fmt is None else repr(fmt)
        raise SessionError(
            f"not a Likeness Studio session ('format' is {shown}, expected '{FORMAT_NAME}')"
        )
    data = migrate(dict(data))
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise SessionError(f"unknown key '{sorted(unknown)[0]}'")
    look = _optional_text("look", data.get("look"), 100)
    sliders = _parse_sliders(data.get("sliders", {}))
    try:
        upgraded, notes = upgrade(sliders, _parse_edits(data.get("edits", {})))
    except LikenessError as error:
        raise SessionError(str(error)) from None
    return Session(
        sliders=_parse_sliders(upgraded),
        notes=tuple(notes),
        source=_parse_source(data.get("source"), Path(base) if base is not None else None),
        look=look,
        face=_parse_face(data.get("face")),
        faces=_parse_faces(data.get("faces")),
        crop=_parse_crop(data.get("crop")),
        angle=_parse_angle(data.get("angle")),
        snapshots=_parse_snapshots(data.get("snapshots")),
        export=_parse_export(data.get("export")),
        analysis=_parse_analysis(data.get("analysis")),
        name=_optional_text("name", data.get("name"), 100),
        description=_optional_text("description", data.get("description")),
        marks=marks_from_list(data.get("marks")),
        budget=_optional_number("budget", data.get("budget"), 0.0, 100.0),
        amount=_optional_number("amount", data.get("amount"), 0.0, MOST_AMOUNT),
        references=_parse_references(data.get("references"),
                                     Path(base) if base is not None else None),
        budget_to_me=_optional_number("budget_to_me", data.get("budget_to_me"), 0.0, 100.0),
    )


def session_to_dict(session: Session, base: str | os.PathLike | None = None) -> dict:
    """The current-version JSON dict; the source path is relative to ``base`` when the
    photo is in that folder (or below it), else absolute."""
    source = None
    if session.source is not None:
        stored = _stored_path(session.source.path, base)
        source = {"path": stored, "sha256": session.source.sha256}
        if session.source.bytes is not None:
            source["bytes"] = session.source.bytes
    out: dict = {"format": FORMAT_NAME, "version": CURRENT_VERSION}
    if session.name is not None:
        out["name"] = session.name
    if session.description is not None:
        out["description"] = session.description
    out.update(
        {
            "source": source,
            "sliders": {k: session.sliders.get(k, v) for k, v in default_sliders().items()},
            "edits": current_versions(),
            "look": session.look,
            "face": session.face,
            "faces": session.faces if isinstance(session.faces, str) else list(session.faces),
            "crop": session.crop.to_dict() if session.crop is not None else None,
            "angle": float(session.angle),
            "snapshots": [
                {"name": name, "sliders": {s.key: sliders.get(s.key, s.default) for s in SLIDERS}}
                for name, sliders in session.snapshots
            ],
            "export": session.export.to_dict(),
            "analysis": session.analysis.to_dict() if session.analysis is not None else None,
            "budget": session.budget,
            "amount": session.amount,
            "references": [{**r.to_dict(), "path": _stored_path(r.path, base)}
                           for r in session.references],
            "budget_to_me": session.budget_to_me,
        }
    )
    if session.marks and session.source is not None:
        out["marks"] = marks_to_list(session.marks)
    return out


# ----------------------------------------------------------------------------- files
def parse_session_text(
    text: str | bytes, base: str | os.PathLike | None = None, name: str = "session"
) -> Session:
    """Parse session JSON text; SessionError ``"NAME: reason"`` for anything wrong."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        data = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise SessionError(f"{name}: not a session (the file is not UTF-8 text)") from None
    except json.JSONDecodeError as error:
        raise SessionError(f"{name}: not valid JSON (line {error.lineno}: {error.msg})") from None
    except SessionError as error:
        raise SessionError(f"{name}: {error}") from None
    except RecursionError:
        raise SessionError(f"{name}: not a session (nested too deeply)") from None
    except ValueError as error:  # e.g. an integer with too many digits
        raise SessionError(f"{name}: not valid JSON ({error})") from None
    try:
        return session_from_dict(data, base)
    except SessionError as error:
        # A key the file holds may contain a line break: the message stays one line.
        raise SessionError(f"{name}: {shown(str(error))}") from None


def _reject_constant(token: str):
    raise SessionError(f"not valid JSON ({token} is not a number JSON allows)")


def load_session(path: str | os.PathLike) -> Session:
    """Read, migrate and validate a session (or look) file. The photo is not opened."""
    path = Path(path)
    try:
        data = read_regular_file(
            path, "a session file", limit=MAX_BYTES, missing="no such session file"
        )
    except LikenessError as error:
        raise SessionError(str(error)) from None
    session = parse_session_text(data, base=path.parent, name=str(path))
    session.path = path
    return session


def save_session(
    session: Session, path: str | os.PathLike | None = None, plan: WritePlan | None = None
) -> Path:
    """Write a session atomically; by default ``PHOTO.likeness.json`` beside its photo.

    Through the write guard: never over its photo, any input of ``plan`` (the run's
    WritePlan), or a file that is not a session or look."""

    if path is None:
        if session.source is None:
            raise SessionError("this session has no photo: give a file name to save it")
        path = default_session_path(session.source.path)
    path = Path(path)
    if plan is None:
        plan = WritePlan()
    if session.source is not None:
        plan.add_input(session.source.path)
    text = json.dumps(session_to_dict(session, base=path.parent), indent=2, allow_nan=False)
    text = _PAIR.sub(r"[\1, \2]", text)  # one landmark per line keeps the file readable
    try:
        write_atomic(path, (text + "\n").encode("utf-8"), "session", plan=plan)
    except WriteRefused:
        raise
    except LikenessError as error:
        raise SessionError(str(error)) from None
    session.path = path
    return path


def _may_be(candidate: Path, recorded: Path, size: int | None) -> bool:
    """Could ``candidate`` be the moved photo (worth hashing)? Not the recorded path, a
    session or other JSON, a folder, or a file of another ``size`` (bytes, when known)."""
    if candidate == recorded or not candidate.is_file():
        return False
    if candidate.name.endswith(SESSION_SUFFIX) or candidate.suffix.lower() == ".json":
        return False
    # A different size cannot be the same photo: no need to hash it.
    return size is None or candidate.stat().st_size == size


def _moved_photo(folders: list[Path], recorded: Path, wanted: str, size: int | None) -> Path | None:
    """The file in ``folders`` whose sha256 is ``wanted`` (the moved photo), or None."""
    for folder in folders:
        for candidate in sorted(folder.iterdir()):
            if _may_be(candidate, recorded, size) and file_sha256(candidate) == wanted:
                return candidate
    return None


def find_source(session: Session) -> Path:
    """Where the session's photo is now: at its recorded path when the hash matches, else the
    file with the same hash in the session's folder (a moved or renamed photo).

    Raises SessionError saying what is missing.
    """
    if session.source is None:
        raise SessionError("this session is not tied to a photo (it is a look)")
    recorded, wanted = Path(session.source.path), session.source.sha256
    try:
        check_name_lengths(recorded, "the session's photo")
    except LikenessError as error:
        raise SessionError(str(error)) from None
    changed = False
    if recorded.is_file():
        if file_sha256(recorded) == wanted:
            return recorded
        changed = True
    folders = []
    if session.path is not None:
        folders.append(Path(session.path).parent)
    if recorded.parent.is_dir() and recorded.parent not in folders:
        folders.append(recorded.parent)
    moved = _moved_photo(folders, recorded, wanted, session.source.bytes)
    if moved is not None:
        return moved
    where = ", ".join(str(f) for f in folders) or "the session's folder"
    if changed:
        raise SessionError(
            f"{recorded.name} has changed since the session was saved (its sha256 "
            f"differs) and no file in {where} matches the original"
        )
    raise SessionError(
        f"the photo {recorded.name} (sha256 {wanted[:12]}…) is missing: not at "
        f"{recorded} and no file in {where} has its hash"
    )

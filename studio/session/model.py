"""The session: what the user asked for (never pixels), and its file format as typed structs.

A session file is JSON (format version :data:`CURRENT_VERSION`)::

    {"format": "likeness-session", "version": 9,
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

``references`` (v8) are photos of the user (``studio.face.reference``): their path, hash, the
face used and its descriptor, never pixels. ``budget_to_me`` (v9) is the least likeness to
those photos (percent) a budgeted look's amount keeps besides ``budget``. ``marks`` (heal,
keep, person / background strokes; ``studio.edits.marks``) are in the photo's own pixels; they
belong to that photo and are left out when it is absent.

The file format is the ``Stored*`` structs below: each field's type, range and wording are
declared once, beside it, and checked once, where a file or a dict comes in
(:func:`session_from_dict`; older versions are first upgraded by ``studio.session.migrations``).
The rest of the code trusts a :class:`Session`. Every problem a user can cause raises
:class:`studio.errors.SessionError` with a one-line message naming the key at fault.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
from msgspec import Meta, Struct

from studio.edits.marks import (
    KINDS,
    MAX_MARKS,
    MAX_POINTS,
    MAX_SESSION_POINTS,
    MIN_RADIUS,
    Mark,
    marks_to_list,
)
from studio.edits.sliders import SLIDERS, check_value, default_sliders
from studio.edits.versions import current_versions, upgrade
from studio.errors import LikenessError, SessionError
from studio.face.reference import MOST_REFERENCES, Reference
from studio.face.types import MAX_COORDINATE, Face, FaceAnalysis
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
from studio.session.migrations import CURRENT_VERSION, FORMAT_NAME, migrate
from studio.session.wording import refused, said_of, says
from studio.write_guard import shown

#: The strongest amount a session may store (``studio.render.amount.MOST``, 150%).
MOST_AMOUNT = 1.5
EXPORT_FORMATS = ("jpeg", "png", "tiff", "webp")


# ----------------------------------------------------------------------------- what the code uses
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
            from studio.render.marking import check_marks  # start-up

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


# ----------------------------------------------------------------------------- the file format
def _number(low: float, high: float, wrong: str = "must be a number, not {value}") -> Meta:
    return says(wrong, f"is {{value}}, outside {low:g}..{high:g}", ge=low, le=high)


def _text(limit: int) -> Meta:
    return says("must be text, not {value}", f"must be one line of at most {limit} characters",
                 max_length=limit, pattern=r"^[^\n]*\Z")


def _choice(names: tuple[str, ...]) -> Any:
    """One of these names (``Literal`` of a tuple defined elsewhere)."""
    return Literal[names]


_Finite = Annotated[float, Meta(ge=-sys.float_info.max, le=sys.float_info.max)]
_Coordinate = Annotated[float, Meta(ge=-MAX_COORDINATE, le=MAX_COORDINATE)]
#: A mark's point: an int or a float is written back as it was read.
_Pixel = Annotated[int, Meta(ge=-1_000_000, le=1_000_000)] | _Coordinate
_Sha256 = Annotated[str, says("must be 64 lower-case hex digits", pattern=r"^[0-9a-f]{64}\Z")]
_Percent = Annotated[float, _number(0.0, 100.0)]
_FaceNumber = Annotated[
    int, says("must be a face number (0, 1, ...) or null, not {value}", ge=0, lt=1000)
]
_Point = Annotated[tuple[_Pixel, _Pixel], says("must be an [x, y] pair of pixels, not {value}")]
_Offset = Annotated[
    tuple[_Pixel, _Pixel], says("must be a heal mark's [dx, dy] offset in pixels")
]
#: A mark's radius, MIN_RADIUS..100000 pixels (the photo's own limit, half its long edge, is
#: checked with the photo: ``studio.render.marking.check_marks``); written back as it was read.
_Radius = Annotated[
    Annotated[int, Meta(ge=math.ceil(MIN_RADIUS), le=100_000)]
    | Annotated[float, Meta(ge=MIN_RADIUS, le=100_000)],
    says("must be a number of pixels above 0, not {value}", "is {value} pixels; {bound}"),
]
_Sliders = Annotated[
    dict[str, Any], says("must be an object of slider names to values, not {value}")
]


class _Stored(Struct, forbid_unknown_fields=True):
    """A part of the session file: unknown keys are refused by name."""


class StoredSource(_Stored):
    path: Annotated[str, says("must be a file name, not {value}", min_length=1,
                               pattern=r"^[^\x00]*\Z")]
    sha256: _Sha256
    bytes: Annotated[int, says("must be a file size in bytes, not {value}", ge=0)] | None = None


class StoredCrop(_Stored):
    """Fractions of the straightened photo."""

    left: Annotated[float, _number(0.0, 1.0)]
    top: Annotated[float, _number(0.0, 1.0)]
    width: Annotated[float, _number(0.0, 1.0)]
    height: Annotated[float, _number(0.0, 1.0)]

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise refused("", "must have a width and height above 0")
        eps = 1e-6
        if self.left + self.width > 1 + eps or self.top + self.height > 1 + eps:
            raise refused("", "reaches outside the photo")


class StoredSnapshot(_Stored):
    name: Annotated[str, says("must be one line of 1..60 characters, not {value}",
                               min_length=1, max_length=60, pattern=r"^[^\n]*\Z")]
    sliders: _Sliders


class StoredExport(_Stored):
    preset: Annotated[_choice(PRESETS), says(f"must be one of {', '.join(PRESETS)}, not {{value}}")
                      ] = "custom"
    size: Annotated[int, says(
        f"must be a whole number of pixels ({MIN_SIZE}..{MAX_SIZE}), not {{value}}",
        ge=MIN_SIZE, le=MAX_SIZE,
    )] | None = None
    aspect: Annotated[str, says("must be text like '4:5', not {value}")] | None = None
    format: Annotated[_choice(EXPORT_FORMATS), says(
        f"must be one of {', '.join(EXPORT_FORMATS)}, not {{value}}"
    )] | None = None
    quality: Annotated[int, says("must be a whole number 1..100, not {value}", ge=1, le=100)
                       ] | None = None
    keep_metadata: Annotated[bool, says("must be true or false, not {value}")] = False

    def __post_init__(self) -> None:
        try:
            parse_aspect(self.aspect)
        except LikenessError:
            raise refused("aspect", f"must be {', '.join(ASPECTS)} or W:H, "
                                     f"not {self.aspect!r}") from None


class StoredMark(_Stored):
    kind: Annotated[_choice(KINDS), says(f"must be one of {', '.join(KINDS)}, not {{value}}")]
    radius: _Radius
    points: Annotated[list[_Point], says(f"must be a list of 1..{MAX_POINTS} [x, y] pairs",
                                          min_length=1, max_length=MAX_POINTS)]
    source: _Offset | None = None

    def __post_init__(self) -> None:
        if self.source is not None and self.kind != "heal":
            raise refused("source", "must be a heal mark's [dx, dy] offset in pixels")


class StoredReference(_Stored):
    path: Annotated[str, says("path must be a file name", parent=True, min_length=1)]
    sha256: Annotated[str, says("sha256 must be 64 hex digits", parent=True,
                                 pattern=r"^[0-9a-f]{64}\Z")]
    descriptor: Annotated[list[_Finite], says(
        "descriptor must be 128 finite numbers", parent=True, min_length=128, max_length=128,
    )]
    face: Annotated[int, says("face must be a face number (0 or more)", parent=True,
                               ge=0)] | None = None


class StoredImage(Struct):
    width: Annotated[int, Meta(gt=0, le=1_000_000)]
    height: Annotated[int, Meta(gt=0, le=1_000_000)]


class StoredFace(Struct):
    """A face of the analysis (``Face.to_dict``); keys it does not know are ignored."""

    box: Annotated[tuple[_Coordinate, _Coordinate, _Coordinate, _Coordinate],
                   says("must be 4 pixel positions (x0, y0, x1, y1)")]
    landmarks: Annotated[list[tuple[_Coordinate, _Coordinate]], says(
        "must be 68 [x, y] pixel positions", min_length=68, max_length=68,
    )]
    score: Annotated[float, says("must be a finite number", ge=-sys.float_info.max,
                                  le=sys.float_info.max)] = 0.0
    detector: Annotated[str, says("must be text")] = "hog"


class StoredAnalysis(Struct):
    """``FaceAnalysis.to_dict``; keys it does not know are ignored."""

    image: Annotated[StoredImage, says("must hold a width and height in pixels")]
    faces: list[Annotated[StoredFace, says("is not a valid face")]] = []
    primary: int | None = None

    def __post_init__(self) -> None:
        if self.primary is not None and not 0 <= self.primary < len(self.faces):
            raise refused("", "is not a valid face analysis")


class StoredSession(_Stored):
    """A session file of the current version, as it is read (after ``migrate``)."""

    format: Literal["likeness-session"]
    version: int
    source: Annotated[StoredSource, says(
        "must be an object with 'path' and 'sha256', not {value}"
    )] | None = None
    sliders: _Sliders = {}
    edits: Annotated[dict[str, Any], says(
        "must be an object of edit names to versions, not {value}"
    )] = {}
    look: Annotated[str, _text(100)] | None = None
    face: _FaceNumber | None = None
    faces: Annotated[
        Literal["primary", "all"] | Annotated[list[Annotated[int, Meta(ge=0, lt=1000)]],
                                              Meta(min_length=1, max_length=1000)],
        says('must be "primary", "all" or a list of face numbers (0, 1, ...), not {value}'),
    ] | None = None
    crop: Annotated[StoredCrop, says(
        "must be an object with left, top, width, height, not {value}"
    )] | None = None
    angle: Annotated[float, _number(-MAX_ANGLE, MAX_ANGLE)] | None = None
    snapshots: Annotated[list[Annotated[StoredSnapshot, says(
        'must be {{"name": ..., "sliders": {{...}}}}'
    )]], says("must be a list of at most 100 named slider sets", max_length=100)] | None = None
    export: Annotated[StoredExport, says("must be an object, not {value}")] | None = None
    analysis: Annotated[StoredAnalysis, says("is not a valid face analysis")] | None = None
    name: Annotated[str, _text(100)] | None = None
    description: Annotated[str, _text(500)] | None = None
    marks: Annotated[list[Annotated[StoredMark, says(
        "must be an object with kind, radius and points, not {value}"
    )]], says("must be a list of marks, not {value}",
               f"holds {{count}} marks, more than {MAX_MARKS}", max_length=MAX_MARKS)
    ] | None = None
    budget: _Percent | None = None
    amount: Annotated[float, _number(0.0, MOST_AMOUNT)] | None = None
    references: Annotated[list[Annotated[StoredReference, says(
        "must be an object with path, sha256, face and descriptor"
    )]], says(f"must be a list of at most {MOST_REFERENCES} photos",
               max_length=MOST_REFERENCES)] | None = None
    budget_to_me: _Percent | None = None

    def __post_init__(self) -> None:
        known = current_versions()
        for name, version in self.edits.items():
            if name not in known:
                raise refused(None, f"unknown edit '{name}' in 'edits'")
            if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                raise refused(None, f"edit '{name}' must have a whole version from 1, "
                                     f"not {version!r}")
        total = sum(len(mark.points) for mark in self.marks or ())
        if total > MAX_SESSION_POINTS:
            raise refused("marks", f"hold {total} points in all; at most {MAX_SESSION_POINTS}")


# ----------------------------------------------------------------------------- the boundary
def session_from_dict(data: object, base: str | os.PathLike | None = None) -> Session:
    """Validate (and migrate) a parsed session; relative paths resolve against ``base``.

    Raises SessionError naming the problem and the key.
    """
    if not isinstance(data, dict):
        raise SessionError("not a Likeness Studio session (the file is not a JSON object)")
    fmt = data.get("format")
    if fmt != FORMAT_NAME:
        said = "missing" if fmt is None else repr(fmt)
        raise SessionError(
            f"not a Likeness Studio session ('format' is {said}, expected '{FORMAT_NAME}')"
        )
    data = migrate(dict(data))
    try:
        stored = msgspec.convert(data, StoredSession, strict=True)
    except msgspec.ValidationError as error:
        raise SessionError(said_of(error, data, StoredSession)) from None
    return _session(stored, Path(base) if base is not None else None)


def _session(stored: StoredSession, base: Path | None) -> Session:
    """The Session a checked file holds: sliders upgraded to today's edits, paths resolved."""
    try:
        sliders, notes = upgrade(_sliders(stored.sliders), dict(stored.edits))
    except LikenessError as error:
        raise SessionError(str(error)) from None
    export = stored.export or StoredExport()
    return Session(
        sliders=_sliders(sliders),
        notes=tuple(notes),
        source=_source(stored.source, base),
        look=stored.look,
        face=stored.face,
        faces=_faces(stored.faces),
        crop=None if stored.crop is None else Crop(**msgspec.structs.asdict(stored.crop)),
        angle=0.0 if stored.angle is None else stored.angle,
        snapshots=[(s.name, _sliders(s.sliders)) for s in stored.snapshots or ()],
        export=ExportSettings(**msgspec.structs.asdict(export)),
        analysis=_analysis(stored.analysis),
        name=stored.name,
        description=stored.description,
        marks=tuple(Mark(m.kind, tuple(m.points), m.radius, m.source) for m in stored.marks or ()),
        budget=stored.budget,
        amount=stored.amount,
        references=tuple(_reference(r, base) for r in stored.references or ()),
        budget_to_me=stored.budget_to_me,
    )


def _slider_value(key: object, value: object) -> float | str | None:
    try:
        return check_value(str(key), value)
    except SessionError:
        raise
    except LikenessError as error:
        raise SessionError(str(error)) from None


def _sliders(values: Mapping[str, object]) -> dict[str, float | str | None]:
    """Every slider, checked against its row of ``SLIDERS`` (one place for their ranges)."""
    out = default_sliders()
    for key, value in values.items():
        out[key] = _slider_value(key, value)
    return out


def _source(stored: StoredSource | None, base: Path | None) -> Source | None:
    if stored is None:
        return None
    path = Path(stored.path)
    if not path.is_absolute() and base is not None:
        path = base / path
    return Source(path=path, sha256=stored.sha256, bytes=stored.bytes)


def _faces(stored: str | list[int] | None) -> str | tuple[int, ...]:
    if stored is None or isinstance(stored, str):
        return stored or "primary"
    return tuple(dict.fromkeys(stored))


def _analysis(stored: StoredAnalysis | None) -> FaceAnalysis | None:
    """The face analysis; one that cannot be of a photo its size is refused by the key at
    fault (a damaged or edited session must not reach the render, deep inside OpenCV)."""
    if stored is None:
        return None
    faces = tuple(
        Face(box=tuple(float(v) for v in face.box),
             landmarks=np.array(face.landmarks, dtype=np.float64).astype(np.float32),
             score=face.score, detector=face.detector)
        for face in stored.faces
    )
    analysis = FaceAnalysis(width=stored.image.width, height=stored.image.height, faces=faces,
                            primary=stored.primary)
    problem = analysis.problem()
    if problem is not None:
        raise SessionError(f"'analysis.{problem[0]}' {problem[1]}")
    return analysis


def _reference(stored: StoredReference, base: Path | None) -> Reference:
    path = Path(stored.path)
    if not path.is_absolute() and base is not None:
        path = base / path
    return Reference(path=str(path), sha256=stored.sha256,
                     descriptor=np.asarray(stored.descriptor, np.float64), face=stored.face,
                     faces=1)


# ----------------------------------------------------------------------------- writing
def stored_path(path: str | os.PathLike, base: str | os.PathLike | None) -> str:
    """``path`` as a session stores it: relative to ``base`` when inside it, else absolute."""
    stored = str(path)
    if base is not None:
        try:
            stored = Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            stored = str(Path(os.path.abspath(path)))
    return stored


def session_to_dict(session: Session, base: str | os.PathLike | None = None) -> dict:
    """The current-version JSON dict; the source path is relative to ``base`` when the
    photo is in that folder (or below it), else absolute."""
    source = None
    if session.source is not None:
        source = {"path": stored_path(session.source.path, base), "sha256": session.source.sha256}
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
            "references": [{**r.to_dict(), "path": stored_path(r.path, base)}
                           for r in session.references],
            "budget_to_me": session.budget_to_me,
        }
    )
    if session.marks and session.source is not None:
        out["marks"] = marks_to_list(session.marks)
    return out

"""Photos of me: the person's identity from a few reference photos, and how like them a face is.

Each reference photo gives dlib's 128-D face descriptor (``studio.face.likeness``: the same
ResNet, aligned by the reference's own 68 landmarks). The identity is their set: the mean
descriptor and the spread (the references' root-mean-square distance to it). A face's
"like you" figure is its descriptor's distance to the mean, said as a percentage
(:func:`like_you_percent`); docs/quality.md ('Like you') gives the distributions the scale and
the amber and red thresholds were chosen from.

Bad references never stop the rest: an unreadable file, a photo without a face, the same file
twice or a photo of someone else is kept in the list with its ``problem`` (one line) and left out
of the identity; a photo with several faces uses the one most like the other references, and
says which (``note``). No pixels are kept: what a session stores is :meth:`Reference.to_dict`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from studio.errors import LikenessError
from studio.face.types import Face, FaceAnalysis
from studio.imaging import load
from studio.imaging.io import load_bytes
from studio.write_guard import read_regular_file, shown

#: Distance to the identity (descriptor units) at or below which a face reads 100% like you,
#: and at or beyond which it reads 0%: the scale between is linear (docs/quality.md, 'Like you').
LIKE_YOU_NEAR, LIKE_YOU_FAR = 0.25, 0.80
#: "like you" below this (percent) is amber: fewer photos of the same person read lower ...
LIKE_YOU_AMBER = 50.0
#: ... and below this, red: most photos of another person read lower (docs/quality.md).
LIKE_YOU_RED = 30.0
#: A reference further than this from the mean of the others (descriptor units; dlib's
#: same-person threshold) looks like someone else.
SOMEONE_ELSE = 0.6
#: At most this many references make an identity (the issue's 1-10 photos).
MOST_REFERENCES = 10


@dataclass(frozen=True, eq=False)
class Reference:
    """One photo of me.

    path : where it was read from; sha256 : hex digest of its bytes.
    descriptor : float64 (128,) of the face used, or None when none could be used.
    face : index of that face in the photo's analysis (largest first); faces : how many it has.
    problem : why it is left out of the identity (one line), or None.
    note : something the user should know that does not leave it out (several faces).
    chip : the face's crop (uint8) and the face in its pixels, in memory only (the breakdown
        swaps regions from it); never stored.
    """

    path: str
    sha256: str = ""
    descriptor: np.ndarray | None = None
    face: int | None = None
    faces: int = 0
    problem: str | None = None
    note: str | None = None
    chip: tuple[np.ndarray, Face] | None = field(default=None, repr=False)

    @property
    def usable(self) -> bool:
        return self.descriptor is not None and self.problem is None

    @property
    def name(self) -> str:
        return Path(self.path).name

    def to_dict(self) -> dict:
        """What a session stores: path, hash, face and descriptor (6 decimals), never pixels."""
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "face": self.face,
            "descriptor": None if self.descriptor is None
            else [round(float(v), 6) for v in self.descriptor],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Reference:
        """The reference a session stored (``to_dict``); ValueError names what is wrong."""
        try:
            descriptor = np.asarray(data.get("descriptor"), np.float64)
        except (TypeError, ValueError):
            descriptor = np.zeros(0)
        if descriptor.shape != (128,) or not np.all(np.isfinite(descriptor)):
            raise ValueError("descriptor must be 128 finite numbers")
        face = data.get("face")
        if face is not None and (not isinstance(face, int) or isinstance(face, bool) or face < 0):
            raise ValueError("face must be a face number (0 or more)")
        sha = data.get("sha256", "")
        if not isinstance(sha, str) or not all(c in "0123456789abcdef" for c in sha) or len(sha) != 64:
            raise ValueError("sha256 must be 64 hex digits")
        if not isinstance(data.get("path"), str) or not data["path"]:
            raise ValueError("path must be a file name")
        return cls(path=data["path"], sha256=sha, descriptor=descriptor, face=face, faces=1)


@dataclass(frozen=True, eq=False)
class Identity:
    """The person the references show: every reference read (``references``, with their
    problems), the ``mean`` descriptor of the usable ones and their ``spread`` (RMS distance
    to the mean, descriptor units; 0 with one reference)."""

    references: tuple[Reference, ...] = ()
    mean: np.ndarray | None = None
    spread: float = 0.0

    @property
    def usable(self) -> tuple[Reference, ...]:
        return tuple(r for r in self.references if r.usable)

    @property
    def problems(self) -> tuple[str, ...]:
        """One line per reference left out: '<file>: <why>'."""
        return tuple(f"{shown(r.path)}: {r.problem}" for r in self.references if r.problem)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(f"{shown(r.path)}: {r.note}" for r in self.references if r.note)

    def distance(self, descriptor: np.ndarray) -> float:
        """Distance of ``descriptor`` to the identity's mean (descriptor units)."""
        if self.mean is None:
            raise LikenessError("no usable photo of you: add a photo with your face")
        return float(np.linalg.norm(np.asarray(descriptor, np.float64) - self.mean))

    def like_you(self, descriptor: np.ndarray) -> float:
        """How like you ``descriptor`` is, percent (see :func:`like_you_percent`)."""
        return like_you_percent(self.distance(descriptor))

    def closest(self, descriptor: np.ndarray) -> Reference:
        """The usable reference whose descriptor is nearest ``descriptor``."""
        usable = self.usable
        if not usable:
            raise LikenessError("no usable photo of you: add a photo with your face")
        return min(usable, key=lambda r: float(np.linalg.norm(r.descriptor - descriptor)))

    def with_references(self, references: Iterable[Reference]) -> Identity:
        """The identity of ``references`` (this one's and new ones, checked together)."""
        return identity_of(list(references))


def like_you_percent(distance: float | None) -> float | None:
    """The "like you" figure: 100 at or below ``LIKE_YOU_NEAR`` from the identity, 0 at or
    beyond ``LIKE_YOU_FAR``, linear between (None stays None)."""
    if distance is None:
        return None
    share = (LIKE_YOU_FAR - distance) / (LIKE_YOU_FAR - LIKE_YOU_NEAR)
    return float(np.clip(100.0 * share, 0.0, 100.0))


def like_you_words(percent: float | None) -> str:
    """What a "like you" figure means, in the colour it is shown in: 'green', 'amber', 'red'
    (or '' without a figure); the thresholds are docs/quality.md's."""
    if percent is None:
        return ""
    if percent < LIKE_YOU_RED:
        return "red"
    return "amber" if percent < LIKE_YOU_AMBER else "green"


#: What each colour of the figure says, in words (docs/quality.md: other people read below 20%).
LIKE_YOU_SAID = {"": "", "green": "", "amber": "less like you",
                 "red": "looks like someone else"}


def like_you_said(percent: float | None) -> str:
    """The words beside a "like you" figure: '' when green, 'less like you' when amber,
    'looks like someone else' when red."""
    return LIKE_YOU_SAID[like_you_words(percent)]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- reading
@dataclass(frozen=True, eq=False)
class _Candidate:
    """A reference read from its file: every face's descriptor and crop."""

    reference: Reference
    descriptors: tuple[np.ndarray, ...] = ()
    chips: tuple[tuple[np.ndarray, Face], ...] = ()
    analysis: FaceAnalysis | None = None


def _read(path: str | os.PathLike) -> _Candidate:
    """Read one reference photo; every problem a user can cause becomes its ``problem``."""
    from studio.face.breakdown import face_chip  # start-up
    from studio.face.detect import analyze_photo  # start-up
    from studio.face.likeness import face_descriptor  # start-up

    name = str(path)
    try:
        data = read_regular_file(path, "a photo")
        photo = load_bytes(data, name=name)
    except LikenessError as error:
        return _Candidate(Reference(path=name, problem=_reason(str(error), name)))
    photo.path = Path(path)
    sha = file_sha256(data)
    analysis = analyze_photo(photo)
    if not analysis.faces:
        return _Candidate(Reference(path=name, sha256=sha, problem="no face found"))
    descriptors = tuple(face_descriptor(photo.pixels, f) for f in analysis.faces)
    chips = tuple(face_chip(photo.pixels, f) for f in analysis.faces)
    reference = Reference(path=name, sha256=sha, descriptor=descriptors[0], face=0,
                          faces=len(analysis.faces), chip=chips[0])
    return _Candidate(reference, descriptors, chips, analysis)


def _reason(message: str, name: str) -> str:
    """``message`` without the file name it starts with (the list names the file)."""
    for prefix in (f"{shown(name)}: ", f"{name}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def read_references(paths: Sequence[str | os.PathLike],
                    known: Sequence[Reference] = ()) -> Identity:
    """The identity of the photos at ``paths`` (and the ``known`` references already read).

    Each path gives one :class:`Reference`, in order; problems are theirs (see the module).
    LikenessError when there are more than ``MOST_REFERENCES``.
    """
    if len(paths) + len(known) > MOST_REFERENCES:
        raise LikenessError(f"at most {MOST_REFERENCES} photos of you, not "
                            f"{len(paths) + len(known)}")
    candidates = [_Candidate(r) for r in known] + [_read(p) for p in paths]
    candidates = _without_repeats(candidates)
    candidates = _chosen_faces(candidates)
    return identity_of([c.reference for c in candidates])


def _without_repeats(candidates: list[_Candidate]) -> list[_Candidate]:
    """The second of two references with the same bytes is marked 'the same photo as ...'."""
    seen: dict[str, str] = {}
    out = []
    for candidate in candidates:
        ref = candidate.reference
        if ref.sha256 and ref.problem is None and ref.sha256 in seen:
            first = seen[ref.sha256]
            same = os.path.realpath(first) == os.path.realpath(ref.path)
            problem = "the same file given twice" if same else f"the same photo as {shown(first)}"
            candidate = _Candidate(replace(ref, problem=problem))
        elif ref.sha256 and ref.problem is None:
            seen[ref.sha256] = ref.path
        out.append(candidate)
    return out


def _chosen_faces(candidates: list[_Candidate]) -> list[_Candidate]:
    """In each reference with several faces, the face most like the other references'
    (their mean); with no other reference to go by, the largest. Two passes, so references
    that all have several faces settle on one person."""
    for _ in range(2):
        chosen = []
        for index, candidate in enumerate(candidates):
            if len(candidate.descriptors) < 2:
                chosen.append(candidate)
                continue
            others = [c.reference.descriptor for i, c in enumerate(candidates)
                      if i != index and c.reference.usable]
            face = 0
            if others:
                mean = np.mean(others, axis=0)
                face = int(np.argmin([np.linalg.norm(d - mean) for d in candidate.descriptors]))
            where = candidate.analysis.where(face)
            note = (f"{len(candidate.descriptors)} faces: used the one {_at(where)}"
                    + (", the most like your other photos" if others else ", the largest"))
            reference = replace(candidate.reference, descriptor=candidate.descriptors[face],
                                face=face, chip=candidate.chips[face], note=note)
            chosen.append(replace(candidate, reference=reference))
        candidates = chosen
    return candidates


def _at(where: str) -> str:
    return "in the centre" if where == "centre" else f"at the {where}"


def identity_of(references: Sequence[Reference]) -> Identity:
    """The identity of ``references`` as read: a usable reference far from the mean of the
    others (``SOMEONE_ELSE``) is marked 'this photo looks like someone else', the farthest
    first, until the rest agree. Of two that disagree, the later one is marked."""
    references = list(references)
    while True:
        usable = [i for i, r in enumerate(references) if r.usable]
        if len(usable) < 2:
            break
        far = []
        for i in usable:
            others = np.mean([references[j].descriptor for j in usable if j != i], axis=0)
            far.append((float(np.linalg.norm(references[i].descriptor - others)), i))
        distance, worst = max(far, key=lambda item: (round(item[0], 6), item[1]))
        if distance <= SOMEONE_ELSE:
            break
        references[worst] = replace(references[worst],
                                    problem="this photo looks like someone else")
    usable_refs = [r for r in references if r.usable]
    if not usable_refs:
        return Identity(tuple(references))
    stack = np.stack([r.descriptor for r in usable_refs])
    mean = stack.mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum((stack - mean) ** 2, axis=1))))
    return Identity(tuple(references), mean, spread)


def verified_references(references: Sequence[Reference]) -> Identity:
    """The identity of references a session stored, each checked against its file: one whose
    file is gone or no longer has its sha256 (moved, replaced) is refused with its ``problem``
    (one line), and the rest still make the identity. Only hashes are read, never faces."""
    checked = []
    for reference in references:
        problem = None
        try:
            data = read_regular_file(reference.path, "a photo")
        except LikenessError:
            problem = "no longer there: add the photo of you again"
        else:
            if file_sha256(data) != reference.sha256:
                problem = ("not the photo of you the session was saved with (its sha256 "
                           "differs): add it again")
        checked.append(replace(reference, problem=problem) if problem else reference)
    return identity_of(checked)


# ----------------------------------------------------------------------------- checking
@dataclass(frozen=True, eq=False)
class HeadshotCheck:
    """How like you one headshot is.

    like_you : percent (None when no face could be measured); distance : to the identity.
    face : index of the face measured (the one most like you), of ``faces``; ``where`` it is.
    closest : the reference nearest the face; breakdown : where it differs from that
        reference (None without the reference's pixels).
    """

    like_you: float | None = None
    distance: float | None = None
    face: int | None = None
    faces: int = 0
    where: str = ""
    closest: Reference | None = None
    breakdown: object | None = None

    @property
    def colour(self) -> str:
        return like_you_words(self.like_you)


def check_headshot(pixels: np.ndarray, analysis: FaceAnalysis, identity: Identity,
                   breakdown: bool = True) -> HeadshotCheck:
    """How like ``identity`` the face in ``pixels`` most like it is (``analysis`` is the
    photo's); with ``breakdown``, where it differs most from its closest reference."""
    from studio.face.breakdown import headshot_breakdown  # start-up
    from studio.face.likeness import face_descriptor  # start-up

    if identity.mean is None:
        raise LikenessError("no usable photo of you: add a photo with your face")
    if not analysis.faces:
        return HeadshotCheck()
    descriptors = [face_descriptor(pixels, f) for f in analysis.faces]
    distances = [identity.distance(d) for d in descriptors]
    index = int(np.argmin(distances))
    closest = identity.closest(descriptors[index])
    parts = None
    if breakdown and closest.chip is not None:
        parts = headshot_breakdown(pixels, analysis.faces[index], closest.chip, identity.distance)
    return HeadshotCheck(like_you_percent(distances[index]), distances[index], index,
                         len(analysis.faces), analysis.where(index), closest, parts)


def file_like_you(path: str | os.PathLike, identity: Identity) -> float | None:
    """How like ``identity`` the face most like it in the photo file at ``path`` is, percent
    (None: no face); LikenessError when the file cannot be read."""
    from studio.face.detect import analyze_photo  # start-up

    photo = load(path)
    return check_headshot(photo.pixels, analyze_photo(photo), identity, breakdown=False).like_you


def with_chips(identity: Identity) -> Identity:
    """``identity`` with each usable reference's face crop read again from its file (a session
    keeps no pixels): the thumbnails show the face used, and a checked headshot's breakdown
    has its closest reference to swap from. A file that no longer gives that face keeps none."""
    from studio.face.breakdown import face_chip  # start-up
    from studio.face.detect import analyze_photo  # start-up

    references = []
    for reference in identity.references:
        if reference.usable and reference.chip is None and reference.face is not None:
            try:
                photo = load_bytes(read_regular_file(reference.path, "a photo"),
                                   name=reference.path)
            except LikenessError:
                references.append(reference)
                continue
            photo.path = Path(reference.path)
            faces = analyze_photo(photo).faces
            if reference.face < len(faces):
                reference = replace(reference,
                                    chip=face_chip(photo.pixels, faces[reference.face]))
        references.append(reference)
    return replace(identity, references=tuple(references))

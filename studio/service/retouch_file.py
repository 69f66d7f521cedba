"""Retouch one photo file with a session or look and export it: the unit of work the
``retouch`` command, the batch command and its process-pool / Dask workers share. The work on
the loaded photo is the retouch service, ``studio.service.retouch.retouch_photo``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from studio import imaging
from studio.edits.marks import Mark
from studio.errors import LikenessError
from studio.face.reference import identity_of
from studio.face.types import FaceAnalysis
from studio.imaging.colour import lab_ready
from studio.imaging.export import (
    LINKEDIN_SIDE,
    Crop,
    ExportResult,
    ExportSettings,
    check_crop_size,
    check_output,
    encode_planned,
    plan_output,
)
from studio.imaging.filters import resize
from studio.imaging.framing import level_angle
from studio.imaging.photo import Photo
from studio.imaging.sharpen import PRESET_SHARPENING, alike_sharpener
from studio.imaging.threads import threads
from studio.service.retouch import (
    ExportPlan,
    Prepared,
    export_crown,
    least_like_you,
    prepare_export,
    strongest_written,
    within_both,
    write_prepared,
    written_like_you,
    written_likeness,
)
from studio.session.files import save_session
from studio.session.looks import load_look
from studio.session.model import Session, Source, file_sha256
from studio.write_guard import WritePlan, check_room

#: RetouchResult.status values.
OK, REFUSED, FAILED = "ok", "refused", "failed"


@dataclass(frozen=True)
class RetouchResult:
    """The outcome of one file (small and picklable, for batch workers).

    status : "ok" (written), "refused" (likeness below the minimum: nothing written) or
        "failed" (a problem the user can fix, in ``reason``: nothing written).
    faces : how many faces were found.
    likeness_percent : 0..100, None when there is no face to measure; with several faces
        retouched, the lowest of theirs, ``likeness_face`` its index (None with one face) and
        ``likeness_where`` where that face is in the photo ("top right"; "" with one face).
    seconds : wall time for this file.
    width, height, bytes, quality : of the written file (None when nothing was written).
    notes : one-line remarks for the user (crop fallbacks, quality stepped down, ...).
    amount : with ``keep_likeness``, the share of the face sliders kept (1.0: not eased).
    like_you_percent, like_you_original : with photos of you in the session, how like you
        the file (as it is written, refused or not) and the photo are, percent (None: none).
    """

    input: Path
    output: Path | None
    status: str
    reason: str = ""
    faces: int = 0
    likeness_percent: float | None = None
    likeness_face: int | None = None
    likeness_where: str = ""
    seconds: float = 0.0
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    quality: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    amount: float | None = None
    like_you_percent: float | None = None
    like_you_original: float | None = None


def as_session(session_or_sliders: Session | Mapping | str | os.PathLike | None) -> Session:
    """A Session from a Session, a slider mapping, a look name or a session/look file."""
    if session_or_sliders is None:
        return Session()
    if isinstance(session_or_sliders, Session):
        return session_or_sliders
    if isinstance(session_or_sliders, Mapping):
        return Session().with_sliders(session_or_sliders)
    return load_look(session_or_sliders)


@dataclass(frozen=True, kw_only=True)
class Framing:
    """The command line's framing over the session's.

    crop : "auto" (the preset frames the head), (x, y, w, h) in pixels of the straightened
        photo, or None (the session's). A crop reaching outside the photo fails the file.
    angle : degrees, "level" (the eyes made level) or None (the session's).
    """

    crop: str | tuple[float, float, float, float] | None = None
    angle: float | str | None = None

    @classmethod
    def of(cls, framing: Mapping | None) -> Framing:
        """From ``{"crop": ..., "angle": ...}`` (the command line's and the batch's form)."""
        framing = framing or {}
        return cls(crop=framing.get("crop"), angle=framing.get("angle"))


@dataclass(frozen=True, kw_only=True)
class RetouchRequest:
    """One photo file to retouch and write (small and picklable, for batch workers).

    photo : the photo; only ever read.
    output : the file to write; never the photo.
    session : a Session, a mapping of slider values, a look name or a look/session file.
        Its cached face analysis, face choice and crop are reused only when the photo's
        sha256 matches the session's source; otherwise the masks follow this photo's face.
    export : "linkedin", "portfolio", "original", "custom", ExportSettings, or None (the
        session's export settings: by default full resolution in the output's format).
    min_likeness : percent 0..100; below it nothing is written (``status="refused"``).
    keep_likeness : percent 0..100: ease every face slider by one factor (``amount``) until
        the likeness is at least this, instead of refusing like ``min_likeness``.
    budget_to_me : percent 0..100: also ease the face sliders (a budgeted look's amount, or
        the sliders as they are) until the written file is at least this like the session's
        photos of you (``Session.references``); the likeness budget stays the floor.
    keep_metadata : keep GPS / serials / maker notes (None: as the export settings say).
    save_session_to : also save the session used (with this photo as its source) there.
    inputs : other files the run reads (the session or look file): never written over.
        The output and the session must not be any input, nor each other (through links
        too), nor an existing file of another kind (see studio.write_guard): the result
        is then "failed" with nothing written.
    framing : the command line's crop and angle over the session's.
    """

    photo: Path
    output: Path
    session: Session | Mapping | str | os.PathLike | None = None
    export: str | ExportSettings | None = None
    min_likeness: float | None = None
    keep_likeness: float | None = None
    budget_to_me: float | None = None
    keep_metadata: bool | None = None
    save_session_to: Path | None = None
    inputs: tuple[Path, ...] = ()
    framing: Framing = field(default_factory=Framing)

    def __post_init__(self) -> None:  # paths as given (text or Path) become Paths
        for name in ("photo", "output", "save_session_to"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))
        object.__setattr__(self, "inputs", tuple(Path(path) for path in self.inputs))


def retouch_file(request: RetouchRequest) -> RetouchResult:
    """Load, analyse, render at full resolution, check likeness, export; never raises for
    problems a user can cause (they come back as ``status="failed"`` with a reason)."""
    start = time.perf_counter()
    try:
        return _retouch(request, start)
    except LikenessError as error:
        return RetouchResult(
            input=request.photo,
            output=None,
            status=FAILED,
            reason=str(error),
            seconds=time.perf_counter() - start,
        )


def _framing(
    framing: Framing, session: Session, same_photo: bool, face, shape: tuple[int, int]
) -> tuple[Crop | None, float]:
    """The crop and angle to export with: the session's (same photo only), then the
    command line's. LikenessError for a crop outside the photo."""
    crop = session.crop if same_photo else None
    angle = session.angle if same_photo else 0.0
    wanted_angle = framing.angle
    if wanted_angle == "level":
        angle = level_angle(face.landmarks if face is not None else None)
    elif wanted_angle is not None:
        angle = float(wanted_angle)
    wanted = framing.crop
    if wanted == "auto":
        crop = None
    elif wanted is not None:
        height, width = shape
        x, y, w, h = (float(v) for v in wanted)
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
            raise LikenessError(
                f"the crop {x:g},{y:g},{w:g},{h:g} reaches outside the photo "
                f"({width} x {height} px)"
            )
        crop = Crop.from_rect((x, y, w, h), width, height)
    if crop is not None:  # the session's or the command line's: refused before the render
        check_crop_size(crop, shape[1], shape[0])
    return crop, angle


def _settings(
    export_preset: str | ExportSettings | None, session: Session, keep_metadata: bool | None
) -> ExportSettings:
    if export_preset is None:
        settings = session.export
    elif isinstance(export_preset, ExportSettings):
        settings = export_preset
    else:
        settings = ExportSettings(preset=str(export_preset))
    if keep_metadata is not None:
        settings = replace(settings, keep_metadata=bool(keep_metadata))
    return settings


#: Edits that work in CIE Lab through scikit-image (slow to import; the eyes and teeth use
#: ``studio.imaging.colour``'s own conversions).
_LAB_EDITS = ("warmth",)


def _get_ready(detection: bool, lab: bool) -> None:
    """Import the render pipeline and load the face models (and scikit-image's colour
    module when an edit needs Lab): the work before the render that is not the photo's."""
    import studio.render  # noqa: F401  # start-up
    from studio.face.likeness import load_models  # start-up

    load_models(detection)
    if lab:
        lab_ready()


def _get_ready_while_decoding(session: Session) -> threading.Thread | None:
    """A thread doing :func:`_get_ready` while the photo decodes (None on one core, where it
    would only take turns with the decoding: then it runs after it)."""
    if threads() < 2:
        return None
    lab = any(session.sliders.get(key) for key in _LAB_EDITS)
    thread = threading.Thread(target=_get_ready, args=(session.analysis is None, lab),
                              name="get-ready", daemon=True)
    thread.start()
    return thread


def _load_getting_ready(input_path: Path, session: Session, need: int | None = None):
    """The photo, decoded first (only Pillow and numpy needed) while the pipeline's imports
    and the face models load beside it; reduced in the decode to ``need`` (see
    ``studio.imaging.io.load``)."""
    getting_ready = _get_ready_while_decoding(session)
    try:
        return imaging.load(input_path, need=need)
    finally:
        if getting_ready is not None:
            getting_ready.join()


def _retouched_faces(session: Session, analysis, face_index, same_photo: bool, notes: list):
    """(the session's face choice as it applies here, the face indices it means). Chosen face
    numbers belong to the session's own photo: on another one the largest face is used."""
    from studio.render.everyone import chosen_faces  # start-up

    choice = session.faces
    if isinstance(choice, tuple) and session.source is not None and not same_photo:
        notes.append("the session's chosen faces belong to another photo: the largest face is used")
        choice = "primary"
    return choice, chosen_faces(choice, analysis, face_index)


def _marks(session: Session, sha: str, notes: list[str], shape: tuple[int, int]):
    """The session's marks when they belong to this photo (by hash; checked against its
    ``shape``); else none, and a note."""
    marks = session.marks_for(sha, shape)
    if session.marks and not marks:
        notes.append(
            f"{len(session.marks)} marks not carried over: they belong to the photo they "
            "were painted on"
        )
    return marks


def _check_percents(min_likeness: float | None, keep_likeness: float | None) -> None:
    for what, value in (("minimum likeness", min_likeness), ("likeness to keep", keep_likeness)):
        if value is not None and not 0 <= float(value) <= 100:
            raise LikenessError(f"the {what} must be a percent 0..100, not {value}")


def _higher(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(float(a), float(b))


def _likeness_to_keep(session: Session, keep_likeness: float | None):
    """(least likeness, strongest amount): --keep-likeness eases the sliders as they are (up
    to 100%); a look with a budget and no chosen amount gets the strongest amount up to 150%
    within its budget; else (None, None): the sliders render as they are."""
    from studio.render.amount import MOST  # start-up

    if keep_likeness is not None:
        return float(keep_likeness), 1.0
    if session.budget is not None and session.amount is None:
        return float(session.budget), MOST
    return None, None


@dataclass(frozen=True, kw_only=True)
class LikeYou:
    """How like the user's photos of themselves the file written is and the photo was,
    percent (``written`` None: the frame cuts the face off)."""

    written: float | None
    original: float


@dataclass(frozen=True, kw_only=True)
class _LikeYouMeasure:
    """How like you a file to be written is (``like_you_of(prepared)``, percent) and the
    photo's own figure."""

    like_you_of: Callable[[Prepared], float | None]
    original: float


@dataclass(frozen=True, kw_only=True)
class _ToMe:
    """A budget to you: how like you a file to be written is, and the least to keep."""

    like_you_of: Callable[[Prepared], float | None]
    least: float


def _like_you_measure(session: Session, photo, analysis, indices) -> _LikeYouMeasure | None:
    """How like you the first retouched face (you) is, against the session's photos of
    you, in a file to be written and in the photo; None without any or a face."""
    from studio.face.likeness import face_descriptor  # start-up

    identity = identity_of(session.references)
    if identity.mean is None or not indices:
        return None
    original = identity.like_you(face_descriptor(photo.pixels, analysis.faces[indices[0]]))
    return _LikeYouMeasure(like_you_of=lambda prepared: written_like_you(
        analysis, indices[0], prepared.encoded, identity), original=original)


def _to_me(budget_to_me: float | None, session: Session, measure: _LikeYouMeasure | None,
           notes: list[str]) -> _ToMe | None:
    """The budget to you for ``budget_to_me`` (None: not asked). When the photo itself is already less like you than asked, its own
    figure is kept instead (a note says so)."""
    if budget_to_me is None:
        return None
    if not 0 <= float(budget_to_me) <= 100:
        raise LikenessError(f"the likeness to you to keep must be a percent 0..100, "
                            f"not {budget_to_me}")
    if not session.references:
        raise LikenessError("a budget to you needs photos of you (--ref ME.jpg)")
    if measure is None:
        notes.append("no face: the budget to you is not measured")
        return None
    original = measure.original
    least = least_like_you(budget_to_me, original)
    if least < float(budget_to_me):
        notes.append(f"the photo itself is {original:.0f}% like you, below "
                     f"{float(budget_to_me):g}%: kept at least that")
    return _ToMe(like_you_of=measure.like_you_of, least=least)


def _decoded_side(settings: ExportSettings, session: Session, framing: Framing,
                  save_session_to) -> int | None:
    """The side a JPEG may be decoded down to for this export (twice the side of the
    LinkedIn square it writes), or None (full size) when anything the run holds or saves is
    in the photo's own pixels (a session's photo, analysis or marks, a crop in pixels, a
    saved session) or the export is not a bounded size."""
    crop = framing.crop
    if save_session_to is not None or session.source is not None or session.analysis \
            is not None or session.marks or crop not in (None, "auto"):
        return None
    return 2 * LINKEDIN_SIDE if settings.preset == "linkedin" else None


def _reduced_enough(photo, analysis, indices, settings, crop, angle, crown) -> bool:
    """Whether a photo decoded reduced still has at least twice the written picture's pixels
    across its crop (a small face's crop needs the full decode: its size is the file's)."""
    if not photo.info.get("reduced"):
        return True
    face = analysis.face(indices[0]) if indices else None
    output = plan_output(settings, photo.width, photo.height,
                         face.landmarks if face is not None else None, crop, angle=angle,
                         crown_y=crown)
    x0, y0, x1, y1 = output.box
    return min(x1 - x0, y1 - y0) >= 2 * max(output.size)


def kept_retoucher(pixels, analysis, faces):
    """One retoucher for every render of a run (an export, no kept stages): the person matte,
    the background's preparation and every edit's preparation are made once, whatever the
    number of amount steps the likeness takes; each render gives ``render_faces``' bits."""
    from studio.render.plan import retoucher_for  # start-up

    return retoucher_for(pixels, analysis, faces)


@dataclass(frozen=True, kw_only=True)
class _PlannedRender:
    """``render(sliders)``: the file as it will be written, and its likeness measured on it;
    ``at_output_scale``: whether it is rendered at the output's scale, smaller than the
    photo (as cheap as the face crops)."""

    render: Callable[[dict], Prepared]
    at_output_scale: bool
    #: the written file's likeness measured on its faces' box alone (studio.service.probe),
    #: None where only the whole file tells it
    probe: Callable[[dict], Prepared] | None = None


def _planned_render(photo, analysis, indices, marks, export: ExportPlan,
                    crown_y) -> _PlannedRender:
    """The render of the file as ``export`` plans it. The export is planned first; only its
    crop and a margin are rendered, at its scale (``studio.render.plan``), unless the whole
    photo must be (turned, transparent, ...)."""
    from studio.render.plan import plan_render, planned_retoucher  # start-up
    from studio.service.probe import face_probe  # start-up

    settings = export.settings
    face = analysis.face(indices[0]) if indices else None
    output = plan_output(settings, photo.width, photo.height,
                         face.landmarks if face is not None else None, export.crop,
                         angle=export.angle, crown_y=crown_y)
    plan = plan_render(output, analysis, indices) if photo.alpha is None else None
    if plan is None:
        retoucher = kept_retoucher(photo.pixels, analysis, indices)
        retoucher.set_marks(tuple(marks))

        def render(sliders):
            rendered = retoucher.render(sliders)
            return prepare_export(photo, analysis, rendered, export, faces=indices,
                                  crown_y=crown_y)
        probe = face_probe(photo, analysis, indices, retoucher, output, export, marks)
        retoucher.keeps_head = probe is not None  # the last probe's head is the file's
        return _PlannedRender(render=render, at_output_scale=False, probe=probe)

    retoucher, region = planned_retoucher(plan, photo.pixels, analysis, indices, kept_retoucher)
    sharpened = _output_sharpening(photo, face, plan.crop, output, settings)
    (original,) = sharpened([np.ascontiguousarray(plan.written(region, output.size))])
    region_marks = plan.marks(marks)

    def render(sliders):
        rendered = retoucher.render(sliders, region_marks)
        (written,) = sharpened([np.ascontiguousarray(plan.written(rendered, output.size))])
        encoded = encode_planned(written, output, settings, export.output, exif=photo.exif,
                                 source_format=photo.format, bit_depth=photo.bit_depth)
        return Prepared(encoded=encoded, likeness=written_likeness(photo, analysis, indices,
                                                                    encoded, original))
    return _PlannedRender(render=render, at_output_scale=max(plan.scale) < 1.0)


def _output_sharpening(photo, face, crop, output, settings: ExportSettings):
    """``sharpened(pictures)``: pictures written at ``output``'s size given the preset's
    output sharpening, as much as the resize of the photo's ``crop`` (x0, y0, x1, y1) to that
    size takes from the original's face (``studio.imaging.sharpen.sharpen_alike``)."""
    kind = PRESET_SHARPENING[settings.preset]
    x0, y0, x1, y1 = crop
    if kind is None or output.size[0] >= x1 - x0:
        return lambda pictures: pictures
    before = np.ascontiguousarray(photo.pixels[y0:y1, x0:x1])
    after = resize(before, output.size)
    points = None if face is None else face.landmarks - np.array([x0, y0], np.float64)
    return alike_sharpener(before, after, kind, points)


def _set_by_hand(session: Session) -> tuple[str, ...]:
    """The face sliders a session or ``--set`` put over its look's values: a look's amount
    scales the look (Lightroom's preset amount), never values set by hand."""
    from studio.render.amount import held_keys  # start-up

    if session.look is None:
        return ()
    try:
        look = load_look(session.look)
    except LikenessError:  # the look is not here (another machine's): all of it is the look
        return ()
    return held_keys(session.sliders, look.sliders)


@dataclass(frozen=True, kw_only=True)
class _Eased:
    """What the easing chose: the amount of the face sliders (None: not eased), the file
    to write at it, and the session with its sliders scaled and its amount."""

    amount: float | None
    file: Prepared
    session: Session


def _eased(photo, analysis, session: Session, faces, render, *, aim: float | None,
           least: float | None, most: float | None, held: tuple[str, ...] = (), to_me=None,
           written_alone: bool = False, probe=None):
    """The amount, ``render``'s result, the session with scaled sliders and its amount: the
    strongest amount <= ``most`` keeping the likeness of the lowest of ``faces`` at ``aim``,
    found on the face crops, then settled on ``render``'s results (each the file as it will
    be written, and its likeness): the strongest amount whose written likeness is at least
    ``least`` (one render when the crops were right, a few otherwise). ``written_alone``
    (``render`` is at the output's scale, as cheap as the crops): the written files alone
    find the amount, from 100%, and ``aim`` is not searched for apart. ``probe``: the
    written file's likeness from its faces' box alone (``studio.service.probe``) settles
    the amount, and ``render`` makes only the file chosen. ``held`` sliders (set
    by hand) are not scaled. ``least`` is only what the easing aims for: whether the result
    is written is the caller's (--min-likeness). ``to_me``: (like you of a file, least like
    you) also held (:func:`within_both`). Without ``most`` or a face: no amount, the
    session's render, the session."""
    from studio.render.amount import STEP, scaled, strongest_amount  # start-up

    sliders = session.sliders
    if most is None or not faces:
        return _Eased(amount=None, file=render(sliders), session=session)
    floor = least if least is not None else aim
    figure = None if to_me is None else within_both(floor, to_me.least, to_me.like_you_of)
    high = int(round(most / STEP + 1e-6))
    if written_alone:
        strongest = strongest_written(render, sliders, high, floor, held, figure,
                                      start=min(round(1.0 / STEP), high))
    else:
        found = strongest_amount(photo.pixels, analysis, sliders, aim, most=most,
                                 faces=faces, held=held)
        if figure is not None:  # the likeness to you reads more than the faces' cores
            probe = None
        strongest = strongest_written(render, sliders, round(found.amount / STEP),
                                      floor, held, figure, probe=probe)
    amount = round(strongest.steps * STEP, 2)
    chosen = amount * (session.amount if session.amount is not None else 1.0)
    return _Eased(amount=amount, file=strongest.file, session=replace(
        session.with_sliders(scaled(sliders, amount, held)), amount=min(chosen, most)))


@dataclass(frozen=True, kw_only=True)
class _Loaded:
    """The photo as the retouch found it: decoded (reduced when the export allows), its
    hash, faces and which are retouched (``indices``, the first frames it), the framing,
    the marks that belong to it, the head's top, and the notes so far."""

    photo: Photo
    sha: str
    analysis: FaceAnalysis
    same_photo: bool
    face_index: int | None
    choice: str | tuple[int, ...]
    indices: Sequence[int]
    crop: Crop | None
    angle: float
    marks: Sequence[Mark]
    crown: float | None
    notes: list[str]


def _load(request: RetouchRequest, session: Session, settings: ExportSettings) -> _Loaded:
    """The photo loaded and its faces found; decoded reduced where the export is small
    enough, else (or when that proves too small for its crop) at full size."""
    need = _decoded_side(settings, session, request.framing, request.save_session_to)
    while True:
        photo = _load_getting_ready(request.photo, session, need)
        check_output(settings, request.output, photo.format)  # fail before the slow part
        sha = file_sha256(request.photo)
        notes = list(session.notes)  # e.g. an edit's values migrated from an older version
        analysis, same_photo = _faces_found(session, photo, sha, notes)
        face_index, face = _main_face(session.face if same_photo else None, analysis, notes)
        choice, indices = _retouched_faces(session, analysis, face_index, same_photo, notes)
        framed = analysis.face(indices[0]) if indices else face  # the first face frames it
        crop, angle = _framing(request.framing, session, same_photo, framed,
                               photo.pixels.shape[:2])
        marks = _marks(session, sha, notes, photo.pixels.shape[:2])
        crown = export_crown(photo, analysis, indices, settings, crop)
        if need is None or _reduced_enough(photo, analysis, indices, settings, crop, angle,
                                           crown):
            return _Loaded(photo=photo, sha=sha, analysis=analysis, same_photo=same_photo,
                           face_index=face_index, choice=choice, indices=indices, crop=crop,
                           angle=angle, marks=marks, crown=crown, notes=notes)
        need = None


def _retouch(request: RetouchRequest, start: float) -> RetouchResult:
    session = as_session(request.session)
    settings = _settings(request.export, session, request.keep_metadata)
    _check_percents(request.min_likeness, request.keep_likeness)
    plan = _write_plan(request)
    if request.save_session_to is not None:
        check_room(request.save_session_to)  # a full disk said before the photo is written
    loaded = _load(request, session, settings)
    photo, analysis, indices, notes = loaded.photo, loaded.analysis, loaded.indices, loaded.notes
    least, most = _likeness_to_keep(session, request.keep_likeness)

    measure = _like_you_measure(session, photo, analysis, indices)
    to_me = _to_me(request.budget_to_me, session, measure, notes)
    if to_me is not None and most is None:  # the sliders as they are, eased for you alone
        least, most = 0.0, 1.0
    export = ExportPlan(settings=settings, output=request.output, crop=loaded.crop,
                        angle=loaded.angle, min_likeness=request.min_likeness, write_plan=plan)
    planned = _planned_render(photo, analysis, indices, loaded.marks, export, loaded.crown)

    held = _set_by_hand(session) if request.keep_likeness is None and most is not None else ()
    eased = _eased(photo, analysis, session, indices, planned.render, aim=least,
                   least=_higher(request.min_likeness, least), most=most, held=held,
                   to_me=to_me, written_alone=planned.at_output_scale, probe=planned.probe)
    amount = eased.amount
    if amount is not None and held:
        notes.append(f"the look's amount leaves {', '.join(held)} as set by hand")
    done = write_prepared(photo, eased.file, export, faces=indices)
    if amount is not None and least is not None and done.likeness_percent is not None \
            and done.likeness_percent < least:
        notes.append(f"the likeness {done.likeness_percent:.1f}% is below {least:g}% even "
                     "with the face sliders off (the background and warmth are not eased)")
    like_you = None if measure is None else LikeYou(
        written=measure.like_you_of(eased.file), original=measure.original)
    if done.exported is not None:
        notes += done.exported.notes
        if request.save_session_to is not None:
            _save(request, loaded, eased.session, settings, done.exported, plan)
    return _result(request.photo, done, loaded, start, amount, like_you)


def _save(request: RetouchRequest, loaded: _Loaded, session: Session,
          settings: ExportSettings, exported: ExportResult, plan: WritePlan) -> None:
    """Save the session used, with this photo as its source, where the request asks."""
    indices = loaded.indices
    photo_path = request.photo
    record = replace(
        session,
        source=Source(
            path=Path(os.path.abspath(photo_path)), sha256=loaded.sha,
            bytes=photo_path.stat().st_size,
        ),
        face=loaded.face_index if not indices else indices[0],
        faces=tuple(indices) if isinstance(loaded.choice, tuple) else loaded.choice,
        crop=exported.crop or loaded.crop,
        angle=loaded.angle,
        export=settings,
        analysis=loaded.analysis,
        name=None,
        description=None,
        marks=loaded.marks,
        path=None,
    )
    try:
        save_session(record, request.save_session_to, plan=plan)
    except LikenessError as error:  # the photo is written: say so, not just the failure
        raise LikenessError(
            f"wrote {exported.path}, but the session was not saved: {error}"
        ) from None


def _result(
    input_path: Path, done, loaded: _Loaded, start: float, amount: float | None = None,
    like_you: LikeYou | None = None,
) -> RetouchResult:
    """What became of the file: refused (nothing written) or written, with its size."""
    whose = done.likeness_face
    common = {
        "like_you_percent": None if like_you is None else like_you.written,
        "like_you_original": None if like_you is None else like_you.original,
        "input": input_path,
        "faces": len(loaded.analysis.faces),
        "likeness_percent": done.likeness_percent,
        "likeness_face": whose,
        "likeness_where": "" if whose is None else loaded.analysis.where(whose),
        "amount": amount,
        "seconds": time.perf_counter() - start,
        "notes": tuple(loaded.notes),
    }
    exported: ExportResult | None = done.exported
    if exported is None:
        return RetouchResult(output=None, status=REFUSED, reason=done.refused or "", **common)
    return RetouchResult(
        output=exported.path,
        status=OK,
        width=exported.width,
        height=exported.height,
        bytes=exported.bytes,
        quality=exported.quality,
        **common,
    )


def _write_plan(request: RetouchRequest) -> WritePlan:
    """The run's WritePlan: the photo and the session or look files are never written; the
    output photo and the saved session are."""
    plan = WritePlan(inputs=[request.photo])
    for path in request.inputs:
        plan.add_input(path, "the session or look file")
    plan.add_target(request.output, "photo")
    if request.save_session_to is not None:
        plan.add_target(request.save_session_to, "session")
    return plan


def _faces_found(session: Session, photo, sha: str, notes: list[str]):
    """The session's stored face analysis when it is of this photo, else the faces found
    again; and whether it was the session's own photo."""
    from studio.face import analyze_photo  # start-up

    analysis = session.analysis_for(sha)
    if analysis is not None and (analysis.width, analysis.height) != (photo.width, photo.height):
        notes.append(f"the session's face analysis is for a {analysis.width} x {analysis.height} "
                     f"photo, not this {photo.width} x {photo.height} one: faces found again")
        analysis = None
    if analysis is None:
        return analyze_photo(photo), False
    return analysis, True


def _main_face(face_index: int | None, analysis, notes: list[str]):
    """The face the session chose (None: the largest) and that face, with a note when the
    choice is not in this photo or there is no face at all."""
    if face_index is not None and analysis.face(face_index) is None:
        notes.append(f"face {face_index} is not in this photo: the largest face is used")
        face_index = None
    face = analysis.face(face_index)
    if face is None:
        notes.append("no face found: face edits skipped, likeness not measured")
    return face_index, face

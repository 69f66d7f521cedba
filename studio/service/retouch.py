"""The retouch service: one loaded photo and the user's sliders -> rendered at full size ->
likeness checked -> exported. ``likeness retouch``, the batch workers (both through
``retouch_file``) and the studio's export job call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from studio.edits.marks import Mark
from studio.face.types import FaceAnalysis
from studio.imaging.export import (
    Crop,
    Encoded,
    ExportResult,
    ExportSettings,
    encode_export,
    preset_aspect,
    write_export,
)
from studio.imaging.io import load_bytes
from studio.imaging.photo import Photo
from studio.write_guard import WritePlan

if TYPE_CHECKING:
    from studio.face.likeness import Likeness


@dataclass(frozen=True, kw_only=True)
class RetouchedPhoto:
    """What ``retouch_photo`` did.

    exported : the written file's details, or None when the likeness was below the minimum.
    likeness_percent : 0..100 measured on the file as written, None when there is no face
        to measure.
    refused : why nothing was written (one line), or None.
    likeness_face : with several faces retouched, whose likeness is reported (the lowest), else
        None.
    pixels : the full-size render, float32 (H, W, 3) sRGB (before crop and resize); None when
        only the encoded file was kept.
    """

    exported: ExportResult | None
    likeness_percent: float | None
    refused: str | None = None
    pixels: np.ndarray | None = None
    likeness_face: int | None = None


@dataclass(frozen=True, kw_only=True)
class ExportPlan:
    """How and where a retouched photo is written.

    settings : the export preset and options.
    output : the file to write; never the photo itself (the write guard refuses).
    crop : the framing as fractions of the straightened photo (None: the preset frames the
        head automatically, with headroom above the crown the person matte finds).
    angle : straighten by this many degrees (-15..15), at full resolution.
    min_likeness : refuse (write nothing) below this percent; None: always write.
    write_plan : the run's write plan (``studio.write_guard``): its inputs and other targets
        are never written over; None: the photo alone is protected.
    """

    settings: ExportSettings
    output: str | os.PathLike
    crop: Crop | None = None
    angle: float = 0.0
    min_likeness: float | None = None
    write_plan: WritePlan | None = None


def retouch_photo(
    photo: Photo,
    analysis: FaceAnalysis,
    sliders: Mapping[str, object],
    export: ExportPlan,
    *,
    face_index: int | None = None,
    faces: Sequence[int] | None = None,
    marks: Sequence[Mark] = (),
    look_budget: tuple[Mapping[str, object], float, float] | None = None,
    to_me: tuple[object, float] | None = None,
    progress: Callable[[str], object] | None = None,
) -> RetouchedPhoto:
    """Render ``sliders`` on ``photo`` at full resolution, encode it, measure the likeness on
    the encoded file (what is written), and write it as ``export`` plans (atomically) unless
    the likeness is below its ``min_likeness`` (percent).

    Parameters
    ----------
    photo : the loaded photo (``studio.imaging.load``); never written to.
    analysis : its face analysis, in its pixel coordinates.
    sliders : slider values (keys of ``SLIDERS``; missing ones are neutral).
    export : where and how it is written (:class:`ExportPlan`).
    face_index : the face to retouch and measure (None: the largest).
    faces : several faces to retouch (indices, the first frames the export), each measured:
        the lowest likeness is reported and checked; None: ``face_index`` alone.
    marks : heal / keep / person / background marks in the photo's pixels.
    look_budget : (a look's own sliders, the amount chosen, its likeness budget): instead of
        ``sliders``, the look at the strongest amount <= the one chosen whose written file
        keeps the budget (a note says when that is lower than the one chosen).
    to_me : (the user's photos, ``studio.face.reference.Identity``; the least likeness to
        them, percent): with ``look_budget``, the written file also keeps that likeness to
        you (:func:`within_both`, as ``--budget-to-me``; at most the photo's own figure).
    progress : called with a short status line before each slow step (e.g. a dialog's label).

    Raises LikenessError for problems the user can fix (a bad output, no such face).
    """
    if faces is None:
        faces = [] if analysis.face(face_index) is None else [
            analysis.primary if face_index is None else face_index]
    say = progress or (lambda _text: None)
    say("Rendering at full resolution…")
    from studio.render.everyone import render_faces  # start-up

    if look_budget is not None:
        return _within_budget(photo, analysis, look_budget, export, faces=faces,
                              progress=progress, marks=marks, to_me=to_me)
    rendered = render_faces(photo.pixels, analysis, sliders, faces, marks)
    return export_retouched(photo, analysis, Retouched(pixels=rendered), export, faces=faces,
                            progress=progress)


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """An export made in memory and the likeness of what it will write (the lowest of the
    retouched faces in the written picture): ``percent`` (None: no face measured) and
    ``face``, its index."""

    encoded: Encoded
    likeness: Likeness

    @property
    def percent(self) -> float | None:
        return self.likeness.percent


def written_likeness(photo: Photo, analysis: FaceAnalysis, faces: Sequence[int],
                     encoded: Encoded, framed: np.ndarray | None = None) -> Likeness:
    """The likeness of the file ``encoded`` will write: its decoded pixels against the photo
    framed the same way (turned, cut, resized; ``framed`` when known), on each retouched
    face inside the picture (a face cut off by the frame is not written, so not measured)."""
    from studio.face.likeness import Likeness, lowest_likeness  # start-up

    inside = {}
    for index in faces:
        face = encoded.face(analysis.faces[index])
        if face is not None:
            inside[index] = face
    if not inside:
        return Likeness()
    written = load_bytes(encoded.data, name="the export").pixels
    if framed is None or framed.shape[:2] != written.shape[:2]:  # framed, then shrunk to fit
        framed = encoded.framed(photo.pixels, photo.alpha)
    return lowest_likeness(framed, written, inside)


def written_like_you(analysis: FaceAnalysis, face_index: int, encoded: Encoded,
                     identity) -> float | None:
    """How like ``identity`` (the user's photos, ``studio.face.reference``) face
    ``face_index`` is in the file ``encoded`` will write, percent (None: the frame cuts it
    off). The face is found where the frame puts it, not searched for again."""
    from studio.face.likeness import face_descriptor  # start-up

    face = encoded.face(analysis.faces[face_index])
    if face is None:
        return None
    written = load_bytes(encoded.data, name="the export").pixels
    return identity.like_you(face_descriptor(written, face))


def within_both(floor: float, least_me: float,
                like_you_of: Callable[[Prepared], float | None]) -> Callable[[Prepared], float]:
    """The figure :func:`strongest_written` holds at ``floor`` to keep both the likeness at
    least ``floor`` and the likeness to you (``like_you_of``) at least ``least_me``: ``floor``
    plus the smaller of the two margins, so it reaches ``floor`` when either does."""

    def figure(prepared: Prepared) -> float | None:
        likeness, me = prepared.percent, like_you_of(prepared)
        if me is None or likeness is None:
            return likeness if me is None else me - least_me + floor
        return floor + min(likeness - floor, me - least_me)

    return figure


def export_crown(photo: Photo, analysis: FaceAnalysis, faces: Sequence[int],
                 settings: ExportSettings, crop: Crop | None,
                 progress: Callable[[str], object] | None = None) -> float | None:
    """The top of the first face's head in the photo (photo pixels) when the export frames
    the head itself (no crop of the user's, a preset with an aspect); else None."""
    face = analysis.face(faces[0]) if faces else None
    if crop is not None or face is None or preset_aspect(settings) is None:
        return None
    from studio.face.person import head_top  # start-up

    if progress is not None:
        progress("Framing…")

    return head_top(photo.pixels, face)


def prepare_export(
    photo: Photo,
    analysis: FaceAnalysis,
    rendered: np.ndarray,
    export: ExportPlan,
    *,
    faces: Sequence[int],
    progress: Callable[[str], object] | None = None,
    crown_y: float | None | str = "find",
) -> Prepared:
    """``rendered`` (the full-size render of ``photo``) framed and encoded as ``export``
    plans, in memory, and the likeness measured on the encoded file; the parameters are
    ``retouch_photo``'s, and ``crown_y`` :func:`export_crown`'s answer ("find": found here)."""
    say = progress or (lambda _text: None)
    face = analysis.face(faces[0]) if faces else None
    if crown_y == "find":
        crown_y = export_crown(photo, analysis, faces, export.settings, export.crop, say)
    say("Encoding…")
    encoded = encode_export(
        rendered,
        export.settings,
        export.output,
        landmarks=face.landmarks if face is not None else None,
        crop=export.crop,
        angle=export.angle,
        crown_y=crown_y,
        alpha=photo.alpha,
        exif=photo.exif,
        source_format=photo.format,
        bit_depth=photo.bit_depth,
    )
    say("Checking likeness…")
    return Prepared(encoded=encoded,
                    likeness=written_likeness(photo, analysis, faces, encoded))


@dataclass(frozen=True, kw_only=True)
class StrongestFile:
    """What :func:`strongest_written` found: the strongest amount kept, in ``steps`` of
    ``studio.render.amount.STEP``, and that amount's file as it will be written."""

    steps: int
    file: Prepared


def strongest_written(render: Callable[[dict], Prepared], sliders: Mapping[str, object],
                      steps: int, least: float, held: Sequence[str] = (),
                      figure: Callable[[Prepared], float | None] | None = None,
                      start: int | None = None,
                      probe: Callable[[dict], Prepared] | None = None) -> StrongestFile:
    """The steps and the file of the strongest amount <= ``steps`` (of STEP) of ``sliders`` whose
    file as written (``render``: the render, encoded, its likeness measured) keeps the
    likeness at least ``least``; 0 (the face sliders off) when none does. One render when
    ``steps`` is within, a few otherwise (``studio.render.amount.settle``). ``start``: the
    search is the written file's alone, from that first guess up to ``steps``
    (``studio.render.amount.strongest_steps``; a few renders). ``held`` sliders are not
    scaled. ``figure``: what is held at ``least`` instead of the file's likeness (e.g.
    :func:`within_both`, the likeness and the likeness to you together). ``probe``: measures
    as ``render`` would from less of the file (``studio.service.probe``): the steps are
    found with it and ``render`` makes the chosen file; should that file read below
    ``least`` after all, the steps are settled again on ``render`` alone."""
    from studio.render.amount import STEP, scaled, settle, strongest_steps, unmeasured  # start-up

    figure = figure or (lambda prepared: prepared.percent)

    best: dict[int, Prepared] = {}  # the strongest file within ``least`` so far, by steps
    last: dict[int, Prepared] = {}  # and the last one (a file can be large: no more)

    measure = probe or render

    def likeness_at(at: int) -> float:
        prepared = measure(scaled(sliders, at * STEP, held))
        percent = figure(prepared)
        last.clear()
        last[at] = prepared
        percent = unmeasured(at) if percent is None else percent
        if percent >= least and (not best or at > max(best)):
            best.clear()
            best[at] = prepared
        return percent

    if start is None:
        steps = settle(steps, likeness_at, least)
    else:
        steps = strongest_steps(likeness_at, least, steps, start)
    if probe is not None:
        prepared = render(scaled(sliders, steps * STEP, held))
        percent = figure(prepared)
        if steps > 0 and (unmeasured(steps) if percent is None else percent) < least:
            return strongest_written(render, sliders, steps, least, held, figure, start)
        return StrongestFile(steps=steps, file=prepared)
    prepared = best.get(steps) or last.get(steps) or render(scaled(sliders, steps * STEP, held))
    return StrongestFile(steps=steps, file=prepared)


def write_prepared(
    photo: Photo,
    prepared: Prepared,
    export: ExportPlan,
    *,
    faces: Sequence[int],
    rendered: np.ndarray | None = None,
) -> RetouchedPhoto:
    """Write ``prepared`` where ``export`` plans unless its likeness is below the plan's
    ``min_likeness``."""
    whose = prepared.likeness.face if len(faces) > 1 else None
    refused = _below_minimum(prepared.percent, whose, export.min_likeness)
    if refused is not None:
        return RetouchedPhoto(exported=None, likeness_percent=prepared.percent,
                              refused=refused, pixels=rendered, likeness_face=whose)
    exported = write_export(prepared.encoded, export.output, source=photo.path,
                            plan=export.write_plan)
    return RetouchedPhoto(exported=exported, likeness_percent=prepared.percent,
                          pixels=rendered, likeness_face=whose)


def export_retouched(
    photo: Photo,
    analysis: FaceAnalysis,
    retouched: Retouched,
    export: ExportPlan,
    *,
    faces: Sequence[int],
    progress: Callable[[str], object] | None = None,
) -> RetouchedPhoto:
    """The second half of :func:`retouch_photo`: ``retouched`` (what :func:`render_retouch`
    returns for ``faces``) encoded, its likeness measured on the encoded file, and written
    as ``export`` plans unless that likeness is below its ``min_likeness``; the parameters
    are ``retouch_photo``'s."""
    rendered = retouched.pixels
    prepared = prepare_export(photo, analysis, rendered, export, faces=faces,
                              progress=progress)
    return write_prepared(photo, prepared, export, faces=faces, rendered=rendered)


def _within_budget(photo: Photo, analysis: FaceAnalysis,
                   look_budget: tuple[Mapping[str, object], float, float],
                   export: ExportPlan, *, faces, progress, marks, to_me=None) -> RetouchedPhoto:
    """``retouch_photo`` of a look at its amount, eased until the written file keeps the
    look's budget (and, with ``to_me``, the likeness to you)."""
    from studio.render.amount import STEP  # start-up
    from studio.render.everyone import render_faces  # start-up

    look, amount, least = look_budget
    crown = export_crown(photo, analysis, faces, export.settings, export.crop)

    def render(sliders: dict) -> Prepared:
        rendered = render_faces(photo.pixels, analysis, sliders, faces, marks)
        return prepare_export(photo, analysis, rendered, export, faces=faces,
                              progress=progress, crown_y=crown)

    figure, least_me = _to_me_figure(photo, analysis, faces, least, to_me)
    strongest = strongest_written(render, look, round(amount / STEP), least, figure=figure)
    steps = strongest.steps
    done = write_prepared(photo, strongest.file, export, faces=faces)
    if done.exported is not None and steps * STEP < amount - 1e-6:
        kept = f"likeness at least {least:g}%" + (
            "" if figure is None else f" and at least {least_me:.0f}% like you")
        note = f"written at {steps * STEP:.0%} of the look, not {amount:.0%}, to keep the {kept}"
        done = replace(done, exported=replace(done.exported, notes=(*done.exported.notes, note)))
    return done


def least_like_you(asked: float, original: float | None) -> float:
    """The likeness to you a budget to you keeps, percent: ``asked``, or the photo's own
    figure (``original``) when the photo itself is less like you than that."""
    return float(asked) if original is None else min(float(asked), float(original))


def _to_me_figure(photo: Photo, analysis: FaceAnalysis, faces: Sequence[int], floor: float,
                  to_me) -> tuple[Callable[[Prepared], float] | None, float | None]:
    """(:func:`within_both` of the first retouched face (you), the likeness to you it keeps)
    for ``to_me`` (identity, percent); (None, None) without it, a face or photos of you."""
    if to_me is None or not faces or analysis.face(faces[0]) is None:
        return None, None
    identity, asked = to_me
    if identity is None or identity.mean is None:
        return None, None
    from studio.face.likeness import face_descriptor  # start-up

    original = identity.like_you(face_descriptor(photo.pixels, analysis.faces[faces[0]]))
    least = least_like_you(asked, original)
    return within_both(floor, least, lambda prepared: written_like_you(
        analysis, faces[0], prepared.encoded, identity)), least


@dataclass(frozen=True, kw_only=True)
class Retouched:
    """What :func:`render_retouch` made: the full-size render, float32 (H, W, 3) sRGB, and
    its likeness to the photo, percent 0..100 (None: no face measured); with several faces
    the lowest counts, ``likeness_face`` its index (None with one face)."""

    pixels: np.ndarray
    likeness_percent: float | None = None
    likeness_face: int | None = None


def render_retouch(
    pixels: np.ndarray,
    analysis: FaceAnalysis,
    sliders: Mapping[str, object],
    faces: Sequence[int],
    marks: Sequence[Mark] = (),
    progress: Callable[[str], object] | None = None,
) -> Retouched:
    """The render of the retouch service: ``sliders`` and ``marks`` on ``pixels`` for the
    ``faces`` (indices), and the likeness measured on the rendered pixels (every face; the
    lowest counts). ``retouch_photo`` exports it; the contact sheet shows it."""
    from studio.render.everyone import lowest_likeness, render_faces  # start-up

    rendered = render_faces(pixels, analysis, sliders, faces, marks)
    if not faces or analysis.face(faces[0]) is None:
        return Retouched(pixels=rendered)
    if progress is not None:
        progress("Checking likeness…")
    likeness = lowest_likeness(pixels, rendered, analysis, faces)
    if likeness.percent is None:
        return Retouched(pixels=rendered)
    return Retouched(pixels=rendered, likeness_percent=likeness.percent,
                     likeness_face=likeness.face if len(faces) > 1 else None)


def _below_minimum(
    percent: float | None, whose: int | None, min_likeness: float | None
) -> str | None:
    """Why the picture is not written, when its likeness is below the minimum; else None."""
    if min_likeness is None or percent is None or not percent < float(min_likeness):
        return None
    named = f" (face {whose + 1})" if whose is not None else ""
    return (f"likeness {percent:.1f}%{named} is below the minimum "
            f"{float(min_likeness):g}%: not written")

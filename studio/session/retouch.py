"""The retouch service: one loaded photo and the user's sliders -> rendered at full size ->
likeness checked -> exported. ``likeness retouch``, the batch workers (both through
``retouch_file``) and the studio's export job call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from studio.edits.marks import Mark
from studio.face.types import FaceAnalysis
from studio.imaging.export import Crop, ExportResult, ExportSettings, export_photo, preset_aspect
from studio.imaging.photo import Photo
from studio.write_guard import WritePlan


@dataclass(frozen=True)
class RetouchedPhoto:
    """What ``retouch_photo`` did.

    exported : the written file's details, or None when the likeness was below the minimum.
    likeness_percent : 0..100, None when there is no face to measure.
    refused : why nothing was written (one line), or None.
    likeness_face : with several faces retouched, whose likeness is reported (the lowest), else
        None.
    pixels : the full-size render, float32 (H, W, 3) sRGB (before crop and resize).
    """

    exported: ExportResult | None
    likeness_percent: float | None
    refused: str | None
    pixels: np.ndarray
    likeness_face: int | None = None


def retouch_photo(
    photo: Photo,
    analysis: FaceAnalysis,
    sliders: Mapping[str, object],
    settings: ExportSettings,
    output_path: str | os.PathLike,
    *,
    face_index: int | None = None,
    crop: Crop | None = None,
    angle: float = 0.0,
    min_likeness: float | None = None,
    progress: Callable[[str], object] | None = None,
    plan: WritePlan | None = None,
    faces: Sequence[int] | None = None,
    marks: Sequence[Mark] = (),
) -> RetouchedPhoto:
    """Render ``sliders`` on ``photo`` at full resolution, measure the likeness on the
    rendered pixels, and export them to ``output_path`` (atomically) unless the likeness is
    below ``min_likeness`` (percent).

    Parameters
    ----------
    photo : the loaded photo (``studio.imaging.load``); never written to.
    analysis : its face analysis, in its pixel coordinates.
    sliders : slider values (keys of ``SLIDERS``; missing ones are neutral).
    settings : the export preset and options.
    output_path : the file to write; never the photo itself (``export_photo`` refuses).
    face_index : the face to retouch and measure (None: the largest).
    faces : several faces to retouch (indices, the first frames the export), each measured:
        the lowest likeness is reported and checked; None: ``face_index`` alone.
    crop : the framing as fractions of the straightened photo (None: the preset frames the
        head automatically, with headroom above the crown the person matte finds).
    angle : straighten by this many degrees (-15..15), at full resolution.
    min_likeness : refuse (write nothing) below this percent; None: always write.
    progress : called with a short status line before each slow step (e.g. a dialog's label).
    plan : the run's write plan (``studio.write_guard``): its inputs and other targets are
        never written over; None: the photo alone is protected.
    marks : heal / keep / person / background marks in the photo's pixels.

    Raises LikenessError for problems the user can fix (a bad output, no such face).
    """
    if faces is None:
        faces = [] if analysis.face(face_index) is None else [
            analysis.primary if face_index is None else face_index]
    say = progress or (lambda _text: None)
    say("Rendering at full resolution…")
    rendered, percent, whose = render_retouch(photo.pixels, analysis, sliders, faces, marks, say)
    return export_retouched(
        photo, analysis, (rendered, percent, whose), settings, output_path, faces=faces,
        crop=crop, angle=angle, min_likeness=min_likeness, progress=progress, plan=plan,
    )


def export_retouched(
    photo: Photo,
    analysis: FaceAnalysis,
    retouched: tuple[np.ndarray, float | None, int | None],
    settings: ExportSettings,
    output_path: str | os.PathLike,
    *,
    faces: Sequence[int],
    crop: Crop | None = None,
    angle: float = 0.0,
    min_likeness: float | None = None,
    progress: Callable[[str], object] | None = None,
    plan: WritePlan | None = None,
) -> RetouchedPhoto:
    """The second half of :func:`retouch_photo`: ``retouched`` (what :func:`render_retouch`
    returns for ``faces``) exported to ``output_path``, unless its likeness is below
    ``min_likeness``; the parameters are ``retouch_photo``'s."""
    say = progress or (lambda _text: None)
    rendered, percent, whose = retouched
    face = analysis.face(faces[0]) if faces else None
    refused = _below_minimum(percent, whose, min_likeness)
    if refused is not None:
        return RetouchedPhoto(None, percent, refused, rendered, whose)
    crown_y = None
    if crop is None and face is not None and preset_aspect(settings) is not None:
        from studio.edits.background import head_top

        say("Framing…")
        crown_y = head_top(photo.pixels, face)
    say("Encoding…")
    exported = export_photo(
        rendered,
        settings,
        output_path,
        landmarks=face.landmarks if face is not None else None,
        crop=crop,
        angle=angle,
        crown_y=crown_y,
        alpha=photo.alpha,
        exif=photo.exif,
        source_format=photo.format,
        bit_depth=photo.bit_depth,
        source=photo.path,
        plan=plan,
    )
    return RetouchedPhoto(exported, percent, None, rendered, whose)


def render_retouch(
    pixels: np.ndarray,
    analysis: FaceAnalysis,
    sliders: Mapping[str, object],
    faces: Sequence[int],
    marks: Sequence[Mark] = (),
    progress: Callable[[str], object] | None = None,
) -> tuple[np.ndarray, float | None, int | None]:
    """The render of the retouch service: ``sliders`` and ``marks`` on ``pixels`` for the
    ``faces`` (indices), and the likeness measured on the rendered pixels (every face; the
    lowest counts). Returns (pixels, percent or None, whose index or None with one face).
    ``retouch_photo`` exports it; the contact sheet shows it."""
    from studio.face import likeness_percent
    from studio.render.everyone import lowest_likeness, render_faces

    rendered = render_faces(pixels, analysis, sliders, faces, marks)
    if not faces or analysis.face(faces[0]) is None:
        return rendered, None, None
    if progress is not None:
        progress("Checking likeness…")
    # The promise, checked on the pixels that are written (every face).
    distance, lowest = lowest_likeness(pixels, rendered, analysis, faces)
    if distance is None:
        return rendered, None, None
    return rendered, float(likeness_percent(distance)), lowest if len(faces) > 1 else None


def _below_minimum(
    percent: float | None, whose: int | None, min_likeness: float | None
) -> str | None:
    """Why the picture is not written, when its likeness is below the minimum; else None."""
    if min_likeness is None or percent is None or not percent < float(min_likeness):
        return None
    named = f" (face {whose + 1})" if whose is not None else ""
    return (f"likeness {percent:.1f}%{named} is below the minimum "
            f"{float(min_likeness):g}%: not written")

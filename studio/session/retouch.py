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
    from studio.face import likeness_percent
    from studio.render.everyone import lowest_likeness, render_faces

    if faces is None:
        faces = [] if analysis.face(face_index) is None else [
            analysis.primary if face_index is None else face_index]
    say = progress or (lambda _text: None)
    say("Rendering at full resolution…")
    rendered = render_faces(photo.pixels, analysis, sliders, faces, marks)
    face = analysis.face(faces[0]) if faces else None
    percent = whose = None
    if face is not None:  # the promise, checked on the pixels that are written (every face)
        say("Checking likeness…")
        distance, lowest = lowest_likeness(photo.pixels, rendered, analysis, faces)
        if distance is not None:
            percent = float(likeness_percent(distance))
            whose = lowest if len(faces) > 1 else None
    if min_likeness is not None and percent is not None and percent < float(min_likeness):
        named = f" (face {whose + 1})" if whose is not None else ""
        refused = (f"likeness {percent:.1f}%{named} is below the minimum "
                   f"{float(min_likeness):g}%: not written")
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

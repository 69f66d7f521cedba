"""The retouch service: one loaded photo and the user's sliders -> rendered at full size ->
likeness checked -> exported. ``likeness retouch``, the batch workers (both through
``retouch_file``) and the studio's export job call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from studio.face.types import FaceAnalysis
from studio.imaging.export import Crop, ExportResult, ExportSettings, export_photo
from studio.imaging.photo import Photo
from studio.write_guard import WritePlan


@dataclass(frozen=True)
class RetouchedPhoto:
    """What ``retouch_photo`` did.

    exported : the written file's details, or None when the likeness was below the minimum.
    likeness_percent : 0..100, None when there is no face to measure.
    refused : why nothing was written (one line), or None.
    pixels : the full-size render, float32 (H, W, 3) sRGB (before crop and resize).
    """

    exported: ExportResult | None
    likeness_percent: float | None
    refused: str | None
    pixels: np.ndarray


def retouch_photo(
    photo: Photo,
    analysis: FaceAnalysis,
    sliders: Mapping[str, object],
    settings: ExportSettings,
    output_path: str | os.PathLike,
    *,
    face_index: int | None = None,
    crop: Crop | None = None,
    min_likeness: float | None = None,
    progress: Callable[[str], object] | None = None,
    plan: WritePlan | None = None,
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
    crop : the framing as fractions of the photo (None: the preset decides).
    min_likeness : refuse (write nothing) below this percent; None: always write.
    progress : called with a short status line before each slow step (e.g. a dialog's label).
    plan : the run's write plan (``studio.write_guard``): its inputs and other targets are
        never written over; None: the photo alone is protected.

    Raises LikenessError for problems the user can fix (a bad output, no such face).
    """
    from studio.face import likeness_distance, likeness_percent
    from studio.render import render_photo

    say = progress or (lambda _text: None)
    say("Rendering at full resolution…")
    rendered = render_photo(photo.pixels, analysis, sliders, face_index=face_index)
    face = analysis.face(face_index)
    percent = None
    if face is not None:  # the promise, checked on the pixels that are written
        say("Checking likeness…")
        distance = likeness_distance(photo.pixels, rendered, face)
        if distance is not None:
            percent = float(likeness_percent(distance))
    if min_likeness is not None and percent is not None and percent < float(min_likeness):
        refused = f"likeness {percent:.1f}% is below the minimum {float(min_likeness):g}%: not written"
        return RetouchedPhoto(None, percent, refused, rendered)
    say("Encoding…")
    exported = export_photo(
        rendered,
        settings,
        output_path,
        landmarks=face.landmarks if face is not None else None,
        crop=crop,
        alpha=photo.alpha,
        exif=photo.exif,
        source_format=photo.format,
        bit_depth=photo.bit_depth,
        source=photo.path,
        plan=plan,
    )
    return RetouchedPhoto(exported, percent, None, rendered)

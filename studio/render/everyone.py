"""Retouching several faces at once ("everyone" in a team photo, or a chosen few): which
faces a choice means, the one-off render of them and the likeness of the lowest.

The rendering itself is the pipeline's (``Retoucher(pixels, analysis, faces=[...])``): each
chosen face gets the same sliders with its own masks (its own skin, protected features and
light), on the original pixels, added within its own head region; the photo-wide edits
(background, warmth) run once, with a person matte that covers every chosen person, so
nobody chosen is blurred or replaced as background.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from studio.errors import LikenessError
from studio.face.likeness import Likeness
from studio.face.likeness import lowest_likeness as lowest
from studio.face.types import FaceAnalysis
from studio.render.retoucher import Retoucher

#: What ``--faces`` and the session's "faces" accept besides a list of face numbers.
ALL, PRIMARY = "all", "primary"


def chosen_faces(choice: str | Sequence[int] | None, analysis: FaceAnalysis | None,
                 face_index: int | None = None) -> list[int]:
    """The face indices a choice means on ``analysis``: "all" every face, "primary" (or None)
    the one face ``face_index`` (default the largest), a list those faces (LikenessError for
    a number the photo does not have). [] when the photo has no face."""
    if analysis is None or not analysis.faces:
        return []
    if choice is None or choice == PRIMARY:
        index = analysis.primary if face_index is None else face_index
        return [] if index is None else [index]
    if choice == ALL:
        return list(range(len(analysis.faces)))
    indices = list(dict.fromkeys(int(i) for i in choice))
    missing = [i for i in indices if not 0 <= i < len(analysis.faces)]
    if missing:
        raise LikenessError(
            f"there is no face number {missing[0] + 1} (the photo has {len(analysis.faces)})"
        )
    return indices


def render_faces(pixels: np.ndarray, analysis: FaceAnalysis | None,
                 sliders: Mapping[str, object], faces: Sequence[int], marks=()) -> np.ndarray:
    """Render ``sliders`` at full resolution on every face in ``faces`` and the ``marks``
    (in ``pixels``' coordinates): one-off, an export."""
    return Retoucher(pixels, analysis, faces=faces, preview=False).render(sliders, tuple(marks))


def lowest_likeness(original: np.ndarray, edited: np.ndarray, analysis: FaceAnalysis | None,
                    faces: Sequence[int]):
    """The :class:`~studio.face.likeness.Likeness` of the chosen ``faces`` (indices into
    ``analysis``): the one the likeness meter shows and ``--min-likeness`` checks."""
    if analysis is None:
        return Likeness()
    return lowest(original, edited, {i: analysis.faces[i] for i in faces})

"""Retouching several faces at once ("everyone" in a team photo, or a chosen few).

Each chosen face gets the same sliders with its own masks (its own skin, protected features
and light): its face edits are made by a :class:`Retoucher` of that face, on the original
pixels, and added to the photo within its own head region. The photo-wide edits (background,
warmth) then run once, through the first chosen face's retoucher, with a person matte that
covers every chosen person, so nobody chosen is blurred or replaced as background.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import numpy as np

from studio.edits import protocol
from studio.errors import LikenessError
from studio.face.person import person_alpha
from studio.face.types import FaceAnalysis
from studio.render.retoucher import Retoucher, normalise_sliders

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


class GroupRetoucher:
    """Renders slider values on every face in ``faces`` (indices into ``analysis``).

    The same interface as :class:`Retoucher` for what the studio and the command line use
    (``render``, ``prepare_all``, ``masks``, ``face``, ``layers``); the first face in
    ``faces`` is the main one (its masks are the ones shown)."""

    def __init__(self, pixels: np.ndarray, analysis: FaceAnalysis | None, faces: Sequence[int]):
        if not faces:
            raise ValueError("a group needs at least one face")
        self.pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        self.analysis = analysis
        self.faces = list(faces)
        self.main = Retoucher(self.pixels, analysis, self.faces[0])
        self.others = [Retoucher(self.pixels, analysis, i) for i in self.faces[1:]]
        self.face = self.main.face
        self.layers = self.main.layers
        self._lock = threading.RLock()
        self._face_keys = tuple(sorted(protocol.face_keys()))
        self._alpha: np.ndarray | None = None
        #: The face sliders the others' edits were last added for, and the photo they made.
        self._edited: tuple[tuple, np.ndarray] | None = None

    def people_alpha(self) -> np.ndarray:
        """The person matte of every chosen person (the largest of their mattes per pixel)."""
        with self._lock:
            if self._alpha is None:
                # one matte pass for the whole group (a whole-photo matte per person cost
                # ~0.4 s each on a preview: 2.9 s of the first "everyone" preview of 7 faces)
                others = [o.layers.face for o in self.others if o.layers.face is not None]
                face = self.main.layers.face
                if face is None or not others:
                    alpha = np.array(self.main.layers.person_alpha, np.float32, copy=True)
                else:
                    alpha = person_alpha(self.pixels, face, others)
                self._alpha = alpha
                # the main retoucher's background is made (and composited) with everyone's
                # matte: its layers' matte (a cached property) is set before it is prepared
                _use_alpha(self.main, alpha)
            return self._alpha

    @property
    def found_matte(self) -> np.ndarray:
        """Everyone's person matte as found (before the main person's own corrections)."""
        return self.people_alpha()

    def use_found_matte(self, alpha: np.ndarray) -> None:
        """Use ``alpha`` as everyone's matte, before anything reads it (see
        ``Retoucher.use_found_matte``)."""
        with self._lock:
            self._alpha = np.asarray(alpha, np.float32)
            _use_alpha(self.main, self._alpha)

    def prepare_all(self) -> None:
        self.people_alpha()
        self.main.prepare_all()
        for other in self.others:
            for key in self._face_keys:
                other.prepared(key)

    def set_marks(self, marks) -> None:
        """The marks (in this photo's pixels) the main face's render applies."""
        self.main.set_marks(marks)

    @property
    def _marks(self):
        return self.main._marks

    def render(self, sliders: Mapping[str, object], marks=None) -> np.ndarray:
        """The photo with ``sliders`` on every chosen face and ``marks`` (this photo's pixels;
        None: those set before), float32 (H, W, 3)."""
        values = normalise_sliders(sliders)
        self.people_alpha()
        with self._lock:
            if marks is not None:
                self.main.set_marks(marks)
            photo = self._with_others(values)
            if photo is self.pixels:
                return self.main.render(values)
            # the main face and the photo-wide edits on the photo that holds the others' edits,
            # with the main retoucher's prepared layers (they come from the original pixels)
            self.main.prepared("bg_blur")  # the background, with everyone's matte
            last = Retoucher(photo, self.analysis, self.faces[0], preview=False)
            _use_alpha(last, self.people_alpha())
            last._prepared = self.main._prepared
            return last.render(values, self.main._marks.marks)

    def _with_others(self, values: dict) -> np.ndarray:
        """The original pixels with the other faces' face edits added in their head regions."""
        key = tuple(values[k] for k in self._face_keys)
        if all(v == 0 for v in key) or not self.others:
            return self.pixels
        if self._edited is not None and self._edited[0] == key:
            return self._edited[1]
        face_only = {k: values[k] for k in self._face_keys}
        photo = self.pixels.copy()
        for other in self.others:
            if not other.layers.has_face:
                continue
            roi = other.layers.roi
            edited = other.render(face_only)
            # changes add up where two heads' regions overlap (a face in front of another)
            photo[roi] += edited[roi] - self.pixels[roi]
        np.clip(photo, 0.0, 1.0, out=photo)
        self._edited = (key, photo)
        return photo

    def masks(self) -> dict[str, np.ndarray]:
        masks = self.main.masks()
        masks["background"] = (1.0 - self.people_alpha()).astype(np.float32)
        return masks


def render_faces(pixels: np.ndarray, analysis: FaceAnalysis | None,
                 sliders: Mapping[str, object], faces: Sequence[int], marks=()) -> np.ndarray:
    """Render ``sliders`` at full resolution on every face in ``faces`` and the ``marks``
    (in ``pixels``' coordinates): one-off, an export."""
    if len(faces) <= 1:
        from studio.render.retoucher import render_photo

        return render_photo(pixels, analysis, sliders, face_index=faces[0] if faces else None,
                            marks=marks)
    return GroupRetoucher(pixels, analysis, faces).render(sliders, tuple(marks))


def lowest_likeness(original: np.ndarray, edited: np.ndarray, analysis: FaceAnalysis | None,
                    faces: Sequence[int]):
    """The :class:`~studio.face.likeness.Likeness` of the chosen ``faces`` (indices into
    ``analysis``): the one the likeness meter shows and ``--min-likeness`` checks."""
    from studio.face.likeness import Likeness
    from studio.face.likeness import lowest_likeness as lowest

    if analysis is None:
        return Likeness()
    return lowest(original, edited, {i: analysis.faces[i] for i in faces})


def _use_alpha(retoucher: Retoucher, alpha: np.ndarray) -> None:
    """Make ``alpha`` the person matte of ``retoucher``'s layers (before its background is
    prepared): ``PhotoLayers.person_alpha`` is a cached property, kept in the instance."""
    retoucher.layers.__dict__["person_alpha"] = alpha

"""The render pipeline: one photo, its prepared layers, any slider values -> pixels.

The edits follow one protocol (``studio.edits.protocol``); this module alone knows about
stages, regions, bands, columns, stage caches and buffer reuse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import ModuleType

import cv2
import numpy as np

from studio.edits import protocol
from studio.edits.marks import Mark
from studio.edits.protocol import Region
from studio.edits.sliders import check_sliders, slider
from studio.errors import LikenessError
from studio.face.layers import PhotoLayers
from studio.face.types import Face, FaceAnalysis
from studio.imaging.filters import ColumnRun, background_columns, row_bands
from studio.imaging.threads import each
from studio.render.light import apply_log_gain
from studio.render.marking import PhotoMarks

#: Largest photo whose person share is kept for fast background slider moves, pixels.
SHARES_MAX_PIXELS = 4_000_000

Part = tuple[slice, slice]

#: Not prepared yet (an edit's preparation may be None).
_MISSING = object()


def normalise_sliders(sliders: Mapping[str, object]) -> dict[str, float | str | None]:
    """Validated slider values; missing keys and None (for numbers) mean neutral."""
    return check_sliders(
        {k: v for k, v in sliders.items() if not (v is None and slider(str(k)).kind == "number")}
    )


def _active(edits: tuple[ModuleType, ...], values: Mapping[str, object]) -> list:
    """(edit, params) of the ``edits`` whose params change something, in order."""
    chosen = [(edit, protocol.params_for(edit, values)) for edit in edits]
    return [(edit, params) for edit, params in chosen if not params.is_neutral()]


class _Stage:
    """One stage's last result: the slider values it was made for and its array."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.array: np.ndarray | None = None

    def holds(self, key: tuple) -> bool:
        return self.array is not None and self.key == key

    def keep(self, key: tuple | None, array: np.ndarray | None) -> None:
        self.key, self.array = key, array


class Retoucher:
    """Renders slider values on one photo; per-photo work is prepared lazily and cached.

    Parameters
    ----------
    pixels : float32 (H, W, 3) sRGB in [0, 1]; not modified, and must not be modified later.
    analysis : the photo's FaceAnalysis in the same pixel coordinates (or None).
    face_index : which face to retouch; None picks the primary (largest).
    faces : the faces to retouch (indices into ``analysis``; overrides ``face_index``): each
        gets the sliders with its own masks and light, on the original pixels, and one person
        matte keeps all of them whole (nobody chosen is blurred as background). The first is
        the main face: its masks are the ones shown, its keep marks the ones kept.
    preview : True for a photo whose sliders move (the studio's preview): the last result of
        each stage is kept, so a move redoes only its stage and those after it. False for a
        one-off render (an export): no stage is kept, and the photo is made band by band in
        one array. Both give the same bits (docs/architecture.md, "Two rules every render
        follows").
    """

    def __init__(
        self,
        pixels: np.ndarray,
        analysis: FaceAnalysis | None,
        face_index: int | None = None,
        preview: bool = True,
        faces: Sequence[int] = (),
    ):
        pixels = np.asarray(pixels)
        if pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(f"pixels must be (H, W, 3), not {pixels.shape}")
        self.pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        self.analysis = analysis
        faces = list(faces)
        if faces:
            face_index = faces[0]
        index, face = _face(analysis, face_index)
        self.face = face
        #: The retouched faces (indices into ``analysis``), the main one first.
        self.faces: tuple[int, ...] = tuple(faces) if faces else (() if face is None else (index,))
        self.preview = preview
        #: Whether the last head stage is kept for the next render (a preview's always; an
        #: export's whose amount is settled on its faces' box, then rendered whole).
        self.keeps_head = preview
        # The other chosen faces: their face and light edits only (the scene is this one's).
        self._others = [Retoucher(self.pixels, analysis, i, preview=preview) for i in faces[1:]]
        others = [other.face for other in self._others if other.face is not None]
        self.layers = PhotoLayers(self.pixels, face, others if face is not None else ())
        # A one-off render uses a big head's fields once: enlarged band by band where they are
        # added; a preview enlarges them whole once, for every slider move (the same bits).
        self.layers.fields_in_bands = not preview
        self._prepared: dict[str, object] = {}
        self._lock = threading.RLock()
        # The last result of each stage (preview only) and the slider values it was made for.
        self._head = _Stage()
        self._background = _Stage()
        self._photo = _Stage()
        #: The photo stage's own slider values its array was last made with.
        self._photo_values: tuple | None = None
        self._columns: list[Part] | None = None
        self._marks = PhotoMarks((), self.layers)
        #: The person matte as found, before the person's corrections (once there are some).
        self._found_matte: np.ndarray | None = None
        #: The face sliders the other faces' edits were last added for, and the photo they made.
        self._edited: tuple[tuple, np.ndarray] | None = None

    # ---- the person matte ----------------------------------------------------------------
    @property
    def found_matte(self) -> np.ndarray:
        """The person matte as found, before the person's own corrections (strokes)."""
        return self.layers.person_alpha if self._found_matte is None else self._found_matte

    def use_found_matte(self, alpha: np.ndarray) -> None:
        """Use ``alpha`` as the person matte as found, before anything reads it: a larger
        photo's matte cut to this one (the studio's 100% zoom region, whose own pixels may not
        hold the face that says who the person is)."""
        self.layers.set_person_alpha(alpha)

    # ---- marks ---------------------------------------------------------------------------
    def set_marks(self, marks: Sequence[Mark]) -> None:
        """Use these marks (in this photo's pixels) from the next render on. Only what they
        change is made again: keep marks, the head stage; person / background strokes, the
        matte and what reads it (the background edits' preparation and stages)."""
        with self._lock:
            old, new = self._marks, PhotoMarks(marks, self.layers)
            if new.marks == old.marks:
                return
            self._marks = new
            if new.keeps != old.keeps:
                self._head.keep(None, None)
            if new.matte != old.matte:
                if self._found_matte is None:
                    self._found_matte = self.layers.person_alpha
                self.layers.set_person_alpha(new.alpha(self._found_matte))
                for edit in protocol.edits(["background"]):
                    self._prepared.pop(edit.__name__, None)
                self._background.keep(None, None)
                self._photo.keep(None, None)
                self._photo_values = None
                self._columns = None

    # ---- cached preparation --------------------------------------------------------------
    def prepared(self, key: str):
        """The prepared data of the edit that reads slider ``key`` (computed once)."""
        return self._prepared_for(protocol.edit_for(key))

    def _prepared_for(self, edit: ModuleType):
        # Without the lock first (one atomic look-up): a band's thread asks while the render
        # that handed it the band holds the lock.
        known = self._prepared.get(edit.__name__, _MISSING)
        if known is not _MISSING:
            return known
        with self._lock:
            if edit.__name__ not in self._prepared:
                self._prepared[edit.__name__] = edit.prepare(self.layers)
            return self._prepared[edit.__name__]

    def prepare_all(self) -> None:
        """Prepare every edit now (e.g. in a worker, before the first slider move)."""
        for edit in protocol.edits():
            self._prepared_for(edit)
        for other in self._others:
            for edit in protocol.edits(protocol.FACE_STAGES):
                other._prepared_for(edit)

    # ---- render ------------------------------------------------------------------------
    def render(
        self, sliders: Mapping[str, object], marks: Sequence[Mark] | None = None
    ) -> np.ndarray:
        """The photo with ``sliders`` and the marks applied, float32 (H, W, 3), a new array
        each time; ``marks`` (in this photo's pixels) replace those set before (None: the
        same ones). Heal marks are healed last, on the finished picture.

        Every slider neutral (or absent) returns a copy equal to the input bit for bit; the
        same input and sliders always give the same bits, kept stages or not.

        Stages: the face and light edits (head region only), the background edits (whole
        photo, on the original pixels), the photo edits (whole photo). The head region is then
        composited and finished again on its own, so a face slider costs about the head's
        pixels, not the photo's. Every stage is per pixel outside the head, so the result does
        not depend on what was kept.
        """
        values = normalise_sliders(sliders)
        with self._lock:
            if marks is not None:
                self.set_marks(marks)
            used = self._marks
            base = self._with_others(values)
            head = self._head_stage(values, base)
            skip = self.layers.roi if head is not None else None
            if base is not self.pixels:  # the scene on the photo that holds the others' edits
                out = self._scene_once(values, skip, base)
            elif self.preview:
                out = self._scene(values, skip)
            else:
                out = self._scene_once(values, skip)
        if head is not None:
            roi = self.layers.roi
            self._compose(head, roi, out[roi], values, self._finisher(out, values, roi))
        return used.heal(out)

    def render_box(self, sliders: Mapping[str, object], box: Part) -> np.ndarray:
        """``render(sliders)[box]`` (rows, columns of the photo), the same bits, made for the
        box's rows alone: the face edits over the head region, the background and photo edits
        only in the bands of rows the box meets (each cut into runs of columns as a whole
        render cuts it, so the bits are its own). An export's amount is settled on its faces'
        box of the written file this way before the whole photo is rendered once. Not with
        heal marks: a heal reads round its mark (render the whole photo)."""
        values = normalise_sliders(sliders)
        rows = box[0]
        with self._lock:
            if self._marks.heals:
                raise ValueError("a photo with heal marks is rendered whole")
            base = self._with_others(values)
            head = self._head_stage(values, base)
            skip = self.layers.roi if head is not None else None
            out = self._scene_once(values, skip, base, rows)
        if head is not None:
            roi, top = skip, skip[0].start
            self._compose(head, roi, out[roi], values, self._finisher(out, values, roi),
                          slice(rows.start - top, rows.stop - top))
        return np.ascontiguousarray(out[box])

    def _scene(self, values: dict, skip: Part | None) -> np.ndarray:
        """The whole photo through the background and photo stages, from the kept stages
        where their slider values did not change (a copy)."""
        background_key = protocol.key_values(protocol.edits(["background"]), values)
        photo_values = protocol.key_values(protocol.edits(["photo"]), values)
        photo_key = (background_key, photo_values)
        # The stages' old arrays are written over when they are the stage's own (never
        # returned: render returns copies).
        old_background = self._stage_array(self._background)
        old_photo = self._stage_array(self._photo)
        if old_photo is old_background:
            old_photo = None
        if not self._background.holds(background_key):
            # From the second background on (a background slider moves), the person's share of
            # every pixel is kept (on preview-sized photos: it is two photo-sized arrays):
            # then a move costs one multiply-add per pixel.
            h, w = self.pixels.shape[:2]
            share = self._background.array is not None and h * w <= SHARES_MAX_PIXELS
            self._background.keep(None, None)
            self._photo.keep(None, None)
            # An old background array already holds the photo where the person is: only the
            # columns that show background are made again.
            made = self._background_stage(
                self.pixels, values, None, out=old_background, person_share=share,
                out_has_person=old_background is not None,
            )
            self._background.keep(background_key, made)
        if not self._photo.holds(photo_key):
            self._photo.keep(None, None)
            base = self._background.array
            made = base
            if _active(protocol.edits(["photo"]), values) and old_photo is not base:
                # Only the background changed since the old array was made with these photo
                # values: the person's columns are finished already.
                parts = None
                if old_photo is not None and self._photo_values == photo_values:
                    parts = self._background_parts()
                made = self._photo_stage(base, values, old_photo, parts)
                self._photo_values = photo_values
            self._photo.keep(photo_key, made)
        return self._photo.array.copy()

    def _with_others(self, values: dict) -> np.ndarray:
        """The photo with the other chosen faces' face and light edits added in their head
        regions (changes add up where two heads' regions overlap: a face in front of another);
        the photo's pixels themselves when there is nothing to add."""
        face_keys = sorted(protocol.face_keys())
        key = tuple(values[k] for k in face_keys)
        if not self._others or all(v == 0 for v in key):
            return self.pixels
        if self._edited is not None and self._edited[0] == key:
            return self._edited[1]
        face_only = {k: values[k] for k in face_keys}
        photo = self.pixels.copy()
        for other in self._others:
            head = other._head_stage(face_only) if other.layers.has_face else None
            if head is not None:
                roi = other.layers.roi
                photo[roi] += head - self.pixels[roi]
        np.clip(photo, 0.0, 1.0, out=photo)
        self._edited = (key, photo)
        return photo

    def _scene_once(self, values: dict, skip: Part | None,
                    base: np.ndarray | None = None, rows: slice | None = None) -> np.ndarray:
        """``_scene`` without keeping stages: one photo-sized array, composited and finished
        band by band (the head region ``skip`` is left unfinished: it is made again). ``base``:
        the photo to start from (default its pixels; the prepared layers are still the
        pixels'). ``rows``: only the bands that meet these rows are made (the rest of the
        array is left as it is)."""
        base = self.pixels if base is None else base
        out = np.empty_like(base)
        width = out.shape[1]
        finish = None
        if self._photo_edits_ready(values):
            def finish(rows: slice) -> None:
                # Each band is finished while the background's pixels are in the cache.
                self._photo_stage(out, values, out, _outside(rows, width, skip))

        self._compose(base, None, out, values, finish, rows)
        return out

    def _finisher(self, out: np.ndarray, values: dict, roi: Part) -> Callable | None:
        """What finishes each band of rows of the head region ``roi`` of ``out`` (the photo
        stage, in place), or None when no photo edit is on."""
        if not self._photo_edits_ready(values):
            return None
        top, cols = roi[0].start, roi[1]

        def finish(rows: slice) -> None:
            self._photo_stage(out, values, out, [(slice(top + rows.start, top + rows.stop), cols)])

        return finish

    def _photo_edits_ready(self, values: dict) -> bool:
        """Whether a photo edit is on; the active ones are prepared now, before the bands
        that finish them go to the threads (which must not wait for the render's lock)."""
        active = _active(protocol.edits(["photo"]), values)
        for edit, _ in active:
            self._prepared_for(edit)
        return bool(active)

    def _compose(
        self, pixels: np.ndarray, box: Part | None, target: np.ndarray, values: dict, on_band,
        rows: slice | None = None,
    ) -> None:
        """``pixels`` (the photo, or its region ``box``) through the background stage into
        ``target``, each band of rows handed to ``on_band`` once done; only the bands that
        meet ``rows`` (of ``pixels``) when given."""
        if self._background_stage(pixels, values, box, out=target, after_band=on_band,
                                  rows=rows) is pixels:
            for band in _meeting(row_bands(*pixels.shape[:2]), rows):
                target[band] = pixels[band]
                if on_band is not None:
                    on_band(band)

    def _stage_array(self, stage: _Stage) -> np.ndarray | None:
        """A kept stage's array when it is the stage's own (not the photo's pixels)."""
        if stage.array is None or stage.array is self.pixels:
            return None
        return stage.array

    def _background_parts(self) -> list[Part]:
        """(rows, cols) of the photo where a background edit can change anything: the columns
        of each band of rows that show some background."""
        if self._columns is None:
            h, w = self.pixels.shape[:2]
            columns = background_columns(self.layers.person_alpha, slice(0, h), slice(0, w))
            self._columns = [
                (band, slice(run.start, run.stop))
                for band, runs in zip(row_bands(h, w), columns, strict=True)
                for run in runs
            ]
        return self._columns

    # ---- the stages ----------------------------------------------------------------------
    def _head_stage(self, values: dict, base: np.ndarray | None = None) -> np.ndarray | None:
        """The head region (ROI) with the face and light edits, clipped to [0, 1]; None when
        none is on. ``base``: the photo whose head region they start from (default its
        pixels; another face's edits may reach into it)."""
        edits = protocol.edits(protocol.FACE_STAGES)
        if not self.layers.has_face or not _active(edits, values):
            return None
        key = protocol.key_values(edits, values)
        if self._head.holds(key):
            return self._head.array
        head, owned, gain = self._head_input(base), False, None
        # The first edit that changes anything makes a new array; the next ones write into it.
        for edit in edits:
            if edit.STAGE != "light" and gain is not None:
                head, owned, gain = self._relit(head, owned, gain)
            params = protocol.params_for(edit, values)
            if params.is_neutral():
                continue
            region = Region(head, self._prepared_for(edit), self.layers.roi)
            if edit.STAGE == "light":
                # Consecutive light edits add their log gains: one linear-light pass for all.
                added = edit.process(region, params, gain)
                gain = added if added is not None else gain
                continue
            new = edit.process(region, params, head if owned else None)
            owned, head = owned or new is not head, new
        if gain is not None:
            head, owned, _ = self._relit(head, owned, gain)
        # Edits may overshoot [0, 1] by a hair; only the edited region is clipped.
        if owned:
            np.clip(head, 0.0, 1.0, out=head)
        else:
            head = np.clip(head, 0.0, 1.0)
        head = self._marks.keep(head)  # under a keep mark, the pixels as they were
        if self.keeps_head:
            self._head.keep(key, head)
        return head

    def _head_input(self, base: np.ndarray | None) -> np.ndarray:
        """The head region the face edits start from: of ``base``, or of the photo's pixels."""
        if base is None or base is self.pixels:
            return self.layers.image
        return np.ascontiguousarray(base[self.layers.roi])

    @staticmethod
    def _relit(head: np.ndarray, owned: bool, gain: np.ndarray) -> tuple:
        """The light stage's summed ``gain`` applied to ``head``: (head, owned, None)."""
        new = apply_log_gain(head, gain, head if owned else None)
        return new, owned or new is not head, None

    def _background_stage(
        self,
        pixels: np.ndarray,
        values: dict,
        box: Part | None,
        out: np.ndarray | None = None,
        person_share: bool = False,
        out_has_person: bool = False,
        after_band: Callable[[slice], object] | None = None,
        rows: slice | None = None,
    ) -> np.ndarray:
        """``pixels`` (the photo, or its region ``box``) with the background edits, or
        ``pixels`` itself when none is on; ``after_band`` is called with each band of rows
        once every background edit is done with it. ``rows``: only the bands that meet them
        (of ``pixels``) are made."""
        active = _active(protocol.edits(["background"]), values)
        if not active:
            return pixels
        if out is None or out.shape != pixels.shape or out.dtype != np.float32:
            out, out_has_person = np.empty_like(pixels), False
        first = True
        for edit, params in active:
            region = Region(pixels if first else out, self._prepared_for(edit), box,
                            out_has_person=out_has_person and first,
                            person_share=person_share and first)
            last = edit is active[-1][0]
            self._in_bands(edit, region, params, out, after_band if last else None, rows)
            first = False
        return out

    def _in_bands(self, edit: ModuleType, region: Region, params, out: np.ndarray,
                  after_band: Callable[[slice], object] | None, only: slice | None = None
                  ) -> None:
        """``edit.process`` on ``region`` into ``out``, one band of rows per call (each with
        the columns that show background), each band finished by ``after_band`` while its
        pixels are in the cache. A one-off render hands the bands to the export's threads
        (``studio.imaging.threads``): every band writes only its own rows, so the bits do not
        depend on the number of threads; a preview stays on one core."""
        h, w = region.pixels.shape[:2]
        rows, cols = region.box if region.box is not None else (slice(0, h), slice(0, w))
        bands = row_bands(h, w)
        columns_of = getattr(region.prepared, "background_columns", None)
        if columns_of is None:
            # An edit that knows nothing of bands: its region is cut here, by the person
            # matte, into each band's runs of columns that show background.
            columns = background_columns(self.layers.person_alpha, rows, cols)
        else:  # an edit that cuts (and caches) them itself
            columns = columns_of(rows, cols)

        def one(index: int) -> None:
            band = bands[index]
            if columns_of is None:
                _in_boxes(edit, region, params, out, band, columns[index])
            else:
                edit.process(replace(region, band=band, columns=columns[index]), params, out)
            if after_band is not None:
                after_band(band)

        chosen = [i for i, band in enumerate(bands) if _meets(band, only)]
        if self.preview:
            for index in chosen:
                one(index)
        else:
            each(one, chosen)

    def _photo_stage(
        self, pixels: np.ndarray, values: dict, out: np.ndarray | None,
        parts: list[Part] | None = None,
    ) -> np.ndarray:
        """``pixels`` through the photo edits into ``out`` (may be ``pixels``; None: a new
        array), or only its ``parts`` (then ``out`` is required); ``pixels`` itself when the
        edits change nothing."""
        result = pixels
        for edit, params in _active(protocol.edits(["photo"]), values):
            prepared = self._prepared_for(edit)
            if parts is None:
                result = edit.process(Region(result, prepared), params, out)
                out = result if result is not pixels else out
                continue
            for part in parts:
                made = edit.process(Region(result[part], prepared, part), params, out[part])
                if made is not out[part] and not np.shares_memory(made, out[part]):
                    return result  # nothing changes (the same for every part)
            result = out
        return result

    # ---- overlays ----------------------------------------------------------------------
    def masks(self) -> dict[str, np.ndarray]:
        """Full-size masks for overlays: "skin" (where skin edits may act), "protected",
        "face" (light edits' weight) and "background" (1 - person alpha); zeros for face
        masks when there is no face."""
        shape = self.pixels.shape[:2]
        with self._lock:
            behind = (1.0 - self.layers.person_alpha).astype(np.float32)
        if not self.layers.has_face:
            zeros = np.zeros(shape, np.float32)
            return {
                "skin": zeros,
                "protected": zeros.copy(),
                "face": zeros.copy(),
                "background": behind,
            }
        layers = self.layers
        return {
            "skin": layers.full(layers.skin_area),
            "protected": layers.full(layers.protected),
            "face": layers.full(layers.face_and_neck),
            "background": behind,
        }


def _face(analysis: FaceAnalysis | None, index: int | None) -> tuple[int | None, Face | None]:
    """(index, face) of the face ``index`` (None: the primary) of ``analysis``; (None, None)
    without faces; LikenessError for a number the photo does not have."""
    if analysis is None or not analysis.faces:
        return None, None
    face = analysis.face(index)
    if face is None:
        raise LikenessError(
            f"there is no face number {index} (the photo has {len(analysis.faces)})"
        )
    if index is None:
        index = analysis.primary if analysis.primary is not None else 0
    return index, face


def _in_boxes(edit: ModuleType, region: Region, params, out: np.ndarray, band: slice,
              runs: list[ColumnRun]) -> None:
    """Rows ``band`` of ``region`` through a background ``edit`` that makes any box it is
    given: each run of columns that shows background is its own box; the person's columns
    between them keep their bits (copied, unless ``out`` holds them already)."""
    pixels, target = region.pixels[band], out[band]
    if region.pixels is not out and not region.out_has_person:
        start = 0
        for run in [*runs, ColumnRun(pixels.shape[1], pixels.shape[1], [])]:
            if run.start > start:
                target[:, start:run.start] = pixels[:, start:run.start]
            start = run.stop
    rows, cols = region.box if region.box is not None else (slice(0, out.shape[0]),
                                                            slice(0, out.shape[1]))
    top = rows.start + band.start
    for run in runs:
        part = target[:, run.start:run.stop]
        box = (slice(top, top + band.stop - band.start),
               slice(cols.start + run.start, cols.start + run.stop))
        made = edit.process(replace(region, pixels=pixels[:, run.start:run.stop], box=box),
                            params, part)
        if made is not part:
            part[...] = made


def _meets(band: slice, rows: slice | None) -> bool:
    """Whether a band of rows meets ``rows`` (None: every band does)."""
    return rows is None or (band.start < rows.stop and rows.start < band.stop)


def _meeting(bands: Sequence[slice], rows: slice | None) -> list[slice]:
    """The ``bands`` that meet ``rows``."""
    return [band for band in bands if _meets(band, rows)]


def _outside(rows: slice, width: int, roi: tuple[slice, slice] | None) -> list[tuple[slice, slice]]:
    """The parts of a band of ``rows`` (all ``width`` columns) outside the region ``roi``."""
    if roi is None or rows.stop <= roi[0].start or rows.start >= roi[0].stop:
        return [(rows, slice(0, width))]
    parts = []
    top, bottom = max(rows.start, roi[0].start), min(rows.stop, roi[0].stop)
    if top > rows.start:
        parts.append((slice(rows.start, top), slice(0, width)))
    for cols in (slice(0, roi[1].start), slice(roi[1].stop, width)):
        if cols.stop > cols.start:
            parts.append((slice(top, bottom), cols))
    if bottom < rows.stop:
        parts.append((slice(bottom, rows.stop), slice(0, width)))
    return parts


def proxy_of(
    pixels: np.ndarray, analysis: FaceAnalysis | None, max_pixels: int = 2_000_000
) -> tuple[np.ndarray, FaceAnalysis | None, float]:
    """A screen proxy of at most ``max_pixels`` (area-averaged), its analysis scaled to match,
    and the scale factor (1.0 when the photo is already small enough; then pixels is returned)."""
    h, w = pixels.shape[:2]
    if h * w <= max_pixels:
        return pixels, analysis, 1.0
    factor = (max_pixels / (h * w)) ** 0.5
    size = (max(int(w * factor), 1), max(int(h * factor), 1))
    proxy = cv2.resize(np.asarray(pixels, np.float32), size, interpolation=cv2.INTER_AREA)
    factor = size[0] / w
    scaled = analysis.scaled(factor) if analysis is not None else None
    return np.ascontiguousarray(proxy, dtype=np.float32), scaled, factor


def render_photo(
    pixels: np.ndarray,
    analysis: FaceAnalysis | None,
    sliders: Mapping[str, object],
    face_index: int | None = None,
    marks: Sequence[Mark] = (),
) -> np.ndarray:
    """Render ``sliders`` and ``marks`` (in ``pixels``' coordinates) on the full-resolution
    ``pixels`` (float32 (H, W, 3))."""
    return Retoucher(pixels, analysis, face_index, preview=False).render(sliders, marks)

"""The studio's document, without Qt: what is open and what the user asked for.

Widgets bind to it (napari style): the document holds plain values and emits plain
callbacks when they change; the Qt controls listen and update themselves with their
signals blocked, so there is no feedback loop. Tests set a value here and check the
widget moved, and the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from studio.edits.marks import Mark
from studio.edits.protocol import face_keys
from studio.edits.sliders import SLIDERS, check_sliders, check_value, default_sliders
from studio.face.reference import verified_references
from studio.face.types import Face, FaceAnalysis
from studio.imaging.export import ExportSettings
from studio.imaging.photo import Photo
from studio.session.model import Session, Source

#: Sliders that need a face (their edits' stage works on the head); the others
#: (background, warmth) work on any photo.
FACE_KEYS = face_keys()


class Emitter:
    """A list of callbacks called with keyword arguments: ``emitter(key=..., value=...)``."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def __call__(self, **values: Any) -> None:
        for callback in list(self._callbacks):
            callback(**values)


class DocumentEvents:
    """The document's events; each is an :class:`Emitter`.

    photo(photo, analysis)     a new photo was opened (analysis may be None while it is found)
    slider(key, value)         one slider changed (value: float, '#rrggbb' or None)
    face(index)                another face was chosen (index into analysis.faces)
    retouched(choice)          which faces are retouched: "primary" (the chosen one), "all",
                               or a tuple of face indices (the chosen one among them)
    look(name)                 the look the sliders started from (None: custom)
    amount(amount)             a budgeted look's amount or its likeness changed (None: none)
    crop(crop)                 the framing changed (crop and/or straighten angle)
    session_path(path)         where the session is saved (None: not yet)
    dirty(dirty)               unsaved changes appeared or were saved
    marks(marks)               the heal / keep / person / background marks changed
    snapshots(snapshots)       a snapshot was kept (or the snapshots were restored)
    export(settings)           the export settings changed (what the Export dialog starts from)
    to_me(percent)             the least likeness to the photos of the user a look's amount
                               keeps changed (None: none)
    edited()                   any of what a session holds changed (after its own event):
                               what the autosave listens to
    """

    def __init__(self) -> None:
        self.photo = Emitter()
        self.slider = Emitter()
        self.face = Emitter()
        self.retouched = Emitter()
        self.look = Emitter()
        self.amount = Emitter()
        self.crop = Emitter()
        self.session_path = Emitter()
        self.dirty = Emitter()
        self.marks = Emitter()
        self.snapshots = Emitter()
        self.export = Emitter()
        self.references = Emitter()
        self.to_me = Emitter()
        self.edited = Emitter()


class StudioDocument:
    """The open photo, its faces and the user's choices (sliders, face, look, crop, marks,
    snapshots, export settings): the one source of the session that save and autosave write
    (``session()``) and that opening or restoring starts from (``start_from()``)."""

    def __init__(self) -> None:
        self.events = DocumentEvents()
        self.photo: Photo | None = None
        self.analysis: FaceAnalysis | None = None
        self._sliders: dict[str, float | str | None] = default_sliders()
        self.face_index: int | None = None
        #: Which faces the sliders apply to (each with its own masks), as a session stores it:
        #: "primary" only the chosen face, "all" everyone, or a tuple of face indices.
        self.retouched: str | tuple[int, ...] = "primary"
        self.look: str | None = None
        self.crop: Any = None
        self.angle = 0.0
        #: Named slider sets the user kept (Lightroom's snapshots), saved in the session.
        self.snapshots: list[tuple[str, dict]] = []
        #: Strokes the person painted, in the photo's own pixels (``studio.edits.marks``).
        self.marks: tuple[Mark, ...] = ()
        #: The look's likeness budget (percent) and the amount its face sliders are at (0..1.5);
        #: None without a budgeted look (``studio.render.amount``).
        self.budget: float | None = None
        self.amount: float | None = None
        #: The likeness measured at that amount, percent (None: not measured yet).
        self.amount_likeness: float | None = None
        #: The export settings last chosen (None: not yet; the dialog offers LinkedIn).
        self.export: ExportSettings | None = None
        #: The open photo's file, hash and size (None: the built-in sample, or not read yet).
        self.source: Source | None = None
        #: A session's name and description, kept as the file had them (the studio shows none).
        self.name: str | None = None
        self.description: str | None = None
        self.session_path: Path | None = None
        #: Photos of the user (``studio.face.reference.Identity``), for "like you"; None: none.
        self.identity: Any = None
        #: The least likeness to those photos a budgeted look's amount keeps, percent (None:
        #: none; the CLI's ``--budget-to-me``).
        self.budget_to_me: float | None = None
        self.dirty = False
        for event in (self.events.slider, self.events.face, self.events.retouched,
                      self.events.look, self.events.amount, self.events.crop, self.events.marks,
                      self.events.snapshots, self.events.export, self.events.references,
                      self.events.to_me):
            event.connect(lambda **_: self.events.edited())

    # ------------------------------------------------------------------ photo
    @property
    def source_path(self) -> Path | None:
        """The photo's file, or None for the built-in sample."""
        return None if self.photo is None else self.photo.path

    @property
    def sha256(self) -> str | None:
        """The open photo's hash, as sessions record it (None: the sample, or not read yet)."""
        return None if self.source is None else self.source.sha256

    @property
    def display_name(self) -> str:
        if self.photo is None:
            return "no photo"
        if self.photo.path is not None:
            return Path(self.photo.path).name
        return str(self.photo.info.get("name", "untitled"))

    def set_photo(
        self, photo: Photo, analysis: FaceAnalysis | None, source: Source | None = None
    ) -> None:
        """Open a photo (``source``: its file, hash and size; None: not from a file): the face
        choice goes back to the largest face; sliders stay."""
        self.photo = photo
        self.analysis = analysis
        self.source = source
        self.face_index = None if analysis is None else analysis.primary
        self.retouched = "primary"
        self.session_path = None
        self.events.photo(photo=photo, analysis=analysis)
        self.events.face(index=self.face_index)
        self.set_dirty(False)

    # ------------------------------------------------------------------ faces
    @property
    def faces(self) -> tuple[Face, ...]:
        return () if self.analysis is None else self.analysis.faces

    @property
    def face(self) -> Face | None:
        """The face the edits apply to, or None when the photo has none."""
        return None if self.analysis is None else self.analysis.face(self.face_index)

    @property
    def has_face(self) -> bool:
        return self.face is not None

    def set_face(self, index: int | None) -> None:
        if index is not None and not 0 <= index < len(self.faces):
            raise IndexError(f"face {index} out of range (photo has {len(self.faces)})")
        if index == self.face_index:
            return
        self.face_index = index
        self.events.face(index=index)
        self.set_dirty(True)

    @property
    def everyone(self) -> bool:
        """True when every face is retouched."""
        return self.retouched == "all"

    def set_everyone(self, everyone: bool) -> None:
        """Retouch every face (True) or only the chosen one."""
        self.set_retouched("all" if everyone else "primary")

    def set_retouched(self, choice: str | tuple[int, ...]) -> None:
        """Retouch "primary" (the chosen face), "all", or the faces of a tuple of indices."""
        if choice == self.retouched:
            return
        self.retouched = choice
        self.events.retouched(choice=choice)
        self.set_dirty(True)

    def toggled_face(self, index: int) -> str | tuple[int, ...]:
        """The face choice with face ``index`` added to or taken from the retouched faces
        (what Ctrl+click on a face asks). The chosen face stays retouched: its masks are the
        ones shown. Only the chosen face left is "primary"; every face is "all"."""
        count = len(self.faces)
        chosen = self.face_index if self.face_index is not None else 0
        if self.retouched == "all":
            now = set(range(count))
        elif self.retouched == "primary":
            now = {chosen}
        else:
            now = set(self.retouched) | {chosen}
        if index != chosen:
            now ^= {index}
        if now == {chosen}:
            return "primary"
        if len(now) == count:
            return "all"
        return tuple(sorted(now))

    # ------------------------------------------------------------------ sliders
    @property
    def sliders(self) -> dict[str, float | str | None]:
        """A copy of every slider's value."""
        return dict(self._sliders)

    def slider(self, key: str) -> float | str | None:
        return self._sliders[key]

    def set_slider(self, key: str, value: float | str | None) -> None:
        """Set one slider (validated: LikenessError naming the slider when out of range)."""
        value = check_value(key, value)
        if self._sliders[key] == value:
            return
        self._sliders[key] = value
        self.events.slider(key=key, value=value)
        self.set_dirty(True)

    def set_sliders(self, values: Mapping[str, object]) -> None:
        """Set every slider at once (missing keys take their default)."""
        values = check_sliders(values)
        for key, value in values.items():
            self.set_slider(key, value)

    def set_look(self, name: str | None) -> None:
        if name == self.look:
            return
        self.look = name
        self.events.look(name=name)

    @property
    def look_amount(self) -> tuple[float | None, float | None, float | None]:
        """(budget, amount, likeness at it): what an undo step of a look restores."""
        return self.budget, self.amount, self.amount_likeness

    def set_look_amount(self, budget: float | None, amount: float | None,
                        likeness: float | None = None, dirty: bool = True) -> None:
        """A look's likeness budget, the amount its face sliders are at and the likeness
        measured there (None: without a budgeted look, or not found yet). ``dirty`` False:
        only measured, nothing the user changed (a session's amount, its likeness found)."""
        if (budget, amount, likeness) == self.look_amount:
            return
        self.budget, self.amount, self.amount_likeness = budget, amount, likeness
        self.events.amount(amount=amount)
        if dirty:
            self.set_dirty(True)

    def add_snapshot(self, name: str, sliders: Mapping[str, object]) -> None:
        """Keep ``sliders`` under ``name`` (a snapshot of the same name is replaced)."""
        kept = [(n, s) for n, s in self.snapshots if n != name]
        self.set_snapshots([*kept, (name, dict(check_sliders(sliders)))])

    def set_snapshots(self, snapshots: list[tuple[str, dict]], dirty: bool = True) -> None:
        """Replace every snapshot (oldest first)."""
        snapshots = [(name, dict(sliders)) for name, sliders in snapshots]
        if snapshots == self.snapshots:
            return
        self.snapshots = snapshots
        self.events.snapshots(snapshots=list(snapshots))
        if dirty:
            self.set_dirty(True)

    def set_export(self, settings: ExportSettings | None, dirty: bool = True) -> None:
        """The export settings chosen (None: none yet)."""
        if settings == self.export:
            return
        self.export = settings
        self.events.export(settings=settings)
        if dirty:
            self.set_dirty(True)

    def set_framing(self, crop: Any, angle: float) -> None:
        """The crop (fractions of the straightened photo, or None: automatic) and the
        straighten angle in degrees; one ``crop`` event when either changes."""
        if crop == self.crop and angle == self.angle:
            return
        self.crop, self.angle = crop, float(angle)
        self.events.crop(crop=crop)
        self.set_dirty(True)

    def set_marks(self, marks: tuple[Mark, ...], dirty: bool = True) -> None:
        """Replace every mark (a stroke added or removed, a session's marks restored)."""
        marks = tuple(marks)
        if marks == self.marks:
            return
        self.marks = marks
        self.events.marks(marks=marks)
        if dirty:
            self.set_dirty(True)

    def set_references(self, identity: Any) -> None:
        """The photos of the user changed (an ``Identity``, or None for none)."""
        self.identity = identity
        self.events.references(identity=identity)
        self.set_dirty(True)

    def set_budget_to_me(self, percent: float | None, dirty: bool = True) -> None:
        """The least likeness to the photos of the user (percent) a look's amount keeps."""
        percent = None if percent is None else float(percent)
        if percent == self.budget_to_me:
            return
        self.budget_to_me = percent
        self.events.to_me(percent=percent)
        if dirty:
            self.set_dirty(True)

    @property
    def to_me(self) -> tuple[Any, float] | None:
        """(the photos of the user, the least likeness to them) while both are set, else
        None: what a look's amount and the export keep besides the look's budget."""
        if self.budget_to_me is None or self.identity is None or self.identity.mean is None:
            return None
        return self.identity, self.budget_to_me

    @property
    def references(self) -> tuple:
        """The usable photos of the user, as a session stores them."""
        return () if self.identity is None else self.identity.usable

    # ------------------------------------------------------------------ sessions
    def session(self) -> Session:
        """Everything a session holds, as the user has it now: the one thing save and
        autosave write. Without a photo file (the sample) there is no source, so no face
        analysis or marks either."""
        source = self.source
        return Session(
            sliders=self.sliders,
            source=source,
            look=self.look,
            face=self.face_index,
            faces=self.retouched,
            crop=self.crop,
            angle=self.angle,
            snapshots=[(name, dict(sliders)) for name, sliders in self.snapshots],
            export=self.export if self.export is not None else ExportSettings(),
            analysis=self.analysis if source is not None else None,
            name=self.name,
            description=self.description,
            marks=self.marks if source is not None else (),
            # Sliders moved by hand after the look are no longer the look's: no budget to find
            # an amount for on another photo (the amount they were at stays for the record).
            budget=self.budget if self.look is not None else None,
            amount=self.amount,
            references=self.references,
            budget_to_me=self.budget_to_me,
            path=self.session_path,
        )

    def start_from(self, session: Session | None) -> None:
        """Take what ``session`` holds (None: neutral): sliders, look and amount, framing,
        snapshots, marks made on this photo, export settings, name. The face choice came
        with the photo (``set_photo``, the preview made for the session's faces). Changes
        count as unsaved: the caller then says whether this is saved work or work to keep."""
        session = session if session is not None else Session()
        self.set_sliders(session.sliders)
        self.set_look(session.look)
        self.set_look_amount(session.budget, session.amount)
        self.set_framing(session.crop, session.angle)
        self.set_snapshots(session.snapshots)
        self.set_marks(session.marks_for(self.sha256) if self.sha256 else ())
        self.set_export(None if session.export == ExportSettings() else session.export)
        self.name, self.description = session.name, session.description
        if session.references or self.identity is not None:
            identity = verified_references(session.references)
            self.identity = identity if identity.references else None
            self.events.references(identity=self.identity)
        self.set_budget_to_me(session.budget_to_me)

    # ------------------------------------------------------------------ saving
    def set_session_path(self, path: Path | None) -> None:
        self.session_path = None if path is None else Path(path)
        self.events.session_path(path=self.session_path)

    def set_dirty(self, dirty: bool) -> None:
        if dirty == self.dirty:
            return
        self.dirty = dirty
        self.events.dirty(dirty=dirty)

    def enabled_keys(self) -> set[str]:
        """Sliders that do something on this photo: face sliders need a face."""
        keys = {s.key for s in SLIDERS}
        return keys if self.has_face else keys - FACE_KEYS

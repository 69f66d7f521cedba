"""Opening photos and sessions in the studio: in the background (a fast reduced decode first),
then the sliders start from the photo's session, a crashed studio's autosave, or neutral."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from studio.errors import LikenessError
from studio.face.models import MISSING_NOTICE, segmentation_available
from studio.imaging.raw import RAW_EXTENSIONS
from studio.session import Source, default_session_path, load_session

from . import qt_jobs as jobs
from .qt_autosave import autosave_path
from .qt_canvas import qimage_from_rgb8
from .qt_sessions import SESSION_FILTER
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QLabel, QWidget

    from .model import StudioDocument
    from .qt_autosave import Autosaver
    from .qt_canvas import QtCanvas
    from .qt_notice import Notices

#: Camera RAW files in both cases: cameras name them upper case (IMG_0001.CR2).
_RAW_PATTERNS = " ".join(f"*{ext} *{ext.upper()}" for ext in RAW_EXTENSIONS)
PHOTO_FILTER = (
    f"Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif *.bmp {_RAW_PATTERNS})"
)


def is_session_file(path: Path) -> bool:
    return path.name.lower().endswith(".json")


def photo_source(path: Path | None, sha256: str | None):
    """The Source a session records of an opened photo (None: the sample)."""
    if path is None or sha256 is None:
        return None
    path = Path(os.path.abspath(path))
    try:
        size = path.stat().st_size
    except OSError:  # gone since it was read: the hash still names it
        size = None
    return Source(path=path, sha256=sha256, bytes=size)


class StudioOpener(QObject):
    """Opens photos and sessions into the document. ``opening`` is True while a file is being
    read. ``confirm_discard()`` asks to save unsaved work first (False: the user cancelled);
    ``autosaver`` keeps the work a crash left; ``photo_label`` names the open photo in the
    status bar."""

    #: The open job's result, before the document takes it: the preview starts on it.
    photo_read = Signal(object)
    #: A photo or session is open in the document (the open job's result).
    opened = Signal(object)
    #: A photo or session file was opened (its path): a recent file.
    file_opened = Signal(object)
    #: The user asked to drop a restored session for neutral sliders (the notice's button).
    neutral_asked = Signal()

    def __init__(self, document: StudioDocument, undo_stack: QUndoStack, canvas: QtCanvas,
                 settings: QSettings, notices: Notices, photo_label: QLabel,
                 confirm_discard: Callable[[], bool], autosaver: Autosaver, parent: QWidget):
        super().__init__(parent)
        self.document, self.undo_stack, self.canvas = document, undo_stack, canvas
        self.settings, self.notices, self.photo_label = settings, notices, photo_label
        self.confirm_discard, self.autosaver, self._parent = confirm_discard, autosaver, parent
        self.opening = False
        self.runner = QtLatestRunner("open", parent=parent)
        self.runner.finished.connect(self._on_open_done)
        self.runner.failed.connect(self._on_open_failed)
        self.quick_runner = QtLatestRunner("quick", parent=parent)
        self.quick_runner.finished.connect(self._on_quick_done)
        self._quick_for = 0
        self._restoring = None  # the crashed studio's session the open running restores

    def open_dialog(self) -> None:
        folder = str(self.settings.value("folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self._parent,
            "Open a photo or session",
            folder,
            f"{PHOTO_FILTER};;{SESSION_FILTER};;All files (*)",
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str | os.PathLike | None) -> bool:
        """Open a photo or a session file in the background (None: the built-in sample);
        False when the user chose to keep the open photo's unsaved work.

        A bad file shows a dialog with its one-line message; the open photo stays.
        """
        if path is not None:
            path = Path(path)
            if not self.confirm_discard():
                return False
            self.settings.setValue("folder", str(path.parent))
        self.opening = True
        self.notices.status(f"Opening {path.name if path else 'the sample'}…")
        as_session = path is not None and is_session_file(path)
        request_id = self.runner.submit(jobs.open_job, path, as_session)
        if path is not None and not as_session and self.document.photo is None:
            # nothing on screen yet: show a fast reduced decode while faces are found
            self._quick_for = request_id
            self.quick_runner.submit(jobs.quick_job, path)
        return True

    def restore_autosave(self, path: Path) -> None:
        """Reopen a session left by a crash (its photo, or the sample when it had none)."""
        try:
            session = load_session(path)
        except LikenessError as error:
            self.notices.error(f"The autosaved session cannot be restored: {error}")
            return
        self.restore(session, Path(path))

    def restore(self, session, path: Path) -> None:
        """Reopen a crashed studio's session (from its file ``path``) as unsaved work."""
        self._restoring = session
        if session.source is None:
            self.open_path(None)  # made on the sample
            return
        self.opening = True
        self.runner.submit(jobs.open_job, path, True)

    def _on_quick_done(self, _request_id: int, result: jobs.QuickPreview) -> None:
        if (
            self.opening
            and self.document.photo is None
            and self.runner.latest_id == self._quick_for
        ):
            self.canvas.set_photo(result.width, result.height, result.image)
            self.notices.status("Finding faces…")

    def _on_open_done(self, _request_id: int, result: jobs.OpenResult) -> None:
        self.opening = False
        self.undo_stack.clear()
        self.autosaver.discard()  # the previous photo's: saved or discarded by now
        self.photo_read.emit(result)
        self._take_photo(result)
        photo = result.photo
        self.canvas.set_photo(photo.width, photo.height, qimage_from_rgb8(result.before8))
        self._start_from(result)
        self._name_photo()
        if segmentation_available():
            self.notices.status("Ready", 3000)
        else:  # no silent quality drop: the studio says so while the photo is open
            self.notices.status(MISSING_NOTICE[0].upper() + MISSING_NOTICE[1:])
        self._show_restored(result)
        self.opened.emit(result)

    def _take_photo(self, result: jobs.OpenResult) -> None:
        """The document takes the photo, its faces and the face (or faces) the job chose."""
        document = self.document
        document.set_photo(
            result.photo, result.analysis, photo_source(result.photo.path, result.sha256)
        )
        if result.preview.face_index != document.face_index:
            document.face_index = result.preview.face_index
            document.events.face(index=document.face_index)
        if result.preview.retouched != "primary":
            document.retouched = result.preview.retouched
            document.events.retouched(choice=document.retouched)

    def _name_photo(self) -> None:
        document, photo = self.document, self.document.photo
        faces = len(document.faces)
        self.photo_label.setText(
            f"{document.display_name}  {photo.width}×{photo.height} "
            f"({photo.megapixels:.1f} MP)  {faces} face{'s' if faces != 1 else ''}"
        )

    def _start_from(self, result: jobs.OpenResult) -> None:
        """Set the sliders the photo starts from: its session (opened, saved beside it, or a
        crashed studio's autosave) or neutral, never the previous photo's."""
        document = self.document
        session, restored = result.session, result.restored
        if self._restoring is not None:
            session, restored = session or self._restoring, "autosave"
            self._restoring = None
        document.start_from(session)
        if session is None:
            document.set_session_path(None)
            document.set_dirty(False)
            if result.photo.path is not None:
                self.file_opened.emit(result.photo.path)
            return
        if restored != "autosave":
            document.set_session_path(result.session_path)
            document.set_dirty(False)
            recent = result.session_path if restored == "session" else result.photo.path
            self.file_opened.emit(recent)
            return
        self._keep_crashed_work(result)

    def _keep_crashed_work(self, result: jobs.OpenResult) -> None:
        """A crash left this work: show it as unsaved, kept from now on by this studio's
        autosave (the crashed studio's file is then removed). It is saved where the photo's
        session is (beside it, when there is one)."""
        document = self.document
        beside = default_session_path(result.photo.path) if result.photo.path else None
        if result.restored == "autosave":
            document.set_session_path(result.session_path)
        else:  # restored from the file, through the question at start
            document.set_session_path(beside if beside is not None and beside.is_file() else None)
        document.set_dirty(True)
        self.autosaver.changed()
        self.autosaver.flush()
        crashed = result.autosave_file or result.session_path
        if crashed is not None and Path(crashed) != autosave_path():
            Path(crashed).unlink(missing_ok=True)

    def _show_restored(self, result: jobs.OpenResult) -> None:
        """Say what the sliders came back from, with a way back to neutral (undoable)."""
        name = self.document.display_name
        if result.restored == "beside":
            text = f"Restored the session saved with {name} ({result.session_path.name})."
        elif result.restored == "autosave" or self.document.dirty:
            text = f"Restored the unsaved changes to {name} (the studio did not close properly)."
        elif result.note:
            text = result.note
        else:
            self.notices.bar.clear()
            return
        has_session = result.session is not None
        self.notices.bar.show_message(
            text,
            "Start from Neutral" if has_session else None,
            self.neutral_asked.emit if has_session else None,
        )

    def _on_open_failed(self, _request_id: int, error: LikenessError) -> None:
        self.opening = False
        self._restoring = None
        self.notices.clear_status()
        if self.document.photo is None:
            self.canvas.clear_photo()  # a fast preview of the bad file may be showing
        self.notices.error(str(error))

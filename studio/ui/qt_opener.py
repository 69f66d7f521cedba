"""Opening photos and sessions in the studio: in the background (a fast reduced decode first),
then the sliders start from the photo's session, a crashed studio's autosave, or neutral."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from studio.errors import LikenessError
from studio.face.models import MISSING_NOTICE, segmentation_available
from studio.imaging.raw import RAW_EXTENSIONS

from . import qt_jobs as jobs
from .qt_autosave import autosave_path
from .qt_canvas import qimage_from_rgb8
from .qt_sessions import SESSION_FILTER
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from .qt_main import QtStudioWindow

#: Camera RAW files in both cases: cameras name them upper case (IMG_0001.CR2).
_RAW_PATTERNS = " ".join(f"*{ext} *{ext.upper()}" for ext in RAW_EXTENSIONS)
PHOTO_FILTER = (
    f"Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif *.bmp {_RAW_PATTERNS})"
)


def is_session_file(path: Path) -> bool:
    return path.name.lower().endswith(".json")


def photo_source(path: Path | None, sha256: str | None):
    """The Source a session records of an opened photo (None: the sample)."""
    from studio.session import Source

    if path is None or sha256 is None:
        return None
    path = Path(os.path.abspath(path))
    try:
        size = path.stat().st_size
    except OSError:  # gone since it was read: the hash still names it
        size = None
    return Source(path=path, sha256=sha256, bytes=size)


class StudioOpener:
    """Opens files for the window. ``opening`` is True while a file is being read."""

    def __init__(self, window: QtStudioWindow):
        self.window = window
        self.opening = False
        self.runner = QtLatestRunner("open", parent=window)
        self.runner.finished.connect(self._on_open_done)
        self.runner.failed.connect(self._on_open_failed)
        self.quick_runner = QtLatestRunner("quick", parent=window)
        self.quick_runner.finished.connect(self._on_quick_done)
        self._quick_for = 0
        self._restoring = None  # the crashed studio's session the open running restores

    def open_dialog(self) -> None:
        window = self.window
        folder = str(window.settings.value("folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            window,
            "Open a photo or session",
            folder,
            f"{PHOTO_FILTER};;{SESSION_FILTER};;All files (*)",
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str | os.PathLike | None) -> None:
        """Open a photo or a session file in the background (None: the built-in sample).

        A bad file shows a dialog with its one-line message; the open photo stays.
        """
        window = self.window
        if path is not None:
            path = Path(path)
            if not window.sessions.confirm_discard():
                return
            window.settings.setValue("folder", str(path.parent))
        self.opening = True
        window.statusBar().showMessage(f"Opening {path.name if path else 'the sample'}…")
        as_session = path is not None and is_session_file(path)
        request_id = self.runner.submit(jobs.open_job, path, as_session)
        if path is not None and not as_session and window.document.photo is None:
            # nothing on screen yet: show a fast reduced decode while faces are found
            self._quick_for = request_id
            self.quick_runner.submit(jobs.quick_job, path)

    def restore(self, session, path: Path) -> None:
        """Reopen a crashed studio's session (from its file ``path``) as unsaved work."""
        self._restoring = session
        if session.source is None:
            self.open_path(None)  # made on the sample
            return
        self.opening = True
        self.runner.submit(jobs.open_job, path, True)

    def _on_quick_done(self, _request_id: int, result: jobs.QuickPreview) -> None:
        window = self.window
        if (
            self.opening
            and window.document.photo is None
            and self.runner.latest_id == self._quick_for
        ):
            window.canvas.set_photo(result.width, result.height, result.image)
            window.statusBar().showMessage("Finding faces…")

    def _on_open_done(self, _request_id: int, result: jobs.OpenResult) -> None:
        window = self.window
        self.opening = False
        window.undo_stack.clear()
        window.sessions.autosaver.discard()  # the previous photo's: saved or discarded by now
        window.preview.start(result.preview)
        document = window.document
        document.set_photo(
            result.photo, result.analysis, photo_source(result.photo.path, result.sha256)
        )
        if result.preview.face_index != document.face_index:
            document.face_index = result.preview.face_index
            document.events.face(index=document.face_index)
        if result.preview.retouched != "primary":
            document.retouched = result.preview.retouched
            document.events.retouched(choice=document.retouched)
        photo = result.photo
        window.canvas.set_photo(photo.width, photo.height, qimage_from_rgb8(result.before8))
        window.preview.show_faces()
        self._start_from(result)
        window.crop_tool.show_framing()  # a session's crop: the photo shows framed
        faces = len(document.faces)
        window.status_photo.setText(
            f"{document.display_name}  {photo.width}×{photo.height} "
            f"({photo.megapixels:.1f} MP)  {faces} face{'s' if faces != 1 else ''}"
        )
        if segmentation_available():
            window.statusBar().showMessage("Ready", 3000)
        else:  # no silent quality drop: the studio says so while the photo is open
            window.statusBar().showMessage(MISSING_NOTICE[0].upper() + MISSING_NOTICE[1:])
        self._show_restored(result)
        window.update_state()
        window.preview.schedule_render()
        window.preview.prepare()

    def _start_from(self, result: jobs.OpenResult) -> None:
        """Set the sliders the photo starts from: its session (opened, saved beside it, or a
        crashed studio's autosave) or neutral, never the previous photo's."""
        window = self.window
        document = window.document
        session, restored = result.session, result.restored
        if self._restoring is not None:
            session, restored = session or self._restoring, "autosave"
            self._restoring = None
        document.start_from(session)
        if session is None:
            document.set_session_path(None)
            document.set_dirty(False)
            if result.photo.path is not None:
                window.sessions.add_recent(result.photo.path)
            return
        if restored != "autosave":
            document.set_session_path(result.session_path)
            document.set_dirty(False)
            recent = result.session_path if restored == "session" else result.photo.path
            window.sessions.add_recent(recent)
            return
        self._keep_crashed_work(result)

    def _keep_crashed_work(self, result: jobs.OpenResult) -> None:
        """A crash left this work: show it as unsaved, kept from now on by this studio's
        autosave (the crashed studio's file is then removed). It is saved where the photo's
        session is (beside it, when there is one)."""
        from studio.session import default_session_path

        document = self.window.document
        beside = default_session_path(result.photo.path) if result.photo.path else None
        if result.restored == "autosave":
            document.set_session_path(result.session_path)
        else:  # restored from the file, through the question at start
            document.set_session_path(beside if beside is not None and beside.is_file() else None)
        document.set_dirty(True)
        autosaver = self.window.sessions.autosaver
        autosaver.changed()
        autosaver.flush()
        crashed = result.autosave_file or result.session_path
        if crashed is not None and Path(crashed) != autosave_path():
            Path(crashed).unlink(missing_ok=True)

    def _show_restored(self, result: jobs.OpenResult) -> None:
        """Say what the sliders came back from, with a way back to neutral (undoable)."""
        window = self.window
        name = window.document.display_name
        if result.restored == "beside":
            text = f"Restored the session saved with {name} ({result.session_path.name})."
        elif result.restored == "autosave" or window.document.dirty:
            text = f"Restored the unsaved changes to {name} (the studio did not close properly)."
        elif result.note:
            text = result.note
        else:
            window.notice.clear()
            return
        has_session = result.session is not None
        window.notice.show_message(
            text,
            "Start from Neutral" if has_session else None,
            window.reset_all if has_session else None,
        )

    def _on_open_failed(self, _request_id: int, error: LikenessError) -> None:
        window = self.window
        self.opening = False
        self._restoring = None
        window.statusBar().clearMessage()
        if window.document.photo is None:
            window.canvas.clear_photo()  # a fast preview of the bad file may be showing
        window.show_error(str(error))

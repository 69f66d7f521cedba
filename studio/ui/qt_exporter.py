"""Exporting from the studio: the dialog, the full-size job in the background with a progress
dialog, and the result shown in the window's notice bar (it stays until closed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from studio.errors import LikenessError
from studio.face.reference import file_like_you
from studio.imaging.export import check_output
from studio.render.amount import scaled
from studio.session import load_look
from studio.write_guard import WritePlan

from . import APP_NAME
from .engine import retouched_faces
from .qt_export import QtExportDialog
from .qt_panel import LIKENESS_WARNING
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from .model import StudioDocument
    from .qt_notice import Notices


@dataclass(frozen=True)
class ExportOutcome:
    """What the export job wrote (an ExportResult) and the likeness measured on its pixels."""

    result: object
    percent: float | None
    #: How like the user's photos of themselves the written file is (None: no photos).
    like_you: float | None = None


def export_message(result, percent: float | None, like_you: float | None = None) -> str:
    """What an export wrote, in full: size, format, bytes, likeness (and how like you it is,
    with photos of you), path and any notes."""
    likeness = "" if percent is None else f", likeness {percent:.1f}%"
    likeness += "" if like_you is None else f", like you {like_you:.0f}%"
    notes = "; ".join(result.notes)
    return (
        f"Exported {result.width}×{result.height} {result.format}, "
        f"{result.bytes / 1024:.0f} KB{likeness}: {result.path}"
        + (f" ({notes})" if notes else "")
    )


class _ExportRelay(QObject):
    """Carries the worker's progress and outcome to the GUI thread."""

    progress = Signal(str)
    done = Signal(object, object)


def export_job(
    photo, analysis, sliders, faces, crop, settings, path, relay, marks=(), angle=0.0,
    look_budget=None, identity=None, to_me=None,
) -> None:
    """Worker: the one retouch service (render at full size -> likeness -> export), the same
    the command line and the batch use; ``faces``: the retouched faces, the chosen one first
    (it frames the export); ``look_budget``: the current look's (sliders, amount, budget),
    held on the written file; ``identity``: the user's photos, measured on the written file
    too; ``to_me``: (those photos, percent) also held on it with the look's budget. Reports through ``relay``: progress lines, then
    (ExportOutcome, None) or (None, error)."""
    from studio.service.retouch import ExportPlan, retouch_photo  # start-up

    try:
        done = retouch_photo(
            photo, analysis, sliders,
            ExportPlan(settings=settings, output=path, crop=crop, angle=angle),
            faces=faces, progress=relay.progress.emit, marks=marks,
            look_budget=look_budget, to_me=to_me if look_budget is not None else None,
        )
        like_you = None
        if identity is not None and identity.mean is not None and done.exported is not None:
            relay.progress.emit("Checking how like you it is…")
            like_you = file_like_you(done.exported.path, identity)
    except BaseException as error:  # a bug is raised on the GUI thread, not hidden
        relay.done.emit(None, error)
    else:
        relay.done.emit(ExportOutcome(done.exported, done.likeness_percent, like_you), None)


class StudioExporter(QObject):
    """The document's export: ``show_dialog(preset)`` asks where and how; ``start`` runs it;
    ``finished`` carries what was written (an ExportResult) or the problem (a LikenessError).
    ``circle``: the panel's profile-circle preview, the dialog shows it; ``settings``: the
    studio's, which remember the export folder."""

    finished = Signal(object)

    def __init__(self, document: StudioDocument, settings: QSettings, circle,
                 notices: Notices, parent: QWidget):
        super().__init__(parent)
        self.document, self.settings, self.circle = document, settings, circle
        self.notices, self._parent = notices, parent
        self.progress: QProgressDialog | None = None
        self._relay: _ExportRelay | None = None
        self.runner = QtLatestRunner("export", parent=parent)
        #: The likeness measured on the last export's full-size pixels (None: none yet).
        self.likeness: float | None = None

    def _folder(self) -> Path | None:
        folder = self.settings.value("export_folder")
        if folder:
            return Path(str(folder))
        return Path.home() if self.document.source_path is None else None

    def show_dialog(self, preset: str | None = None) -> None:
        document = self.document
        if document.photo is None:
            return
        last = document.export
        circle = self.circle
        dialog = QtExportDialog(
            self._parent,
            document.source_path,
            document.photo.format,
            preset or (last.preset if last else "linkedin"),
            circle=circle.pixmap().toImage() if circle.has_image else None,
            folder=self._folder(),
        )
        if last is not None and preset in (None, last.preset):
            dialog.set_settings(last)  # the options chosen last time too
        if dialog.exec() == QtExportDialog.DialogCode.Accepted:
            self.start(dialog.settings(), dialog.path())

    def start(self, settings, path: Path) -> None:
        """Render at full resolution and export in the background, with a progress dialog."""
        document = self.document
        try:
            check_output(settings, path, document.photo.format)
            # refused before the slow render: the photo itself, or a file that is no photo
            WritePlan(inputs=[p for p in (document.photo.path,) if p]).check(path, "photo")
        except LikenessError as error:
            self.notices.error(str(error))
            return
        document.set_export(settings, dirty=False)  # an export is not an edit of the photo
        self.settings.setValue("export_folder", str(Path(path).parent))
        self.progress = self._show_progress()
        relay = _ExportRelay()
        relay.progress.connect(self.progress.setLabelText)
        relay.done.connect(self._on_done)
        self._relay = relay
        self.runner.submit(
            export_job,
            document.photo,
            document.analysis,
            document.sliders,
            retouched_faces(document.analysis, document.face_index, document.retouched),
            document.crop,
            settings,
            path,
            relay,
            document.marks,
            document.angle,
            self._look_budget(),
            document.identity,
            document.to_me,
        )

    def _look_budget(self):
        """(the look's sliders, its amount, its budget) while a budgeted look is current (no
        slider moved by hand since): the export keeps the budget on the written file."""
        document = self.document
        if document.look is None or document.budget is None or document.amount is None:
            return None
        try:
            look = load_look(document.look)
        except LikenessError:  # a look of another machine
            return None
        if scaled(look.sliders, document.amount) != dict(document.sliders):
            return None
        return dict(look.sliders), document.amount, document.budget

    def _show_progress(self) -> QProgressDialog:
        progress = QProgressDialog("Rendering at full resolution…", "", 0, 0, self._parent)
        progress.setWindowTitle("Export")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.show()
        return progress

    def _on_done(self, outcome: ExportOutcome | None, error: BaseException | None) -> None:
        self.progress.close()
        if error is not None:
            if not isinstance(error, LikenessError):
                raise error
            self.notices.error(str(error))
            self.finished.emit(error)
            return
        percent = outcome.percent
        self.likeness = percent
        self.notices.bar.show_message(export_message(outcome.result, percent, outcome.like_you))
        if percent is not None and percent < LIKENESS_WARNING:
            QMessageBox.information(
                self._parent,
                APP_NAME,
                f"Exported, but the likeness is {percent:.0f}%: the edit may change how "
                f"recognisable the person is. Consider easing off the strongest sliders.",
            )
        self.finished.emit(outcome.result)

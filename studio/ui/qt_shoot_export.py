"""Export Selected: the photos selected in the filmstrip exported by the batch service (the
same runner and task as ``likeness batch``, each photo with its own session) into the
shoot's ``exported`` folder, in the background. A panel shows a progress bar and a row per
photo (likeness, amount, notes); Cancel stops the workers (no half-written file is left),
Resume runs the same photos again and the batch's done list skips those already written.
The window's thread only receives results: it never waits for the batch."""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from studio.errors import LikenessError

from . import shoot

if TYPE_CHECKING:
    from .qt_main import QtStudioWindow

#: The result table's columns.
COLUMNS = ("Photo", "Status", "Likeness", "Amount", "Notes")
#: How long the batch's thread waits on its workers before looking for a Cancel (seconds).
CANCEL_POLL_S = 0.1


class CancellableEngine:
    """A batch engine (``studio.batch.LocalEngine``) whose waits end within
    :data:`CANCEL_POLL_S` of ``cancel()``: the batch then stops as on Ctrl+C (its workers
    ended, partial files removed, the results so far handed back)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.cancelled = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def cancel(self) -> None:
        self.cancelled.set()

    def start(self) -> None:
        if self.cancelled.is_set():
            raise KeyboardInterrupt
        self.engine.start()
        if self.cancelled.is_set():
            raise KeyboardInterrupt

    def wait_first(self, futures: Sequence[cf.Future]) -> set:
        while True:
            if self.cancelled.is_set():
                raise KeyboardInterrupt  # the batch's own way to stop
            done, _ = cf.wait(futures, timeout=CANCEL_POLL_S, return_when=cf.FIRST_COMPLETED)
            if done:
                return done


class _BatchRelay(QObject):
    """The batch thread's news, to the GUI thread (queued signals)."""

    waiting = Signal(str)
    finished_one = Signal(object)  # PhotoResult
    ended = Signal(object, bool, str)  # results, interrupted, error ("": none)


class _RelayProgress:
    """The batch's progress object (``studio.batch.Progress``'s calls) forwarding to Qt."""

    def __init__(self, relay: _BatchRelay):
        self.relay = relay

    def finished(self, result) -> None:
        self.relay.finished_one.emit(result)

    def waiting(self, text: str) -> None:
        self.relay.waiting.emit(text)

    def message(self, text: str) -> None:
        self.relay.waiting.emit(text)


def run_shoot_batch(jobs, session: dict, export: dict, engine, relay: _BatchRelay,
                    plan=None, task: Callable | None = None) -> None:
    """The batch thread: run the jobs and tell ``relay`` how it ended."""
    from studio.batch import BatchInterrupted, run_batch
    from studio.batch.sidecar import own_session_task

    try:
        results = run_batch(jobs, session, export, engine=engine, progress=_RelayProgress(relay),
                            task=task or own_session_task, plan=plan)
    except BatchInterrupted as stop:
        relay.ended.emit(stop.results, True, "")
    except LikenessError as error:
        relay.ended.emit([], False, str(error))
    else:
        relay.ended.emit(results, False, "")


class QtShootExportPanel(QWidget):
    """The Export Selected panel: what is exported where, a progress bar, Cancel / Resume,
    and a row per photo."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shoot_export")
        self.status = QLabel("", self)
        self.status.setObjectName("shoot_export_status")
        # a long export folder must not widen the panel: the label gives way (elided by Qt's
        # clipping), the whole text in its tooltip
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("shoot_export_progress")
        self.cancel_button = QPushButton("Cancel", self)
        self.resume_button = QPushButton("Resume", self)
        self.resume_button.setToolTip("Export the same photos again: those already written "
                                      "are skipped")
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("shoot_export_results")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)  # one line a photo; the notes in full as its tooltip
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.bar, 1)
        top.addWidget(self.cancel_button)
        top.addWidget(self.resume_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def rows(self) -> list[tuple[str, ...]]:
        """Each row's cells as shown."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS)))
                for r in range(self.table.rowCount())]


def result_cells(result) -> tuple[str, ...]:
    """A photo's row: name, status, likeness, amount of the face sliders, notes."""
    likeness = "" if result.likeness_percent is None else f"{result.likeness_percent:.1f}%"
    amount = "" if result.amount_percent is None else f"{result.amount_percent:.0f}%"
    return (Path(result.input).name, result.status, likeness, amount, result.reason)


class StudioShootExport:
    """The window's Export Selected: ``start(paths)`` exports them in the background;
    ``cancel()``; ``resume()`` runs the last photos again. ``running`` while a batch runs."""

    def __init__(self, window: QtStudioWindow, workers: int = 1):
        self.window = window
        self.workers = workers
        self.panel = QtShootExportPanel(window)
        self.dock = QDockWidget("Export Selected", window)
        self.dock.setObjectName("shoot_export_dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.panel.cancel_button.clicked.connect(self.cancel)
        self.panel.resume_button.clicked.connect(self.resume)
        self._relay = _BatchRelay()
        self._relay.waiting.connect(self._on_waiting)
        self._relay.finished_one.connect(self._on_result)
        self._relay.ended.connect(self._on_ended)
        self.engine: CancellableEngine | None = None
        self.thread: threading.Thread | None = None
        self.paths: list[Path] = []
        self.jobs: list = []
        self.plan = None
        self.results: list = []
        self.interrupted = False
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_and_wait)
        window.destroyed.connect(lambda *_: self.cancel())  # no export outlives its window
        self._show_buttons()

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def settings(self):
        """The export settings of Export Selected: the open photo's last chosen, else
        LinkedIn."""
        from studio.imaging.export import ExportSettings

        chosen = self.window.document.export
        return chosen if chosen is not None else ExportSettings("linkedin")

    def export_selected(self) -> None:
        """File › Export › Export Selected: the filmstrip's selected photos (the open one
        when none is selected)."""
        filmstrip = self.window.filmstrip
        if not filmstrip.photos:
            self.window.show_error("Open a folder first (File › Open Folder) and select the "
                                   "photos to export in the filmstrip.")
            return
        paths = filmstrip.selected() or [self.window.document.source_path]
        paths = [p for p in paths if p is not None]
        if not self._open_photo_saved(paths):
            return
        self.start(paths)

    def _open_photo_saved(self, paths: list[Path]) -> bool:
        """The open photo is exported as it is on screen: its unsaved changes are saved to
        its session first (the batch reads each photo's session). False: it could not be."""
        import os

        document = self.window.document
        source = document.source_path
        if source is None or not document.dirty:
            return True
        if os.path.abspath(source) not in {os.path.abspath(p) for p in paths}:
            return True
        return self.window.sessions.save_session()

    def start(self, paths: list[Path]) -> None:
        """Export ``paths`` into the shoot's export folder in the background."""
        from studio.batch.inputs import DONE_LIST

        if self.running or not paths:
            return
        folder = self.window.filmstrip.export_folder or Path(paths[0]).parent / shoot.EXPORT_FOLDER
        settings = self.settings()
        try:
            folder.mkdir(exist_ok=True)
        except OSError as error:
            self.window.show_error(f"Cannot make the export folder {folder}: {error.strerror}")
            return
        self.paths = list(paths)
        self.jobs = [shoot.export_job_of(p, folder, settings) for p in self.paths]
        from studio.write_guard import WritePlan

        plan = WritePlan(inputs=[job.input for job in self.jobs])
        try:
            for job in self.jobs:
                plan.add_target(job.output, "photo")
            plan.add_target(folder / DONE_LIST, "done list")
        except LikenessError as error:
            self.window.show_error(str(error))
            return
        self.plan = plan
        self.results, self.interrupted = [], False
        self.panel.table.setRowCount(0)
        self.panel.bar.setRange(0, len(self.jobs))
        self.panel.bar.setValue(0)
        self.panel.status.setText(f"Exporting {len(self.jobs)} photos to {folder}…")
        self.panel.status.setToolTip(str(folder))
        self._show_dock()
        self._begin(settings)

    def _show_dock(self) -> None:
        """Show the results beside the filmstrip, the strip keeping 3/5 of the width (the
        first time; then as the user left them)."""
        if self.dock.isVisible():
            return
        self.dock.show()
        QTimer.singleShot(0, self._share_width)  # once the dock has its place

    def _share_width(self) -> None:
        strip = self.window.filmstrip.dock
        if isValid(strip) and strip.isVisible() and not self.dock.isFloating():
            width = self.window.width()
            self.window.resizeDocks([strip, self.dock], [width * 3 // 5, width * 2 // 5],
                                    Qt.Orientation.Horizontal)

    def _begin(self, settings) -> None:
        from studio.batch import make_engine
        from studio.session.model import Session, session_to_dict

        self.engine = CancellableEngine(make_engine(workers=self.workers))
        session = session_to_dict(Session(export=settings))  # photos without their own session
        self.thread = threading.Thread(
            target=run_shoot_batch,
            args=(self.jobs, session, settings.to_dict(), self.engine, self._relay, self.plan),
            name="likeness-export-selected", daemon=True,
        )
        self.thread.start()
        self._show_buttons()

    def cancel(self) -> None:
        """Stop the export: the photos being written are dropped (none half-written)."""
        if self.running and self.engine is not None:
            self.engine.cancel()
            if isValid(self.panel):
                self.panel.status.setText("Cancelling…")

    def resume(self) -> None:
        """Run the last photos again; those already exported are skipped."""
        if self.paths and not self.running:
            self.start(self.paths)

    def stop_and_wait(self, timeout: float = 30.0) -> None:
        """Cancel and wait for the batch's thread (the application is quitting)."""
        self.cancel()
        if self.thread is not None:
            self.thread.join(timeout)

    # ------------------------------------------------------------------ the batch's news
    def _on_waiting(self, text: str) -> None:
        if not isValid(self.panel):
            return
        self.panel.status.setText(text[:1].upper() + text[1:])

    def _on_result(self, result) -> None:
        self.results.append(result)
        if not isValid(self.panel):
            return  # the window is gone; the batch is being stopped
        if result.status == "ok":
            self.window.filmstrip.mark_exported(result.input)
        table = self.panel.table
        row = table.rowCount()
        table.insertRow(row)
        for column, text in enumerate(result_cells(result)):
            item = QTableWidgetItem(text)
            if column == len(COLUMNS) - 1:
                item.setToolTip(text)
            table.setItem(row, column, item)
        table.scrollToBottom()
        self.panel.bar.setValue(len(self.results))
        self.panel.status.setText(f"Exported {len(self.results)} of {len(self.jobs)}")

    def _on_ended(self, results, interrupted: bool, error: str) -> None:
        self.thread = None
        self.interrupted = interrupted
        if not isValid(self.panel):
            return
        self._show_buttons()
        if error:
            self.panel.status.setText("Not exported")
            self.window.show_error(error)
            return
        from studio.batch import summarize

        summary = summarize(results).text() if results else "nothing exported"
        left = len(self.jobs) - len(results)
        if interrupted:
            self.panel.status.setText(f"Cancelled: {len(results)} done, {left} left "
                                      "(Resume exports the rest)")
        else:
            self.panel.status.setText(summary.splitlines()[0] if summary else "Done")
        self.window.filmstrip.refresh_flags()

    def _show_buttons(self) -> None:
        running = self.running
        self.panel.cancel_button.setEnabled(running)
        self.panel.resume_button.setEnabled(not running and self.interrupted)

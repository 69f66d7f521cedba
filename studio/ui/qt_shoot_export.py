"""Export Selected: the photos selected in the filmstrip exported by the batch service (the
same runner and task as ``likeness batch``, each photo with its own session) into the
shoot's ``exported`` folder, in the background. A panel shows a progress bar and a row per
photo (likeness, amount, notes); Cancel stops the workers (no half-written file is left),
Resume runs the same photos again and the batch's done list skips those already written.
The window's thread only receives results: it never waits for the batch.

"Same amount for each person" (issue 29, as ``likeness batch --consistent``): once the photos
are written, the photos of one person (the likeness descriptor's groups, corrected by the
shoot's people file: "These Are the Same Person" / "This Is Someone Else" on the filmstrip)
written above their person's amount, the lowest among them, are written again at it, each with
its own session (``studio.batch.consistent.consistent_results``), still in the background and
cancellable. The result table names each photo's person and shows its amount."""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
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
from studio.imaging.export import ExportSettings
from studio.session.model import Session, session_to_dict

from . import shoot

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QMainWindow

    from .model import StudioDocument
    from .qt_filmstrip import StudioFilmstrip
    from .qt_notice import Notices

#: The result table's columns.
COLUMNS = ("Photo", "Status", "Likeness", "Amount", "Person", "Notes")
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

    def renew(self, engine) -> None:
        """Run the next batch on ``engine`` (a closed engine is not started again); a
        Cancel already given still holds."""
        self.engine = engine

    def describe_people(self, photos: Sequence[str], workers: int = 1) -> dict:
        """The likeness descriptor of each photo's main face (None: no face), found by a
        fresh engine's workers (never in the window's process: a full decode each);
        KeyboardInterrupt once cancelled (the batch's way to stop)."""
        from studio.batch import make_engine  # start-up
        from studio.batch.consistent import main_face_descriptor  # start-up

        if not photos:
            return {}
        self.renew(make_engine(workers=workers, background=True))
        self.at_most(len(photos))
        self.start()
        futures = {self.submit(main_face_descriptor, photo): photo for photo in photos}
        found: dict = {}
        try:
            while len(found) < len(futures):
                pending = [f for f, photo in futures.items() if photo not in found]
                for future in self.wait_first(pending):
                    found[futures[future]] = _descriptor_of(self, future)
        except KeyboardInterrupt:
            self.abort(list(futures))
            raise
        self.close()
        return found

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


def _descriptor_of(engine, future):
    """A worker's descriptor (None: its worker failed; the photo then joins no one)."""
    try:
        return engine.result(future)
    except Exception:
        return None


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


@dataclass(frozen=True)
class SameAmount:
    """Export Selected's "Same amount for each person": the user's corrections of who is who
    (``studio.batch.consistent.Corrections``), the workers of each batch run again, and the
    photos written by an earlier run of this export (by input: its result), whose amounts
    count when a Resume skips them."""

    corrections: Any
    workers: int = 1
    written: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ShootBatch:
    """What Export Selected's thread exports: ``photos`` into ``folder`` with ``settings``
    (each photo with its own session, else ``session``)."""

    photos: tuple[Path, ...]
    folder: Path
    settings: Any  # ExportSettings
    session: dict


def run_shoot_batch(batch: ShootBatch, engine, relay: _BatchRelay,
                    task: Callable | None = None,
                    same_amount: SameAmount | None = None) -> None:
    """The batch thread: plan the jobs and run them (then, with ``same_amount``, the photos
    of each person above its amount again at it) and tell ``relay`` how it ended; behind the
    window (its workers give way to it; the thread itself mostly waits for them, and stays at
    the window's priority: the fork server it may start serves every later batch too)."""
    from studio.batch import BatchInterrupted, run_batch  # start-up
    from studio.batch.sidecar import own_session_task  # start-up

    results = []
    try:
        jobs, plan = shoot.export_plan(list(batch.photos), batch.folder, batch.settings)
        export = batch.settings.to_dict()
        results = run_batch(jobs, batch.session, export, engine=engine,
                            progress=_RelayProgress(relay), task=task or own_session_task,
                            plan=plan)
        if same_amount is not None:
            results = _same_amount(results, jobs, batch.session, export, engine, relay, plan,
                                   same_amount)
    except BatchInterrupted as stop:
        relay.ended.emit(stop.results, True, "")
    except KeyboardInterrupt:  # cancelled while the faces were compared
        relay.ended.emit(results, True, "")
    except LikenessError as error:
        relay.ended.emit([], False, str(error))
    else:
        relay.ended.emit(results, False, "")


def _same_amount(results, jobs, session: dict, export: dict, engine: CancellableEngine,
                 relay: _BatchRelay, plan, same_amount: SameAmount) -> list:
    """The batch thread's second pass: ``results`` with each person's photos written above
    its amount written again at it, each from its own session (BatchInterrupted: cancelled,
    carrying ``results`` with the photos written again before the Cancel)."""
    from studio.batch import SKIPPED, BatchInterrupted, make_engine, run_batch  # start-up
    from studio.batch.consistent import consistent_results  # start-up
    from studio.batch.sidecar import own_session_at_amount_task  # start-up

    written_again: dict[str, Any] = {}

    def redo(again, amounts):
        relay.waiting.emit(f"Writing {len(again)} photo{'s' * (len(again) != 1)} again at "
                           "their person's amount…")
        engine.renew(make_engine(workers=same_amount.workers, background=True))
        by_input = {str(job.input): amounts[job.shown_input] for job in again}
        try:
            out = run_batch(again, session, export, engine=engine, overwrite=True, plan=plan,
                            task=partial(own_session_at_amount_task, amounts=by_input))
        except BatchInterrupted as stop:
            written_again.update((r.input, r) for r in stop.results)
            raise
        written_again.update((r.input, r) for r in out)
        return out

    relay.waiting.emit("Comparing the faces: the same amount for each person…")
    skipped = {r.input: r for r in results if r.status == SKIPPED}
    known = [same_amount.written.get(r.input, r) if r.input in skipped else r for r in results]
    try:
        final = consistent_results(known, jobs, redo, same_amount.corrections,
                                   describe=partial(engine.describe_people,
                                                    workers=same_amount.workers))
    except KeyboardInterrupt:
        raise BatchInterrupted([written_again.get(r.input, r) for r in results]) from None
    # a photo skipped (written by an earlier run) and not written again says so, with the
    # figures and person of its file
    return [replace(r, status=SKIPPED, reason=skipped[r.input].reason)
            if r.input in skipped and r.input not in written_again else r for r in final]


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
        self.same_amount = QCheckBox("Same amount for each person", self)
        self.same_amount.setObjectName("shoot_export_same_amount")
        self.same_amount.setToolTip(
            "Photos of one person get one look amount, the lowest any of them needs to keep "
            "the look's likeness budget, so the skin does not change from frame to frame "
            "(on by default with a budgeted look; correct who is who on the filmstrip)")
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
        layout.addWidget(self.same_amount)  # a row of its own: the panel stays narrow
        layout.addWidget(self.table, 1)

    def rows(self) -> list[tuple[str, ...]]:
        """Each row's cells as shown."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS)))
                for r in range(self.table.rowCount())]


def result_cells(result) -> tuple[str, ...]:
    """A photo's row: name, status, likeness, amount of the face sliders (its person's, with
    the same amount for each person), person, notes."""
    likeness = "" if result.likeness_percent is None else f"{result.likeness_percent:.1f}%"
    amount = "" if result.amount_percent is None else f"{result.amount_percent:.0f}%"
    return (Path(result.input).name, result.status, likeness, amount, result.group,
            result.reason)


class StudioShootExport:
    """Export Selected: ``start(paths)`` exports them in the background; ``cancel()``;
    ``resume()`` runs the last photos again. ``running`` while a batch runs. Its results are
    docked in ``window``; ``save_session()`` saves the open photo's unsaved work first."""

    def __init__(self, document: StudioDocument, filmstrip: StudioFilmstrip,
                 save_session: Callable[[], bool], notices: Notices, window: QMainWindow,
                 workers: int = 1):
        self.document, self.filmstrip, self.save_session = document, filmstrip, save_session
        self.notices, self.window = notices, window
        self.workers = workers
        self.panel = QtShootExportPanel(window)
        self.dock = QDockWidget("Export Selected", window)
        self.dock.setObjectName("shoot_export_dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.panel.cancel_button.clicked.connect(self.cancel)
        self.panel.resume_button.clicked.connect(self.resume)
        #: The user chose "Same amount for each person" (else it follows the open photo's look)
        self.same_amount_chosen = False
        self.panel.same_amount.clicked.connect(self._on_same_amount_clicked)
        #: Each photo written by this export (by input): its last result, for a Resume
        self.written: dict[str, Any] = {}
        self._written_for: tuple = ()
        self._relay = _BatchRelay()
        self._relay.waiting.connect(self._on_waiting)
        self._relay.finished_one.connect(self._on_result)
        self._relay.ended.connect(self._on_ended)
        self.engine: CancellableEngine | None = None
        self.thread: threading.Thread | None = None
        self.paths: list[Path] = []
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
        chosen = self.document.export
        return chosen if chosen is not None else ExportSettings("linkedin")

    def export_selected(self) -> None:
        """File › Export › Export Selected: the filmstrip's selected photos (the open one
        when none is selected)."""
        filmstrip = self.filmstrip
        if not filmstrip.photos:
            self.notices.error("Open a folder first (File › Open Folder) and select the "
                                   "photos to export in the filmstrip.")
            return
        paths = filmstrip.selected() or [self.document.source_path]
        paths = [p for p in paths if p is not None]
        if not self._open_photo_saved(paths):
            return
        self.start(paths)

    def _open_photo_saved(self, paths: list[Path]) -> bool:
        """The open photo is exported as it is on screen: its unsaved changes are saved to
        its session first (the batch reads each photo's session). False: it could not be."""
        document = self.document
        source = document.source_path
        if source is None or not document.dirty:
            return True
        if os.path.abspath(source) not in {os.path.abspath(p) for p in paths}:
            return True
        return self.save_session()

    def start(self, paths: list[Path]) -> None:
        """Export ``paths`` into the shoot's export folder in the background (the jobs and
        their write plan are made there too: the window only hands the photos over)."""
        if self.running or not paths:
            return
        folder = self.filmstrip.export_folder or Path(paths[0]).parent / shoot.EXPORT_FOLDER
        settings = self.settings()
        try:
            folder.mkdir(exist_ok=True)
        except OSError as error:
            self.notices.error(f"Cannot make the export folder {folder}: {error.strerror}")
            return
        self.paths = list(paths)
        self.results, self.interrupted = [], False
        if self._written_for != (folder, settings):
            self.written, self._written_for = {}, (folder, settings)
        self.panel.table.setRowCount(0)
        self.panel.bar.setRange(0, len(self.paths))
        self.panel.bar.setValue(0)
        self.panel.status.setText(f"Exporting {len(self.paths)} photos to {folder}…")
        self.panel.status.setToolTip(str(folder))
        self._show_dock()
        self._begin(folder, settings)

    def _show_dock(self) -> None:
        """Show the results beside the filmstrip, the strip keeping 3/5 of the width (the
        first time; then as the user left them)."""
        if self.dock.isVisible():
            return
        self.dock.show()
        QTimer.singleShot(0, self._share_width)  # once the dock has its place

    def _share_width(self) -> None:
        strip = self.filmstrip.dock
        if isValid(strip) and strip.isVisible() and not self.dock.isFloating():
            width = self.window.width()
            self.window.resizeDocks([strip, self.dock], [width * 3 // 5, width * 2 // 5],
                                    Qt.Orientation.Horizontal)

    def _begin(self, folder: Path, settings) -> None:
        from studio.batch import make_engine  # start-up

        self.engine = CancellableEngine(make_engine(workers=self.workers, background=True))
        session = session_to_dict(Session(export=settings))  # photos without their own session
        batch = ShootBatch(tuple(self.paths), folder, settings, session)
        self.thread = threading.Thread(
            target=run_shoot_batch, args=(batch, self.engine, self._relay),
            kwargs={"same_amount": self._same_amount()},
            name="likeness-export-selected", daemon=True,
        )
        self.thread.start()
        self._show_buttons()

    def _on_same_amount_clicked(self, _checked: bool) -> None:
        self.same_amount_chosen = True

    def same_amount_default(self) -> bool:
        """"Same amount for each person" unless the user chose: on when the open photo's look
        has a likeness budget (each photo's amount was then found within it, not chosen, and
        the lowest keeps every photo of the person within it); off otherwise (sliders set by
        hand, or an amount the user picked, are exported as they are)."""
        document = self.document
        return document.look is not None and document.budget is not None

    def _same_amount(self) -> SameAmount | None:
        """What the second pass needs (None: the option is off); the shoot's people file read
        now (a broken one: a notice, and the descriptor's groups alone)."""
        panel = self.panel
        if not self.same_amount_chosen:
            panel.same_amount.setChecked(self.same_amount_default())
        if not panel.same_amount.isChecked():
            return None
        folder = self.filmstrip.folder or Path(self.paths[0]).parent
        corrections, problem = shoot.read_people(folder)
        if problem:
            self.notices.bar.show_message(problem)
        return SameAmount(corrections, self.workers, dict(self.written))

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
            self.written[result.input] = result
            self.filmstrip.mark_exported(result.input)
        self._add_row(result)
        self.panel.table.scrollToBottom()
        self.panel.bar.setValue(len(self.results))
        self.panel.status.setText(f"Exported {len(self.results)} of {len(self.paths)}")

    def _add_row(self, result) -> None:
        table = self.panel.table
        row = table.rowCount()
        table.insertRow(row)
        for column, text in enumerate(result_cells(result)):
            item = QTableWidgetItem(text)
            if column >= len(COLUMNS) - 2:  # the person and the notes, whole
                item.setToolTip(text)
            table.setItem(row, column, item)

    def _show_results(self, results) -> None:
        """The rows as the batch ended (the same amount for each person changes amounts and
        names each photo's person); the filmstrip shows who is who."""
        self.results = list(results)
        self.panel.table.setRowCount(0)
        for result in self.results:
            if result.status == "ok":
                self.written[result.input] = result
            self._add_row(result)
        self.filmstrip.show_people({r.input: r.group for r in self.results if r.group})

    def _on_ended(self, results, interrupted: bool, error: str) -> None:
        self.thread = None
        self.interrupted = interrupted
        if not isValid(self.panel):
            return
        self._show_buttons()
        if error:
            self.panel.status.setText("Not exported")
            self.notices.error(error)
            return
        from studio.batch import summarize  # start-up

        self._show_results(results)
        summary = summarize(results).text() if results else "nothing exported"
        left = len(self.paths) - len(results)
        if interrupted and left == 0:  # in the second pass
            self.panel.status.setText("Cancelled while giving each person the same amount "
                                      "(Resume finishes it)")
        elif interrupted:
            self.panel.status.setText(f"Cancelled: {len(results)} done, {left} left "
                                      "(Resume exports the rest)")
        else:
            self.panel.status.setText(summary.splitlines()[0] if summary else "Done")
        self.filmstrip.refresh_flags()

    def _show_buttons(self) -> None:
        running = self.running
        self.panel.cancel_button.setEnabled(running)
        self.panel.same_amount.setEnabled(not running)  # read as the export starts
        self.panel.resume_button.setEnabled(not running and self.interrupted)

"""The studio's main window: canvas, side panel, history, menus, workers, sessions, export."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from studio.edits.sliders import default_sliders
from studio.errors import LikenessError
from studio.paths import resource_path, user_dir

from . import engine
from . import qt_jobs as jobs
from .model import StudioDocument
from .qt_actions import ORIGINAL_KEY, QtShortcutsDialog, StudioActions
from .qt_autosave import (  # noqa: F401 - AUTOSAVE_* re-exported for app.py
    AUTOSAVE_PREFIX,
    AUTOSAVE_SUFFIX,
    Autosaver,
    autosave_path,
    crashed_autosave_for,
)
from .qt_canvas import QtCanvas, qimage_from_rgb8
from .qt_commands import SetAllSlidersCommand, SetFaceCommand, SetSliderCommand
from .qt_exporter import StudioExporter
from .qt_jobs import OpenResult  # noqa: F401 - tests import it here
from .qt_notice import QtNoticeBar
from .qt_panel import QtSidePanel
from .qt_sessions import SESSION_FILTER, StudioSessions
from .qt_workers import QtLatestRunner

APP_NAME = "Likeness Studio"
PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif *.bmp)"
#: Milliseconds the likeness waits for the preview to settle.
LIKENESS_SETTLE_MS = 350
#: Zoom, as a multiple of the proxy scale, above which the proxy would be magnified: the visible
#: region is then rendered at full size.
DETAIL_ZOOM_SLACK = 1.01
#: Recent previews kept (about 30 MB each at 2 MP) so undo and redo show at once.
RENDER_CACHE = 6


def settings_store() -> QSettings:
    """The studio's QSettings: an ini file in the user's config folder (tests: a temp folder)."""
    return QSettings(str(user_dir("config") / "studio.ini"), QSettings.Format.IniFormat)


def _is_session_file(path: Path) -> bool:
    return path.name.lower().endswith(".json")


class _KeyWatcher(QObject):
    """Hold backslash anywhere in the window to see the original (as in Lightroom)."""

    def __init__(self, window: QtStudioWindow):
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if (
            kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
            and event.key() == ORIGINAL_KEY
            and not event.isAutoRepeat()
            and QApplication.activeWindow() is self.window
        ):
            self.window.canvas.set_showing_original(kind == QEvent.Type.KeyPress)
            return True
        return False


class QtStudioWindow(QMainWindow):
    """The studio. ``open_path(path)`` opens a photo or a session; None opens the sample."""

    #: Emitted on the GUI thread when a new preview is on screen (tests wait for it).
    preview_shown = Signal(int)
    likeness_shown = Signal(object)
    export_finished = Signal(object)

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setObjectName("studio_window")
        icon = resource_path("icons", "likeness-studio.svg")
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))
        self.settings = settings or settings_store()
        self.document = StudioDocument()
        self.undo_stack = QUndoStack(self)
        self.preview_engine: engine.PreviewEngine | None = None
        self.sha256: str | None = None
        self.preview_pixels: np.ndarray | None = None  # the edited proxy on screen
        self.preview_sliders: dict | None = None
        self.preview_id = 0
        self.likeness_percent: float | None = None
        self.likeness_id = 0  # the preview the likeness was measured on
        self.export_settings = None
        self.export_likeness: float | None = None  # measured on the last export's full pixels
        self.opening = False
        self._render_cache: dict[tuple, jobs.RenderResult] = {}
        self._restoring = None  # the crashed studio's session the open running restores
        self._pending_open = None

        self.render_runner = QtLatestRunner("render", parent=self)
        self.open_runner = QtLatestRunner("open", parent=self)
        self.likeness_runner = QtLatestRunner("likeness", parent=self)
        self.masks_runner = QtLatestRunner("masks", parent=self)
        self.detail_runner = QtLatestRunner("detail", parent=self)
        self.circle_runner = QtLatestRunner("circle", parent=self)
        self.prepare_runner = QtLatestRunner("prepare", parent=self)
        self.export_runner = QtLatestRunner("export", parent=self)
        self.quick_runner = QtLatestRunner("quick", parent=self)
        self.quick_runner.finished.connect(self._on_quick_done)
        self._quick_for = 0
        self.prepare_runner.failed.connect(self._on_worker_failed)
        self.runners = (
            self.render_runner,
            self.open_runner,
            self.likeness_runner,
            self.masks_runner,
            self.detail_runner,
            self.circle_runner,
            self.prepare_runner,
            self.export_runner,
        )
        self.render_runner.finished.connect(self._on_render_done)
        self.render_runner.failed.connect(self._on_worker_failed)
        self.open_runner.finished.connect(self._on_open_done)
        self.open_runner.failed.connect(self._on_open_failed)
        self.likeness_runner.finished.connect(self._on_likeness_done)
        self.masks_runner.finished.connect(self._on_masks_done)
        self.detail_runner.finished.connect(self._on_detail_done)
        self.circle_runner.finished.connect(lambda _id, image: self.panel.circle.set_image(image))
        for runner in (
            self.likeness_runner,
            self.masks_runner,
            self.detail_runner,
            self.circle_runner,
        ):
            runner.failed.connect(self._on_worker_failed)

        self.canvas = QtCanvas(self)
        self.notice = QtNoticeBar(self)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.canvas.view_changed.connect(self._on_view_change)
        self.canvas.file_dropped.connect(self.open_path)
        self.canvas.split_changed.connect(lambda _x: None)

        self.panel = QtSidePanel(self.document, self)
        scroll = QScrollArea(self)
        scroll.setObjectName("panel_scroll")
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)
        self.panel_dock = QDockWidget("Adjust", self)
        self.panel_dock.setObjectName("panel_dock")
        self.panel_dock.setWidget(scroll)
        self.panel_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel_dock)
        self.history = QUndoView(self.undo_stack, self)
        self.history.setEmptyLabel("Opened")
        self.history.setObjectName("history")
        self.history_dock = QDockWidget("History", self)
        self.history_dock.setObjectName("history_dock")
        self.history_dock.setWidget(self.history)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history_dock)
        self.resizeDocks([self.history_dock], [190], Qt.Orientation.Horizontal)

        self.panel.slider_edited.connect(self._on_slider_edited)
        self.panel.slider_released.connect(self._on_slider_released)
        self.panel.look_chosen.connect(self.apply_look)
        self.panel.face_chosen.connect(self._on_face_chosen)
        self.panel.reset_all.connect(self.reset_all)
        events = self.document.events
        self.document.events.slider.connect(self._on_slider_change)
        self.document.events.face.connect(self._on_face_change)
        self.document.events.dirty.connect(self._on_dirty_change)
        self.document.events.session_path.connect(lambda path: self._update_title())

        self._render_timer = QTimer(self, singleShot=True, interval=0)
        self._render_timer.timeout.connect(self._request_render)
        self._likeness_timer = QTimer(self, singleShot=True, interval=LIKENESS_SETTLE_MS)
        self._likeness_timer.timeout.connect(self._request_likeness)
        self.sessions = StudioSessions(self)
        self.autosaver = self.sessions.autosaver
        self.exporter = StudioExporter(self)
        for event in (events.slider, events.face, events.look, events.crop):
            event.connect(self._on_document_edit)

        self._build_actions()
        self._build_status()
        self._key_watcher = _KeyWatcher(self)
        QApplication.instance().installEventFilter(self._key_watcher)
        self._load_looks()
        self._restore_window_state()
        self._update_actions()
        self._update_title()

    # ================================================================== building
    def _build_actions(self) -> None:
        self.actions = StudioActions(self)
        for name, action in self.actions.by_name.items():
            setattr(self, f"{name}_action", action)
        self.undo_action, self.redo_action = self.actions.undo, self.actions.redo
        self.undo_tool, self.redo_tool = self.actions.undo_tool, self.actions.redo_tool
        self.overlay_actions = self.actions.overlays
        self.recent_menu = self.actions.recent_menu
        self.export_menu = self.actions.export_menu
        self.overlay_menu = self.actions.overlay_menu
        self.sessions.rebuild_recent_menu()

    def show_shortcuts(self) -> QtShortcutsDialog:
        """Help › Keyboard Shortcuts (non-modal: it can stay open beside the photo)."""
        dialog = QtShortcutsDialog(self, self.actions.shortcut_rows())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _build_status(self) -> None:
        status = self.statusBar()
        self.status_photo = QLabel("", self)
        self.status_zoom = QLabel("", self)
        self.status_render = QLabel("", self)
        status.addPermanentWidget(self.status_render)
        status.addPermanentWidget(self.status_zoom)
        status.addPermanentWidget(self.status_photo)

    # ================================================================== settings
    def _restore_window_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        if isinstance(state, QByteArray | bytes) and state:
            self.restoreState(state)

    def _save_window_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()

    def recent_files(self) -> list[str]:
        return self.sessions.recent_files()

    def _add_recent(self, path: Path) -> None:
        self.sessions.add_recent(path)

    def _load_looks(self) -> None:
        from studio.session import list_looks

        try:
            looks = [
                (info.key, info.name)
                for info in list_looks()
                if not info.description.startswith("(cannot be used")
            ]
        except LikenessError as error:  # a broken built-in look: say so, keep working
            self.statusBar().showMessage(f"Looks unavailable: {error}")
            looks = []
        self.panel.set_looks(looks)

    # ================================================================== opening
    def open_dialog(self) -> None:
        folder = str(self.settings.value("folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self,
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
        if path is not None:
            path = Path(path)
            if not self.sessions.confirm_discard():
                return
            self.settings.setValue("folder", str(path.parent))
        self.opening = True
        self._pending_open = path
        self.statusBar().showMessage(f"Opening {path.name if path else 'the sample'}…")
        as_session = path is not None and _is_session_file(path)
        request_id = self.open_runner.submit(jobs.open_job, path, as_session)
        if path is not None and not as_session and self.document.photo is None:
            # nothing on screen yet: show a fast reduced decode while faces are found
            self._quick_for = request_id
            self.quick_runner.submit(jobs.quick_job, path)

    def _on_quick_done(self, _request_id: int, result: jobs.QuickPreview) -> None:
        if (
            self.opening
            and self.document.photo is None
            and self.open_runner.latest_id == self._quick_for
        ):
            self.canvas.set_photo(result.width, result.height, result.image)
            self.statusBar().showMessage("Finding faces…")

    def _on_open_done(self, _request_id: int, result: OpenResult) -> None:
        self.opening = False
        self.undo_stack.clear()
        self.autosaver.discard()  # the previous photo's: saved or discarded by now
        self.render_runner.cancel()
        self.detail_runner.cancel()
        self.likeness_runner.cancel()
        self.masks_runner.cancel()
        self._render_cache.clear()
        self.preview_engine = result.preview
        self.sha256 = result.sha256
        self.preview_pixels = None
        self.preview_sliders = None
        self.likeness_percent = None
        self.panel.meter.set_empty()  # measured once the first preview settles
        document = self.document
        document.set_photo(result.photo, result.analysis)
        if result.preview.face_index != document.face_index:
            document.face_index = result.preview.face_index
            document.events.face(index=document.face_index)
        photo = result.photo
        self.canvas.set_photo(photo.width, photo.height, qimage_from_rgb8(result.before8))
        self.canvas.set_landmarks([f.landmarks for f in document.faces], document.face_index)
        for name in ("skin", "protected", "background"):
            self.canvas.set_overlay_image(name, None)
        if any(self.canvas.overlays_on[n] for n in ("skin", "protected", "background")):
            self._request_masks()
        self._start_from(result)
        mp = photo.megapixels
        faces = len(document.faces)
        self.status_photo.setText(
            f"{document.display_name}  {photo.width}×{photo.height} "
            f"({mp:.1f} MP)  {faces} face{'s' if faces != 1 else ''}"
        )
        self.statusBar().showMessage("Ready", 3000)
        self._show_restored(result)
        self._update_actions()
        self._update_title()
        self._schedule_render()
        # the per-photo layers, ready before the first slider move
        self.prepare_runner.submit(result.preview.prepare)

    def _start_from(self, result: OpenResult) -> None:
        """Set the sliders the photo starts from: its session (opened, saved beside it, or a
        crashed studio's autosave) or neutral, never the previous photo's."""
        document = self.document
        session = result.session
        restored = result.restored
        if self._restoring is not None:
            session, restored = session or self._restoring, "autosave"
            self._restoring = None
        if session is None:
            document.set_sliders(default_sliders())
            document.set_look(None)
            document.crop = None
            document.set_session_path(None)
            document.set_dirty(False)
            if result.photo.path is not None:
                self.sessions.add_recent(result.photo.path)
            return
        document.set_sliders(session.sliders)
        document.set_look(session.look)
        document.crop = session.crop
        self.export_settings = session.export
        if restored != "autosave":
            document.set_session_path(result.session_path)
            document.set_dirty(False)
            self.sessions.add_recent(result.session_path if restored == "session" else result.photo.path)
            return
        # a crash left this work: show it as unsaved, kept from now on by this studio's autosave
        document.set_session_path(result.session_path if result.restored == "autosave" else None)
        document.set_dirty(True)
        self.autosaver.changed()
        self.autosaver.flush()
        crashed = result.autosave_file or result.session_path
        if crashed is not None and Path(crashed) != autosave_path():
            Path(crashed).unlink(missing_ok=True)

    def _show_restored(self, result: OpenResult) -> None:
        """Say what the sliders came back from, with a way back to neutral (undoable)."""
        name = self.document.display_name
        if result.restored == "beside":
            text = f"Restored the session saved with {name} ({result.session_path.name})."
        elif result.restored == "autosave" or self.document.dirty:
            text = f"Restored the unsaved changes to {name} (the studio did not close properly)."
        elif result.note:
            text = result.note
        else:
            self.notice.clear()
            return
        has_session = result.session is not None
        self.notice.show_message(
            text,
            "Start from Neutral" if has_session else None,
            self.reset_all if has_session else None,
        )

    def _on_open_failed(self, _request_id: int, error: LikenessError) -> None:
        self.opening = False
        self._restoring = None
        self.statusBar().clearMessage()
        if self.document.photo is None:
            self.canvas.clear_photo()  # a fast preview of the bad file may be showing
        self.show_error(str(error))

    def show_error(self, message: str) -> None:
        """The one-line message of a problem the user can fix, in a dialog."""
        QMessageBox.warning(self, APP_NAME, message)

    # ================================================================== edits
    def _on_slider_edited(self, key: str, value) -> None:
        if self.document.photo is None:
            return
        row = self.panel.rows[key]
        held = bool(getattr(row, "slider", None) and row.slider.isSliderDown())
        self.undo_stack.push(SetSliderCommand(self.document, key, value, held))

    def _on_slider_released(self, key: str) -> None:
        top = (
            self.undo_stack.command(self.undo_stack.index() - 1)
            if self.undo_stack.index() > 0
            else None
        )
        if isinstance(top, SetSliderCommand) and top.key == key:
            top.release()

    def apply_look(self, key: str) -> None:
        """Set every slider from a look (one undo step)."""
        from studio.session import load_look

        try:
            look = load_look(key)
        except LikenessError as error:
            self.show_error(str(error))
            return
        self.undo_stack.push(
            SetAllSlidersCommand(self.document, look.sliders, f"Look: {look.name or key}", look=key)
        )

    def apply_session_dialog(self) -> None:
        folder = str(self.settings.value("folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self, "Apply a session or look", folder, f"{SESSION_FILTER};;All files (*)"
        )
        if path:
            self.apply_session_file(path)

    def apply_session_file(self, path: str | os.PathLike) -> None:
        """Use a session's or look's sliders on this photo (its masks follow this photo's face)."""
        from studio.session import load_session

        try:
            session = load_session(path)
        except LikenessError as error:
            self.show_error(str(error))
            return
        self.undo_stack.push(
            SetAllSlidersCommand(
                self.document, session.sliders, f"Applied {Path(path).name}", look=session.look
            )
        )

    def save_look_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Save look", "Name of the look:")
        if ok and name.strip():
            self.save_look(name)

    def save_look(self, name: str) -> None:
        """Keep the current sliders as the user's look ``name`` (shown in the look picker)."""
        from studio.session import save_look

        try:
            path = save_look(name, self.document.sliders)
        except LikenessError as error:
            self.show_error(str(error))
            return
        self._load_looks()
        self.document.set_look(path.name[: -len(".json")])
        self.statusBar().showMessage(f"Look saved: {path}", 5000)

    def reset_all(self) -> None:
        if self.document.sliders != default_sliders():
            self.undo_stack.push(
                SetAllSlidersCommand(self.document, default_sliders(), "Reset all", look=None)
            )

    def _on_face_chosen(self, index: int) -> None:
        if index != self.document.face_index:
            self.undo_stack.push(SetFaceCommand(self.document, index))

    # ================================================================== document events
    def _on_slider_change(self, key: str, value) -> None:
        self._schedule_render()

    def _on_face_change(self, index: int | None) -> None:
        if self.preview_engine is None or self.preview_engine.face_index == index:
            return
        self.preview_engine = self.preview_engine.for_face(index)
        self._render_cache.clear()
        self.masks_runner.cancel()  # masks of the previous face must not arrive now
        self.canvas.set_landmarks([f.landmarks for f in self.document.faces], index)
        for name in ("skin", "protected", "background"):
            self.canvas.set_overlay_image(name, None)
        if any(self.canvas.overlays_on[n] for n in ("skin", "protected", "background")):
            self._request_masks()
        self._schedule_render()

    def _on_dirty_change(self, dirty: bool) -> None:
        if dirty:
            self.autosaver.changed()
        self._update_title()

    def _on_document_edit(self, **_change) -> None:
        if self.document.photo is not None and not self.opening:
            self.autosaver.changed()

    def _update_title(self) -> None:
        name = self.document.display_name if self.document.photo is not None else ""
        session = self.document.session_path
        if session is not None:
            name = f"{name} — {session.name}"
        mark = "*" if self.document.dirty else ""
        self.setWindowTitle(f"{name}{mark} — {APP_NAME}" if name else APP_NAME)

    def _update_actions(self) -> None:
        self.actions.update_enabled(self.document.photo is not None)

    # ================================================================== rendering
    def _schedule_render(self) -> None:
        # 0 ms: several changes in one event-loop pass (a look, undo) become one request
        self.canvas.clear_detail()
        self.detail_runner.cancel()  # a region rendered with the old values must not show
        self._render_timer.start()

    def _request_render(self) -> None:
        if self.preview_engine is None:
            return
        sliders = self.document.sliders
        key = tuple(sorted(sliders.items(), key=lambda kv: kv[0]))
        cached = self._render_cache.get(key)
        if cached is not None:
            # a render in flight is now stale: the cached one is newer
            self._show_render(self.render_runner.cancel(), cached)
            return
        self.panel.meter.set_pending()
        self.render_runner.submit(jobs.render_job, self.preview_engine, sliders)

    def _on_render_done(self, request_id: int, result: jobs.RenderResult) -> None:
        key = tuple(sorted(result.sliders.items(), key=lambda kv: kv[0]))
        self._render_cache[key] = result
        while len(self._render_cache) > RENDER_CACHE:
            self._render_cache.pop(next(iter(self._render_cache)))
        self._show_render(request_id, result)

    def _show_render(self, request_id: int, result: jobs.RenderResult) -> None:
        self.preview_pixels = result.pixels
        self.preview_sliders = result.sliders
        self.preview_id = request_id
        self.canvas.set_after(result.image)
        self.status_render.setText(f"preview {result.seconds * 1000:.0f} ms")
        self._likeness_timer.start()
        self.circle_runner.submit(jobs.circle_job, self.preview_engine, result.pixels)
        self._on_view_change()
        self.preview_shown.emit(request_id)

    def _request_likeness(self) -> None:
        if self.preview_engine is None or self.preview_pixels is None:
            return
        if self.preview_engine.face is None:
            self.likeness_percent = None
            self.panel.meter.set_percent(None)
            self.likeness_shown.emit(None)
            return
        self.likeness_runner.submit(
            jobs.likeness_job, self.preview_engine, self.preview_pixels, self.preview_id
        )

    def _on_likeness_done(self, _request_id: int, result: jobs.LikenessResult) -> None:
        render_id, percent = result.render_id, result.percent
        if render_id != self.preview_id:
            return  # measured on a preview that is no longer shown
        self.likeness_percent = percent
        self.likeness_id = render_id
        self.panel.meter.set_percent(percent)
        self.likeness_shown.emit(percent)

    def _on_worker_failed(self, _request_id: int, error: LikenessError) -> None:
        self.show_error(str(error))

    # ================================================================== zoom detail
    def _on_view_change(self) -> None:
        preview = self.preview_engine
        zoom = self.canvas.zoom
        self.status_zoom.setText(f"{zoom * 100:.0f}%")
        if preview is None or preview.factor >= 1.0 or self.canvas.showing_original:
            return
        if zoom <= preview.factor * DETAIL_ZOOM_SLACK:
            self.detail_runner.cancel()
            self.canvas.clear_detail()
            return
        rect = self.canvas.visible_rect()
        if rect[2] - rect[0] < 2 or rect[3] - rect[1] < 2:
            return
        self.detail_runner.submit(jobs.detail_job, preview, rect, self.document.sliders)

    def _on_detail_done(self, _request_id: int, result: jobs.DetailResult) -> None:
        self.canvas.set_detail(result.x, result.y, result.before, result.after)

    # ================================================================== overlays
    def set_overlay(self, name: str, on: bool) -> None:
        """Show or hide an overlay ("landmarks", "protected", "skin", "background")."""
        action = self.overlay_actions[name]
        if action.isChecked() != on:
            action.setChecked(on)
        self.canvas.set_overlay_visible(name, on)
        if on and name != "landmarks" and not self.canvas.overlay_ready(name):
            self._request_masks()

    def _request_masks(self) -> None:
        if self.preview_engine is not None and self.preview_engine.face is not None:
            self.masks_runner.submit(jobs.masks_job, self.preview_engine)

    def _on_masks_done(self, _request_id: int, images: dict) -> None:
        scale = 1.0 / self.preview_engine.factor if self.preview_engine else 1.0
        for name, image in images.items():
            self.canvas.set_overlay_image(name, image, scale)

    # ================================================================== sessions
    def current_session(self):
        """The document as a Session (sliders, face, look, crop, export, cached analysis)."""
        return self.sessions.current_session()

    def save_session(self) -> bool:
        """Save to the session's file (default: beside the photo). Returns True when saved."""
        return self.sessions.save_session()

    def save_session_as(self, path: str | os.PathLike | None = None) -> bool:
        return self.sessions.save_session_as(path)

    # ================================================================== autosave
    def autosave(self) -> Path | None:
        """Write the autosave now when a change is waiting (the path written, or None)."""
        return self.sessions.autosaver.flush()

    def restore_autosave(self, path: Path) -> None:
        """Reopen a session left by a crash (its photo, or the sample when it had none)."""
        self.sessions.restore_autosave(path)

    # ================================================================== export
    def show_export_dialog(self, preset: str | None = None) -> None:
        self.exporter.show_dialog(preset)

    def start_export(self, settings, path: Path) -> None:
        """Render at full resolution and export in the background, with a progress dialog."""
        self.exporter.start(settings, path)

    # ================================================================== closing
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self.sessions.confirm_discard():
            event.ignore()
            return
        self.autosaver.discard()
        self._save_window_state()
        QApplication.instance().removeEventFilter(self._key_watcher)
        for runner in self.runners:
            runner.cancel()
        for runner in self.runners:
            runner.shutdown()
        event.accept()

"""The studio's main window: canvas, side panel, history, menus, workers, sessions, export."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon, QImage, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QScrollArea,
    QToolButton,
    QUndoView,
)

from studio.errors import LikenessError
from studio.paths import resource_path, user_dir

from . import engine
from .model import StudioDocument
from .qt_canvas import OVERLAYS, QtCanvas, qimage_from_mask, qimage_from_rgb8
from .qt_commands import SetAllSlidersCommand, SetFaceCommand, SetSliderCommand
from .qt_export import QtExportDialog
from .qt_panel import LIKENESS_WARNING, QtSidePanel
from .qt_workers import QtLatestRunner

APP_NAME = "Likeness Studio"
PHOTO_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif *.bmp)"
SESSION_FILTER = "Sessions and looks (*.likeness.json *.json)"
MAX_RECENT = 10
#: Milliseconds: autosave interval while changes keep coming; likeness waits for the preview to settle.
AUTOSAVE_MS, LIKENESS_SETTLE_MS = 3000, 350
#: Autosaves are "autosave-PID.likeness.json": one per running studio, so two never collide.
AUTOSAVE_PREFIX, AUTOSAVE_SUFFIX = "autosave-", ".likeness.json"
#: Zoom, as a multiple of the proxy scale, above which the proxy would be magnified: the visible
#: region is then rendered at full size.
DETAIL_ZOOM_SLACK = 1.01
#: Recent previews kept (about 30 MB each at 2 MP) so undo and redo show at once.
RENDER_CACHE = 6


def settings_store() -> QSettings:
    """The studio's QSettings: an ini file in the user's config folder (tests: a temp folder)."""
    return QSettings(str(user_dir("config") / "studio.ini"), QSettings.Format.IniFormat)


def autosave_path(pid: int | None = None) -> Path:
    """This studio's autosave file (or the one of process ``pid``) in the user's data folder."""
    return (
        user_dir("data")
        / f"{AUTOSAVE_PREFIX}{os.getpid() if pid is None else pid}{AUTOSAVE_SUFFIX}"
    )


def _is_session_file(path: Path) -> bool:
    return path.name.lower().endswith(".json")


class _OpenResult:
    """What the open worker hands back to the GUI thread."""

    def __init__(self, photo, analysis, preview, before8, sha256, session=None, session_path=None):
        self.photo, self.analysis, self.preview, self.before8 = photo, analysis, preview, before8
        self.sha256, self.session, self.session_path = sha256, session, session_path


def _open_job(path: Path | None, as_session: bool) -> _OpenResult:
    """Worker: read a photo (or a session and its photo), find faces, prepare the proxy."""
    from studio.session import file_sha256, find_source, load_session

    session = None
    session_path = None
    if as_session:
        session = load_session(path)
        session_path = path
        path = find_source(session)
    photo, analysis = engine.open_photo(path)
    sha = file_sha256(path) if path is not None else None
    preview = engine.PreviewEngine(photo, analysis, None)
    face_index = None
    if session is not None:
        face_index = session.face if analysis.face(session.face) is not None else None
        preview = preview.for_face(face_index)
    elif analysis.primary is not None:
        preview = preview.for_face(analysis.primary)
    return _OpenResult(
        photo, analysis, preview, engine.to_uint8(preview.proxy), sha, session, session_path
    )


def _quick_job(path: Path) -> tuple:
    """Worker: a reduced decode (JPEG DCT scaling) to show at once; faces come later."""
    from studio.imaging import load_proxy

    photo, factor = load_proxy(path, max_pixels=engine.PROXY_PIXELS)
    width, height = round(photo.width / factor), round(photo.height / factor)
    return width, height, qimage_from_rgb8(engine.to_uint8(photo.pixels))


def _render_job(preview: engine.PreviewEngine, sliders: dict) -> tuple:
    start = time.perf_counter()
    pixels = preview.render(sliders)
    image = qimage_from_rgb8(engine.to_uint8(pixels))
    return sliders, pixels, image, time.perf_counter() - start


def _masks_job(preview: engine.PreviewEngine) -> dict:
    masks = preview.masks()
    return {
        name: qimage_from_mask(masks[name], OVERLAYS[name][0])
        for name in ("skin", "protected", "background")
        if name in masks
    }


def _detail_job(preview: engine.PreviewEngine, rect: tuple, sliders: dict) -> tuple:
    detail = preview.render_region(rect, sliders)
    h, w = detail.pixels.shape[:2]
    before = preview.photo.pixels[detail.y : detail.y + h, detail.x : detail.x + w]
    return (
        detail.x,
        detail.y,
        qimage_from_rgb8(engine.to_uint8(before)),
        qimage_from_rgb8(engine.to_uint8(detail.pixels)),
    )


def _likeness_job(preview: engine.PreviewEngine, edited: np.ndarray, render_id: int) -> tuple:
    from studio.face import likeness_percent

    distance = preview.likeness(edited)
    return render_id, likeness_percent(distance) if distance is not None else None


def _circle_job(preview: engine.PreviewEngine, edited: np.ndarray) -> QImage:
    """The LinkedIn framing of the edited proxy (what the circle preview shows)."""
    from studio.imaging.export import face_crop

    h, w = edited.shape[:2]
    face = preview.face
    crop, _notes = face_crop(w, h, None if face is None else face.landmarks, 1.0)
    x0, y0, x1, y1 = crop.pixels(w, h)
    return qimage_from_rgb8(engine.to_uint8(edited[y0:y1, x0:x1]))


class _ExportRelay(QObject):
    progress = Signal(str)
    done = Signal(object, object)


class _KeyWatcher(QObject):
    """Hold backslash anywhere in the window to see the original (as in Lightroom)."""

    def __init__(self, window: QtStudioWindow):
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if (
            kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
            and event.key() == Qt.Key.Key_Backslash
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
        self._render_cache: dict[tuple, tuple] = {}
        self._last_command: SetSliderCommand | None = None
        self._autosave_pending = False
        self._export_relay: _ExportRelay | None = None
        self._export_job = None
        self._restoring = None
        self._restoring_path: Path | None = None
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
        self.setCentralWidget(self.canvas)
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
        self.document.events.slider.connect(self._on_slider_change)
        self.document.events.face.connect(self._on_face_change)
        self.document.events.dirty.connect(self._on_dirty_change)
        self.document.events.session_path.connect(lambda path: self._update_title())

        self._render_timer = QTimer(self, singleShot=True, interval=0)
        self._render_timer.timeout.connect(self._request_render)
        self._likeness_timer = QTimer(self, singleShot=True, interval=LIKENESS_SETTLE_MS)
        self._likeness_timer.timeout.connect(self._request_likeness)
        self._autosave_timer = QTimer(self, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()

        self._build_actions()
        self._build_status()
        self._key_watcher = _KeyWatcher(self)
        QApplication.instance().installEventFilter(self._key_watcher)
        self._load_looks()
        self._restore_window_state()
        self._update_actions()
        self._update_title()

    # ================================================================== building
    def _action(self, text: str, slot, shortcut=None, checkable=False, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.open_action = self._action(
            "&Open…", lambda: self.open_dialog(), std.Open, tip="Open a photo or a session"
        )
        self.save_action = self._action(
            "&Save Session",
            lambda: self.save_session(),
            std.Save,
            tip="Save the sliders beside the photo",
        )
        self.save_as_action = self._action(
            "Save Session &As…", lambda: self.save_session_as(), std.SaveAs
        )
        self.apply_action = self._action(
            "&Apply Session or Look…",
            lambda: self.apply_session_dialog(),
            "Ctrl+Shift+L",
            tip="Use another session's or look's sliders here",
        )
        self.save_look_action = self._action(
            "Save Sliders as &Look…",
            lambda: self.save_look_dialog(),
            tip="Keep these sliders as a look for other photos",
        )
        self.export_action = self._action(
            "&Export…",
            lambda: self.show_export_dialog(),
            "Ctrl+E",
            tip="Export for LinkedIn, a portfolio, ...",
        )
        self.quit_action = self._action("&Quit", self.close, std.Quit)
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(std.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(std.Redo)
        self.reset_action = self._action("Reset &All Sliders", lambda: self.reset_all())
        self.fit_action = self._action("&Fit in Window", lambda: self.canvas.fit(), "Ctrl+0")
        self.zoom100_action = self._action("&100%", lambda: self.canvas.zoom_100(), "Ctrl+1")
        self.zoom_in_action = self._action(
            "Zoom &In", lambda: self.canvas.zoom_to(self.canvas.zoom * 1.25), std.ZoomIn
        )
        self.zoom_out_action = self._action(
            "Zoom &Out", lambda: self.canvas.zoom_to(self.canvas.zoom / 1.25), std.ZoomOut
        )
        self.split_action = self._action(
            "&Before / After Split",
            self._on_split_toggled,
            "Y",
            checkable=True,
            tip="Split view: original left, edit right (hold \\ to see the original)",
        )
        self.split_action.setChecked(True)
        self.overlay_actions: dict[str, QAction] = {}
        for name, (_colour, label) in OVERLAYS.items():
            action = self._action(
                label, lambda checked, n=name: self.set_overlay(n, checked), checkable=True
            )
            self.overlay_actions[name] = action

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        for action in (
            self.save_action,
            self.save_as_action,
            self.apply_action,
            self.save_look_action,
        ):
            file_menu.addAction(action)
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("E&xport")
        self.export_menu.addAction(self.export_action)
        self.export_menu.addSeparator()
        for preset, label in (
            ("linkedin", "LinkedIn…"),
            ("portfolio", "Portfolio…"),
            ("original", "Original Size…"),
            ("custom", "Custom…"),
        ):
            self.export_menu.addAction(label, lambda p=preset: self.show_export_dialog(p))
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.reset_action)
        view_menu = menu.addMenu("&View")
        for action in (
            self.fit_action,
            self.zoom100_action,
            self.zoom_in_action,
            self.zoom_out_action,
        ):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.split_action)
        self.overlay_menu = view_menu.addMenu("&Overlays")
        for action in self.overlay_actions.values():
            self.overlay_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.panel_dock.toggleViewAction())
        view_menu.addAction(self.history_dock.toggleViewAction())
        self._rebuild_recent_menu()

        bar = self.addToolBar("Main")
        bar.setObjectName("main_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.open_action, self.save_action, self.export_action):
            bar.addAction(action)
        bar.addSeparator()
        # fixed labels on the toolbar (the menu's say what they undo)
        self.undo_tool = self._action(
            "Undo", lambda: self.undo_stack.undo(), tip="Undo the last change"
        )
        self.redo_tool = self._action(
            "Redo", lambda: self.undo_stack.redo(), tip="Redo the change undone"
        )
        self.undo_tool.setEnabled(False)
        self.redo_tool.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(self.undo_tool.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_tool.setEnabled)
        bar.addAction(self.undo_tool)
        bar.addAction(self.redo_tool)
        bar.addSeparator()
        bar.addAction(self.fit_action)
        bar.addAction(self.zoom100_action)
        bar.addSeparator()
        bar.addAction(self.split_action)
        overlays = QToolButton(self)
        overlays.setText("Overlays")
        overlays.setMenu(self.overlay_menu)
        overlays.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(overlays)

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
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: Path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", ([path] + recent)[:MAX_RECENT])
        self.settings.sync()
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for path in recent:
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(recent))

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
            if not self._confirm_discard():
                return
            self.settings.setValue("folder", str(path.parent))
        self.opening = True
        self._pending_open = path
        self.statusBar().showMessage(f"Opening {path.name if path else 'the sample'}…")
        as_session = path is not None and _is_session_file(path)
        request_id = self.open_runner.submit(_open_job, path, as_session)
        if path is not None and not as_session and self.document.photo is None:
            # nothing on screen yet: show a fast reduced decode while faces are found
            self._quick_for = request_id
            self.quick_runner.submit(_quick_job, path)

    def _on_quick_done(self, _request_id: int, result: tuple) -> None:
        width, height, image = result
        if (
            self.opening
            and self.document.photo is None
            and self.open_runner.latest_id == self._quick_for
        ):
            self.canvas.set_photo(width, height, image)
            self.statusBar().showMessage("Finding faces…")

    def _on_open_done(self, _request_id: int, result: _OpenResult) -> None:
        self.opening = False
        self.undo_stack.clear()
        self._last_command = None
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
        session = result.session
        if session is not None:
            document.set_sliders(session.sliders)
            document.set_look(session.look)
            document.crop = session.crop
            self.export_settings = session.export
            document.set_session_path(result.session_path)
        else:
            document.crop = None
            document.set_session_path(None)
        document.set_dirty(False)
        photo = result.photo
        self.canvas.set_photo(photo.width, photo.height, qimage_from_rgb8(result.before8))
        self.canvas.set_landmarks([f.landmarks for f in document.faces], document.face_index)
        for name in ("skin", "protected", "background"):
            self.canvas.set_overlay_image(name, None)
        if any(self.canvas.overlays_on[n] for n in ("skin", "protected", "background")):
            self._request_masks()
        opened = self._pending_open
        restored, self._restoring = self._restoring, None
        if restored is not None:
            # a crash left this session: show it as unsaved work, not as a saved file
            if restored.source is None:
                document.set_sliders(restored.sliders)
                document.set_look(restored.look)
            document.set_session_path(None)
            document.set_dirty(True)
            self._autosave_pending = True
            if self._restoring_path != autosave_path():
                self._restoring_path.unlink(missing_ok=True)  # now kept as this studio's autosave
            self.autosave()
        elif opened is not None:
            self._add_recent(opened)
        mp = photo.megapixels
        faces = len(document.faces)
        self.status_photo.setText(
            f"{document.display_name}  {photo.width}×{photo.height} "
            f"({mp:.1f} MP)  {faces} face{'s' if faces != 1 else ''}"
        )
        self.statusBar().showMessage("Ready", 3000)
        self._update_actions()
        self._update_title()
        self._schedule_render()
        # the per-photo layers, ready before the first slider move
        self.prepare_runner.submit(result.preview.prepare)

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
        command = SetSliderCommand(self.document, key, value, held)
        self.undo_stack.push(command)
        top = self.undo_stack.command(self.undo_stack.index() - 1)
        self._last_command = top if isinstance(top, SetSliderCommand) else None

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
        from studio.edits.sliders import default_sliders

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
        self._autosave_pending = dirty
        self._update_title()

    def _update_title(self) -> None:
        name = self.document.display_name if self.document.photo is not None else ""
        session = self.document.session_path
        if session is not None:
            name = f"{name} — {session.name}"
        mark = "*" if self.document.dirty else ""
        self.setWindowTitle(f"{name}{mark} — {APP_NAME}" if name else APP_NAME)

    def _update_actions(self) -> None:
        loaded = self.document.photo is not None
        for action in (
            self.save_action,
            self.save_as_action,
            self.apply_action,
            self.save_look_action,
            self.export_action,
            self.reset_action,
        ):
            action.setEnabled(loaded)
        self.export_menu.setEnabled(loaded)

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
        self.render_runner.submit(_render_job, self.preview_engine, sliders)

    def _on_render_done(self, request_id: int, result: tuple) -> None:
        sliders, *_rest = result
        key = tuple(sorted(sliders.items(), key=lambda kv: kv[0]))
        self._render_cache[key] = result
        while len(self._render_cache) > RENDER_CACHE:
            self._render_cache.pop(next(iter(self._render_cache)))
        self._show_render(request_id, result)

    def _show_render(self, request_id: int, result: tuple) -> None:
        sliders, pixels, image, seconds = result
        self.preview_pixels = pixels
        self.preview_sliders = sliders
        self.preview_id = request_id
        self.canvas.set_after(image)
        self.status_render.setText(f"preview {seconds * 1000:.0f} ms")
        self._likeness_timer.start()
        self.circle_runner.submit(_circle_job, self.preview_engine, pixels)
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
            _likeness_job, self.preview_engine, self.preview_pixels, self.preview_id
        )

    def _on_likeness_done(self, _request_id: int, result: tuple) -> None:
        render_id, percent = result
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
        self.detail_runner.submit(_detail_job, preview, rect, self.document.sliders)

    def _on_detail_done(self, _request_id: int, result: tuple) -> None:
        x, y, before, after = result
        self.canvas.set_detail(x, y, before, after)

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
            self.masks_runner.submit(_masks_job, self.preview_engine)

    def _on_masks_done(self, _request_id: int, images: dict) -> None:
        scale = 1.0 / self.preview_engine.factor if self.preview_engine else 1.0
        for name, image in images.items():
            self.canvas.set_overlay_image(name, image, scale)

    def _on_split_toggled(self, checked: bool) -> None:
        self.canvas.set_split_enabled(checked)

    # ================================================================== sessions
    def current_session(self):
        """The document as a Session (sliders, face, look, crop, export, cached analysis)."""
        from studio.session import Session, Source

        document = self.document
        source = None
        if document.source_path is not None and self.sha256 is not None:
            source = Source(path=Path(os.path.abspath(document.source_path)), sha256=self.sha256)
        session = Session(
            sliders=document.sliders,
            source=source,
            look=document.look,
            face=document.face_index,
            crop=document.crop,
            analysis=document.analysis if source is not None else None,
        )
        if self.export_settings is not None:
            session = replace(session, export=self.export_settings)
        return session

    def save_session(self) -> bool:
        """Save to the session's file (default: beside the photo). Returns True when saved."""
        from studio.session import default_session_path

        document = self.document
        if document.photo is None:
            return False
        path = document.session_path
        if path is None:
            if document.source_path is None:
                return self.save_session_as()
            path = default_session_path(document.source_path)
        return self._write_session(path)

    def save_session_as(self, path: str | os.PathLike | None = None) -> bool:
        from studio.session import default_session_path

        if self.document.photo is None:
            return False
        if path is None:
            source = self.document.source_path
            suggestion = (
                str(default_session_path(source))
                if source
                else str(
                    Path(str(self.settings.value("folder", str(Path.home()))))
                    / "sample.likeness.json"
                )
            )
            path, _ = QFileDialog.getSaveFileName(self, "Save session", suggestion, SESSION_FILTER)
            if not path:
                return False
        return self._write_session(Path(path))

    def _write_session(self, path: Path) -> bool:
        from studio.session import save_session

        try:
            written = save_session(self.current_session(), path)
        except LikenessError as error:
            self.show_error(str(error))
            return False
        self.document.set_session_path(written)
        self.document.set_dirty(False)
        self.undo_stack.setClean()
        self._add_recent(written)
        self._remove_autosave()
        self.statusBar().showMessage(f"Session saved: {written}", 5000)
        return True

    # ================================================================== autosave
    def autosave(self) -> Path | None:
        """Write the current session to the user's data folder when it changed (crash recovery)."""
        from studio.session import save_session

        if not self._autosave_pending or self.document.photo is None or not self.document.dirty:
            return None
        path = autosave_path()
        try:
            save_session(self.current_session(), path)
        except (LikenessError, OSError):
            return None  # autosave is a safety net: never interrupt the user over it
        self._autosave_pending = False
        return path

    def _remove_autosave(self) -> None:
        autosave_path().unlink(missing_ok=True)

    def restore_autosave(self, path: Path) -> None:
        """Reopen a session left by a crash (its photo, or the sample when it had none)."""
        from studio.session import load_session

        try:
            session = load_session(path)
        except LikenessError as error:
            self.show_error(f"The autosaved session cannot be restored: {error}")
            return
        self._restoring = session
        self._restoring_path = Path(path)
        if session.source is not None:
            self.opening = True
            self._pending_open = path
            self.open_runner.submit(_open_job, path, True)
        else:
            self.open_path(None)

    # ================================================================== export
    def show_export_dialog(self, preset: str | None = None) -> None:
        document = self.document
        if document.photo is None:
            return
        folder = (
            Path(str(self.settings.value("export_folder", "")))
            if self.settings.value("export_folder")
            else None
        )
        if document.source_path is None and folder is None:
            folder = Path.home()
        default = preset or (self.export_settings.preset if self.export_settings else "linkedin")
        dialog = QtExportDialog(
            self,
            document.source_path,
            document.photo.format,
            default,
            circle=self.panel.circle.pixmap().toImage() if self.panel.circle.has_image else None,
            folder=folder,
        )
        if dialog.exec() != QtExportDialog.DialogCode.Accepted:
            return
        self.start_export(dialog.settings(), dialog.path())

    def start_export(self, settings, path: Path) -> None:
        """Render at full resolution and export in the background, with a progress dialog."""
        from studio.imaging.export import check_output

        document = self.document
        try:
            check_output(settings, path, document.photo.format)
        except LikenessError as error:
            self.show_error(str(error))
            return
        self.export_settings = settings
        self.settings.setValue("export_folder", str(Path(path).parent))
        progress = QProgressDialog("Rendering at full resolution…", "", 0, 0, self)
        progress.setWindowTitle("Export")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.show()
        self.export_progress = progress
        relay = _ExportRelay()
        relay.progress.connect(progress.setLabelText)
        relay.done.connect(self._on_export_done)
        self._export_relay = relay
        photo, analysis = document.photo, document.analysis
        sliders, face_index, crop = document.sliders, document.face_index, document.crop

        def job() -> None:  # reports through the relay: progress, then the outcome
            from studio.face import likeness_distance, likeness_percent
            from studio.imaging.export import export_photo
            from studio.render import render_photo

            try:
                rendered = render_photo(photo.pixels, analysis, sliders, face_index=face_index)
                face = analysis.face(face_index)
                percent = None
                if face is not None:  # the promise, checked on the exported pixels
                    relay.progress.emit("Checking likeness…")
                    percent = likeness_percent(likeness_distance(photo.pixels, rendered, face))
                relay.progress.emit("Encoding…")
                result = export_photo(
                    rendered,
                    settings,
                    path,
                    landmarks=None if face is None else face.landmarks,
                    crop=crop,
                    alpha=photo.alpha,
                    exif=photo.exif,
                    source_format=photo.format,
                    bit_depth=photo.bit_depth,
                    source=photo.path,
                )
            except LikenessError as error:
                relay.done.emit(None, error)
            except BaseException as error:  # a bug: shown on the GUI thread, not hidden
                relay.done.emit(None, error)
            else:
                relay.done.emit((result, percent), None)

        self.export_runner.submit(job)

    def _on_export_done(self, result, error) -> None:
        self.export_progress.close()
        self._export_job = None
        if error is not None:
            if not isinstance(error, LikenessError):
                raise error
            self.show_error(str(error))
            self.export_finished.emit(error)
            return
        result, percent = result
        self.export_likeness = percent
        notes = "; ".join(result.notes)
        likeness = "" if percent is None else f", likeness {percent:.1f}%"
        self.statusBar().showMessage(
            f"Exported {result.width}×{result.height} {result.format}, "
            f"{result.bytes / 1024:.0f} KB{likeness}: {result.path}"
            + (f" ({notes})" if notes else ""),
            15000,
        )
        if percent is not None and percent < LIKENESS_WARNING:
            QMessageBox.information(
                self,
                APP_NAME,
                f"Exported, but the likeness is {percent:.0f}%: the edit may change how "
                f"recognisable the person is. Consider easing off the strongest sliders.",
            )
        self.export_finished.emit(result)

    # ================================================================== closing
    def _confirm_discard(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        if not self.document.dirty or self.document.photo is None:
            return True
        answer = QMessageBox.question(
            self,
            APP_NAME,
            f"Save the changes to {self.document.display_name}'s session?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_session()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self._confirm_discard():
            event.ignore()
            return
        self._autosave_timer.stop()
        self._remove_autosave()
        self._save_window_state()
        QApplication.instance().removeEventFilter(self._key_watcher)
        for runner in self.runners:
            runner.cancel()
        for runner in self.runners:
            runner.shutdown()
        event.accept()

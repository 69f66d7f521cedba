"""The studio's main window: canvas, side panel, history, menus and status bar, wired to the
controllers that do the work (one concern each):

- ``qt_opener.StudioOpener``: opening photos and sessions; what the sliders start from
- ``qt_preview.StudioPreview``: the live preview, likeness meter, zoom detail, overlays
- ``qt_sessions.StudioSessions``: session files, recent files, looks, autosave
- ``qt_exporter.StudioExporter``: the export dialog, job and result
- ``qt_actions.StudioActions``: menus, toolbar and shortcuts from one table
- the shoot: ``qt_filmstrip.StudioFilmstrip`` (File › Open Folder), ``qt_sync.StudioSync``,
  ``qt_shoot_export.StudioShootExport`` (Export Selected), ``qt_people.StudioPeople`` (who is
  who), ``qt_side_by_side.StudioSideBySide``, ``qt_look_thumbs.StudioLookThumbs``
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QIcon, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QScrollArea,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from studio.edits.sliders import default_sliders
from studio.paths import resource_path, user_dir

from . import APP_NAME
from .model import StudioDocument
from .qt_actions import OriginalKeyWatcher, QtShortcutsDialog, StudioActions
from .qt_amount import QtLookAmount
from .qt_canvas import QtCanvas
from .qt_commands import (
    SetAllSlidersCommand,
    SetEveryoneCommand,
    SetFaceCommand,
    SetSliderCommand,
)
from .qt_compare import CompareView
from .qt_crop import CropTool
from .qt_exporter import StudioExporter
from .qt_filmstrip import StudioFilmstrip
from .qt_look_thumbs import StudioLookThumbs
from .qt_marks import StudioMarks
from .qt_me import StudioPhotosOfMe
from .qt_notice import Notices, QtCutTextTips, QtNoticeBar, elide_rows_to_width
from .qt_opener import StudioOpener
from .qt_panel import QtSidePanel
from .qt_people import StudioPeople
from .qt_preview import StudioPreview
from .qt_sessions import StudioSessions
from .qt_shoot_export import StudioShootExport
from .qt_side_by_side import StudioSideBySide
from .qt_sync import StudioSync

# The docks' arrangement as saved on quit; raised whenever the docks change, so a layout saved
# by an older studio (before Export Selected sat right of the filmstrip) gives way to today's
# instead of being restored (Qt's restoreState refuses a state of another version).
DOCK_LAYOUT = 2


def settings_store() -> QSettings:
    """The studio's QSettings: an ini file in the user's config folder (tests: a temp folder)."""
    return QSettings(str(user_dir("config") / "studio.ini"), QSettings.Format.IniFormat)


class QtStudioWindow(QMainWindow):
    """The studio: the document, its canvas, panel and docks, wired to the controllers."""

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
        self._build_layout()
        self.notices = Notices(self.statusBar(), self.notice, self)
        self._build_status()
        self._build_editing()
        self._build_shoot()
        self._connect()
        self._build_actions()
        self._key_watcher = OriginalKeyWatcher(self.canvas, self)
        QApplication.instance().installEventFilter(self._key_watcher)
        self.sessions.load_looks()
        self._restore_window_state()
        self.update_state()

    # ================================================================== building
    def _build_layout(self) -> None:
        """The notice bar above the canvas; sliders docked right, history left."""
        self.canvas = QtCanvas(self)
        self.notice = QtNoticeBar(self)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.notice)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.panel = QtSidePanel(self.document, self)
        self.amount = QtLookAmount(self.document, self.undo_stack, lambda: self.preview.engine,
                                   self.panel)
        self.panel.layout().insertWidget(1, self.amount)
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
        elide_rows_to_width(self.history)
        self.snapshot_list = QListWidget(self)
        self.snapshot_list.setObjectName("snapshots")
        self.snapshot_list.setToolTip("Click a snapshot to go back to its sliders")
        self.snapshot_list.setItemDelegate(QtCutTextTips(self.snapshot_list))
        self.snapshot_list.itemClicked.connect(self._on_snapshot_clicked)
        history_box = QWidget(self)
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(self.history, 3)
        history_layout.addWidget(QLabel("Snapshots", history_box))
        history_layout.addWidget(self.snapshot_list, 1)
        # Wide enough to read a step ("LinkedIn at 90%") even when a saved layout squeezed it.
        history_box.setMinimumWidth(150)
        self.history_dock = QDockWidget("History", self)
        self.history_dock.setObjectName("history_dock")
        self.history_dock.setWidget(history_box)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history_dock)
        self.resizeDocks([self.history_dock], [190], Qt.Orientation.Horizontal)

    def _build_editing(self) -> None:
        """The controllers of the open photo: preview, marks, sessions, opening, export,
        crop, photos of me."""
        self.preview = StudioPreview(self.document, self.canvas, self.panel.meter,
                                     self.panel.circle, (self.status_render, self.status_zoom),
                                     self.notices, self)
        self.marks = StudioMarks(self.document, self.undo_stack, self.canvas,
                                 lambda: self.preview.engine, self.notices, self)
        self.sessions = StudioSessions(self.document, self.undo_stack, self.settings,
                                       self.notices, self)
        self.opener = StudioOpener(self.document, self.undo_stack, self.canvas, self.settings,
                                   self.notices, self.status_photo, self.sessions.confirm_discard,
                                   self.sessions.autosaver, self)
        self.exporter = StudioExporter(self.document, self.settings, self.panel.circle,
                                       self.notices, self)
        self.crop_tool = CropTool(self.document, self.undo_stack, self.canvas)
        self.photos_of_me = StudioPhotosOfMe(
            self.document, self.panel, self.canvas,
            lambda: (self.preview.engine, self.preview.pixels), self.notices, self)
        self.compare_view: CompareView | None = None
        self.runners = (*self.preview.runners.values(), self.opener.runner, self.exporter.runner,
                        self.photos_of_me.runner, self.photos_of_me.chips)

    def _build_shoot(self) -> None:
        """The shoot's controllers (filmstrip, Export Selected, Sync, who is who), side by
        side and the look thumbnails."""
        self.filmstrip = StudioFilmstrip(self.document, self.settings, self.notices,
                                         self.opener.open_path,
                                         lambda: self.shoot_export.settings(), self)
        self.shoot_export = StudioShootExport(self.document, self.filmstrip,
                                              self.sessions.save_session, self.notices, self)
        self._dock_shoot()
        self.sync = StudioSync(self.document, self.undo_stack, self.filmstrip, self.notices)
        self.people = StudioPeople(self.undo_stack, self.filmstrip, self.notices)
        self.side_by_side = StudioSideBySide(self.canvas, self.filmstrip.arrow_keys)
        self.look_thumbs = StudioLookThumbs(self.panel.look_combo, lambda: self.preview.engine, self)
        self.runners += (self.filmstrip.thumb_runner, self.filmstrip.flags_runner,
                         self.look_thumbs.runner)

    def _build_actions(self) -> None:
        """The menus, toolbar and shortcuts, and the controllers that follow them."""
        self.actions = StudioActions(self, self.undo_stack, (self.panel_dock, self.history_dock))
        self._name_actions()
        by_name = self.actions.by_name
        self.side_by_side.follow_tools(by_name)
        self.marks.tool_chosen.connect(self.actions.sync_mark_tools)
        self.crop_tool.active_changed.connect(by_name["crop"].setChecked)
        self.marks.overlay_shown.connect(lambda: by_name["show_marks"].setChecked(True))
        self.people.menu_actions = [by_name["same_person"], by_name["someone_else"], None,
                                    by_name["sync"], by_name["export_selected"]]

    def _dock_shoot(self) -> None:
        """The filmstrip at the bottom, hidden until a shoot opens; Export Selected's results
        beside it (under it they took the photo's height and still showed one row)."""
        strip = self.filmstrip.dock
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, strip)
        self.splitDockWidget(strip, self.shoot_export.dock, Qt.Orientation.Horizontal)
        strip.hide()
        self.canvas.installEventFilter(self.filmstrip.arrow_keys)

    def _connect(self) -> None:
        self._connect_opening()
        self.opener.runner.finished.connect(lambda *_: self.filmstrip.follow_open_photo())
        self.opener.runner.finished.connect(self.sync.photo_opened)
        self.opener.runner.finished.connect(lambda *_: self.look_thumbs.refresh())
        self.panel.slider_edited.connect(lambda *_: self.look_thumbs.postpone())
        self.preview.shown.connect(lambda _id: self.side_by_side.refresh())
        self.preview.draft_shown.connect(lambda _id: self.side_by_side.refresh())
        self.preview.crown_found.connect(self.crop_tool.set_crown)
        self.crop_tool.framing_shown.connect(self.preview.update_circle)
        self.preview.likeness_shown.connect(self.photos_of_me.likeness_shown)
        self.photos_of_me.likeness_asked.connect(self.preview.request_likeness)
        self.photos_of_me.amount_asked.connect(self.amount.find_again)
        self.canvas.view_changed.connect(self.preview.view_changed)
        self.canvas.file_dropped.connect(self.opener.open_path)
        self.canvas.face_clicked.connect(self._on_face_chosen)
        self.canvas.face_toggled.connect(self._on_face_toggled)
        self.panel.slider_edited.connect(self._on_slider_edited)
        self.panel.slider_released.connect(self._on_slider_released)
        self.panel.look_chosen.connect(self.sessions.apply_look)
        self.panel.face_chosen.connect(self._on_face_chosen)
        self.panel.everyone_chosen.connect(self._on_everyone_chosen)
        self.panel.reset_all.connect(self.reset_all)
        events = self.document.events
        events.slider.connect(lambda key, value: self.preview.schedule_render())
        events.marks.connect(lambda marks: self.preview.schedule_render())
        events.face.connect(lambda index: self.preview.set_face(index))
        events.retouched.connect(lambda choice: self.preview.set_retouched(choice))
        events.dirty.connect(self._on_dirty_change)
        events.session_path.connect(lambda path: self._update_title())
        events.snapshots.connect(lambda snapshots: self.show_snapshots())
        events.edited.connect(self._on_document_edit)

    def _connect_opening(self) -> None:
        opener, sessions = self.opener, self.sessions
        opener.photo_read.connect(lambda result: self.preview.start(result.preview))
        opener.opened.connect(lambda result: self._on_opened())
        opener.file_opened.connect(sessions.add_recent)
        opener.neutral_asked.connect(self.reset_all)
        sessions.open_asked.connect(opener.open_path)
        sessions.looks_listed.connect(self.panel.set_looks)
        sessions.look_applied.connect(self.amount.look_applied)

    def _on_opened(self) -> None:
        """A photo is open: its faces and framing shown, its preview rendered."""
        self.preview.show_faces()
        self.crop_tool.show_framing()  # a session's crop: the photo shows framed
        self.update_state()
        self.preview.schedule_render()
        self.preview.prepare()

    def _name_actions(self) -> None:
        """``window.export_action`` and friends: the actions by name, as the menus hold them."""
        actions = self.actions
        for name, action in actions.by_name.items():
            setattr(self, f"{name}_action", action)
        self.undo_action, self.redo_action = actions.undo, actions.redo
        self.undo_tool, self.redo_tool = actions.undo_tool, actions.redo_tool
        self.overlay_actions = actions.overlays
        self.recent_menu, self.export_menu = actions.recent_menu, actions.export_menu
        self.overlay_menu = actions.overlay_menu
        self.sessions.show_recent_in(actions.recent_menu)

    def _build_status(self) -> None:
        status = self.statusBar()
        self.status_photo = QLabel("", self)
        self.status_zoom = QLabel("", self)
        self.status_render = QLabel("", self)
        status.addPermanentWidget(self.status_render)
        status.addPermanentWidget(self.status_zoom)
        status.addPermanentWidget(self.status_photo)

    def show_shortcuts(self) -> QtShortcutsDialog:
        """Help › Keyboard Shortcuts (non-modal: it can stay open beside the photo)."""
        dialog = QtShortcutsDialog(self, self.actions.shortcut_rows())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_compare(self) -> CompareView:
        """The Compare view (key N): versions side by side, rendered in the workers."""
        if self.compare_view is None:
            self.compare_view = CompareView(self.document, self.undo_stack,
                                            lambda: self.preview.engine, self.notices, self)
        self.compare_view.show_versions()
        return self.compare_view

    def new_snapshot(self, name: str | None = None) -> None:
        """Keep the current sliders as a named snapshot (asked for when not given)."""
        if name is None:
            name, ok = QInputDialog.getText(
                self, "New snapshot", "Snapshot name:", text=self.snapshot_name()
            )
            if not ok:
                return
        name = " ".join(str(name).split())[:60]
        if name:
            self.document.add_snapshot(name, self.document.sliders)

    def snapshot_name(self) -> str:
        """A name to start from: the current look's ("LinkedIn"), else "Snapshot 3"; never one
        already taken."""
        taken = {name for name, _sliders in self.document.snapshots}
        if self.document.look is not None:
            look = self.panel.look_combo.currentText()
            if look and look not in taken:
                return look
        number = len(taken) + 1
        while f"Snapshot {number}" in taken:
            number += 1
        return f"Snapshot {number}"

    def _on_snapshot_clicked(self, item) -> None:
        for name, sliders in self.document.snapshots:
            if name == item.text():
                self.undo_stack.push(
                    SetAllSlidersCommand(self.document, sliders, f"Snapshot: {name}")
                )
                return

    def show_snapshots(self) -> None:
        """Refill the History panel's snapshot list from the document."""
        self.snapshot_list.clear()
        for name, _sliders in self.document.snapshots:
            self.snapshot_list.addItem(name)

    # ================================================================== window settings
    def _restore_window_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        if isinstance(state, QByteArray | bytes) and state:
            self.restoreState(state, DOCK_LAYOUT)  # a layout of another version: refused
        self.filmstrip.hide_while_empty()  # shown by a shoot, not by the last layout
        if not self.shoot_export.paths:
            self.shoot_export.dock.hide()

    def _save_window_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(DOCK_LAYOUT))
        self.settings.sync()

    # ================================================================== edits
    def _on_slider_edited(self, key: str, value) -> None:
        if self.document.photo is None:
            return
        row = self.panel.rows[key]
        held = bool(getattr(row, "slider", None) and row.slider.isSliderDown())
        self.preview.set_dragging(held)
        self.undo_stack.push(SetSliderCommand(self.document, key, value, held))

    def _on_slider_released(self, key: str) -> None:
        self.preview.set_dragging(False)
        index = self.undo_stack.index()
        top = self.undo_stack.command(index - 1) if index > 0 else None
        if isinstance(top, SetSliderCommand) and top.key == key:
            top.release()

    def reset_all(self) -> None:
        if self.document.sliders != default_sliders():
            self.undo_stack.push(
                SetAllSlidersCommand(self.document, default_sliders(), "Reset all", look=None)
            )

    def _on_face_chosen(self, index: int) -> None:
        if index != self.document.face_index:
            self.undo_stack.push(SetFaceCommand(self.document, index))

    def _on_everyone_chosen(self, everyone: bool) -> None:
        if everyone != self.document.everyone:
            self.undo_stack.push(SetEveryoneCommand(self.document, "all" if everyone else "primary"))

    def _on_face_toggled(self, index: int) -> None:
        """Ctrl+click on a face: retouch it too, or no longer (the chosen face stays)."""
        choice = self.document.toggled_face(index)
        if choice != self.document.retouched:
            self.undo_stack.push(SetEveryoneCommand(self.document, choice))

    def set_overlay(self, name: str, on: bool) -> None:
        """Show or hide an overlay ("landmarks", "protected", "skin", "background", "likeness":
        the breakdown's regions, drawn by the photos-of-me controller)."""
        action = self.overlay_actions[name]
        if action.isChecked() != on:
            action.setChecked(on)
        self.canvas.set_overlay_visible(name, on)
        if on and name not in ("landmarks", "likeness") and not self.canvas.overlay_ready(name):
            self.preview.request_masks()

    # ================================================================== document events
    def _on_dirty_change(self, dirty: bool) -> None:
        if dirty:
            self.sessions.autosaver.changed()
        self._update_title()

    def _on_document_edit(self) -> None:
        if self.document.photo is not None and not self.opener.opening:
            self.sessions.autosaver.changed()

    def _update_title(self) -> None:
        name = self.document.display_name if self.document.photo is not None else ""
        session = self.document.session_path
        if session is not None:
            name = f"{name} — {session.name}"
        mark = "*" if self.document.dirty else ""
        self.setWindowTitle(f"{name}{mark} — {APP_NAME}" if name else APP_NAME)

    def update_state(self) -> None:
        """Enable what needs a photo and name the photo in the title."""
        self.actions.update_enabled(self.document.photo is not None)
        self._update_title()

    # ================================================================== closing
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self.sessions.confirm_discard():
            event.ignore()
            return
        self.sessions.autosaver.discard()
        self._save_window_state()
        QApplication.instance().removeEventFilter(self._key_watcher)
        for runner in self.runners:
            runner.cancel()
        for runner in self.runners:
            runner.shutdown()
        event.accept()

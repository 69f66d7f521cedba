"""The studio's commands as one declarative table: menus, toolbar, shortcuts and the Help
dialog that lists the shortcuts are all built from :data:`ACTIONS` (no second copy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
)

from .qt_canvas import OVERLAYS
from .qt_keys import ORIGINAL_KEY, gestures

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

    from .qt_canvas import QtCanvas

Std = QKeySequence.StandardKey


class OriginalKeyWatcher(QObject):
    """Hold backslash anywhere in ``window`` to see the original on ``canvas`` (as in
    Lightroom)."""

    def __init__(self, canvas: QtCanvas, window: QWidget):
        super().__init__(window)
        self.canvas, self.window = canvas, window

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if (
            kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
            and event.key() == ORIGINAL_KEY
            and not event.isAutoRepeat()
            and QApplication.activeWindow() is self.window
        ):
            self.canvas.set_showing_original(kind == QEvent.Type.KeyPress)
            return True
        return False


@dataclass(frozen=True)
class ActionSpec:
    """One command: ``window.<name>_action`` runs ``run(window)`` (``run(window, checked)``
    when checkable), ``window`` being the studio's main window, which holds the controllers
    the commands run. ``menu`` names its menu; ``needs_photo`` disables it with nothing
    open."""

    name: str
    text: str
    menu: str
    run: Callable[..., Any]
    shortcut: Std | str | None = None
    tip: str = ""
    checkable: bool = False
    needs_photo: bool = False
    toolbar: bool = False
    separator_before: bool = False
    #: The toolbar's shorter label (default: the menu text).
    short: str = ""


def _zoom_by(factor: float) -> Callable[[QMainWindow], None]:
    return lambda w: w.canvas.zoom_to(w.canvas.zoom * factor)


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&Open…", "File", lambda w: w.opener.open_dialog(), Std.Open,
               "Open a photo or a session", toolbar=True),
    ActionSpec("save", "&Save Session", "File", lambda w: w.sessions.save_session(), Std.Save,
               "Save the sliders beside the photo", needs_photo=True, toolbar=True,
               separator_before=True, short="Save"),
    ActionSpec("save_as", "Save Session &As…", "File", lambda w: w.sessions.save_session_as(),
               Std.SaveAs, needs_photo=True),
    ActionSpec("apply", "&Apply Session or Look…", "File", lambda w: w.sessions.apply_session_dialog(),
               "Ctrl+Shift+L", "Use another session's or look's sliders here", needs_photo=True),
    ActionSpec("save_look", "Save Sliders as &Look…", "File", lambda w: w.sessions.save_look_dialog(),
               tip="Keep these sliders as a look for other photos", needs_photo=True),
    ActionSpec("add_me", "Add Photos of &Me…", "File", lambda w: w.photos_of_me.add_dialog(),
               tip="Photos of you: the studio also says how like you the retouch is",
               separator_before=True),
    ActionSpec("check_headshots", "Check &Headshots…", "File",
               lambda w: w.photos_of_me.check_dialog(),
               tip="How like you any headshots in a folder are, against your photos"),
    ActionSpec("export", "&Export…", "Export", lambda w: w.exporter.show_dialog(), "Ctrl+E",
               "Export for LinkedIn, a portfolio, ...", needs_photo=True, toolbar=True),
    ActionSpec("quit", "&Quit", "File", lambda w: w.close(), Std.Quit, separator_before=True),
    ActionSpec("reset", "Reset &All Sliders", "Edit", lambda w: w.reset_all(),
               needs_photo=True, separator_before=True),
    ActionSpec("fit", "&Fit in Window", "View", lambda w: w.canvas.fit(), "Ctrl+0",
               toolbar=True, short="Fit"),
    ActionSpec("zoom100", "&100%", "View", lambda w: w.canvas.zoom_100(), "Ctrl+1",
               toolbar=True),
    ActionSpec("zoom_in", "Zoom &In", "View", _zoom_by(1.25), Std.ZoomIn),
    ActionSpec("zoom_out", "Zoom &Out", "View", _zoom_by(1 / 1.25), Std.ZoomOut),
    ActionSpec("split", "&Before / After Split", "View",
               lambda w, checked: w.canvas.set_split_enabled(checked), "Shift+Y",
               "Split view: original left, edit right (hold \\ to see the original)",
               checkable=True, toolbar=True, separator_before=True, short="Split"),
    ActionSpec("side_by_side", "Before / After &Side by Side", "View",
               lambda w, checked: w.side_by_side.set_enabled(checked), "Y",
               "The original left, the edit right, zoomed and moved together",
               checkable=True, needs_photo=True, toolbar=True, short="Side"),
    ActionSpec("crop", "&Crop && Straighten", "View",
               lambda w, checked: w.crop_tool.set_active(checked), "C",
               "Frame the photo: aspect presets, drag, handles, straighten", checkable=True,
               needs_photo=True, toolbar=True, short="Crop"),
    ActionSpec("whole_photo", "See &Whole Photo", "View",
               lambda w, on: w.crop_tool.set_whole_photo(on), "Shift+C",
               "The whole photo as shot; off: only its crop, straightened, as it will be exported",
               checkable=True, needs_photo=True),
    ActionSpec("compare", "Co&mpare Versions", "View", lambda w: w.show_compare(), "N",
               "2 to 4 versions side by side with their likeness; pick one to go on from",
               needs_photo=True, toolbar=True, short="Compare"),
    ActionSpec("snapshot", "New &Snapshot…", "Edit", lambda w: w.new_snapshot(),
               "Ctrl+Shift+N", "Keep the current sliders under a name (in the session)",
               needs_photo=True),
    ActionSpec("heal_tool", "&Heal", "Marks", lambda w, on: w.marks.tool_toggled("heal", on), "H",
               "Heal a spot: click or brush over it", checkable=True, needs_photo=True,
               toolbar=True),
    ActionSpec("keep_tool", "&Keep", "Marks", lambda w, on: w.marks.tool_toggled("keep", on), "K",
               "Keep a mark (mole, scar, freckles) exactly as it is", checkable=True,
               needs_photo=True, toolbar=True),
    ActionSpec("brush_tool", "Person &Brush", "Marks",
               lambda w, on: w.marks.tool_toggled("brush", on), "B",
               "Paint what is the person (hold Alt to paint background)", checkable=True,
               needs_photo=True, toolbar=True, short="Brush"),
    ActionSpec("smaller_brush", "S&maller Brush", "Marks", lambda w: w.marks.scale_radius(1 / 1.25),
               "[", needs_photo=True, separator_before=True),
    ActionSpec("bigger_brush", "B&igger Brush", "Marks", lambda w: w.marks.scale_radius(1.25), "]",
               needs_photo=True),
    ActionSpec("show_marks", "&Show Marks", "Marks", lambda w, on: w.marks.set_visible(on), "M",
               "Show the marks over the photo", checkable=True, separator_before=True),
    ActionSpec("delete_mark", "&Delete Mark", "Marks", lambda w: w.marks.delete_selected(),
               Std.Delete, "Delete the chosen mark (click it first)", needs_photo=True),
    ActionSpec("suggest_marks", "S&uggest Marks", "Marks", lambda w: w.marks.suggest(),
               tip="Propose heal marks on spots and keep marks on moles", needs_photo=True,
               toolbar=True, short="Suggest"),
    ActionSpec("shortcuts", "&Keyboard Shortcuts", "Help", lambda w: w.show_shortcuts(),
               Std.HelpContents, "Every key the studio answers to"),
    # the shoot (issue 29): qt_filmstrip, qt_sync, qt_shoot_export, qt_side_by_side
    ActionSpec("open_folder", "Open &Folder…", "File", lambda w: w.filmstrip.open_folder_dialog(),
               "Ctrl+Shift+O", "Open a shoot: its photos in a filmstrip, in capture order"),
    ActionSpec("next_photo", "&Next Photo", "View", lambda w: w.filmstrip.go(1), "Ctrl+Right",
               "The next photo of the filmstrip (Right on the photo)", separator_before=True),
    ActionSpec("previous_photo", "&Previous Photo", "View", lambda w: w.filmstrip.go(-1),
               "Ctrl+Left", "The previous photo of the filmstrip (Left on the photo)"),
    ActionSpec("sync", "S&ync Selected", "Edit", lambda w: w.sync.sync_selected(), "Ctrl+Alt+S",
               "This photo's look, sliders and export preset to the photos selected in the "
               "filmstrip (each keeps its face and marks)", needs_photo=True),
    ActionSpec("export_selected", "Export &Selected", "Export",
               lambda w: w.shoot_export.export_selected(), "Ctrl+Shift+E",
               "Export the photos selected in the filmstrip in the background"),
    ActionSpec("same_person", "These Are the Same &Person", "Edit",
               lambda w: w.people.same_person(), "Ctrl+G",
               "The photos selected in the filmstrip are one person: Export Selected gives "
               "them the same amount", separator_before=True),
    ActionSpec("someone_else", "This Is Someone E&lse", "Edit",
               lambda w: w.people.someone_else(), "Ctrl+Shift+G",
               "The photos selected in the filmstrip are nobody else's: Export Selected gives "
               "them their own amount"),
)
#: Export presets offered in File › Export after "Export…".
EXPORT_PRESETS = (
    ("linkedin", "LinkedIn…"),
    ("portfolio", "Portfolio…"),
    ("banner", "LinkedIn Banner…"),
    ("original", "Original Size…"),
    ("custom", "Custom…"),
)


def toolbar_groups() -> list[list[str]]:
    """The toolbar's commands (every ``toolbar`` action, in table order), one group per menu
    (Export goes with File)."""
    groups: dict[str, list[str]] = {}
    for spec in ACTIONS:
        if spec.toolbar:
            groups.setdefault("File" if spec.menu == "Export" else spec.menu, []).append(spec.name)
    return list(groups.values())


def make_action(window: QMainWindow, spec: ActionSpec) -> QAction:
    action = QAction(spec.text, window)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    action.setCheckable(spec.checkable)
    if spec.short:
        action.setIconText(spec.short)
    if spec.tip:
        action.setStatusTip(spec.tip)
        action.setToolTip(spec.tip)
    if spec.checkable:
        action.toggled.connect(lambda checked: spec.run(window, checked))
    else:
        action.triggered.connect(lambda _checked=False: spec.run(window))
    return action


class StudioActions:
    """The window's actions, menus and toolbar, built from :data:`ACTIONS`; undo and redo
    from ``undo_stack``; View shows or hides ``docks``."""

    def __init__(self, window: QMainWindow, undo_stack: QUndoStack,
                 docks: tuple[QDockWidget, ...]):
        self.window, self.undo_stack, self.docks = window, undo_stack, docks
        self.by_name: dict[str, QAction] = {s.name: make_action(window, s) for s in ACTIONS}
        self.by_name["split"].setChecked(True)
        self.by_name["show_marks"].setChecked(True)
        stack = undo_stack
        self.undo = stack.createUndoAction(window, "&Undo")
        self.undo.setShortcut(Std.Undo)
        self.redo = stack.createRedoAction(window, "&Redo")
        self.redo.setShortcut(Std.Redo)
        self.overlays = {
            name: make_action(
                window,
                ActionSpec(name, label, "Overlays", lambda w, on, n=name: w.set_overlay(n, on),
                           checkable=True),
            )
            for name, (_colour, label) in OVERLAYS.items()
        }
        self._build_menus()
        self._build_toolbar()

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def _add(self, menu, menu_name: str, skip: tuple[str, ...] = ()) -> None:
        for spec in ACTIONS:
            if spec.menu == menu_name and spec.name not in skip:
                if spec.separator_before:
                    menu.addSeparator()
                menu.addAction(self.by_name[spec.name])

    def _build_menus(self) -> None:
        window = self.window
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.by_name["open"])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._add(file_menu, "File", skip=("open", "quit"))
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("E&xport")
        self._add(self.export_menu, "Export")
        self.export_menu.addSeparator()
        for preset, label in EXPORT_PRESETS:
            self.export_menu.addAction(label, lambda p=preset: window.exporter.show_dialog(p))
        file_menu.addSeparator()
        file_menu.addAction(self.by_name["quit"])
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo)
        edit_menu.addAction(self.redo)
        self._add(edit_menu, "Edit")
        view_menu = bar.addMenu("&View")
        self._add(view_menu, "View")
        self.overlay_menu = view_menu.addMenu("&Overlays")
        for action in self.overlays.values():
            self.overlay_menu.addAction(action)
        view_menu.addSeparator()
        for dock in self.docks:
            view_menu.addAction(dock.toggleViewAction())
        self._add(bar.addMenu("&Marks"), "Marks")
        self._add(bar.addMenu("&Help"), "Help")

    def _build_toolbar(self) -> None:
        window = self.window
        bar = window.addToolBar("Main")
        bar.setObjectName("main_toolbar")
        self.toolbar = bar
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # fixed labels on the toolbar (the menu's say what they undo)
        stack = self.undo_stack
        self.undo_tool = QAction("Undo", window, toolTip="Undo the last change")
        self.redo_tool = QAction("Redo", window, toolTip="Redo the change undone")
        self.undo_tool.triggered.connect(lambda: stack.undo())
        self.redo_tool.triggered.connect(lambda: stack.redo())
        self.undo_tool.setEnabled(False)
        self.redo_tool.setEnabled(False)
        stack.canUndoChanged.connect(self.undo_tool.setEnabled)
        stack.canRedoChanged.connect(self.redo_tool.setEnabled)
        for index, group in enumerate(toolbar_groups()):
            if index:
                bar.addSeparator()
            for name in group:
                bar.addAction(self.by_name[name])
            if index == 0:  # undo and redo beside the file commands
                bar.addSeparator()
                bar.addAction(self.undo_tool)
                bar.addAction(self.redo_tool)
        overlays = QToolButton(window)
        overlays.setText("Overlays")
        overlays.setMenu(self.overlay_menu)
        overlays.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(overlays)

    def sync_mark_tools(self, tool: str | None) -> None:
        """Check the action of the mark tool in use (signals blocked: no feedback loop)."""
        for name in ("heal", "keep", "brush"):
            action = self.by_name[f"{name}_tool"]
            action.blockSignals(True)
            action.setChecked(name == tool)
            action.blockSignals(False)

    def update_enabled(self, loaded: bool) -> None:
        for spec in ACTIONS:
            if spec.needs_photo:
                self.by_name[spec.name].setEnabled(loaded)
        self.export_menu.setEnabled(loaded)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(command, keys) for every command with a key, read from the actions themselves."""
        rows = []
        commands = [(_plain(self.by_name[s.name].text()), self.by_name[s.name]) for s in ACTIONS]
        # undo and redo by their own names, not the step they would undo ("Undo Straighten")
        for text, action in (*commands, ("Undo", self.undo), ("Redo", self.redo)):
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                rows.append((text, keys))
        return rows + list(gestures())


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


class QtShortcutsDialog(QDialog):
    """Help › Keyboard Shortcuts: a two-column table of :meth:`StudioActions.shortcut_rows`."""

    def __init__(self, parent, rows: list[tuple[str, str]]):
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.setObjectName("shortcuts_dialog")
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Command", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (command, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(command))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 520)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (self.table.item(r, 0).text(), self.table.item(r, 1).text())
            for r in range(self.table.rowCount())
        ]

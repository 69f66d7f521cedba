"""Start the studio: ``likeness [IMAGE]`` calls :func:`run_studio`."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from studio import __version__
from studio.face import detect, helper_process
from studio.process import follow_parent

from . import APP_NAME
from .platform_check import display_problem
from .qt_autosave import crashed_autosave
from .qt_main import QtStudioWindow

#: The panel and canvas look: dark, compact, readable (a photo tool keeps colour out of the UI).
STYLE_SHEET = """
QMainWindow, QDockWidget, QScrollArea, QWidget#side_panel { background: #252527; }
QDockWidget::title { background: #1d1d1f; padding: 5px 8px; color: #bdbdbd;
                     font-weight: 600; }
QToolBar { background: #1d1d1f; border: none; border-bottom: 1px solid #111; spacing: 2px;
           padding: 2px 6px; }
QToolBar QToolButton { color: #d8d8d8; padding: 4px 9px; border-radius: 3px; }
QToolBar QToolButton:hover { background: #3a3a3d; }
QToolBar QToolButton:checked { background: #3d4f66; color: #ffffff; }
QToolBar QToolButton:disabled { color: #666; }
QStatusBar { background: #1d1d1f; color: #9a9a9a; }
QStatusBar QLabel { color: #9a9a9a; padding: 0 8px; }
QMenuBar { background: #1d1d1f; color: #d0d0d0; }
QMenuBar::item:selected { background: #3a3a3d; }
QMenu { background: #2b2b2e; color: #dcdcdc; border: 1px solid #111; }
QMenu::item:selected { background: #3d4f66; }
QLabel { color: #d4d4d4; }
QLabel:disabled { color: #6a6a6a; }
QLabel#group_header { color: #8f8f95; font-size: 10px; font-weight: 700;
                      letter-spacing: 1px; padding-top: 6px; }
QFrame#group_line { color: #3a3a3d; max-height: 1px; }
QLabel#no_face_note { background: #3b3424; color: #e7d7a6; border-radius: 4px; padding: 6px; }
QLabel#caption { color: #8f8f95; font-size: 11px; }
QSlider::groove:horizontal { height: 3px; background: #47474b; border-radius: 1px; }
QSlider::sub-page:horizontal { background: #7a8da6; border-radius: 1px; }
QSlider::sub-page:horizontal:disabled { background: #47474b; }
QSlider[bipolar="true"]::sub-page:horizontal { background: #47474b; }
QSlider::handle:horizontal { background: #d6d6d6; width: 11px; height: 11px;
                             margin: -4px 0; border-radius: 5px; }
QSlider::handle:horizontal:hover { background: #ffffff; }
QSlider::handle:horizontal:disabled { background: #5a5a5e; }
QLineEdit, QComboBox { background: #1c1c1e; color: #e0e0e0;
    border: 1px solid #3c3c40; border-radius: 3px; padding: 2px 4px;
    selection-background-color: #3d4f66; }
QComboBox:disabled, QLineEdit:disabled { color: #666; }
QComboBox QAbstractItemView { background: #2b2b2e; color: #dcdcdc;
    selection-background-color: #3d4f66; }
QPushButton { background: #38383c; color: #e0e0e0; border: 1px solid #4a4a4f;
              border-radius: 3px; padding: 3px 10px; }
QPushButton:hover { background: #434348; }
QPushButton:disabled { color: #666; }
QToolButton#reset { color: #9a9a9a; border: none; padding: 0 2px; }
QToolButton#reset:hover { color: #ffffff; }
QToolButton#reset:disabled { color: #444; }
QCheckBox { color: #d4d4d4; }
QUndoView, QListView { background: #1f1f21; color: #cfcfcf; border: none; }
QUndoView::item:selected { background: #3d4f66; }
QScrollBar:vertical { background: #232325; width: 10px; }
QScrollBar::handle:vertical { background: #47474b; border-radius: 4px; min-height: 24px; }
QScrollBar::add-line, QScrollBar::sub-line { height: 0; width: 0; }
QScrollBar:horizontal { background: #232325; height: 10px; }
QScrollBar::handle:horizontal { background: #47474b; border-radius: 4px; min-width: 24px; }
QProgressDialog, QDialog, QMessageBox { background: #2b2b2e; }
"""


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#252527",
        QPalette.ColorRole.WindowText: "#dcdcdc",
        QPalette.ColorRole.Base: "#1c1c1e",
        QPalette.ColorRole.AlternateBase: "#2a2a2d",
        QPalette.ColorRole.ToolTipBase: "#f4f4f4",
        QPalette.ColorRole.ToolTipText: "#1c1c1e",
        QPalette.ColorRole.Text: "#e0e0e0",
        QPalette.ColorRole.Button: "#38383c",
        QPalette.ColorRole.ButtonText: "#e0e0e0",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#3d4f66",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.PlaceholderText: "#777777",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6a6a6a"))
    return palette


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the studio's names and dark theme (reused when one exists)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("Likeness Studio")
    app.setApplicationVersion(__version__)
    # Wayland desktops match the window to resources/likeness-studio.desktop (and its icon).
    app.setDesktopFileName("likeness-studio")
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLE_SHEET)
    return app


def offer_restore(window: QtStudioWindow) -> bool:
    """After a crash, ask whether to restore the autosaved session; True when it was restored."""
    path = crashed_autosave()
    if path is None:
        return False
    answer = QMessageBox.question(
        window,
        APP_NAME,
        "Likeness Studio did not close properly last time. Restore the unsaved session?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    if answer == QMessageBox.StandardButton.Yes:
        window.opener.restore_autosave(path)
        return True
    path.unlink(missing_ok=True)
    return False


def open_given(window: QtStudioWindow, path: str | os.PathLike | None) -> None:
    """What ``likeness PATH`` opens: a folder as a shoot (its filmstrip, the first photo
    open), a photo or a session as File › Open does, nothing given: the sample."""
    if path is not None and os.path.isdir(path):
        window.filmstrip.open_folder(path)
    else:
        window.opener.open_path(path)


def run_studio(path: str | os.PathLike | None = None) -> int:
    """Open the studio window on ``path`` (a photo, a session, or a folder: its filmstrip;
    None: the built-in sample).

    Blocks until the window closes; returns the exit code (0, or 2 with one line on stderr
    when no window can open here: no display, or Qt's X11 libraries missing).
    """
    problem = display_problem()
    if problem is not None:
        print(f"likeness: {problem}", file=sys.stderr)
        return 2
    app = make_application()
    face_helper = start_face_helper()
    window = QtStudioWindow()
    window.show()
    keep_start_up_objects()

    def start() -> None:
        if not offer_restore(window):
            open_given(window, path)

    QTimer.singleShot(0, start)
    try:
        code = int(app.exec())
        for runner in window.runners:  # let a running job end before Python shuts down
            runner.join(60.0)
    finally:
        stop_face_helper(face_helper)
    return code


def keep_start_up_objects() -> None:
    """Take what start-up made (the modules, the window's widgets and their wrappers, ~60,000
    objects that live as long as the studio) out of the cyclic garbage collector's sight. Each
    full collection walked them all: 40 ms of one core holding Python's lock, whichever thread
    set it off, so the window froze for it during drags and exports."""
    gc.freeze()


def start_face_helper() -> ProcessPoolExecutor:
    """A helper process for the dlib work that holds Python's lock (in this process it would
    freeze the window), started (its models loaded) while the window opens: the CNN face
    detector (when HOG finds no face: a tilted or dim face, a landscape; a second or more)
    and the likeness descriptor (0.15 s at each likeness measure). ``stop_face_helper`` ends
    it."""
    from studio.face import helper_process, likeness  # start-up

    pool = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=follow_parent
    )
    pool.submit(likeness.load_recognition)
    pool.submit(detect.load_cnn)
    helper_process.use_helper_process(pool)
    return pool


def stop_face_helper(pool: ProcessPoolExecutor) -> None:
    """Back to this process for the CNN and the descriptors; the helper ends (no waiting)."""
    helper_process.use_helper_process(None)
    pool.shutdown(wait=False, cancel_futures=True)

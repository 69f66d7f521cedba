"""The studio window's fixtures (pytest-qt, offscreen): message boxes captured, windows made
and closed, the sample portrait on disk, the crop tool open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from studio.imaging import save
from studio.imaging.sample import sample_photo
from studio.ui import app as studio_app
from studio.ui.qt_main import QtStudioWindow
from tests.helpers.window import open_and_wait


@pytest.fixture
def dialogs(monkeypatch):
    """Capture message boxes instead of showing them; closing discards unsaved changes."""
    shown = {"warning": [], "question": []}

    def warning(parent, title, text, *args, **kwargs):
        shown["warning"].append(text)
        return QMessageBox.StandardButton.Ok

    def question(parent, title, text, *args, **kwargs):
        shown["question"].append(text)
        return shown.get("answer", QMessageBox.StandardButton.Discard)

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return shown


@pytest.fixture
def make_window(qtbot, dialogs):
    studio_app.make_application()
    windows = []

    def make() -> QtStudioWindow:
        window = QtStudioWindow()
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.document.set_dirty(False)
        window.close()


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory):
    """The public-domain sample portrait as a PNG file (sessions need a photo on disk)."""
    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    save(path, sample_photo().pixels)
    return path


@pytest.fixture
def cropping(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    window.canvas.fit()
    qtbot.keyClick(window.canvas, Qt.Key.Key_C)
    assert window.crop_tool.active and window.crop_tool.bar.isVisible()
    return window

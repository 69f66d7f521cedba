"""The studio keeps the user's work: the last edit survives a kill, a photo reopens with its
saved session, a new photo starts neutral; the export result stays readable; an empty window
says what to do; Help lists the shortcuts (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QKeySequence  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from studio.edits.sliders import default_sliders  # noqa: E402
from studio.imaging import save  # noqa: E402
from studio.imaging.sample import sample_photo  # noqa: E402
from studio.session import (  # noqa: E402
    Session,
    Source,
    default_session_path,
    load_session,
    save_session,
)
from studio.ui import app as studio_app  # noqa: E402
from studio.ui.qt_actions import QtShortcutsDialog  # noqa: E402
from studio.ui.qt_autosave import autosave_path  # noqa: E402
from studio.ui.qt_canvas import EMPTY_HINT  # noqa: E402
from studio.ui.qt_export import QtExportDialog  # noqa: E402
from tests.helpers.window import WAIT, open_and_wait, wait_for_preview

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def photos(tmp_path):
    """Two different portraits on disk: the sample and its mirror image."""
    pixels = sample_photo().pixels
    first, second = tmp_path / "me.png", tmp_path / "other.png"
    save(first, pixels)
    save(second, pixels[:, ::-1].copy())
    return first, second


def autosaved(key: str):
    """The value of slider ``key`` in this studio's autosave file (None: no file yet)."""
    path = autosave_path()
    return load_session(path).sliders[key] if path.is_file() else None


def test_autosave_keeps_the_last_edit_and_it_comes_back_after_a_crash(
    qtbot, make_window, dialogs, photos
):
    window = make_window()
    open_and_wait(qtbot, window, photos[0])
    window.panel.rows["warmth"].box.setValue(0.3)
    qtbot.waitUntil(lambda: autosaved("warmth") == 0.3, timeout=WAIT)
    # later edits are written too (the bug: only the first edit ever was)
    window.panel.rows["warmth"].box.setValue(0.75)
    window.panel.rows["smooth"].box.setValue(0.66)
    qtbot.waitUntil(
        lambda: autosaved("warmth") == 0.75 and autosaved("smooth") == 0.66, timeout=WAIT
    )
    dialogs["answer"] = QMessageBox.StandardButton.Yes  # "restore the unsaved session?"
    fresh = make_window()
    assert studio_app.offer_restore(fresh)
    qtbot.waitUntil(lambda: not fresh.opener.opening and fresh.document.photo is not None, timeout=WAIT)
    assert fresh.document.slider("warmth") == 0.75 and fresh.document.slider("smooth") == 0.66
    assert fresh.document.dirty and fresh.notice.isVisible()


STUDIO_THEN_WAIT = """
import sys, time
from PySide6.QtWidgets import QApplication
from studio.session import load_session
from studio.ui import app
from studio.ui.qt_autosave import autosave_path
from studio.ui.qt_main import QtStudioWindow

app.make_application()
window = QtStudioWindow()
window.show()
window.opener.open_path(sys.argv[1])
def wait(done):
    while not done():
        QApplication.processEvents()
        time.sleep(0.01)
wait(lambda: window.document.photo is not None and not window.opener.opening)
window.panel.rows["warmth"].box.setValue(0.75)
window.panel.rows["bg_blur"].box.setValue(0.87)
def saved():
    path = autosave_path()
    if not path.is_file():
        return False
    sliders = load_session(path).sliders
    return sliders["warmth"] == 0.75 and sliders["bg_blur"] == 0.87
wait(saved)
print("autosaved", flush=True)
wait(lambda: False)
"""


def test_the_last_edit_survives_kill_9_of_the_studio(qtbot, make_window, dialogs, photos):
    studio = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(STUDIO_THEN_WAIT), str(photos[0])],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert studio.stdout.readline().strip() == "autosaved"
    finally:
        os.kill(studio.pid, signal.SIGKILL)
        studio.wait()
    assert autosave_path(studio.pid).is_file()  # left behind by the killed studio
    dialogs["answer"] = QMessageBox.StandardButton.Yes
    fresh = make_window()
    assert studio_app.offer_restore(fresh)
    qtbot.waitUntil(lambda: not fresh.opener.opening and fresh.document.photo is not None, timeout=WAIT)
    assert fresh.document.source_path == photos[0]
    assert fresh.document.slider("warmth") == 0.75 and fresh.document.slider("bg_blur") == 0.87
    assert not autosave_path(studio.pid).exists()  # taken over by this studio


def test_reopening_a_photo_restores_its_saved_session_and_a_new_photo_starts_neutral(
    qtbot, make_window, photos
):
    me, other = photos
    window = make_window()
    open_and_wait(qtbot, window, me)
    assert not window.notice.isVisible()  # nothing saved yet: neutral, nothing to say
    window.panel.rows["smooth"].box.setValue(0.5)
    window.document.set_slider("backdrop", "#808080")  # a grey backdrop
    assert window.sessions.save_session()
    assert default_session_path(me).is_file()

    open_and_wait(qtbot, window, other)
    assert window.document.sliders == default_sliders()  # not the previous photo's
    assert window.document.look is None and not window.document.dirty
    wait_for_preview(qtbot, window, smooth=0.0, backdrop=None)

    open_and_wait(qtbot, window, me)
    assert window.document.slider("smooth") == 0.5
    assert window.document.slider("backdrop") == "#808080"
    assert window.document.session_path == default_session_path(me)
    assert not window.document.dirty
    assert window.notice.isVisible() and "Restored the session" in window.notice.text
    window.notice.button.click()  # "Start from Neutral", one undoable step
    assert window.document.sliders == default_sliders()
    window.undo_stack.undo()
    assert window.document.slider("smooth") == 0.5


def test_a_newer_autosave_of_a_crashed_studio_wins_over_the_saved_session(
    qtbot, make_window, photos
):
    me = photos[0]
    from studio.session import file_sha256

    source = Source(path=me.resolve(), sha256=file_sha256(me))
    beside = save_session(Session(sliders={**default_sliders(), "smooth": 0.5}, source=source))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    crashed = autosave_path(int(gone.stdout))
    save_session(Session(sliders={**default_sliders(), "smooth": 0.8}, source=source), crashed)
    os.utime(crashed, (beside.stat().st_mtime + 10, beside.stat().st_mtime + 10))

    window = make_window()
    open_and_wait(qtbot, window, me)
    assert window.document.slider("smooth") == 0.8
    assert window.document.dirty and window.document.session_path == beside
    assert "unsaved changes" in window.notice.text
    assert not crashed.exists() and autosaved("smooth") == 0.8  # kept by this studio now


def test_a_session_of_other_bytes_is_not_applied_and_says_so(qtbot, make_window, photos):
    me, other = photos
    from studio.session import file_sha256

    wrong = Source(path=me.resolve(), sha256=file_sha256(other))
    save_session(Session(sliders={**default_sliders(), "smooth": 0.5}, source=wrong))
    window = make_window()
    open_and_wait(qtbot, window, me)
    assert window.document.sliders == default_sliders()
    assert "another version of this photo" in window.notice.text


def test_the_export_result_stays_readable(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window)
    out = tmp_path / ("a-rather-long-folder-name-" * 4) / "me-linkedin.jpg"
    out.parent.mkdir()

    def exec_(dialog):
        dialog.set_preset("linkedin")
        dialog.path_edit.setText(str(out))
        return QtExportDialog.DialogCode.Accepted

    monkeypatch.setattr(QtExportDialog, "exec", exec_)
    with qtbot.waitSignal(window.exporter.finished, timeout=WAIT) as blocker:
        window.export_action.trigger()
    result = blocker.args[0]
    text = window.notice.text
    assert text.startswith(f"Exported {result.width}×{result.height} JPEG")
    assert str(out) in text and "likeness" in text and all(n in text for n in result.notes)
    assert window.notice.isVisible() and window.notice.label.wordWrap()
    window.panel.rows["smooth"].box.setValue(0.2)  # keeps working: the message stays
    wait_for_preview(qtbot, window, smooth=0.2)
    assert window.notice.isVisible() and window.notice.text == text
    window.notice.close_button.click()
    assert not window.notice.isVisible()


def test_an_empty_window_says_open_or_drop_a_photo(qtbot, make_window):
    window = make_window()
    assert window.canvas.showing_hint and EMPTY_HINT.startswith("Open or drop a photo")
    shot = window.canvas.viewport().grab().toImage()
    centre = shot.pixelColor(shot.width() // 2, shot.height() // 2 - 12)
    text_pixels = sum(
        shot.pixelColor(x, y).lightness() > 100
        for x in range(shot.width() // 2 - 120, shot.width() // 2 + 120)
        for y in range(shot.height() // 2 - 30, shot.height() // 2 + 30)
    )
    assert text_pixels > 50, centre.name()  # the hint is drawn, light on the dark canvas
    open_and_wait(qtbot, window)
    assert not window.canvas.showing_hint


def test_help_lists_the_shortcuts_of_the_actions_themselves(qtbot, make_window):
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    entry = next(a for a in help_menu.actions() if "Shortcuts" in a.text())
    entry.trigger()
    dialog = window.findChild(QtShortcutsDialog, "shortcuts_dialog")
    assert dialog is not None and dialog.isVisible()
    rows = dict(dialog.rows())
    native = QKeySequence.SequenceFormat.NativeText
    assert rows["Export"] == window.export_action.shortcut().toString(native) == "Ctrl+E"
    assert rows["Undo"] == window.undo_action.shortcut().toString(native)
    assert "See the original" in rows
    dialog.close()
    # one table: a changed shortcut shows in the list, there is no second copy to update
    window.export_action.setShortcut(QKeySequence("Ctrl+Alt+E"))
    assert dict(window.show_shortcuts().rows())["Export"] == "Ctrl+Alt+E"


def test_the_studio_window_answers_to_the_split_and_overlay_actions(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    window.split_action.trigger()
    assert not window.canvas.split_enabled
    window.split_action.trigger()
    assert window.canvas.split_enabled
    window.overlay_actions["landmarks"].trigger()
    assert window.canvas.overlays_on["landmarks"]

"""A crash restores everything: every field a session holds survives the autosave and a
restore (and a save and reopen), and the window shows what it showed before the kill; the
autosave is written while changes keep coming (pytest-qt, offscreen)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from studio.edits.sliders import default_sliders  # noqa: E402
from studio.face.types import FaceAnalysis  # noqa: E402
from studio.imaging import save  # noqa: E402
from studio.imaging.export import ExportSettings  # noqa: E402
from studio.imaging.sample import sample_photo  # noqa: E402
from studio.render.amount import scaled  # noqa: E402
from studio.session import (  # noqa: E402
    Session,
    Source,
    default_session_path,
    file_sha256,
    load_look,
    load_session,
    save_session,
)
from studio.ui import app as studio_app  # noqa: E402
from studio.ui.qt_autosave import Autosaver, autosave_path  # noqa: E402
from studio.ui.qt_export import QtExportDialog  # noqa: E402
from tests.helpers.window import WAIT  # noqa: E402
from tests.ui.test_qt_marks import stroke  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def test_a_stream_of_changes_is_autosaved_within_the_limit(qtbot):
    """A long slider drag: changes every 20 ms for 1.5 s, never the quiet time apart. The
    limit (250 ms) is counted from the first change not yet written, not restarted by each
    change, so the autosave is written during the drag, not only after it."""
    quiet_ms, longest_ms = 1000, 250
    written: list[float] = []
    value = {"smooth": 0.0}

    def session_of():
        written.append(time.monotonic())
        return Session(sliders={**default_sliders(), "smooth": value["smooth"]})

    autosaver = Autosaver(session_of, quiet_ms=quiet_ms, longest_ms=longest_ms)
    start = time.monotonic()
    while time.monotonic() - start < 1.5:
        value["smooth"] = round(value["smooth"] + 0.001, 3)
        autosaver.changed()
        qtbot.wait(20)
    during = list(written)
    assert len(during) >= 2, "the autosave waited for the drag to end"
    assert during[0] - start < quiet_ms / 1000  # by the limit, not by a pause
    qtbot.waitUntil(lambda: autosave_path().is_file(), timeout=5000)
    assert 0 < load_session(autosave_path()).sliders["smooth"] <= value["smooth"]
    autosaver.discard()


# ----------------------------------------------------------------------------- the window's work
def three_faces(folder: Path) -> Path:
    """The sample portrait three times side by side (faces to choose from), on disk."""
    pixels = sample_photo().pixels
    path = folder / "three.png"
    save(path, np.hstack([pixels, pixels[:, ::-1], pixels]).copy())
    return path


def settled(window) -> bool:
    """Opened, rendered, and the look's amount measured (nothing on its way)."""
    amount = window.amount
    return (
        not window.opener.opening
        and window.preview.pixels is not None
        and window.preview.marks == window.document.marks
        and (amount.isHidden() or "likeness" in amount.label.text())
    )


def autosave_settled(window) -> bool:
    """The autosave holds every change made so far (written on its own, as after a pause)."""
    if window.sessions.autosaver.pending:
        return False
    window.sessions.autosaver.wait_written()
    return True


def export_dialog_settings(window) -> dict:
    """What the Export dialog offers (its preset and options), read without exporting."""
    seen = {}

    def exec_(dialog):
        seen["settings"] = dialog.settings()
        return QtExportDialog.DialogCode.Rejected

    with patch.object(QtExportDialog, "exec", exec_):
        window.export_action.trigger()
    return seen["settings"].to_dict()


def window_state(window) -> dict:
    """What the window shows of the work, as plain values: sliders, look and amount, faces,
    marks, crop tool (preset, frame, angle, circle), snapshots, export dialog, title."""
    panel, crop, document = window.panel, window.crop_tool, window.document
    faces = panel.face_combo
    return json.loads(json.dumps({
        "title": window.windowTitle(),
        "sliders": {key: row.value for key, row in panel.rows.items()},
        "look": panel.look_combo.currentText(),
        "amount": [window.amount.label.text(), window.amount.slider.value()]
        if window.amount.isVisible() else "hidden",
        "faces": [faces.currentIndex(), [faces.itemText(i) for i in range(faces.count())],
                  panel.everyone_box.isChecked()],
        "marks": [mark.to_dict() for mark in document.marks],
        "marks drawn": window.marks.item.boundingRect().getRect(),
        "crop": [None if document.crop is None else document.crop.to_dict(),
                 crop.aspect_box.currentText(), crop.rect, crop.angle_slider.value(),
                 crop.angle_label.text()],
        "circle drawn": crop.frame == "linkedin",
        "snapshots": [window.snapshot_list.item(i).text()
                      for i in range(window.snapshot_list.count())],
        "export": export_dialog_settings(window),
    }))


def cheek(window) -> tuple[float, float, float]:
    """A point on the chosen face's cheek (photo pixels) and the face's eye distance."""
    face = window.document.face
    x, y = face.landmarks[36] * 0.45 + face.landmarks[48] * 0.55
    return float(x), float(y), face.iod


def work_as_in_the_issue(window, wait) -> None:
    """Issue 26's afternoon: a look, warmth, a heal and a keep mark, a 4:5 crop, a snapshot
    (``wait(condition)`` runs the event loop until it holds)."""
    window.panel.look_chosen.emit("linkedin")
    wait(lambda: window.document.amount is not None)
    window.panel.rows["warmth"].box.setValue(0.3)
    x, y, iod = cheek(window)
    window.heal_tool_action.trigger()
    stroke(window, [(x, y), (x + 3, y + 1)])
    window.keep_tool_action.trigger()
    stroke(window, [(x, y - iod * 0.3)])
    window.keep_tool_action.trigger()  # back to choosing marks
    window.crop_action.trigger()
    choose_frame(window, "portfolio")
    window.crop_tool.angle_slider.setValue(25)
    window.new_snapshot("Before lunch")
    wait(lambda: settled(window))


def choose_frame(window, frame: str) -> None:
    """Pick an aspect preset in the crop tool's menu, as the user does."""
    box = window.crop_tool.aspect_box
    box.setCurrentIndex(box.findData(frame))
    box.activated.emit(box.currentIndex())


# ----------------------------------------------------------------------------- every field
#: What a Session holds that is not the user's work: the file it was read from (the window
#: keeps it as its session path) and what reading it changed (said when it was opened).
NOT_WORK = {"path", "notes"}
FIELDS = [f.name for f in dataclasses.fields(Session) if f.name not in NOT_WORK]


def _plain(value):
    """A field's value, comparable (an analysis or a photo of me as its dict)."""
    if isinstance(value, FaceAnalysis) or hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _user_steps(window, qtbot, photo: Path):
    """(field, what the user does, the value the field must then hold), in order: each
    field of a session set by the user, as a user sets it (None: it came with the open)."""
    faces = window.document.faces
    right = max(range(len(faces)), key=lambda i: faces[i].box[0])
    left = min(range(len(faces)), key=lambda i: faces[i].box[0])
    look = load_look("linkedin")
    marks = []

    def wait(condition):
        qtbot.waitUntil(condition, timeout=WAIT)

    def paint():
        x, y, iod = cheek(window)
        window.heal_tool_action.trigger()
        stroke(window, [(x, y), (x + 3, y + 1)])
        window.keep_tool_action.trigger()
        stroke(window, [(x, y - iod * 0.3)])
        window.keep_tool_action.trigger()
        marks.extend(window.document.marks)
        assert [m.kind for m in marks] == ["heal", "keep"]

    def amount():
        window.amount.slider.setValue(16)  # 80%
        wait(lambda: window.document.amount == pytest.approx(0.8))

    def export():
        def exec_(dialog):
            dialog.set_preset("custom")
            dialog.size_spin.setValue(800)
            dialog.aspect_combo.setCurrentText("4:5")
            dialog.format_combo.setCurrentText("PNG")
            dialog.quality_spin.setValue(77)
            dialog.keep_metadata.setChecked(True)
            dialog.path_edit.setText(str(photo.with_name("exported.png")))
            return QtExportDialog.DialogCode.Accepted

        with patch.object(QtExportDialog, "exec", exec_), \
                qtbot.waitSignal(window.exporter.finished, timeout=WAIT):
            window.export_action.trigger()

    def crop():
        window.crop_action.trigger()
        choose_frame(window, "portfolio")

    def add_me():
        me = photo.with_name("me.png")
        save(me, sample_photo().pixels)
        window.photos_of_me.add([str(me)])
        assert len(window.document.references) == 1

    def portfolio_crop():
        width, height = window.canvas.photo_size
        crop = window.document.crop
        assert crop.width * width / (crop.height * height) == pytest.approx(0.8)
        return crop

    return [
        ("source", None, lambda: Source(photo.resolve(), file_sha256(photo),
                                         photo.stat().st_size)),
        ("analysis", None, lambda: window.document.analysis),
        ("name", None, lambda: "Portrait"),
        ("description", None, lambda: "For the team page"),
        ("face", lambda: window.canvas.face_clicked.emit(right), lambda: right),
        ("faces", lambda: window.canvas.face_toggled.emit(left),
         lambda: tuple(sorted((left, right)))),
        ("references", add_me, lambda: window.document.references),
        # before the look: the amount it finds keeps both budgets, then the user's 80% is set
        ("budget_to_me", lambda: window.photos_of_me.strip.to_me.setValue(70), lambda: 70.0),
        ("look", lambda: window.panel.look_chosen.emit("linkedin"), lambda: "linkedin"),
        ("budget", lambda: wait(lambda: window.document.amount is not None), lambda: look.budget),
        ("amount", amount, lambda: pytest.approx(0.8)),
        ("sliders", None, lambda: scaled(look.sliders, window.document.amount)),
        ("marks", paint, lambda: tuple(marks)),
        ("crop", crop, portfolio_crop),
        ("angle", lambda: window.crop_tool.angle_slider.setValue(30), lambda: 3.0),
        ("export", export, lambda: ExportSettings("custom", 800, "4:5", "png", 77, True)),
        ("snapshots", lambda: window.new_snapshot("Before lunch"),
         lambda: [("Before lunch", window.document.sliders)]),
    ]


def _check(session: Session, expected: dict, where: str) -> None:
    for name in FIELDS:
        assert _plain(getattr(session, name)) == _plain(expected[name]), f"{name} {where}"


def test_every_field_survives_autosave_and_restore_and_save_and_reopen(
    qtbot, make_window, dialogs, tmp_path
):
    photo = three_faces(tmp_path)
    save_session(
        Session(source=Source.of(photo), name="Portrait", description="For the team page"),
        default_session_path(photo),
    )
    window = make_window()
    window.opener.open_path(default_session_path(photo))  # the user's session of the photo
    qtbot.waitUntil(lambda: settled(window), timeout=WAIT)
    assert len(window.document.faces) >= 3
    steps = _user_steps(window, qtbot, photo)
    assert sorted(name for name, _, _ in steps) == sorted(FIELDS), (
        "a Session field the test does not set: add a step for it"
    )
    expected = {}
    for name, do, value in steps:
        if do is not None:
            do()
            qtbot.waitUntil(lambda: autosave_settled(window), timeout=WAIT)
        expected[name] = value()
        assert _plain(expected[name]) != _plain(getattr(Session(), name)), name
        if do is not None:  # each change is autosaved once it is made, and nothing earlier lost
            kept = load_session(autosave_path())
            for done in expected:
                assert _plain(getattr(kept, done)) == _plain(expected[done]), (
                    f"{done} autosaved after {name}"
                )
    qtbot.waitUntil(lambda: settled(window), timeout=WAIT)
    before = window_state(window)
    assert before["crop"][1] == "Portfolio 4:5" and before["snapshots"] == ["Before lunch"]
    assert before["export"] == expected["export"].to_dict()  # the dialog offers them again

    # A crash: the autosave stays behind (a studio no longer running), a new window restores.
    crashed = autosave_path(gone_pid())
    autosave_path().rename(crashed)
    window.document.set_dirty(False)
    window.close()
    dialogs["answer"] = QMessageBox.StandardButton.Yes
    restored = make_window()
    assert studio_app.offer_restore(restored)
    qtbot.waitUntil(lambda: settled(restored), timeout=WAIT)
    _check(restored.document.session(), expected, "restored")
    assert window_state(restored) == before
    assert restored.document.dirty and not crashed.exists()

    # Saved, and the photo opened again in another window: the same, saved.
    assert restored.sessions.save_session()
    reopened = make_window()
    reopened.opener.open_path(photo)
    qtbot.waitUntil(lambda: settled(reopened), timeout=WAIT)
    _check(reopened.document.session(), expected, "saved and reopened")
    again = window_state(reopened)
    assert again.pop("title") == before.pop("title").replace("*", "")
    assert again == before


def gone_pid() -> int:
    """The id of a process that has ended (a studio killed)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


# ----------------------------------------------------------------------------- a real kill -9
STUDIO_AT_WORK = """
import json, sys, time
from PySide6.QtWidgets import QApplication
from studio.ui import app
from studio.ui.qt_main import QtStudioWindow
from tests.ui.test_restore import autosave_settled, settled, window_state, work_as_in_the_issue

app.make_application()
window = QtStudioWindow()
window.show()
def wait(done):
    while not done():
        QApplication.processEvents()
        time.sleep(0.01)
window.opener.open_path(sys.argv[1])
wait(lambda: settled(window))
work_as_in_the_issue(window, wait)
wait(lambda: autosave_settled(window))  # written on its own, as after a pause
print(json.dumps(window_state(window)), flush=True)
wait(lambda: False)
"""


def test_after_kill_9_the_window_comes_back_as_it_was(qtbot, make_window, dialogs, tmp_path):
    """A studio in a subprocess does issue 26's afternoon (a look, warmth, heal and keep marks,
    a 4:5 crop turned 2.5°, a snapshot), is killed with SIGKILL once its autosave is written
    on its own; a new studio restores it and shows what the killed one showed."""
    photo = three_faces(tmp_path)
    studio = subprocess.Popen(
        [sys.executable, "-c", STUDIO_AT_WORK, str(photo)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        line = studio.stdout.readline()
    finally:
        os.kill(studio.pid, signal.SIGKILL)
        studio.wait()
    before = json.loads(line)
    assert before["crop"][1] == "Portfolio 4:5" and not before["circle drawn"]
    assert before["snapshots"] == ["Before lunch"] and len(before["marks"]) == 2
    assert autosave_path(studio.pid).is_file()  # left behind by the killed studio
    dialogs["answer"] = QMessageBox.StandardButton.Yes
    restored = make_window()
    assert studio_app.offer_restore(restored)
    qtbot.waitUntil(lambda: settled(restored), timeout=WAIT)
    assert window_state(restored) == before

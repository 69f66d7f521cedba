"""The studio's plumbing without a photo: the Qt-free document, the latest-only workers, the
undo commands and the remembered settings."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")

from studio.edits.sliders import SLIDERS, default_sliders  # noqa: E402
from studio.errors import LikenessError  # noqa: E402
from studio.face.types import FaceAnalysis  # noqa: E402
from studio.imaging.sample import sample_photo  # noqa: E402
from studio.ui.model import FACE_KEYS, StudioDocument  # noqa: E402

WAIT = 30_000


def test_document_validates_and_reports_changes():
    document = StudioDocument()
    seen = []
    document.events.slider.connect(lambda key, value: seen.append((key, value)))
    document.set_slider("smooth", 0.4)
    document.set_slider("smooth", 0.4)  # no change, no event
    document.set_slider("backdrop", "#FFEEDD")
    assert seen == [("smooth", 0.4), ("backdrop", "#ffeedd")]
    assert document.dirty
    with pytest.raises(LikenessError, match="smooth"):
        document.set_slider("smooth", 3.0)
    assert document.slider("smooth") == 0.4


def test_without_a_face_only_background_and_warmth_stay_enabled():
    document = StudioDocument()
    document.set_photo(sample_photo(), FaceAnalysis(width=512, height=512))
    assert not document.has_face
    enabled = document.enabled_keys()
    assert {"warmth", "bg_blur", "bg_light", "bg_desaturate", "backdrop"} <= enabled
    assert not enabled & FACE_KEYS
    assert {s.key for s in SLIDERS} >= FACE_KEYS


def test_a_newer_job_supersedes_pending_ones_and_stale_results_are_dropped(qtbot):
    from studio.ui.qt_workers import QtLatestRunner

    runner = QtLatestRunner("test")
    gate = threading.Event()
    ran = []

    def job(name):
        if name == "first":
            gate.wait(10)
        ran.append(name)
        return name

    delivered = []
    runner.finished.connect(lambda request_id, result: delivered.append(result))
    runner.submit(job, "first")  # runs, blocked on the gate
    runner.submit(job, "second")  # pending...
    last = runner.submit(job, "third")  # ...replaced before it ever runs
    gate.set()
    qtbot.waitUntil(lambda: delivered == ["third"], timeout=WAIT)
    assert ran == ["first", "third"]  # "first" finished but was stale: never delivered
    assert runner.latest_id == last and not runner.is_busy
    runner.shutdown()
    runner.join(10)


def test_a_users_problem_in_a_worker_comes_back_as_failed(qtbot):
    from studio.ui.qt_workers import QtLatestRunner

    runner = QtLatestRunner("test")

    def job():
        raise LikenessError("that file is not a photo")

    with qtbot.waitSignal(runner.failed, timeout=WAIT) as blocker:
        runner.submit(job)
    assert str(blocker.args[1]) == "that file is not a photo"
    runner.shutdown()


def test_slider_moves_while_held_merge_into_one_undo_step(qtbot):
    from PySide6.QtGui import QUndoStack

    from studio.ui.qt_commands import SetAllSlidersCommand, SetSliderCommand

    document = StudioDocument()
    stack = QUndoStack()
    for value in (0.1, 0.2, 0.3):
        stack.push(SetSliderCommand(document, "smooth", value, held=True))
    stack.command(stack.index() - 1).release()
    stack.push(SetSliderCommand(document, "smooth", 0.5, held=False))  # a new drag
    stack.push(SetSliderCommand(document, "shine", 0.2, held=False))
    assert stack.count() == 3
    assert stack.command(0).text() == "Smooth skin 0.30"
    stack.undo()
    stack.undo()
    assert document.slider("smooth") == 0.3 and document.slider("shine") == 0.0
    stack.undo()
    assert document.sliders == default_sliders()
    stack.push(
        SetAllSlidersCommand(document, {"smooth": 0.2, "warmth": 0.3}, "Look: test", look="test")
    )
    assert document.look == "test" and document.slider("warmth") == 0.3
    stack.undo()
    assert document.look is None and document.sliders == default_sliders()


def test_recent_files_and_window_state_are_remembered(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from studio.ui import app as studio_app
    from studio.ui.qt_main import QtStudioWindow, settings_store

    monkeypatch.setenv("LIKENESS_CONFIG_DIR", str(tmp_path))
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    studio_app.make_application()
    window = QtStudioWindow()
    qtbot.addWidget(window)
    photo = tmp_path / "me.png"
    window.sessions.add_recent(photo)
    window.resize(640, 480)
    window.close()
    assert (tmp_path / "studio.ini").is_file()
    again = QtStudioWindow()
    qtbot.addWidget(again)
    assert again.sessions.recent_files()[0] == str(photo.resolve())
    assert [a.text() for a in again.recent_menu.actions()] == ["me.png"]
    assert (again.size().width(), again.size().height()) == (640, 480)
    assert settings_store().fileName() == str(tmp_path / "studio.ini")
    again.close()


def test_only_autosaves_of_studios_no_longer_running_are_offered(tmp_path, monkeypatch):
    from studio.ui.app import crashed_autosave
    from studio.ui.qt_autosave import autosave_path

    monkeypatch.setenv("LIKENESS_DATA_DIR", str(tmp_path))
    assert crashed_autosave() is None
    running = autosave_path(1)  # pid 1 is always alive: another studio still working
    running.write_text("{}")
    assert crashed_autosave() is None
    crashed = autosave_path(4_000_000)  # above Linux's pid limit: that studio is gone
    crashed.write_text("{}")
    assert crashed_autosave() == crashed


def test_a_progressive_runner_shows_each_finished_render_while_newer_ones_come(qtbot):
    """The preview during a slider drag (``likeness bench --studio`` found it frozen: with
    renders slower than the mouse, every render finished while a newer one was already asked
    for, so none was shown until the drag stopped): a progressive runner delivers every result
    newer than the last one shown, never an older one and never one cancelled."""
    from studio.ui.qt_workers import QtLatestRunner

    runner = QtLatestRunner("test", progressive=True)
    gates = {name: threading.Event() for name in ("first", "second", "fourth")}

    def job(name):
        if name in gates:
            gates[name].wait(10)
        return name

    delivered = []
    runner.finished.connect(lambda request_id, result: delivered.append(result))
    runner.submit(job, "first")  # runs
    runner.submit(job, "second")  # pending, then replaced by "third"
    runner.submit(job, "third")
    gates["first"].set()  # "first" is older than "third" but newer than anything shown
    qtbot.waitUntil(lambda: delivered == ["first", "third"], timeout=WAIT)
    runner.submit(job, "fourth")  # runs...
    runner.cancel()  # ...but the user undid it: its result must not show
    gates["fourth"].set()
    qtbot.waitUntil(lambda: not runner.is_busy, timeout=WAIT)
    qtbot.wait(50)
    assert delivered == ["first", "third"]
    runner.shutdown()
    runner.join(10)

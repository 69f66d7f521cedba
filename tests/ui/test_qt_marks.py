"""The mark tools in the studio (pytest-qt, offscreen): heal, keep, person brush, undo, choose
and delete a mark, suggestions, and marks surviving save and reopen."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.edits.marks import mask  # noqa: E402
from studio.imaging.sample import sample_photo  # noqa: E402
from tests.helpers.window import WAIT, export_with_dialog, open_and_wait


def _send(window, kind, x, y, modifiers=Qt.KeyboardModifier.NoModifier):
    """A mouse event at photo pixel (x, y) on the canvas."""
    canvas = window.canvas
    pos = QPointF(canvas.mapFromScene(QPointF(x, y)))
    button = Qt.MouseButton.LeftButton
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, pos, canvas.viewport().mapToGlobal(pos), button, buttons, modifiers)
    QApplication.sendEvent(canvas.viewport(), event)


def stroke(window, points, modifiers=Qt.KeyboardModifier.NoModifier):
    _send(window, QEvent.Type.MouseButtonPress, *points[0], modifiers)
    for x, y in points[1:]:
        _send(window, QEvent.Type.MouseMove, x, y, modifiers)
    _send(window, QEvent.Type.MouseButtonRelease, *points[-1], modifiers)


def wait_for_marks(qtbot, window):
    qtbot.waitUntil(lambda: window.preview.marks == window.document.marks, timeout=WAIT)


def _cheek(window):
    face = window.document.face
    x, y = face.landmarks[36] * 0.45 + face.landmarks[48] * 0.55
    return float(x), float(y), face.iod


def test_heal_keep_and_brush_strokes_are_marks_and_undo_steps(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    x, y, iod = _cheek(window)
    steps = window.undo_stack.count()
    window.heal_tool_action.trigger()
    assert window.marks.tool == "heal" and window.heal_tool_action.isChecked()
    stroke(window, [(x, y), (x + 3, y + 1), (x + 6, y + 2)])
    (heal,) = window.document.marks
    assert heal.kind == "heal" and len(heal.points) >= 2
    assert heal.radius == pytest.approx(max(iod / 25, 2.0), abs=0.01)
    # photo pixels, whatever the zoom: off by at most the half screen pixel the click is rounded to
    half_screen_pixel = 0.5 / window.canvas.transform().m11()
    assert heal.points[0] == pytest.approx((x, y), abs=half_screen_pixel + 0.01)
    wait_for_marks(qtbot, window)
    inside = mask([heal], window.preview.pixels.shape[:2]) == 1
    assert not np.array_equal(window.preview.pixels[inside], sample_photo().pixels[inside])
    window.keep_tool_action.trigger()
    assert window.marks.tool == "keep" and not window.heal_tool_action.isChecked()
    stroke(window, [(x, y - iod * 0.2)])
    window.brush_tool_action.trigger()
    stroke(window, [(20, 20), (40, 22)])
    stroke(window, [(30, 480), (60, 480)], Qt.KeyboardModifier.AltModifier)
    kinds = [m.kind for m in window.document.marks]
    assert kinds == ["heal", "keep", "person", "background"]
    assert window.undo_stack.count() == steps + 4
    assert window.undo_stack.text(steps) == "Heal"
    assert window.undo_stack.text(steps + 3) == "Background brush"
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert [m.kind for m in window.document.marks] == ["heal", "keep"]
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert window.document.marks == ()
    wait_for_marks(qtbot, window)
    assert np.array_equal(window.preview.pixels, sample_photo().pixels)


def test_a_mark_is_chosen_by_a_click_and_deleted(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    x, y, iod = _cheek(window)
    window.heal_tool_action.trigger()
    stroke(window, [(x, y)])
    window.keep_tool_action.trigger()
    stroke(window, [(x, y - iod * 0.3)])
    window.keep_tool_action.trigger()  # back to panning and choosing
    assert window.marks.tool is None
    stroke(window, [(x + 1, y + 1)])  # a click on the heal mark chooses it
    assert window.marks.selected == 0
    window.delete_mark_action.trigger()
    assert [m.kind for m in window.document.marks] == ["keep"]
    assert window.undo_stack.text(window.undo_stack.index() - 1) == "Delete heal mark"
    window.undo_stack.undo()
    assert [m.kind for m in window.document.marks] == ["heal", "keep"]
    # Hiding the overlay hides the marks, not their effect.
    window.show_marks_action.setChecked(False)
    assert not window.marks.item.isVisible()
    assert len(window.document.marks) == 2


def test_marks_survive_save_and_reopen(qtbot, make_window, tmp_path, sample_file):
    window = make_window()
    open_and_wait(qtbot, window, sample_file)
    x, y, iod = _cheek(window)
    window.heal_tool_action.trigger()
    stroke(window, [(x, y)])
    window.brush_tool_action.trigger()
    stroke(window, [(30, 30), (50, 40)])
    wait_for_marks(qtbot, window)
    session_file = tmp_path / "astronaut.likeness.json"
    assert window.sessions.save_session_as(session_file)
    fresh = make_window()
    open_and_wait(qtbot, fresh, session_file)
    assert fresh.document.marks == window.document.marks
    wait_for_marks(qtbot, fresh)
    assert np.array_equal(fresh.preview.pixels, window.preview.pixels)


def test_suggested_marks_arrive_as_one_step(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, None)
    steps = window.undo_stack.count()
    found = window.marks.suggest()
    assert len(window.document.marks) == found
    if found:
        assert window.undo_stack.count() == steps + 1
        assert window.undo_stack.text(steps).startswith("Suggested marks")
        window.undo_stack.undo()
        assert window.document.marks == ()


def test_suggest_marks_says_when_the_face_is_too_small(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, None)  # the sample: 43 px between the eyes
    assert window.marks.suggest() == 0
    assert "too small" in window.statusBar().currentMessage()


def test_suggested_marks_on_a_painted_spot_and_mole(qtbot, make_window, tmp_path):
    from studio.face import analyze_photo
    from studio.imaging import load, save
    from tests.edits.test_suggest import MM, _paint
    from tests.helpers.photos import face_photo

    photo = load(face_photo("human_stock-teen-6.jpg"))
    face = analyze_photo(photo).face(None)
    lm, rng = face.landmarks, np.random.default_rng(0)
    pixels = photo.pixels.copy()
    _paint(pixels, tuple(lm[36] * 0.45 + lm[48] * 0.55), 4 * MM * face.iod, "heal", rng)
    _paint(pixels, tuple(lm[45] * 0.45 + lm[54] * 0.55), 3 * MM * face.iod, "keep", rng)
    path = tmp_path / "painted.png"
    save(path, pixels)
    window = make_window()
    open_and_wait(qtbot, window, path)
    steps = window.undo_stack.count()
    assert window.marks.suggest() == 2
    assert sorted(m.kind for m in window.document.marks) == ["heal", "keep"]
    assert window.undo_stack.count() == steps + 1
    assert window.undo_stack.text(steps) == "Suggested marks (1 heal, 1 keep)"


def test_the_export_carries_the_marks(qtbot, make_window, tmp_path, monkeypatch):
    from studio.imaging import load
    from studio.render import render_photo

    window = make_window()
    open_and_wait(qtbot, window)
    x, y, iod = _cheek(window)
    window.keep_tool_action.trigger()
    stroke(window, [(x, y), (x + 4, y)])
    window.panel.rows["smooth"].box.setValue(1.0)
    out = tmp_path / "me.png"
    export_with_dialog(qtbot, window, monkeypatch, "original", out)
    document = window.document
    expected = render_photo(document.photo.pixels, document.analysis, document.sliders,
                            marks=document.marks)
    written = load(out).pixels
    assert np.abs(written - expected).max() <= 1 / 255 + 1e-6
    inside = mask(document.marks, written.shape[:2]) == 1
    assert np.abs(written[inside] - document.photo.pixels[inside]).max() <= 1 / 255 + 1e-6


def test_the_studio_adds_no_mark_beyond_the_photos_limits(qtbot, make_window):
    """What the studio paints it can open again: a mark over the limits of
    ``check_marks`` is not added (the status bar says why), and the brush grows to half the
    photo's long edge at most."""
    from studio.edits.marks import Mark

    window = make_window()
    open_and_wait(qtbot, window)
    photo = window.document.photo
    window.marks.scale_radius(1e6)
    assert window.marks.radius == max(photo.height, photo.width) / 2
    window.marks.add((Mark("heal", ((10.0, 10.0),), 1e5),))
    assert window.document.marks == ()
    assert "at most" in window.statusBar().currentMessage()
    window.marks.add((Mark("heal", ((10.0, 10.0),), 5.0),))
    assert len(window.document.marks) == 1

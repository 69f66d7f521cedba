"""The crop tool in the studio window, driven as a user would (pytest-qt, offscreen): key C,
drag to move, a corner handle to resize, aspect presets, straighten, undo, the circle."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from studio.imaging.framing import inside, to_original  # noqa: E402
from studio.session import load_session  # noqa: E402
from tests.helpers.window import WAIT


def _screen(window, x: float, y: float) -> QPoint:
    """Where a straightened-photo point is on the canvas's viewport."""
    size, angle = window.canvas.photo_size, window.document.angle
    ox, oy = to_original(np.array([[x, y]]), *size, angle)[0]
    return window.canvas.mapFromScene(QPointF(ox, oy))


def _drag(qtbot, window, start: QPoint, end: QPoint) -> None:
    viewport = window.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    steps = 6
    for i in range(1, steps + 1):
        point = start + (end - start) * (i / steps)
        qtbot.mouseMove(viewport, point)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def test_key_c_shows_the_tool_with_the_automatic_linkedin_square(cropping):
    tool = cropping.crop_tool
    left, top, w, h = tool.rect
    assert abs(w - h) < 1  # LinkedIn 1:1
    eyes = tool.eye_line()
    assert 0.25 < (eyes - top) / h < 0.5  # the eye line about a third down
    assert cropping.document.crop is None  # nothing changed until the user moves it


def test_dragging_inside_moves_the_frame_in_one_undo_step(qtbot, cropping):
    tool = cropping.crop_tool
    tool.set_frame("portfolio")
    steps = cropping.undo_stack.count()
    left, top, w, h = tool.rect
    start = _screen(cropping, left + w / 2, top + h / 2)
    _drag(qtbot, cropping, start, start + QPoint(-40, 0))
    moved = tool.rect
    assert moved[0] < left - 5 and abs(moved[2] - w) < 1  # moved left, same size
    assert cropping.undo_stack.count() == steps + 1  # the whole drag is one step
    cropping.undo_stack.undo()
    assert tool.rect == pytest.approx((left, top, w, h), abs=0.5)


def test_a_corner_handle_resizes_keeping_the_aspect(qtbot, cropping):
    tool = cropping.crop_tool
    tool.set_frame("portfolio")
    left, top, w, h = tool.rect
    corner = _screen(cropping, left + w, top + h)
    _drag(qtbot, cropping, corner, corner + QPoint(-30, -30))
    new = tool.rect
    assert new[2] < w - 5
    assert new[2] / new[3] == pytest.approx(4 / 5, abs=0.01)
    assert new[0] == pytest.approx(left, abs=0.5) and new[1] == pytest.approx(top, abs=0.5)


def test_switching_aspect_reframes_and_undoes(qtbot, cropping):
    tool = cropping.crop_tool
    for frame, aspect in (("portfolio", 0.8), ("3:2", 1.5), ("banner", 4.0)):
        index = tool.aspect_box.findData(frame)
        tool.aspect_box.setCurrentIndex(index)
        tool.aspect_box.activated.emit(index)
        left, top, w, h = tool.rect
        assert w / h == pytest.approx(aspect, rel=0.01)
    cropping.undo_stack.undo()
    left, top, w, h = tool.rect
    assert w / h == pytest.approx(1.5, rel=0.01)


def test_straighten_and_the_angle_slider_keep_the_frame_inside(qtbot, cropping):
    tool = cropping.crop_tool
    qtbot.mouseClick(tool.straighten_button, Qt.MouseButton.LeftButton)
    face = cropping.document.face
    left_eye, right_eye = face.landmarks[36:42].mean(0), face.landmarks[42:48].mean(0)
    tilt = np.degrees(np.arctan2(*(right_eye - left_eye)[::-1]))
    assert cropping.document.angle == pytest.approx(tilt, abs=0.01)
    tool.angle_slider.setValue(120)  # 12 degrees, from the keyboard or a click: one step
    assert cropping.document.angle == pytest.approx(12.0)
    assert inside(tool.rect, *cropping.canvas.photo_size, 12.0)
    cropping.undo_stack.undo()
    assert cropping.document.angle == pytest.approx(tilt, abs=0.01)
    assert tool.angle_slider.value() == int(round(tilt * 10))


def test_the_circle_shows_the_crop_and_the_session_keeps_it(qtbot, cropping, tmp_path):
    tool = cropping.crop_tool
    circle = cropping.panel.circle
    left, top, w, h = tool.rect
    centre = _screen(cropping, left + w / 2, top + h / 2)
    before = circle.grab().toImage()
    _drag(qtbot, cropping, centre, centre + QPoint(0, 60))

    def changed() -> bool:
        return circle.grab().toImage() != before

    qtbot.waitUntil(changed, timeout=WAIT)
    saved = tmp_path / "s.likeness.json"
    cropping.sessions.save_session_as(saved)
    session = load_session(saved)
    assert session.crop == cropping.document.crop and session.crop is not None
    assert isinstance(before, QImage)


def test_the_export_uses_the_crop_and_the_angle(qtbot, cropping, tmp_path):
    from studio.imaging import load
    from studio.imaging.export import ExportSettings

    tool = cropping.crop_tool
    tool.set_frame("portfolio")
    tool.angle_slider.setValue(50)  # 5 degrees
    out = tmp_path / "me-portfolio.jpg"
    with qtbot.waitSignal(cropping.exporter.finished, timeout=WAIT) as blocker:
        cropping.exporter.start(ExportSettings("portfolio", aspect="4:5"), out)
    result = blocker.args[0]
    written = load(out)
    assert written.width / written.height == pytest.approx(0.8, abs=0.01)
    assert result.crop == cropping.document.crop  # the frame the user set, straightened
    left, top, w, h = tool.rect
    # the frame's fractional height is cut in whole pixels of the turned photo (346.59 -> 346)
    assert abs(written.height - min(2048, h)) < 1


def test_an_edge_handle_moves_one_side_and_keeps_the_aspect_about_the_centre(qtbot, cropping):
    tool = cropping.crop_tool
    tool.set_frame("portfolio")
    left, top, w, h = tool.rect
    edge = _screen(cropping, left + w, top + h / 2)  # the middle of the right side
    _drag(qtbot, cropping, edge, edge + QPoint(-25, 0))
    new = tool.rect
    assert new[0] == pytest.approx(left, abs=0.5)  # the left side stays put
    assert new[2] < w - 5  # narrower
    assert new[2] / new[3] == pytest.approx(4 / 5, abs=0.01)  # the height follows (4:5)
    assert new[1] + new[3] / 2 == pytest.approx(top + h / 2, abs=0.5)  # evenly about the centre


def test_a_free_frame_edge_moves_only_that_side(qtbot, cropping):
    tool = cropping.crop_tool
    tool.set_frame("free")
    left, top, w, h = tool.rect
    edge = _screen(cropping, left + w / 2, top + h)  # the middle of the bottom side
    steps = cropping.undo_stack.count()
    _drag(qtbot, cropping, edge, edge + QPoint(0, -30))
    new = tool.rect
    assert new[:3] == pytest.approx((left, top, w), abs=0.5)  # only the bottom moved
    assert new[3] < h - 10
    assert cropping.undo_stack.count() == steps + 1


def test_the_photo_turns_under_an_upright_frame(qtbot, cropping):
    tool = cropping.crop_tool
    tool.set_frame("portfolio")
    tool.angle_slider.setValue(100)  # 10 degrees
    left, top, w, h = tool.rect
    top_left, top_right = _screen(cropping, left, top), _screen(cropping, left + w, top)
    bottom_left = _screen(cropping, left, top + h)
    assert abs(top_left.y() - top_right.y()) <= 1  # the frame is upright on screen
    assert abs(top_left.x() - bottom_left.x()) <= 1
    width, height = cropping.canvas.photo_size
    corner_a = cropping.canvas.mapFromScene(QPointF(0, 0))
    corner_b = cropping.canvas.mapFromScene(QPointF(width, 0))
    assert corner_b.y() < corner_a.y() - 20  # the photo's top edge is turned (anticlockwise)
    # Straighten: the eyes, as the user sees them, are level under the frame.
    qtbot.mouseClick(tool.straighten_button, Qt.MouseButton.LeftButton)
    face = cropping.document.face
    eyes = [face.landmarks[36:42].mean(0), face.landmarks[42:48].mean(0)]
    left_eye, right_eye = (cropping.canvas.mapFromScene(QPointF(*map(float, e))) for e in eyes)
    assert abs(left_eye.y() - right_eye.y()) <= 1
    qtbot.keyClick(cropping.canvas, Qt.Key.Key_C)  # closing the tool shows the framed photo
    assert cropping.canvas.turn == cropping.document.angle != 0
    cropping.whole_photo_action.trigger()  # the whole photo, as shot
    assert cropping.canvas.turn == 0.0
    corner_b = cropping.canvas.mapFromScene(QPointF(width, 0))
    assert abs(corner_b.y() - cropping.canvas.mapFromScene(QPointF(0, 0)).y()) <= 1


def test_a_banner_from_a_portrait_photo_says_what_it_cuts(qtbot, cropping):
    tool = cropping.crop_tool
    tool.set_frame("banner")
    left, top, w, h = tool.rect
    face = cropping.document.face
    eyes_y = face.landmarks[36:48, 1].mean()
    assert top < eyes_y < top + h  # the eyes are in the banner
    assert "too narrow for a banner" in tool.note_label.text()
    tool.set_frame("portfolio")
    assert tool.note_label.text() == "" or "banner" not in tool.note_label.text()


def test_a_frame_moved_against_a_turned_edge_keeps_its_size(qtbot, cropping):
    # Dragged past the top of a turned photo, the frame stops inside it at its size; it is
    # not shrunk (a corner handle shrinks it towards the fixed corner instead).
    tool = cropping.crop_tool
    tool.set_frame("portfolio")
    tool.angle_slider.setValue(80)  # 8 degrees
    left, top, w, h = tool.rect
    centre = _screen(cropping, left + w / 2, top + h / 2)
    _drag(qtbot, cropping, centre, centre + QPoint(40, -400))
    moved = tool.rect
    assert moved[2:] == pytest.approx((w, h), abs=0.5)
    assert moved[1] < top - 1  # it did move up
    assert inside(moved, *cropping.canvas.photo_size, 8.0)

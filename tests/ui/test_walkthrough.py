"""What a new user's walkthrough of the studio tripped over (issue 26, section 6), driven as a
user would (pytest-qt, offscreen): slider clicks, nothing moving under the pointer, the framed
photo after Done, the help, the toolbar, snapshot names, the crop note, the export quality,
cut History rows and the backdrop swatch."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QHelpEvent, QImage, QKeySequence  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QInputDialog,
    QPushButton,
    QStyle,
    QStyleOptionSlider,
    QToolTip,
)

from studio.ui.qt_actions import ACTIONS, QtShortcutsDialog  # noqa: E402
from studio.ui.qt_commands import SetSliderCommand  # noqa: E402
from studio.ui.qt_export import QtExportDialog  # noqa: E402
from tests.helpers.photos import face_photo
from tests.helpers.window import WAIT, open_and_wait, wait_for_preview
from tests.ui.test_qt_crop import _drag, _screen


def test_f1_lists_the_background_brush_and_ctrl_click_on_a_face(qtbot, make_window):
    window = make_window()
    assert window.shortcuts_action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    window.shortcuts_action.trigger()  # F1
    dialog = window.findChild(QtShortcutsDialog, "shortcuts_dialog")
    assert dialog is not None and dialog.isVisible()
    keys = [keys for _command, keys in dialog.rows()]
    assert any(k.startswith("Alt+drag") and "Person Brush" in k for k in keys), keys
    assert any(k.startswith("Ctrl+click") for k in keys), keys
    # every menu command with a key is listed with that key
    native = QKeySequence.SequenceFormat.NativeText
    listed = set(keys)
    for spec in ACTIONS:
        shortcut = window.actions[spec.name].shortcut().toString(native)
        assert not shortcut or shortcut in listed, spec.name


def test_crop_compare_and_the_mark_tools_are_on_the_toolbar(qtbot, make_window):
    window = make_window()
    window.resize(1024, 700)  # a small laptop screen: nothing in the overflow menu
    qtbot.waitUntil(lambda: window.width() <= 1024, timeout=WAIT)
    bar = window.actions.toolbar
    on_bar = {action.iconText() for action in bar.actions() if not action.isSeparator()}
    for name, label in (("crop", "Crop"), ("compare", "Compare"), ("heal_tool", "Heal"),
                        ("keep_tool", "Keep"), ("brush_tool", "Brush"),
                        ("suggest_marks", "Suggest")):
        action = window.actions[name]
        assert action in bar.actions(), name
        assert action.iconText() == label, action.iconText()
        button = bar.widgetForAction(action)
        assert button is not None and button.isVisible(), name  # not in the overflow
    assert {"Open", "Save", "Export", "Undo", "Redo", "Fit", "100%", "Split"} <= on_bar


# ---------------------------------------------------------------------------------- snapshots
def test_a_new_snapshot_starts_with_a_name(qtbot, make_window, monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window)
    offered = []

    def get_text(parent, title, label, *args, **kwargs):
        offered.append(kwargs.get("text", args[1] if len(args) > 1 else ""))
        return offered[-1], True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    window.snapshot_action.trigger()
    window.snapshot_action.trigger()
    assert offered == ["Snapshot 1", "Snapshot 2"]
    window.sessions.apply_look("linkedin")
    window.snapshot_action.trigger()
    assert offered[-1] == window.panel.look_combo.currentText() == "LinkedIn"
    names = [window.snapshot_list.item(i).text() for i in range(window.snapshot_list.count())]
    assert names == ["Snapshot 1", "Snapshot 2", "LinkedIn"]


# ---------------------------------------------------------------------------------- export
def test_the_quality_box_is_off_for_lossless_formats(qtbot):
    from studio.ui import app as studio_app

    studio_app.make_application()
    dialog = QtExportDialog(None, None, "jpeg", preset="custom")
    qtbot.addWidget(dialog)
    for index, name in enumerate(("JPEG", "PNG", "TIFF", "WEBP")):
        assert dialog.format_combo.itemText(index) == name
    lossy = {"JPEG": True, "PNG": False, "TIFF": False, "WEBP": True}
    for name, enabled in lossy.items():
        dialog.format_combo.setCurrentText(name)
        assert dialog.quality_spin.isEnabled() == enabled, name


# ---------------------------------------------------------------------------------- history
def _tooltip_at(view, row: int, monkeypatch) -> str:
    """The tooltip hovering ``row`` shows ("" for none)."""
    shown = []
    monkeypatch.setattr(QToolTip, "showText", staticmethod(lambda pos, text, *a: shown.append(text)))
    rect = view.visualRect(view.model().index(row, 0))
    where = QPoint(20, rect.center().y())  # the row's start: on screen whatever it scrolls
    event = QHelpEvent(QEvent.Type.ToolTip, where, view.viewport().mapToGlobal(where))
    QApplication.sendEvent(view.viewport(), event)
    return shown[-1] if shown else ""


def test_a_cut_history_entry_shows_its_whole_text_in_a_tooltip(qtbot, make_window, monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window)
    window.undo_stack.push(SetSliderCommand(window.document, "smooth", 0.5, False))
    long = "Portfolio (soft light, deeper shadows) at 135%"
    command = SetSliderCommand(window.document, "face_light", 0.2, False)
    command.setText(long)
    window.undo_stack.push(command)
    history = window.history
    history.setFixedWidth(150)
    qtbot.waitUntil(lambda: history.viewport().width() <= 150, timeout=WAIT)
    assert history.fontMetrics().horizontalAdvance(long) > history.viewport().width()
    assert _tooltip_at(history, 2, monkeypatch) == long  # row 0 is "Opened"
    assert _tooltip_at(history, 1, monkeypatch) == ""  # "Smoothing 0.50" fits: no tooltip


def test_a_long_history_entry_is_elided_in_the_middle_not_scrolled_sideways(
        qtbot, make_window, monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window)
    long = "Sync 11 photos from DSC_0001_corporate_headshot_day.jpg (LinkedIn at 90%)"
    command = SetSliderCommand(window.document, "face_light", 0.2, False)
    command.setText(long)
    window.undo_stack.push(command)
    history = window.history
    history.setFixedWidth(150)
    qtbot.waitUntil(lambda: history.viewport().width() <= 150, timeout=WAIT)
    history.doItemsLayout()
    width = history.viewport().width()
    assert history.horizontalScrollBar().maximum() == 0  # nothing to scroll to sideways
    assert history.visualRect(history.model().index(1, 0)).width() <= width  # the row fits
    assert history.textElideMode() == Qt.TextElideMode.ElideMiddle  # start and end both seen
    assert _tooltip_at(history, 1, monkeypatch) == long  # the whole entry on hover


# ---------------------------------------------------------------------------------- sliders
def _track_point(slider, share: float) -> QPoint:
    """Where ``share`` (0..1) of the slider's track is, in the slider's pixels."""
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    groove = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, slider
    )
    return QPoint(groove.left() + round(groove.width() * share), slider.height() // 2)


def _handle(slider):
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    return slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )


def test_clicking_a_slider_track_jumps_there_in_one_history_step(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    row = window.panel.rows["smooth"]
    span = row.spec.maximum - row.spec.minimum
    steps = window.undo_stack.count()
    where = _track_point(row.slider, 0.7)
    qtbot.mousePress(row.slider, Qt.MouseButton.LeftButton, pos=where)
    qtbot.wait(1500)  # held: a page-stepping slider would step on and on
    value = window.document.slider("smooth")
    assert abs(_handle(row.slider).center().x() - where.x()) <= 2  # the handle is at the click
    assert row.spec.minimum + 0.5 * span < value < row.spec.maximum
    further = _track_point(row.slider, 0.85)
    qtbot.mouseMove(row.slider, further)  # the drag goes on from the click
    qtbot.mouseRelease(row.slider, Qt.MouseButton.LeftButton, pos=further)
    assert window.document.slider("smooth") > value
    assert window.undo_stack.count() == steps + 1  # the click and the drag: one step
    window.undo_stack.undo()
    assert window.document.slider("smooth") == row.spec.default


def test_the_crop_angle_slider_jumps_to_a_click_in_one_step(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    window.crop_action.trigger()
    slider = window.crop_tool.angle_slider
    steps = window.undo_stack.count()
    where = _track_point(slider, 0.75)
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=where)
    qtbot.wait(1000)
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=where)
    assert abs(_handle(slider).center().x() - where.x()) <= 2  # the handle is at the click
    assert window.document.angle == slider.value() / 10 > 0
    assert window.undo_stack.count() == steps + 1


def test_the_first_hand_edit_after_a_look_moves_no_slider(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, face_photo("face_recognition_obama1.jpg"))
    window.sessions.apply_look("linkedin")
    qtbot.waitUntil(lambda: window.document.amount is not None, timeout=WAIT)
    qtbot.waitUntil(window.amount.isVisible, timeout=WAIT)
    sliders = {key: row.slider for key, row in window.panel.rows.items() if hasattr(row, "slider")}

    def places() -> dict:
        return {key: s.mapTo(window, QPoint(0, 0)) for key, s in sliders.items()}

    before = _settled(qtbot, places)
    row = window.panel.rows["face_light"]
    where = _track_point(row.slider, 0.8)
    qtbot.mousePress(row.slider, Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseRelease(row.slider, Qt.MouseButton.LeftButton, pos=where)
    assert window.document.look is None  # moved by hand: the look's amount no longer applies
    qtbot.waitUntil(lambda: not window.amount.isVisible(), timeout=WAIT)
    assert _settled(qtbot, places) == before  # nothing moved under the pointer


def _settled(qtbot, places):
    """``places()`` once the window's layouts have settled: the same on two looks 50 ms apart
    after every pending layout request is handled (a fixed wait read a layout half done on a
    loaded machine)."""
    last = None
    for _ in range(100):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()
        now = places()
        if now == last:
            return now
        last = now
        qtbot.wait(50)
    return last


# ---------------------------------------------------------------------------------- crop
def test_the_crop_note_goes_when_the_frame_is_resized_by_hand(qtbot, cropping):
    tool = cropping.crop_tool
    tool.set_frame("banner")  # the sample is square: too narrow for a banner
    assert tool.note_label.isVisible() and "banner" in tool.note_label.text()
    left, top, w, h = tool.rect
    corner = _screen(cropping, left + w, top + h)
    _drag(qtbot, cropping, corner, corner + QPoint(-40, -10))
    assert tool.rect[2] < w - 5  # resized
    assert not tool.note_label.isVisible()  # it spoke of the automatic banner, now gone
    cropping.undo_stack.undo()
    assert tool.note_label.isVisible()  # the automatic banner is back, and its note


# ---------------------------------------------------------------------------------- backdrop
def test_the_backdrop_swatch_shows_the_colour_rendered(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    window.panel.rows["bg_light"].box.setValue(-0.5)  # a darker background
    window.panel.rows["bg_desaturate"].box.setValue(0.4)
    window.panel.rows["backdrop"].choose("#4a6fa5")
    wait_for_preview(qtbot, window, backdrop="#4a6fa5", bg_light=-0.5, bg_desaturate=0.4)
    rendered = np.round(window.preview.pixels[1, 1] * 255)  # a corner: the backdrop itself
    swatch = window.panel.rows["backdrop"].swatch
    shot = swatch.grab().toImage()
    scale = shot.width() / swatch.width()
    painted = shot.pixelColor(round(4 * scale), shot.height() // 2)  # its left end, no text
    shown = np.array([painted.red(), painted.green(), painted.blue()])
    assert np.abs(shown - rendered).max() <= 2, (shown, rendered)
    middle = shot.pixelColor(shot.width() // 2, 2 * round(scale))  # lit, as behind the head
    assert middle.lightness() > painted.lightness()


def _wall(path) -> str:
    """A backdrop picture: blue above, orange below (its mean colour between)."""
    from PIL import Image

    pixels = np.zeros((60, 90, 3), np.uint8)
    pixels[:30] = (40, 80, 200)
    pixels[30:] = (230, 140, 40)
    Image.fromarray(pixels).save(path, quality=95)
    return str(path)


def test_the_backdrop_takes_a_picture_shown_by_its_name_undone_and_saved(
        qtbot, make_window, tmp_path, monkeypatch, dialogs):
    from PySide6.QtWidgets import QFileDialog

    from studio.imaging import save
    from studio.imaging.sample import sample_photo

    window = make_window()
    photo = tmp_path / "portrait.png"  # a session needs a photo on disk
    save(photo, sample_photo().pixels)
    open_and_wait(qtbot, window, photo)
    row = window.panel.rows["backdrop"]
    panel_width = window.panel.minimumSizeHint().width()
    wall = _wall(tmp_path / "wall.jpg")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (wall, "Pictures")))
    row.picture_button.click()
    assert window.panel.minimumSizeHint().width() <= panel_width  # the panel kept its width
    value = window.document.slider("backdrop")
    assert value.startswith("image:") and value.endswith(wall)
    assert row.swatch.text() == "wall.jpg" and not row.swatch.icon().isNull()  # its thumbnail
    assert wall in row.swatch.toolTip()
    edge = row.shades()[0]  # its mean colour, between the blue and the orange
    assert 90 < edge.red() < 200 and 70 < edge.blue() < 160
    assert window.undo_stack.text(window.undo_stack.index() - 1) == "Backdrop wall.jpg"
    window.undo_stack.undo()
    assert window.document.slider("backdrop") is None and row.swatch.text() == "none"
    window.undo_stack.redo()
    assert window.document.slider("backdrop") == value and row.swatch.text() == "wall.jpg"
    # a file that is not a picture: one line in a dialog, the backdrop kept
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "Pictures")))
    row.picture_button.click()
    assert len(dialogs["warning"]) == 1 and "\n" not in dialogs["warning"][0]
    assert "notes.jpg" in dialogs["warning"][0]
    assert window.document.slider("backdrop") == value
    # the session keeps it: reopened, the row shows the picture again
    session_file = tmp_path / "portrait.likeness.json"
    assert window.sessions.save_session_as(session_file)
    fresh = make_window()
    open_and_wait(qtbot, fresh, session_file)
    assert fresh.document.slider("backdrop") == value
    assert fresh.panel.rows["backdrop"].swatch.text() == "wall.jpg"
    # a long file name is elided in the middle: the panel keeps its width
    width = window.panel.minimumSizeHint().width()
    row.choose_picture(_wall(tmp_path / ("studio wall " * 8 + "grey.jpg")))
    assert window.panel.minimumSizeHint().width() == width
    assert "…" in row.swatch.text() and row.swatch.text().endswith("grey.jpg")


def _photo_shown(window) -> np.ndarray:
    """The canvas as the user sees it (RGB, viewport pixels)."""
    image = window.canvas.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height)
    # a copy: the QImage (and the memory it lends numpy) is freed when this returns
    return data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3).copy()


def test_done_in_the_crop_tool_shows_the_framed_photo(qtbot, cropping):
    window, tool, canvas = cropping, cropping.crop_tool, cropping.canvas
    window.split_action.setChecked(False)
    tool.set_frame("portfolio")
    tool.set_angle(6.0)
    left, top, w, h = tool.rect
    done = next(b for b in tool.bar.findChildren(QPushButton) if b.text() == "Done")
    qtbot.mouseClick(done, Qt.MouseButton.LeftButton)
    assert not tool.active
    # the canvas fits the frame to the view on its next paint: wait for that, not a fixed time
    backdrop = np.array(canvas.backgroundBrush().color().getRgb()[:3])
    qtbot.waitUntil(lambda: np.abs(_photo_shown(window)[:, :1].astype(int) - backdrop).max() <= 2,
                    timeout=5000)
    # the frame fills the view, upright: its corners on screen are a level rectangle
    corners = [_screen(window, x, y) for x, y in ((left, top), (left + w, top),
                                                   (left, top + h), (left + w, top + h))]
    view = canvas.viewport().rect()
    assert abs(corners[0].y() - corners[1].y()) <= 1 and abs(corners[0].x() - corners[2].x()) <= 1
    assert all(view.adjusted(-2, -2, 2, 2).contains(c) for c in corners)
    fills = max((corners[1].x() - corners[0].x()) / view.width(),
                (corners[2].y() - corners[0].y()) / view.height())
    assert fills > 0.9
    # outside the frame: the canvas's own colour, nothing of the photo
    shown = _photo_shown(window)
    outside = shown[:, : max(corners[0].x() - 3, 1)]
    assert np.abs(outside.astype(int) - backdrop).max() <= 2
    inside = shown[corners[0].y() + 5: corners[2].y() - 5, corners[0].x() + 5: corners[1].x() - 5]
    assert inside.std() > 10  # the photo
    # Shift+C: the whole photo as shot; again: the framed photo
    assert window.whole_photo_action.shortcut().toString() == "Shift+C"
    window.whole_photo_action.trigger()
    assert canvas.turn == 0.0 and canvas.frame is None
    window.whole_photo_action.trigger()
    assert canvas.turn == pytest.approx(6.0) and canvas.frame is not None
    # undoing the framing brings the whole photo back
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert canvas.frame is None and canvas.turn == 0.0


def test_a_session_with_a_crop_opens_framed(qtbot, make_window, sample_file, tmp_path):
    window = make_window()
    open_and_wait(qtbot, window, sample_file)
    window.crop_action.trigger()
    window.crop_tool.set_frame("portfolio")
    window.crop_action.trigger()
    saved = tmp_path / "astronaut.likeness.json"
    assert window.sessions.save_session_as(saved)
    again = make_window()
    open_and_wait(qtbot, again, saved)
    assert again.canvas.frame is not None  # framed as it will be exported, not as shot
    assert again.canvas.frame == window.canvas.frame


def test_the_fitted_canvas_shows_no_scroll_bars_so_it_cannot_relayout_forever(cropping):
    """Fitted, a scroll bar that appears narrows the view, the fit shrinks, the bar goes and
    comes back: the soak froze the window so. Scroll bars only when zoomed in on the whole
    photo."""
    canvas = cropping.canvas
    cropping.crop_tool.set_active(False)
    off, needed = Qt.ScrollBarPolicy.ScrollBarAlwaysOff, Qt.ScrollBarPolicy.ScrollBarAsNeeded
    canvas.fit()
    assert canvas.horizontalScrollBarPolicy() == off and canvas.verticalScrollBarPolicy() == off
    canvas.zoom_to(4.0)
    assert canvas.horizontalScrollBarPolicy() == needed
    canvas.fit()
    assert canvas.verticalScrollBarPolicy() == off

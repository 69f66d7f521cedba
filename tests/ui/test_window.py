"""The studio window, driven as a user would (pytest-qt, offscreen): open, slide, undo,
looks, sessions, export, errors, no-face photos."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from studio.edits.sliders import default_sliders  # noqa: E402
from studio.imaging import load, save  # noqa: E402
from studio.imaging.sample import sample_photo  # noqa: E402
from studio.ui import app as studio_app  # noqa: E402
from studio.ui.model import FACE_KEYS  # noqa: E402
from studio.ui.qt_autosave import autosave_path  # noqa: E402
from studio.ui.qt_main import QtStudioWindow  # noqa: E402
from tests.helpers.photos import face_photo  # noqa: E402
from tests.helpers.window import WAIT, export_with_dialog, open_and_wait, wait_for_preview  # noqa: E402


def test_opening_the_sample_shows_it_and_enables_face_sliders(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    assert window.canvas.photo_size == (512, 512)
    # every slider neutral: the preview is the photo, bit for bit
    assert np.array_equal(window.preview.pixels, sample_photo().pixels)
    panel = window.panel
    assert panel.rows["smooth"].slider.isEnabled()
    assert panel.rows["teeth"].slider.isEnabled()
    assert not panel.no_face_note.isVisible()
    assert window.export_action.isEnabled()


def test_slider_changes_preview_and_likeness_meter(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: window.panel.meter.percent is not None, timeout=WAIT)
    assert window.panel.meter.percent == pytest.approx(100.0)  # unchanged photo
    before = window.preview.pixels.copy()
    likeness_id = window.preview.render_id

    window.panel.rows["smooth"].box.setValue(1.0)
    window.panel.rows["face_light"].box.setValue(0.8)
    assert window.document.slider("smooth") == 1.0
    wait_for_preview(qtbot, window, smooth=1.0, face_light=0.8)
    assert not np.array_equal(window.preview.pixels, before)
    qtbot.waitUntil(
        lambda: window.preview.render_id != likeness_id and window.preview.likeness_id == window.preview.render_id,
        timeout=WAIT,
    )
    percent = window.panel.meter.percent
    assert percent is not None and 0.0 <= percent < 100.0
    assert window.panel.meter.text == f"{percent:.1f}%"


def test_model_and_widgets_stay_in_step(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    row = window.panel.rows["warmth"]
    window.document.set_slider("warmth", -0.5)  # model -> widget
    assert row.slider.value() == -50 and row.box.value() == -0.5
    row.slider.setValue(25)  # widget -> model
    assert window.document.slider("warmth") == 0.25
    row.reset_button.click()
    assert window.document.slider("warmth") == 0.0 and row.slider.value() == 0
    # hold backslash to see the original, as in Lightroom
    window.activateWindow()
    qtbot.keyPress(window.canvas, Qt.Key.Key_Backslash)
    assert window.canvas.showing_original
    qtbot.keyRelease(window.canvas, Qt.Key.Key_Backslash)
    assert not window.canvas.showing_original
    backdrop = window.panel.rows["backdrop"]
    backdrop.choose("#f0f0f0")
    assert window.document.slider("backdrop") == "#f0f0f0"
    backdrop.none_box.setChecked(True)
    assert window.document.slider("backdrop") is None


def test_undo_restores_the_exact_preview_and_a_drag_is_one_step(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    row = window.panel.rows["smooth"]
    row.box.setValue(0.3)
    wait_for_preview(qtbot, window, smooth=0.3)
    earlier = window.preview.pixels.copy()
    steps = window.undo_stack.count()

    # a mouse drag along the slider: press on the handle, move, release
    slider = row.slider
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=_handle_pos(slider))
    for fraction in (0.45, 0.6, 0.75, 0.9):
        qtbot.mouseMove(slider, QPoint(int(slider.width() * fraction), slider.height() // 2))
    qtbot.mouseRelease(
        slider,
        Qt.MouseButton.LeftButton,
        pos=QPoint(int(slider.width() * 0.9), slider.height() // 2),
    )
    dragged = window.document.slider("smooth")
    assert dragged > 0.6
    assert window.undo_stack.count() == steps + 1  # the whole drag is one step
    wait_for_preview(qtbot, window, smooth=dragged)
    assert not np.array_equal(window.preview.pixels, earlier)

    window.undo_stack.undo()
    assert window.document.slider("smooth") == 0.3 and row.box.value() == 0.3
    wait_for_preview(qtbot, window, smooth=0.3)
    assert np.array_equal(window.preview.pixels, earlier)
    window.undo_stack.redo()
    assert window.document.slider("smooth") == dragged


def _handle_pos(slider) -> QPoint:
    span = slider.maximum() - slider.minimum()
    x = int((slider.value() - slider.minimum()) / span * (slider.width() - 11)) + 5
    return QPoint(x, slider.height() // 2)


def test_look_picker_sets_the_sliders_in_one_step(qtbot, make_window):
    from studio.session import load_look

    window = make_window()
    open_and_wait(qtbot, window)
    combo = window.panel.look_combo
    index = combo.findData("portfolio")
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    look = load_look("portfolio")
    assert window.document.sliders == look.sliders
    for key, value in look.sliders.items():
        if key != "backdrop":
            assert window.panel.rows[key].value == pytest.approx(value)
    assert window.document.look == "portfolio"
    window.undo_stack.undo()
    assert window.document.sliders == default_sliders()
    assert combo.currentData() is None  # back to "Custom"


def test_sliders_saved_as_a_look_appear_in_the_picker(qtbot, make_window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QInputDialog

    from studio.session import load_look

    monkeypatch.setenv("LIKENESS_CONFIG_DIR", str(tmp_path))  # other tests see no new look
    window = make_window()
    open_and_wait(qtbot, window)
    window.panel.rows["warmth"].box.setValue(0.35)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Warm Me", True)))
    window.save_look_action.trigger()
    combo = window.panel.look_combo
    assert combo.findData("warm-me") >= 0 and combo.currentData() == "warm-me"
    assert load_look("Warm Me").sliders["warmth"] == 0.35


def test_saved_session_reopens_with_the_same_sliders_and_preview(
    qtbot, make_window, tmp_path, sample_file
):
    window = make_window()
    open_and_wait(qtbot, window, sample_file)
    window.panel.rows["smooth"].box.setValue(0.5)
    window.panel.rows["bg_blur"].box.setValue(0.4)
    wait_for_preview(qtbot, window, smooth=0.5, bg_blur=0.4)
    session_file = tmp_path / "astronaut.likeness.json"
    assert window.sessions.save_session_as(session_file)
    assert not window.document.dirty

    fresh = make_window()
    open_and_wait(qtbot, fresh, session_file)
    assert fresh.document.sliders == window.document.sliders
    wait_for_preview(qtbot, fresh, smooth=0.5, bg_blur=0.4)
    assert np.array_equal(fresh.preview.pixels, window.preview.pixels)
    assert fresh.document.session_path == session_file


def test_export_through_the_dialog_writes_the_file(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window)
    window.panel.rows["smooth"].box.setValue(0.4)
    out = tmp_path / "me-linkedin.jpg"
    result = export_with_dialog(qtbot, window, monkeypatch, "linkedin", out)
    assert result.path == out and out.is_file()
    written = load(out)
    assert written.format == "JPEG" and written.width == written.height  # LinkedIn square
    assert window.document.export.preset == "linkedin"
    assert 80.0 <= window.exporter.likeness <= 100.0  # checked on the full-size pixels


def test_a_corrupt_photo_shows_the_error_and_changes_nothing(qtbot, make_window, tmp_path, dialogs):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    window = make_window()
    open_and_wait(qtbot, window)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    mime = QMimeData()  # dropped on the canvas, as from a file manager
    mime.setUrls([QUrl.fromLocalFile(str(bad))])
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.canvas.dropEvent(drop)
    qtbot.waitUntil(lambda: bool(dialogs["warning"]), timeout=WAIT)
    message = dialogs["warning"][0]
    assert "broken.jpg" in message and "\n" not in message
    assert window.document.display_name.startswith("astronaut")  # the sample stays open
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.jpg"]
    assert bad.read_bytes().endswith(b"not really a JPEG")


def test_a_bad_session_shows_the_error(qtbot, make_window, tmp_path, dialogs):
    window = make_window()
    open_and_wait(qtbot, window)
    bad = tmp_path / "bad.likeness.json"
    bad.write_text('{"format": "likeness-session", "version": 2, "sliders": {"smooth": 7}}')
    window.sessions.apply_session_file(bad)
    assert len(dialogs["warning"]) == 1 and "smooth" in dialogs["warning"][0]
    assert window.document.sliders == default_sliders()


def test_a_photo_without_a_face_disables_face_sliders(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, face_photo("dlib_dogs.jpg"))
    panel = window.panel
    assert not window.document.has_face
    assert panel.no_face_note.isVisible()
    for key, row in panel.rows.items():
        assert row.label.isEnabled() == (key not in FACE_KEYS), key
    panel.rows["warmth"].box.setValue(0.5)  # global light still works
    wait_for_preview(qtbot, window, warmth=0.5)
    qtbot.waitUntil(lambda: panel.meter.state == "none", timeout=WAIT)  # "no face"


def test_autosave_is_offered_back_after_a_crash(qtbot, make_window, dialogs, sample_file):
    window = make_window()
    open_and_wait(qtbot, window, sample_file)
    window.panel.rows["shine"].box.setValue(0.7)
    assert window.sessions.autosave() == autosave_path()
    # the studio "crashes": its autosave stays behind; the next studio offers it back
    dialogs["answer"] = QMessageBox.StandardButton.Yes
    fresh = make_window()
    assert studio_app.offer_restore(fresh)
    qtbot.waitUntil(lambda: not fresh.opener.opening and fresh.document.photo is not None, timeout=WAIT)
    assert fresh.document.slider("shine") == 0.7
    assert fresh.document.dirty and fresh.document.session_path is None


def test_closing_with_unsaved_changes_asks_first(qtbot, make_window, dialogs):
    window = make_window()
    open_and_wait(qtbot, window)
    window.panel.rows["eyes"].box.setValue(0.5)
    dialogs["answer"] = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert dialogs["question"] and window.isVisible()
    dialogs["answer"] = QMessageBox.StandardButton.Discard
    assert window.close()


def test_at_100_percent_the_visible_region_is_rendered_at_full_size(qtbot, make_window, tmp_path):
    from studio.imaging.filters import resize

    big = tmp_path / "big.png"  # the sample upscaled past the 2 MP proxy
    save(big, resize(sample_photo().pixels, (1600, 1600)))
    window = make_window()
    window.resize(900, 700)
    open_and_wait(qtbot, window, big)
    assert window.preview.engine.factor < 1.0
    assert window.preview.pixels.shape[0] < 1600
    window.panel.rows["smooth"].box.setValue(0.5)
    window.canvas.zoom_100()
    qtbot.waitUntil(lambda: window.canvas.has_detail, timeout=WAIT)
    detail = window.canvas._detail
    x0, y0, x1, y1 = window.canvas.visible_rect()
    rect = detail.rect
    assert rect.left() <= x0 and rect.top() <= y0 and rect.right() >= x1 and rect.bottom() >= y1
    assert detail.after.width() == rect.width()  # one screen pixel per photo pixel
    # a slider move hides the old detail at once; a new one follows
    window.panel.rows["smooth"].box.setValue(0.8)
    assert not window.canvas.has_detail
    qtbot.waitUntil(lambda: window.canvas.has_detail, timeout=WAIT)


def test_several_faces_can_be_picked_and_undone(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, face_photo("deepface_selfie-many-people.jpg"))
    combo = window.panel.face_combo
    faces = len(window.document.faces)
    assert faces > 1 and combo.count() == faces and not combo.isHidden()
    assert window.document.face_index == 0  # the largest
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert window.document.face_index == 1 and window.preview.engine.face_index == 1
    window.panel.rows["smooth"].box.setValue(0.5)
    wait_for_preview(qtbot, window, smooth=0.5)
    window.reset_all()
    assert window.document.sliders == default_sliders()
    window.undo_stack.undo()  # reset all is one step
    assert window.document.slider("smooth") == 0.5
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert window.document.face_index == 0 and combo.currentIndex() == 0


def test_a_face_is_picked_by_clicking_it_on_the_canvas(qtbot, make_window):
    from PySide6.QtCore import QPointF

    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    open_and_wait(qtbot, window, face_photo("deepface_selfie-many-people.jpg"))
    canvas, combo = window.canvas, window.panel.face_combo
    faces = window.document.faces
    # the picker shows each face's picture, not only its size
    assert all(not combo.itemIcon(i).isNull() for i in range(combo.count()))
    for index in (2, 1):
        nose = faces[index].landmarks[30]
        where = canvas.mapFromScene(QPointF(float(nose[0]), float(nose[1])))
        qtbot.mouseMove(canvas.viewport(), where)
        qtbot.waitUntil(lambda index=index: canvas.hovered_face == index, timeout=5_000)
        assert canvas._hover.isVisible()  # the face's outline is drawn
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=where)
        qtbot.waitUntil(lambda index=index: window.document.face_index == index, timeout=5_000)
        assert combo.currentIndex() == index and window.preview.engine.face_index == index
    # off every face: no outline, and a click picks nothing
    corner = canvas.mapFromScene(QPointF(300.0, 20.0))
    qtbot.mouseMove(canvas.viewport(), corner)
    qtbot.waitUntil(lambda: canvas.hovered_face is None, timeout=5_000)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=corner)
    assert window.document.face_index == 1
    window.undo_stack.undo()  # a pick is one undoable step
    assert window.document.face_index == 2


def test_retouch_everyone_lights_every_face_and_names_the_lowest(qtbot, make_window, tmp_path):
    import shutil

    from studio.session import load_session

    photo = tmp_path / "group.jpg"
    shutil.copy(face_photo("deepface_selfie-many-people.jpg"), photo)
    window = make_window()
    open_and_wait(qtbot, window, photo)
    box = window.panel.everyone_box
    assert not box.isHidden() and not box.isChecked()
    original = window.preview.engine.proxy
    faces = window.preview.engine.proxy_analysis.faces

    def lighter(face) -> bool:
        x0, y0, x1, y1 = (int(v) for v in face.box)
        shown = window.preview.pixels[y0:y1, x0:x1]
        # 0.005: a face lit at 0.6 gains 0.009 over its whole box (hair and backdrop
        # included) now that each brow is protected to its tail; a face not lit gains 0
        return shown.mean() > original[y0:y1, x0:x1].mean() + 0.005

    window.panel.rows["face_light"].box.setValue(0.6)
    wait_for_preview(qtbot, window, face_light=0.6)
    assert lighter(faces[0]) and not any(lighter(f) for f in faces[1:])
    box.click()  # the user ticks "Retouch everyone"
    assert window.document.everyone and window.preview.engine.everyone
    qtbot.waitUntil(lambda: all(lighter(f) for f in faces), timeout=WAIT)
    meter = window.panel.meter
    qtbot.waitUntil(lambda: meter.whose is not None and meter.percent is not None, timeout=WAIT)
    assert meter.whose.startswith("Face ")
    assert window.sessions.save_session()
    assert load_session(window.document.session_path).faces == "all"
    window.undo_stack.undo()  # one step: back to the chosen face only
    assert not window.document.everyone and not box.isChecked()
    qtbot.waitUntil(lambda: not any(lighter(f) for f in faces[1:]), timeout=WAIT)
    qtbot.waitUntil(lambda: meter.whose is None, timeout=WAIT)


def test_a_first_photo_shows_a_fast_preview_of_the_right_size(
    qtbot, make_window, tmp_path, dialogs
):
    from studio.ui.qt_jobs import quick_job

    photo = face_photo("deepface_img1.jpg")
    quick = quick_job(photo)
    full = load(photo)
    assert (quick.width, quick.height) == (full.width, full.height)
    assert quick.image.width() * quick.image.height() <= 2_000_000
    # a bad first file: nothing stays on the canvas, the error is shown
    window = make_window()
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    window.opener.open_path(bad)
    qtbot.waitUntil(lambda: bool(dialogs["warning"]), timeout=WAIT)
    assert window.canvas.photo_size == (0, 0) and window.document.photo is None
    assert not window.panel.rows["smooth"].slider.isEnabled()


def test_without_the_person_model_the_studio_says_so_while_a_photo_is_open(
    qtbot, make_window, tmp_path, monkeypatch
):
    from studio.face import models

    monkeypatch.setenv("LIKENESS_MODELS_DIR", str(tmp_path / "no-models"))
    models.forget()
    try:
        window = make_window()
        open_and_wait(qtbot, window)
        message = window.statusBar().currentMessage()
        assert "make models" in message and "classical matte" in message
    finally:
        models.forget()


def test_ctrl_click_retouches_a_chosen_set_of_faces_in_preview_session_and_export(
    qtbot, make_window, tmp_path, monkeypatch
):
    import shutil

    from PySide6.QtCore import QPointF

    from studio.session import load_session

    photo = tmp_path / "group.jpg"
    shutil.copy(face_photo("deepface_selfie-many-people.jpg"), photo)
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    open_and_wait(qtbot, window, photo)
    canvas, combo = window.canvas, window.panel.face_combo
    faces = window.document.faces
    proxy_faces = window.preview.engine.proxy_analysis.faces
    original = window.preview.engine.proxy

    def lighter(shown, reference, face) -> bool:
        x0, y0, x1, y1 = (int(v) for v in face.box)
        # 0.005, as above: brows protected to their tails, a lit face's box gains ~0.009
        return shown[y0:y1, x0:x1].mean() > reference[y0:y1, x0:x1].mean() + 0.005

    window.panel.rows["face_light"].box.setValue(0.6)
    wait_for_preview(qtbot, window, face_light=0.6)
    for index in (2, 3):  # Ctrl+click adds two more faces to the chosen one (face 1)
        nose = faces[index].landmarks[30]
        where = canvas.mapFromScene(QPointF(float(nose[0]), float(nose[1])))
        qtbot.mouseMove(canvas.viewport(), where)
        qtbot.waitUntil(lambda index=index: canvas.hovered_face == index, timeout=5_000)
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ControlModifier, where)
    assert window.document.retouched == (0, 2, 3) and window.document.face_index == 0
    assert not window.panel.everyone_box.isChecked()
    marked = [i for i in range(combo.count()) if combo.itemText(i).endswith("retouched")]
    assert marked == [0, 2, 3]
    chosen, others = (0, 2, 3), [i for i in range(len(faces)) if i not in (0, 2, 3)]
    qtbot.waitUntil(lambda: all(lighter(window.preview.pixels, original, proxy_faces[i])
                                for i in chosen), timeout=WAIT)
    assert not any(lighter(window.preview.pixels, original, proxy_faces[i]) for i in others)
    # stored in the session, and the reopened session previews the same set
    session_file = tmp_path / "group.likeness.json"
    assert window.sessions.save_session_as(session_file)
    assert load_session(session_file).faces == (0, 2, 3)
    fresh = make_window()
    open_and_wait(qtbot, fresh, session_file)
    assert fresh.document.retouched == (0, 2, 3) and fresh.preview.engine.faces == [0, 2, 3]
    # the export retouches the same faces at full size
    out = tmp_path / "group-out.jpg"
    export_with_dialog(qtbot, window, monkeypatch, "original", out)
    full, written = load(photo).pixels, load(out).pixels
    assert written.shape == full.shape
    assert all(lighter(written, full, faces[i]) for i in chosen)
    assert not any(lighter(written, full, faces[i]) for i in others)
    # Ctrl+click on a retouched face takes it out again, as one undoable step
    window._on_face_toggled(3)
    assert window.document.retouched == (0, 2)
    window.undo_stack.undo()
    assert window.document.retouched == (0, 2, 3)


def test_every_slider_speaks_its_number_in_one_scaling(qtbot):
    """The panel's sliders, the crop's angle and the look's amount are one slider kind that
    holds the number itself (issue 31: no caller scales integer positions its own way): each
    shows a number, moves to it, and gives back exactly the step it shows."""
    from studio.edits.sliders import SLIDERS
    from studio.ui.qt_slider import QtClickSlider

    window = QtStudioWindow()
    qtbot.addWidget(window)
    sliders = {f"slider {s.key}": window.panel.rows[s.key].slider
               for s in SLIDERS if s.kind == "number"}
    sliders["angle"] = window.crop_tool.angle_slider
    sliders["amount"] = window.amount.slider
    for name, slider in sliders.items():
        assert type(slider) is QtClickSlider, name
        for number in (slider.number_at(slider.minimum()), slider.number_at(slider.maximum()),
                       slider.number_at((slider.minimum() + slider.maximum()) // 2)):
            slider.set_number(number, quietly=True)
            assert slider.number() == number, name
    assert (window.crop_tool.angle_slider.number_at(window.crop_tool.angle_slider.maximum())
            == 15.0)
    assert window.amount.slider.number_at(window.amount.slider.maximum()) == 1.5
    row = window.panel.rows["smooth"]
    row.slider.setValue(row.slider.position_of(0.37))  # as a drag moves it
    assert row.value == 0.37 and row.box.value() == 0.37


def test_the_preview_follows_a_drag_whose_renders_are_slower_than_the_mouse(
        qtbot, make_window, monkeypatch):
    """A slider dragged faster than the preview renders (a 24 MP photo, a slow machine): the
    preview shows the drag as it goes, a render behind the hand, not only once it stops (it
    used to stay frozen: each render finished after a newer one was asked for)."""
    import time as clock

    from studio.ui import qt_jobs

    window = make_window()
    open_and_wait(qtbot, window)
    slow_render = qt_jobs.render_job

    def render_job(*args):
        clock.sleep(0.08)
        return slow_render(*args)

    monkeypatch.setattr(qt_jobs, "render_job", render_job)
    shown = []
    window.preview.shown.connect(lambda _id: shown.append(window.preview.sliders["smooth"]))
    slider = window.panel.rows["smooth"].slider
    slider.setSliderDown(True)
    for position in range(1, 41):  # a move every 20 ms for 0.8 s
        slider.setValue(position * 2)
        qtbot.wait(20)
    during = list(shown)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: shown and shown[-1] == 0.8, timeout=WAIT)
    assert len(during) >= 3, during  # renders came to the screen while the hand moved
    assert during == sorted(during)  # never an older value after a newer one

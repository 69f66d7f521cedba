"""Photos of me in the studio (issue 28): add references, "like you" beside the likeness,
File > Check Headshots on a folder, and the references kept by the session."""

from __future__ import annotations

import os
import re

import pytest

pytest.importorskip("pytestqt")

from studio.session import load_session  # noqa: E402
from tests.helpers.photos import face_photo
from tests.helpers.window import WAIT, export_with_dialog, open_and_wait


def test_photos_of_me_show_like_you_beside_the_likeness(qtbot, make_window, dialogs, tmp_path):
    window = make_window()
    photo = tmp_path / "me.jpg"
    os.symlink(face_photo("deepface_img2.jpg"), photo)
    open_and_wait(qtbot, window, str(photo))
    meter = window.panel.meter
    assert meter.like_you is None
    window.photos_of_me.add([str(face_photo("deepface_img1.jpg")),
                             str(face_photo("deepface_img3.jpg")),
                             str(face_photo("face-alignment_grass.jpg"))])
    # the other person and the photo without a face are said in one dialog, the rest works
    (said,) = dialogs["warning"]
    assert "deepface_img3.jpg: this photo looks like someone else" in said
    assert "face-alignment_grass.jpg: no face found" in said
    assert len(window.photos_of_me.strip.labels) == 3
    qtbot.waitUntil(lambda: meter.like_you is not None, timeout=WAIT)
    assert meter.like_you_text.startswith("like you: ")
    assert 60 <= meter.like_you <= 100  # the same woman as the reference


def test_the_session_keeps_the_photos_of_me(qtbot, make_window, tmp_path):
    from studio.session import save_session

    window = make_window()
    window.photos_of_me.add([str(face_photo("deepface_img1.jpg"))])
    path = save_session(window.document.session(), tmp_path / "s.likeness.json")
    (reference,) = load_session(path).references
    assert reference.path == str(face_photo("deepface_img1.jpg"))
    fresh = make_window()
    fresh.document.start_from(load_session(path))
    assert fresh.document.identity.mean is not None
    assert len(fresh.photos_of_me.strip.labels) == 1
    # the session keeps no pixels: the face is read again, for its thumbnail and the breakdown
    qtbot.waitUntil(lambda: fresh.document.identity.references[0].chip is not None, timeout=WAIT)
    assert not fresh.document.dirty


def test_check_headshots_on_a_folder_shows_the_sheet(qtbot, make_window, tmp_path):
    window = make_window()
    folder = tmp_path / "headshots"
    folder.mkdir()
    for name in ("deepface_img2.jpg", "deepface_img54.jpg"):
        os.symlink(face_photo(name), folder / name)
    window.photos_of_me.add([str(face_photo("deepface_img1.jpg"))])
    dialog = window.photos_of_me.check(folder)
    lines = dialog.text.text().splitlines()
    assert len(lines) == 2 and all("like you" in line for line in lines)
    assert "deepface_img2.jpg" in lines[0] or "deepface_img2.jpg" in lines[1]


def test_the_breakdown_bars_name_where_the_likeness_went(qtbot, make_window, tmp_path):
    window = make_window()
    photo = tmp_path / "me.jpg"
    os.symlink(face_photo("deepface_img1.jpg"), photo)
    open_and_wait(qtbot, window, str(photo))
    bars = window.photos_of_me.bars
    assert not bars.isVisible()
    window.document.set_slider("teeth", 1.0)  # whitens the teeth: the mouth changes
    qtbot.waitUntil(lambda: bars.isVisible(), timeout=WAIT)
    assert max(bars.shares, key=bars.shares.get) == "mouth"
    assert bars.words.text().startswith("Most of the change is in the mouth")


def test_every_compare_pane_and_the_export_bar_say_how_like_you_it_is(
        qtbot, make_window, monkeypatch, tmp_path):
    window = make_window()
    photo = tmp_path / "me.jpg"
    os.symlink(face_photo("deepface_img25.jpg"), photo)
    open_and_wait(qtbot, window, str(photo))
    window.photos_of_me.add([str(face_photo("deepface_img24.jpg"))])  # the same man
    view = window.show_compare()
    qtbot.waitUntil(lambda: all(p.percent is not None for p in view.panes), timeout=WAIT)
    labels = [pane.label.text() for pane in view.panes]
    assert all(re.search(r", like you \d+%$", text) for text in labels), labels
    assert all(int(text.rsplit(" ", 1)[1].rstrip("%")) >= 60 for text in labels), labels
    view.close()
    out = tmp_path / "out.jpg"
    export_with_dialog(qtbot, window, monkeypatch, "linkedin", out)
    shown = window.notice.text
    assert re.search(r"likeness \d+\.\d%, like you \d+%", shown), shown


def test_the_likeness_overlay_is_reddest_where_the_edit_was(qtbot, make_window, tmp_path):
    import numpy as np

    window = make_window()
    photo = tmp_path / "me.jpg"
    os.symlink(face_photo("deepface_img1.jpg"), photo)
    open_and_wait(qtbot, window, str(photo))
    window.set_overlay("likeness", True)
    window.document.set_slider("teeth", 1.0)  # only the mouth changes
    canvas = window.canvas
    qtbot.waitUntil(lambda: canvas.overlay_ready("likeness"), timeout=WAIT)
    item = canvas._overlay_items["likeness"]
    assert item.isVisible()
    image = item.pixmap().toImage()
    alpha = np.array([[image.pixelColor(x, y).alpha() for x in range(0, image.width(), 4)]
                      for y in range(0, image.height(), 4)])
    y, x = np.unravel_index(np.argmax(alpha), alpha.shape)
    face = window.preview.engine.face  # in the proxy's pixels, as the overlay is
    mouth = face.landmarks[48:68]
    margin = 0.2 * face.iod
    assert mouth[:, 0].min() - margin <= 4 * x <= mouth[:, 0].max() + margin
    assert mouth[:, 1].min() - margin <= 4 * y <= mouth[:, 1].max() + margin
    window.set_overlay("likeness", False)
    assert not item.isVisible()


def _amount_found(qtbot, window, before=None):
    qtbot.waitUntil(lambda: window.document.amount is not None
                    and window.document.amount != before
                    and window.amount._finding is None, timeout=WAIT)
    return window.document.amount


def test_keep_at_least_n_percent_like_me_eases_the_looks_amount_and_the_export(
        qtbot, make_window, monkeypatch, tmp_path):
    from studio.face.reference import file_like_you
    from studio.session import load_look, save_session

    window = make_window()
    photo = tmp_path / "me.jpg"
    os.symlink(face_photo("deepface_img25.jpg"), photo)
    open_and_wait(qtbot, window, str(photo))
    box = window.photos_of_me.strip.to_me
    assert box.isHidden()  # no photos of you yet: nothing to keep
    window.photos_of_me.add([str(face_photo("deepface_img24.jpg"))])  # the same man
    assert not box.isHidden()
    window.panel.look_chosen.emit("nonprofit")  # a touch less like him at its strongest
    free = _amount_found(qtbot, window)
    budget = load_look("nonprofit").budget
    original = window.preview.engine.like_you(window.preview.engine.proxy,
                                              window.document.identity)
    box.setValue(90)  # above the photo's own 89%: kept as like him as the photo itself
    assert window.document.budget_to_me == 90
    kept = _amount_found(qtbot, window, before=free)
    text = window.amount.label.text()
    assert kept < free
    assert text.startswith(f"Nonprofit, {kept:.0%} — likeness ") and \
        text.endswith(", like you ≥ 90%")
    out = tmp_path / "out.jpg"
    export_with_dialog(qtbot, window, monkeypatch, "linkedin", out)
    shown = window.notice.text  # the written file's likeness and how like you it is
    likeness = float(re.search(r"likeness (\d+\.\d)%", shown).group(1))
    like_you = float(re.search(r"like you (\d+)%", shown).group(1))
    assert likeness >= budget and like_you >= original - 1.0
    assert file_like_you(out, window.document.identity) >= original - 1.0
    if "to keep the likeness" in shown:  # eased on the written file (a point of like-you noise
        # between amounts decides it): the notice names both floors
        assert re.search(r"to keep the likeness at least 93% and at least 8\d% like you", shown)
    path = save_session(window.document.session(), tmp_path / "s.likeness.json")
    assert load_session(path).budget_to_me == 90
    fresh = make_window()
    fresh.document.start_from(load_session(path))
    assert fresh.document.budget_to_me == 90 and fresh.photos_of_me.strip.to_me.value() == 90
    assert not fresh.photos_of_me.strip.to_me.isHidden()

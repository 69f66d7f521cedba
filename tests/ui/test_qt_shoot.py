"""A shoot in the studio (issue 29), driven as a photographer would: File › Open Folder shows
the filmstrip in capture order, arrows move through it with each photo's own session, Sync
writes the look into the selected photos' sessions (one undo step each), Export Selected
runs the batch in the background (cancel, resume), side by side before / after, look
thumbnails."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from studio.edits.sliders import default_sliders  # noqa: E402
from studio.process import BACKGROUND_NICE  # noqa: E402
from studio.ui.qt_filmstrip import FLAGS_ROLE  # noqa: E402
from tests.helpers.photos import face_photo
from tests.helpers.window import WAIT

SHOOT = (("deepface_img21.jpg", "2024:05:01 10:00:03"),  # Jeff Bezos
         ("deepface_img25.jpg", "2024:05:01 10:00:01"),  # Sundar Pichai
         ("openface_clapton-1.jpg", "2024:05:01 10:00:02"))  # Eric Clapton


@pytest.fixture
def shoot_folder(tmp_path) -> Path:
    """A folder of three photos with their capture times in EXIF, named against that order
    (written to a temporary folder, never into the repo)."""
    from PIL import Image

    folder = tmp_path / "shoot"
    folder.mkdir()
    for number, (name, taken) in enumerate(SHOOT):
        with Image.open(face_photo(name)) as image:
            exif = image.getexif()
            exif.get_ifd(0x8769)[36867] = taken
            image.convert("RGB").save(folder / f"{chr(ord('a') + number)}.jpg", exif=exif,
                                      quality=92)
    return folder


def open_shoot(qtbot, window, folder: Path) -> None:
    window.filmstrip.open_folder(folder)
    qtbot.waitUntil(lambda: not window.opener.opening and window.preview.pixels is not None,
                    timeout=WAIT)


def export_worker_priorities() -> list[int]:
    """The nice value of each batch worker this process runs (Linux: the fork server's
    children, found in /proc)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        stats[int(entry.name)] = (int(fields[1]), int(fields[16]), b"forkserver" in command)

    def ours(pid: int) -> bool:
        while pid in stats and pid != os.getpid():
            pid = stats[pid][0]
        return pid == os.getpid()

    servers = {pid for pid, (_, _, server) in stats.items() if server and ours(pid)}
    return [nice for parent, nice, _ in stats.values() if parent in servers]


def strip_names(window) -> list[str]:
    strip = window.filmstrip.strip
    return [strip.item(i).text() for i in range(strip.count())]


def wait_open(qtbot, window, name: str) -> None:
    qtbot.waitUntil(lambda: not window.opener.opening and window.document.source_path is not None
                    and window.document.source_path.name == name, timeout=WAIT)


# ----------------------------------------------------------------------------- filmstrip
def test_open_folder_shows_the_shoot_in_capture_order_with_thumbnails(
        qtbot, make_window, shoot_folder):
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    # EXIF order (b 10:00:01, c 10:00:02, a 10:00:03), not the names' order
    assert strip_names(window) == ["b.jpg", "c.jpg", "a.jpg"]
    assert window.filmstrip.dock.isVisible()
    assert window.document.source_path.name == "b.jpg"  # the first is opened
    qtbot.waitUntil(lambda: len([t for t in window.filmstrip.thumbs.values() if t]) == 3,
                    timeout=WAIT)
    thumb = window.filmstrip.thumbs[str(shoot_folder / "b.jpg")]
    assert max(thumb.width(), thumb.height()) == 160


def test_likeness_folder_opens_the_folder_as_a_shoot(qtbot, make_window, shoot_folder):
    from studio.ui.app import open_given

    window = make_window()
    open_given(window, shoot_folder)  # `likeness FOLDER`
    qtbot.waitUntil(lambda: not window.opener.opening and window.preview.pixels is not None,
                    timeout=WAIT)
    assert strip_names(window) == ["b.jpg", "c.jpg", "a.jpg"]
    assert window.document.source_path.name == "b.jpg"


def test_arrow_keys_move_through_the_shoot_and_each_photo_keeps_its_session(
        qtbot, make_window, shoot_folder, dialogs):
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.panel.rows["smooth"].box.setValue(0.6)
    assert window.document.dirty
    dialogs["answer"] = QMessageBox.StandardButton.Save  # asked first, as on File › Open
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    wait_open(qtbot, window, "c.jpg")
    assert dialogs["question"], "switching photos with unsaved work must ask first"
    assert (shoot_folder / "b.jpg.likeness.json").is_file()
    assert window.document.slider("smooth") == default_sliders()["smooth"]  # c's own: neutral
    qtbot.waitUntil(lambda: "session saved" in _flags(window, "b.jpg"), timeout=WAIT)
    assert "retouched" in _flags(window, "b.jpg")
    window.previous_photo_action.trigger()  # Ctrl+Left
    wait_open(qtbot, window, "b.jpg")
    assert window.document.slider("smooth") == 0.6  # b's own session came back
    assert window.filmstrip.strip.currentItem().text() == "b.jpg"


def test_cancelling_the_question_keeps_the_photo_and_its_work(
        qtbot, make_window, shoot_folder, dialogs):
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.panel.rows["smooth"].box.setValue(0.6)
    dialogs["answer"] = QMessageBox.StandardButton.Cancel
    window.filmstrip.strip.setCurrentRow(2)
    assert not window.opener.opening
    assert window.document.source_path.name == "b.jpg" and window.document.dirty
    assert window.document.slider("smooth") == 0.6
    assert window.filmstrip.strip.currentItem().text() == "b.jpg"  # the strip says so too


def _flags(window, name: str) -> str:
    strip = window.filmstrip.strip
    return strip.item(strip.row_of(window.filmstrip.folder / name)).data(FLAGS_ROLE)


# ----------------------------------------------------------------------------- sync
def test_sync_writes_the_look_to_each_selected_photo_one_undo_step_each(
        qtbot, make_window, shoot_folder, dialogs):
    from studio.session import load_session

    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.panel.rows["smooth"].box.setValue(0.7)
    window.panel.rows["bg_blur"].box.setValue(0.3)
    window.filmstrip.select([shoot_folder / n for n in ("b.jpg", "c.jpg", "a.jpg")])
    window.sync_action.trigger()
    step = window.undo_stack.command(window.undo_stack.index() - 1)
    assert step.text() == "Sync 2 photos from b.jpg"
    assert [p.path.name for p in step.photos] == ["c.jpg", "a.jpg"]  # one change per photo
    for name in ("c.jpg", "a.jpg"):
        session = load_session(shoot_folder / f"{name}.likeness.json")
        assert session.sliders["smooth"] == 0.7 and session.sliders["bg_blur"] == 0.3
        assert session.marks == () and session.crop is None
    qtbot.waitUntil(lambda: "retouched" in _flags(window, "a.jpg"), timeout=WAIT)
    window.undo_stack.undo()  # the whole sync
    assert not (shoot_folder / "c.jpg.likeness.json").exists()
    assert not (shoot_folder / "a.jpg.likeness.json").exists()
    window.undo_stack.redo()
    dialogs["answer"] = QMessageBox.StandardButton.Discard
    window.next_photo_action.trigger()
    wait_open(qtbot, window, "c.jpg")
    assert window.document.slider("smooth") == 0.7  # synced, on c's own face
    assert window.undo_stack.count() == 1
    assert window.undo_stack.text(0) == "Sync from b.jpg"
    window.undo_stack.undo()  # on c: back to what c had before the sync
    assert window.document.slider("smooth") == default_sliders()["smooth"]
    assert window.document.dirty


def test_sync_keeps_each_photos_own_marks(qtbot, make_window, shoot_folder):
    from studio.edits.marks import Mark
    from studio.session import Source, load_session, save_session
    from studio.session.model import Session

    target = shoot_folder / "c.jpg"
    mark = Mark(kind="keep", points=((100.0, 100.0),), radius=6.0)
    save_session(Session(source=Source.of(target), marks=(mark,)),
                 shoot_folder / "c.jpg.likeness.json")
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.panel.rows["smooth"].box.setValue(0.5)
    window.sync.sync([target])
    synced = load_session(shoot_folder / "c.jpg.likeness.json")
    assert synced.sliders["smooth"] == 0.5
    assert synced.marks == (mark,)  # c's own marks stay; b's (none) never travel


def test_sync_carries_the_look_to_find_its_own_amount_and_the_export_preset(
        qtbot, make_window, shoot_folder):
    from studio.imaging.export import ExportSettings
    from studio.session import load_look, load_session

    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.sessions.apply_look("linkedin")
    qtbot.waitUntil(lambda: not window.amount.runner.is_busy, timeout=WAIT)
    window.document.set_export(ExportSettings("portfolio"))
    window.sync.sync([shoot_folder / "c.jpg"])
    synced = load_session(shoot_folder / "c.jpg.likeness.json")
    look = load_look("linkedin")
    assert synced.look == "linkedin" and synced.budget == look.budget
    assert synced.amount is None  # c finds its own amount within the budget, on its own face
    assert synced.sliders == look.sliders  # the look at 100%, not b's amount of it
    assert synced.export.preset == "portfolio"  # the crop preset, framed on c's own face
    assert synced.crop is None


def test_a_sync_in_the_history_survives_the_history_being_cleared(
        qtbot, make_window, shoot_folder):
    """The window's end clears its history: a sync step in it must go quietly (its steps
    were once deleted twice: a crash as the window closed)."""
    import gc

    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.panel.rows["smooth"].box.setValue(0.5)
    window.sync.sync([shoot_folder / "c.jpg", shoot_folder / "a.jpg"])
    window.undo_stack.clear()
    gc.collect()
    qtbot.wait(20)
    assert window.undo_stack.count() == 0
    assert (shoot_folder / "c.jpg.likeness.json").is_file()  # the sync itself stays


# ----------------------------------------------------------------------------- export selected
def test_export_selected_runs_in_the_background_and_resumes_after_cancel(
        qtbot, make_window, shoot_folder):
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.panel.rows["smooth"].box.setValue(0.5)
    window.filmstrip.select([shoot_folder / n for n in ("b.jpg", "c.jpg", "a.jpg")])
    window.sync_action.trigger()
    exporter = window.shoot_export
    panel = exporter.panel
    window.export_selected_action.trigger()
    assert exporter.running and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: len(exporter.results) >= 1, timeout=WAIT * 3)
    # each photo's E badge shows as it is written, not when the whole export ends
    assert exporter.running
    if sys.platform.startswith("linux"):  # the export's workers give way to the window
        workers = export_worker_priorities()
        assert workers and min(workers) >= BACKGROUND_NICE, workers
        assert os.getpriority(os.PRIO_PROCESS, 0) < BACKGROUND_NICE  # not the window
    assert "exported" in _flags(window, Path(exporter.results[0].input).name)
    strip, results = window.filmstrip.dock.geometry(), exporter.dock.geometry()
    assert results.left() >= strip.right() and abs(results.top() - strip.top()) < 5  # beside
    assert results.width() >= window.width() // 4 and strip.width() >= window.width() // 2
    exporter.cancel()
    qtbot.waitUntil(lambda: not exporter.running and exporter.thread is None, timeout=WAIT)
    done = len(exporter.results)
    assert done < 3 and exporter.interrupted
    assert "Cancelled" in panel.status.text() and panel.resume_button.isEnabled()
    out = shoot_folder / "exported"
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]  # nothing half-written
    first = panel.rows()[0]
    assert first[1] == "ok" and first[2].endswith("%")  # likeness shown
    panel.resume_button.click()
    qtbot.waitUntil(lambda: not exporter.running and exporter.thread is None, timeout=WAIT * 3)
    rows = panel.rows()
    assert len(rows) == 3 and panel.bar.value() == 3
    assert sorted(r[1] for r in rows) == sorted(["skipped"] * done + ["ok"] * (3 - done))
    assert sorted(p.name for p in out.glob("*.jpg")) == ["a.jpg", "b.jpg", "c.jpg"]
    # the open photo is exported as on screen: its unsaved changes went to its session first
    assert not window.document.dirty and (shoot_folder / "b.jpg.likeness.json").is_file()
    assert all(r[3] == "" or r[3].endswith("%") for r in rows)
    qtbot.waitUntil(lambda: "exported" in _flags(window, "a.jpg"), timeout=WAIT)


def test_export_selected_never_writes_through_a_link_to_a_photo(
        qtbot, make_window, dialogs, shoot_folder):
    """An export target that is a link to the photo it exports is refused in a dialog (the
    plan is made in the export's thread, the window stays free); no photo changes."""
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    (shoot_folder / "exported").mkdir()
    (shoot_folder / "exported" / "c.jpg").symlink_to(shoot_folder / "c.jpg")
    before = {p.name: p.read_bytes() for p in shoot_folder.glob("*.jpg")}
    window.filmstrip.select([shoot_folder / "c.jpg"])
    exporter = window.shoot_export
    window.export_selected_action.trigger()
    qtbot.waitUntil(lambda: not exporter.running and exporter.thread is None, timeout=WAIT)
    assert dialogs["warning"] and "c.jpg" in dialogs["warning"][-1]
    assert exporter.panel.status.text() == "Not exported" and not exporter.results
    assert {p.name: p.read_bytes() for p in shoot_folder.glob("*.jpg")} == before


def test_export_selected_without_a_shoot_says_what_to_do(qtbot, make_window, dialogs):
    window = make_window()
    window.export_selected_action.trigger()
    assert dialogs["warning"] and "Open a folder" in dialogs["warning"][0]


# ----------------------------------------------------------------------------- side by side
def test_side_by_side_shows_before_and_after_zoomed_and_moved_together(
        qtbot, make_window, shoot_folder, dialogs):
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.panel.rows["bg_blur"].box.setValue(0.8)
    qtbot.waitUntil(lambda: (window.preview.sliders or {}).get("bg_blur") == 0.8, timeout=WAIT)
    window.side_by_side_action.trigger()  # Y
    view = window.side_by_side.view
    assert view.isVisible() and not window.canvas.isVisible()
    before = view.before.item.pixmap().toImage()
    after = view.after.item.pixmap().toImage()
    assert before.size() == after.size() and before != after  # the edit differs
    pane = view.after
    centre = QPointF(pane.viewport().rect().center())
    wheel = QWheelEvent(centre, pane.mapToGlobal(centre), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    zoom = pane.zoom
    pane.wheelEvent(wheel)
    assert view.before.zoom == pytest.approx(pane.zoom) and pane.zoom > zoom * 1.5
    pane.horizontalScrollBar().setValue(pane.horizontalScrollBar().value() + 40)
    left, right = view.visible_rects()
    assert left.center().x() == pytest.approx(right.center().x(), abs=1.0)
    assert left.center().y() == pytest.approx(right.center().y(), abs=1.0)
    dialogs["answer"] = QMessageBox.StandardButton.Discard
    qtbot.keyClick(view.after, Qt.Key.Key_Right)  # through the shoot, as on the canvas
    wait_open(qtbot, window, "c.jpg")
    assert view.isVisible()
    window.side_by_side_action.trigger()
    assert window.canvas.isVisible() and not view.isVisible()


def test_split_keeps_its_place_beside_side_by_side(qtbot, make_window):
    window = make_window()
    assert window.split_action.shortcut().toString() == "Shift+Y"
    assert window.side_by_side_action.shortcut().toString() == "Y"


def test_one_before_after_at_a_time_and_the_tools_bring_the_canvas_back(
        qtbot, make_window, shoot_folder):
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    window.split_action.setChecked(True)
    window.side_by_side_action.trigger()  # Y: the split gives way (not left lit on the bar)
    assert window.side_by_side.view.isVisible() and not window.split_action.isChecked()
    window.split_action.trigger()  # Shift+Y: the split shows, on the canvas
    assert window.split_action.isChecked() and window.canvas.isVisible()
    assert not window.side_by_side_action.isChecked() and not window.side_by_side.view.isVisible()
    window.side_by_side_action.trigger()
    window.crop_action.trigger()  # the crop tool works on the canvas: it comes back
    assert window.canvas.isVisible() and not window.side_by_side_action.isChecked()
    window.crop_action.trigger()
    window.side_by_side_action.trigger()
    window.heal_tool_action.trigger()
    assert window.canvas.isVisible() and not window.side_by_side.view.isVisible()
    bar = {a.iconText() for a in window.actions.toolbar.actions()}
    assert "Side" in bar


# ----------------------------------------------------------------------------- look thumbnails
def test_the_look_picker_shows_each_look_on_this_photo_at_its_amount(
        qtbot, make_window, shoot_folder):
    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    combo = window.panel.look_combo
    looks = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)]
    thumbs = window.look_thumbs
    qtbot.waitUntil(lambda: len(thumbs.amounts) == len(looks), timeout=WAIT * 2)
    icons = {}
    for i in range(combo.count()):
        key = combo.itemData(i)
        if key:
            icon = combo.itemIcon(i)
            assert not icon.isNull(), f"no thumbnail for {key}"
            icons[key] = icon.pixmap(64, 64).toImage()
            assert "on this photo, at" in combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
    assert len({bytes(img.constBits()) for img in icons.values()}) > 1  # looks differ
    assert all(0.0 <= a <= 1.5 for a in thumbs.amounts.values())


def test_a_look_thumbnail_reuses_the_amount_search_s_prepared_crop(monkeypatch):
    """Every look's thumbnail is rendered on the one face crop the amount searches prepared
    (the head at about 80 px between the eyes): four looks prepare one retoucher, not five
    (each a whole preparation of the head: 4.5 s of CPU after each photo opened, now 2.1)."""
    from studio.render import retoucher
    from studio.render.amount import forget_searches
    from studio.session import load_look
    from studio.ui import engine
    from studio.ui.qt_look_thumbs import head_of, look_thumbnail

    photo, analysis = engine.open_photo(face_photo("face_recognition_obama1.jpg"))
    head = head_of(engine.PreviewEngine(photo, analysis))
    made = []
    original = retoucher.Retoucher.__init__
    monkeypatch.setattr(retoucher.Retoucher, "__init__",
                        lambda self, *a, **k: (made.append(1), original(self, *a, **k))[1])
    forget_searches()
    thumbs = [look_thumbnail(head, key, load_look(key))
              for key in ("natural", "linkedin", "nonprofit", "portfolio")]
    assert len(made) == 1
    assert all(max(t.pixels.shape[:2]) == 64 and t.pixels.dtype.name == "uint8" for t in thumbs)
    assert len({t.pixels.tobytes() for t in thumbs}) > 1  # the looks differ


def test_the_thumbnails_wait_for_the_photo_s_first_moments_or_the_picker(qtbot, make_window):
    """The looks' thumbnails (about 2 s of CPU) are not made while the photo's first preview
    and moves need the cores: they start THUMBS_AFTER_MS after it opens, or at once when the
    look picker is opened before that."""
    from studio.ui.qt_look_thumbs import THUMBS_AFTER_MS
    from tests.helpers.window import open_and_wait

    window = make_window()
    thumbs = window.look_thumbs
    open_and_wait(qtbot, window)
    qtbot.wait(THUMBS_AFTER_MS // 5)
    assert not thumbs.runner.is_busy and not thumbs.amounts  # not yet
    qtbot.waitUntil(lambda: len(thumbs.amounts) == 4, timeout=WAIT * 2)  # then made
    open_and_wait(qtbot, window)  # the same photo again: its thumbnails made anew
    assert not thumbs.amounts
    window.panel.look_combo.showPopup()
    qtbot.waitUntil(lambda: thumbs.runner.is_busy or len(thumbs.amounts) == 4,
                    timeout=THUMBS_AFTER_MS // 2)  # at once, well before the delay
    window.panel.look_combo.hidePopup()
    qtbot.waitUntil(lambda: len(thumbs.amounts) == 4, timeout=WAIT * 2)


def test_the_thumbnails_wait_while_the_sliders_move(qtbot, make_window):
    """Moving sliders after opening a photo puts its thumbnails off until the sliders rest
    THUMBS_AFTER_MS: a drag right after opening has the cores to itself."""
    from studio.ui.qt_look_thumbs import THUMBS_AFTER_MS
    from tests.helpers.window import open_and_wait

    window = make_window()
    thumbs = window.look_thumbs
    open_and_wait(qtbot, window)
    slider = window.panel.rows["smooth"].slider
    for step in range(8):  # 8 moves 0.3 s apart: longer than the delay
        slider.setValue(slider.minimum() + (step + 1) * (slider.maximum() - slider.minimum()) // 10)
        qtbot.wait(THUMBS_AFTER_MS // 5)
        assert not thumbs.runner.is_busy and not thumbs.amounts
    qtbot.waitUntil(lambda: len(thumbs.amounts) == 4, timeout=WAIT * 2)


def test_the_closed_look_picker_shows_its_thumbnail_whole_and_the_list_the_big_ones(
        qtbot, make_window, shoot_folder):
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    window = make_window()
    open_shoot(qtbot, window, shoot_folder)
    combo = window.panel.look_combo
    rows = [i for i in range(combo.count()) if combo.itemData(i)]
    qtbot.waitUntil(lambda: len(window.look_thumbs.amounts) == len(rows), timeout=WAIT * 2)
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    assert 0 < option.iconSize.height() <= field.height()  # the closed box's icon not cut
    assert combo.height() < 40  # the box stays a line high
    assert combo.view().iconSize().height() == 64  # the list: the thumbnails whole
    assert all(combo.view().sizeHintForRow(i) >= 64 for i in rows)


def test_the_filmstrip_shows_only_with_a_shoot_open(qtbot, make_window, shoot_folder):
    window = make_window()
    assert not window.filmstrip.dock.isVisible()
    open_shoot(qtbot, window, shoot_folder)
    assert window.filmstrip.dock.isVisible()
    window.close()  # its layout is kept, the strip shown in it
    again = make_window()  # not even for a moment
    assert not again.filmstrip.dock.isVisible() and not again.shoot_export.dock.isVisible()
    qtbot.wait(50)
    assert not again.filmstrip.dock.isVisible() and not again.shoot_export.dock.isVisible()


def _results_side(qtbot, window) -> str:
    """Show the filmstrip and Export Selected's results as an export does; which side of the
    strip the results took."""
    window.filmstrip.dock.show()
    window.shoot_export._show_dock()
    qtbot.wait(50)
    strip, results = window.filmstrip.dock.geometry(), window.shoot_export.dock.geometry()
    return "right" if results.left() >= strip.right() else "left"


def test_a_layout_left_by_an_older_studio_gives_way_and_the_users_own_is_kept(
        qtbot, make_window):
    """Export Selected docks right of the filmstrip even where an older studio saved its
    results on the left (restoring that was the left-docked panel seen under X); a layout the
    user leaves in this studio comes back as they left it."""
    from studio.ui.qt_main import settings_store

    old = make_window()
    old.splitDockWidget(old.shoot_export.dock, old.filmstrip.dock, Qt.Orientation.Horizontal)
    assert _results_side(qtbot, old) == "left"
    settings = settings_store()
    settings.setValue("window/state", old.saveState())  # how the older studio saved it
    settings.sync()
    assert _results_side(qtbot, make_window()) == "right"

    mine = make_window()
    mine.splitDockWidget(mine.shoot_export.dock, mine.filmstrip.dock, Qt.Orientation.Horizontal)
    mine.close()  # the studio saves the layout on quit
    assert _results_side(qtbot, make_window()) == "left"

"""Consistent across a shoot in the studio (issue 29 item 3): Export Selected's "Same amount
for each person" gives the photos of one person one look amount, the lowest found among them
(so every written file keeps the look's budget), and names the person in the result table;
the user corrects who is who on the filmstrip, stored in the shoot's people file.

The same-person pair is MANIFEST.csv's (jeff_bezos: img20, img21), with another person's
photo; the photos are linked into temporary folders, never copied into the repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QMenu  # noqa: E402

from studio.ui import shoot  # noqa: E402
from tests.helpers.photos import face_photo
from tests.helpers.window import WAIT

PAIR = ("deepface_img20.jpg", "deepface_img21.jpg")  # the same person (MANIFEST.csv)
OTHER = "deepface_img25.jpg"
#: The linkedin look's likeness budget, percent.
BUDGET = 90.0
#: The result table's columns (qt_shoot_export.COLUMNS).
PHOTO, STATUS, LIKENESS, AMOUNT, PERSON = range(5)


def linked_shoot(folder: Path, names) -> Path:
    """A shoot folder of links to the shared photos, each with the session Sync gives it
    from a photo with the linkedin look (the look at 100%: its own amount found on export)."""
    from studio.session import Session, Source, load_look, save_session

    folder.mkdir()
    look = load_look("linkedin")
    for name in names:
        (folder / name).symlink_to(face_photo(name))
        session = Session(source=Source.of(folder / name), sliders=dict(look.sliders),
                          look="linkedin", budget=look.budget)
        save_session(session, folder / f"{name}.likeness.json")
    return folder


def open_shoot(qtbot, window, folder: Path) -> None:
    window.filmstrip.open_folder(folder)
    qtbot.waitUntil(lambda: not window.opener.opening and window.preview.pixels is not None,
                    timeout=WAIT)


def export_all(qtbot, window, folder: Path, names) -> dict[str, tuple[str, ...]]:
    """Export Selected on ``names`` (as the open photo's export settings); each photo's row
    once it has ended."""
    exporter = window.shoot_export
    exporter.start([folder / name for name in names])
    qtbot.waitUntil(lambda: exporter.thread is None and not exporter.running,
                    timeout=WAIT * 4)
    return {row[PHOTO]: row for row in exporter.panel.rows()}


def first_pass(window, folder: Path | None = None) -> list:
    """The results as each photo is first written (before any is written again); with the
    shoot's ``folder``, each written file's bytes then too (in ``first_pass.files``)."""
    seen: list = []

    def keep(result) -> None:
        seen.append(result)
        if folder is not None and result.status == "ok":
            name = Path(result.input).name
            first_pass.files[name] = (folder / "exported" / name).read_bytes()

    first_pass.files = {}
    window.shoot_export._relay.finished_one.connect(keep)
    return seen


def written_files(folder: Path) -> list[Path]:
    return sorted((folder / "exported").glob("*.jpg"))


def test_export_selected_gives_a_person_s_photos_the_lowest_amount(qtbot, make_window,
                                                                   tmp_path):
    folder = linked_shoot(tmp_path / "shoot", (*PAIR, OTHER))
    window = make_window()
    open_shoot(qtbot, window, folder)
    seen = first_pass(window, folder)
    rows = export_all(qtbot, window, folder, (*PAIR, OTHER))
    assert window.shoot_export.panel.same_amount.isChecked()  # a budgeted look: on
    own = {Path(r.input).name: r.amount_percent for r in seen}
    assert own[PAIR[0]] != own[PAIR[1]]  # the pair's own amounts differ: one is written again
    above = max(PAIR, key=own.get)
    for name in (*PAIR, OTHER):  # written again (at a lower amount, more like the person)
        again = (folder / "exported" / name).read_bytes() != first_pass.files[name]
        assert again == (name == above), name
    likeness = {Path(r.input).name: r.likeness_percent for r in seen}
    final = {Path(r.input).name: r.likeness_percent for r in window.shoot_export.results}
    assert final[above] > likeness[above]
    first, second = rows[PAIR[0]], rows[PAIR[1]]
    assert first[PERSON] == second[PERSON] != rows[OTHER][PERSON] != ""
    assert first[PERSON].startswith("person 1 (2 photos, amount of ")
    assert first[AMOUNT] == second[AMOUNT] == f"{min(own[PAIR[0]], own[PAIR[1]]):.0f}%"
    assert rows[OTHER][AMOUNT] == f"{own[OTHER]:.0f}%"
    for row in rows.values():
        assert row[STATUS] == "ok" and float(row[LIKENESS].rstrip("%")) >= BUDGET - 0.5, row
    assert [p.name for p in written_files(folder)] == sorted((*PAIR, OTHER))
    # the filmstrip shows who is who
    strip = window.filmstrip.strip
    tip = strip.item(strip.row_of(folder / PAIR[0])).toolTip()
    assert first[PERSON] in tip
    assert shoot.person_badge(first[PERSON]) == "P1"


def test_same_amount_is_off_without_a_budgeted_look(qtbot, make_window, tmp_path):
    folder = tmp_path / "shoot"
    folder.mkdir()
    (folder / OTHER).symlink_to(face_photo(OTHER))
    window = make_window()
    open_shoot(qtbot, window, folder)
    window.panel.rows["smooth"].box.setValue(0.5)  # set by hand: exported as it is
    assert not window.shoot_export.same_amount_default()
    window.sessions.apply_look("linkedin")
    assert window.shoot_export.same_amount_default()


def test_these_are_the_same_person_joins_two_people_and_is_kept(qtbot, make_window, tmp_path):
    """Two people the descriptor keeps apart, said to be one: one amount, one person; the
    correction is the shoot's (a new window reads it) and is undone as a step."""
    names = (PAIR[1], OTHER)
    folder = linked_shoot(tmp_path / "shoot", names)
    window = make_window()
    open_shoot(qtbot, window, folder)
    window.filmstrip.select([folder / name for name in names])
    window.same_person_action.trigger()
    assert window.same_person_action.shortcut().toString() == "Ctrl+G"
    corrections, problem = shoot.read_people(folder)
    assert problem == "" and [sorted(s) for s in corrections.same] == [sorted(names)]
    window.undo_stack.undo()
    assert shoot.read_people(folder)[0].same == ()
    window.undo_stack.redo()
    window.close()

    again = make_window()  # the shoot's file, read by the next Export Selected
    open_shoot(qtbot, again, folder)
    seen = first_pass(again)
    rows = export_all(qtbot, again, folder, names)
    own = {Path(r.input).name: r.amount_percent for r in seen}
    assert rows[names[0]][PERSON] == rows[names[1]][PERSON]
    assert rows[names[0]][PERSON].startswith("person 1 (2 photos")
    assert rows[names[0]][AMOUNT] == rows[names[1]][AMOUNT] == f"{min(own.values()):.0f}%"


def test_this_is_someone_else_takes_a_photo_out_of_its_person(qtbot, make_window, tmp_path):
    folder = linked_shoot(tmp_path / "shoot", PAIR)
    window = make_window()
    open_shoot(qtbot, window, folder)
    window.filmstrip.select([folder / PAIR[1]])
    window.someone_else_action.trigger()
    assert shoot.read_people(folder)[0].apart == (PAIR[1],)
    seen = first_pass(window)
    rows = export_all(qtbot, window, folder, PAIR)
    own = {Path(r.input).name: r.amount_percent for r in seen}
    assert rows[PAIR[0]][PERSON].startswith("person 1 (1 photo,")
    assert rows[PAIR[1]][PERSON].startswith("person 2 (1 photo,")
    for name in PAIR:  # each keeps its own amount
        assert rows[name][AMOUNT] == f"{own[name]:.0f}%"


def test_the_filmstrip_offers_the_corrections(qtbot, make_window, tmp_path, dialogs):
    folder = linked_shoot(tmp_path / "shoot", PAIR)
    window = make_window()
    open_shoot(qtbot, window, folder)
    window.filmstrip.select([folder / PAIR[0]])
    window.same_person_action.trigger()  # one photo: nothing to join
    assert dialogs["warning"] and "two or more" in dialogs["warning"][-1]
    assert not (folder / shoot.PEOPLE_FILE).exists()
    strip = window.filmstrip.strip
    assert strip.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    window.people._show_menu(QPoint(10, 10))  # a right-click on the strip
    menu = strip.findChildren(QMenu)[-1]
    offered = [a for a in menu.actions() if not a.isSeparator()]
    assert offered[:2] == [window.same_person_action, window.someone_else_action]
    menu.close()
    assert window.someone_else_action.shortcut().toString() == "Ctrl+Shift+G"


@pytest.mark.parametrize("text", ["{not json", '{"format": "likeness-people", "version": 9}',
                                  '{"format": "likeness-people", "version": 1, '
                                  '"same": [["../../etc/passwd", 3]]}',
                                  "[" * 100_000])
def test_a_broken_people_file_is_ignored_with_one_line(tmp_path, text):
    (tmp_path / shoot.PEOPLE_FILE).write_text(text)
    corrections, problem = shoot.read_people(tmp_path)
    assert corrections.same == () and corrections.apart == ()
    assert "ignored" in problem and "\n" not in problem


def test_export_selected_with_a_broken_people_file_says_so_and_goes_on(
        qtbot, make_window, tmp_path, dialogs):
    folder = linked_shoot(tmp_path / "shoot", (OTHER,))
    (folder / shoot.PEOPLE_FILE).write_text('{"format": "likeness-people", "same": 7}')
    window = make_window()
    open_shoot(qtbot, window, folder)
    rows = export_all(qtbot, window, folder, (OTHER,))
    assert "ignored" in window.notice.text and shoot.PEOPLE_FILE in window.notice.text
    assert rows[OTHER][STATUS] == "ok" and rows[OTHER][PERSON].startswith("person 1")
    # a correction over it: the notice, then a good file in its place (it was ours)
    window.filmstrip.select([folder / OTHER])
    window.someone_else_action.trigger()
    assert shoot.read_people(folder)[0].apart == (OTHER,)
    assert json.loads((folder / shoot.PEOPLE_FILE).read_text())["version"] == 1


def test_cancel_while_a_person_s_photos_are_written_again(qtbot, make_window, tmp_path):
    """Cancel in the second pass: no half-written file, every file whole; Resume finishes
    it (the photos written by the first run count with their amounts)."""
    from PIL import Image

    folder = linked_shoot(tmp_path / "shoot", PAIR)
    window = make_window()
    open_shoot(qtbot, window, folder)
    exporter = window.shoot_export
    again = []

    def cancel_once_again(text: str) -> None:
        # Run in the batch's thread as the second pass begins (a direct connection), so the
        # Cancel falls in that pass whatever the machine's speed: a fixed 1.5 s wait in the
        # window's thread came after both photos were written again once the workers read
        # their models instead of analysing a photo to load them. The engine's Cancel is
        # thread-safe and holds for the engine the pass starts next.
        if "again at" in text and not again:
            again.append(text)
            exporter.engine.cancel()

    exporter._relay.waiting.connect(cancel_once_again, Qt.ConnectionType.DirectConnection)
    export_all(qtbot, window, folder, PAIR)
    assert again, "the pair's own amounts differ: one photo is written again"
    assert exporter.interrupted and exporter.panel.resume_button.isEnabled()
    assert "same amount" in exporter.panel.status.text()
    out = folder / "exported"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]
    for path in written_files(folder):
        with Image.open(path) as image:
            image.load()  # whole
    exporter._relay.waiting.disconnect(cancel_once_again)
    exporter.panel.resume_button.click()
    qtbot.waitUntil(lambda: exporter.thread is None and not exporter.running,
                    timeout=WAIT * 4)
    rows = {row[PHOTO]: row for row in exporter.panel.rows()}
    assert not exporter.interrupted
    assert rows[PAIR[0]][AMOUNT] == rows[PAIR[1]][AMOUNT] != ""
    assert rows[PAIR[0]][PERSON] == rows[PAIR[1]][PERSON] != ""


def test_cancel_while_the_faces_are_compared(qtbot, make_window, tmp_path):
    """The faces are compared by the batch's workers, and a Cancel stops them there too."""
    folder = linked_shoot(tmp_path / "shoot", PAIR)
    window = make_window()
    open_shoot(qtbot, window, folder)
    exporter = window.shoot_export

    def cancel_on_comparing(text: str) -> None:
        if text.startswith("Comparing the faces"):
            exporter.cancel()

    exporter._relay.waiting.connect(cancel_on_comparing)
    rows = export_all(qtbot, window, folder, PAIR)
    assert exporter.interrupted and "same amount" in exporter.panel.status.text()
    assert [rows[name][STATUS] for name in PAIR] == ["ok", "ok"]  # the first pass stands
    assert all(rows[name][PERSON] == "" for name in PAIR)  # no person said: none was found
    assert not [p for p in (folder / "exported").iterdir() if p.name.endswith(".part")]

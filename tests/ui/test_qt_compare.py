"""The Compare view (key N) and snapshots, driven as a user would (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from studio.render.amount import scaled  # noqa: E402
from studio.session import load_look, load_session  # noqa: E402
from tests.helpers.window import WAIT, open_and_wait


@pytest.fixture
def comparing(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window)
    qtbot.keyClick(window.canvas, Qt.Key.Key_N)
    view = window.compare_view
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: all(p.percent is not None for p in view.panes), timeout=WAIT)
    return window


def test_four_versions_side_by_side_each_with_its_likeness(comparing):
    view = comparing.compare_view
    labels = [pane.label.text() for pane in view.panes]
    assert labels[0].startswith("Current") and "likeness 100.0%" in labels[0]
    assert all("likeness" in text and text.endswith("%") for text in labels)
    assert len({pane.picker.currentText() for pane in view.panes}) == 4
    sizes = {pane.view.item.pixmap().size().toTuple() for pane in view.panes}
    assert len(sizes) == 1  # the same face-centred square for every version
    (w, h) = sizes.pop()
    assert w == h and w > 50


def test_choosing_a_version_sets_the_sliders_and_undo_restores(qtbot, comparing):
    view = comparing.compare_view
    pane = view.panes[1]
    label = pane.picker.currentText()
    key = label.split(": ", 1)[1].lower()
    shown = pane.label.text()
    qtbot.mouseClick(pane.use, Qt.MouseButton.LeftButton)
    look = load_look(key)
    # A look with a budget is shown and used at the amount found for this photo, as applying
    # it gives ("Look: Natural, 60% — likeness 96.2%").
    amount = comparing.document.amount
    assert amount is not None and shown.startswith(f"{label}, {amount:.0%} — likeness ")
    assert comparing.document.look == key and comparing.amount.label.text().startswith(
        f"{look.name}, {amount:.0%} — likeness ")
    wanted = scaled(look.sliders, amount)
    assert comparing.document.sliders == wanted
    changed = [k for k, v in wanted.items() if isinstance(v, float) and v != 0]
    row = comparing.panel.rows[changed[0]]
    assert row.value == pytest.approx(wanted[changed[0]])  # the sliders follow
    assert not view.isVisible()
    comparing.undo_stack.undo()
    assert comparing.document.sliders[changed[0]] == 0 and comparing.document.amount is None


def test_zoom_and_pan_move_every_pane(comparing):
    view = comparing.compare_view
    view.zoom_by(3.0)
    scales = {round(pane.view.transform().m11(), 6) for pane in view.panes}
    assert len(scales) == 1
    first = view.panes[0].view
    first.horizontalScrollBar().setValue(first.horizontalScrollBar().maximum())
    assert first.horizontalScrollBar().value() > 0
    assert all(
        p.view.horizontalScrollBar().value() == first.horizontalScrollBar().value()
        for p in view.panes
    )


def test_a_snapshot_is_listed_compared_and_saved(qtbot, make_window, tmp_path):
    window = make_window()
    open_and_wait(qtbot, window)
    window.document.set_slider("smooth", 0.5)
    window.new_snapshot("Soft skin")
    assert [window.snapshot_list.item(i).text() for i in range(window.snapshot_list.count())] == [
        "Soft skin"
    ]
    view = window.show_compare()
    assert view.panes[0].picker.findText("Snapshot: Soft skin") >= 0
    saved = tmp_path / "s.likeness.json"
    window.sessions.save_session_as(saved)
    session = load_session(saved)
    assert session.snapshots[0][0] == "Soft skin" and session.snapshots[0][1]["smooth"] == 0.5
    window.document.set_slider("smooth", 0.0)
    window.snapshot_list.itemClicked.emit(window.snapshot_list.item(0))
    assert window.document.sliders["smooth"] == 0.5

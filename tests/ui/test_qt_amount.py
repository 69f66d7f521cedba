"""The studio shows a budgeted look's amount and stores it (issue 20, pytest-qt, offscreen):
applying LinkedIn finds the strongest amount within its likeness budget, shows "LinkedIn,
N% — likeness X%", scales the look's face sliders by it, and a saved session keeps it; the
slider chooses another amount."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")

from studio.render.amount import scaled  # noqa: E402
from studio.session import load_look  # noqa: E402
from studio.session.migrations import CURRENT_VERSION  # noqa: E402
from studio.ui.qt_commands import SetSliderCommand  # noqa: E402
from tests.helpers.photos import face_photo
from tests.helpers.window import WAIT, open_and_wait


def test_a_budgeted_look_shows_and_stores_its_amount(qtbot, make_window, tmp_path):
    window = make_window()
    open_and_wait(qtbot, window, face_photo("face_recognition_obama1.jpg"))
    window.sessions.apply_look("linkedin")
    qtbot.waitUntil(lambda: window.document.amount is not None, timeout=WAIT)

    look, amount = load_look("linkedin"), window.document.amount
    text = window.amount.label.text()
    assert window.amount.isVisible() and text.startswith(f"LinkedIn, {amount:.0%} — likeness ")
    likeness = float(text.rsplit(" ", 1)[1].rstrip("%"))
    assert likeness >= look.budget and 0 < amount <= 1.5
    assert window.document.sliders["smooth"] == pytest.approx(
        scaled(look.sliders, amount)["smooth"])
    assert window.amount.slider.value() == round(amount / 0.05)

    window.amount.slider.setValue(4)  # the user's own amount: 20%
    qtbot.waitUntil(lambda: window.document.amount == pytest.approx(0.2), timeout=WAIT)
    assert window.amount.label.text().startswith("LinkedIn, 20% — likeness ")
    assert float(window.amount.label.text().rsplit(" ", 1)[1].rstrip("%")) > likeness
    assert window.document.sliders["smooth"] == pytest.approx(look.sliders["smooth"] * 0.2)

    saved = tmp_path / "obama.likeness.json"
    assert window.sessions.save_session_as(saved)
    data = json.loads(saved.read_text())
    assert data["version"] == CURRENT_VERSION and data["budget"] == look.budget
    assert data["amount"] == pytest.approx(0.2) and data["look"] == "linkedin"


def _label_amount(window) -> str:
    return window.amount.label.text().split(" — ")[0]


def test_undo_brings_the_amount_and_its_label_back(qtbot, make_window):
    window = make_window()
    open_and_wait(qtbot, window, face_photo("face_recognition_obama1.jpg"))
    window.sessions.apply_look("linkedin")
    qtbot.waitUntil(lambda: window.document.amount is not None, timeout=WAIT)
    found, label, sliders = window.document.amount, window.amount.label.text(), \
        window.document.sliders
    assert round(found / 0.05) != 4

    window.amount.slider.setValue(4)  # 20%: one more undo step
    qtbot.waitUntil(lambda: window.document.amount == pytest.approx(0.2), timeout=WAIT)
    assert _label_amount(window) == "LinkedIn, 20%"

    window.undo_stack.undo()
    assert window.document.amount == pytest.approx(found)
    assert window.amount.label.text() == label and window.amount.slider.value() == round(
        found / 0.05)
    assert window.document.sliders == sliders

    window.undo_stack.redo()
    assert window.document.amount == pytest.approx(0.2)
    assert _label_amount(window) == "LinkedIn, 20%" and window.amount.slider.value() == 4

    window.undo_stack.undo()
    window.undo_stack.undo()  # the look as applied, before its amount was found
    assert window.document.amount is None and window.document.budget is not None
    window.undo_stack.undo()  # before the look: no budget, no amount row
    assert window.document.budget is None and window.document.amount is None
    assert not window.amount.isVisible()


def test_a_slider_moved_by_hand_is_not_rescaled_by_the_amount(qtbot, make_window, tmp_path):
    window = make_window()
    open_and_wait(qtbot, window, face_photo("face_recognition_obama1.jpg"))
    window.sessions.apply_look("linkedin")
    qtbot.waitUntil(lambda: window.document.amount is not None, timeout=WAIT)
    window.undo_stack.push(SetSliderCommand(window.document, "eyes", 0.9, held=False))
    # The look is no longer as applied: its amount row goes, so nothing rescales the hand value.
    assert window.document.look is None and not window.amount.isVisible()
    assert window.document.sliders["eyes"] == pytest.approx(0.9)
    saved = tmp_path / "hand.likeness.json"
    assert window.sessions.save_session_as(saved)
    data = json.loads(saved.read_text())
    assert data["budget"] is None and data["sliders"]["eyes"] == pytest.approx(0.9)


def test_a_reopened_session_shows_its_amount_with_the_likeness_measured(
        qtbot, make_window, tmp_path):
    photo = tmp_path / "obama.jpg"
    photo.symlink_to(face_photo("face_recognition_obama1.jpg"))
    window = make_window()
    open_and_wait(qtbot, window, photo)
    window.sessions.apply_look("linkedin")
    qtbot.waitUntil(lambda: window.document.amount is not None, timeout=WAIT)
    label, amount = window.amount.label.text(), window.document.amount
    assert window.sessions.save_session_as(tmp_path / "obama.jpg.likeness.json")

    again = make_window()
    open_and_wait(qtbot, again, photo)  # the session beside the photo is restored
    assert again.document.amount == pytest.approx(amount) and again.document.look == "linkedin"
    qtbot.waitUntil(lambda: "likeness" in again.amount.label.text(), timeout=WAIT)
    assert again.amount.label.text() == label  # the same amount, the same likeness
    assert not again.document.dirty  # measuring is not a change

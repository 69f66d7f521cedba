"""A seeded random afternoon in the studio (issue 26), run by tests/promises/test_soak.py in its own process.

Not collected by itself (the name does not start with ``test_``): test_soak.py runs
``python -m pytest tests/helpers/soak_session.py`` so an abort fails that test, not the run, and the
memory is this session's alone. Every event is a real input event through the real widgets of
:class:`QtStudioWindow` (QTest mouse and key events, wheel events sent to the canvas): hover,
click and Ctrl+click faces; drag every slider, type values, double-click to reset; looks and
their amount; crop (move, handles, aspects, straighten, angle); compare and "Use this"; heal,
keep and brush marks, choosing and deleting them; undo and redo; snapshots; overlays; the split
and the original key; zoom; save and save as; and the autosave, written by its own timers.
Photos: the sample, the group selfie and three single-face photos, opened with Ctrl+O in turn.

Environment: LIKENESS_SOAK_EVENTS (default 20,000), LIKENESS_SOAK_SEED (26),
LIKENESS_SOAK_REPORT (a JSON file for the figures: events, seconds, memory).
"""

from __future__ import annotations

import faulthandler
import gc
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QWheelEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QColorDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
)

from studio.imaging import save  # noqa: E402
from studio.imaging.framing import to_original  # noqa: E402
from studio.imaging.sample import sample_photo  # noqa: E402
from studio.ui import app as studio_app  # noqa: E402
from studio.ui import engine  # noqa: E402
from studio.ui.qt_autosave import autosave_path  # noqa: E402
from studio.ui.qt_main import QtStudioWindow  # noqa: E402
from studio.ui.qt_panel import QtSliderRow  # noqa: E402
from tests.helpers.photos import face_photo

EVENTS = int(os.environ.get("LIKENESS_SOAK_EVENTS", "20000"))
SEED = int(os.environ.get("LIKENESS_SOAK_SEED", "26"))
#: Single-face photos opened besides the sample and the group selfie (all small: cheap renders).
PORTRAITS = ("deepface_img25.jpg", "deepface_img21.jpg", "insightface_inspireface_attribute_1423.jpg")
GROUP = "deepface_selfie-many-people.jpg"
#: A photo is opened (Ctrl+O, the next in turn) every this many events: 13 opens in all.
OPEN_EVERY = max(EVENTS // 13, 50)
#: The preview proxy's pixels (the studio's: 2 MP): small, so the renders the events start stay
#: cheap on 2 cores; the windows, events and controllers are the real ones.
PROXY_PIXELS = 50_000
WAIT = 300_000  # ms: the machine may be shared
#: Seconds one step of the session (one action, or one open and its wait) may take at most.
STALL = WAIT // 1000 + 60
L, CTRL, SHIFT, ALT = (Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                       Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier)
NONE = Qt.KeyboardModifier.NoModifier


def rss_mb() -> float:
    """This process's resident memory (MB)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class User:
    """Sends input events to the window and counts them."""

    def __init__(self, qtbot, window: QtStudioWindow, rng: random.Random):
        self.qtbot, self.window, self.rng = qtbot, window, rng
        self.events = 0
        self.canvas = window.canvas

    # ------------------------------------------------------------------ input events
    def key(self, widget, key, modifiers=NONE) -> None:
        if QApplication.activeWindow() is not widget.window():  # a click on that window first
            self.click(widget.window(), QPoint(4, 4))
            widget.window().activateWindow()
            QApplication.processEvents()
        QTest.keyClick(widget, key, modifiers)
        self.events += 2

    def press(self, widget, pos: QPoint, modifiers=NONE) -> None:
        QTest.mousePress(widget, L, modifiers, pos)
        self.events += 1

    def move(self, widget, pos: QPoint) -> None:
        QTest.mouseMove(widget, pos)
        self.events += 1

    def release(self, widget, pos: QPoint, modifiers=NONE) -> None:
        QTest.mouseRelease(widget, L, modifiers, pos)
        self.events += 1

    def click(self, widget, pos: QPoint | None = None, modifiers=NONE) -> None:
        pos = widget.rect().center() if pos is None else pos
        self.press(widget, pos, modifiers)
        self.release(widget, pos, modifiers)

    def drag(self, widget, start: QPoint, end: QPoint, steps: int, modifiers=NONE) -> None:
        self.press(widget, start, modifiers)
        for i in range(1, steps + 1):
            self.move(widget, start + (end - start) * (i / steps))
        self.release(widget, end, modifiers)

    def wheel(self, widget, pos: QPoint, steps: int) -> None:
        point = QPointF(pos)
        event = QWheelEvent(point, QPointF(widget.mapToGlobal(pos)), QPoint(0, 0),
                            QPoint(0, 120 * steps), Qt.MouseButton.NoButton, NONE,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(widget, event)
        self.events += 1

    # ------------------------------------------------------------------ where things are
    def on_photo(self, x: float, y: float) -> QPoint:
        """The viewport point of a (straightened) photo pixel."""
        size, angle = self.canvas.photo_size, self.window.document.angle
        if self.window.crop_tool.active and angle:
            x, y = to_original(np.array([[x, y]]), *size, angle)[0]
        return self.canvas.mapFromScene(QPointF(float(x), float(y)))

    def face_point(self) -> QPoint | None:
        faces = self.window.document.faces
        if not faces:
            return None
        face = self.rng.choice(faces)
        return self.on_photo(*face.landmarks[self.rng.choice((30, 33, 2, 14, 8, 19))])

    def anywhere(self) -> QPoint:
        viewport = self.canvas.viewport()
        return QPoint(self.rng.randrange(viewport.width()), self.rng.randrange(viewport.height()))


class Afternoon:
    """The random session: ``run()`` sends at least ``EVENTS`` events."""

    def __init__(self, qtbot, window: QtStudioWindow, photos: list[Path], tmp: Path):
        self.rng = random.Random(SEED)
        self.user = User(qtbot, window, self.rng)
        self.qtbot, self.window, self.photos, self.tmp = qtbot, window, photos, tmp
        self.opened = 0
        self.saves = 0
        self.autosaves = 0
        self._autosave_seen = 0.0
        self.memory: list[tuple[int, float]] = []  # (events, MB) right after each open, idle
        self.warm: float | None = None
        self.actions = [
            (14, self.hover), (6, self.pick_face), (5, self.toggle_face), (2, self.everyone),
            (16, self.drag_slider), (3, self.type_value), (2, self.reset_slider),
            (3, self.look), (2, self.amount), (5, self.crop), (1, self.compare),
            (6, self.mark), (2, self.choose_mark), (9, self.undo_redo), (1, self.save),
            (1, self.snapshot), (2, self.overlay), (3, self.split), (1, self.original),
            (4, self.zoom), (1, self.backdrop), (1, self.side_by_side),
        ]
        self.weights = [weight for weight, _action in self.actions]

    # ------------------------------------------------------------------ the session
    def run(self) -> None:
        self.open_next()
        while self.user.events < EVENTS:
            # A frozen window (an endless relayout inside processEvents) ends the session with
            # every thread's stack within STALL seconds, not at the hour's timeout.
            faulthandler.dump_traceback_later(STALL, exit=True)
            if self.user.events >= self.opened * OPEN_EVERY:
                self.open_next()
            self.rng.choices(self.actions, self.weights)[0][1]()
            QApplication.processEvents()
            self._count_autosave()
        faulthandler.cancel_dump_traceback_later()
        self.settle()

    def open_next(self) -> None:
        """Ctrl+O, the next photo (answering "Discard" or "Save" about the changes)."""
        window = self.window
        if window.compare_view is not None and window.compare_view.isVisible():
            self.user.key(window.compare_view, Qt.Key.Key_Escape)
        if window.crop_tool.active:
            self.user.key(self.user.canvas, Qt.Key.Key_C)
        self.next_path = self.photos[self.opened % len(self.photos)]
        self.user.key(self.user.canvas, Qt.Key.Key_O, CTRL)
        self.qtbot.waitUntil(
            lambda: not window.opener.opening and window.document.photo is not None
            and window.document.photo.path == self.next_path
            and window.preview.pixels is not None,
            timeout=WAIT,
        )
        self.opened += 1
        self.settle()
        self.memory.append((self.user.events, rss_mb()))
        if self.opened == len(self.photos) + 1:  # every photo opened once, the first again
            self.warm = self.memory[-1][1]

    def settle(self) -> None:
        """Wait until every worker is done (the last superseded render shown), then collect."""
        window = self.window
        runners = (*window.runners, window.amount.runner, window.amount.measurer,
                   window.opener.quick_runner)
        if window.compare_view is not None:
            runners += tuple(p.runner for p in window.compare_view.panes)
        self.qtbot.waitUntil(lambda: not any(r.is_busy for r in runners), timeout=WAIT)
        QApplication.processEvents()
        gc.collect()

    def _count_autosave(self) -> None:
        path = autosave_path()
        try:
            modified = path.stat().st_mtime
        except OSError:
            return
        if modified != self._autosave_seen:
            self._autosave_seen = modified
            self.autosaves += 1

    # ------------------------------------------------------------------ faces
    def hover(self) -> None:
        user = self.user
        for _ in range(self.rng.randint(4, 12)):
            point = user.face_point() if self.rng.random() < 0.7 else user.anywhere()
            if point is not None:
                user.move(user.canvas.viewport(), point)

    def pick_face(self, modifiers=NONE) -> None:
        point = self.user.face_point()
        if point is not None:
            self.user.move(self.user.canvas.viewport(), point)
            self.user.click(self.user.canvas.viewport(), point, modifiers)

    def toggle_face(self) -> None:
        self.pick_face(CTRL)

    def everyone(self) -> None:
        panel = self.window.panel
        if panel.everyone_box.isVisible():
            self.user.click(panel.everyone_box)
        elif panel.face_combo.isVisible():
            self.user.key(panel.face_combo, self.rng.choice((Qt.Key.Key_Down, Qt.Key.Key_Up)))

    # ------------------------------------------------------------------ sliders
    def _row(self) -> QtSliderRow | None:
        rows = [r for r in self.window.panel.rows.values()
                if isinstance(r, QtSliderRow) and r.slider.isEnabled()]
        if not rows:
            return None
        row = self.rng.choice(rows)
        self.window.findChild(object, "panel_scroll").ensureWidgetVisible(row.slider)
        return row

    def drag_slider(self) -> None:
        row = self._row()
        if row is None:
            return
        slider = row.slider
        span = slider.maximum() - slider.minimum()
        x = int((slider.value() - slider.minimum()) / span * (slider.width() - 11)) + 5
        y = slider.height() // 2
        end = QPoint(self.rng.randrange(4, slider.width() - 4), y)
        self.user.drag(slider, QPoint(x, y), end, self.rng.randint(2, 8))

    def type_value(self) -> None:
        row = self._row()
        if row is None:
            return
        spec = row.spec
        value = round(self.rng.uniform(spec.minimum, spec.maximum), 2)
        self.user.click(row.box)
        self.user.key(row.box, Qt.Key.Key_A, CTRL)
        for char in f"{value:.2f}":
            QTest.keyClick(row.box, char)
            self.user.events += 2
        self.user.key(row.box, Qt.Key.Key_Return)

    def reset_slider(self) -> None:
        row = self._row()
        if row is None:
            return
        if self.rng.random() < 0.5:
            QTest.mouseDClick(row.slider, L, NONE, row.slider.rect().center())
            self.user.events += 2
        elif row.reset_button.isEnabled():
            self.user.click(row.reset_button)

    def backdrop(self) -> None:
        row = self.window.panel.rows["backdrop"]
        if not row.swatch.isEnabled():
            return
        colour = QColor(*(self.rng.randrange(256) for _ in range(3)))
        self.colour_answer = colour
        self.user.click(row.none_box if self.rng.random() < 0.5 else row.swatch)

    # ------------------------------------------------------------------ looks
    def look(self) -> None:
        combo = self.window.panel.look_combo
        if combo.isEnabled():
            self.user.key(combo, self.rng.choice((Qt.Key.Key_Down, Qt.Key.Key_Up)))

    def amount(self) -> None:
        slider = self.window.amount.slider
        if not self.window.amount.isVisible():
            return self.look()
        if self.rng.random() < 0.5:
            self.user.key(slider, self.rng.choice((Qt.Key.Key_Left, Qt.Key.Key_Right)))
        else:
            y = slider.height() // 2
            x = int(slider.value() / 30 * (slider.width() - 11)) + 5
            self.user.drag(slider, QPoint(x, y), QPoint(self.rng.randrange(slider.width()), y), 3)

    # ------------------------------------------------------------------ crop and compare
    def crop(self) -> None:
        tool, user = self.window.crop_tool, self.user
        if not tool.active or self.rng.random() < 0.15:
            return user.key(user.canvas, Qt.Key.Key_C)
        choice = self.rng.random()
        rect = tool.rect
        if choice < 0.5 and rect is not None:
            left, top, w, h = rect
            corners = [(left, top), (left + w, top + h), (left + w / 2, top + h / 2),
                       (left + w, top), (left, top + h / 2)]
            start = user.on_photo(*self.rng.choice(corners))
            end = start + QPoint(self.rng.randint(-40, 40), self.rng.randint(-40, 40))
            user.drag(user.canvas.viewport(), start, end, self.rng.randint(2, 6))
        elif choice < 0.7:
            user.key(tool.aspect_box, self.rng.choice((Qt.Key.Key_Down, Qt.Key.Key_Up)))
        elif choice < 0.8:
            user.click(tool.straighten_button)
        else:
            user.key(tool.angle_slider, self.rng.choice((Qt.Key.Key_Left, Qt.Key.Key_Right,
                                                         Qt.Key.Key_PageUp)))

    def compare(self) -> None:
        window, user = self.window, self.user
        view = window.compare_view
        if view is None or not view.isVisible():
            return user.key(user.canvas, Qt.Key.Key_N)
        if self.rng.random() < 0.5:
            user.click(self.rng.choice(view.panes[: view.count.value()]).use)
        else:
            user.key(view, Qt.Key.Key_Escape)

    # ------------------------------------------------------------------ marks
    def mark(self) -> None:
        user, window = self.user, self.window
        keys = {"heal": Qt.Key.Key_H, "keep": Qt.Key.Key_K, "brush": Qt.Key.Key_B}
        tool = self.rng.choice(list(keys))
        if window.crop_tool.active:
            user.key(user.canvas, Qt.Key.Key_C)
        if window.marks.tool != tool:
            user.key(user.canvas, keys[tool])
        start = user.face_point() or user.anywhere()
        if tool == "brush":
            end = start + QPoint(self.rng.randint(-60, 60), self.rng.randint(-60, 60))
            modifiers = ALT if self.rng.random() < 0.3 else NONE
            user.drag(user.canvas.viewport(), start, end, self.rng.randint(3, 10), modifiers)
        else:
            user.click(user.canvas.viewport(), start)
        if self.rng.random() < 0.5:
            user.key(user.canvas, keys[tool])  # the tool off again: pan and choose

    def choose_mark(self) -> None:
        user, window = self.user, self.window
        marks = window.document.marks
        if window.marks.tool is not None or not marks or window.crop_tool.active:
            return
        x, y = self.rng.choice(marks).points[0]
        user.click(user.canvas.viewport(), user.on_photo(x, y))
        if self.rng.random() < 0.6:
            user.key(user.canvas, Qt.Key.Key_Delete)

    # ------------------------------------------------------------------ history and files
    def undo_redo(self) -> None:
        for _ in range(self.rng.randint(1, 4)):
            if self.rng.random() < 0.6:
                self.user.key(self.user.canvas, Qt.Key.Key_Z, CTRL)
            else:
                self.user.key(self.user.canvas, Qt.Key.Key_Z, CTRL | SHIFT)

    def save(self) -> None:
        """Ctrl+S once the session has a file; Save As (Ctrl+Shift+S) into the temp folder
        before (never beside the shared photos)."""
        self.saves += 1
        if self.window.document.session_path is None:
            self.save_answer = str(self.tmp / f"session-{self.saves}.likeness.json")
            self.user.key(self.user.canvas, Qt.Key.Key_S, CTRL | SHIFT)
        else:
            self.user.key(self.user.canvas, Qt.Key.Key_S, CTRL)

    def snapshot(self) -> None:
        listing = self.window.snapshot_list
        if listing.count() and self.rng.random() < 0.5:
            item = listing.item(self.rng.randrange(listing.count()))
            self.user.click(listing.viewport(), listing.visualItemRect(item).center())
        else:
            self.user.key(self.user.canvas, Qt.Key.Key_N, CTRL | SHIFT)

    # ------------------------------------------------------------------ view
    def overlay(self) -> None:
        menu = self.window.overlay_menu
        menu.popup(self.window.mapToGlobal(QPoint(200, 100)))
        action = self.rng.choice(menu.actions())
        self.user.click(menu, menu.actionGeometry(action).center())
        menu.hide()

    def split(self) -> None:
        canvas, user = self.user.canvas, self.user
        if not canvas.split_enabled or canvas.showing_original or self.rng.random() < 0.1:
            return user.key(canvas, Qt.Key.Key_Y, SHIFT)  # the split (Y: side by side)
        x = int(canvas.mapFromScene(QPointF(canvas.split_x, 0)).x())
        y = canvas.viewport().height() // 2
        end = QPoint(self.rng.randrange(canvas.viewport().width()), y)
        user.drag(canvas.viewport(), QPoint(x, y), end, self.rng.randint(2, 6))

    def side_by_side(self) -> None:
        """Y: before and after side by side, a wheel turn and a drag in a pane, Y back."""
        user, window = self.user, self.window
        user.key(user.canvas, Qt.Key.Key_Y)
        view = window.side_by_side.view
        if not view.isVisible():
            return
        pane = self.rng.choice((view.before, view.after)).viewport()
        centre = pane.rect().center()
        user.wheel(pane, centre, self.rng.choice((-2, -1, 1, 2)))
        end = centre + QPoint(self.rng.randint(-80, 80), self.rng.randint(-80, 80))
        user.drag(pane, centre, end, self.rng.randint(2, 6))
        user.key(view, Qt.Key.Key_Y)

    def original(self) -> None:
        QTest.keyPress(self.user.canvas, Qt.Key.Key_Backslash)
        QTest.keyRelease(self.user.canvas, Qt.Key.Key_Backslash)
        self.user.events += 2

    def zoom(self) -> None:
        user, choice = self.user, self.rng.random()
        if choice < 0.5:
            user.wheel(user.canvas.viewport(), user.anywhere(), self.rng.choice((-2, -1, 1, 2)))
        elif choice < 0.7:
            user.key(user.canvas, self.rng.choice((Qt.Key.Key_0, Qt.Key.Key_1)), CTRL)
        else:
            QTest.mouseDClick(user.canvas.viewport(), L, NONE, user.anywhere())
            user.events += 2


@pytest.fixture
def answers(monkeypatch):
    """The dialogs a session meets, answered as a user would (never a modal wait)."""
    state: dict = {}

    def question(*_args, **_kwargs):
        soak = state.get("soak")
        return (QMessageBox.StandardButton.Save if soak and soak.rng.random() < 0.3
                and soak.window.document.session_path is not None
                else QMessageBox.StandardButton.Discard)

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: state.setdefault(
        "warnings", []).append(a[2]) or QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(
        lambda *a, **k: (str(state["soak"].next_path), "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda *a, **k: (state["soak"].save_answer, "")))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(
        lambda *a, **k: (f"snap {state['soak'].rng.randrange(1000)}", True)))
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(
        lambda *a, **k: state["soak"].colour_answer))
    monkeypatch.setattr(engine, "PROXY_PIXELS", PROXY_PIXELS)
    return state


def test_an_afternoon_in_the_studio(qtbot, answers, tmp_path):
    photos = [tmp_path / "astronaut.png", face_photo(GROUP), *map(face_photo, PORTRAITS)]
    save(photos[0], sample_photo().pixels)
    studio_app.make_application()
    window = QtStudioWindow()
    qtbot.addWidget(window)
    window.resize(1100, 760)  # a laptop's window: repaints stay cheap
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.wait(300)  # the window active: its shortcuts answer
    soak = Afternoon(qtbot, window, photos, tmp_path)
    answers["soak"] = soak
    soak.colour_answer, soak.save_answer = QColor("#d0d4da"), str(tmp_path / "s.likeness.json")
    started, cpu = time.monotonic(), time.process_time()
    soak.run()
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    # on to the first photo again: the final memory is measured where the warm-up one was
    while soak.opened % len(photos):
        soak.open_next()
    soak.open_next()
    final = soak.memory[-1][1]
    figures = {
        "events": soak.user.events, "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1), "seed": SEED,
        "photos_opened": soak.opened, "saves": soak.saves, "autosaves": soak.autosaves,
        "undo_steps_at_end": window.undo_stack.count(),
        "warm_rss_mb": round(soak.warm, 1), "final_rss_mb": round(final, 1),
        "growth_percent": round(100 * (final / soak.warm - 1), 1),
        "rss_after_each_open_mb": [round(mb, 1) for _, mb in soak.memory],
        "warnings": answers.get("warnings", []),
    }
    print(json.dumps(figures))
    if os.environ.get("LIKENESS_SOAK_REPORT"):
        Path(os.environ["LIKENESS_SOAK_REPORT"]).write_text(json.dumps(figures))
    window.document.set_dirty(False)
    window.close()
    assert soak.user.events >= EVENTS
    assert not figures["warnings"], figures["warnings"]

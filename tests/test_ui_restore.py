"""A crash restores everything: every field a session holds survives the autosave and a
restore (and a save and reopen), and the window shows what it showed before the kill; the
autosave is written while changes keep coming (pytest-qt, offscreen)."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("pytestqt")

from studio.edits.sliders import default_sliders  # noqa: E402
from studio.session import Session, load_session  # noqa: E402
from studio.ui.qt_autosave import Autosaver, autosave_path  # noqa: E402


def test_a_stream_of_changes_is_autosaved_within_the_limit(qtbot):
    """A long slider drag: changes every 20 ms for 1.5 s, never the quiet time apart. The
    limit (250 ms) is counted from the first change not yet written, not restarted by each
    change, so the autosave is written during the drag, not only after it."""
    quiet_ms, longest_ms = 1000, 250
    written: list[float] = []
    value = {"smooth": 0.0}

    def session_of():
        written.append(time.monotonic())
        return Session(sliders={**default_sliders(), "smooth": value["smooth"]})

    autosaver = Autosaver(session_of, quiet_ms=quiet_ms, longest_ms=longest_ms)
    start = time.monotonic()
    while time.monotonic() - start < 1.5:
        value["smooth"] = round(value["smooth"] + 0.001, 3)
        autosaver.changed()
        qtbot.wait(20)
    during = list(written)
    assert len(during) >= 2, "the autosave waited for the drag to end"
    assert during[0] - start < quiet_ms / 1000  # by the limit, not by a pause
    qtbot.waitUntil(lambda: autosave_path().is_file(), timeout=5000)
    assert 0 < load_session(autosave_path()).sliders["smooth"] <= value["smooth"]
    autosaver.discard()

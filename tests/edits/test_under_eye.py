"""The under-eye slider in sessions and on the command line (issue 29): an older session has it
at 0; a session made with it stores its value and the edit's version and loads back."""

from __future__ import annotations

import json
from pathlib import Path

from studio.edits.versions import current_versions
from studio.session import Session, load_session, save_session

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"


def test_a_session_from_before_the_slider_has_it_off():
    assert load_session(SESSIONS / "v2_full.json").sliders["under_eye"] == 0.0


def test_a_session_keeps_the_under_eye_value_and_version(tmp_path):
    session = Session().with_sliders({"under_eye": 0.6, "smooth": 0.3})
    path = save_session(session, tmp_path / "s.likeness.json")
    stored = json.loads(path.read_text())
    assert stored["sliders"]["under_eye"] == 0.6
    assert stored["edits"]["under_eye"] == current_versions()["under_eye"] == 1
    assert load_session(path).sliders["under_eye"] == 0.6

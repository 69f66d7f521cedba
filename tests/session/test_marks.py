"""Marks in session files: stored in the photo's pixels, round trip, errors, migration."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from studio.edits.marks import Mark
from studio.errors import SessionError
from studio.session import Session, Source, load_session, save_session

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"
MARKS = (
    Mark("heal", ((412.5, 388.0),), 6.5, (-17.25, 8.0)),
    Mark("keep", ((455.25, 402.75),), 5),
    Mark("person", ((300, 120), (318.5, 131.0), (340.0, 150.25)), 24.0),
    Mark("background", ((80.0, 90.0), (82.0, 140.0)), 18.0),
)


def test_the_marks_sample_loads_with_its_marks():
    session = load_session(SESSIONS / "v5_marks.json")
    assert session.marks == MARKS


def test_sessions_before_marks_load_without_marks():
    assert load_session(SESSIONS / "v3_full.json").marks == ()


def test_a_session_with_marks_round_trips_bit_identical(tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"photo bytes")
    session = Session(source=Source.of(photo), marks=MARKS)
    first = save_session(session, tmp_path / "a.likeness.json")
    loaded = load_session(first)
    assert loaded.marks == MARKS
    second = save_session(loaded, tmp_path / "b.likeness.json")
    assert first.read_bytes() == second.read_bytes()
    # Points stay one [x, y] per line: the file is readable.
    assert "[318.5, 131.0]" in first.read_text()


def test_a_malformed_mark_is_a_one_line_session_error_naming_it(tmp_path):
    data = json.loads((SESSIONS / "v5_marks.json").read_text())
    data["marks"][2]["points"][1] = [318.5, "x"]
    path = tmp_path / "bad.likeness.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError) as error:
        load_session(path)
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(path))
    assert "'marks[2].points[1]'" in message


def test_marks_in_a_version_3_file_are_refused_by_name(tmp_path):
    data = json.loads((SESSIONS / "v3_full.json").read_text())
    data["marks"] = []
    path = tmp_path / "old.likeness.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match="'marks' \\(version 3\\)"):
        load_session(path)


def test_marks_belong_to_their_photo_only(tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"photo bytes")
    session = Session(source=Source.of(photo), marks=MARKS)
    assert session.marks_for(session.source.sha256) == MARKS
    assert session.marks_for("0" * 64) == ()
    # A look (no photo) never stores marks.
    look = replace(session, source=None, name="Mine")
    saved = save_session(look, tmp_path / "look.json")
    assert "marks" not in json.loads(saved.read_text())

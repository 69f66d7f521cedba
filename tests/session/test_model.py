"""The session file's boundary (``studio.session.model``): every sample loads to what it always
did, and each family of problem in a file or dict is one line naming the key, in our words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.errors import SessionError
from studio.session import load_session, parse_session_text, session_from_dict
from studio.session.files import session_text
from studio.session.model import StoredSession

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"
SAMPLES = sorted(SESSIONS.glob("v*.json")) + sorted((SESSIONS / "edits").glob("*.json"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.relative_to(SESSIONS).as_posix())
def test_every_sample_loads_and_saves_as_it_did_before_the_typed_structs(sample):
    # tests/data/sessions/saved holds what schema.py (the hand-written parser) saved for each
    # sample: every value it read, at the file's precision, byte for byte.
    name = sample.relative_to(SESSIONS).as_posix().replace("/", "_")
    expected = (SESSIONS / "saved" / name).read_text()
    assert session_text(load_session(sample), base=sample.parent) == expected


def _v9() -> dict:
    return json.loads((SESSIONS / "v9_budget_to_me.json").read_text())


def _refused(**changes) -> str:
    """The one-line message for the v9 sample with ``changes`` (given as a dict)."""
    with pytest.raises(SessionError) as info:
        session_from_dict({**_v9(), **changes})
    message = str(info.value)
    assert "\n" not in message and "Expected" not in message and "$." not in message
    return message


@pytest.mark.parametrize(
    "changes, message",
    [
        # a value of the wrong type
        ({"export": {"quality": "high"}}, "'export.quality' must be a whole number 1..100, not 'high'"),
        ({"angle": True}, "'angle' must be a number, not True"),
        # a number outside its range (NaN too, which only a dict can hold)
        ({"crop": {"left": 0.5, "top": 0, "width": 0.5, "height": 1.5}},
         "'crop.height' is 1.5, outside 0..1"),
        ({"amount": float("nan")}, "'amount' is nan, outside 0..1.5"),
        # a choice that is not one of its names
        ({"export": {"preset": "instagram"}}, "'export.preset' must be one of linkedin, "),
        # a key the format does not have, at any depth
        ({"source": {"path": "a.jpg", "sha256": "a" * 64, "size": 3}}, "unknown key 'source.size'"),
        # a key the format needs
        ({"crop": {"left": 0.1, "top": 0.1, "width": 0.5}}, "'crop.height' is missing"),
        # an item of a list, named by its place
        ({"marks": [{"kind": "keep", "radius": 2, "points": [[1, 2]]}] * 2
          + [{"kind": "keep", "radius": 2, "points": [[1, 2], [3]]}]},
         "'marks[2].points[1]' must be an [x, y] pair of pixels, not [3]"),
        ({"analysis": {"image": {"width": 640, "height": 480}, "faces": [{"box": [1, 2, 3]}]}},
         "'analysis.faces[0].box' must be 4 pixel positions"),
        # a rule across keys (a struct's own check)
        ({"crop": {"left": 0.5, "top": 0, "width": 0.6, "height": 1}}, "'crop' reaches outside the photo"),
        ({"marks": [{"kind": "keep", "radius": 2, "points": [[1, 2]], "source": [1, 2]}]},
         "'marks[0].source' must be a heal mark's [dx, dy] offset in pixels"),
        # a part whose keys are named after it
        ({"references": [{"path": "me.jpg", "sha256": "A" * 64, "descriptor": [0.0] * 128}]},
         "'references[0]': sha256 must be 64 hex digits"),
        # a length outside its limits
        ({"snapshots": [{"name": "x", "sliders": {}}] * 101},
         "'snapshots' must be a list of at most 100 named slider sets"),
        ({"marks": [{"kind": "keep", "radius": 2, "points": [[1, 2]]}] * 2001},
         "'marks' holds 2001 marks, more than 2000"),
    ],
)
def test_each_family_of_problem_is_one_line_naming_the_key(changes, message):
    assert message in _refused(**changes)


def test_a_radius_is_refused_with_its_limit_and_written_back_as_it_was_read():
    mark = {"kind": "heal", "radius": 0.49, "points": [[1, 2]]}
    assert "'marks[0].radius' is 0.49 pixels; at least 0.5" in _refused(marks=[mark])
    mark = {"kind": "heal", "radius": 200_000, "points": [[1, 2]]}
    assert "'marks[0].radius' is 200000 pixels; at most 100000" in _refused(marks=[mark])
    session = session_from_dict({**_v9(), "marks": [{**mark, "radius": 6}]})
    assert type(session.marks[0].radius) is int and session.marks[0].points == ((1, 2),)


def test_a_file_of_too_many_points_in_all_is_refused():
    marks = [{"kind": "keep", "radius": 5, "points": [[1, 2]] * 5000}] * 11
    assert "'marks' hold 55000 points in all; at most 50000" in _refused(marks=marks)


def test_a_key_with_a_line_break_stays_on_one_line_from_a_file():
    text = json.dumps({**_v9(), "source": {"path": "a", "sha256": "a" * 64, "x\ny": 1}})
    with pytest.raises(SessionError, match="unknown key 'source.x") as info:
        parse_session_text(text, name="bad")
    assert "\n" not in str(info.value)


def test_the_file_format_is_checked_where_it_comes_in_and_trusted_after():
    # A dict that passes the boundary gives typed values: no string where a number belongs.
    session = session_from_dict({**_v9(), "budget": 90, "face": 0, "faces": [2, 0, 2]})
    assert session.budget == 90.0 and type(session.budget) is float
    assert session.faces == (2, 0)
    # Every key the file may hold is a field of the struct, and nothing else is.
    saved = json.loads(session_text(session))
    assert set(saved) <= set(StoredSession.__struct_fields__)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"look": "linkedin\n"}, "'look' must be one line of at most 100 characters"),
        ({"description": "soft\n"}, "'description' must be one line of at most 500 characters"),
        ({"snapshots": [{"name": "x\n", "sliders": {}}]}, "'snapshots[0].name' must be one line"),
        ({"source": {"path": "me.jpg", "sha256": "a" * 64 + "\n"}},
         "'source.sha256' must be 64 lower-case hex digits"),
    ],
)
def test_a_line_break_at_the_end_of_a_name_or_hash_is_refused(changes, message):
    # A regular expression's $ matches before a final line break; the patterns end in \Z.
    assert message in _refused(**changes)

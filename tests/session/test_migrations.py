"""Each step of ``studio.session.migrations`` on its own: the sample of version N, taken one
version up, is a valid version N+1 file and reads as the whole chain reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.session import CURRENT_VERSION, session_from_dict, session_to_dict
from studio.session.migrations import _MIGRATIONS

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"
OLD = [p for p in sorted(SESSIONS.glob("v*.json")) if json.loads(p.read_text())["version"] < 9]


def test_there_is_one_step_for_every_old_version():
    assert sorted(_MIGRATIONS) == list(range(1, CURRENT_VERSION))


@pytest.mark.parametrize("sample", OLD, ids=lambda p: p.name)
def test_each_step_takes_its_sample_one_version_up(sample):
    data = json.loads(sample.read_text())
    version = data["version"]
    stepped = _MIGRATIONS[version](dict(data))
    assert stepped["version"] == version + 1 and data["version"] == version  # input untouched
    whole = session_to_dict(session_from_dict(data, SESSIONS), SESSIONS)
    assert session_to_dict(session_from_dict(stepped, SESSIONS), SESSIONS) == whole

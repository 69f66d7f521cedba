"""The soak: an afternoon's random session in the studio must not abort nor grow (issue 26).

tests/helpers/soak_session.py is a seeded random session of at least 20,000 real input events in the
real window (pytest-qt): photos opened in turn (the sample, the group selfie, three portraits),
hover, click and Ctrl+click faces, every slider dragged and typed, looks and amounts, crop,
compare, marks, undo and redo, snapshots, overlays, zoom, save and the autosave. It runs here
in its own process: an abort (the PySide6 6.12.0 none_dealloc of issue 26, or any other) fails
this test instead of ending the run, and the memory measured is the session's alone.

Memory: the resident size right after the first photo is opened again (each photo opened once:
models, caches and the render cache are warm) against the same moment at the end. It must grow
less than 30%. The figures are printed (run with -s) and kept in docs/notes/soak.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from tests.helpers.photos import face_photo
from tests.helpers.soak_session import GROUP, PORTRAITS

REPO = Path(__file__).resolve().parents[2]
EVENTS = 20_000
MAX_GROWTH = 30.0  # percent, after the warm-up


def test_an_afternoon_of_random_work_neither_aborts_nor_grows(tmp_path):
    for name in (GROUP, *PORTRAITS):
        face_photo(name)  # skipped with the photos' one line when they are absent (CI: fails)
    report = tmp_path / "soak.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LIKENESS_SOAK_EVENTS=str(EVENTS),
               LIKENESS_SOAK_REPORT=str(report))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
         str(REPO / "tests" / "helpers" / "soak_session.py")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=3600,
    )
    said = (run.stdout + run.stderr).splitlines()  # the offscreen plugin's notices left out
    output = "\n".join(line for line in said if "This plugin does not support" not in line)[-6000:]
    assert run.returncode == 0, f"the soak session exited {run.returncode}:\n{output}"
    figures = json.loads(report.read_text())
    print(json.dumps(figures, indent=1))
    assert figures["events"] >= EVENTS
    assert figures["growth_percent"] < MAX_GROWTH, figures

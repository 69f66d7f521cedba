"""The studio's drawing never loses a reference to None (issue 26: the studio aborted).

PySide6-Essentials 6.12.0 drops a reference to None on every call of a binding method that
returns nothing (QPainterPath.addEllipse, QPainter.drawLine, QGraphicsItem.setPen, ...). On
Python 3.11 None's count then reaches zero after a few thousand calls and the interpreter aborts
("Fatal Python error: none_dealloc") - in the group photo, at ``path.addEllipse`` of the
landmarks. pyproject excludes it; this test notices any PySide6 that does it again.

tests/helpers/qt_drawing.py drives every drawing path of the real window (face outlines and hover,
landmarks, mask overlays, split line and labels, crop frame, handles and circle, marks,
compare panes, likeness meter and LinkedIn circle, the whole window) 100 rounds each, tens of
thousands of binding calls in all, in a subprocess (an abort fails this test, not the run).
Measured: 6.11.3 loses 0 on every path; 6.12.0 loses 2,000-86,000 per path.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

SCRIPT = Path(__file__).resolve().parents[1] / "helpers" / "qt_drawing.py"


def test_every_drawing_path_keeps_none_referenced_and_the_process_exits_0(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for kind in ("config", "data", "cache"):
        (tmp_path / kind).mkdir()
        env[f"LIKENESS_{kind.upper()}_DIR"] = str(tmp_path / kind)
    run = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                         text=True, timeout=600)
    report = run.stdout + run.stderr[-3000:]
    deltas = {m[1]: int(m[2]) for m in re.finditer(r"^path (.+): delta=(-?\d+)", run.stdout, re.M)}
    print(report)
    lost = {name: -delta for name, delta in deltas.items() if delta < 0}
    assert run.returncode == 0, (
        f"the drawing process exited {run.returncode}; references to None lost per path "
        f"(the studio aborts when None's count reaches 0): {lost}\n{report}"
    )
    assert len(deltas) == 9, f"not every drawing path ran:\n{report}"


def test_the_project_and_its_bundle_exclude_the_pyside6_that_aborts():
    import tomllib

    from packaging.requirements import Requirement

    repo = Path(__file__).resolve().parents[2]
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    (pyside,) = [Requirement(r) for r in project["dependencies"] if r.startswith("PySide6")]
    assert "6.12.0" not in pyside.specifier and "6.11.3" in pyside.specifier
    # the bundle installs the project with its dependencies (that range) and pins no other
    build = (repo / "packaging" / "build.sh").read_text()
    assert re.search(r'pip install --quiet "\$repo"', build)
    for path in (repo / "packaging").iterdir():
        text = path.read_text(errors="replace") if path.is_file() else ""
        assert not re.search(r"pyside6[\w-]*\s*[=<>~!]=?\s*\d", text, re.I), path.name

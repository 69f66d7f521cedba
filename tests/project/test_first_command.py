"""A newcomer's first command works: plain ``pytest`` from the project's root (the venv's own
script, not ``python -m pytest``, which adds the current folder to ``sys.path`` itself)
collects every test module, those importing ``tests.conftest`` included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_plain_pytest_collects_every_test_module_from_the_root():
    script = Path(sys.executable).parent / "pytest"
    if not script.is_file():
        pytest.skip(f"no pytest script beside {sys.executable}")
    # As a newcomer's shell has it: no PYTHONPATH pointing at the project.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(script), "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    shown = f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    assert done.returncode == 0, shown
    assert "error" not in done.stdout.splitlines()[-1].lower(), shown
    assert "tests/imaging/test_framing.py::" in done.stdout, shown

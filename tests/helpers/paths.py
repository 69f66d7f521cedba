"""Where the project and the tests' stored data live."""

from __future__ import annotations

from pathlib import Path

#: The project's root (the folder holding ``studio/`` and ``tests/``).
REPO = Path(__file__).resolve().parents[2]
#: The tests' stored data: golden renders, sample sessions, hand-drawn matte labels.
DATA = REPO / "tests" / "data"

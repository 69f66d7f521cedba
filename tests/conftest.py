"""Shared test fixtures: the real test photos beside the project, isolated user folders."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
#: The shared test photos (never copied into the project: their rights are not ours).
FACES_DIR = REPO.parent / "shared" / "testdata" / "faces"


def face_photo(name: str) -> Path:
    """Path of one shared test photo; fails loudly when the shared folder is missing."""
    path = FACES_DIR / name
    if not path.is_file():
        pytest.fail(f"missing shared test photo {path}: the suite needs ../shared/testdata/faces")
    return path


def manifest() -> list[dict]:
    """Rows of MANIFEST.csv describing each photo (and same-person pairs)."""
    with open(FACES_DIR / "MANIFEST.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def pytest_addoption(parser):
    parser.addoption(
        "--regenerate-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.png from current renders (review them by eye)",
    )


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep config, data and cache folders out of the real home folder."""
    base = tmp_path_factory.getbasetemp() / "user"
    for kind in ("config", "data", "cache"):
        folder = base / kind
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(f"LIKENESS_{kind.upper()}_DIR", str(folder))

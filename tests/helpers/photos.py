"""The shared test photos beside the project (never copied into it: their rights are not ours).

A clone without them still runs: the tests that need them are skipped, counted in one summary
line that says where to put them (tests/conftest.py folds them). With ``CI=true`` they are
required: those tests fail instead.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

#: The shared test photos (never copied into the project: their rights are not ours).
FACES_DIR = REPO.parent / "shared" / "testdata" / "faces"
#: The reason every photo test gives when the photos are missing (the summary counts it).
MISSING_PHOTOS = (
    f"the shared test photos are not in {FACES_DIR}: put the photo set there "
    "(MANIFEST.csv and its photos, see README 'Tests'); CI=true makes them required"
)
#: The mark of a test that needs the shared photos (parametrized from MANIFEST.csv).
NEEDS_PHOTOS = "needs_photos"


def photos_required() -> bool:
    """True on CI (``CI=true``): a missing photo set is a failure there, never a silent skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def photos_present() -> bool:
    return (FACES_DIR / "MANIFEST.csv").is_file()


def require_photos() -> None:
    """Skip the current test (fail it on CI) when the shared photo set is missing."""
    if not photos_present():
        no_photos()


def no_photos() -> None:
    """Skip the current test (or fail it on CI) because the shared photos are missing."""
    if photos_required():
        pytest.fail(f"CI=true requires the shared test photos: {FACES_DIR} has none", pytrace=False)
    pytest.skip(MISSING_PHOTOS)


def face_photo(name: str) -> Path:
    """Path of one shared test photo; skips the test (fails on CI) when the set is missing."""
    path = FACES_DIR / name
    if not path.is_file():
        if not photos_present():
            no_photos()
        pytest.fail(f"missing shared test photo {path} (the rest of the set is there)")
    return path


def manifest() -> list[dict]:
    """Rows of MANIFEST.csv describing each photo (and same-person pairs); [] without the set.

    Called at import time to parametrize tests: an empty list gives pytest's empty parameter
    set, which :func:`pytest_collection_modifyitems` turns into the photo skip (or CI failure).
    """
    if not photos_present():
        return []
    with open(FACES_DIR / "MANIFEST.csv", newline="") as handle:
        return list(csv.DictReader(handle))

"""Shared test fixtures: the real test photos beside the project, isolated user folders.

The photos live outside the repository (their rights are not ours). A clone without them
still runs: the tests that need them are skipped, counted in one summary line that says
where to put them. With ``CI=true`` they are required: those tests fail instead.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
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
        _no_photos()


def _no_photos() -> None:
    """Skip the current test (or fail it on CI) because the shared photos are missing."""
    if photos_required():
        pytest.fail(f"CI=true requires the shared test photos: {FACES_DIR} has none", pytrace=False)
    pytest.skip(MISSING_PHOTOS)


#: Where the folded summary line points (pytest prints it one-based).
_NO_PHOTOS_LINE = _no_photos.__code__.co_firstlineno - 1


def face_photo(name: str) -> Path:
    """Path of one shared test photo; skips the test (fails on CI) when the set is missing."""
    path = FACES_DIR / name
    if not path.is_file():
        if not photos_present():
            _no_photos()
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


#: Test modules left out of the quick tier (``make check``: ``-m "not slow"``): sweeps over many
#: real photos, long subprocesses (the soak, a fresh install), full-resolution renders. A single
#: test elsewhere is marked ``@pytest.mark.slow`` itself. ``make test`` runs everything.
SLOW_MODULES = frozenset({
    "test_soak.py", "test_qt_refcount.py", "test_golden_full.py",  # long runs
    "test_face.py", "test_skin_tone.py", "test_looks_quality.py", "test_look_purposes.py",
    "test_quality.py", "test_landmark_shift.py", "test_matte.py", "test_suggest_marks.py",
    "test_small_faces.py", "test_shine_colour.py", "test_face_stage_scale.py", "test_framing.py",
    "test_mesh.py", "test_matte_promises.py", "test_likeness_scale.py", "test_marks_photos.py",
    "test_brow_ends.py",  # sweeps over real photos
    "test_hostile_inputs.py", "test_determinism.py", "test_batch.py", "test_bench.py",  # a process
    # per case: 58% of make check's time (docs/notes/test-speed.md)
})
#: Run first, in this order (``make test`` hands out a file at a time to its workers): the
#: longest files start while the short ones fill the other worker's time, so no worker is left
#: with a long file at the end.
LONGEST_FIRST: tuple[str, ...] = (
    "test_soak.py", "test_qt_refcount.py", "test_face.py", "test_skin_tone.py",
    "test_looks_quality.py", "test_look_purposes.py", "test_quality.py", "test_landmark_shift.py",
    "test_matte.py", "test_suggest_marks.py", "test_ui.py", "test_batch_runner.py",
    "test_hostile_inputs.py", "test_golden_full.py", "test_small_faces.py",
)


def _slow_and_longest_first(items) -> None:
    """Mark the SLOW_MODULES' tests ``slow`` and put the LONGEST_FIRST modules' tests first
    (a stable sort: every module keeps its own order)."""
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{NEEDS_PHOTOS}: the test needs the shared photos in {FACES_DIR}"
    )


def pytest_collection_modifyitems(config, items):
    """Without the photos, tests parametrized from MANIFEST.csv got an empty parameter set:
    give them the photo reason (one summary line) instead of pytest's generic skip."""
    _slow_and_longest_first(items)
    if photos_present():
        return
    for item in items:
        empty = [
            mark
            for mark in item.own_markers
            if mark.name == "skip"
            and str(mark.kwargs.get("reason", "")).startswith("got empty parameter set")
        ]
        if empty:
            item.own_markers[:] = [m for m in item.own_markers if m not in empty]
            item.add_marker(NEEDS_PHOTOS)


def pytest_runtest_setup(item):
    if item.get_closest_marker(NEEDS_PHOTOS) is not None and not photos_present():
        _no_photos()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Every photo skip points at this file, so pytest's summary folds them into one line:
    ``SKIPPED [N] tests/conftest.py: the shared test photos are not in ...``."""
    outcome = yield
    report = outcome.get_result()
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and MISSING_PHOTOS in str(longrepr[2]):
        report.longrepr = (__file__, _NO_PHOTOS_LINE, longrepr[2])


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

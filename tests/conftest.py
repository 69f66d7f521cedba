"""Shared test fixtures and hooks: the shared photos' one-line skip, the quick tier's marks,
the longest files first, isolated user folders.

Plain helpers (the photos, stored data, synthetic pictures) live in ``tests/helpers``; a
package's own fixtures in its ``conftest.py`` (tests/README.md tells where each test lives).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers.photos import (
    FACES_DIR,
    MISSING_PHOTOS,
    NEEDS_PHOTOS,
    no_photos,
    photos_present,
)
from tests.helpers.tiers import LONGEST_FIRST, SLOW_MODULES, SLOW_TESTS

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TESTS = Path(__file__).resolve().parent

def _under_tests(item) -> str:
    """The item's file relative to tests/ (``face/test_face.py``), as the lists above name it."""
    path = Path(item.path)
    return path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else path.name


def _slow_and_longest_first(items) -> None:
    """Mark the SLOW_MODULES' and SLOW_TESTS' tests ``slow`` and put the LONGEST_FIRST modules' tests first
    (a stable sort: every module keeps its own order)."""
    for item in items:
        where = _under_tests(item)
        if where in SLOW_MODULES or f"{where}::{item.originalname}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_under_tests(item), len(rank)))


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
        no_photos()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Every photo skip points at this file, so pytest's summary folds them into one line:
    ``SKIPPED [N] tests/conftest.py: the shared test photos are not in ...``."""
    outcome = yield
    report = outcome.get_result()
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and MISSING_PHOTOS in str(longrepr[2]):
        report.longrepr = (__file__, _FOLDED_LINE, longrepr[2])


#: Where the folded summary line points (this hook; pytest prints it one-based).
_FOLDED_LINE = pytest_runtest_makereport.__code__.co_firstlineno - 1


def pytest_addoption(parser):
    parser.addoption(
        "--regenerate-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/data/golden/*.png from current renders (review them by eye)",
    )


@pytest.fixture(autouse=True)
def _models_as_installed():
    """Each test starts with the learned models as installed. A test that points
    LIKENESS_MODELS_DIR at an empty folder (undone by its monkeypatch) may leave a network read
    as missing in this worker (a window's worker thread reading it after the test's forget()):
    a later test would then render the background with the classical matte."""
    yield
    models = sys.modules.get("studio.face.models")
    if models is None:  # never imported in this worker: nothing read
        return
    from studio.paths import learned_model_dir

    folder = learned_model_dir()
    if any(net is None and (folder / name).is_file() for name, net in models._nets.items()):
        models.forget()


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep config, data and cache folders out of the real home folder."""
    base = tmp_path_factory.getbasetemp() / "user"
    for kind in ("config", "data", "cache"):
        folder = base / kind
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(f"LIKENESS_{kind.upper()}_DIR", str(folder))

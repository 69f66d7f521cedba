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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TESTS = Path(__file__).resolve().parent

#: Test files left out of the quick tier (``make check``: ``-m "not slow"``), relative to tests/:
#: sweeps over many real photos, long subprocesses (the soak, a fresh install), full-resolution
#: renders. A single test elsewhere is marked ``@pytest.mark.slow`` itself. ``make test`` runs
#: everything.
SLOW_MODULES = frozenset({
    "promises/test_soak.py", "ui/test_qt_refcount.py", "promises/test_golden_full.py",  # long runs
    "face/test_face.py", "edits/test_smooth.py", "promises/test_looks_quality.py",
    "promises/test_look_purposes.py", "promises/test_quality.py", "promises/test_landmark_shift.py",
    "face/test_matte.py", "edits/test_suggest.py", "promises/test_small_faces.py",
    "edits/test_shine.py", "render/test_stage_scale.py", "imaging/test_framing.py",
    "face/test_mesh.py", "promises/test_matte.py", "face/test_likeness.py",
    "edits/test_marks_photos.py", "face/test_regions.py",  # sweeps over real photos
    "promises/test_hostile_inputs.py", "promises/test_determinism.py", "batch/test_batch.py",
    "cli/test_bench.py",  # a process per case: 58% of make check's time (docs/notes/test-speed.md)
    # the next 17: 1,070 of the quick tier's 2,080 s (worker time, 7 Dec, load ~9; tests/README.md)
    "render/test_plan.py", "render/test_amount.py", "render/test_everyone.py",  # real-photo sweeps
    "promises/test_one_likeness.py", "imaging/test_sharpen.py", "imaging/test_threads.py",
    "session/test_reference_budget.py", "cli/test_check.py",
    "ui/test_qt_people.py", "ui/test_qt_shoot.py", "ui/test_qt_amount.py", "ui/test_qt_me.py",
    "ui/test_restore.py",  # real photos in the window, shoot exports, a studio killed
    "face/test_models.py", "batch/test_consistent.py", "batch/test_resume.py",  # a process per case
    "project/test_first_command.py",  # collects the whole suite in a process
})
#: Single tests left out of the quick tier as well (file under tests/ :: test function): the
#: longest left in it (7-18 s each, 125 of its 644 s of worker time, 7 Dec), kept out of the
#: test files so the rule lives in one place.
SLOW_TESTS = frozenset({
    "cli/test_retouch.py::test_faces_all_retouches_everyone_and_min_likeness_checks_each",
    "render/test_fast_paths.py::test_moves_on_a_big_photo_give_the_same_bits_as_a_one_off_render",
    "render/test_fast_paths.py::test_slider_moves_give_the_same_bits_as_a_fresh_render",
    "ui/test_walkthrough.py::test_the_first_hand_edit_after_a_look_moves_no_slider",
    "ui/test_recovery.py::test_reopening_a_photo_restores_its_saved_session_and_a_new_photo_starts_neutral",
    "ui/test_recovery.py::test_autosave_keeps_the_last_edit_and_it_comes_back_after_a_crash",
    "ui/test_recovery.py::test_the_last_edit_survives_kill_9_of_the_studio",
    "ui/test_qt_marks.py::test_suggested_marks_on_a_painted_spot_and_mole",
    "ui/test_qt_marks.py::test_the_export_carries_the_marks",
    "ui/test_window.py::test_ctrl_click_retouches_a_chosen_set_of_faces_in_preview_session_and_export",
    "ui/test_window.py::test_several_faces_can_be_picked_and_undone",
    "imaging/test_raw.py::test_a_batch_of_a_shoot_with_a_cut_raw_file_writes_the_rest",
    "edits/test_background.py::test_neutral_sliders_return_the_input_bits",
    "promises/test_sessions.py::test_a_session_of_a_on_photo_b_renders_as_b_with_its_own_face",
})
#: Run first, in this order (``make test`` hands out a file at a time to its workers): the
#: longest files start while the short ones fill the other worker's time, so no worker is left
#: with a long file at the end.
LONGEST_FIRST: tuple[str, ...] = (
    "promises/test_soak.py", "ui/test_qt_refcount.py", "face/test_face.py", "edits/test_smooth.py",
    "promises/test_looks_quality.py", "promises/test_look_purposes.py", "promises/test_quality.py",
    "promises/test_landmark_shift.py", "face/test_matte.py", "edits/test_suggest.py",
    "ui/test_window.py", "batch/test_runner.py", "promises/test_hostile_inputs.py",
    "promises/test_golden_full.py", "promises/test_small_faces.py",
)


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

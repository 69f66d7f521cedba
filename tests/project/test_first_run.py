"""The first ten minutes anywhere: no display or missing X11 libraries give one line naming the
packages; the packaging scripts are committed runnable; the suite runs without the photos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studio.ui.platform_check import display_problem, missing_libraries, packages_for

REPO = Path(__file__).resolve().parents[2]
PLUGIN = Path("/fake/libqxcb.so")
LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-randr.so.0 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
\tlibxcb-cursor.so.0 => not found
"""


def test_missing_x11_libraries_are_named_with_debian_and_fedora_packages():
    line = display_problem({"DISPLAY": ":0"}, PLUGIN, ldd=lambda _path: LDD_MISSING)
    assert line is not None and "\n" not in line
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-randr.so.0" in line
    assert "apt install libxcb-cursor0 libxcb-icccm4 libxcb-randr0" in line
    assert "dnf install xcb-util-cursor xcb-util-wm libxcb" in line


def test_a_complete_system_says_nothing():
    assert display_problem({"DISPLAY": ":0"}, PLUGIN, ldd=lambda _path: "") is None


def test_offscreen_and_wayland_skip_the_x11_check():
    def fail(_path):
        raise AssertionError("ldd must not run")

    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, PLUGIN, ldd=fail) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, PLUGIN, fail) is None


def test_no_display_says_so_in_one_line():
    line = display_problem({}, PLUGIN, ldd=lambda _path: LDD_MISSING)
    assert line is not None and line.startswith("no display") and "\n" not in line


def test_ldd_output_is_parsed_once_per_library():
    assert missing_libraries(LDD_MISSING) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-randr.so.0",
    ]
    assert packages_for("libxcb-xkb.so.1") == ("libxcb-xkb1", "libxcb")


def test_the_studio_command_prints_one_line_without_a_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "studio"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no display" in done.stderr


#: A studio that opens the sample, says how many objects the garbage collector no longer
#: walks and how long a full collection takes the window's thread, and closes.
STUDIO_SETTLED = """
import gc, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from studio.ui import app

def settled():
    cpu = time.thread_time()
    gc.collect()
    print("frozen", gc.get_freeze_count(), "collect_ms", (time.thread_time() - cpu) * 1000)
    for window in QApplication.topLevelWidgets():
        window.close()

app.make_application()  # run_studio uses it; the timer needs it
QTimer.singleShot(2000, settled)
sys.exit(app.run_studio(None))
"""


def test_the_garbage_collector_leaves_the_studios_start_up_alone(tmp_path):
    """What start-up made (modules, widgets) is frozen out of the collector: a full collection
    walked ~60,000 objects with Python's lock held, 40 ms of a frozen window at each."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    for kind in ("config", "data", "cache"):
        env[f"LIKENESS_{kind.upper()}_DIR"] = str(tmp_path / kind)
    done = subprocess.run([sys.executable, "-c", STUDIO_SETTLED], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    said = done.stdout.split()
    frozen = int(said[said.index("frozen") + 1])
    assert frozen > 20_000


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_packaging_scripts_are_committed_runnable():
    listed = subprocess.run(
        ["git", "ls-files", "-s", "packaging"], cwd=REPO, capture_output=True, text=True
    )
    if listed.returncode != 0 or not listed.stdout:
        pytest.skip("not a git checkout")
    modes = {line.split("\t")[1]: line.split()[0] for line in listed.stdout.splitlines()}
    scripts = [name for name in modes if name.endswith(".sh")]
    assert scripts and all(modes[name] == "100755" for name in scripts), modes


PHOTO_TESTS = """
import pytest
from tests.helpers.photos import face_photo, manifest

@pytest.mark.parametrize("row", manifest())
def test_each_row(row):
    assert row

def test_one_photo():
    assert face_photo("deepface_img1.jpg").is_file()

def test_without_photos():
    assert True
"""


def _run_clone_suite(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    """The project's conftest and helpers in a clone with no ../shared beside it, and three tests."""
    tests = tmp_path / "clone" / "tests"
    tests.mkdir(parents=True, exist_ok=True)
    for name in ("__init__.py", "conftest.py"):
        shutil.copy(REPO / "tests" / name, tests / name)
    shutil.copytree(REPO / "tests" / "helpers", tests / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tests / "test_photos.py").write_text(PHOTO_TESTS)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider", "tests"],
        cwd=tests.parent, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_clone_without_the_photos_skips_their_tests_in_one_line(tmp_path):
    done = _run_clone_suite(tmp_path, ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1 and skipped[0].startswith("SKIPPED [2] tests/conftest.py")
    assert "shared test photos are not in" in skipped[0]
    assert "1 passed, 2 skipped" in done.stdout


def test_on_ci_a_clone_without_the_photos_fails(tmp_path):
    done = _run_clone_suite(tmp_path, ci=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed, 1 error" in done.stdout and "CI=true requires" in done.stdout

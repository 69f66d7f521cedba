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

REPO = Path(__file__).resolve().parents[1]
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

"""What a batch (and ``retouch``) must never do, and must check before any work: write
through its done list into a photo, take a report or a sheet it cannot write only after the
whole job, import a ``studio`` folder from where it runs, keep home paths in what it leaves
in the output folder, or skip a photo whose content changed.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.batch import DONE_LIST, OK, SKIPPED, LocalEngine, run_batch
from studio.cli import main
from studio.errors import PhotoError
from tests.batch.test_resume import jobs_of, stand_in_task
from tests.helpers.photos import REPO, face_photo

SMALL = "deepface_img25.jpg"


def run_cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def no_work(monkeypatch) -> list:
    """Records whether the batch's (or the contact sheet's) work was ever started."""
    started: list = []
    monkeypatch.setattr("studio.batch.run_batch", lambda *a, **k: started.append("batch") or [])
    monkeypatch.setattr(
        "studio.service.contact_sheet.render_versions",
        lambda *a, **k: started.append("sheet") or pytest.fail("the sheet was rendered"),
    )
    return started


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a file system with no room left (a 64 KB tmpfs, filled): needs root."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    ).returncode == 0
    if not mounted:
        pytest.skip("a full disk is simulated with a tmpfs, which needs root")
    try:
        with open(folder / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 4096)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


# ----------------------------------------------------------------------------- done list
@pytest.mark.parametrize("how", ["hard link to the photo", "symlink to the photo",
                                 "hard link to another photo"])
def test_the_done_list_never_writes_through_a_link(tmp_path, no_work, how):
    """``ln d/a.jpg d/out/.likeness-done.jsonl; likeness batch d/a.jpg -o d/out`` appended a
    line to the photo: refused now, before any work, and no photo changes."""
    out = tmp_path / "d" / "out"
    out.mkdir(parents=True)
    photo, other = tmp_path / "d" / "a.jpg", tmp_path / "other.jpg"
    shutil.copy(face_photo(SMALL), photo)
    shutil.copy(face_photo(SMALL), other)
    linked = photo if how.endswith("the photo") else other
    if how.startswith("hard"):
        os.link(linked, out / DONE_LIST)
    else:
        (out / DONE_LIST).symlink_to(linked)
    before = linked.read_bytes()
    code, _, stderr = run_cli("batch", photo, "-o", out)
    assert code == 2, stderr
    assert no_work == []
    assert DONE_LIST in stderr and "refusing" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert linked.read_bytes() == before


# ----------------------------------------------------------------------------- targets first
def test_a_report_over_the_done_list_is_refused_before_any_work(tmp_path, no_work):
    out = tmp_path / "out"
    out.mkdir()
    code, _, stderr = run_cli("batch", face_photo(SMALL), "-o", out,
                              "--report", out / DONE_LIST)
    assert code == 2 and no_work == []
    assert "the report and the done list would be the same file" in stderr


def test_a_report_on_a_full_disk_is_refused_before_any_work(tmp_path, full_disk, no_work):
    code, _, stderr = run_cli("batch", face_photo(SMALL), "-o", tmp_path / "out",
                              "--report", full_disk / "report.csv")
    assert code == 2 and no_work == []
    assert "report.csv" in stderr and "No space left on device" in stderr


def test_a_contact_sheet_into_a_missing_folder_fails_before_rendering(tmp_path, no_work):
    sheet = tmp_path / "missing" / "sheet.jpg"
    code, _, stderr = run_cli("retouch", face_photo(SMALL), "--contact-sheet", sheet)
    assert code == 2 and no_work == []
    assert "does not exist" in stderr and "missing" in stderr


def test_a_session_on_a_full_disk_is_checked_before_the_photo_is_written(tmp_path, full_disk):
    out = tmp_path / "out.jpg"
    code, _, stderr = run_cli("retouch", face_photo(SMALL), "-o", out,
                              "--save-session", full_disk / "p.likeness.json")
    assert code == 2
    assert "p.likeness.json" in stderr and "No space left on device" in stderr
    assert not out.exists()  # nothing written, so nothing unsaid


def test_a_session_that_fails_after_the_photo_says_the_photo_was_written(tmp_path, monkeypatch):
    def disk_full(record, path, plan=None):
        raise PhotoError(f"{path}: cannot write (No space left on device)")

    module = importlib.import_module("studio.service.retouch_file")  # the package's name
    monkeypatch.setattr(module, "save_session", disk_full)  # is taken by the function
    out, session = tmp_path / "out.jpg", tmp_path / "p.likeness.json"
    code, _, stderr = run_cli("retouch", face_photo(SMALL), "-o", out, "--save-session", session)
    assert code == 2
    assert out.is_file()
    assert f"wrote {out}, but the session was not saved" in stderr
    assert "No space left on device" in stderr


# ----------------------------------------------------------------------------- workers
def test_a_folder_named_studio_where_the_batch_runs_is_never_imported(tmp_path):
    """Workers must not import from the current folder: an empty ``studio/`` there made
    every worker die (ImportError: cannot import name '__version__' from 'studio'). The
    batch runs as an installed ``likeness`` does: the package found by the interpreter, not
    through PYTHONPATH (which would hide the bug)."""
    (tmp_path / "studio").mkdir()
    (tmp_path / "p.jpg").symlink_to(face_photo(SMALL))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = (f"import sys; sys.path.append({str(REPO)!r}); from studio.cli import main; "
            "sys.exit(main(['batch', 'p.jpg', '-o', 'out', '--workers', '1']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ImportError" not in done.stderr
    assert (tmp_path / "out" / "p.jpg").is_file()


# ----------------------------------------------------------------------------- privacy
def test_the_report_and_the_done_list_hold_paths_as_given(tmp_path, monkeypatch):
    """Relative inputs stay relative: sharing the output folder (or the report) shares no
    home path."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    (shoot / "a.jpg").symlink_to(face_photo(SMALL))
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run_cli("batch", "shoot", "-o", "out", "--report", "report.csv",
                              "--workers", 1)
    assert code == 0, stdout
    report = (tmp_path / "report.csv").read_text()
    done = (tmp_path / "out" / DONE_LIST).read_text()
    for text in (report, done, stdout):
        assert str(tmp_path) not in text
    row = next(csv.DictReader(io.StringIO(report)))
    assert (row["input"], row["output"], row["status"]) == (
        os.path.join("shoot", "a.jpg"), os.path.join("out", "a.jpg"), OK)
    assert f'"input": "{os.path.join("..", "shoot", "a.jpg")}"' in done


# ----------------------------------------------------------------------------- reruns
def _bmp(path: Path, seed: int) -> None:
    pixels = np.random.default_rng(seed).integers(0, 256, (120, 90, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, "BMP")


def test_an_input_rewritten_with_other_bytes_is_redone_even_at_the_same_time(tmp_path):
    """An edited photo (other bytes, the same size, its modification time set back) is not
    "already done" on a rerun."""
    shoot, out = tmp_path / "shoot", tmp_path / "out"
    shoot.mkdir()
    out.mkdir()
    _bmp(shoot / "p0.bmp", 0)
    _bmp(shoot / "p1.bmp", 1)
    engine = lambda: LocalEngine(1, load_models=False)  # noqa: E731
    first = run_batch(jobs_of(shoot, out), {}, "original", engine=engine(), task=stand_in_task)
    assert [r.status for r in first] == [OK, OK]
    written = (out / "p0.png").read_bytes()
    before = os.stat(shoot / "p0.bmp")
    _bmp(shoot / "p0.bmp", 2)  # edited: other pixels, the same size
    os.utime(shoot / "p0.bmp", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(shoot / "p0.bmp").st_size == before.st_size
    again = run_batch(jobs_of(shoot, out), {}, "original", engine=engine(), task=stand_in_task)
    assert [r.status for r in again] == [OK, SKIPPED]
    assert (out / "p0.png").read_bytes() != written

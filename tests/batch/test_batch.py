"""``likeness batch`` end to end with the real retouch: a folder of real photos plus a corrupt
file and a photo without a face, through the local process pool and through ``--dask local``.

The photos are the smallest of ../shared/testdata/faces, linked (not copied) into a
temporary folder; only the corrupt file is a truncated copy, made at test time.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest

from studio.batch import DONE_LIST
from studio.batch.report import FAILED, OK, REPORT_COLUMNS
from studio.batch.task import run_photo
from studio.cli import main
from studio.face import analyze
from studio.imaging import load
from studio.service.retouch_file import RetouchResult
from tests.helpers.photos import face_photo

FACES = [
    "deepface_img25.jpg",
    "deepface_img21.jpg",
    "face-alignment_aflw-test.jpg",
    "insightface_inspireface_attribute_1423.jpg",
    "insightface_inspireface_attribute_2963.jpg",
    "openface_clapton-1.jpg",
    "facexlib_test.jpg",
]
NO_FACE = "dlib_dogs.jpg"


def make_shoot(folder: Path, faces: list[str]) -> Path:
    """Photos linked from the shared set, a truncated JPEG, and a text file."""
    folder.mkdir(parents=True)
    for name in [*faces, NO_FACE]:
        (folder / name).symlink_to(face_photo(name))
    (folder / "corrupt.jpg").write_bytes(face_photo(FACES[1]).read_bytes()[:4000])
    (folder / "notes.txt").write_text("shot on Tuesday; not a photo, skipped silently")
    return folder


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``likeness ARGS`` in this process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(map(str, args)))
    return code, out.getvalue(), err.getvalue()


def read_report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == REPORT_COLUMNS
        return {Path(row["input"]).name: row for row in reader}


def check_first_run(
    shoot: Path, out: Path, report: Path, code: int, stdout: str, faces: list[str], suffix: str
) -> dict[str, dict[str, str]]:
    """What every engine must produce on the shoot: outputs, report rows, exit code 1."""
    assert code == 1, stdout  # some photos failed
    rows = read_report(report)
    assert "notes.txt" not in rows  # non-photos inside a folder are skipped silently
    for name in faces:
        row = rows[name]
        assert row["status"] == OK, row
        assert row["faces"] == "1"
        assert 50 <= float(row["likeness_percent"]) <= 100
        assert Path(row["output"]) == out / (Path(name).stem + suffix)
        assert load(row["output"]).width > 0  # a complete, readable photo
    dogs = rows[NO_FACE]
    assert (dogs["status"], dogs["faces"], dogs["likeness_percent"]) == (OK, "0", "")
    assert "no face" in dogs["reason"]
    assert (out / ("dlib_dogs" + suffix)).is_file()
    corrupt = rows["corrupt.jpg"]
    assert corrupt["status"] == FAILED and corrupt["output"] == ""
    assert corrupt["reason"].startswith("corrupt or truncated image data")
    assert not (out / ("corrupt" + suffix)).exists()
    # no temporary files left behind; only the list of outputs this batch wrote
    assert [p.name for p in out.glob(".*")] == [DONE_LIST]
    assert "failed: " + str(shoot / "corrupt.jpg") + ": corrupt or truncated" in stdout
    return rows


# ----------------------------------------------------------------------------- local pool
@pytest.fixture(scope="module")
def local_batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch_local")
    shoot = make_shoot(base / "shoot", FACES)
    named_bad = base / "cv.jpg"
    named_bad.write_text("a text file given by name is reported, not skipped")
    out, report, report2 = base / "out", base / "report.csv", base / "rerun.csv"
    args = [
        "batch",
        shoot,
        named_bad,
        "-o",
        out,
        "--look",
        "natural",
        "--export",
        "portfolio",
        "--workers",
        2,
    ]
    first = run_cli(*args, "--report", report)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    second = run_cli(*args, "--report", report2)
    return {
        "shoot": shoot,
        "out": out,
        "report": report,
        "rerun_report": report2,
        "first": first,
        "second": second,
        "stamps": stamps,
    }


def test_local_pool_writes_every_photo_and_reports_each_failure(local_batch):
    code, stdout, stderr = local_batch["first"]
    rows = check_first_run(
        local_batch["shoot"], local_batch["out"], local_batch["report"], code, stdout, FACES, ".jpg"
    )
    assert rows["cv.jpg"]["status"] == FAILED
    assert "not an image" in rows["cv.jpg"]["reason"]
    assert len(rows) == len(FACES) + 3
    assert stdout.startswith(f"{len(FACES) + 1} retouched, 2 failed, 0 skipped")
    assert "mean likeness" in stdout
    # Not a terminal: one plain line per finished photo.
    assert stderr.count("\n[") + stderr.startswith("[") == len(FACES) + 3
    assert "\r" not in stderr


def test_rerun_skips_finished_photos_and_retries_failed_ones(local_batch):
    code, stdout, _ = local_batch["second"]
    assert code == 1
    rows = read_report(local_batch["rerun_report"])
    assert {n for n, r in rows.items() if r["status"] == "skipped"} == {*FACES, NO_FACE}
    assert {n for n, r in rows.items() if r["status"] == FAILED} == {"corrupt.jpg", "cv.jpg"}
    assert stdout.startswith(f"0 retouched, 2 failed, {len(FACES) + 1} skipped")
    # No photo rewritten (the done list notes the failed photos being tried again).
    stamps = {p.name: p.stat().st_mtime_ns for p in local_batch["out"].iterdir()}
    stamps.pop(DONE_LIST)
    assert stamps == {n: s for n, s in local_batch["stamps"].items() if n != DONE_LIST}


# ----------------------------------------------------------------------------- Dask
def test_dask_local_cluster_runs_the_same_batch(tmp_path):
    faces = FACES[:6]
    shoot = make_shoot(tmp_path / "shoot", faces)
    out, report = tmp_path / "out", tmp_path / "report.csv"
    code, stdout, stderr = run_cli(
        "batch",
        shoot,
        "-o",
        out,
        "--look",
        "natural",
        "--export",
        "custom",
        "--size",
        320,
        "--format",
        "png",
        "--dask",
        "local",
        "--workers",
        2,
        "--report",
        report,
    )
    assert "local Dask cluster of 2 workers" in stderr
    rows = check_first_run(shoot, out, report, code, stdout, faces, ".png")
    assert len(rows) == len(faces) + 2
    assert max(load(out / "deepface_img21.png").pixels.shape[:2]) == 320
    # A rerun of the finished photos starts no cluster at all: everything is skipped.
    done = [shoot / name for name in [*faces, NO_FACE]]
    code, stdout, _ = run_cli(
        "batch",
        *done,
        "-o",
        out,
        "--export",
        "custom",
        "--size",
        320,
        "--format",
        "png",
        "--dask",
        "local",
        "--report",
        report,
    )
    assert code == 0
    assert {r["status"] for r in read_report(report).values()} == {"skipped"}


# ----------------------------------------------------------------------------- bad usage
@pytest.mark.parametrize(
    "extra, message",
    [
        (["--look", "no-such-look"], "no look named 'no-such-look'"),
        (["--set", "smooth=7"], "outside 0..1"),
        (["--workers", "0"], "--workers must be 1 or more"),
        (["--export", "linkedin", "--format", "png"], "always writes JPEG"),
        (["--min-likeness", "120"], "percent 0..100"),
    ],
)
def test_bad_usage_exits_2_before_any_work(tmp_path, extra, message):
    photo = tmp_path / "me.jpg"
    photo.symlink_to(face_photo(FACES[0]))
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("batch", photo, "-o", out, *extra)
    assert code == 2
    assert message in stderr and stderr.count("\n") == 1
    assert not out.exists() or not any(out.iterdir())


def test_bad_session_file_exits_2(tmp_path):
    session = tmp_path / "look.json"
    session.write_text('{"format": "likeness-session", "version": 2, "sliders": {"glow": 1}}')
    code, _, stderr = run_cli(
        "batch", face_photo(FACES[0]), "-o", tmp_path / "out", "--session", session
    )
    assert code == 2 and "glow" in stderr


def test_output_folder_cannot_be_an_input_folder(tmp_path):
    (tmp_path / "me.jpg").symlink_to(face_photo(FACES[0]))
    code, _, stderr = run_cli("batch", tmp_path, "-o", tmp_path)
    assert code == 2 and "output folder" in stderr


def test_an_empty_folder_is_bad_usage(tmp_path):
    (tmp_path / "in").mkdir()
    code, _, stderr = run_cli("batch", tmp_path / "in", "-o", tmp_path / "out")
    assert code == 2 and "no photos found" in stderr


# ----------------------------------------------------------------------------- the task record
def _refusing_retouch(input_path, session, export, output_path, min_likeness=None):
    return RetouchResult(
        input=Path(input_path),
        output=None,
        status="refused",
        reason=f"likeness 71.0% is below the minimum {min_likeness:g}%: not written",
        faces=1,
        likeness_percent=71.0,
        seconds=0.5,
    )


def _buggy_retouch(input_path, session, export, output_path, min_likeness=None):
    return {}["a bug"]


def test_a_photo_below_the_minimum_likeness_is_a_failure_with_its_figure():
    record = run_photo(_refusing_retouch, "/in/me.jpg", {}, "portfolio", "/out/me.jpg", 80.0)
    assert record["status"] == FAILED and record["output"] == ""
    assert record["reason"] == "likeness 71.0% is below the minimum 80%: not written"
    assert (record["faces"], record["likeness_percent"]) == (1, 71.0)


def test_a_bug_on_one_photo_is_a_failure_that_keeps_its_traceback():
    record = run_photo(_buggy_retouch, "/in/me.jpg", {}, "portfolio", "/out/me.jpg")
    assert record["status"] == FAILED
    assert record["reason"].startswith("unexpected error (please report it): KeyError")
    assert "_buggy_retouch" in record["detail"]


def test_the_report_names_whose_likeness_was_lowest_in_a_group(tmp_path):
    # a session that retouches everyone, applied to a group photo and a portrait
    group, portrait = "deepface_selfie-many-people.jpg", FACES[0]
    session = tmp_path / "everyone.likeness.json"
    code, _, _ = run_cli("retouch", face_photo(group), "-o", tmp_path / "first.jpg",
                         "--faces", "all", "--set", "smooth=1", "--save-session", session)
    assert code == 0
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in (group, portrait):
        (shoot / name).symlink_to(face_photo(name))
    report = tmp_path / "report.csv"
    code, _, _ = run_cli("batch", shoot, "-o", tmp_path / "out", "--session", session,
                         "--report", report)
    rows = read_report(report)
    assert code == 0, rows
    lowest = rows[group]["lowest_face"]
    number, where = lowest.split(" ", 1)
    analysis = analyze(load(face_photo(group)).pixels)
    assert 1 <= int(number) <= len(analysis.faces)
    assert where == f"({analysis.where(int(number) - 1)})"
    assert rows[portrait]["lowest_face"] == ""  # one face: nobody to name

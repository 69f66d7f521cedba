"""Batch plumbing without the retouch engine: finding photos, naming outputs, the process
pool's bounded window, failures that do not stop the batch, Ctrl+C, reruns, progress, report.

The per-photo work here is a stand-in (decode, shrink, write a PNG) so these tests are fast;
tests/batch/test_batch.py runs the real retouch through the ``likeness batch`` command.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from studio.batch import (
    DONE_LIST,
    FAILED,
    OK,
    REPORT_COLUMNS,
    SKIPPED,
    BatchInterrupted,
    FoundPhoto,
    Job,
    LocalEngine,
    PhotoResult,
    Progress,
    find_photos,
    plan_jobs,
    run_batch,
    summarize,
    write_report,
)
from studio.batch.task import run_photo
from studio.imaging import encode, load, write_atomic
from studio.write_guard import temp_name
from tests.helpers.photos import face_photo

SMALL = [
    "deepface_img25.jpg",
    "face-alignment_aflw-test.jpg",
    "insightface_inspireface_attribute_1423.jpg",
    "insightface_inspireface_attribute_2963.jpg",
]


# ----------------------------------------------------------------------------- stand-in work
def stand_in_retouch(input_path, session, export, output_path, min_likeness=None):
    """Decode the photo (real reasons for bad files), write a small PNG; the file name steers
    it: "slow" leaves a half-written temporary file for a long time, "crash" kills the worker."""
    name = Path(input_path).name
    if "crash" in name:
        os._exit(3)
    photo = load(input_path)
    data = encode(photo.pixels[::8, ::8], "PNG")
    if "slow" in name:
        # A write caught half-way: the temporary file exists, the output does not yet.
        temp = Path(output_path).parent / temp_name()  # named as write_atomic names its own
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        os.write(handle, data[: len(data) // 2])
        time.sleep(60)
        os.write(handle, data[len(data) // 2 :])
        os.close(handle)
        os.replace(temp, output_path)
    else:
        write_atomic(output_path, data, "photo", source=input_path)
    return {"status": "ok", "faces": 1, "likeness_percent": 98.0}


stand_in_task = functools.partial(run_photo, stand_in_retouch)


def link(folder: Path, name: str, photo: str) -> Path:
    """A symlink to a shared test photo (never a copy in the project)."""
    path = folder / name
    path.symlink_to(face_photo(photo))
    return path


@pytest.fixture
def shoot(tmp_path) -> Path:
    """A folder of 4 photos, a truncated JPEG, a text file and a hidden file."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    for index, name in enumerate(SMALL):
        link(folder, f"p{index}.jpg", name)
    (folder / "broken.jpg").write_bytes(face_photo(SMALL[0]).read_bytes()[:3000])
    (folder / "notes.txt").write_text("not a photo")
    (folder / ".hidden.jpg").symlink_to(face_photo(SMALL[0]))
    return folder


def png_suffix(fmt):
    return ".png"


class CountingEngine(LocalEngine):
    """The local pool, counting how many photos are ever in flight at once."""

    def start(self):
        super().start()
        self.live, self.most = set(), 0

    def submit(self, task, *args):
        future = super().submit(task, *args)
        self.live.add(future)
        self.most = max(self.most, len(self.live))
        return future

    def wait_first(self, futures):
        done = super().wait_first(futures)
        self.live -= done
        return done


# ----------------------------------------------------------------------------- finding photos
def test_photos_are_found_by_content_not_extension(tmp_path, shoot):
    renamed = shoot / "renamed.dat"
    renamed.symlink_to(face_photo(SMALL[1]))
    (shoot / "fake.jpg").write_text("a text file with a photo's name")
    photos, missing = find_photos([shoot])
    names = [p.path.name for p in photos]
    assert names == ["broken.jpg", "p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg", "renamed.dat"]
    assert all(p.format == "JPEG" for p in photos)
    assert missing == []


def test_named_files_are_always_tried_and_missing_ones_reported(tmp_path, shoot):
    photos, missing = find_photos([shoot / "notes.txt", shoot / "p0.jpg", tmp_path / "nope.jpg"])
    assert [(p.path.name, p.format) for p in photos] == [("notes.txt", None), ("p0.jpg", "JPEG")]
    assert missing == [tmp_path / "nope.jpg"]


def test_recursive_and_the_output_folder_is_never_an_input(tmp_path, shoot):
    inner = shoot / "day2"
    inner.mkdir()
    link(inner, "q.jpg", SMALL[0])
    out = shoot / "out"
    out.mkdir()
    link(out, "p0.png", SMALL[0])  # a previous result inside the input folder
    flat, _ = find_photos([shoot], exclude=out)
    deep, _ = find_photos([shoot, shoot / "p0.jpg"], recursive=True, exclude=out)
    assert "q.jpg" not in [p.path.name for p in flat]
    assert [p.path.name for p in deep].count("q.jpg") == 1
    assert not any(p.path.parent == out for p in deep)
    assert [p.path.name for p in deep].count("p0.jpg") == 1  # named twice, done once
    with pytest.raises(Exception, match="output folder"):
        find_photos([out], exclude=out)


def test_output_names_follow_inputs_and_clashes_get_numbers(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    photos = [
        FoundPhoto(a / "Anna.jpg", "JPEG"),
        FoundPhoto(b / "anna.png", "PNG"),
        FoundPhoto(b / "Ben.tif", "TIFF"),
        FoundPhoto(tmp_path / "out" / "Ben.jpg", "JPEG"),
    ]
    jobs = plan_jobs(photos, tmp_path / "out", lambda fmt: ".jpg")
    assert [j.output.name for j in jobs] == ["Anna.jpg", "anna-2.jpg", "Ben-2.jpg", "Ben-3.jpg"]
    # The same inputs always give the same names, so a rerun finds its outputs.
    assert plan_jobs(photos, tmp_path / "out", lambda fmt: ".jpg") == jobs


# ----------------------------------------------------------------------------- the process pool
def _jobs(shoot: Path, out: Path, *names: str) -> list[Job]:
    photos, _ = find_photos([shoot / n for n in names] if names else [shoot], exclude=out)
    return plan_jobs(photos, out, png_suffix)


def test_pool_runs_every_photo_and_a_bad_one_does_not_stop_it(tmp_path, shoot):
    out = tmp_path / "out"
    out.mkdir()
    jobs = _jobs(shoot, out) + _jobs(shoot, out, "notes.txt")
    engine = CountingEngine(workers=2, load_models=False)
    results = run_batch(jobs, {}, "original", engine=engine, task=stand_in_task)
    by_name = {Path(r.input).name: r for r in results}
    assert [Path(r.input).name for r in results] == [j.input.name for j in jobs]
    assert {n: r.status for n, r in by_name.items()} == {
        "broken.jpg": FAILED,
        "p0.jpg": OK,
        "p1.jpg": OK,
        "p2.jpg": OK,
        "p3.jpg": OK,
        "notes.txt": FAILED,
    }
    assert "corrupt or truncated" in by_name["broken.jpg"].reason
    assert "not an image" in by_name["notes.txt"].reason
    assert not by_name["broken.jpg"].reason.startswith(str(shoot))  # the row names the file
    assert sorted(p.name for p in out.iterdir()) == [
        DONE_LIST, "p0.png", "p1.png", "p2.png", "p3.png"
    ]
    # Memory stays bounded: never more than two photos per worker handed out at once.
    assert 2 <= engine.most <= 4


def test_rerun_skips_finished_outputs_unless_overwrite(tmp_path, shoot):
    out = tmp_path / "out"
    out.mkdir()
    jobs = _jobs(shoot, out, "p0.jpg", "p1.jpg", "broken.jpg")
    first = run_batch(
        jobs, {}, "original", engine=LocalEngine(1, load_models=False), task=stand_in_task
    )
    assert [r.status for r in first] == [OK, OK, FAILED]
    stamp = (out / "p0.png").stat().st_mtime_ns
    again = run_batch(
        jobs, {}, "original", engine=LocalEngine(1, load_models=False), task=stand_in_task
    )
    assert [r.status for r in again] == [SKIPPED, SKIPPED, FAILED]  # failures are retried
    assert (out / "p0.png").stat().st_mtime_ns == stamp
    # A photo changed after its output was written is done again.
    older = (shoot / "p1.jpg").stat().st_mtime_ns - 10**10
    os.utime(out / "p1.png", ns=(older, older))
    third = run_batch(
        jobs,
        {},
        "original",
        engine=LocalEngine(1, load_models=False),
        task=stand_in_task,
        overwrite=False,
    )
    assert [r.status for r in third][:2] == [SKIPPED, OK]
    forced = run_batch(
        jobs,
        {},
        "original",
        engine=LocalEngine(1, load_models=False),
        task=stand_in_task,
        overwrite=True,
    )
    assert [r.status for r in forced] == [OK, OK, FAILED]


def test_a_crashing_worker_fails_only_its_photo(tmp_path, shoot):
    link(shoot, "crash.jpg", SMALL[0])
    out = tmp_path / "out"
    out.mkdir()
    jobs = _jobs(shoot, out, "p0.jpg", "crash.jpg", "p1.jpg", "p2.jpg")
    results = run_batch(
        jobs, {}, "original", engine=LocalEngine(2, load_models=False), task=stand_in_task
    )
    assert [r.status for r in results] == [OK, FAILED, OK, OK]
    assert "worker process stopped" in results[1].reason


def test_ctrl_c_leaves_no_half_written_file_and_a_rerun_continues(tmp_path, shoot):
    link(shoot, "a.jpg", SMALL[0])
    link(shoot, "b-slow.jpg", SMALL[1])
    link(shoot, "c-slow.jpg", SMALL[2])
    link(shoot, "d.jpg", SMALL[3])
    out = tmp_path / "out"
    out.mkdir()
    jobs = _jobs(shoot, out, "a.jpg", "b-slow.jpg", "c-slow.jpg", "d.jpg")

    class CtrlC(Progress):
        def finished(self, result):
            super().finished(result)
            # Ctrl+C once the first photo is done and the slow ones are half-way through
            # writing: wait until their temporary files exist.
            for _ in range(600):
                self.parts_seen = len(list(out.glob(".*.part")))
                if self.parts_seen == 2:
                    break
                time.sleep(0.05)
            raise KeyboardInterrupt

    started = time.monotonic()
    progress = CtrlC(4, io.StringIO(), tty=False)
    with pytest.raises(BatchInterrupted) as stopped:
        run_batch(
            jobs,
            {},
            "original",
            engine=LocalEngine(2, load_models=False),
            task=stand_in_task,
            progress=progress,
        )
    assert progress.parts_seen == 2  # both slow photos were caught half-written
    assert time.monotonic() - started < 55  # the workers were stopped, not waited for
    assert [Path(r.input).name for r in stopped.value.results] == ["a.jpg"]
    # no .part, no partial output (the hidden list of finished outputs is ours)
    assert sorted(p.name for p in out.iterdir()) == [DONE_LIST, "a.png"]
    assert load(out / "a.png").width > 0

    # The rerun skips the finished photo and does the rest (without the slow write).
    for name in ("b-slow.jpg", "c-slow.jpg"):
        (shoot / name).unlink()
        link(shoot, name.replace("-slow", ""), SMALL[1])
    rerun = _jobs(shoot, out, "a.jpg", "b.jpg", "c.jpg", "d.jpg")
    results = run_batch(
        rerun, {}, "original", engine=LocalEngine(2, load_models=False), task=stand_in_task
    )
    assert [r.status for r in results] == [SKIPPED, OK, OK, OK]


def model_loads() -> tuple[int, int]:
    """In a worker: (its process id, how many times it has loaded each face model)."""
    from studio.face import models
    from studio.face.detect import hog_detector
    from studio.face.likeness import recognition_model

    loads = {f.cache_info().misses for f in (hog_detector, recognition_model)}
    loads.add(int(models._nets.get(models.MESH_FILE) is not None))  # the face mesh, read once
    assert len(loads) == 1
    return os.getpid(), loads.pop()


def test_each_worker_loads_the_face_models_once_before_its_first_photo():
    engine = LocalEngine(1)
    engine.start()
    try:
        first = engine.result(engine.submit(model_loads))
        second = engine.result(engine.submit(model_loads))
    finally:
        engine.close()
    assert first[1] == 1  # loaded by the initializer, before any photo
    assert second == first  # same process, nothing loaded again


# ----------------------------------------------------------------------------- progress, report
def _result(name, status=OK, reason="", likeness=97.5):
    return PhotoResult(
        input=f"/in/{name}",
        output=f"/out/{name}" if status == OK else "",
        status=status,
        reason=reason,
        faces=1 if status == OK else None,
        likeness_percent=likeness if status == OK else None,
        seconds=1.25,
    )


def test_progress_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(3, stream, tty=False)
    progress.finished(_result("a.jpg"))
    progress.finished(_result("b.jpg", FAILED, "corrupt or truncated image data"))
    progress.finished(_result("c.jpg", SKIPPED, "already done"))
    lines = stream.getvalue().splitlines()
    assert lines == [
        "[1/3] ok      /in/a.jpg -> /out/a.jpg  likeness 97.5%  1.2 s",
        "[2/3] failed  /in/b.jpg: corrupt or truncated image data",
        "[3/3] skipped /in/c.jpg: already done",
    ]
    assert "\r" not in stream.getvalue()


def test_progress_bar_on_a_terminal_shows_count_rate_eta_and_file():
    now = [100.0]
    stream = io.StringIO()
    progress = Progress(10, stream, tty=True, clock=lambda: now[0])
    now[0] = 104.0
    progress.finished(_result("a.jpg"))
    progress.finished(_result("b.jpg"))  # 2 photos in 4 s: 0.5/s, 8 left: 16 s
    assert (
        progress.bar_text("b.jpg") == " 2/10 [####----------------] 0.50 photos/s  ETA 0:16  b.jpg"
    )
    progress.finished(_result("c.jpg", FAILED, "not an image"))
    progress.close()
    text = stream.getvalue()
    assert text.count("\n") == 2  # the failure above the bar, and the bar's own end
    assert "failed: /in/c.jpg: not an image\n" in text
    assert text.rstrip("\n").split("\r\033[K")[-1].startswith(" 3/10 [")


def test_report_csv_and_summary(tmp_path):
    results = [
        _result("a.jpg", likeness=90.0),
        _result("b.jpg", FAILED, "no such\nfile"),
        _result("c.jpg", SKIPPED),
        _result("d.jpg", likeness=100.0),
    ]
    path = write_report(tmp_path / "report.csv", results)
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == REPORT_COLUMNS
    assert [r["status"] for r in rows] == ["ok", "failed", "skipped", "ok"]
    assert rows[0]["likeness_percent"] == "90.0" and rows[0]["faces"] == "1"
    assert rows[1]["faces"] == "" and rows[1]["likeness_percent"] == ""
    summary = summarize(results)
    assert (summary.ok, summary.failed, summary.skipped) == (2, 1, 1)
    assert summary.mean_likeness == pytest.approx(95.0)
    assert summary.text() == "2 retouched, 1 failed, 1 skipped (of 4); mean likeness 95.0%"
    assert np.isclose(PhotoResult.from_record(results[0].to_record()).seconds, 1.25)


def test_batch_and_its_workers_run_without_qt():
    """Batch workers run on headless machines: nothing on their path imports Qt."""
    import subprocess
    import sys

    code = (
        "import sys, studio.batch, studio.cli.batch, studio.batch.task as t, studio.session, studio.render; "
        "t.warm_up(); "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'superqt'))]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority: Linux")
def test_background_workers_give_way_and_others_do_not():
    """The studio's Export Selected runs its workers behind the window; a command-line batch
    keeps the priority it was started with."""
    from studio.batch import make_engine
    from studio.process import BACKGROUND_NICE

    started_at = os.getpriority(os.PRIO_PROCESS, 0)
    for background, expected in ((True, max(started_at, BACKGROUND_NICE)), (False, started_at)):
        engine = make_engine(workers=1, load_models=False, background=background)
        engine.start()
        try:
            assert engine.submit(os.getpriority, os.PRIO_PROCESS, 0).result(60) == expected
        finally:
            engine.close()
    assert os.getpriority(os.PRIO_PROCESS, 0) == started_at

"""A batch killed with SIGKILL (its parent alone, or its whole process group) at several
moments, then run again: the rerun finishes the job with nothing failed, every output whole,
no temporary file left. The per-photo work is a stand-in (decode, shrink, write a PNG, then
wait) so that a kill lands between an output's rename and the batch noting it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.batch import FAILED, OK, SKIPPED, LocalEngine, find_photos, plan_jobs, run_batch
from studio.batch.task import run_photo
from studio.imaging import encode, load, write_atomic
from tests.helpers.photos import REPO, face_photo

SMALL = [
    "deepface_img25.jpg",
    "face-alignment_aflw-test.jpg",
    "insightface_inspireface_attribute_1423.jpg",
    "insightface_inspireface_attribute_2963.jpg",
]
PHOTOS = 6


def write_then_wait(input_path, session, export, output_path, min_likeness=None):
    """Write a small PNG of the photo, then wait ``session["after_write"]`` seconds before
    answering: the moment a kill of the batch finds an output it has not noted yet."""
    photo = load(input_path)
    write_atomic(output_path, encode(photo.pixels[::8, ::8], "PNG"), "photo", source=input_path)
    time.sleep(float(session.get("after_write", 0)))
    return {"status": "ok", "faces": 1, "likeness_percent": 98.0}


def stand_in_task(input_path, session, export, output_path, min_likeness=None):
    return run_photo(write_then_wait, input_path, session, export, output_path, min_likeness)


def jobs_of(shoot: Path, out: Path):
    photos, _ = find_photos([shoot], exclude=out)
    return plan_jobs(photos, out, lambda fmt: ".png")


def drive(shoot: str, out: str) -> None:
    """The batch to kill (run in a child process): two workers, each photo slow to answer."""
    jobs = jobs_of(Path(shoot), Path(out))
    run_batch(jobs, {"after_write": 0.4}, "original", engine=LocalEngine(2, load_models=False),
              task=stand_in_task)


def _shoot(folder: Path) -> Path:
    folder.mkdir()
    for index in range(PHOTOS):
        (folder / f"p{index}.jpg").symlink_to(face_photo(SMALL[index % len(SMALL)]))
    return folder


def _outputs(out: Path) -> int:
    return len(list(out.glob("p*.png")))


def _done_lines(out: Path, state: str) -> int:
    try:
        return (out / ".likeness-done.jsonl").read_text().count(f'"state": "{state}"')
    except OSError:
        return 0


#: When to kill: as soon as this holds for the output folder.
MOMENTS = {
    "first-output-renamed": lambda out: _outputs(out) >= 1,
    "third-output-renamed": lambda out: _outputs(out) >= 3,
    "second-done-noted": lambda out: _done_lines(out, "done") >= 2,
}


def _kill_at(moment, out: Path, group: bool) -> None:
    path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    env = dict(os.environ, PYTHONPATH=path)
    shoot = str(out.parent / "shoot")
    code = f"from tests.batch.test_resume import drive; drive({shoot!r}, {str(out)!r})"
    child = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not moment(out):
            assert child.poll() is None, "the batch ended before the moment to kill it"
            assert time.monotonic() < deadline, "the moment to kill never came"
            time.sleep(0.002)
        if group:
            os.killpg(child.pid, signal.SIGKILL)
        else:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        _wait_for_the_workers(child.pid)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _wait_for_the_workers(group: int, limit: float = 60.0) -> None:
    """Wait until every process of the killed batch's group has ended (after a parent-only
    kill its workers notice and end: on a busy machine that can take more than a moment)."""
    deadline = time.monotonic() + limit
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, "the killed batch's workers did not end"
        time.sleep(0.05)


@pytest.mark.parametrize("group", [False, True], ids=["parent", "group"])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_rerun_after_kill_9_finishes_the_job_with_nothing_failed(tmp_path, moment, group):
    shoot = _shoot(tmp_path / "shoot")
    out = tmp_path / "out"
    out.mkdir()
    _kill_at(MOMENTS[moment], out, group)
    rerun = run_batch(jobs_of(shoot, out), {}, "original",
                      engine=LocalEngine(2, load_models=False), task=stand_in_task)
    assert [r.reason for r in rerun if r.status == FAILED] == []
    assert {r.status for r in rerun} <= {OK, SKIPPED}
    assert sorted(p.name for p in out.glob("*.png")) == [f"p{i}.png" for i in range(PHOTOS)]
    for index in range(PHOTOS):
        assert load(out / f"p{index}.png").width > 0  # whole, readable outputs
    assert list(out.glob(".*.part")) == []  # the killed workers' temporary files are gone
    # and a third run finds everything done
    third = run_batch(jobs_of(shoot, out), {}, "original",
                      engine=LocalEngine(2, load_models=False), task=stand_in_task)
    assert [r.status for r in third] == [SKIPPED] * PHOTOS

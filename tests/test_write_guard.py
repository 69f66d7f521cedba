"""The write guard on its own: which targets it refuses (through symlinks and hard links, by
kind), its temporary files and their clean-up after a kill, paths it cannot take, and
hypothesis strategies for hostile names."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import imaging
from studio.errors import LikenessError, PhotoError, SessionError, WriteRefused
from studio.imaging.sample import sample_photo
from studio.write_guard import (
    NAME_MAX,
    WritePlan,
    append_line,
    check_room,
    existing_kind,
    read_regular_file,
    remove_stale_temps,
    shown,
    temp_name,
    write_atomic,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def jpeg_bytes() -> bytes:
    return imaging.encode(sample_photo().pixels[::8, ::8].copy(), "JPEG")


@pytest.fixture
def photo(tmp_path, jpeg_bytes) -> Path:
    path = tmp_path / "p.jpg"
    path.write_bytes(jpeg_bytes)
    return path


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- identity
def test_a_target_through_a_symlinked_folder_is_the_input(tmp_path, photo):
    (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)
    plan = WritePlan(inputs=[photo])
    with pytest.raises(WriteRefused, match="the same file, through a link"):
        plan.add_target(tmp_path / "link" / "p.jpg", "session")


def test_a_target_that_is_a_symlink_or_a_hard_link_to_the_input_is_refused(tmp_path, photo):
    (tmp_path / "soft.jpg").symlink_to(photo)
    os.link(photo, tmp_path / "hard.jpg")
    plan = WritePlan(inputs=[photo])
    for name in ("soft.jpg", "hard.jpg"):
        for kind in ("photo", "session", "report"):
            with pytest.raises(WriteRefused, match="original photo"):
                plan.add_target(tmp_path / name, kind)
    assert plan.targets == []


def test_an_input_given_through_a_link_protects_the_real_file(tmp_path, photo):
    os.link(photo, tmp_path / "hard.jpg")
    plan = WritePlan(inputs=[tmp_path / "hard.jpg"])
    with pytest.raises(WriteRefused):
        plan.add_target(photo, "photo")


def test_two_targets_may_not_be_one_file(tmp_path):
    plan = WritePlan()
    plan.add_target(tmp_path / "out.jpg", "photo")
    with pytest.raises(WriteRefused, match="same file"):
        plan.add_target(tmp_path / "out.jpg", "session")
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(WriteRefused, match="same file"):
        plan.add_target(tmp_path / "alias" / "out.jpg", "report")


def test_existing_files_of_another_kind_are_never_replaced(tmp_path, photo):
    session = tmp_path / "s.likeness.json"
    session.write_text('{"format": "likeness-session", "version": 2}')
    report = tmp_path / "r.csv"
    report.write_text("input,output,status,reason,faces,likeness_percent,seconds\n")
    notes = tmp_path / "notes.csv"
    notes.write_text("name,phone\nAnn,555\n")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert [existing_kind(p) for p in (photo, session, report, notes, empty)] == [
        "photo", "session", "report", "other", "empty"
    ]
    allowed = {
        "photo": {photo, empty},
        "session": {session, empty},
        "report": {report, empty},
    }
    for kind, fine in allowed.items():
        for path in (photo, session, report, notes, empty):
            plan = WritePlan()  # nothing read: only the kind decides
            if path in fine:
                plan.add_target(path, kind)
            else:
                with pytest.raises(WriteRefused, match="refusing to replace"):
                    plan.add_target(path, kind)


def test_write_atomic_checks_again_at_write_time(tmp_path, photo):
    plan = WritePlan(inputs=[photo])
    target = plan.add_target(tmp_path / "later.jpg", "photo")
    os.link(photo, target)  # the target became the photo after the plan was made
    with pytest.raises(WriteRefused):
        write_atomic(target, b"x", "photo", plan=plan)
    assert photo.read_bytes()[:3] == b"\xff\xd8\xff"


def test_the_errors_are_one_line_and_of_both_families(tmp_path, photo):
    with pytest.raises(WriteRefused) as caught:
        write_atomic(photo, b"{}", "session", source=photo)
    assert isinstance(caught.value, PhotoError) and isinstance(caught.value, SessionError)
    assert "\n" not in str(caught.value)


# ----------------------------------------------------------------------------- temp files
def test_temp_names_are_short_so_a_254_character_name_still_works(tmp_path):
    name = "n" * 250 + ".jpg"
    assert len(name) == 254
    assert len(temp_name()) < 40
    write_atomic(tmp_path / name, b"\xff\xd8\xff data", "photo")
    assert _files(tmp_path) == [name]


def test_a_name_over_255_bytes_is_one_line(tmp_path):
    with pytest.raises(LikenessError, match="longer than the 255 allowed"):
        write_atomic(tmp_path / ("n" * 256 + ".jpg"), b"x", "photo")
    with pytest.raises(LikenessError, match="longer than the 255 allowed"):
        read_regular_file(tmp_path / ("d" * 300) / "p.jpg", "a photo")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_temp_files_of_dead_writers_are_removed_and_nothing_else(tmp_path):
    host = format(zlib.crc32(socket.gethostname().encode()) & 0xFFFF, "04x")
    other_host = format((int(host, 16) + 1) & 0xFFFF, "04x")
    dead = tmp_path / f".likeness-{host}-{_dead_pid()}-abcdefgh.part"
    alive = tmp_path / f".likeness-{host}-{os.getppid()}-abcdefgh.part"
    remote_new = tmp_path / f".likeness-{other_host}-1-abcdefgh.part"
    remote_old = tmp_path / f".likeness-{other_host}-2-abcdefgh.part"
    users = [tmp_path / ".photo.jpg.abc123.part", tmp_path / "likeness-x-1-abcdefgh.part"]
    for path in (dead, alive, remote_new, remote_old, *users):
        path.write_bytes(b"half")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(remote_old, (day_ago, day_ago))
    removed = remove_stale_temps(tmp_path, force=True)
    assert sorted(removed) == sorted([dead.name, remote_old.name])
    assert all(p.exists() for p in (alive, remote_new, *users))


def _slow_disk_writer(target: Path) -> subprocess.Popen:
    """A process that writes a 40 MB export through write_atomic on a disk so slow that its
    flush takes a minute: killed with -9 while the temporary file is there."""
    code = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from studio.write_guard import write_atomic
        os.fsync = lambda fd: time.sleep(120)  # a very slow disk
        write_atomic({str(target)!r}, b"\\xff\\xd8\\xff" + os.urandom(40 << 20), "photo")
        """
    )
    return subprocess.Popen([sys.executable, "-c", code])


def _wait_for_temp(folder: Path, process: subprocess.Popen) -> list[Path]:
    for _ in range(1200):  # the poll ends as soon as the temp file is there
        temps = [p for p in folder.iterdir() if p.name.startswith(".likeness-")]
        if temps and temps[0].stat().st_size >= 40 << 20:
            return temps
        if process.poll() is not None:
            break
        time.sleep(0.05)
    return []


def test_kill_9_mid_write_leaves_nothing_after_the_next_run(tmp_path):
    target = tmp_path / "export.jpg"
    process = _slow_disk_writer(target)
    try:
        temps = _wait_for_temp(tmp_path, process)
        assert temps, "the writer never got to its temporary file"
        process.kill()
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert not target.exists()  # the output appears whole or not at all
    assert [p.name for p in temps] == [
        n for n in _files(tmp_path) if n.startswith(".likeness-")
    ]  # what a kill leaves: one temp file of ours
    # The next run writing in that folder removes it (in a new process, as a user would).
    subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); "
         f"from studio.write_guard import write_atomic; "
         f"write_atomic({str(tmp_path / 'next.jpg')!r}, b'\\xff\\xd8\\xff', 'photo')"],
        check=True,
    )
    assert _files(tmp_path) == ["next.jpg"]


# ----------------------------------------------------------------------------- non-regular inputs
def test_a_fifo_or_a_folder_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(LikenessError, match=r"named pipe \(FIFO\)"):
        read_regular_file(fifo, "a photo")
    with pytest.raises(LikenessError, match="is a folder"):
        read_regular_file(tmp_path, "a photo")
    with pytest.raises(LikenessError, match="is a device"):
        read_regular_file("/dev/null", "a photo")
    assert existing_kind(fifo) == "other"


def test_names_that_are_not_utf8_are_shown_with_escapes():
    name = os.fsdecode(b"bad\xffname.jpg")
    assert shown(name) == "bad\\xffname.jpg"
    assert shown(name).encode("utf-8")


# ----------------------------------------------------------------------------- hypothesis
_SEGMENT = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=300,
).filter(lambda s: s not in (".", ".."))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_SEGMENT, kind=st.sampled_from(["photo", "session", "report"]))
def test_hostile_target_names_never_touch_the_photo(tmp_path, photo, name, kind):
    """Any name: either written as a new file beside the photo, or one clear error; the
    photo is never changed and no temp file stays."""
    before = photo.read_bytes()
    folder = tmp_path / "h"
    folder.mkdir(exist_ok=True)
    (folder / "p.jpg").unlink(missing_ok=True)
    os.link(photo, folder / "p.jpg")
    data = {"photo": b"\xff\xd8\xff x", "session": b'{"format": "likeness-session"}',
            "report": b"input,output,status,reason,faces,likeness_percent,seconds\n"}[kind]
    try:
        written = write_atomic(folder / name, data, kind, source=photo)
    except LikenessError as error:
        assert "\n" not in str(error)
        assert len(os.fsencode(name)) > NAME_MAX or name == "p.jpg" or (folder / name).exists()
    else:
        assert written.read_bytes() == data
        written.unlink()
    assert photo.read_bytes() == before
    assert not [p for p in folder.iterdir() if p.name.startswith(".likeness-")]


@settings(max_examples=80, deadline=None)
@given(
    parts=st.lists(st.sampled_from(["a", "link", "..", ".", "b"]), min_size=1, max_size=5),
)
def test_any_path_through_links_to_the_photo_is_refused(tmp_path_factory, parts):
    """Paths built from folder links, '.' and '..' that land on the photo are refused; the
    ones that land elsewhere are allowed."""
    root = tmp_path_factory.mktemp("maze")
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "link").symlink_to(root / "a", target_is_directory=True)
    (root / "a" / "b" / "link").symlink_to(root / "a", target_is_directory=True)
    photo = root / "a" / "p.jpg"
    photo.write_bytes(b"\xff\xd8\xff photo")
    path = root / "a" / Path(*parts) / "p.jpg"
    lands = os.path.realpath(path) == str(photo)
    plan = WritePlan(inputs=[photo])
    if lands:
        with pytest.raises(WriteRefused):
            plan.add_target(path, "photo")
    elif os.path.isdir(os.path.dirname(os.path.realpath(path))):
        plan.add_target(path, "photo")


# ----------------------------------------------------------------------------- appends
LINE = b'{"output": "a.jpg", "state": "done"}\n'


def test_an_append_checks_the_file_it_opened_not_only_the_plan(tmp_path, photo):
    """A done list linked to a photo after the plan was checked is still refused: the
    opened file is checked (an input, through a hard link) before a byte is written."""
    plan = WritePlan(inputs=[photo])
    done = tmp_path / "out.jsonl"
    plan.add_target(done, "done list")  # fine: nothing is there yet
    before = photo.read_bytes()
    os.link(photo, done)
    with pytest.raises(WriteRefused, match="original photo"):
        append_line(done, LINE, "done list", plan)
    assert photo.read_bytes() == before


def test_an_append_refuses_a_hard_linked_file_and_a_symlink(tmp_path):
    plan = WritePlan()
    done, elsewhere = tmp_path / "done.jsonl", tmp_path / "elsewhere.jsonl"
    append_line(done, LINE, "done list", plan)
    os.link(done, elsewhere)  # another name for the list: whatever it is would grow too
    with pytest.raises(WriteRefused, match="hard link"):
        append_line(done, LINE, "done list", plan)
    assert done.read_bytes() == LINE
    dangling = tmp_path / "dangling.jsonl"
    dangling.symlink_to(tmp_path / "nowhere.jsonl")
    with pytest.raises(WriteRefused, match="symbolic link"):
        append_line(dangling, LINE, "done list", plan)
    assert not (tmp_path / "nowhere.jsonl").exists()


def test_an_append_never_grows_a_file_of_another_kind(tmp_path, photo):
    other = tmp_path / "other.jpg"
    other.write_bytes(photo.read_bytes())
    with pytest.raises(WriteRefused, match="refusing to replace a photo"):
        append_line(other, LINE, "done list", WritePlan())
    assert other.read_bytes() == photo.read_bytes()


def test_a_line_cut_short_by_a_kill_does_not_swallow_the_next(tmp_path):
    done = tmp_path / "done.jsonl"
    done.write_bytes(LINE + b'{"output": "b.j')  # the batch was killed mid-append
    append_line(done, LINE, "done list", WritePlan())
    assert done.read_bytes().splitlines()[-1] == LINE.strip()


def test_check_room_names_a_missing_folder_and_leaves_nothing(tmp_path):
    with pytest.raises(PhotoError, match="does not exist"):
        check_room(tmp_path / "missing" / "r.csv")
    check_room(tmp_path / "r.csv", 300_000)
    assert _files(tmp_path) == []

"""Issue 13, tried as a hostile user would, through the real command line: every writer with
targets that are inputs through symlinks and hard links, files of another kind, FIFOs and
devices as inputs, names too long, absurd sizes, names that are not UTF-8, and a kill -9 in
the middle of a write. Each case either works or gives one line and exit 2, and no input is
ever changed."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio import imaging
from studio.cli import main
from studio.imaging.sample import sample_photo

REPO = Path(__file__).resolve().parents[2]
HEADER = "input,output,status,reason,faces,likeness_percent,seconds"


# ----------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def pixels():
    return sample_photo().pixels[::2, ::2].copy()  # 256 x 256: a face, quick to retouch


@pytest.fixture
def studio_dir(tmp_path, pixels, monkeypatch) -> Path:
    """The folder the user works in (the current directory): p.jpg, a.png and p.json."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.jpg").write_bytes(imaging.encode(pixels, "JPEG"))
    (tmp_path / "a.png").write_bytes(imaging.encode(pixels, "PNG"))
    (tmp_path / "look.json").write_text(
        json.dumps({"format": "likeness-session", "version": 2, "sliders": {"smooth": 0.3}})
    )
    return tmp_path


def _digests(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) with its sha256: what must not change."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([os.fspath(a) if isinstance(a, Path) else a for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _refused(code: int, err: str, *words: str) -> None:
    """Exit 2 with exactly one line on stderr (no traceback) mentioning ``words``."""
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("likeness: error: "), err
    for word in words:
        assert word in err, err


def _cli(*argv: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real ``likeness`` in its own process (for what could hang or must be killed)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "studio", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


# ----------------------------------------------------------------------------- section 1 verbatim
def test_1a_save_session_through_a_symlinked_folder_onto_the_photo(studio_dir, capsys):
    (studio_dir / "w3").mkdir()
    os.replace(studio_dir / "p.jpg", studio_dir / "w3" / "p.jpg")
    (studio_dir / "w3link").symlink_to("w3")
    before = _digests(studio_dir)
    code, _, err = _run(
        capsys, "retouch", "w3/p.jpg", "-o", "out/x.jpg", "--save-session", "w3link/p.jpg"
    )
    _refused(code, err, "refusing to write a session over the original photo", "through a link")
    code, _, err = _run(
        capsys, "retouch", "w3link/p.jpg", "-o", "out/x.jpg", "--save-session", "w3/p.jpg"
    )
    _refused(code, err, "refusing to write a session")
    assert _digests(studio_dir) == before  # nothing written, nothing changed


@pytest.mark.parametrize("extra", [[], ["--overwrite"]], ids=["plain", "overwrite"])
@pytest.mark.parametrize("newer", ["a.png", "a.jpg"])
def test_1b_batch_into_a_symlink_of_the_input_folder(studio_dir, capsys, extra, newer):
    (studio_dir / "x").mkdir()
    os.replace(studio_dir / "a.png", studio_dir / "x" / "a.png")
    os.replace(studio_dir / "p.jpg", studio_dir / "x" / "a.jpg")
    later = time.time() + 5
    os.utime(studio_dir / "x" / newer, (later, later))
    (studio_dir / "xlink").symlink_to("x")
    before = _digests(studio_dir)
    code, out, err = _run(
        capsys, "batch", "x/a.png", "x/a.jpg", "-o", "xlink", "--export", "linkedin", *extra
    )
    _refused(code, err, "xlink/a.jpg", "original photo", "through a link")
    assert "skipped" not in out and "retouched" not in out
    assert _digests(studio_dir) == before


@pytest.mark.parametrize("victim", ["victim.jpg", "other.jpg"])
def test_1c_batch_report_onto_a_photo(studio_dir, capsys, victim):
    (studio_dir / "good").mkdir()
    for name in ("victim.jpg", "other.jpg"):
        (studio_dir / "good" / name).write_bytes((studio_dir / "p.jpg").read_bytes())
    before = _digests(studio_dir)
    code, out, err = _run(
        capsys, "batch", "good/victim.jpg", "-o", "out", "--report", f"good/{victim}"
    )
    _refused(code, err, f"good/{victim}")
    assert _digests(studio_dir) == before
    assert not (studio_dir / "out").exists()  # refused before even the folder is made


def test_1d_export_and_session_with_one_name(studio_dir, capsys):
    before = _digests(studio_dir)
    code, _, err = _run(
        capsys, "retouch", "p.jpg", "-o", "out/ss2.jpg", "--save-session", "out/ss2.jpg"
    )
    _refused(code, err, "same file")
    assert _digests(studio_dir) == before


# ----------------------------------------------------------------------------- every writer, every link
def _make_link(kind: str, target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if kind == "symlink":
        link.symlink_to(target)
    else:
        os.link(target, link)


WRITERS = {
    # name: (the input the link points to, the link, argv)
    "retouch -o": ("p.jpg", "out/r.jpg", ["retouch", "p.jpg", "-o", "out/r.jpg"]),
    "retouch --save-session": (
        "p.jpg", "out/s.json", ["retouch", "p.jpg", "-o", "out/r.jpg", "--save-session", "out/s.json"]
    ),
    "retouch -o over --look file": (
        "look.json", "out/r.png", ["retouch", "p.jpg", "-o", "out/r.png", "--look", "look.json"]
    ),
    "retouch --save-session over --session file": (
        "look.json",
        "out/s.json",
        ["retouch", "p.jpg", "-o", "out/r.jpg", "--session", "look.json",
         "--save-session", "out/s.json"],
    ),
    "batch output": ("p.jpg", "out/p.jpg", ["batch", "p.jpg", "-o", "out", "--workers", "1"]),
    "batch --report": (
        "p.jpg", "out/report.csv", ["batch", "p.jpg", "-o", "out", "--report", "out/report.csv"]
    ),
    "analyze --overlay": ("a.png", "out/o.png", ["analyze", "a.png", "--overlay", "out/o.png"]),
}


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_cli_writer_refuses_a_target_linked_to_an_input(studio_dir, capsys, writer, link):
    target, name, argv = WRITERS[writer]
    _make_link(link, studio_dir / target, studio_dir / name)
    before = _digests(studio_dir)
    code, _, err = _run(capsys, *argv)
    _refused(code, err, "refusing to write")
    assert _digests(studio_dir) == before
    assert not [p for p in (studio_dir / "out").iterdir() if p.name.startswith(".likeness-")]


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_looks_save_never_writes_through_a_link_to_a_photo(studio_dir, capsys, link):
    from studio.session import user_looks_dir

    look = user_looks_dir() / "mine.json"
    _make_link(link, studio_dir / "p.jpg", look)
    try:
        before = _digests(studio_dir)
        code, _, err = _run(capsys, "looks", "--save", "mine", "--set", "smooth=0.2")
        _refused(code, err, "refusing to replace a photo with a session")
        assert _digests(studio_dir) == before
    finally:
        look.unlink()


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_studio_export_and_autosave_never_write_through_a_link_to_the_photo(
    studio_dir, pixels, link
):
    """What the studio's export and autosave call (export_photo with the photo as source;
    save_session with the photo as the session's source) refuses a link to the photo."""
    from studio.errors import WriteRefused
    from studio.imaging.export import ExportSettings, export_photo
    from studio.session import Session, Source, save_session
    from studio.write_guard import WritePlan

    photo = studio_dir / "p.jpg"
    _make_link(link, photo, studio_dir / "out" / "export.jpg")
    _make_link(link, photo, studio_dir / "data" / "autosave-1.likeness.json")
    before = _digests(studio_dir)
    with pytest.raises(WriteRefused):
        WritePlan(inputs=[photo]).check(studio_dir / "out" / "export.jpg", "photo")
    with pytest.raises(WriteRefused):
        export_photo(pixels, ExportSettings(), studio_dir / "out" / "export.jpg", source=photo)
    session = Session(source=Source.of(photo))
    with pytest.raises(WriteRefused):
        save_session(session, studio_dir / "data" / "autosave-1.likeness.json")
    assert _digests(studio_dir) == before


# ----------------------------------------------------------------------------- files of another kind
def test_existing_files_of_another_kind_are_refused_and_our_own_replaced(studio_dir, capsys):
    (studio_dir / "out").mkdir()
    (studio_dir / "out" / "notes.csv").write_text("name,phone\nAnn,555\n")
    (studio_dir / "out" / "s.json").write_text('{"format": "likeness-session", "version": 2}')
    (studio_dir / "out" / "x.jpg").write_bytes(b"a text file called x.jpg")
    (studio_dir / "out" / "photo.jpg").write_bytes((studio_dir / "p.jpg").read_bytes())
    before = _digests(studio_dir)
    cases = [
        (["retouch", "p.jpg", "-o", "out/x.jpg"], "refusing to replace a file that is not ours"),
        (["retouch", "a.png", "-o", "out/r.png", "--save-session", "out/photo.jpg"],
         "refusing to replace a photo with a session"),
        (["batch", "p.jpg", "-o", "out2", "--report", "out/notes.csv"],
         "refusing to replace a file that is not ours to replace with a report"),
        (["batch", "p.jpg", "-o", "out2", "--report", "out/s.json"],
         "refusing to replace a session or look with a report"),
    ]
    for argv, words in cases:
        code, _, err = _run(capsys, *argv)
        _refused(code, err, words)
    assert _digests(studio_dir) == before
    # A report of ours, and a session of ours, are replaced on a rerun.
    code, _, err = _run(capsys, "batch", "p.jpg", "-o", "out3", "--report", "r.csv")
    assert code == 0, err
    code, _, err = _run(capsys, "batch", "p.jpg", "-o", "out3", "--report", "r.csv")
    assert code == 0, err
    assert (studio_dir / "r.csv").read_text().startswith(HEADER)
    code, _, err = _run(capsys, "retouch", "p.jpg", "-o", "out/r.jpg", "--save-session", "out/s.json")
    assert code == 0, err


# ----------------------------------------------------------------------------- batch: already done
def test_skipped_only_for_outputs_this_batch_wrote(studio_dir, capsys):
    """An unrelated, newer photo where the output goes is not "already done": it is refused
    (and left alone) unless --overwrite, and a photo the batch did write is skipped."""
    (studio_dir / "out").mkdir()
    stranger = studio_dir / "out" / "a.png"
    stranger.write_bytes(imaging.encode(sample_photo().pixels[::4, ::4].copy(), "PNG"))
    later = time.time() + 60
    os.utime(stranger, (later, later))
    kept = stranger.read_bytes()
    code, out, err = _run(capsys, "batch", "a.png", "-o", "out", "--workers", "1")
    assert code == 1, err
    assert "0 retouched, 1 failed, 0 skipped" in out and "was not written by a batch" in out
    assert stranger.read_bytes() == kept
    code, out, err = _run(capsys, "batch", "a.png", "-o", "out", "--overwrite", "--workers", "1")
    assert code == 0 and "1 retouched" in out, err
    assert stranger.read_bytes() != kept
    code, out, err = _run(capsys, "batch", "a.png", "-o", "out", "--workers", "1")
    assert code == 0 and "0 retouched, 0 failed, 1 skipped" in out, out + err


# ----------------------------------------------------------------------------- FIFOs and devices
NOT_FILES = {
    "IMAGE fifo": ["retouch", "pipe.jpg", "-o", "out.jpg"],
    "IMAGE session fifo": ["retouch", "pipe.json", "-o", "out.jpg"],
    "--session fifo": ["retouch", "p.jpg", "-o", "out.jpg", "--session", "pipe.json"],
    "--look fifo": ["retouch", "p.jpg", "-o", "out.jpg", "--look", "pipe.json"],
    "IMAGE device": ["retouch", "/dev/zero", "-o", "out.jpg"],
    "analyze fifo": ["analyze", "pipe.jpg"],
    "--session folder": ["retouch", "p.jpg", "-o", "out.jpg", "--session", "adir"],
    "IMAGE folder": ["retouch", "adir", "-o", "out.jpg"],
}


@pytest.mark.parametrize("case", list(NOT_FILES))
def test_fifos_devices_and_folders_are_refused_without_hanging(studio_dir, case):
    os.mkfifo(studio_dir / "pipe.jpg")
    os.mkfifo(studio_dir / "pipe.json")
    (studio_dir / "adir").mkdir()
    try:
        done = _cli(*NOT_FILES[case], cwd=studio_dir, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: the command hung on a file that is not a regular file")
    _refused(done.returncode, done.stderr, "not ")
    assert not (studio_dir / "out.jpg").exists()


def test_a_fifo_named_in_a_batch_fails_alone_and_the_batch_goes_on(studio_dir):
    os.mkfifo(studio_dir / "pipe.jpg")
    try:
        done = _cli("batch", "pipe.jpg", "p.jpg", "-o", "out", "--workers", "1",
                    cwd=studio_dir, timeout=180)
    except subprocess.TimeoutExpired:
        pytest.fail("the batch hung on a FIFO")
    assert done.returncode == 1, done.stderr
    assert "1 retouched, 1 failed" in done.stdout
    assert "named pipe (FIFO)" in done.stdout
    assert (studio_dir / "out" / "p.jpg").is_file()


# ----------------------------------------------------------------------------- long names
LONG = "n" * 256


def _long_name_cases(folder: Path) -> dict[str, list[str]]:
    session = folder / "far.likeness.json"
    session.write_text(json.dumps({
        "format": "likeness-session", "version": 2,
        "source": {"path": f"/tmp/{'d' * 300}/p.jpg", "sha256": "0" * 64},
    }))
    return {
        "IMAGE": ["retouch", f"{LONG}.jpg", "-o", "out.jpg"],
        "-o": ["retouch", "p.jpg", "-o", f"{LONG}.jpg"],
        "-o folder": ["retouch", "p.jpg", "-o", f"{LONG}/x.jpg"],
        "--look": ["retouch", "p.jpg", "-o", "out.jpg", "--look", f"{LONG}.json"],
        "--look name": ["retouch", "p.jpg", "-o", "out.jpg", "--look", LONG],
        "--session": ["retouch", "p.jpg", "-o", "out.jpg", "--session", f"{LONG}.json"],
        "--save-session": ["retouch", "p.jpg", "-o", "out.jpg", "--save-session", f"{LONG}.json"],
        "session source path": ["retouch", str(session), "-o", "out.jpg"],
        "batch input": ["batch", f"{LONG}.jpg", "-o", "out"],
        "batch -o": ["batch", "p.jpg", "-o", LONG],
        "batch --report": ["batch", "p.jpg", "-o", "out", "--report", f"{LONG}.csv"],
        "analyze --overlay": ["analyze", "a.png", "--overlay", f"{LONG}.png"],
    }


def test_names_longer_than_255_are_one_line(studio_dir, capsys):
    before = _digests(studio_dir)
    for case, argv in _long_name_cases(studio_dir).items():
        code, out, err = _run(capsys, *argv)
        assert "Traceback" not in err, case
        _refused(code, err, "255")
    before["far.likeness.json"] = _digests(studio_dir)["far.likeness.json"]
    assert _digests(studio_dir) == before


def test_a_legal_254_character_output_name_is_written(studio_dir, capsys):
    name = "n" * 250 + ".jpg"
    code, out, err = _run(capsys, "retouch", "p.jpg", "-o", name)
    assert code == 0, err
    assert sorted(p.name for p in studio_dir.iterdir() if p.name.startswith("n")) == [name]
    assert not [p for p in studio_dir.iterdir() if p.name.startswith(".likeness-")]


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize(
    "options, words",
    [
        (["--size", "65535"], "--size must be 16..16384"),
        (["--size", "16385"], "--size must be 16..16384"),
        (["--size", "0"], "--size must be"),
        (["--size", "-5"], "--size must be"),
        (["--size", str(10**12)], "--size must be"),
        (["--size", "16384"], "over the 150 MP limit"),  # a 256 px square made 268 MP
        (["--aspect", "1e308:1"], "aspect"),
        (["--aspect", "nan:1"], "aspect"),
        (["--aspect", "inf:1"], "aspect"),
        (["--aspect", "1:0"], "aspect"),
        (["--aspect=-1:1"], "aspect"),
        (["--aspect", "1:1:1"], "aspect"),
    ],
)
def test_absurd_sizes_and_aspects_are_one_line(studio_dir, capsys, options, words):
    code, _, err = _run(capsys, "retouch", "p.jpg", "-o", "big.png", "--export", "custom", *options)
    _refused(code, err, words)
    assert not (studio_dir / "big.png").exists()


def test_a_session_asking_for_an_absurd_size_is_one_line(studio_dir, capsys):
    (studio_dir / "huge.json").write_text(json.dumps({
        "format": "likeness-session", "version": 2,
        "export": {"preset": "custom", "size": 65535},
    }))
    code, _, err = _run(capsys, "retouch", "p.jpg", "-o", "o.png", "--session", "huge.json")
    _refused(code, err, "16..16384")


def test_help_names_the_size_limit(capsys):
    with pytest.raises(SystemExit):
        main(["retouch", "--help"])
    assert "16..16384" in capsys.readouterr().out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.integers(min_value=-(2**63), max_value=2**63),
    aspect=st.one_of(
        st.none(),
        st.builds(lambda a, b: f"{a}:{b}", st.floats(allow_nan=True), st.floats(allow_nan=True)),
        st.text(max_size=12),
    ),
)
def test_hypothesis_sizes_and_aspects_never_get_past_the_bounds(size, aspect):
    """Whatever --size and --aspect say, the export settings are within bounds or the
    answer is one line (LikenessError), never an allocation attempt."""
    import argparse

    from studio.cli._common import export_from_args
    from studio.errors import LikenessError
    from studio.imaging.export import MAX_SIZE, MIN_SIZE, parse_aspect
    from studio.session import Session

    args = argparse.Namespace(
        export="custom", size=size, aspect=aspect, quality=None, keep_metadata=None
    )
    try:
        settings_ = export_from_args(args, Session())
    except LikenessError as error:
        assert "\n" not in str(error)
        return
    assert MIN_SIZE <= settings_.size <= MAX_SIZE
    ratio = parse_aspect(settings_.aspect)
    assert ratio is None or 0.1 <= ratio <= 10


# ----------------------------------------------------------------------------- names not in UTF-8
def test_a_batch_report_with_a_name_that_is_not_utf8(studio_dir):
    shoot = studio_dir / "shoot"
    shoot.mkdir()
    bad = os.path.join(os.fsencode(shoot), b"bad\xffname.jpg")
    with open(bad, "wb") as handle:
        handle.write((studio_dir / "p.jpg").read_bytes())
    (shoot / "good.jpg").write_bytes((studio_dir / "p.jpg").read_bytes())
    done = _cli("batch", "shoot", "-o", "out", "--report", "report.csv", "--workers", "1",
                cwd=studio_dir, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "2 retouched, 0 failed, 0 skipped" in done.stdout
    rows = list(csv.DictReader((studio_dir / "report.csv").open(encoding="utf-8")))
    assert sorted(Path(r["input"]).name for r in rows) == ["bad\\xffname.jpg", "good.jpg"]
    assert {r["status"] for r in rows} == {"ok"}
    assert os.path.exists(os.path.join(os.fsencode(studio_dir / "out"), b"bad\xffname.jpg"))


# ----------------------------------------------------------------------------- kill -9
def test_kill_9_during_an_export_leaves_nothing_after_the_next_run(studio_dir, pixels):
    """``likeness retouch`` writing a large export on a disk so slow its flush takes minutes,
    killed with -9 while its temporary file is there; the next run in that folder removes it."""
    (studio_dir / "big.png").write_bytes(
        imaging.encode(sample_photo().pixels, "PNG", bit_depth=16)
    )
    code = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        os.fsync = lambda fd: time.sleep(300)  # a very slow disk
        from studio.cli import main
        sys.exit(main(["retouch", "big.png", "-o", "out/big.png", "--export", "original"]))
        """
    )
    (studio_dir / "out").mkdir()
    process = subprocess.Popen([sys.executable, "-c", code], cwd=studio_dir)
    temps: list[Path] = []
    try:
        for _ in range(2400):  # polls until the export is being written, then kills it
            temps = [p for p in (studio_dir / "out").iterdir() if p.name.startswith(".likeness-")]
            if temps and temps[0].stat().st_size > 0 or process.poll() is not None:
                break
            time.sleep(0.05)
        process.kill()
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert temps, "the export never reached its temporary file"
    assert sorted(p.name for p in (studio_dir / "out").iterdir()) == [temps[0].name]
    done = _cli("retouch", "a.png", "-o", "out/next.png", cwd=studio_dir)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (studio_dir / "out").iterdir()) == ["next.png"]


# ----------------------------------------------------------------------------- issue 26 §5: flags
def _cores() -> int:
    from studio.imaging.threads import all_cores

    return all_cores()


@pytest.mark.parametrize(
    "argv",
    [
        ["retouch", "p.jpg", "-o", "o.jpg", "--threads", "2147483648"],
        ["retouch", "p.jpg", "-o", "o.jpg", "--threads", "99999999999999999999"],
        ["retouch", "p.jpg", "-o", "o.jpg", "--threads", "10000"],
        ["retouch", "p.jpg", "-o", "o.jpg", "--threads", "0"],
        ["batch", "p.jpg", "-o", "out", "--threads", "2147483648"],
        ["batch", "p.jpg", "-o", "out", "--threads", "10000"],
        ["batch", "p.jpg", "-o", "out", "--workers", "10000"],
        ["batch", "p.jpg", "-o", "out", "--dask", "local", "--workers", "2147483648"],
        ["bench", "--threads", "0"],
        ["bench", "--threads", "2147483648"],
        ["bench", "--threads", "99999999999999999999"],
    ],
    ids=lambda argv: " ".join(argv[:1] + argv[-2:]),
)
def test_threads_and_workers_beyond_this_machines_cores_are_one_line(studio_dir, capsys, argv):
    before = _digests(studio_dir)
    code, _, err = _run(capsys, *argv)
    _refused(code, err, f"at most this machine's {_cores()} core", argv[-2])
    assert _digests(studio_dir) == before and not (studio_dir / "out").exists()


def test_threads_up_to_the_cores_are_taken(studio_dir, capsys):
    code, out, err = _run(capsys, "retouch", "p.jpg", "-o", "o.jpg", "--threads", str(_cores()))
    assert code == 0 and "wrote o.jpg" in out, err


def test_the_thread_pool_never_asks_for_more_threads_than_cores():
    import cv2

    from studio.imaging.threads import set_threads, threads

    before = threads()
    try:
        assert set_threads(2**31) == _cores() == threads()
        assert cv2.getNumThreads() <= _cores()
    finally:
        set_threads(before)


@pytest.mark.parametrize(
    "options, words",
    [
        (["--crop", "-10,0,100,100"], "X and Y are pixels right of and below"),
        (["--crop", "0,-5,100,100"], "0 or more"),
        (["--angle", "-1e308"], "-15..15 degrees, not -1e+308"),
        (["--angle", "-inf"], "-15..15 degrees, not -inf"),
        (["--angle", "15.0000001"], "-15..15 degrees, not 15.0000001"),
        (["--min-likeness", "-1e308"], "percent 0..100, not -1e+308"),
        (["--min-likeness", "100.0000001"], "percent 0..100, not 100.0000001"),
        (["--keep-likeness", "-0.5"], "percent 0..100, not -0.5"),
    ],
)
def test_values_starting_with_a_minus_are_checked_not_taken_for_options(
    studio_dir, capsys, options, words
):
    code, _, err = _run(capsys, "retouch", "p.jpg", "-o", "o.jpg", *options)
    _refused(code, err, words)
    assert "expected one argument" not in err
    assert not (studio_dir / "o.jpg").exists()


def test_a_negative_angle_is_still_taken(studio_dir, capsys):
    code, out, err = _run(capsys, "retouch", "p.jpg", "-o", "o.jpg", "--angle", "-3.5")
    assert code == 0 and "wrote o.jpg" in out, err


@pytest.mark.parametrize("crop", ["0,0,1,1", "0,0,2,1", "100,100,15,100", "0.2,0.2,0.5,0.5"])
def test_a_crop_under_16_pixels_is_refused_like_a_size_under_16(studio_dir, capsys, crop):
    code, _, err = _run(capsys, "retouch", "p.jpg", "-o", "o.jpg", "--crop", crop)
    _refused(code, err, "at least 16 x 16")
    assert not (studio_dir / "o.jpg").exists()
    code, out, err = _run(capsys, "retouch", "p.jpg", "-o", "o.jpg", "--crop", "100,100,16,16")
    assert code == 0 and "(16 x 16" in out, err


def test_a_sessions_crop_under_16_pixels_is_refused(studio_dir, capsys):
    code, _, err = _run(capsys, "retouch", "p.jpg", "-o", "first.jpg", "--save-session", "s.json")
    assert code == 0, err
    data = json.loads((studio_dir / "s.json").read_text())
    data["crop"] = {"left": 0.5, "top": 0.5, "width": 0.001, "height": 0.5}
    (studio_dir / "s.json").write_text(json.dumps(data))
    code, _, err = _run(capsys, "retouch", "s.json", "-o", "o.jpg")
    _refused(code, err, "the crop is 1 x 128 pixels of the photo; at least 16 x 16")
    assert not (studio_dir / "o.jpg").exists()


def test_the_writer_refuses_a_crop_under_16_pixels(tmp_path, pixels):
    """What the studio's export calls: the same limit, whatever chose the crop."""
    from studio.errors import LikenessError
    from studio.imaging.export import Crop, ExportSettings, export_photo

    for crop in (Crop(0.5, 0.5, 0.001, 0.001), Crop(0.0, 0.0, 1.0, 15 / 256)):
        with pytest.raises(LikenessError, match="at least 16 x 16"):
            export_photo(pixels, ExportSettings(), tmp_path / "o.png", crop=crop)
    assert not list(tmp_path.iterdir())
    done = export_photo(pixels, ExportSettings(), tmp_path / "o.png", crop=Crop(0, 0, 1, 16 / 256))
    assert (done.width, done.height) == (256, 16)


HUGE = "9" * 5000
ITEMS = ",".join(str(n) for n in range(1, 1002))


@pytest.mark.parametrize(
    "options",
    [
        ["--size", HUGE], ["--export", "custom", "--size", HUGE], ["--quality", HUGE],
        ["--threads", HUGE], ["--crop", f"{HUGE},1,1,1"], ["--crop", ITEMS], ["--faces", HUGE],
        ["--faces", ITEMS], ["--angle", f"0,{ITEMS}"], ["--aspect", ITEMS],
        ["--aspect", f"{HUGE}:1"], ["--set", f"{HUGE}=1"], ["--export", HUGE],
    ],
    ids=lambda options: f"{options[-2]} {options[-1][:8]}",
)
def test_a_huge_value_is_not_repeated_in_full(studio_dir, capsys, options):
    try:
        code, _, err = _run(capsys, "retouch", "p.jpg", "-o", "o.jpg", *options)
    except SystemExit as stop:  # argparse's own refusals
        code, err = stop.code, capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "error: " in err and len(err) < 400 and "…" in err, err
    assert not (studio_dir / "o.jpg").exists()

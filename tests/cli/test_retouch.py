"""``likeness retouch`` and ``likeness looks`` from the command line: what a user types and sees."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
from PIL import Image

from studio import imaging
from studio.cli import main
from studio.imaging.sample import sample_photo
from studio.paths import resource_path


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    """The public-domain sample portrait as a JPEG file, with its sha256."""
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "astronaut.jpg"
    path.write_bytes(imaging.encode(sample_photo().pixels, "JPEG", quality=95))
    return path


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_retouch_prints_the_likeness_and_writes_by_extension(portrait, tmp_path, capsys):
    before = _digest(portrait)
    code, out, err = _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "out.png",
        "--look",
        "natural",
        "--set",
        "smooth=0.5",
    )
    assert code == 0, err
    assert out.splitlines()[0].startswith("likeness ") and out.splitlines()[0].endswith("%")
    percent = float(out.splitlines()[0].split()[1].rstrip("%"))
    assert 50 < percent <= 100
    image = Image.open(tmp_path / "out.png")
    assert image.format == "PNG" and image.size == (512, 512)
    assert _digest(portrait) == before


def test_unknown_slider_is_named_and_exits_2(portrait, tmp_path, capsys):
    code, out, err = _run(
        capsys, "retouch", portrait, "-o", tmp_path / "o.png", "--set", "sharpen=0.5"
    )
    assert code == 2
    assert err.count("\n") == 1 and "unknown slider 'sharpen'" in err
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize(
    "assignment, words",
    [
        ("smooth=1.5", "slider 'smooth' is 1.5, outside 0..1"),
        ("face_light=-3", "slider 'face_light' is -3.0, outside -1..1"),
        ("smooth=lots", "slider 'smooth' must be a number"),
        ("backdrop=blue", "slider 'backdrop' must be a colour"),
        ("smooth", "is not KEY=VALUE"),
    ],
)
def test_bad_values_are_named_and_exit_2(portrait, tmp_path, capsys, assignment, words):
    code, _, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "o.png", "--set", assignment)
    assert code == 2 and words in err and err.count("\n") == 1
    assert not (tmp_path / "o.png").exists()


def test_min_likeness_refuses_to_write_and_exits_1_with_the_figure(portrait, tmp_path, capsys):
    before = _digest(portrait)
    code, out, err = _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "o.png",
        "--set",
        "smooth=1",
        "--set",
        "face_light=0.6",
        "--min-likeness",
        "100",
    )
    assert code == 1
    figure = out.splitlines()[0].split()[1]  # "97.3%"
    assert f"likeness {figure} is below the minimum 100%" in err
    assert not (tmp_path / "o.png").exists()
    assert _digest(portrait) == before
    code, _, _ = _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "o.png",
        "--set",
        "smooth=1",
        "--min-likeness",
        "10",
    )
    assert code == 0 and (tmp_path / "o.png").exists()


def test_never_writes_over_the_source(portrait, capsys):
    before = _digest(portrait)
    code, _, err = _run(capsys, "retouch", portrait, "-o", portrait, "--set", "smooth=1")
    assert code == 2 and "original photo" in err
    assert _digest(portrait) == before


def test_linkedin_export_and_session_round_trip(portrait, tmp_path, capsys):
    session = tmp_path / "astronaut.likeness.json"
    code, out, err = _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "in.jpg",
        "--look",
        "linkedin",
        "--export",
        "linkedin",
        "--save-session",
        session,
    )
    assert code == 0, err
    image = Image.open(tmp_path / "in.jpg")
    assert image.format == "JPEG" and image.size[0] == image.size[1] >= 400
    data = json.loads(session.read_text())
    assert data["look"] == "linkedin" and data["export"]["preset"] == "linkedin"
    assert data["crop"] is not None
    # The look's sliders at the amount found within its budget on this photo (format 7).
    from studio.render.amount import scaled

    look = json.loads(resource_path("looks", "linkedin.json").read_text())["sliders"]
    assert data["budget"] is not None and 0 <= data["amount"] <= 1.5
    wanted = scaled(look, data["amount"])
    assert data["sliders"].keys() == wanted.keys()
    assert all(data["sliders"][k] == pytest.approx(v) for k, v in wanted.items()
               if isinstance(v, float))
    # Reusing the session: same export preset, same crop, the very same file.
    code, out2, err = _run(
        capsys, "retouch", portrait, "-o", tmp_path / "again.jpg", "--session", session
    )
    assert code == 0, err
    assert (tmp_path / "again.jpg").read_bytes() == (tmp_path / "in.jpg").read_bytes()
    assert out2.splitlines()[0] == out.splitlines()[0]


def test_set_overrides_the_look_and_the_session(portrait, tmp_path, capsys):
    session = tmp_path / "s.json"
    _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "a.png",
        "--look",
        "natural",
        "--set",
        "bg_light=0.3",
        "--save-session",
        session,
    )
    _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "b.png",
        "--look",
        "portfolio",
        "--session",
        session,
        "--set",
        "smooth=0",
        "--save-session",
        tmp_path / "t.json",
    )
    saved = json.loads((tmp_path / "t.json").read_text())
    sliders = saved["sliders"]
    assert sliders["smooth"] == 0.0  # --set wins
    assert sliders["bg_light"] == 0.3  # the session's own value wins over the look
    # The look's value where the session had none, at the amount found within the look's
    # likeness budget on this photo (stored beside the sliders).
    assert saved["amount"] is not None
    assert sliders["eyes"] == pytest.approx(0.15 * saved["amount"], abs=1e-4)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--look", "glamour"], "no look named 'glamour' (looks: natural, linkedin"),
        (["--export", "linkedin"], "linkedin export writes JPEG; name the file 'o.jpg'"),
        (["--min-likeness", "120"], "--min-likeness must be a percent 0..100"),
        (["--export", "linkedin", "--size", "300"], "--size is for --export custom"),
    ],
)
def test_bad_options_are_one_line_errors(portrait, tmp_path, capsys, argv, words):
    code, _, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "o.png", *argv)
    assert code == 2 and words in err and err.count("\n") == 1
    assert not (tmp_path / "o.png").exists()


def test_a_bad_session_file_is_named(portrait, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"format": "likeness-session", "version": 2, "sliders": {"smooth": 7}})
    )
    code, _, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "o.png", "--session", bad)
    assert code == 2 and "slider 'smooth' is 7, outside 0..1" in err and str(bad) in err


def test_a_missing_photo_is_named(tmp_path, capsys):
    code, _, err = _run(capsys, "retouch", tmp_path / "nope.jpg", "-o", tmp_path / "o.png")
    assert code == 2 and "nope.jpg: no such file" in err


def test_custom_export_options(portrait, tmp_path, capsys):
    code, _, err = _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "c.webp",
        "--size",
        "256",
        "--aspect",
        "4:5",
        "--quality",
        "80",
    )
    assert code == 0, err
    image = Image.open(tmp_path / "c.webp")
    assert image.format == "WEBP" and image.size == (205, 256)


# ----------------------------------------------------------------------------- looks
def test_looks_lists_built_in_and_user_looks(capsys, tmp_path):
    code, out, _ = _run(capsys, "looks")
    lines = out.splitlines()
    assert code == 0 and [line.split()[0] for line in lines[:4]] == [
        "natural",
        "linkedin",
        "nonprofit",
        "portfolio",
    ]
    assert all("built-in" in line and len(line.split()) > 3 for line in lines[:4])
    code, out, _ = _run(
        capsys,
        "looks",
        "--save",
        "Soft Office",
        "--from",
        "natural",
        "--set",
        "warmth=0.2",
        "--description",
        "For the team page",
    )
    assert code == 0 and "soft-office" in out
    code, out, _ = _run(capsys, "looks")
    mine = [line for line in out.splitlines() if line.startswith("soft-office")]
    assert mine and "yours" in mine[0] and "For the team page" in mine[0]


def test_a_saved_user_look_is_usable_by_name(portrait, tmp_path, capsys):
    _run(capsys, "looks", "--save", "warm-one", "--set", "warmth=0.3", "--set", "smooth=0.1")
    code, _, err = _run(
        capsys,
        "retouch",
        portrait,
        "-o",
        tmp_path / "w.png",
        "--look",
        "warm-one",
        "--save-session",
        tmp_path / "w.json",
    )
    assert code == 0, err
    sliders = json.loads((tmp_path / "w.json").read_text())["sliders"]
    assert sliders["warmth"] == 0.3 and sliders["smooth"] == 0.1


def test_built_in_look_names_are_reserved(capsys):
    code, _, err = _run(capsys, "looks", "--save", "LinkedIn", "--set", "smooth=0.2")
    assert code == 2 and "built-in look" in err


def test_a_retouched_photo_differs_from_the_source_only_by_the_edit(portrait, tmp_path, capsys):
    code, _, _ = _run(capsys, "retouch", portrait, "-o", tmp_path / "zero.png")
    assert code == 0
    original = imaging.load(portrait).pixels
    written = imaging.load(tmp_path / "zero.png").pixels
    assert np.abs(written - original).max() <= 0.5 / 255 + 1e-6  # all-neutral: same picture


def test_a_session_file_reopens_its_photo_even_when_renamed(portrait, tmp_path, capsys):
    photo = tmp_path / "me.jpg"
    photo.write_bytes(portrait.read_bytes())
    session = tmp_path / "me.jpg.likeness.json"
    code, _, err = _run(
        capsys,
        "retouch",
        photo,
        "-o",
        tmp_path / "a.png",
        "--set",
        "smooth=0.3",
        "--save-session",
        session,
    )
    assert code == 0, err
    photo.rename(tmp_path / "renamed.jpg")
    code, out, err = _run(capsys, "retouch", session, "-o", tmp_path / "b.png")
    assert code == 0, err
    assert f"photo {tmp_path / 'renamed.jpg'}" in out
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    (tmp_path / "renamed.jpg").unlink()
    code, _, err = _run(capsys, "retouch", session, "-o", tmp_path / "c.png")
    assert code == 2 and "me.jpg" in err and "missing" in err and err.count("\n") == 1


@pytest.mark.parametrize("name, fmt", [("o.jpg", "JPEG"), ("o.tif", "TIFF"), ("o.webp", "WEBP")])
def test_output_format_follows_the_extension(portrait, tmp_path, capsys, name, fmt):
    code, _, err = _run(capsys, "retouch", portrait, "-o", tmp_path / name, "--set", "smooth=0.3")
    assert code == 0, err
    image = Image.open(tmp_path / name)
    assert image.format == fmt and image.size == (512, 512)
    assert image.info.get("icc_profile") == imaging.SRGB_ICC


def test_sixteen_bit_png_stays_sixteen_bit_with_export_original(tmp_path, capsys):
    import cv2

    source = tmp_path / "deep.png"
    source.write_bytes(imaging.encode(sample_photo().pixels, "PNG", bit_depth=16))
    code, _, err = _run(
        capsys,
        "retouch",
        source,
        "-o",
        tmp_path / "out.png",
        "--look",
        "natural",
        "--export",
        "original",
    )
    assert code == 0, err
    written = cv2.imread(str(tmp_path / "out.png"), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint16 and written.shape == (512, 512, 3)


def test_faces_all_retouches_everyone_and_min_likeness_checks_each(tmp_path, capsys):
    from studio.face import analyze
    from studio.session import load_session
    from tests.helpers.photos import face_photo

    group = face_photo("deepface_selfie-many-people.jpg")
    out, session = tmp_path / "all.png", tmp_path / "all.likeness.json"
    code, stdout, _ = _run(capsys, "retouch", group, "-o", out, "--faces", "all",
                           "--set", "face_light=0.6", "--save-session", session)
    assert code == 0 and "(lowest: face " in stdout
    original = imaging.load(group).pixels
    # the summary names whose likeness it is: the face's number and where it is in the photo
    number, where = re.search(r"\(lowest: face (\d+), ([a-z ]+)\)", stdout).groups()
    assert analyze(original).where(int(number) - 1) == where
    edited = imaging.load(out).pixels
    for face in analyze(original).faces:  # every face is lighter
        x0, y0, x1, y1 = (int(v) for v in face.box)
        # 0.005 (as in test_ui): the largest face, cut by the frame, gains 0.0093 over its whole
        # box (hair and backdrop included) with each brow protected to its tail; a face not lit
        # gains 0 (below)
        assert edited[y0:y1, x0:x1].mean() > original[y0:y1, x0:x1].mean() + 0.005, face.box
    assert load_session(session).faces == "all"
    # the same edit on face 2 alone leaves the largest face as it was
    code, _, _ = _run(capsys, "retouch", group, "-o", tmp_path / "two.png", "--faces", "2",
                      "--set", "face_light=0.6")
    one = imaging.load(tmp_path / "two.png").pixels
    x0, y0, x1, y1 = (int(v) for v in analyze(original).faces[0].box)
    assert code == 0 and np.abs(one[y0:y1, x0:x1] - original[y0:y1, x0:x1]).max() < 2 / 255
    # the minimum applies to every face: the refusal names whose likeness fell short
    code, _, stderr = _run(capsys, "retouch", group, "-o", tmp_path / "no.png", "--faces", "all",
                           "--set", "smooth=1", "--set", "eyes=1", "--min-likeness", "99")
    assert code == 1 and "(face " in stderr and not (tmp_path / "no.png").exists()


@pytest.mark.parametrize("value,words", [("everyone", "--faces must be"), ("0", "--faces must be"),
                                         ("1,40", "no face number 40")])
def test_a_bad_faces_option_is_one_line(portrait, tmp_path, capsys, value, words):
    code, _, stderr = _run(capsys, "retouch", portrait, "-o", tmp_path / "x.png", "--faces", value)
    assert code == 2 and words in stderr and stderr.count("\n") == 1


def test_the_command_builds_its_request_and_leaves_the_arguments_as_typed(portrait, tmp_path):
    """A session given as IMAGE names its photo in the request (and is read, never written),
    while the parsed arguments stay what the user typed."""
    from studio.cli import build_parser
    from studio.cli.retouch import command_from_args
    from studio.session import Session, Source, file_sha256, save_session

    session_file = tmp_path / "me.likeness.json"
    source = Source(path=portrait, sha256=file_sha256(portrait), bytes=portrait.stat().st_size)
    save_session(Session(source=source).with_sliders({"smooth": 0.4}), session_file)
    args = build_parser().parse_args(["retouch", str(session_file), "-o",
                                      str(tmp_path / "out.jpg"), "--export", "linkedin"])
    typed = dict(vars(args))
    request = command_from_args(args).request
    assert vars(args) == typed
    assert request.photo == portrait and request.output == tmp_path / "out.jpg"
    assert request.inputs == (session_file,)
    assert request.session.sliders["smooth"] == 0.4
    assert request.export.preset == "linkedin"

"""``--crop`` and ``--angle`` on the command line, and a session's crop and angle coming
back bit-identically."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio import imaging
from studio.cli import main
from studio.imaging.sample import sample_photo


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crop")
    path = folder / "astronaut.jpg"
    path.write_bytes(imaging.encode(sample_photo().pixels, "JPEG", quality=95))
    return path


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "crop", ["0,0,600,100", "-1,0,100,100", "400,400,200,200", "10,10,0,50"]
)
def test_a_crop_outside_the_photo_is_one_line_and_exit_2(portrait, tmp_path, capsys, crop):
    code, out, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "o.png", f"--crop={crop}")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "crop" in err
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("angle", ["20", "-15.5", "nan", "tilted"])
def test_an_angle_outside_fifteen_degrees_is_one_line_and_exit_2(
    portrait, tmp_path, capsys, angle
):
    code, out, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "o.png", f"--angle={angle}")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "--angle" in err


def test_a_pixel_crop_is_written_at_its_size(portrait, tmp_path, capsys):
    code, out, err = _run(
        capsys, "retouch", portrait, "-o", tmp_path / "o.png", "--crop", "100,50,300,200"
    )
    assert code == 0, err
    assert Image.open(tmp_path / "o.png").size == (300, 200)


def test_a_session_with_crop_and_angle_re_exports_bit_identically(portrait, tmp_path, capsys):
    first, session = tmp_path / "a.jpg", tmp_path / "s.likeness.json"
    code, out, err = _run(
        capsys,
        "retouch", portrait, "-o", first, "--export", "linkedin", "--look", "natural",
        "--crop", "100,80,300,300", "--angle", "6", "--save-session", session,
    )  # fmt: skip
    assert code == 0, err
    saved = json.loads(session.read_text())
    assert saved["angle"] == 6.0 and saved["crop"]["width"] == pytest.approx(300 / 512)
    second = tmp_path / "b.jpg"
    code, out, err = _run(capsys, "retouch", session, "-o", second)
    assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    # And the turn is really there: not the unturned crop.
    plain = tmp_path / "c.jpg"
    _run(capsys, "retouch", portrait, "-o", plain, "--export", "linkedin", "--look", "natural",
         "--crop", "100,80,300,300")  # fmt: skip
    a = np.asarray(Image.open(first), np.float32)
    c = np.asarray(Image.open(plain), np.float32)
    assert np.abs(a - c).mean() > 5


def test_crop_auto_replaces_the_sessions_crop(portrait, tmp_path, capsys):
    session = tmp_path / "s.likeness.json"
    _run(capsys, "retouch", portrait, "-o", tmp_path / "a.png", "--crop", "0,0,100,100",
         "--save-session", session)  # fmt: skip
    code, out, err = _run(
        capsys, "retouch", session, "-o", tmp_path / "b.jpg", "--export", "linkedin",
        "--crop", "auto",
    )  # fmt: skip
    assert code == 0, err
    # The automatic head-and-shoulders square of the 512 px portrait, not the 100 px corner.
    assert Image.open(tmp_path / "b.jpg").size[0] > 200


def test_level_straightens_from_the_eye_line(portrait, tmp_path, capsys):
    session = tmp_path / "s.likeness.json"
    code, out, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "a.png", "--angle",
                          "level", "--save-session", session)  # fmt: skip
    assert code == 0, err
    saved = json.loads(session.read_text())
    analysis_face = saved["analysis"]["faces"][0]
    points = np.asarray(analysis_face["landmarks"], float)
    left, right = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    expected = np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0]))
    assert saved["angle"] == pytest.approx(expected, abs=0.01)


def test_batch_takes_crop_and_angle_and_refuses_a_crop_outside(portrait, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = _run(capsys, "batch", portrait, "-o", out, "--workers", "1",
                             "--crop", "100,80,300,300", "--angle", "4")  # fmt: skip
    assert code == 0, err
    written = next(p for p in out.iterdir() if p.suffix == ".jpg")
    assert Image.open(written).size == (300, 300)
    code, stdout, err = _run(capsys, "batch", portrait, "-o", tmp_path / "out2", "--workers",
                             "1", "--crop", "400,400,300,300")  # fmt: skip
    assert code == 1
    assert "outside the photo" in stdout + err


def test_a_turned_linkedin_export_keeps_the_face_frame(portrait, tmp_path, capsys):
    # At 3 degrees the sample's LinkedIn frame is moved in from the empty corners, not
    # collapsed to a 63 px sliver of the top of the photo with no face in it.
    sizes = {}
    for angle in ("0", "3"):
        session = tmp_path / f"s{angle}.likeness.json"
        code, out, err = _run(capsys, "retouch", portrait, "-o", tmp_path / f"{angle}.jpg",
                              "--export", "linkedin", "--angle", angle,
                              "--save-session", session)  # fmt: skip
        assert code == 0, err
        assert "eyes in" not in out + err
        sizes[angle] = json.loads(session.read_text())["crop"]["width"]
    assert sizes["3"] >= 0.9 * sizes["0"]

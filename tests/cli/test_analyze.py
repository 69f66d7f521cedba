"""``likeness analyze``: JSON in the PRODUCT.md format, the overlay picture, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio.cli import main
from studio.imaging import load
from tests.helpers.photos import face_photo


def test_json_lists_faces_in_photo_pixels(capsys):
    path = face_photo("dlib_2008_002506.jpg")
    assert main(["analyze", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["image"] == {"width": 500, "height": 375}
    assert len(result["faces"]) == 3
    primary = result["faces"][result["primary"]]
    areas = [(f["box"][2] - f["box"][0]) * (f["box"][3] - f["box"][1]) for f in result["faces"]]
    assert result["primary"] == int(np.argmax(areas))
    for face in result["faces"]:
        assert len(face["box"]) == 4 and len(face["landmarks"]) == 68
        assert all(0 <= x <= 500 and 0 <= y <= 375 for x, y in face["landmarks"])
    assert primary["box"][0] < primary["box"][2]


def test_json_without_a_face_has_no_primary(capsys):
    assert main(["analyze", str(face_photo("face-alignment_grass.jpg")), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["faces"] == [] and result["primary"] is None


def test_summary_names_the_faces(capsys):
    assert main(["analyze", str(face_photo("deepface_img21.jpg"))]) == 0
    out = capsys.readouterr().out
    assert "1 face found" in out and "primary" in out and "eye distance" in out


def test_overlay_marks_landmarks_skin_and_features(tmp_path, capsys):
    source = face_photo("deepface_img21.jpg")
    out = tmp_path / "overlay.png"
    assert main(["analyze", str(source), "--overlay", str(out)]) == 0
    overlay = load(out).pixels
    original = load(source).pixels
    assert overlay.shape == original.shape
    changed = np.abs(overlay - original).max(axis=2) > 0.05
    assert 0.02 < changed.mean() < 0.6  # the face is marked, the rest of the photo is not
    assert not changed[:20, :20].any()


def test_overlay_refuses_to_overwrite_the_photo(tmp_path, capsys):
    source = tmp_path / "me.png"
    source.write_bytes(face_photo("deepface_img21.jpg").read_bytes())
    before = source.read_bytes()
    assert main(["analyze", str(source), "--overlay", str(source)]) == 2
    assert "original" in capsys.readouterr().err
    assert source.read_bytes() == before


@pytest.mark.parametrize("content", [None, b"", b"not an image at all"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, content):
    path = tmp_path / "broken.jpg"
    if content is not None:
        path.write_bytes(content)
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("likeness: error:") and "\n" not in err


def test_missing_argument_is_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["analyze"])
    assert stop.value.code == 2

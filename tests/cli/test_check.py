"""``likeness check``: headshots scored against photos of you, a folder in, a sheet and JSON
out; bad input one line and a non-zero exit."""

from __future__ import annotations

import json
import os

import numpy as np

from studio.cli import main
from studio.imaging import load
from tests.helpers.photos import face_photo


def _folder(tmp_path, names):
    folder = tmp_path / "headshots"
    folder.mkdir()
    for name in names:
        os.symlink(face_photo(name), folder / name)  # the shared photos are never copied
    return folder


def test_check_on_a_folder_writes_a_sheet_and_json(tmp_path, capsys):
    folder = _folder(tmp_path, ["deepface_img2.jpg", "deepface_img3.jpg",
                                "face-alignment_grass.jpg"])
    sheet = tmp_path / "sheet.jpg"
    code = main(["check", str(folder), "--ref", str(face_photo("deepface_img1.jpg")),
                 "--json", "--sheet", str(sheet)])
    assert code == 1  # the grass photo has no face
    result = json.loads(capsys.readouterr().out)
    photos = {os.path.basename(p["path"]): p for p in result["photos"]}
    assert photos["face-alignment_grass.jpg"] == {
        "path": str(folder / "face-alignment_grass.jpg"), "problem": "no face found"}
    same, other = photos["deepface_img2.jpg"], photos["deepface_img3.jpg"]
    assert same["like_you"] > other["like_you"]
    assert same["colour"] == "green" and other["colour"] == "red"
    assert same["top_region"] in same["breakdown"] and same["faces"] == 1
    assert abs(sum(same["breakdown"].values()) - 1.0) < 0.01
    written = load(sheet).pixels
    assert written.shape[1] == 3 * 256 and written.shape[0] > 256
    assert float(np.std(written)) > 0.05


def test_check_lines_name_the_face_and_the_region(tmp_path, capsys):
    code = main(["check", str(face_photo("deepface_selfie-many-people.jpg")),
                 "--ref", str(face_photo("deepface_img1.jpg")),
                 "--ref", str(face_photo("deepface_img2.jpg"))])
    assert code == 0
    line = capsys.readouterr().out.strip()
    assert "like you" in line and "of 7 (left)" in line and "most of the difference is in" in line


def test_bad_references_are_one_line_each_and_the_check_still_runs(tmp_path, capsys):
    code = main(["check", str(face_photo("deepface_img2.jpg")),
                 "--ref", str(face_photo("deepface_img1.jpg")),
                 "--ref", str(tmp_path / "gone.jpg"),
                 "--ref", str(face_photo("deepface_img1.jpg"))])
    assert code == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"likeness: reference {tmp_path / 'gone.jpg'}: no such file",
        f"likeness: reference {face_photo('deepface_img1.jpg')}: the same file given twice",
    ]
    assert "like you" in captured.out


def test_no_usable_reference_is_one_line_and_exit_2(capsys):
    code = main(["check", str(face_photo("deepface_img2.jpg")),
                 "--ref", str(face_photo("face-alignment_grass.jpg"))])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "likeness: error: no usable photo of you among the --ref photos"
    assert "Traceback" not in "\n".join(err)


def test_the_sheet_is_never_written_over_an_input(tmp_path, capsys):
    headshot = tmp_path / "me.jpg"
    os.symlink(face_photo("deepface_img2.jpg"), headshot)
    before = face_photo("deepface_img2.jpg").read_bytes()
    code = main(["check", str(headshot), "--ref", str(face_photo("deepface_img1.jpg")),
                 "--sheet", str(headshot)])
    assert code == 2
    assert "refusing to write" in capsys.readouterr().err
    assert face_photo("deepface_img2.jpg").read_bytes() == before


def test_retouch_with_ref_says_how_like_you_the_written_file_is(tmp_path, capsys):
    out = tmp_path / "out.jpg"
    code = main(["retouch", str(face_photo("deepface_img25.jpg")), "-o", str(out),
                 "--set", "smooth=1", "--ref", str(face_photo("deepface_img24.jpg"))])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("like you ") and "(the original: " in lines[-1]
    figure = int(lines[-1].split()[2].rstrip("%"))
    assert 60 <= figure <= 100  # the same man: green, as the original


def test_retouch_with_only_bad_refs_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out.jpg"
    code = main(["retouch", str(face_photo("deepface_img25.jpg")), "-o", str(out),
                 "--ref", str(face_photo("face-alignment_grass.jpg"))])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "likeness: error: no usable photo of you among the --ref photos"


def test_the_batch_report_says_how_like_you_each_file_is(tmp_path, capsys):
    import csv

    report = tmp_path / "report.csv"
    code = main(["batch", str(face_photo("deepface_img25.jpg")),
                 str(face_photo("deepface_img3.jpg")), "-o", str(tmp_path / "out"),
                 "--workers", "1", "--report", str(report),
                 "--ref", str(face_photo("deepface_img24.jpg")), "--export", "linkedin"])
    assert code == 0
    rows = {os.path.basename(r["input"]): r for r in csv.DictReader(report.open())}
    assert float(rows["deepface_img25.jpg"]["like_you_percent"]) >= 60  # the same man
    assert float(rows["deepface_img3.jpg"]["like_you_percent"]) < 30  # someone else


def test_the_contact_sheet_says_how_like_you_each_version_is(tmp_path, capsys):
    from PIL import Image

    sheet = tmp_path / "sheet.jpg"
    code = main(["retouch", str(face_photo("deepface_img25.jpg")), "--contact-sheet", str(sheet),
                 "--look", "original", "--look", "linkedin",
                 "--ref", str(face_photo("deepface_img24.jpg"))])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Original: likeness 100.0%, like you ")
    assert lines[1].startswith("LinkedIn, ") and ", like you " in lines[1]
    figures = [int(line.rsplit(" ", 1)[1].rstrip("%")) for line in lines[:2]]
    assert all(60 <= f <= 100 for f in figures)  # the same man, on every version
    width, height = Image.open(sheet).size
    assert width == 2 * 512 and height >= 512 + 56 + 26  # a second line under each tile


def test_someone_else_is_said_so_not_given_a_region(capsys):
    from types import SimpleNamespace

    from studio.face.reference import HeadshotCheck
    from studio.session.check_sheet import CheckedPhoto, label_lines

    parts = SimpleNamespace(top="mouth")
    other = CheckedPhoto("other.jpg", HeadshotCheck(like_you=12.0, faces=1, breakdown=parts))
    assert label_lines(other) == ["other.jpg", "like you 12%", "looks like someone else"]
    near = CheckedPhoto("me.jpg", HeadshotCheck(like_you=45.0, faces=1, breakdown=parts))
    assert label_lines(near) == ["me.jpg", "like you 45%", "differs most: mouth"]
    code = main(["check", str(face_photo("deepface_img3.jpg")),
                 "--ref", str(face_photo("deepface_img1.jpg"))])
    assert code == 0
    line = capsys.readouterr().out.strip()
    assert "(red: looks like someone else)" in line and "most of the difference" not in line

"""A look's budget set against the photos of you (``--budget-to-me``): the written file is at
least that like you, the likeness budget stays the floor; bad input one line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from studio.cli import main
from studio.service.retouch import within_both
from studio.session import Session
from tests.helpers.photos import face_photo

#: An edit strong enough to take the face a little further from the man's other photo.
STRONG = {"smooth": 1, "face_light": 1, "shadows": -1, "eyes": 1, "warmth": 1, "shine": 1}


def _prepared(percent, me):
    return SimpleNamespace(percent=percent, me=me)


def test_within_both_reaches_the_floor_when_either_figure_does():
    figure = within_both(90.0, 70.0, lambda p: p.me)
    assert figure(_prepared(95.0, 75.0)) == pytest.approx(95.0)  # 5 points in hand on both
    assert figure(_prepared(95.0, 69.0)) < 90.0  # like you below its budget: not within
    assert figure(_prepared(89.0, 99.0)) < 90.0  # the likeness below the floor: not within
    assert figure(_prepared(None, 80.0)) == pytest.approx(100.0)  # no face: nothing to hold
    assert figure(_prepared(92.0, None)) == pytest.approx(92.0)  # you cut off: the floor alone


def test_budget_to_me_eases_the_edit_until_the_file_is_as_like_you_as_the_photo(tmp_path):
    from studio.face.reference import read_references
    from studio.service.retouch_file import RetouchRequest, retouch_file

    identity = read_references([face_photo("deepface_img24.jpg")])
    session = Session(references=identity.usable).with_sliders(STRONG)
    photo = face_photo("deepface_img25.jpg")
    free = retouch_file(RetouchRequest(photo=photo, session=session, output=tmp_path / "free.jpg"))
    assert free.like_you_percent < free.like_you_original  # the edit took some of you
    # Halfway between the edit's and the photo's own: the file's figure moves by ~0.5 of a point
    # from one amount to the next (the JPEG), so the photo's own figure (100% asked, below) may
    # be out of reach at every amount but 0 (smooth version 5: 88.06 at 1, 88.26 at 0.05,
    # 88.76-89.32 at 0.1-0.7, against 88.73).
    budget = (free.like_you_percent + free.like_you_original) / 2
    kept = retouch_file(RetouchRequest(photo=photo, session=session, output=tmp_path / "kept.jpg",
                                       budget_to_me=budget))
    assert kept.status == "ok"
    assert kept.like_you_percent >= budget
    assert 0 < kept.amount < 1.0  # eased, not switched off
    most = retouch_file(RetouchRequest(photo=photo, session=session, output=tmp_path / "most.jpg",
                                       budget_to_me=100))
    assert most.status == "ok" and most.amount < 1.0  # 100% asked: the photo's own figure kept
    assert most.like_you_percent >= most.like_you_original or most.amount == 0
    assert any("below 100%: kept at least that" in note for note in most.notes)


def test_budget_to_me_keeps_the_looks_budget_as_the_floor(tmp_path, capsys):
    out = tmp_path / "out.jpg"
    code = main(["retouch", str(face_photo("deepface_img25.jpg")), "-o", str(out),
                 "--look", "linkedin", "--ref", str(face_photo("deepface_img24.jpg")),
                 "--budget-to-me", "0"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    likeness = float(lines[0].split()[1].rstrip("%"))
    assert likeness >= 90  # the LinkedIn look's budget, against the original
    assert lines[-1].startswith("like you ") and "(the original: " in lines[-1]


@pytest.mark.parametrize("extra, said", [
    (["--budget-to-me", "80"], "--budget-to-me needs photos of you: give --ref ME.jpg"),
    (["--budget-to-me", "120", "--ref", "ME"], "--budget-to-me must be a percent 0..100, not 120"),
])
def test_budget_to_me_bad_input_is_one_line(tmp_path, capsys, extra, said):
    out = tmp_path / "out.jpg"
    extra = [str(face_photo("deepface_img24.jpg")) if e == "ME" else e for e in extra]
    code = main(["retouch", str(face_photo("deepface_img25.jpg")), "-o", str(out), *extra])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"likeness: error: {said}"]


def test_batch_budget_to_me_eases_each_photo_and_says_so(tmp_path):
    import csv

    report = tmp_path / "report.csv"
    sets = [arg for key, value in STRONG.items() for arg in ("--set", f"{key}={value}")]
    code = main(["batch", str(face_photo("deepface_img25.jpg")), "-o", str(tmp_path / "out"),
                 "--workers", "1", "--report", str(report), *sets,
                 "--ref", str(face_photo("deepface_img24.jpg")), "--budget-to-me", "100"])
    assert code == 0
    (row,) = list(csv.DictReader(report.open()))
    # eased (to 0 when no amount keeps the photo's own figure through the JPEG's noise)
    assert row["status"] == "ok" and 0 <= float(row["amount_percent"]) < 100
    assert "below 100%: kept at least that" in row["reason"]
    assert float(row["like_you_percent"]) >= 60

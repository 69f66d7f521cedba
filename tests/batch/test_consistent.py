"""``likeness batch --consistent`` (issue 29): photos of the same person get one look amount,
the lowest any of them needs to keep the look's likeness budget; the report names the group.
The same-person pair is MANIFEST.csv's (jeff_bezos: img20, img21), with another person's photo."""

from __future__ import annotations

import numpy as np
import pytest

from studio.batch.consistent import (
    SAME_PERSON,
    Corrections,
    group_by_person,
    main_face_descriptor,
)
from tests.batch.test_batch import read_report, run_cli
from tests.helpers.photos import face_photo

PAIR = ("deepface_img20.jpg", "deepface_img21.jpg")  # the same person (MANIFEST.csv)
OTHER = "deepface_img25.jpg"
#: The linkedin look's likeness budget, percent.
BUDGET = 90.0


def test_the_likeness_descriptor_groups_the_same_person():
    names = (*PAIR, OTHER)
    found = {name: main_face_descriptor(face_photo(name)) for name in names}
    assert np.linalg.norm(found[PAIR[0]] - found[PAIR[1]]) < SAME_PERSON
    assert group_by_person(found) == [list(PAIR), [OTHER]]


def test_grouping_joins_through_any_photo_of_a_person():
    a, b, c = np.zeros(128), np.zeros(128), np.zeros(128)
    b[0], c[0] = 0.4, 0.8  # a-b and b-c close, a-c not: one person seen in three frames
    assert group_by_person({"a": a, "b": b, "c": c, "d": np.full(128, 1.0)}) == [
        ["a", "b", "c"], ["d"]]


def test_a_person_s_photos_share_the_lowest_amount(tmp_path):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in (*PAIR, OTHER):
        (shoot / name).symlink_to(face_photo(name))
    report = tmp_path / "report.csv"
    code, out, err = run_cli("batch", shoot, "-o", tmp_path / "out", "--look", "linkedin",
                             "--consistent", "--report", report, "--workers", "1")
    assert code == 0, out + err
    rows = read_report(report)
    first, second = (rows[name] for name in PAIR)
    assert first["group"] == second["group"] != rows[OTHER]["group"] != ""
    assert first["group"].startswith("person 1 (2 photos, amount of ")
    assert first["amount_percent"] == second["amount_percent"]
    assert "1 photo again at" in out  # their own amounts differed: one was redone
    for row in rows.values():
        assert float(row["likeness_percent"]) >= BUDGET - 0.5, row


@pytest.mark.parametrize("extra", [(), ("--set", "smooth=1")])
def test_consistent_needs_a_budget(tmp_path, extra):
    photo = tmp_path / OTHER
    photo.symlink_to(face_photo(OTHER))
    code, out, err = run_cli("batch", photo, "-o", tmp_path / "out", "--consistent", *extra)
    assert code == 2 and "--consistent needs a look with a likeness budget" in err
    assert len(err.strip().splitlines()) == 1


def test_the_user_corrects_the_groups():
    """--same-person joins photos the descriptor keeps apart (or finds no face on);
    --other-person takes a photo out of the group the descriptor put it in."""
    a, b, c, far = np.zeros(128), np.zeros(128), np.zeros(128), np.full(128, 1.0)
    b[0], c[0] = 0.4, 0.8
    found = {"shoot/a.jpg": a, "shoot/b.jpg": b, "shoot/c.jpg": c, "shoot/d.jpg": far,
             "shoot/profile.jpg": None}
    assert group_by_person(found) == [["shoot/a.jpg", "shoot/b.jpg", "shoot/c.jpg"],
                                      ["shoot/d.jpg"]]
    apart = Corrections(apart=("b.jpg",))  # by file name: b was the only link of a and c
    assert group_by_person(found, apart) == [["shoot/a.jpg"], ["shoot/b.jpg"], ["shoot/c.jpg"],
                                             ["shoot/d.jpg"]]
    same = Corrections(same=(("shoot/d.jpg", "a.jpg", "profile.jpg"),))
    assert group_by_person(found, same) == [
        ["shoot/a.jpg", "shoot/b.jpg", "shoot/c.jpg", "shoot/d.jpg", "shoot/profile.jpg"]]
    both = Corrections(same=(("a.jpg", "b.jpg"),), apart=("b.jpg",))  # the user's last word
    assert group_by_person(found, both) == [["shoot/a.jpg", "shoot/b.jpg"], ["shoot/c.jpg"],
                                            ["shoot/d.jpg"]]


def test_the_command_line_takes_a_photo_out_of_its_group(tmp_path):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in PAIR:
        (shoot / name).symlink_to(face_photo(name))
    report = tmp_path / "report.csv"
    code, out, err = run_cli("batch", shoot, "-o", tmp_path / "out", "--look", "linkedin",
                             "--consistent", "--other-person", PAIR[1], "--report", report,
                             "--workers", "1")
    assert code == 0, out + err
    rows = read_report(report)
    assert rows[PAIR[0]]["group"].startswith("person 1 (1 photo,")
    assert rows[PAIR[1]]["group"].startswith("person 2 (1 photo,")
    assert "again at" not in out


def test_corrections_need_consistent(tmp_path):
    photo = tmp_path / OTHER
    photo.symlink_to(face_photo(OTHER))
    code, out, err = run_cli("batch", photo, "-o", tmp_path / "out", "--look", "linkedin",
                             "--same-person", f"{OTHER},{OTHER}")
    assert code == 2 and "add --consistent" in err and len(err.strip().splitlines()) == 1

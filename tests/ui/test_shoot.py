"""The same amount for each person, without Qt (issue 29 item 3): the one loop that writes a
person's photos again at its amount (``consistent_results``, the CLI's and the studio's), a
photo's own session at its person's amount, and the shoot's people file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.batch.consistent import Corrections, consistent_results, own_at_amount
from studio.batch.inputs import Job
from studio.batch.report import OK, PhotoResult
from studio.render.amount import scaled
from studio.session import Session, load_look
from studio.ui import shoot


def _shoot(amounts: dict[str, float]):
    jobs = [Job(Path(f"/shoot/{name}"), Path(f"/shoot/exported/{name}")) for name in amounts]
    results = [PhotoResult(input=job.shown_input, output="", status=OK,
                           amount_percent=100 * amounts[Path(job.input).name]) for job in jobs]
    return jobs, results


def _faces(**people: int):
    """A descriptor per photo: photos given the same number are one person."""
    return lambda names: {name: np.full(128, float(people[Path(name).stem])) for name in names}


def test_a_person_s_photos_above_its_amount_are_written_again_in_one_batch():
    jobs, results = _shoot({"a.jpg": 1.0, "b.jpg": 0.8, "c.jpg": 1.2, "d.jpg": 0.9})
    calls = []

    def redo(again, amounts):
        calls.append(([Path(j.input).name for j in again], amounts))
        return [PhotoResult(input=j.shown_input, output="", status=OK, likeness_percent=95.0,
                            amount_percent=100 * amounts[j.shown_input]) for j in again]

    final = consistent_results(results, jobs, redo,
                               describe=_faces(a=0, b=0, c=3, d=3))
    assert calls == [(["a.jpg", "c.jpg"], {"/shoot/a.jpg": 0.8, "/shoot/c.jpg": 0.9})]
    by_name = {Path(r.input).name: r for r in final}
    assert by_name["a.jpg"].likeness_percent == 95.0  # the result written again
    assert by_name["a.jpg"].amount_percent == by_name["b.jpg"].amount_percent == 80.0
    assert by_name["a.jpg"].group == "person 1 (2 photos, amount of b.jpg)"
    assert by_name["c.jpg"].group == by_name["d.jpg"].group == "person 2 (2 photos, amount of d.jpg)"


def test_the_user_s_word_changes_who_is_written_again():
    jobs, results = _shoot({"a.jpg": 1.0, "b.jpg": 0.8})
    calls = []
    consistent_results(results, jobs, lambda again, amounts: calls.append(amounts) or [],
                       Corrections(apart=("b.jpg",)), describe=_faces(a=0, b=0))
    assert calls == []  # someone else: each keeps its own amount
    consistent_results(results, jobs, lambda again, amounts: calls.append(amounts) or [],
                       Corrections(same=(("a.jpg", "b.jpg"),)), describe=_faces(a=0, b=5))
    assert calls == [{"/shoot/a.jpg": 0.8}]


def test_a_photo_s_own_session_at_its_person_s_amount():
    look = load_look("linkedin")
    found = dict(scaled(look.sliders, 0.8), smooth=0.3, bg_blur=0.6)  # smooth set by hand
    session = Session(sliders=found, look="linkedin", budget=look.budget, amount=0.8)
    at = own_at_amount(session, 0.5)
    assert at.amount == 0.5
    assert at.sliders["smooth"] == 0.3 and at.sliders["bg_blur"] == 0.6  # the photo's own
    assert at.sliders["blemish"] == pytest.approx(look.sliders["blemish"] * 0.5)
    synced = Session(sliders=dict(look.sliders), look="linkedin", budget=look.budget)
    assert own_at_amount(synced, 0.5).sliders == {**scaled(look.sliders, 0.5)}


def test_the_people_file_keeps_the_corrections(tmp_path):
    corrections = shoot.same_person(Corrections(), ["a.jpg", "b.jpg"])
    corrections = shoot.same_person(corrections, ["b.jpg", "c.jpg"])  # one person: a, b, c
    assert [sorted(s) for s in corrections.same] == [["a.jpg", "b.jpg", "c.jpg"]]
    corrections = shoot.someone_else(corrections, ["c.jpg", "d.jpg"])
    assert [sorted(s) for s in corrections.same] == [["a.jpg", "b.jpg"], ["c.jpg", "d.jpg"]]
    assert corrections.apart == ("c.jpg", "d.jpg")
    shoot.write_people(tmp_path, corrections)
    assert shoot.read_people(tmp_path) == (corrections, "")
    assert not [p for p in tmp_path.iterdir() if p.name != shoot.PEOPLE_FILE]  # no temp left


def test_the_people_file_is_never_written_over_another_file(tmp_path):
    from studio.errors import LikenessError

    (tmp_path / shoot.PEOPLE_FILE).write_text("notes of the shoot")
    with pytest.raises(LikenessError, match="refusing to replace"):
        shoot.write_people(tmp_path, Corrections(apart=("a.jpg",)))
    assert (tmp_path / shoot.PEOPLE_FILE).read_text() == "notes of the shoot"

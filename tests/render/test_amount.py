"""A look's amount and ``--keep-likeness PCT`` (issue 20): the face sliders are eased by one
factor until the likeness is at least PCT, instead of refusing like ``--min-likeness``."""

from __future__ import annotations

import csv
import importlib

import pytest
from PIL import Image

from studio.cli import main
from studio.face import analyze
from studio.render.amount import STEP, scaled, strongest_amount, strongest_steps
from tests.helpers.photos import face_photo
from tests.helpers.promises import load_photo

#: Strong enough that the full amount costs clearly more than 6 likeness points on img1
#: (measured 10-12 at 100%), so easing is needed and measurable.
STRONG = ("smooth=1", "shadows=1", "face_light=0.6", "eyes=1", "warmth=0.5")


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _sets() -> list[str]:
    return [arg for value in STRONG for arg in ("--set", value)]


def _figure(out: str, prefix: str) -> float:
    line = next(line for line in out.splitlines() if line.startswith(prefix))
    return float(line.split()[len(prefix.split())].rstrip("%"))


def test_scaled_multiplies_face_sliders_only_within_their_ranges():
    sliders = {"smooth": 0.8, "face_light": -0.6, "bg_blur": 0.5, "warmth": 0.4,
               "backdrop": "#f2f2f2"}
    half = scaled(sliders, 0.5)
    assert half["smooth"] == pytest.approx(0.4) and half["face_light"] == pytest.approx(-0.3)
    # The photo's colour and the background are not the face: they stay.
    assert half["warmth"] == 0.4 and half["bg_blur"] == 0.5 and half["backdrop"] == "#f2f2f2"
    assert scaled(sliders, 1.5)["smooth"] == 1.0  # never past the slider's end


def test_the_strongest_amount_keeps_the_budget_and_one_step_more_does_not():
    pixels = load_photo("deepface_img1.jpg", 6e5)
    analysis = analyze(pixels)
    sliders = dict(value.split("=") for value in STRONG)
    sliders = {key: float(value) for key, value in sliders.items()}
    found = strongest_amount(pixels, analysis, sliders, 95.0)
    assert 0 < found.amount < 1.0, found
    assert found.likeness_percent >= 95.0
    assert found.renders <= 4  # a few measures where the curve crosses 95%, not a bisection
    stronger = strongest_amount(pixels, analysis, sliders, 95.0, most=found.amount + STEP)
    assert stronger.amount == pytest.approx(found.amount)  # one step more is below 95%
    assert strongest_amount(pixels, analysis, sliders, 0.0).amount == pytest.approx(1.5)


def test_keep_likeness_eases_until_the_likeness_holds_and_says_how_much(tmp_path, capsys):
    photo = face_photo("deepface_img1.jpg")
    code, out, err = _run(capsys, "retouch", photo, "-o", tmp_path / "full.png", *_sets())
    assert code == 0, err
    full = _figure(out, "likeness")
    assert full < 94, f"the full amount should cost more than the budget below: {full}"

    code, out, err = _run(capsys, "retouch", photo, "-o", tmp_path / "eased.png", *_sets(),
                          "--keep-likeness", 94)
    assert code == 0, err
    eased = _figure(out, "likeness")
    amount = _figure(out, "eased the face sliders to")
    assert eased >= 94.0 and 0 < amount < 100, out
    assert "lighter" in out
    assert Image.open(tmp_path / "eased.png").size == Image.open(tmp_path / "full.png").size


def test_keep_likeness_leaves_a_light_look_at_full_strength(tmp_path, capsys):
    code, out, err = _run(capsys, "retouch", face_photo("deepface_img1.jpg"), "-o",
                          tmp_path / "out.png", "--look", "portfolio", "--keep-likeness", 80)
    assert code == 0, err
    assert _figure(out, "eased the face sliders to") == 100


@pytest.mark.parametrize("value", ["120", "-1"])
def test_keep_likeness_outside_a_percent_is_one_line_and_exit_2(tmp_path, capsys, value):
    code, out, err = _run(capsys, "retouch", face_photo("deepface_img1.jpg"), "-o",
                          tmp_path / "out.png", "--keep-likeness", value)
    assert code == 2 and "--keep-likeness must be a percent 0..100" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out.png").exists()


def test_batch_keep_likeness_writes_each_photos_amount_in_the_report(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("deepface_img1.jpg", "face_recognition_obama1.jpg"):
        (folder / name).symlink_to(face_photo(name))
    report = tmp_path / "report.csv"
    code, out, err = _run(capsys, "batch", folder, "-o", tmp_path / "out", *_sets(),
                          "--keep-likeness", 94, "--report", report, "--workers", 1)
    assert code == 0, err
    rows = list(csv.DictReader(report.open()))
    assert len(rows) == 2
    for row in rows:
        assert row["status"] == "ok", row
        assert float(row["likeness_percent"]) >= 94.0, row
        assert 0 < float(row["amount_percent"]) < 100, row
    assert "face sliders at" in out + err


def _curve(drop_per_step: float, power: float = 1.0):
    """A likeness that falls smoothly with the steps, and the calls made to it."""
    calls: list[int] = []

    def likeness_at(steps: int) -> float:
        calls.append(steps)
        return 100.0 - drop_per_step * steps ** power

    return likeness_at, calls


@pytest.mark.parametrize("drop, power", [(0.5, 1.0), (0.05, 2.0), (3.0, 0.5), (0.01, 1.0),
                                         (6.0, 1.0)])
def test_the_search_finds_the_strongest_step_within_in_a_few_measures(drop, power):
    likeness_at, calls = _curve(drop, power)
    found = strongest_steps(likeness_at, 95.0, 30, 20)
    within = [s for s in range(31) if 100.0 - drop * s ** power >= 95.0]
    assert found == max(within)
    assert found == 30 or found + 1 in calls  # the next step up was measured below
    assert len(calls) <= 5, calls  # a bisection over 30 steps takes 6


def test_stepping_down_from_a_known_miss_measures_only_below_it():
    likeness_at, calls = _curve(0.4)  # 95% is crossed at 12.5 steps
    found = strongest_steps(likeness_at, 95.0, 14, None, measured={14: 94.4})
    assert found == 12 and all(s < 14 for s in calls) and len(calls) <= 3, calls


def test_stepping_down_on_the_full_render_is_bounded_and_the_strongest_within(
        tmp_path, monkeypatch):
    """--keep-likeness 80 finds the amount on the face crop (about 50%); --min-likeness 95 then
    makes the full render step down (to about 10%): a few full renders (the old walk down took
    one per 5% step, nine here), to a picture that keeps 95% while one step more (on the same
    full render) does not."""
    from studio.face import analyze_photo, likeness_percent
    from studio.face.likeness import likeness_distance
    from studio.imaging import load
    from studio.render import render_photo
    service = importlib.import_module("studio.service.retouch_file")

    renders = _counted_renders(monkeypatch, service)
    path = face_photo("deepface_img1.jpg")
    sliders = {key: float(value) for key, value in (v.split("=") for v in STRONG)}
    result = service.retouch_file(service.RetouchRequest(photo=path, session=sliders,
                                                         output=tmp_path / "out.png",
                                                         min_likeness=95.0, keep_likeness=80.0))
    assert result.status == "ok" and result.likeness_percent >= 95.0, result
    assert 0 < result.amount < 1.0
    steps = {r["smooth"] for r in renders}  # each step measured once, the chosen one written
    assert 2 <= len(steps) <= 4 and len(renders) <= len(steps) + 1, [r["smooth"] for r in renders]
    photo = load(path)
    analysis = analyze_photo(photo)
    stronger = render_photo(photo.pixels, analysis, scaled(sliders, result.amount + STEP))
    assert likeness_percent(likeness_distance(photo.pixels, stronger, analysis.face())) < 95.0


def _counted_renders(monkeypatch, service) -> list[dict]:
    """The slider values of every render ``retouch_file`` makes (of its kept retoucher):
    of the whole photo, or of its faces' box (``render_box``, an amount step settled on
    the faces' box of the written file)."""
    renders: list[dict] = []
    real = service.kept_retoucher

    def kept(*args, **kwargs):
        retoucher = real(*args, **kwargs)
        for name in ("render", "render_box"):
            made = getattr(retoucher, name)

            def counted(sliders, *more, made=made, **options):
                renders.append(dict(sliders))
                return made(sliders, *more, **options)

            setattr(retoucher, name, counted)
        return retoucher

    monkeypatch.setattr(service, "kept_retoucher", kept)
    return renders


def test_the_person_matte_is_made_once_for_every_render_of_a_run(tmp_path, monkeypatch):
    """The full renders a run's likeness steps through share one retoucher: the photo's person
    matte (and every preparation) is made once, not once per amount step, and each render's
    bits are those of a fresh render."""
    from studio.face import analyze_photo
    from studio.imaging import load
    from studio.render.everyone import render_faces
    service = importlib.import_module("studio.service.retouch_file")
    person = importlib.import_module("studio.face.person")

    path = face_photo("deepface_img1.jpg")
    photo = load(path)
    mattes: list[tuple[int, int]] = []
    real = person.person_alpha

    def counted(pixels, *args, **kwargs):
        mattes.append(pixels.shape[:2])
        return real(pixels, *args, **kwargs)

    monkeypatch.setattr(person, "person_alpha", counted)
    renders = _counted_renders(monkeypatch, service)
    sliders = {key: float(value) for key, value in (v.split("=") for v in STRONG)}
    sliders["bg_blur"] = 0.5
    result = service.retouch_file(service.RetouchRequest(photo=path, session=sliders,
                                                         output=tmp_path / "out.png",
                                                         min_likeness=95.0, keep_likeness=80.0))
    assert result.status == "ok" and len(renders) >= 2, (result, len(renders))
    assert mattes.count(photo.pixels.shape[:2]) == 1, mattes

    analysis = analyze_photo(photo)
    kept = service.kept_retoucher(photo.pixels, analysis, [0])
    for values in renders[:2]:
        assert (kept.render(values, ()) == render_faces(photo.pixels, analysis, values, [0])).all()


def test_a_looks_amount_leaves_values_set_by_hand_as_set(tmp_path, capsys):
    """Like Lightroom's preset amount: --set over a look is not rescaled; the look's other
    face sliders are."""
    from studio.session import load_look, load_session

    saved = tmp_path / "s.likeness.json"
    code, out, err = _run(capsys, "retouch", face_photo("deepface_img1.jpg"), "-o",
                          tmp_path / "out.png", "--look", "linkedin", "--set", "eyes=0.9",
                          "--save-session", saved)
    assert code == 0, err
    amount = _figure(out, "LinkedIn,") / 100
    assert amount != 1.0, out  # the look's values really were scaled
    session, look = load_session(saved), load_look("linkedin")
    assert session.sliders["eyes"] == pytest.approx(0.9)
    assert session.sliders["smooth"] == pytest.approx(look.sliders["smooth"] * amount)
    assert session.amount == pytest.approx(amount)

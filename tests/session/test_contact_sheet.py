"""``likeness retouch IMAGE --contact-sheet OUT.jpg``: versions side by side with their
likeness, through the write guard."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from PIL import Image

from studio import imaging
from studio.cli import main
from studio.imaging.sample import sample_photo


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    path = tmp_path_factory.mktemp("sheet") / "astronaut.jpg"
    path.write_bytes(imaging.encode(sample_photo().pixels, "JPEG", quality=95))
    return path


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_sheet_is_the_original_and_the_four_looks_with_likeness(
    portrait, tmp_path, capsys
):
    before = hashlib.sha256(portrait.read_bytes()).hexdigest()
    sheet = tmp_path / "sheet.jpg"
    code, out, err = _run(capsys, "retouch", portrait, "--contact-sheet", sheet)
    assert code == 0, err
    lines = out.splitlines()
    labels = [line.split(":")[0].split(",")[0] for line in lines[:5]]
    assert labels == ["Original", "Natural", "LinkedIn", "Nonprofit", "Portfolio"]
    assert lines[0].endswith("likeness 100.0%")
    percents = [float(line.rsplit(" ", 1)[1].rstrip("%")) for line in lines[:5]]
    assert all(50 < p <= 100 for p in percents)
    image = Image.open(sheet)
    assert image.format == "JPEG" and image.size[0] == 5 * 512
    # Five different pictures: the looks really render (tiles differ from the original).
    rgb = np.asarray(image.convert("RGB"), np.float32)
    tiles = [rgb[:400, i * 512 : (i + 1) * 512] for i in range(5)]
    differences = [float(np.abs(t - tiles[0]).mean()) for t in tiles[1:]]
    # (Natural is shown at its amount within its budget: lighter than at 100% on this photo.)
    assert min(differences) > 0.02 and max(differences) > 1.0, differences
    assert hashlib.sha256(portrait.read_bytes()).hexdigest() == before


def test_each_look_is_shown_at_the_amount_found_within_its_budget(portrait, tmp_path, capsys):
    """As applying the look gives: the strongest amount within its budget on this photo, in
    the caption with the likeness ("LinkedIn, 85% — likeness 93.4%")."""
    from studio.session import load_look

    code, out, err = _run(capsys, "retouch", portrait, "--contact-sheet", tmp_path / "s.jpg",
                          "--look", "original", "--look", "linkedin", "--look", "natural")
    assert code == 0, err
    lines = out.splitlines()
    assert re.fullmatch(r"Original: likeness 100\.0%", lines[0]), lines
    for line, key in zip(lines[1:3], ("linkedin", "natural"), strict=True):
        look = load_look(key)
        shown = re.fullmatch(rf"{look.name}, (\d+)% \N{{EM DASH}} likeness (\d+\.\d)%", line)
        assert shown, line
        amount, likeness = int(shown[1]), float(shown[2])
        assert 0 <= amount <= 150 and amount % 5 == 0
        # Found on the face crop, measured on the sheet's render: within a point of the budget.
        assert likeness >= look.budget - 1.0, line
        assert amount != 100 or likeness < look.budget + 3, line  # not simply the look at 100%


def test_chosen_looks_only(portrait, tmp_path, capsys):
    sheet = tmp_path / "two.png"
    code, out, err = _run(capsys, "retouch", portrait, "--contact-sheet", sheet,
                          "--look", "natural", "--look", "original")  # fmt: skip
    assert code == 0, err
    assert Image.open(sheet).size[0] == 2 * 512
    assert out.splitlines()[1].startswith("Original")


def test_the_sheet_never_writes_over_the_photo(portrait, capsys):
    before = portrait.read_bytes()
    code, out, err = _run(capsys, "retouch", portrait, "--contact-sheet", portrait)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert portrait.read_bytes() == before


def test_several_looks_without_a_sheet_is_one_line(portrait, tmp_path, capsys):
    code, out, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "o.jpg",
                          "--look", "natural", "--look", "linkedin")  # fmt: skip
    assert code == 2 and "--contact-sheet" in err


def test_the_sheet_renders_the_sessions_crop_and_marks(portrait, tmp_path, capsys):
    from dataclasses import replace

    from studio.edits.marks import Mark
    from studio.face.skin import sample_points
    from studio.session import load_session, save_session

    first = tmp_path / "s.likeness.json"
    w, h = Image.open(portrait).size
    crop = f"{w * 0.2:.0f},{h * 0.05:.0f},{w * 0.48:.0f},{w * 0.6:.0f}"  # 4:5, by hand
    code, out, err = _run(capsys, "retouch", portrait, "-o", tmp_path / "o.jpg", "--crop", crop,
                          "--save-session", first)  # fmt: skip
    assert code == 0, err
    session = load_session(first)
    face = session.analysis_for(session.source.sha256).face(None)
    # the left cheek where the skin model samples it (the mean of jaw points 2-4 with the mouth
    # and nostril corners lay at the face's edge on the mesh's jaw line)
    cheek = sample_points(face)[2]
    keep = Mark("keep", ((float(cheek[0]), float(cheek[1])),), float(w * 0.05))
    marked = tmp_path / "marked.likeness.json"
    save_session(replace(session, marks=(keep,)), marked)
    # a look that visibly changes both cheeks (the portfolio look barely shows on a 512 px tile)
    bright = tmp_path / "bright.likeness.json"
    save_session(replace(session, sliders={**session.sliders, "face_light": 1.0}), bright)
    sheet = tmp_path / "sheet.png"
    code, out, err = _run(capsys, "retouch", portrait, "--contact-sheet", sheet, "--session",
                          marked, "--look", "original", "--look", bright)  # fmt: skip
    assert code == 0, err
    rgb = np.asarray(Image.open(sheet).convert("RGB"), np.float32)
    tile_h = rgb.shape[0] - 56
    assert abs(tile_h - 512 * 0.6 / 0.48) <= 2  # the session's 4:5 crop, not the square
    original, look = rgb[:tile_h, :512], rgb[:tile_h, 512:1024]
    x0, y0, cw, _ch = (float(v) for v in crop.split(","))
    scale = 512 / cw  # photo pixels -> tile pixels
    r = int(w * 0.05 * scale * 0.5)  # well inside the kept spot

    def change(point) -> float:
        cx, cy = int((point[0] - x0) * scale), int((point[1] - y0) * scale)
        return float(np.abs(look[cy - r : cy + r, cx - r : cx + r] - original[cy - r : cy + r, cx - r : cx + r]).mean())

    other_cheek = sample_points(face)[3]
    assert change(other_cheek) > 3.0  # the look is really rendered on the face
    assert change(cheek) < 0.25 * change(other_cheek)  # the keep mark shows the original there


def test_every_chosen_face_is_retouched_on_the_sheet():
    from studio.face import analyze_photo
    from studio.imaging import load
    from studio.imaging.export import Crop
    from studio.service.contact_sheet import Version, render_versions
    from tests.helpers.photos import face_photo

    photo = load(face_photo("dlib_2008_002506.jpg"))  # three people
    analysis = analyze_photo(photo)
    assert len(analysis.faces) >= 2
    other = next(i for i in range(len(analysis.faces)) if i != analysis.primary)
    strong = Version("Smooth", {"smooth": 1.0, "blemish": 1.0})
    whole = analysis
    everything = Crop.from_rect((0, 0, photo.width, photo.height), photo.width, photo.height)
    one = render_versions(photo.pixels, whole, [strong], faces=[analysis.primary],
                          crop=everything)[0]  # fmt: skip
    both = render_versions(photo.pixels, whole, [strong], faces=[analysis.primary, other],
                           crop=everything)[0]  # fmt: skip
    x0, y0, x1, y1 = (int(v) for v in analysis.faces[other].box)
    changed = np.abs(both.pixels[y0:y1, x0:x1] - one.pixels[y0:y1, x0:x1]).mean()
    assert changed > 1e-3  # the second face is smoothed only when it is chosen


def test_likeness_sheet_is_its_own_command_and_retouch_contact_sheet_its_alias(
        portrait, tmp_path, capsys):
    """``likeness sheet IMAGE -o SHEET`` (issue 31) writes the same sheet as the older
    ``likeness retouch IMAGE --contact-sheet SHEET``; its mistakes are one line, exit 2."""
    by_name, by_alias = tmp_path / "sheet.png", tmp_path / "alias.png"
    code, out, err = _run(capsys, "sheet", portrait, "-o", by_name,
                          "--look", "original", "--look", "natural")
    assert code == 0, err
    assert out.splitlines()[-1] == f"wrote {by_name} (2 versions)"
    code, alias_out, err = _run(capsys, "retouch", portrait, "--contact-sheet", by_alias,
                                "--look", "original", "--look", "natural")
    assert code == 0, err
    assert alias_out.splitlines()[:2] == out.splitlines()[:2]
    assert np.array_equal(np.asarray(Image.open(by_name)), np.asarray(Image.open(by_alias)))
    for argv in (("sheet", portrait), ("sheet", portrait, "-o", tmp_path / "x.png",
                                       "--budget-to-me", "80"),
                 ("sheet", portrait, "-o", tmp_path / "y.png", "--look", "natural")):
        try:
            code, out, err = _run(capsys, *argv)
        except SystemExit as stop:  # argparse's own usage errors
            code, (out, err) = stop.code, capsys.readouterr()
        assert code == 2 and len(err.strip().splitlines()) == 1, (argv, err)

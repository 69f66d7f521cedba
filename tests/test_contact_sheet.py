"""``likeness retouch IMAGE --contact-sheet OUT.jpg``: versions side by side with their
likeness, through the write guard."""

from __future__ import annotations

import hashlib

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
    labels = [line.split(":")[0] for line in lines[:5]]
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
    assert min(differences) > 0.1 and max(differences) > 1.0, differences
    assert hashlib.sha256(portrait.read_bytes()).hexdigest() == before


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

"""``likeness retouch --session`` applies the session's marks on their photo, and only there."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio import imaging
from studio.cli import main
from studio.edits.marks import Mark
from studio.session import Session, Source, save_session


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    from studio.imaging.sample import sample_photo

    folder = tmp_path_factory.mktemp("marks_cli")
    path = folder / "astronaut.png"
    path.write_bytes(imaging.encode(sample_photo().pixels, "PNG"))
    return path


def _marks(analysis) -> tuple[Mark, ...]:
    face = analysis.face(None)
    cheek = (face.landmarks[36] * 0.45 + face.landmarks[48] * 0.55).tolist()
    return (
        Mark("heal", ((round(cheek[0], 2), round(cheek[1], 2)),), round(face.iod / 25, 2)),
        Mark("keep", ((round(cheek[0], 2), round(cheek[1] - face.iod * 0.15, 2)),), 6.0),
    )


def test_retouch_with_a_session_applies_its_marks(portrait, tmp_path, capsys):
    from studio.face import analyze_photo
    from studio.render import render_photo

    photo = imaging.load(portrait)
    analysis = analyze_photo(photo)
    marks = _marks(analysis)
    session = Session(source=Source.of(portrait), marks=marks).with_sliders({"smooth": 0.6})
    saved = save_session(session, tmp_path / "s.likeness.json")
    out = tmp_path / "out.png"
    code = main(["retouch", str(portrait), "-o", str(out), "--session", str(saved)])
    printed = capsys.readouterr().out
    assert code == 0 and "not carried over" not in printed
    expected = render_photo(photo.pixels, analysis, {"smooth": 0.6}, marks=marks)
    without = render_photo(photo.pixels, analysis, {"smooth": 0.6})
    written = imaging.load(out).pixels
    assert np.abs(written - expected).max() <= 1 / 255 + 1e-6
    assert np.abs(written - without).max() > 0.02  # the marks made a difference


def test_marks_are_not_carried_over_to_another_photo(portrait, tmp_path, capsys):
    from studio.face import analyze_photo

    photo = imaging.load(portrait)
    session = Session(source=Source.of(portrait), marks=_marks(analyze_photo(photo)))
    saved = save_session(session, tmp_path / "s.likeness.json")
    other = tmp_path / "other.png"
    other.write_bytes(imaging.encode(np.ascontiguousarray(photo.pixels[:, ::-1]), "PNG"))
    kept = tmp_path / "kept.likeness.json"
    code = main(
        ["retouch", str(other), "-o", str(tmp_path / "o.png"), "--session", str(saved),
         "--save-session", str(kept)]
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if "carried over" in line]
    assert code == 0 and lines == ["note: 2 marks not carried over: they belong to the photo "
                                   "they were painted on"]
    assert "marks" not in json.loads(kept.read_text())

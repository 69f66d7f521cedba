"""A session applied to another photo uses that photo's own face (checked on the pixels
actually written, not on masks recomputed here), and a session file keeps every slider."""

from __future__ import annotations

import numpy as np
import pytest

from studio import imaging
from studio.edits.sliders import SLIDERS, default_sliders
from studio.face import analyze_photo
from studio.imaging.filters import resize
from studio.render import render_photo
from studio.service.retouch_file import RetouchRequest, retouch_file
from studio.session import Crop, Session, load_session, save_session
from tests.helpers.photos import face_photo

#: Face, light and background edits, so the face stage and the person/background split run.
SLIDERS_A = {
    "smooth": 0.7,
    "blemish": 0.5,
    "shine": 0.4,
    "face_light": 0.5,
    "shadows": 0.6,
    "eyes": 0.5,
    "teeth": 0.5,
    "warmth": 0.2,
    "bg_blur": 0.4,
}

#: Every slider at a distinct value that is not its default.
EVERY_SLIDER = {
    "smooth": 0.11,
    "blemish": 0.22,
    "shine": 0.33,
    "face_light": -0.44,
    "shadows": 0.55,
    "warmth": -0.66,
    "eyes": 0.77,
    "teeth": 0.88,
    "under_eye": 0.37,
    "bg_blur": 0.19,
    "bg_light": -0.29,
    "bg_desaturate": 0.39,
    "backdrop": "#a1b2c3",
}


def _small_copy(name: str, folder, size: tuple[int, int] = (700, 525)):
    """A downscaled, centre-cropped PNG copy of a shared test photo, ``size`` = (w, h): both
    people's copies have one size, so a stored analysis of A is not refused for its size."""
    photo = imaging.load(face_photo(name))
    scale = max(size[0] / photo.width, size[1] / photo.height)
    pixels = resize(photo.pixels, (round(photo.width * scale), round(photo.height * scale)))
    top = (pixels.shape[0] - size[1]) // 2
    left = (pixels.shape[1] - size[0]) // 2
    pixels = np.ascontiguousarray(pixels[top:top + size[1], left:left + size[0]])
    path = folder / (name.rsplit(".", 1)[0] + ".png")
    path.write_bytes(imaging.encode(pixels, "PNG"))
    return path


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    folder = tmp_path_factory.mktemp("people")
    return (
        _small_copy("deepface_img2.jpg", folder),  # light skin, woman, closed mouth
        _small_copy("deepface_img24.jpg", folder),  # medium-brown skin, man, glasses, smile
    )


def test_a_session_of_a_on_photo_b_renders_as_b_with_its_own_face(people, tmp_path):
    path_a, path_b = people
    saved = tmp_path / "a.likeness.json"
    first = retouch_file(RetouchRequest(photo=path_a, session=SLIDERS_A,
                                        output=tmp_path / "a.png", save_session_to=saved))
    assert first.status == "ok", first.reason
    session_a = load_session(saved)
    assert session_a.analysis is not None and session_a.analysis.face() is not None

    result = retouch_file(RetouchRequest(photo=path_b, session=session_a,
                                         output=tmp_path / "b.png"))
    assert result.status == "ok", result.reason

    photo_b = imaging.load(path_b)
    analysis_b = analyze_photo(photo_b)
    assert analysis_b.face() is not None, "no face found on deepface_img24 (MANIFEST: one face)"
    expected = render_photo(photo_b.pixels, analysis_b, session_a.sliders)
    written = imaging.load(tmp_path / "b.png").pixels
    assert written.shape == expected.shape
    worst = float(np.abs(written - expected).max())
    assert worst <= 0.5 / 255 + 1e-6, f"the written photo is off by {worst * 255:.1f}/255"
    # And it is not what A's face would have given (the comparison can tell them apart).
    with_a_face = render_photo(photo_b.pixels, session_a.analysis, session_a.sliders)
    assert np.abs(written - with_a_face).max() > 10 / 255


def test_every_slider_and_the_crop_survive_a_session_file(tmp_path):
    assert set(EVERY_SLIDER) == {s.key for s in SLIDERS}, "a slider is missing from this test"
    defaults = default_sliders()
    assert all(EVERY_SLIDER[k] != defaults[k] for k in EVERY_SLIDER)
    numbers = [v for v in EVERY_SLIDER.values() if isinstance(v, float)]
    assert len(set(numbers)) == len(numbers), "values must be distinct to catch a swap"
    crop = Crop(0.125, 0.25, 0.5, 0.625)
    session = Session(crop=crop).with_sliders(EVERY_SLIDER)
    path = save_session(session, tmp_path / "all.likeness.json")
    loaded = load_session(path)
    assert loaded.sliders == EVERY_SLIDER
    assert loaded.crop == crop


def test_every_slider_survives_the_command_line_session(people, tmp_path, capsys):
    """``likeness retouch --set ... --save-session`` then ``--session``: the same sliders."""
    from studio.cli import main

    argv = ["retouch", str(people[0]), "-o", str(tmp_path / "out.png")]
    for key, value in EVERY_SLIDER.items():
        argv += ["--set", f"{key}={value}"]
    saved = tmp_path / "cli.likeness.json"
    assert main([*argv, "--save-session", str(saved)]) == 0, capsys.readouterr().err
    assert load_session(saved).sliders == EVERY_SLIDER
    again = tmp_path / "again.png"
    assert main(["retouch", str(people[0]), "-o", str(again), "--session", str(saved)]) == 0
    assert again.read_bytes() == (tmp_path / "out.png").read_bytes()

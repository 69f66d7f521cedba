"""The person matte against hand-labelled regions, and the app without the learned models.

tests/data/matte_labels.json: for each shared photo, regions drawn by looking at it (photo pixel
coordinates) that must be person (hair tips, crowns, shoulders, the other people of a group
who touch the subject) and must be background (letters beside the head, a crowd, a gap
between heads). A region agrees when the matte puts >= 95% of its pixels on the right side
of alpha 0.5.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from studio.face import analyze, face_hull_mask, models
from studio.face.person import person_alpha
from studio.imaging import load
from tests.helpers.photos import face_photo

REPO = Path(__file__).resolve().parents[2]
LABELS = json.loads((REPO / "tests" / "data" / "matte_labels.json").read_text())


def _polygon(region: dict) -> np.ndarray:
    if "rect" in region:
        x0, y0, x1, y1 = region["rect"]
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.int32)
    return np.array(region["polygon"], np.int32)


def _agreement(alpha: np.ndarray, region: dict, person: bool) -> float:
    mask = np.zeros(alpha.shape, np.uint8)
    cv2.fillPoly(mask, [_polygon(region)], 1)
    values = alpha[mask > 0]
    assert values.size > 0, f"region {region['name']} is outside the photo"
    return float(np.mean(values >= 0.5) if person else np.mean(values < 0.5))


@pytest.fixture
def without_models(tmp_path, monkeypatch):
    """The app as a pip install without the set-up step sees it: an empty model folder."""
    monkeypatch.setenv("LIKENESS_MODELS_DIR", str(tmp_path / "no-models"))
    models.forget()
    yield
    models.forget()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LABELS))
def test_matte_agrees_with_labelled_regions(name):
    photo = load(face_photo(name))
    analysis = analyze(photo.pixels)
    assert analysis.primary is not None
    alpha = person_alpha(photo.pixels, analysis.faces[analysis.primary])
    wrong = []
    for kind in ("person", "background"):
        for region in LABELS[name][kind]:
            agree = _agreement(alpha, region, kind == "person")
            if agree < 0.95:
                wrong.append(f"{kind} '{region['name']}': {agree:.1%}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


def test_labels_cover_the_hard_cases():
    """At least 10 photos, including the flowing hair, the crowd, the low-key and the group."""
    assert len(LABELS) >= 10
    for name in ("human_stock-teen-6.jpg", "deepface_img40.jpg", "openface_clapton-1.jpg",
                 "dlib_2008_002506.jpg"):
        assert LABELS[name]["person"] and LABELS[name]["background"]


def test_group_photo_keeps_every_touching_person_whole():
    """Nobody in the group is cut into pieces: the others are as much person as the subject."""
    photo = load(face_photo("dlib_2008_002506.jpg"))
    analysis = analyze(photo.pixels)
    assert len(analysis.faces) == 3
    alpha = person_alpha(photo.pixels, analysis.faces[analysis.primary])
    for face in analysis.faces:
        assert np.mean(alpha[face_hull_mask(face, alpha.shape) > 0.5] >= 0.5) > 0.95


def test_without_models_the_classical_matte_runs_and_says_so_once(without_models, capsys):
    photo = load(face_photo("human_stock-teen-6.jpg"))
    face = analyze(photo.pixels).faces[0]
    first = person_alpha(photo.pixels, face)
    second = person_alpha(photo.pixels, face)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "make models" in lines[0]
    assert np.array_equal(first, second)
    # Today's GrabCut matte: the face is person, the wall above the head background.
    hair = LABELS["human_stock-teen-6.jpg"]
    assert _agreement(first, hair["background"][0], person=False) > 0.95
    assert models.person_probability(np.zeros((256, 256, 3), np.float32)) is None


def test_learned_matte_differs_from_the_classical_one(without_models, monkeypatch):
    """The model really runs when installed (the labelled hair is lost without it)."""
    photo = load(face_photo("human_stock-teen-6.jpg"))
    face = analyze(photo.pixels).faces[0]
    hair = LABELS["human_stock-teen-6.jpg"]["person"][0]
    classical = _agreement(person_alpha(photo.pixels, face), hair, person=True)
    monkeypatch.delenv("LIKENESS_MODELS_DIR")
    models.forget()
    learned = _agreement(person_alpha(photo.pixels, face), hair, person=True)
    assert learned >= 0.95 > classical


def test_set_up_put_the_pinned_models_in_place():
    """`make models` ran (make test goes through it): every file is there with its sha256."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import fetch_models
    finally:
        sys.path.pop(0)
    assert fetch_models._present(fetch_models.DEFAULT_DEST)
    assert models.segmentation_available()
    # A second run is a quick no-op that downloads nothing.
    result = subprocess.run([sys.executable, str(REPO / "tools" / "fetch_models.py")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == ""


def test_a_drawn_face_the_model_does_not_see_keeps_the_classical_matte():
    """The flat painted portrait is no person to the model: person_mask says so (None) and
    person_alpha's GrabCut keeps the painted shoulders, not just the face."""
    from studio.face.matte import person_mask
    from tests.render.test_synthetic import BACKGROUND, synthetic_portrait

    pixels, analysis = synthetic_portrait(texture=False)
    face = analysis.face()
    assert person_mask(pixels, pixels.shape[:2], face) is None
    painted = ~np.all(np.abs(pixels - np.array(BACKGROUND, np.float32)) < 1e-3, axis=2)
    alpha = person_alpha(pixels, face)
    assert np.mean(alpha[painted] >= 0.5) > 0.95


def test_edge_blur_reads_how_out_of_focus_an_edge_is():
    """The re-blur estimate behind the cut of people out of focus: a sharp step reads as sharp,
    a step blurred by 2.5 px (a photographer behind, on the model's copy) as about 2.5 px."""
    from studio.face.matte import BLURRED_EDGE, SHARP_EDGE, _edge_blur

    step = np.full((64, 64), 0.2, np.float32)
    step[:, 32:] = 0.8
    for sigma, low, high in ((0.0, 0.0, SHARP_EDGE[0]), (2.5, 2.2, 3.0)):
        image = cv2.GaussianBlur(step, (0, 0), sigma) if sigma else step
        edges, blur = _edge_blur(image)
        assert edges.any() and low <= np.median(blur[edges]) <= high
    assert BLURRED_EDGE[0] < 2.2  # so that blur reads as out of focus

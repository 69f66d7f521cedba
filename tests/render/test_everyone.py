"""Issue 18: retouching everyone in a group photo: each face gets the sliders with its own
masks, everyone chosen stays sharp (a person, not background), the meter names the lowest."""

from __future__ import annotations

import numpy as np
import pytest

from studio.errors import LikenessError
from studio.face import analyze
from studio.imaging import load
from studio.render import Retoucher
from studio.render.everyone import chosen_faces, lowest_likeness, render_faces
from tests.helpers.photos import face_photo

SLIDERS = {"smooth": 1.0, "face_light": 0.5, "bg_blur": 1.0}


@pytest.fixture(scope="module")
def group():
    pixels = load(face_photo("deepface_selfie-many-people.jpg")).pixels
    analysis = analyze(pixels)
    assert len(analysis.faces) >= 5
    return pixels, analysis


def _change(image, original, face) -> float:
    x0, y0, x1, y1 = (int(v) for v in face.box)
    return float(np.abs(image[y0:y1, x0:x1] - original[y0:y1, x0:x1]).mean() * 255)


def _fine(image, face) -> float:
    """Detail left in the face box (the blur of a background would take it away)."""
    import cv2

    x0, y0, x1, y1 = (int(v) for v in face.box)
    grey = image[y0:y1, x0:x1].mean(axis=2)
    return float(np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 2.0)).mean())


def test_everyone_is_retouched_and_nobody_is_blurred_as_background(group):
    pixels, analysis = group
    faces = chosen_faces("all", analysis)
    everyone = Retoucher(pixels, analysis, faces=faces).render(SLIDERS)
    one = Retoucher(pixels, analysis).render(SLIDERS)
    for index, face in enumerate(analysis.faces):
        # every face got its own light and smoothing: it changed, but far less than a blur
        assert 0.5 < _change(everyone, pixels, face) < 8.0, index
        # sharp: at least 60% of its own fine detail, where one-face blurs the others away
        assert _fine(everyone, face) > 0.6 * _fine(pixels, face), index
    # with one chosen face the others are left as they were (the person matte keeps them whole)
    for face in analysis.faces[1:]:
        assert _change(one, pixels, face) < 3.0
    # the same pixels from the one-off (export) path
    assert np.array_equal(render_faces(pixels, analysis, SLIDERS, faces), everyone)


def test_each_face_has_its_own_masks(group):
    pixels, analysis = group
    group_retoucher = Retoucher(pixels, analysis, faces=[1, 2])
    edited = group_retoucher.render({"smooth": 1.0})
    # faces not chosen are left exactly as they were
    for index in set(range(len(analysis.faces))) - {1, 2}:
        assert _change(edited, pixels, analysis.faces[index]) < 0.05, index
    for index in (1, 2):
        alone = Retoucher(pixels, analysis, index).render({"smooth": 1.0})
        x0, y0, x1, y1 = (int(v) for v in analysis.faces[index].box)
        assert np.allclose(edited[y0:y1, x0:x1], alone[y0:y1, x0:x1], atol=2 / 255), index


def test_the_likeness_meter_names_the_face_changed_most(group):
    pixels, analysis = group
    faces = chosen_faces("all", analysis)
    edited = Retoucher(pixels, analysis, faces=faces).render(SLIDERS)
    lowest = lowest_likeness(pixels, edited, analysis, faces)
    assert lowest.face in faces and lowest.percent is not None
    from studio.face.likeness import inside_frame, likeness_distance, likeness_percent

    measured = [i for i in faces if inside_frame(analysis.faces[i], pixels.shape)]
    assert lowest.face in measured and len(measured) >= 3  # the frame cuts the others
    for other in measured:
        assert likeness_percent(likeness_distance(pixels, edited, analysis.faces[other])) \
            >= lowest.percent


def test_a_choice_of_faces_is_checked_against_the_photo(group):
    _, analysis = group
    assert chosen_faces(None, analysis) == [0] == chosen_faces("primary", analysis)
    assert chosen_faces("primary", analysis, 2) == [2]
    assert chosen_faces([2, 0, 2], analysis) == [2, 0]
    with pytest.raises(LikenessError, match="no face number 10"):
        chosen_faces([9], analysis)
    assert chosen_faces("all", None) == []


def test_a_group_is_one_pipeline_with_one_person_matte(group, monkeypatch):
    # issue 27: the pipeline owns the faces; one person matte for everyone, made once
    import studio.face.person as person

    made = []

    def counted(*args, **kwargs):
        made.append(len(args[2]) if len(args) > 2 else len(kwargs.get("also", ())))
        return real(*args, **kwargs)

    real = person.person_alpha
    monkeypatch.setattr(person, "person_alpha", counted)
    pixels, analysis = group
    faces = chosen_faces("all", analysis)
    retoucher = Retoucher(pixels, analysis, faces=faces)
    retoucher.render(SLIDERS)
    retoucher.render({**SLIDERS, "bg_blur": 0.5})
    assert made == [len(faces) - 1]
    assert retoucher.faces == tuple(faces)


def test_a_group_render_does_not_depend_on_what_was_prepared_first(group):
    # faces 0 and 1 overlap: the main face's edits are prepared on the original pixels, never
    # on the photo that already holds the other face's edits (they were, when not prepared
    # before the first render)
    pixels, analysis = group
    sliders = {"smooth": 1.0, "eyes": 0.5}
    fresh = Retoucher(pixels, analysis, faces=[0, 1], preview=False).render(sliders)
    ready = Retoucher(pixels, analysis, faces=[0, 1], preview=False)
    ready.prepare_all()
    assert np.array_equal(fresh, ready.render(sliders))


def test_a_face_reaching_the_frame_renders_the_same_bits_every_time(group):
    # smooth's colour evening measured its blotches with cv2.magnitude, whose SIMD path gives
    # other bits for a few pixels depending on where the array lies in memory: the group
    # selfie's face at the frame's edge came out differently one render in two
    pixels, analysis = group
    renders = [Retoucher(pixels, analysis, faces=[0, 1], preview=False).render({"smooth": 1.0})
               for _ in range(8)]
    assert all(np.array_equal(renders[0], other) for other in renders[1:])


def test_a_group_s_amount_steps_read_each_face_s_original_once(group, monkeypatch):
    """Every step of a group look's amount search measures every face against the original:
    the originals' descriptors are read once, not again at each step (they were pushed out of
    a too-small cache by the faces' own edits: a 7-face LinkedIn export spent 2.6x a single
    face's CPU, half of it in dlib's descriptor)."""
    from studio.face import likeness

    pixels, analysis = group
    faces = analysis.faces  # 7 (a group of 5 or more inside the frame reads them all)
    model = likeness.recognition_model()
    computed = []

    class Counting:
        def compute_face_descriptor(self, chip):
            computed.append(1)
            return model.compute_face_descriptor(chip)

    likeness._recent.clear()
    monkeypatch.setattr(likeness, "recognition_model", lambda: Counting())
    steps = [np.clip(pixels * gain, 0, 1).astype(np.float32) for gain in (1.02, 1.04, 1.06)]
    for edited in steps:
        for face in faces:
            likeness.likeness_distance(pixels, edited, face)
    assert len(computed) == len(faces) * (1 + len(steps))

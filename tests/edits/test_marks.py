"""Marks: the model (scaling, masks, session data) and the heal brush on synthetic skin."""

from __future__ import annotations

import numpy as np
import pytest

from studio.edits.heal import heal
from studio.edits.marks import (
    DEFAULT_RADIUS_IOD,
    Mark,
    corrected_alpha,
    keep_original,
    marks_to_list,
    mask,
)
from studio.errors import SessionError
from studio.session import session_from_dict
from tests.helpers.skin import IOD, MOLE, SPOT, SPOT_RADIUS, bands, disc, skin_patch


def marks_from_list(value: object) -> tuple[Mark, ...]:
    """Marks as a session file holds them, read where a session comes in."""
    return session_from_dict({"format": "likeness-session", "version": 9, "marks": value}).marks


def test_marks_scale_exactly_with_the_photo():
    mark = Mark("heal", ((100.0, 50.0), (120.0, 60.0)), 8.0)
    half = mark.scaled(0.5)
    assert half.radius == 4.0
    assert half.points == ((49.75, 24.75), (59.75, 29.75))
    back = half.scaled(2.0)
    assert back.points == mark.points and back.radius == mark.radius
    # A heal mark's donor is an offset: it scales without the pixel-centre shift.
    assert Mark("heal", ((1.0, 1.0),), 4.0, (20.0, -8.0)).scaled(0.5).source == (10.0, -4.0)


def test_a_mark_mask_is_one_inside_the_radius_and_zero_beyond_its_feather():
    mark = Mark("keep", ((20.0, 20.0), (40.0, 20.0)), 5.0)
    m = mask([mark], (40, 60))
    assert m[20, 20] == 1 and m[20, 30] == 1 and m[24, 40] == 1  # on the stroke, within r
    assert m[20, 48] == 0 and m[10, 30] == 0  # beyond r + feather
    assert 0 < m[20, 46] < 1  # the soft edge
    # The same mark drawn on a crop of the photo lands on the same pixels.
    part = mask([mark], (20, 30), origin=(10, 15))
    assert np.array_equal(part, m[10:30, 15:45])


def test_marks_round_trip_through_session_data():
    marks = (
        Mark("heal", ((10.25, 3), (11.5, 4.125)), 6.5, (12.5, -3.0)),
        Mark("person", ((1, 2),), 30),
    )
    again = marks_from_list(marks_to_list(marks))
    assert again == marks


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ("x", "'marks' must be a list"),
        ([{"kind": "heal", "radius": 3, "points": [[1, 2]]}, 7], "'marks[1]'"),
        ([{"kind": "smudge", "radius": 3, "points": [[1, 2]]}], "'marks[0].kind'"),
        ([{"kind": "keep", "radius": -1, "points": [[1, 2]]}], "'marks[0].radius'"),
        ([{"kind": "keep", "radius": float("nan"), "points": [[1, 2]]}], "'marks[0].radius'"),
        ([{"kind": "keep", "radius": 2, "points": []}], "'marks[0].points'"),
        ([{"kind": "keep", "radius": 2, "points": [[1, 2], [3]]}], "'marks[0].points[1]'"),
        ([{"kind": "keep", "radius": 2, "points": [[1, True]]}], "'marks[0].points[0]'"),
        ([{"kind": "keep", "radius": 2, "points": [[1, 2]], "colour": 1}], "'marks[0].colour'"),
        ([{"kind": "keep", "radius": 2, "points": [[1, 2]], "source": [1, 2]}], "'marks[0].source'"),
        ([{"kind": "heal", "radius": 2, "points": [[1, 2]], "source": [1]}], "'marks[0].source'"),
    ],
)
def test_a_malformed_mark_is_a_one_line_error_naming_it(data, named):
    with pytest.raises(SessionError) as error:
        marks_from_list(data)
    assert named in str(error.value) and "\n" not in str(error.value)


def _band_figures(image: np.ndarray, radius: float) -> tuple[float, float, float, float]:
    """(mid-band contrast in the spot's disc, in the surrounding skin, fine-band energy in the
    disc, in the surrounding skin)."""
    fine, mid = bands(image)
    inside = disc(image.shape[0], SPOT, radius)
    around = (
        disc(image.shape[0], SPOT, 40)
        & ~disc(image.shape[0], SPOT, 1.5 * radius + 4)
        & ~disc(image.shape[0], MOLE, 12)
    )
    rms = lambda band, where: float(np.sqrt((band[where] ** 2).mean()))  # noqa: E731
    return rms(mid, inside), rms(mid, around), rms(fine, inside) ** 2, rms(fine, around) ** 2


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_heal_removes_the_spot_and_keeps_the_pores(seed):
    image = skin_patch(seed=seed)
    radius = DEFAULT_RADIUS_IOD * IOD * 1.2
    assert radius > SPOT_RADIUS
    mid_before, around_before, _, _ = _band_figures(image, radius)
    assert mid_before > 5 * around_before  # the spot stands out in the mid band
    healed = heal(image, [Mark("heal", (SPOT,), radius)])
    mid_spot, mid_around, fine_spot, fine_around = _band_figures(healed, radius)
    assert mid_spot <= 1.10 * mid_around
    assert abs(fine_spot / fine_around - 1) <= 0.20  # pores, not a smooth patch
    # Away from the mark nothing moves; the mole is untouched.
    far = ~disc(image.shape[0], SPOT, radius * 1.5 + 1)
    assert np.array_equal(healed[far], image[far])
    # No seam: across the mark's soft edge the change is gradual.
    change = np.abs(healed - image).max(axis=2)
    edge = disc(image.shape[0], SPOT, radius * 1.5 + 1) & ~disc(image.shape[0], SPOT, radius * 1.3)
    assert change[edge].max() < 0.05


def test_heal_without_a_heal_mark_returns_the_image():
    image = skin_patch()
    assert heal(image, [Mark("keep", (MOLE,), 5.0)]) is image


def test_keep_original_is_exact_inside_and_soft_on_the_edge():
    rng = np.random.default_rng(0)
    original = rng.random((30, 30, 3), dtype=np.float32)
    edited = original * 0.5
    keep = mask([Mark("keep", ((15, 15),), 5.0)], (30, 30))
    out = keep_original(edited.copy(), original, keep)
    inside = keep == 1
    assert np.array_equal(out[inside], original[inside])
    outside = keep == 0
    assert np.array_equal(out[outside], edited[outside])


def test_person_and_background_strokes_correct_the_matte_along_edges():
    pixels = np.full((60, 60, 3), 0.1, np.float32)
    pixels[:, 42:] = 0.9  # dark hair on the left, a light wall from column 42
    alpha = np.zeros((60, 60), np.float32)  # the matte called the hair background
    stroke = Mark("person", ((30, 30),), 10.0)
    person = corrected_alpha(alpha, pixels, [stroke])
    brush = mask([stroke], (60, 60))
    assert person[30, 30] == 1 and person[30, 40] == 1  # under the brush
    # The brush's soft edge reaches the wall, the correction stops at the hair's edge.
    assert brush[30, 42] > 0.5 and person[30, 42] < 0.5 * brush[30, 42]
    background = corrected_alpha(np.ones_like(alpha), pixels, [Mark("background", ((30, 30),), 10.0)])
    assert background[30, 30] == 0 and background[0, 0] == 1
    assert corrected_alpha(alpha, pixels, [Mark("heal", ((3, 3),), 2.0)]) is alpha


def test_heal_stays_within_the_photo_range_on_bright_skin():
    image = np.clip(skin_patch() * 1.25, 0, 1)  # highlights at 1.0 around the spot
    healed = heal(image, [Mark("heal", (SPOT,), 9.0)])
    assert healed.min() >= 0 and healed.max() <= 1


# ----------------------------------------------------------------------------- issue 26 §5
def _every_segment(mark: Mark, box) -> np.ndarray:
    """The distance to the stroke the plain way: every segment over the whole box."""
    rows, cols = box
    ys = np.arange(rows.start, rows.stop, dtype=np.float32)[:, None]
    xs = np.arange(cols.start, cols.stop, dtype=np.float32)[None, :]
    pts = np.asarray(mark.points, np.float32)
    best = np.hypot(xs - pts[0, 0], ys - pts[0, 1])
    for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:], strict=True):
        dx, dy = bx - ax, by - ay
        if dx * dx + dy * dy == 0:
            continue
        t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        np.minimum(best, np.hypot(xs - (ax + t * dx), ys - (ay + t * dy)), out=best)
    return best


def test_the_distance_measured_near_each_segment_is_the_same_bit_for_bit():
    """``Mark.distance`` measures each piece of the stroke only near itself; wherever the
    distance is within what was asked, it is the plain computation's exactly."""
    rng = np.random.default_rng(7)
    for _ in range(60):
        radius = float(rng.uniform(0.5, 30))
        step = float(rng.choice([radius / 4, 5 * radius, 150]))
        start = rng.uniform(0, 300, 2)
        walk = np.cumsum(rng.normal(0, step, (int(rng.integers(0, 12)), 2)), axis=0)
        points = np.round(np.vstack([start, start + walk]), 2)
        mark = Mark("keep", tuple(map(tuple, points.tolist())), radius)
        box = (slice(0, 400), slice(0, 500))
        for within in (mark.reach, 4 * radius + 10, np.inf):
            plain, near = _every_segment(mark, box), mark.distance(box, within)
            exact = plain <= within
            assert np.array_equal(near[exact], plain[exact])
            assert (near[~exact] > within).all()


@pytest.mark.parametrize("radius", [1e-300, 1e-6, 0.49])
def test_a_radius_under_half_a_pixel_is_a_one_line_error(radius):
    with pytest.raises(SessionError, match=r"'marks\[0\].radius' is .* pixels; at least 0.5"):
        marks_from_list([{"kind": "heal", "radius": radius, "points": [[1, 2]]}])


def test_a_tiny_heal_mark_at_any_scale_heals_in_a_small_patch():
    """A mark shrunk with a small proxy is resampled as one of MIN_RADIUS: no enormous
    canvas (a radius of 1e-6 asked OpenCV for 3e17 bytes)."""
    image = skin_patch(seed=3)
    for radius in (1e-6, 0.01, 0.5):
        healed = heal(image, [Mark("heal", ((60.0, 60.0),), radius)])
        assert healed.shape == image.shape and np.isfinite(healed).all()


def test_a_session_holding_too_many_points_is_refused_before_they_are_read():
    marks = [{"kind": "keep", "radius": 5, "points": [[1, 2]] * 5000}] * 11
    with pytest.raises(SessionError, match=r"'marks' hold 55000 points in all; at most 50000"):
        marks_from_list(marks)


def test_a_radius_over_half_the_photos_long_edge_is_named_with_its_limit():
    from studio.render.marking import check_marks

    marks = [Mark("keep", ((10.0, 10.0),), 5.0)] * 3 + [Mark("heal", ((10.0, 10.0),), 100000)]
    with pytest.raises(SessionError) as error:
        check_marks(marks, (3024, 4032))
    assert str(error.value) == (
        "'marks[3].radius' is 100000 pixels; at most 2016 (half the photo's long edge)")
    check_marks(marks[:3] + [Mark("heal", ((10.0, 10.0),), 2016)], (3024, 4032))


@pytest.mark.parametrize(
    "marks",
    [
        [Mark("heal", ((500.0, 400.0),), 500)] * 40,  # each heal reads the whole photo
        [Mark("person", tuple((float(x * 389 % 997), float(x * 331 % 797)) for x in range(5000)), 20)],
        [Mark("heal", tuple((100 + 0.01 * i, 100.0) for i in range(5000)), 400)],
        [Mark("keep", tuple((float(i % 2) * 990, float(i % 797)) for i in range(5000)), 0.5)],
    ],
    ids=["heals over the photo", "random points", "points 0.01 px apart", "long thin zigzag"],
)
def test_marks_asking_too_much_work_of_a_render_are_named_with_the_limit(marks):
    from studio.render.marking import MOST_WORK, check_marks

    with pytest.raises(SessionError) as error:
        check_marks(marks, (800, 1000))
    assert str(error.value).startswith("'marks[") and f"at most {MOST_WORK}" in str(error.value)

"""Framing: the straighten angle, the crop rectangle inside the rotated photo, and the
automatic head-and-shoulders framing a portrait photographer would choose. No Qt here.

Coordinates: a straightened photo is the original turned by ``angle`` degrees
(counter-clockwise positive, as on screen) about its centre, on a canvas of the same size.
A crop is a rectangle in that canvas. Rotation leaves empty corners; a crop is always kept
inside the turned photo (:func:`keep_inside` shrinks it towards its anchor, the automatic
frame and a moved one are first moved in by :func:`move_inside`), so no export ever shows
them.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from studio.errors import number_text

#: The straighten range offered to the user, in degrees.
MAX_ANGLE = 15.0
#: Frame presets: name -> width / height (None: the photo's own, or free).
FRAMES: dict[str, float | None] = {
    "linkedin": 1.0,
    "portfolio": 4.0 / 5.0,
    "3:2": 3.0 / 2.0,
    "banner": 1584.0 / 396.0,
    "original": None,
    "free": None,
}
#: Head (crown to chin) as a share of the frame height, per frame preset: a LinkedIn circle
#: is a close head-and-shoulders, a portfolio 4:5 shows more of the shoulders.
HEAD_SHARE: dict[str, float] = {
    "linkedin": 0.55,
    "portfolio": 0.42,
    "3:2": 0.48,
    "banner": 0.62,
    "original": 0.42,
    "free": 0.42,
}
#: Where the eye line sits from the top (a third), the least space above the crown, and the
#: lowest the eye line may go to make room for a tall head before the frame grows instead.
EYE_LINE, MIN_HEADROOM, LOWEST_EYE_LINE = 1.0 / 3.0, 0.06, 0.45
#: In a frame too small for the whole head: the room kept below the chin, and the highest
#: the eye line may go (a share of the frame height from the top).
CHIN_ROOM, HIGHEST_EYE_LINE = 0.05, 0.18
#: The mouth's place from the eye line to the chin, for an average face.
_EYES_TO_MOUTH = 0.62
#: Eye line to crown, for an average adult head, as a multiple of eye line to chin (used only
#: when there is no person matte).
_CROWN_OVER_EYES_TO_CHIN = 1.15

#: A turned photo's automatic frame is made at most this share smaller to keep the crown.
CROWN_SHRINK = 0.1

#: Pixels a crop of a turned photo keeps inside its edge (Lanczos reaches 4 pixels).
EDGE_MARGIN = 4.0

Rect = tuple[float, float, float, float]  # left, top, width, height in pixels


def points_inside(points: np.ndarray, width: int, height: int) -> bool:
    """True when every (x, y) of ``points`` (pixel centres) lies in a ``width`` x ``height``
    picture: a face whose landmarks all do is not cut by its frame."""
    points = np.asarray(points)
    return bool((points >= -0.5).all() and (points[:, 0] <= width - 0.5).all()
                and (points[:, 1] <= height - 0.5).all())


def check_angle(angle: float) -> float:
    """The angle as a float; ValueError for one outside -MAX_ANGLE..MAX_ANGLE or not finite."""
    angle = float(angle)
    if not math.isfinite(angle) or abs(angle) > MAX_ANGLE:
        raise ValueError(
            f"the angle must be -{MAX_ANGLE:g}..{MAX_ANGLE:g} degrees, not {number_text(angle)}"
        )
    return angle


def rotation_matrix(width: int, height: int, angle: float) -> np.ndarray:
    """The 2x3 affine matrix from original to straightened pixel coordinates."""
    return cv2.getRotationMatrix2D((width / 2.0, height / 2.0), float(angle), 1.0)


def to_straightened(points: np.ndarray, width: int, height: int, angle: float) -> np.ndarray:
    """(N, 2) points of the original photo in the straightened canvas."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    matrix = rotation_matrix(width, height, angle)
    return points @ matrix[:, :2].T + matrix[:, 2]


def to_original(points: np.ndarray, width: int, height: int, angle: float) -> np.ndarray:
    """(N, 2) points of the straightened canvas in the original photo."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    inverse = cv2.invertAffineTransform(rotation_matrix(width, height, angle))
    return points @ inverse[:, :2].T + inverse[:, 2]


def straighten(pixels: np.ndarray, angle: float) -> np.ndarray:
    """The photo turned by ``angle`` degrees about its centre at full quality (Lanczos), on a
    canvas of the same size; the empty corners are black (a crop never shows them, and a
    test would see it if one did)."""
    if angle == 0:
        return pixels
    height, width = pixels.shape[:2]
    return cv2.warpAffine(
        np.ascontiguousarray(pixels),
        rotation_matrix(width, height, angle),
        (width, height),
        flags=cv2.INTER_LANCZOS4,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )


def level_angle(landmarks: np.ndarray | None) -> float:
    """The angle that levels the eye line (0 without a face), within -MAX_ANGLE..MAX_ANGLE."""
    if landmarks is None:
        return 0.0
    points = np.asarray(landmarks, np.float64)
    left, right = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    dx, dy = right - left
    if dx <= 0:
        return 0.0
    # Image y points down: an eye line falling to the right needs a counter-clockwise turn.
    angle = math.degrees(math.atan2(dy, dx))
    return float(round(min(max(angle, -MAX_ANGLE), MAX_ANGLE), 2))


def inside(rect: Rect, width: int, height: int, angle: float) -> bool:
    """Whether all of ``rect`` (straightened canvas) shows the photo (no empty corner).
    A turned photo's edge is blended with the empty corner over a few pixels (Lanczos):
    the crop keeps EDGE_MARGIN pixels inside it."""
    slack = 0.5 if angle == 0 else -EDGE_MARGIN
    left, top, w, h = rect
    corners = np.array([[left, top], [left + w, top], [left, top + h], [left + w, top + h]])
    back = to_original(corners, width, height, angle)
    return bool(
        (back[:, 0] >= -slack).all()
        and (back[:, 0] <= width + slack).all()
        and (back[:, 1] >= -slack).all()
        and (back[:, 1] <= height + slack).all()
    )


def keep_inside(
    rect: Rect, width: int, height: int, angle: float, anchor: tuple[float, float] | None = None
) -> Rect:
    """``rect`` moved, then if need be shrunk towards ``anchor`` (default: its centre), until
    it lies inside the straightened photo; its aspect is kept."""
    left, top, w, h = rect
    scale = min(1.0, width / w, height / h)
    if scale < 1.0:  # larger than the photo: shrink towards the anchor's side, keep the aspect
        ax = anchor[0] if anchor is not None else left + w / 2
        ay = anchor[1] if anchor is not None else top + h / 2
        left, top, w, h = ax + (left - ax) * scale, ay + (top - ay) * scale, w * scale, h * scale
    left = min(max(left, 0.0), width - w)
    top = min(max(top, 0.0), height - h)
    moved = (left, top, w, h)
    if inside(moved, width, height, angle):
        return moved
    ax, ay = anchor if anchor is not None else (left + w / 2, top + h / 2)
    if not inside((ax - 0.5, ay - 0.5, 1.0, 1.0), width, height, angle):
        ax, ay = width / 2.0, height / 2.0  # an anchor off the photo: shrink to the centre
    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        trial = (ax + (left - ax) * middle, ay + (top - ay) * middle, w * middle, h * middle)
        if inside(trial, width, height, angle):
            low = middle
        else:
            high = middle
    return (ax + (left - ax) * low, ay + (top - ay) * low, w * low, h * low)


def largest_inside(width: int, height: int, angle: float, aspect: float | None = None) -> Rect:
    """The largest centred rectangle of ``aspect`` (default: the photo's) inside the
    straightened photo."""
    aspect = aspect or width / height
    w, h = float(width), width / aspect
    if h > height:
        w, h = height * aspect, float(height)
    return keep_inside(((width - w) / 2, (height - h) / 2, w, h), width, height, angle)


def crown_of(alpha: np.ndarray, landmarks: np.ndarray, level: float = 0.5) -> float | None:
    """The top of the head (hair included) in the person matte: the highest row where the
    matte is over ``level`` in the columns of the face, searched from the eyes upwards
    (a raised hand beside the head does not count). None when the matte has no head there."""
    points = np.asarray(landmarks, np.float64)
    height, width = alpha.shape[:2]
    jaw_left, jaw_right = points[0:17, 0].min(), points[0:17, 0].max()
    middle, half = (jaw_left + jaw_right) / 2, (jaw_right - jaw_left) * 0.35
    x0, x1 = int(max(middle - half, 0)), int(min(middle + half + 1, width))
    eyes_y = int(min(max(points[36:48, 1].mean(), 0), height - 1))
    if x1 <= x0 or eyes_y <= 0:
        return None
    band = alpha[: eyes_y + 1, x0:x1] > level
    # A row belongs to the head when a fair share of its columns are person.
    rows = np.flatnonzero(band.mean(axis=1) >= 0.15)
    if rows.size == 0:
        return None
    # The head is the run of rows connected to the eyes: walk up until a gap.
    top = eyes_y
    for row in rows[::-1]:
        if row < top - max(2, height // 200):
            break
        top = int(row)
    return float(top)


def _head(landmarks: np.ndarray, crown_y: float | None) -> tuple[float, float, float, float]:
    """(centre x, eye line y, chin y, crown y) of a face in the same coordinates."""
    points = np.asarray(landmarks, np.float64)
    eyes = (points[36:42].mean(axis=0) + points[42:48].mean(axis=0)) / 2
    chin = points[8]
    eyes_to_chin = max(float(chin[1] - eyes[1]), 2.0)
    guess = eyes[1] - _CROWN_OVER_EYES_TO_CHIN * eyes_to_chin
    crown = guess if crown_y is None else min(crown_y, eyes[1] - 0.5 * eyes_to_chin)
    centre_x = float((points[0:17, 0].min() + points[0:17, 0].max()) / 2)
    return centre_x, float(eyes[1]), float(chin[1]), float(crown)


def auto_frame(
    width: int,
    height: int,
    landmarks: np.ndarray | None,
    aspect: float | None,
    frame: str = "linkedin",
    crown_y: float | None = None,
    angle: float = 0.0,
) -> tuple[Rect, list[str]]:
    """Head-and-shoulders framing in the straightened canvas, in pixels, with notes.

    The whole head with headroom (the crown from the person matte, ``crown_y`` in original
    pixels, else estimated from the face), the eye line about a third from the top (lower, up
    to LOWEST_EYE_LINE, for a tall head), the shoulders in; the frame then stays inside the
    photo: moved in towards the centre (a turned photo), shrunk towards the crown only as much
    as it needs to fit with the face inside. Without a face: the largest centred frame.
    """
    aspect = aspect or width / height
    if landmarks is None:
        return largest_inside(width, height, angle, aspect), ["no face found: centre crop"]
    points = to_straightened(landmarks, width, height, angle)
    crown_point = None
    if crown_y is not None:
        eyes = np.asarray(landmarks, np.float64)[36:48].mean(axis=0)
        # The crown straight above the eyes in the original, moved into the canvas.
        crown_point = to_straightened(np.array([[eyes[0], crown_y]]), width, height, angle)[0]
    centre_x, eyes_y, chin_y, crown = _head(
        points, None if crown_point is None else float(crown_point[1])
    )
    head = chin_y - crown
    crop_h = head / HEAD_SHARE.get(frame, 0.42)
    top = eyes_y - EYE_LINE * crop_h
    if crown - top < MIN_HEADROOM * crop_h:
        top = crown - MIN_HEADROOM * crop_h
        if (eyes_y - top) > LOWEST_EYE_LINE * crop_h:  # a tall head: a larger frame instead
            crop_h = (eyes_y - crown) / (LOWEST_EYE_LINE - MIN_HEADROOM)
            top = crown - MIN_HEADROOM * crop_h
    crop_w = crop_h * aspect
    ideal = (centre_x - crop_w / 2, top, crop_w, crop_h)
    fit = min(1.0, width / crop_w, height / crop_h)
    anchor = (centre_x, max(crown - 0.5 * MIN_HEADROOM * crop_h, 0.0))
    if fit < 1.0:  # too large for the photo: the largest frame, placed by _tight_top
        crop_w, crop_h = crop_w * fit, crop_h * fit
        ideal = (centre_x - crop_w / 2, _tight_top(eyes_y, chin_y, crown, crop_h), crop_w, crop_h)
        anchor = (centre_x, eyes_y)  # a turned photo shrinks it about the eyes
    kept = points[_in_photo(landmarks, width, height) & _holds(ideal, points)]
    top_of_head = np.array([[centre_x, crown]])
    top_of_head = top_of_head[_holds(ideal, top_of_head) & (crown >= 0)]
    rect = _place_inside(ideal, anchor, kept, top_of_head, width, height, angle)
    notes = _framing_notes(rect, ideal, fit, frame, eyes_y, chin_y, crown, angle != 0)
    return rect, notes


def move_inside(rect: Rect, width: int, height: int, angle: float) -> Rect | None:
    """``rect`` at its size moved the least, along the line towards the photo's centre, until
    it lies inside the straightened photo; None when even centred it does not fit.

    The places a frame of one size may take inside a turned photo form a convex set,
    symmetric about the centre: if any place fits, the centred one does, and the places on
    the line from ``rect`` to the centre that fit are one stretch ending at the centre.
    """
    left, top, w, h = rect
    left, top = min(max(left, 0.0), width - w), min(max(top, 0.0), height - h)
    centre_left, centre_top = (width - w) / 2.0, (height - h) / 2.0

    def along(share: float) -> Rect:
        return (left + (centre_left - left) * share, top + (centre_top - top) * share, w, h)

    if inside(along(0.0), width, height, angle):
        return along(0.0)
    if not inside(along(1.0), width, height, angle):
        return None
    low, high = 0.0, 1.0  # along(high) always fits
    for _ in range(40):
        middle = (low + high) / 2
        if inside(along(middle), width, height, angle):
            high = middle
        else:
            low = middle
    return along(high)


def _place_inside(
    ideal: Rect, anchor: tuple[float, float], face: np.ndarray, crown: np.ndarray,
    width: int, height: int, angle: float,
) -> Rect:
    """The automatic frame inside the straightened photo: ``ideal`` moved in towards the
    centre, and shrunk about ``anchor`` only as much as needed: the largest share that fits
    with the ``face`` points (the landmarks the ideal frame held) inside it, and with the
    ``crown`` too (when the ideal held it) unless that costs more than CROWN_SHRINK of the
    size (a turned photo's frame held near its centre by the tilted sides cuts the crown)."""
    largest = largest_inside(width, height, angle, ideal[2] / ideal[3])
    most = min(1.0, largest[2] / ideal[2])
    face_only = None
    for step in range(_SHRINK_STEPS):
        scale = most * (1.0 - step / _SHRINK_STEPS)
        if face_only is not None and scale < (1.0 - CROWN_SHRINK) * most:
            return face_only
        rect = move_inside(_scaled(ideal, anchor, scale), width, height, angle)
        if rect is None or not _holds(rect, face).all():
            continue
        if _holds(rect, crown).all():
            return rect
        face_only = face_only or rect
    # Not even the face fits inside the turned photo: the largest frame, as near as it goes.
    fallback = move_inside(_scaled(ideal, anchor, most * 0.999), width, height, angle)
    return face_only or fallback or largest


#: The automatic frame of a turned photo is shrunk in steps of 1% until the face fits.
_SHRINK_STEPS = 100


def _scaled(rect: Rect, anchor: tuple[float, float], scale: float) -> Rect:
    """``rect`` shrunk by ``scale`` about ``anchor``."""
    left, top, w, h = rect
    ax, ay = anchor
    return (ax + (left - ax) * scale, ay + (top - ay) * scale, w * scale, h * scale)


def _holds(rect: Rect, points: np.ndarray) -> np.ndarray:
    """Which of the (N, 2) ``points`` lie in ``rect``."""
    left, top, w, h = rect
    x, y = points[:, 0], points[:, 1]
    return (x >= left) & (x <= left + w) & (y >= top) & (y <= top + h)


def _in_photo(landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """Which of the (N, 2) landmarks (original pixels) lie on the photo."""
    x, y = np.asarray(landmarks, np.float64)[:, 0], np.asarray(landmarks, np.float64)[:, 1]
    return (x >= 0) & (x <= width) & (y >= 0) & (y <= height)


def _tight_top(eyes_y: float, chin_y: float, crown: float, crop_h: float) -> float:
    """The top of a frame of ``crop_h`` too small for head-and-shoulders (a wide frame from
    a portrait photo): the eye line near a third, with the whole head crown to chin when it
    fits (headroom above, CHIN_ROOM below); else the chin is kept before the crown (a tight
    portrait cuts the top of the head, never the chin), and the eyes before the chin."""
    top = eyes_y - EYE_LINE * crop_h
    highest, lowest = chin_y + CHIN_ROOM * crop_h - crop_h, crown - MIN_HEADROOM * crop_h
    if highest <= lowest:  # the whole head fits: the eye line as near a third as it allows
        return min(max(top, highest), lowest)
    # The head does not fit: the chin with a little room, the top of the head cut; the eye
    # line never above HIGHEST_EYE_LINE (then the chin is cut instead).
    top = min(highest, eyes_y - HIGHEST_EYE_LINE * crop_h)
    mouth_y = eyes_y + _EYES_TO_MOUTH * (chin_y - eyes_y)
    if mouth_y > top + crop_h:  # not even the mouth fits: a band of eyes and nose instead
        top = eyes_y - EYE_LINE * crop_h
    return top


def _framing_notes(
    rect: Rect, ideal: Rect, fit: float, frame: str, eyes_y: float, chin_y: float, crown: float,
    turned: bool = False,
) -> list[str]:
    """At most one note on what the framing could not keep."""
    top, bottom = rect[1], rect[1] + rect[3]
    name = {"3:2": "a 3:2 frame", "banner": "a banner"}.get(frame, "this frame")
    if not top < eyes_y < bottom:
        return [f"the photo is too narrow for {name} with the eyes in: the crop is centred"]
    if turned and max(ideal[1], 0.0) <= crown < top and chin_y <= bottom:  # the turn cut it
        return [
            "the turned photo leaves no room above the head: the crop keeps the face and cuts "
            "the top of the head (a smaller angle keeps more)"
        ]
    if crown < top and chin_y > bottom:
        return [
            f"the photo is too narrow for {name} with the whole head: the crop keeps the eyes "
            "and cuts the top of the head and the chin (a wider photo would keep more)"
        ]
    if crown < top:
        return [
            f"the photo is too narrow for {name} with the whole head: the crop keeps the eyes "
            "and the chin and cuts the top of the head"
        ]
    if chin_y > bottom:
        return [f"the photo is too narrow for {name} with the whole face: the chin is cut"]
    if fit < 0.98:
        return [
            "the head fills more of the photo than head-and-shoulders framing needs: "
            "the crop is as large as the photo allows"
        ]
    if max(abs(rect[0] - ideal[0]), abs(rect[1] - ideal[1])) > 0.05 * rect[3]:
        return ["the face is near the edge of the photo: the crop is shifted to stay inside"]
    return []

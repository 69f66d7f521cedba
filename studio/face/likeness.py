"""The likeness score: how far an edit moved dlib's 128-D face descriptor."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from studio.face import helper_process, mesh
from studio.face.detect import (
    _dlib,
    _rgb,
    analyze,
    hog_detector,
    landmark_predictor,
    landmarks_in_box,
)
from studio.face.types import Face
from studio.imaging.colour import to_uint8
from studio.paths import model_path

#: dlib's usual same-person threshold on the descriptor distance.
SAME_PERSON = 0.6
#: The face chip dlib's ResNet expects: 150 px with 25% padding around the landmarks.
CHIP_SIZE, CHIP_PADDING = 150, 0.25


@functools.cache
def recognition_model():
    """dlib's ResNet face-recognition model (loaded once per process)."""
    return _dlib().face_recognition_model_v1(str(model_path("dlib_face_recognition_resnet_model_v1.dat")))


def load_models(detection: bool = True) -> None:
    """Load the face models a retouch needs now: the landmarks' (the face mesh, or dlib's
    68-point model only when the mesh is not installed: it costs half a second to read) and
    the recognition model, and the face detector unless ``detection`` is False. Reading them
    takes most of a second; run in a thread, it overlaps the photo's decoding (dlib reads
    files and numpy and Pillow decode mostly outside Python's lock). Join the thread before
    using the models: each is loaded once per process."""
    if detection:
        hog_detector()
    if not mesh.available():
        landmark_predictor()
    recognition_model()


#: Faces are shrunk to about this landmark span (pixels) before alignment: the chip is 150 px.
_WORK_SPAN = 320.0
#: Descriptors of recently measured faces (keyed by the crop's pixels and landmarks), so a live
#: preview only computes the edited one, and an edit measured before is not measured again.
_recent: OrderedDict[bytes, np.ndarray] = OrderedDict()
#: A descriptor is 1 KB: 4,096 of them hold about 5 MB. With 8, a 7-face amount search read
#: each original again at every step; with 64, more than half of what a studio session
#: computed had been computed before (a 2,000-event soak: 137 of 246), pushed out by
#: later measures: the look thumbnails made again when a photo is opened again, an undo back
#: to an edit already measured, the compare panes of looks already searched.
_RECENT_SIZE = 4096
_recent_lock = threading.Lock()


#: How far into the face's core the edit fades in, in IODs (the descriptor sees no seam at
#: the core's edge, and nothing of the edit outside it).
CORE_FEATHER = 0.08


@dataclass(frozen=True)
class _FaceCrop:
    """A uint8 crop around a face, shrunk so its landmark span is about ``_WORK_SPAN`` pixels:
    the landmarks and the face's core outline in its pixels, and the IOD there."""

    pixels: np.ndarray
    points: np.ndarray
    core: np.ndarray
    iod: float


def _span(points: np.ndarray) -> float:
    return float(max(np.ptp(points[:, 0]), np.ptp(points[:, 1]), 1.0))


def read_box(landmarks: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """The part (x0, y0, x1, y1) of a ``width`` x ``height`` picture the likeness reads of
    the face with these landmarks (its descriptor's crop): nothing outside it changes the
    figure."""
    points = np.asarray(landmarks, np.float64)
    pad = 0.6 * _span(points)  # dlib's chip reaches 25% beyond the landmarks, rotation needs more
    x0, y0 = max(int(points[:, 0].min() - pad), 0), max(int(points[:, 1].min() - pad), 0)
    x1 = min(int(points[:, 0].max() + pad) + 1, width)
    y1 = min(int(points[:, 1].max() + pad) + 1, height)
    return x0, y0, x1, y1


def edit_box(landmarks: np.ndarray, core: np.ndarray, width: int, height: int
             ) -> tuple[int, int, int, int]:
    """The part (x0, y0, x1, y1) of an edited ``width`` x ``height`` picture whose pixels the
    likeness of the face with these landmarks and ``core`` outline (``face_core_points``)
    reads: the core, and the reach of the crop's shrink round it (:func:`likeness_distance`
    takes the edit from the core alone, the original everywhere else)."""
    factor = min(1.0, _WORK_SPAN / _span(np.asarray(landmarks, np.float64)))
    reach = int(np.ceil(2.0 / factor)) + 2
    x0, y0 = np.floor(core.min(axis=0)).astype(int) - reach
    x1, y1 = np.ceil(core.max(axis=0)).astype(int) + reach + 1
    return max(int(x0), 0), max(int(y0), 0), min(int(x1), width), min(int(y1), height)


def _face_crop(pixels: np.ndarray, face: Face) -> _FaceCrop:
    """The crop around ``face`` the descriptor is read from (see :class:`_FaceCrop`)."""
    from studio.face.regions import face_core_points  # start-up

    image = _rgb(pixels)
    h, w = image.shape[:2]
    pts = face.landmarks.astype(np.float64)
    span = _span(pts)
    x0, y0, x1, y1 = read_box(pts, w, h)
    crop = image[y0:y1, x0:x1]
    factor = min(1.0, _WORK_SPAN / span)
    if factor < 1.0:
        size = (max(int(round(crop.shape[1] * factor)), 1), max(int(round(crop.shape[0] * factor)), 1))
        crop = cv2.resize(np.ascontiguousarray(crop), size, interpolation=cv2.INTER_AREA)

    def moved(points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, np.float64) - (x0, y0) + 0.5) * factor - 0.5

    return _FaceCrop(to_uint8(crop), moved(pts), moved(face_core_points(face)),
                     float(face.iod) * factor)


def load_recognition() -> None:
    """Load the recognition model now (a helper process's worker calls this at start)."""
    recognition_model()


def chip_descriptor(crop: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """dlib's descriptor of the face with landmarks ``pts`` in the uint8 ``crop``, computed
    here (no cache): the face aligned to dlib's chip, then its ResNet."""
    dlib = _dlib()
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    rect = dlib.rectangle(int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
    shape = dlib.full_object_detection(rect, [dlib.point(int(round(x)), int(round(y))) for x, y in pts])
    chip = dlib.get_face_chip(crop, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
    return np.asarray(recognition_model().compute_face_descriptor(chip), dtype=np.float64)


def _descriptor(crop: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """dlib's 128-D descriptor of the face with landmarks ``pts`` in the uint8 ``crop``
    (the same crop and landmarks: from the recent ones)."""
    key = hashlib.blake2b(repr((crop.shape, pts.shape)).encode() + crop.tobytes() + pts.tobytes(),
                          digest_size=16).digest()
    with _recent_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key].copy()
    descriptor = helper_process.run(chip_descriptor, crop, pts)  # dlib holds the lock
    with _recent_lock:
        _recent[key] = descriptor
        while len(_recent) > _RECENT_SIZE:
            _recent.popitem(last=False)
    return descriptor.copy()


def face_descriptor(pixels: np.ndarray, face: Face) -> np.ndarray:
    """dlib's 128-D face descriptor of ``face`` (landmarks in ``pixels`` coordinates).

    Returns float64 (128,). The face is aligned from its 68 landmarks to dlib's 150 px chip.
    """
    crop = _face_crop(pixels, face)
    return _descriptor(crop.pixels, crop.points)


def _edit_on_face(original: np.ndarray, edited: _FaceCrop) -> np.ndarray:
    """``edited``'s pixels inside the face's core (faded in over ``CORE_FEATHER`` IOD), the
    ``original`` crop's (uint8, the same size) everywhere else."""
    inside = np.zeros(edited.pixels.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(edited.core).astype(np.int32).reshape(-1, 1, 2)], 1)
    depth = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    # from 2 px in: the crop's shrinking mixes a pixel with its neighbours
    weight = np.clip((depth - 2.0) / max(CORE_FEATHER * edited.iod, 1.0), 0.0, 1.0)[:, :, None]
    before = original.astype(np.float32)
    mixed = before + (edited.pixels.astype(np.float32) - before) * weight
    return np.clip(np.round(mixed), 0, 255).astype(np.uint8)


def relocate(original_face: Face, edited: np.ndarray) -> Face:
    """The same face re-found on ``edited``: 68 landmarks re-detected inside the original box."""
    landmarks = landmarks_in_box(edited, original_face.box)
    return original_face.with_landmarks(landmarks)


def likeness_distance(original: np.ndarray, edited: np.ndarray, face: Face | None = None) -> float | None:
    """Euclidean distance between the face descriptors of ``original`` and ``edited``.

    Parameters
    ----------
    original, edited : (H, W, 3) images (``edited`` may be a resized copy), float32 [0, 1]
        or uint8.
    face : the face to compare, in ``original`` pixels; default the primary face found.

    Returns
    -------
    The distance (0 = identical; same person usually < 0.6), or None when there is no face.

    Both images are aligned with the same landmarks (``face``'s, scaled to ``edited``), so
    only the pixels differ: landmarks re-detected on the edit moved by up to 2% IOD after a
    mere JPEG q95 re-save, and on one photo by 5-10%, which read as 3-30 points of likeness
    (docs/quality.md, 'Likeness'). How far an edit moves the features is measured on its own
    by :func:`landmark_shift`.

    Only the face is compared: the edited face's core (``face_core_points``) is read on the
    original's surroundings. The descriptor's chip also holds hair and background, which
    moved the figure by up to a point when only the background changed; the core is where
    the person matte is always 1, so no background edit can reach the pixels read.
    """
    if face is None:
        face = analyze(original).face()
        if face is None:
            return None
    before = _face_crop(original, face)
    after = _face_crop(edited, _on(face, original, edited))
    base = before.pixels
    if base.shape != after.pixels.shape:  # a resized edit: the original's surroundings at its size
        size = (after.pixels.shape[1], after.pixels.shape[0])
        base = cv2.resize(base, size, interpolation=cv2.INTER_AREA)
    edited_face = _edit_on_face(base, after)
    return float(np.linalg.norm(_descriptor(before.pixels, before.points)
                                - _descriptor(edited_face, after.points)))


@dataclass(frozen=True)
class Likeness:
    """The likeness of a render: ``percent`` 0..100 of the retouched face the edit changed
    most (None: no face measured) and ``face``, that face's index."""

    percent: float | None = None
    face: int | None = None


def lowest_likeness(original: np.ndarray, edited: np.ndarray,
                    faces: Mapping[int, Face]) -> Likeness:
    """The one likeness figure every place shows (the meter, the amount row, the compare panes,
    the contact sheet, the export bar, the command line and the batch report): of the face in
    ``faces`` (index -> face in ``original``'s pixels) whose :func:`likeness_distance`
    between ``original`` and ``edited`` is largest. A face the frame cuts (a landmark outside
    the picture) is not measured: its descriptor would read part of a face, and an edit barely
    moves that figure. Without a face measured, ``percent`` is None."""
    worst: tuple[float, int] | None = None
    for index, face in faces.items():
        if not inside_frame(face, original.shape):
            continue
        distance = likeness_distance(original, edited, face)
        if distance is not None and (worst is None or distance > worst[0]):
            worst = (distance, index)
    if worst is None:
        return Likeness()
    return Likeness(likeness_percent(worst[0]), worst[1])


def inside_frame(face: Face, shape: tuple[int, ...]) -> bool:
    """True when every landmark of ``face`` lies in a picture of ``shape`` (h, w, ...): the
    frame does not cut it (the export's written picture follows the same rule)."""
    from studio.imaging.framing import points_inside  # start-up

    return points_inside(face.landmarks, shape[1], shape[0])


def _on(face: Face, original: np.ndarray, edited: np.ndarray) -> Face:
    """``face`` in ``edited``'s pixels (the same face when the sizes match)."""
    if edited.shape[:2] == original.shape[:2]:
        return face
    return face.scaled(edited.shape[1] / original.shape[1])


def landmark_shift(original: np.ndarray, edited: np.ndarray, face: Face) -> float:
    """How far an edit moved the face's features: the mean movement of the 68 landmarks, each
    re-detected in the same box on both images, as a fraction of the IOD (the quality doc's
    limit for an edit is 0.035; a JPEG q95 re-save alone reads up to about 0.01)."""
    on_edited = _on(face, original, edited)
    before = relocate(face, original).landmarks
    after = relocate(on_edited, edited).landmarks * (original.shape[1] / edited.shape[1])
    return float(np.linalg.norm(after - before, axis=1).mean() / max(face.iod, 1.0))


def likeness_percent(distance: float | None) -> float | None:
    """The likeness shown to users: ``100 * (1 - distance / 0.6)`` clipped to 0..100 (None stays None)."""
    if distance is None:
        return None
    return float(np.clip(100.0 * (1.0 - distance / SAME_PERSON), 0.0, 100.0))

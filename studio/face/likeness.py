"""The likeness score: how far an edit moved dlib's 128-D face descriptor."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict

import cv2
import numpy as np

from studio.face.detect import (
    LANDMARK_BOX,
    _dlib,
    _rgb,
    analyze,
    hog_detector,
    landmark_predictor,
    landmarks_in_box,
)
from studio.face.types import Face
from studio.imaging.colour import to_uint8
from studio.imaging.threads import each
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
    """Load the face models a retouch needs now: the 68-point landmarks and the recognition
    model, and the face detector unless ``detection`` is False. Reading them takes most of a
    second; run in a thread, it overlaps the photo's decoding (dlib reads files and numpy
    and Pillow decode mostly outside Python's lock). Join the thread before using the models:
    each is loaded once per process."""
    if detection:
        hog_detector()
    landmark_predictor()
    recognition_model()


#: Faces are shrunk to about this landmark span (pixels) before alignment: the chip is 150 px.
_WORK_SPAN = 320.0
#: Descriptors of recently seen originals, so a live preview only computes the edited one.
_recent: OrderedDict[bytes, np.ndarray] = OrderedDict()
_RECENT_SIZE = 8
_recent_lock = threading.Lock()


def _face_crop(pixels: np.ndarray, face: Face) -> tuple[np.ndarray, np.ndarray]:
    """A uint8 crop around ``face``, shrunk so its landmark span is about ``_WORK_SPAN``
    pixels, and the landmarks in that crop's pixels."""
    image = _rgb(pixels)
    h, w = image.shape[:2]
    pts = face.landmarks.astype(np.float64)
    span = float(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1]), 1.0))
    pad = 0.6 * span  # dlib's chip reaches 25% beyond the landmarks, rotation needs more
    x0, y0 = max(int(pts[:, 0].min() - pad), 0), max(int(pts[:, 1].min() - pad), 0)
    x1, y1 = min(int(pts[:, 0].max() + pad) + 1, w), min(int(pts[:, 1].max() + pad) + 1, h)
    crop = image[y0:y1, x0:x1]
    factor = min(1.0, _WORK_SPAN / span)
    if factor < 1.0:
        size = (max(int(round(crop.shape[1] * factor)), 1), max(int(round(crop.shape[0] * factor)), 1))
        crop = cv2.resize(np.ascontiguousarray(crop), size, interpolation=cv2.INTER_AREA)
    points = (pts - (x0, y0) + 0.5) * factor - 0.5
    return to_uint8(crop), points


def face_descriptor(pixels: np.ndarray, face: Face) -> np.ndarray:
    """dlib's 128-D face descriptor of ``face`` (landmarks in ``pixels`` coordinates).

    Returns float64 (128,). The face is aligned from its 68 landmarks to dlib's 150 px chip.
    """
    dlib = _dlib()
    crop, pts = _face_crop(pixels, face)
    key = hashlib.blake2b(crop.tobytes() + pts.tobytes(), digest_size=16).digest()
    with _recent_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key].copy()
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    rect = dlib.rectangle(int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
    shape = dlib.full_object_detection(rect, [dlib.point(int(round(x)), int(round(y))) for x, y in pts])
    chip = dlib.get_face_chip(crop, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
    descriptor = np.asarray(recognition_model().compute_face_descriptor(chip), dtype=np.float64)
    with _recent_lock:
        _recent[key] = descriptor
        while len(_recent) > _RECENT_SIZE:
            _recent.popitem(last=False)
    return descriptor.copy()


def relocate(original_face: Face, edited: np.ndarray) -> Face:
    """The same face re-found on ``edited``: 68 landmarks re-detected inside the original box."""
    landmarks = landmarks_in_box(edited, original_face.box)
    return original_face.with_landmarks(landmarks)


def likeness_distance(original: np.ndarray, edited: np.ndarray, face: Face | None = None) -> float | None:
    """Euclidean distance between the face descriptors of ``original`` and ``edited``.

    Parameters
    ----------
    original, edited : (H, W, 3) images of the same size, float32 [0, 1] or uint8.
    face : the face to compare, in ``original`` pixels; default the primary face found.

    Returns
    -------
    The distance (0 = identical; same person usually < 0.6), or None when there is no face.
    Landmarks are re-detected on ``edited`` inside the original face box, so an edit that
    moves features is measured, not hidden.
    """
    if face is None:
        face = analyze(original).face()
        if face is None:
            return None
    if edited.shape[:2] != original.shape[:2]:
        face_on_edited = face.scaled(edited.shape[1] / original.shape[1])
    else:
        face_on_edited = face
    # Both regions are cut and shrunk at once (OpenCV and numpy work outside Python's lock);
    # dlib's models then run one after the other (its network is not safe to share).
    regions = each(lambda job: _at_work_scale(*job), [(original, face), (edited, face_on_edited)])
    before, after = (face_descriptor(pixels, relocate(where, pixels)) for pixels, where in regions)
    return float(np.linalg.norm(before - after))


def _at_work_scale(pixels: np.ndarray, face: Face) -> tuple[np.ndarray, Face]:
    """The face's region at the scale the likeness check works at, and the face in it.

    The landmarks are re-found where the face box is ``LANDMARK_BOX`` pixels wide and the
    descriptor's chip is cut where the landmarks span ``_WORK_SPAN`` pixels: on a 24 MP
    close-up that is a sixth of full size. The region around the face is first shrunk by the
    largest whole number of pixels both steps allow (area-averaged blocks), so they start from
    a few hundred pixels, not from the whole face at full size. On our test photos the
    distance moved by at most 0.007 (less than the full-size measure's own noise: a one-pixel
    shift of an unedited photo scores ~0.03 from itself; shrinking to exactly the working scale moved it by up
    to 0.02: the descriptor is that sensitive to resampling). A face already that small is
    measured as is.
    """
    block = _work_block(face)
    if block == 1:
        return pixels, face
    return _region(pixels, face, 1.0 / block)


def _work_block(face: Face) -> int:
    """The largest whole shrink factor that keeps ``face`` at least as large as the likeness
    check's landmark and chip steps work at."""
    x0, y0, x1, y1 = face.box
    size = max(x1 - x0, y1 - y0, 1.0)
    span = float(max(np.ptp(face.landmarks[:, 0]), np.ptp(face.landmarks[:, 1]), 1.0))
    return max(int(min(size / LANDMARK_BOX, span / _WORK_SPAN)), 1)


#: The region cut around the face box, in box sizes on each side: it holds the landmark crop
#: (0.35) and the chip's crop (0.6 of the landmark span beyond the landmarks) with room left.
_REGION_MARGIN = 1.0


def _region(pixels: np.ndarray, face: Face, factor: float) -> tuple[np.ndarray, Face]:
    """The float32 region around ``face`` shrunk by ``factor`` (area-averaged), and the face
    in its pixels."""
    image = _rgb(pixels)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = face.box
    margin = _REGION_MARGIN * max(x1 - x0, y1 - y0, 1.0)
    left, top = max(int(x0 - margin), 0), max(int(y0 - margin), 0)
    right, bottom = min(int(np.ceil(x1 + margin)), w), min(int(np.ceil(y1 + margin)), h)
    crop = image[top:bottom, left:right]
    if crop.dtype == np.uint8:
        crop = crop.astype(np.float32) / 255.0
    size = (max(int(round(crop.shape[1] * factor)), 1), max(int(round(crop.shape[0] * factor)), 1))
    small = cv2.resize(crop.astype(np.float32, copy=False), size, interpolation=cv2.INTER_AREA)
    moved = Face(box=(x0 - left, y0 - top, x1 - left, y1 - top),
                 landmarks=face.landmarks - np.float32([left, top]), score=face.score,
                 detector=face.detector)
    return small, moved.scaled(size[0] / crop.shape[1])


def likeness_percent(distance: float | None) -> float | None:
    """The likeness shown to users: ``100 * (1 - distance / 0.6)`` clipped to 0..100 (None stays None)."""
    if distance is None:
        return None
    return float(np.clip(100.0 * (1.0 - distance / SAME_PERSON), 0.0, 100.0))

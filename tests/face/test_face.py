"""Face analysis on the shared test photos: detection, landmarks, masks, likeness, cache."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from studio.face import (
    REGIONS,
    Face,
    FaceAnalysis,
    analyze,
    analyze_photo,
    detect,
    face_descriptor,
    face_hull_mask,
    likeness_distance,
    likeness_percent,
    protected_mask,
    region_mask,
    skin_mask,
)
from studio.imaging import load
from studio.imaging.filters import resize
from studio.imaging.sample import sample_photo
from tests.helpers.photos import face_photo, manifest, require_photos

#: The near-profile photo: dlib's frontal landmarks are not expected to be right on it.
PROFILE = "insightface_inspireface_pose_left_face.jpeg"
#: Photos of darker skin (per MANIFEST.csv notes), for the "every skin tone" comparison.
DARKER_SKIN = {"face_recognition_obama1.jpg", "insightface_inspireface_attribute_1423.jpg",
               "deepface_img24.jpg", "deepface_img25.jpg"}
#: Masks are checked on a copy of at most this many pixels (the app's proxy size).
PROXY_PIXELS = 2_000_000

ROWS = manifest()
PHOTOS = [r for r in ROWS if "|" not in r["file"]]
SINGLE = [r["file"] for r in PHOTOS if r["faces"] == "1" and r["file"] != PROFILE]
NO_FACE = [r["file"] for r in PHOTOS if r["faces"] == "0"]
GROUPS = [(r["file"], int(r["faces"])) for r in PHOTOS if int(r["faces"]) > 1]
SAME = [r["file"].split("|") for r in ROWS if r["identity"].startswith("same:")]
DIFFERENT = [r["file"].split("|") for r in ROWS if r["identity"].startswith("different:")]


class _Analyses:
    """Each photo loaded and analysed once per test session (at full size), plus its proxy."""

    def __init__(self):
        self._full: dict[str, tuple[np.ndarray, FaceAnalysis]] = {}
        self._proxy: dict[str, tuple[np.ndarray, FaceAnalysis]] = {}
        self._descriptors: dict[str, np.ndarray | None] = {}

    def full(self, name: str) -> tuple[np.ndarray, FaceAnalysis]:
        if name not in self._full:
            pixels = load(face_photo(name)).pixels
            self._full[name] = (pixels, analyze(pixels))
        return self._full[name]

    def proxy(self, name: str) -> tuple[np.ndarray, FaceAnalysis]:
        if name not in self._proxy:
            pixels, analysis = self.full(name)
            h, w = pixels.shape[:2]
            factor = min(1.0, math.sqrt(PROXY_PIXELS / (h * w)))
            if factor < 1.0:
                analysis = analysis.scaled(factor)
                pixels = resize(pixels, (analysis.width, analysis.height))
            self._proxy[name] = (pixels, analysis)
        return self._proxy[name]

    def descriptor(self, name: str) -> np.ndarray | None:
        if name not in self._descriptors:
            pixels, analysis = self.full(name)
            face = analysis.face()
            self._descriptors[name] = None if face is None else face_descriptor(pixels, face)
        return self._descriptors[name]


@pytest.fixture(scope="session")
def photos() -> _Analyses:
    require_photos()  # every test here reads the shared photos
    return _Analyses()


# ----------------------------------------------------------------------------- detection
@pytest.mark.parametrize("name", SINGLE)
def test_single_face_photo_has_one_upright_primary_face(photos, name):
    pixels, analysis = photos.full(name)
    assert len(analysis.faces) == 1, f"{name}: found {len(analysis.faces)} faces"
    assert analysis.primary == 0
    face = analysis.face()
    assert (analysis.width, analysis.height) == (pixels.shape[1], pixels.shape[0])
    assert face.landmarks.shape == (68, 2) and face.landmarks.dtype == np.float32
    eyes_y = np.mean([c[1] for c in face.eye_centres])
    mouth_y = face.landmarks[48:68, 1].mean()
    assert eyes_y < mouth_y, f"{name}: eyes below the mouth"
    # landmarks lie in the photo, around the detected box
    x0, y0, x1, y1 = face.box
    centre = face.landmarks.mean(axis=0)
    assert x0 <= centre[0] <= x1 and y0 <= centre[1] <= y1
    assert face.iod > 20


@pytest.mark.parametrize("name", NO_FACE)
def test_photo_without_a_person_has_no_face(photos, name):
    _, analysis = photos.full(name)
    assert analysis.faces == ()
    assert analysis.primary is None
    assert analysis.face() is None


@pytest.mark.parametrize("name,expected", GROUPS)
def test_group_photo_finds_the_people_a_user_counts(photos, name, expected):
    _, analysis = photos.full(name)
    assert len(analysis.faces) == expected, [f.box for f in analysis.faces]


def test_faces_cut_by_the_frame_are_found_in_a_group(photos):
    # the glasses man half out of the right edge and the woman cut by the bottom-left corner
    _, analysis = photos.full("deepface_selfie-many-people.jpg")
    w, h = analysis.width, analysis.height
    right_top = [f for f in analysis.faces if f.box[2] >= w - 1 and f.box[3] < h / 2]
    left_bottom = [f for f in analysis.faces if f.box[0] <= 1 and f.box[1] > h * 0.6]
    assert len(right_top) == 1 and len(left_bottom) == 1, [f.box for f in analysis.faces]
    for face in right_top + left_bottom:
        # a face's proportions: the eyes above the mouth, IOD like the other adults'
        assert face.landmarks[36:48, 1].mean() < face.landmarks[48:68, 1].mean()
        assert 25 < face.iod < 80


def test_the_selfie_taker_close_to_the_lens_is_found(photos):
    # the largest face, cut by the right edge: its landmarks keep a face's proportions
    _, analysis = photos.full("deepface_selfie-many-people.jpg")
    taker = analysis.face()
    x0, y0, x1, y1 = taker.box
    assert x0 > analysis.width / 2 and y0 > analysis.height / 2 and x1 >= analysis.width - 1
    others = [f.iod for f in analysis.faces[1:]]
    assert taker.iod > max(others), (taker.iod, others)


@pytest.mark.parametrize("name,expected", GROUPS)
def test_group_photo_finds_most_faces_and_the_largest_is_primary(photos, name, expected):
    _, analysis = photos.full(name)
    found = len(analysis.faces)
    print(f"{name}: {found} of {expected} faces")
    assert found > expected / 2, f"{name}: only {found} of {expected} faces"
    assert found <= expected + 1, f"{name}: {found} faces for {expected} people"
    areas = [f.area for f in analysis.faces]
    assert analysis.primary == int(np.argmax(areas))


def test_landmarks_are_in_photo_pixels_after_resizing(photos):
    """Analysing a half-size copy gives the same face, at half the coordinates."""
    pixels, analysis = photos.full("deepface_img2.jpg")
    half = resize(pixels, (pixels.shape[1] // 2, pixels.shape[0] // 2))
    small = analyze(half).face()
    expected = analysis.scaled(0.5).face()
    error = np.linalg.norm(small.landmarks - expected.landmarks, axis=1).mean()
    assert error < 0.05 * expected.iod


def test_uint8_and_float_photos_give_the_same_faces(photos):
    pixels, analysis = photos.full("deepface_img21.jpg")
    as_bytes = np.clip(pixels * 255 + 0.5, 0, 255).astype(np.uint8)
    again = analyze(as_bytes)
    assert np.allclose(again.face().landmarks, analysis.face().landmarks, atol=1.0)


def test_the_cnn_detector_is_tried_when_hog_finds_nothing(monkeypatch):
    """A face HOG misses (simulated) is still found by the CNN fallback."""
    pixels = load(face_photo("deepface_img25.jpg")).pixels

    class NoFaces:
        def run(self, image, upsample, threshold):
            return [], [], []

    monkeypatch.setattr(detect, "hog_detector", lambda: NoFaces())
    analysis = analyze(pixels)
    assert len(analysis.faces) == 1
    assert analysis.face().detector == "cnn"


def test_analysis_round_trips_through_json(photos):
    _, analysis = photos.full("dlib_2008_002506.jpg")
    again = FaceAnalysis.from_dict(analysis.to_dict())
    assert again.primary == analysis.primary and len(again.faces) == len(analysis.faces)
    for a, b in zip(again.faces, analysis.faces, strict=True):
        assert np.allclose(a.landmarks, b.landmarks, atol=0.01)


# ----------------------------------------------------------------------------- cache
def test_second_analysis_of_the_same_file_does_not_detect_again(monkeypatch, tmp_path):
    photo = load(face_photo("deepface_img25.jpg"))
    detect.clear_memory_cache()
    first = analyze_photo(photo)
    assert len(first.faces) == 1

    def fail(*args, **kwargs):
        raise AssertionError("the detector ran again")

    monkeypatch.setattr(detect, "_find_boxes", fail)
    reopened = load(face_photo("deepface_img25.jpg"))  # a new Photo: same file bytes
    assert analyze_photo(reopened) is first  # from memory
    detect.clear_memory_cache()
    from_disk = analyze_photo(reopened)  # a new process: from the disk cache
    assert np.allclose(from_disk.face().landmarks, first.face().landmarks, atol=0.01)
    # a different file (same pixels re-encoded) is analysed afresh
    copy = tmp_path / "copy.png"
    from studio.imaging import save

    save(copy, photo.pixels)
    with pytest.raises(AssertionError, match="detector ran again"):
        analyze_photo(load(copy))


def test_sample_photo_without_a_file_is_cached_by_its_pixels(monkeypatch):
    detect.clear_memory_cache()
    first = analyze_photo(sample_photo())
    assert len(first.faces) == 1
    monkeypatch.setattr(detect, "_find_boxes", lambda *a, **k: pytest.fail("detected again"))
    detect.clear_memory_cache()
    assert analyze_photo(sample_photo()).face().iod == pytest.approx(first.face().iod, abs=0.01)


def test_a_damaged_cache_file_is_recomputed():
    photo = sample_photo()
    detect.clear_memory_cache()
    analyze_photo(photo)
    path = detect._cache_file(detect.photo_key(photo))
    path.write_text("{not json")
    detect.clear_memory_cache()
    assert len(analyze_photo(photo).faces) == 1


# ----------------------------------------------------------------------------- regions and masks
def test_every_region_is_a_mask_on_its_own_landmarks(photos):
    pixels, analysis = photos.proxy("deepface_img2.jpg")
    face = analysis.face()
    for name, region in REGIONS.items():
        mask = region_mask(face, name, pixels.shape)
        assert mask.dtype == np.float32 and mask.shape == pixels.shape[:2]
        assert mask.min() >= 0.0 and mask.max() == 1.0, name
        inside = [mask[int(round(y)), int(round(x))] for x, y in face.landmarks[list(region.indices)]]
        assert np.mean(inside) > 0.5, name
    with pytest.raises(KeyError):
        region_mask(face, "ears", pixels.shape)


def test_protected_features_have_a_margin_in_iod_not_pixels(photos):
    """The protected mask of a half-size proxy is the half-size protected mask."""
    pixels, analysis = photos.full("deepface_img2.jpg")
    face = analysis.face()
    full = protected_mask(face, pixels.shape)
    half = protected_mask(analysis.scaled(0.5).face(), (pixels.shape[0] // 2, pixels.shape[1] // 2))
    assert abs(full.mean() - half.mean()) < 0.1 * full.mean()  # margins are whole-pixel strokes
    # the eye's margin: a point 1% IOD outside the eye corner is protected, 4% is not
    corner = face.landmarks[36]
    out = (corner - face.landmarks[39]) / np.linalg.norm(corner - face.landmarks[39])
    for reach, expected in ((0.01, 1.0), (0.04, 0.0)):
        x, y = np.round(corner + out * reach * face.iod).astype(int)
        assert full[y, x] == pytest.approx(expected, abs=0.3)


def test_face_hull_covers_the_features_and_reaches_above_the_brows(photos):
    pixels, analysis = photos.proxy("deepface_img21.jpg")
    face = analysis.face()
    hull = face_hull_mask(face, pixels.shape)
    protected = protected_mask(face, pixels.shape)
    assert (hull[protected > 0.99] > 0.5).mean() > 0.97
    brow_top = face.landmarks[17:27, 1].min()
    column = hull[:, int(face.landmarks[19, 0])]
    assert np.nonzero(column > 0.5)[0].min() < brow_top - 0.05 * face.iod


def _coverage(pixels: np.ndarray, face: Face, skin: np.ndarray) -> tuple[float, float]:
    """Share of the face hull minus features (and of docs/quality.md's eroded skin) marked skin."""
    hull = face_hull_mask(face, pixels.shape) > 0.5
    features = protected_mask(face, pixels.shape, extra_margin=0.08) > 0.5
    region = hull & ~features
    radius = max(int(round(0.08 * face.iod)), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    eroded = cv2.erode(region.astype(np.uint8), kernel) > 0
    return float((skin[region] > 0.5).mean()), float((skin[eroded] > 0.5).mean())


@pytest.fixture(scope="session")
def skin_masks(photos) -> dict[str, np.ndarray]:
    return {name: skin_mask(*[photos.proxy(name)[0], photos.proxy(name)[1].face()]) for name in SINGLE}


@pytest.mark.parametrize("name", SINGLE)
def test_skin_mask_covers_the_skin_and_never_the_features(photos, skin_masks, name):
    pixels, analysis = photos.proxy(name)
    face = analysis.face()
    skin = skin_masks[name]
    assert skin.dtype == np.float32 and skin.shape == pixels.shape[:2]
    assert skin.min() >= 0.0 and skin.max() <= 1.0
    protected = protected_mask(face, pixels.shape)
    assert float(skin[protected > 0].max(initial=0.0)) == 0.0, "skin overlaps a protected feature"
    # kept a further 8% IOD away from the features (docs/quality.md)
    assert float(skin[protected_mask(face, pixels.shape, extra_margin=0.08) > 0].max()) == 0.0
    hull_share, skin_share = _coverage(pixels, face, skin)
    print(f"{name}: skin covers {hull_share:.2f} of hull minus features, {skin_share:.2f} of docs/quality.md skin")
    assert skin_share >= 0.55, f"{name}: skin mask covers only {skin_share:.2f}"
    assert hull_share >= 0.40, f"{name}: skin mask covers only {hull_share:.2f} of the hull"


def test_skin_mask_covers_darker_skin_as_well_as_lighter(photos, skin_masks):
    shares = {name: _coverage(photos.proxy(name)[0], photos.proxy(name)[1].face(), skin_masks[name])[1]
              for name in SINGLE}
    darker = np.mean([v for k, v in shares.items() if k in DARKER_SKIN])
    lighter = np.mean([v for k, v in shares.items() if k not in DARKER_SKIN])
    print(f"skin coverage: darker {darker:.2f}, lighter {lighter:.2f}")
    assert darker >= lighter - 0.08


def test_skin_mask_excludes_background_and_beard(photos, skin_masks):
    # deepface_img24: plain blue backdrop and a dark beard on the chin
    pixels, analysis = photos.proxy("deepface_img24.jpg")
    face = analysis.face()
    skin = skin_masks["deepface_img24.jpg"]
    x0, y0, x1, y1 = (int(v) for v in face.box)
    assert skin[:, : max(x0 - int(0.3 * face.iod), 1)].max() == 0.0  # backdrop left of the head
    centre = face.landmarks[30]
    for beard in (face.landmarks[8] + np.array([0, -0.05 * face.iod]),
                  face.landmarks[6] + 0.1 * (centre - face.landmarks[6])):
        assert skin[int(beard[1]), int(beard[0])] < 0.5
    cheek = 0.5 * (face.landmarks[1] + face.landmarks[29])
    assert skin[int(cheek[1]), int(cheek[0])] > 0.9


def test_skin_mask_reaches_the_forehead(photos, skin_masks):
    pixels, analysis = photos.proxy("deepface_img20.jpg")  # bald: a tall forehead
    face = analysis.face()
    skin = skin_masks["deepface_img20.jpg"]
    forehead = 0.5 * (face.landmarks[21] + face.landmarks[22]) + np.array([0, -0.4 * face.iod])
    assert skin[int(forehead[1]), int(forehead[0])] > 0.9


def test_skin_mask_of_a_black_and_white_photo_uses_lightness(photos, skin_masks):
    pixels, analysis = photos.proxy("facexlib_test.jpg")
    hull_share, skin_share = _coverage(pixels, analysis.face(), skin_masks["facexlib_test.jpg"])
    assert skin_share > 0.8


def test_skin_mask_agrees_between_proxy_and_full_size(photos):
    pixels, analysis = photos.full("human_stock-teen-6.jpg")
    full = skin_mask(pixels, analysis.face())
    h, w = pixels.shape[:2]
    small_analysis = analysis.scaled(0.4)
    small = skin_mask(resize(pixels, (small_analysis.width, small_analysis.height)), small_analysis.face())
    shrunk = resize(full, (small_analysis.width, small_analysis.height))
    face_area = face_hull_mask(small_analysis.face(), small.shape) > 0.5
    assert np.abs(shrunk - small)[face_area].mean() < 0.05


def test_skin_mask_edges_are_feathered(photos, skin_masks):
    skin = skin_masks["deepface_img2.jpg"]
    soft = ((skin > 0.02) & (skin < 0.98)).sum()
    assert soft > 0.02 * (skin > 0.5).sum()  # a soft edge, not a cut-out


# ----------------------------------------------------------------------------- likeness
def test_a_photo_is_at_zero_distance_from_itself(photos):
    from tests.helpers.promises import clear_likeness_cache

    pixels, analysis = photos.full("deepface_img21.jpg")
    clear_likeness_cache()  # computed from the pixels, not remembered
    assert likeness_distance(pixels, pixels.copy(), analysis.face()) == pytest.approx(0.0, abs=1e-6)
    assert likeness_percent(0.0) == 100.0


def test_likeness_is_none_without_a_face(photos):
    pixels, _ = photos.full("face-alignment_grass.jpg")
    assert likeness_distance(pixels, pixels) is None
    assert likeness_percent(None) is None


def test_likeness_percent_is_clipped():
    assert likeness_percent(0.3) == pytest.approx(50.0)
    assert likeness_percent(0.9) == 0.0
    assert likeness_percent(-0.1) == 100.0


def test_likeness_notices_a_changed_face_but_not_a_tiny_one(photos):
    pixels, analysis = photos.full("deepface_img21.jpg")
    face = analysis.face()
    noisy = np.clip(pixels + np.random.default_rng(1).normal(0, 0.01, pixels.shape), 0, 1).astype(np.float32)
    near = likeness_distance(pixels, noisy, face)
    blurred = cv2.GaussianBlur(pixels, (0, 0), 0.25 * face.iod)
    far = likeness_distance(pixels, blurred, face)
    assert near < 0.1
    assert far > 0.4  # measured 0.7: a 0.25 IOD blur is far from the face


def _found_faces_manifest_promises(pair, descriptors) -> None:
    """A missing face on a photo MANIFEST.csv says shows one is a detector regression: fail."""
    faces = {r["file"]: int(r["faces"]) for r in PHOTOS}
    for name, descriptor in zip(pair, descriptors, strict=True):
        assert faces[name] >= 1, f"{name}: MANIFEST.csv lists no face on a paired photo"
        assert descriptor is not None, f"no face found on {name}, which MANIFEST.csv says has one"


@pytest.mark.parametrize("name", ["openface_clapton-1.jpg", "deepface_img1.jpg"])
def test_a_jpeg_resave_barely_moves_the_likeness_at_any_size(photos, name):
    # issue 18: a user saw 93.3% become 92.1% on reopening the same edit. Re-detected
    # landmarks made most of that noise (Clapton: 0.11-0.18 of distance from a q95 re-save);
    # both images are now aligned with the original's landmarks.
    from studio.face.likeness import landmark_shift

    pixels, analysis = photos.full(name)
    face = analysis.face()
    for iod in (None, 90.0, 60.0):
        image, on_image = pixels, face
        if iod is not None:
            factor = iod / face.iod
            image = resize(pixels, (round(pixels.shape[1] * factor), round(pixels.shape[0] * factor)))
            on_image = face.scaled(image.shape[1] / pixels.shape[1])
        ok, encoded = cv2.imencode(".jpg", (image * 255 + 0.5).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 95])
        resaved = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED).astype(np.float32) / 255
        distance = likeness_distance(image, resaved, on_image)
        assert distance < 0.03, f"{name} at IOD {iod}: a q95 re-save reads {distance:.3f}"
        assert likeness_percent(distance) > 95.0
        assert landmark_shift(image, resaved, on_image) < 0.035


@pytest.mark.parametrize("pair", SAME, ids=lambda p: "|".join(p))
def test_same_person_pairs_are_closer_than_0_6(photos, pair):
    a, b = (photos.descriptor(n) for n in pair)
    _found_faces_manifest_promises(pair, (a, b))
    distance = float(np.linalg.norm(a - b))
    print(f"{pair}: {distance:.3f}")
    assert distance < 0.6


@pytest.mark.parametrize("pair", DIFFERENT, ids=lambda p: "|".join(p))
def test_different_person_pairs_are_farther_than_0_6(photos, pair):
    a, b = (photos.descriptor(n) for n in pair)
    _found_faces_manifest_promises(pair, (a, b))
    distance = float(np.linalg.norm(a - b))
    print(f"{pair}: {distance:.3f}")
    assert distance > 0.6


def test_models_are_loaded_once():
    assert detect.landmark_predictor() is detect.landmark_predictor()
    assert detect.hog_detector() is detect.hog_detector()


def test_getting_ready_reads_dlibs_68_point_model_only_without_the_mesh(monkeypatch):
    """``load_models`` (a retouch's get-ready thread) reads the 68-point model only when the
    face mesh, which gives the landmarks, is not installed (it is half a second of CPU)."""
    from studio.face import mesh
    from studio.face.likeness import load_models

    read = []
    monkeypatch.setattr(detect, "landmark_predictor", lambda: read.append(1))
    monkeypatch.setattr("studio.face.likeness.landmark_predictor", detect.landmark_predictor)
    monkeypatch.setattr(mesh, "available", lambda: True)
    load_models(detection=False)
    assert read == []
    monkeypatch.setattr(mesh, "available", lambda: False)
    load_models(detection=False)
    assert read == [1]


def _hog_boxes(detector, image8):
    rects, scores, _ = detector.run(image8, 1, 0.0)
    return [(r.left(), r.top(), r.right(), r.bottom(), round(s, 6)) for r, s in zip(rects, scores, strict=True)]


def test_the_hog_detector_set_up_saves_is_dlibs_own(tmp_path, monkeypatch):
    """The HOG detector read from the file ``make models`` saves finds the same faces, with
    the same scores, as the one dlib builds; a file that is not dlib's detector (one bit of
    its weights flipped: dlib still reads it) is not read."""
    import dlib

    from studio.paths import HOG_DETECTOR_FILE
    from tools.fetch_models import _save_hog_detector

    _save_hog_detector(tmp_path)
    monkeypatch.setenv("LIKENESS_MODELS_DIR", str(tmp_path))
    image8 = cv2.imread(str(face_photo("dlib_2008_002506.jpg")))[:, :, ::-1].copy()
    build, built = dlib.get_frontal_face_detector, []
    own = _hog_boxes(build(), image8)
    monkeypatch.setattr(dlib, "get_frontal_face_detector", lambda: built.append(1) or build())
    detect.hog_detector.cache_clear()
    try:
        assert _hog_boxes(detect.hog_detector(), image8) == own and len(own) == 3
        assert not built  # read from the file, not built
        spoilt = bytearray((tmp_path / HOG_DETECTOR_FILE).read_bytes())
        spoilt[len(spoilt) // 2 + 97] ^= 1
        (tmp_path / HOG_DETECTOR_FILE).write_bytes(bytes(spoilt))
        dlib.fhog_object_detector(str(tmp_path / HOG_DETECTOR_FILE))  # dlib reads it
        detect.hog_detector.cache_clear()
        assert _hog_boxes(detect.hog_detector(), image8) == own and built == [1]
    finally:
        detect.hog_detector.cache_clear()


def test_landmarks_hold_still_when_the_exposure_changes(photos):
    """docs/quality.md: re-detected landmarks move < 0.035 IOD; a 2% darker copy must not move them."""
    from studio.face.likeness import relocate

    pixels, analysis = photos.proxy("deepface_img40.jpg")
    face = analysis.face()
    again = relocate(face, pixels * np.float32(0.98))
    shift = np.linalg.norm(again.landmarks - relocate(face, pixels).landmarks, axis=1).mean()
    assert shift < 0.035 * face.iod


def test_face_analysis_runs_without_qt():
    """studio.face never imports Qt (the CLI and batch workers run headless)."""
    import subprocess
    import sys

    code = ("import sys, studio.face, studio.face.overlay, studio.cli.analyze; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt'))]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_cnn_fallback_in_a_helper_process_finds_the_same_face():
    # The studio runs dlib's CNN (used when HOG finds no face) in a helper process, so the
    # window does not freeze; the faces found must be the same as in this process.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from studio.face import detect, helper_process
    from studio.imaging.sample import sample_photo

    pixels = sample_photo().pixels
    h, w = pixels.shape[:2]
    tilted = cv2.warpAffine(pixels, cv2.getRotationMatrix2D((w / 2, h / 2), 60, 1.0), (w, h),
                            borderMode=cv2.BORDER_REFLECT)
    here = detect.analyze(tilted)
    assert [f.detector for f in here.faces] == ["cnn"], "HOG should miss this tilted face"
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        helper_process.use_helper_process(pool)
        try:
            there = detect.analyze(tilted)
        finally:
            helper_process.use_helper_process(None)
    # A pool that is gone is not an error: the CNN runs here again.
    helper_process.use_helper_process(pool)
    try:
        again = detect.analyze(tilted)
    finally:
        helper_process.use_helper_process(None)
    for other in (there, again):
        assert [(f.box, f.score, f.detector) for f in other.faces] == [
            (f.box, f.score, f.detector) for f in here.faces]
        assert np.array_equal(other.faces[0].landmarks, here.faces[0].landmarks)


def test_the_studio_s_likeness_descriptors_come_from_its_helper_process(monkeypatch):
    """dlib's descriptor holds Python's lock for ~0.15 s: the studio computes it in its helper
    process (``start_face_helper``), so a likeness measure no longer freezes the window. The
    figure is the same there as here, and a helper that is gone falls back to here."""
    from studio.face import helper_process, likeness
    from studio.imaging.sample import sample_photo
    from studio.render import Retoucher
    from studio.ui.app import start_face_helper, stop_face_helper

    photo = sample_photo()
    analysis = likeness.analyze(photo.pixels)
    edited = Retoucher(photo.pixels, analysis).render({"smooth": 1.0})
    likeness._recent.clear()
    here = likeness.likeness_distance(photo.pixels, edited, analysis.face())
    model, used_here = likeness.recognition_model(), []

    def counted():
        used_here.append(1)
        return model

    monkeypatch.setattr(likeness, "recognition_model", counted)  # this process's model only
    pool = start_face_helper()
    try:
        likeness._recent.clear()
        there = likeness.likeness_distance(photo.pixels, edited, analysis.face())
    finally:
        stop_face_helper(pool)
    assert there == here and not used_here  # the helper's own model computed both
    helper_process.use_helper_process(pool)  # shut down: measured here again
    try:
        likeness._recent.clear()
        assert likeness.likeness_distance(photo.pixels, edited, analysis.face()) == here
    finally:
        helper_process.use_helper_process(None)
    assert len(used_here) == 2

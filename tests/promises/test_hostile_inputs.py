"""Hostile and degenerate inputs: what a careless or unlucky user feeds the command line.

Every case must end in correct output or one plain line and exit 2, never a traceback or a
signal. Cases that once crashed the process (dlib on tiny images) run in subprocesses, so a
SIGSEGV is seen as a failure instead of taking pytest down with it: the tiny photos' command
lines all in one process (tests/helpers/cli_cases.py runs each as ``python -m studio`` would,
with its own output and exit code), their renders in another.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]

#: (width, height) of photos too small or too thin to hold a face.
TINY_SIZES = [(1, 1), (2, 2), (3, 3), (1, 2000), (2000, 1), (8, 8), (4, 4000), (4000, 4)]
#: A look with every kind of edit on, the background ones included.
EVERY_EDIT = ["--look", "linkedin", "--set", "bg_blur=0.8", "--set", "bg_light=0.5",
              "--set", "bg_desaturate=0.5", "--set", "backdrop=#808080", "--set", "warmth=0.3",
              "--set", "smooth=1", "--set", "eyes=1", "--set", "teeth=1"]


def likeness(*argv, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``likeness ARGV`` in a new process (a crash there is a return code here, not ours)."""
    return subprocess.run(
        [sys.executable, "-m", "studio", *[str(a) for a in argv]],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def python(code: str, *args, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``code`` in a new Python process with ``args`` as sys.argv[1:]."""
    return subprocess.run(
        [sys.executable, "-c", code, *[str(a) for a in args]],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )


def assert_clean(result: subprocess.CompletedProcess, code: int = 0) -> None:
    """Exit ``code``, killed by no signal, no traceback."""
    shown = f"exit {result.returncode}\nstdout: {result.stdout[-800:]}\nstderr: {result.stderr[-2000:]}"
    assert result.returncode == code, shown
    assert "Traceback" not in result.stderr, shown


def noise(path: Path, width: int, height: int, seed: int = 0) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


# ----------------------------------------------------------------------------- tiny photos
def _tiny_id(size) -> str:
    return f"{size[0]}x{size[1]}"


#: The ``likeness`` command lines of each tiny photo (and each small real face): each case's
#: own exit code and output are checked by its own test below.
def _tiny_cases(size, folder: Path) -> dict[str, list]:
    photo = noise(folder / "tiny.png", *size)
    return {
        "analyze": ["analyze", photo, "--overlay", folder / "overlay.png"],
        **{out: ["retouch", photo, "-o", folder / out, *EVERY_EDIT] for out in ("out.png", "out.jpg")},
        "square.jpg": ["retouch", photo, "-o", folder / "square.jpg", "--export", "linkedin",
                       "--look", "portfolio"],
    }


SMALL_WIDTHS = [24, 40, 60, 90]


def _small_face_cases(width: int, folder: Path) -> dict[str, list]:
    from tests.helpers.photos import face_photo

    source = Image.open(face_photo("deepface_img1.jpg"))
    small = source.resize((width, round(width * source.height / source.width)), Image.LANCZOS)
    small.save(folder / "small.png")
    return {"analyze": ["analyze", folder / "small.png"],
            "retouch": ["retouch", folder / "small.png", "-o", folder / "out.png", *EVERY_EDIT]}


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """Every tiny photo's and small face's command lines, run by ``likeness`` in one new
    process (a crash there fails the cases it did not finish): (kind, size, case) -> its
    result, and the folder of each photo."""
    from tests.helpers.cli_cases import run_cases

    cases, folders = {}, {}
    for kind, sizes, make in (("tiny", TINY_SIZES, _tiny_cases),
                              ("small", SMALL_WIDTHS, _small_face_cases)):
        for size in sizes:
            folder = tmp_path_factory.mktemp(f"{kind}-{_tiny_id(size) if kind == 'tiny' else size}")
            folders[kind, size] = folder
            for case, argv in make(size, folder).items():
                cases[f"{kind} {size} {case}"] = argv
    results = run_cases(cases, tmp_path_factory.mktemp("tiny-runs"))
    return {key: results[key] for key in cases}, folders


@pytest.mark.parametrize("size", TINY_SIZES, ids=_tiny_id)
def test_a_photo_too_small_for_a_face_is_analysed_as_having_none(size, tiny_runs):
    runs, folders = tiny_runs
    result = runs[f"tiny {size} analyze"]
    assert_clean(result)
    assert "no face found" in result.stdout
    assert Image.open(folders["tiny", size] / "overlay.png").size == size


@pytest.mark.parametrize("size", TINY_SIZES, ids=_tiny_id)
def test_a_photo_too_small_for_a_face_is_retouched_with_every_edit(size, tiny_runs):
    runs, folders = tiny_runs
    for out in ("out.png", "out.jpg"):
        result = runs[f"tiny {size} {out}"]
        assert_clean(result)
        assert "no face" in result.stdout
        assert Image.open(folders["tiny", size] / out).size == size
    assert_clean(runs[f"tiny {size} square.jpg"])
    assert Image.open(folders["tiny", size] / "square.jpg").size == (400, 400)


#: Each size's live and one-off renders, in one new process for all sizes (a crash fails the
#: sizes it did not finish); one JSON line per size: its faces found, or its traceback.
_RENDER = """
import json, sys, traceback
import numpy as np
from studio.face import analyze
from studio.render import Retoucher, render_photo
def check(width, height):
    pixels = np.random.default_rng(1).random((height, width, 3), dtype=np.float32)
    analysis = analyze(pixels)
    sliders = dict(smooth=1.0, eyes=1.0, bg_blur=0.8, bg_light=0.5, bg_desaturate=0.5,
                   backdrop="#808080", warmth=0.3)
    live = Retoucher(pixels, analysis)
    first = live.render(sliders)
    second = live.render({**sliders, "bg_blur": 0.3, "warmth": -0.2})
    once = render_photo(pixels, analysis, {**sliders, "bg_blur": 0.3, "warmth": -0.2})
    masks = live.masks()
    assert first.shape == second.shape == once.shape == pixels.shape
    assert np.isfinite(first).all() and np.isfinite(once).all()
    assert np.array_equal(second, once), "live and one-off renders differ"
    assert all(m.shape == pixels.shape[:2] for m in masks.values())
    return str(len(analysis.faces))
for size in json.loads(sys.argv[1]):
    print(f"size: {size}", file=sys.stderr, flush=True)
    try:
        said = check(*size)
    except Exception:
        said = "Traceback: " + traceback.format_exc()
    print(json.dumps([size, said]), flush=True)
"""


@pytest.fixture(scope="module")
def tiny_renders() -> dict[tuple[int, int], str]:
    """size -> what its render check said (the faces found, or a traceback); a size the
    process did not reach -> the process's exit code and stderr."""
    import json

    result = python(_RENDER, json.dumps(TINY_SIZES))
    said = {tuple(size): text for size, text in map(json.loads, result.stdout.splitlines())}
    ended = f"the process ended first: exit {result.returncode}\n{result.stderr[-2000:]}"
    return {size: said.get(size, ended) for size in TINY_SIZES}


@pytest.mark.parametrize("size", TINY_SIZES, ids=_tiny_id)
def test_a_photo_too_small_for_a_face_renders_live_and_one_off(size, tiny_renders):
    assert tiny_renders[size] == "0"


@pytest.mark.parametrize("width", SMALL_WIDTHS)
def test_a_small_photo_of_a_real_face_is_retouched(width, tiny_runs):
    runs, folders = tiny_runs
    assert_clean(runs[f"small {width} analyze"])
    assert_clean(runs[f"small {width} retouch"])
    small = Image.open(folders["small", width] / "small.png")
    assert Image.open(folders["small", width] / "out.png").size == small.size


# ----------------------------------------------------------------------------- EXIF
def camera_exif(orientation: int = 6) -> Image.Exif:
    """EXIF as a phone writes it: a rotation, the camera, a date, a GPS position, a serial."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R6"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)}
    camera = exif.get_ifd(0x8769)
    camera[0x9003] = "2024:05:01 10:20:30"  # DateTimeOriginal
    camera[0x829A] = 0.008  # ExposureTime
    camera[0xA431] = "BODY-SERIAL-123"
    return exif


#: (name, file suffix, how to write it) of every source format with EXIF; the stored pixels
#: are 60 wide, 40 high, and orientation 6 turns them to 40 x 60 (HEIC: pillow-heif turns them
#: itself when it writes).
def _write_pillow(fmt: str, **options):
    def write(path: Path, pixels: np.ndarray, exif: Image.Exif) -> None:
        Image.fromarray(pixels).save(path, format=fmt, exif=exif.tobytes(), **options)
    return write


def _write_ours(bit_depth: int):
    def write(path: Path, pixels: np.ndarray, exif: Image.Exif) -> None:
        from studio.imaging import encode

        path.write_bytes(encode(pixels.astype(np.float32) / 255, "TIFF", bit_depth=bit_depth,
                                exif=exif.tobytes()))
    return write


SOURCES = {
    "jpeg": (".jpg", _write_pillow("JPEG", quality=95)),
    "png": (".png", _write_pillow("PNG")),
    "tiff": (".tif", _write_pillow("TIFF")),  # Pillow's own writer: EXIF as a sub-directory
    "tiff-deflate": (".tif", _write_ours(8)),  # compressed (Pillow's libtiff cannot, with EXIF)
    "tiff16": (".tif", _write_ours(16)),
    "webp": (".webp", _write_pillow("WEBP", quality=95)),
    "heic": (".heic", _write_pillow("HEIF", quality=95)),
}
OUTPUTS = [".jpg", ".png", ".tif", ".webp"]


def _source(tmp_path: Path, name: str, exif: Image.Exif) -> Path:
    suffix, write = SOURCES[name]
    path = tmp_path / f"source{suffix}"
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[..., 0] = np.linspace(0, 255, 60, dtype=np.uint8)
    write(path, pixels, exif)
    return path


def _written_exif(path: Path) -> Image.Exif:
    with Image.open(path) as image:
        image.load()
        return image.getexif()


@pytest.mark.parametrize("keep", [True, False], ids=["keep-metadata", "private-stripped"])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("source", list(SOURCES))
def test_exif_goes_through_every_format(source, output, keep, tmp_path, capsys):
    from studio.cli import main

    photo = _source(tmp_path, source, camera_exif())
    out = tmp_path / f"out{output}"
    argv = ["retouch", str(photo), "-o", str(out), "--set", "warmth=0.2"]
    code = main(argv + (["--keep-metadata"] if keep else []))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    exif = _written_exif(out)
    with Image.open(out) as image:
        assert image.size == (40, 60), "the rotation is baked into the pixels"
    assert exif.get(0x0112, 1) == 1, "orientation is reset once baked in"
    assert exif.get(0x010F) == "Canon" and exif.get(0x0110) == "EOS R6"
    camera = exif.get_ifd(0x8769)
    assert camera.get(0x9003) == "2024:05:01 10:20:30"
    assert abs(float(camera.get(0x829A)) - 0.008) < 1e-6
    gps = exif.get_ifd(0x8825)
    if keep:
        assert gps.get(1) == "N" and tuple(float(v) for v in gps.get(2)) == (51.0, 30.0, 12.5)
        assert camera.get(0xA431) == "BODY-SERIAL-123"
    else:
        assert not gps, "the GPS position must be gone"
        assert 0xA431 not in camera, "the serial number must be gone"


def test_a_tiff_written_with_exif_is_read_by_other_readers(tmp_path):
    import cv2
    import tifffile

    from studio.imaging import encode

    pixels = np.random.default_rng(3).random((50, 70, 3), dtype=np.float32)
    for depth in (8, 16):
        path = tmp_path / f"exif{depth}.tif"
        path.write_bytes(encode(pixels, "TIFF", bit_depth=depth, exif=camera_exif(1).tobytes()))
        with tifffile.TiffFile(path) as tiff:
            page = tiff.pages[0]
            assert page.shape == (50, 70, 3)
            assert page.tags["Make"].value == "Canon"
            assert page.tags["ExifTag"].value["DateTimeOriginal"] == "2024:05:01 10:20:30"
            top = 65535 if depth == 16 else 255
            assert np.abs(page.asarray() / top - pixels).max() <= 0.5 / top + 1e-6
        assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).shape == (50, 70, 3)


def _png_with_big_exif(path: Path, where: str, size: int) -> Path:
    exif = camera_exif(1)
    if where == "description":
        exif[0x010E] = "d" * size  # ImageDescription
    elif where == "user-comment":
        exif.get_ifd(0x8769)[0x9286] = b"ASCII\0\0\0" + b"u" * size  # UserComment
    pixels = np.full((30, 40, 3), 120, np.uint8)
    fmt = "WEBP" if path.suffix == ".webp" else "PNG"
    Image.fromarray(pixels).save(path, format=fmt, exif=exif.tobytes())
    return path


@pytest.mark.parametrize(("where", "size", "suffix", "dropped"), [
    ("description", 100_000, ".png", "ImageDescription"),
    ("user-comment", 1_000_000, ".png", "UserComment"),
    ("user-comment", 100_000, ".webp", "UserComment"),
    ("description", 65_400, ".png", "ImageDescription"),  # just over the limit with the rest
])
def test_exif_too_large_for_jpeg_keeps_what_fits(where, size, suffix, dropped, tmp_path, capsys):
    from studio.cli import main

    photo = _png_with_big_exif(tmp_path / f"big{suffix}", where, size)
    out = tmp_path / "out.jpg"
    code = main(["retouch", str(photo), "-o", str(out), "--keep-metadata"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    notes = [line for line in captured.out.splitlines() if "64 KB of EXIF" in line]
    assert len(notes) == 1 and dropped in notes[0], captured.out
    exif = _written_exif(out)
    assert exif.get(0x010F) == "Canon", "what fits is kept"
    assert exif.get_ifd(0x8769).get(0x9003) == "2024:05:01 10:20:30"
    assert exif.get_ifd(0x8825).get(1) == "N"
    # other formats hold it whole
    code = main(["retouch", str(photo), "-o", str(tmp_path / "out.png"), "--keep-metadata"])
    captured = capsys.readouterr()
    assert code == 0 and "64 KB" not in captured.out
    whole = _written_exif(tmp_path / "out.png")
    assert len(whole.get(0x010E, "")) == size or len(whole.get_ifd(0x8769).get(0x9286, b"")) > size


def test_exif_that_fits_a_jpeg_is_not_touched(tmp_path, capsys):
    from studio.cli import main

    photo = _png_with_big_exif(tmp_path / "fits.png", "description", 60_000)
    code = main(["retouch", str(photo), "-o", str(tmp_path / "out.jpg"), "--keep-metadata"])
    captured = capsys.readouterr()
    assert code == 0 and "EXIF" not in captured.out
    assert len(_written_exif(tmp_path / "out.jpg").get(0x010E)) == 60_000


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_16_bit_tiff_is_turned_by_its_orientation_once(orientation, tmp_path):
    from studio.imaging import encode, load
    from studio.imaging.io import _orient_array

    stored = (np.arange(40 * 60 * 3).reshape(40, 60, 3) % 997).astype(np.float32) / 996
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "turned.tif"
    path.write_bytes(encode(stored, "TIFF", bit_depth=16, exif=exif.tobytes()))
    photo = load(path)
    assert photo.bit_depth == 16
    expected = _orient_array(np.round(stored * 65535) / 65535, orientation)
    assert photo.pixels.shape == expected.shape
    assert np.abs(photo.pixels - expected).max() <= 1.01 / 65535  # one 16-bit level


# ----------------------------------------------------------------------------- the cache folder
CACHE_NOTE = "working without the cache"


@pytest.fixture(scope="module")
def small_face(tmp_path_factory) -> Path:
    """A small real portrait (a face is found, so the analysis would be cached)."""
    from tests.helpers.photos import face_photo

    source = Image.open(face_photo("face_recognition_obama1.jpg"))
    path = tmp_path_factory.mktemp("cache") / "face.png"
    source.resize((140, round(140 * source.height / source.width)), Image.LANCZOS).save(path)
    return path


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody can write in, not even root: a read-only tmpfs mount as root (chmod
    does not stop root), a folder without write permission otherwise."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"running as root without a way to make a read-only folder: {mounted.stderr}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _cache_cases(tmp_path: Path, read_only: Path | None = None) -> dict[str, Path]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    cases = {"under a file": a_file / "cache", "a file in the way": a_file}
    if read_only is not None:
        cases["read-only parent"] = read_only / "cache"
        cases["read-only cache folder"] = read_only
    return cases


def _check_without_cache(cache: Path, photo: Path, tmp_path: Path) -> None:
    env = {"LIKENESS_CACHE_DIR": str(cache)}
    for argv in (["analyze", photo], ["retouch", photo, "-o", tmp_path / "out.jpg", *EVERY_EDIT]):
        result = likeness(*argv, env=env)
        assert_clean(result)
        notes = [line for line in result.stderr.splitlines() if CACHE_NOTE in line]
        assert len(notes) == 1, result.stderr
        # other one-line notices (a model not installed) may follow; no error does
        assert all(line.startswith("likeness: ") and "error" not in line
                   for line in result.stderr.splitlines()), result.stderr
        assert "1 face found" in result.stdout or "likeness " in result.stdout
    assert Image.open(tmp_path / "out.jpg").size == Image.open(photo).size


def test_analyze_and_retouch_work_without_a_cache_folder(small_face, tmp_path):
    for name, cache in _cache_cases(tmp_path).items():
        try:
            _check_without_cache(cache, small_face, tmp_path)
        except AssertionError as error:
            raise AssertionError(f"cache {name}: {error}") from None


def test_analyze_and_retouch_work_with_a_read_only_cache(small_face, tmp_path, read_only_folder):
    for name in ("read-only parent", "read-only cache folder"):
        cache = _cache_cases(tmp_path, read_only_folder)[name]
        try:
            _check_without_cache(cache, small_face, tmp_path)
        except AssertionError as error:
            raise AssertionError(f"cache {name}: {error}") from None
    assert not any(read_only_folder.iterdir())


def test_batch_says_once_that_it_works_without_the_cache(small_face, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(3):
        (folder / f"p{index}.png").write_bytes(small_face.read_bytes())
    (tmp_path / "a-file").write_text("")
    result = likeness("batch", folder, "-o", tmp_path / "out", "--workers", "2",
                      "--look", "natural", env={"LIKENESS_CACHE_DIR": str(tmp_path / "a-file" / "c")})
    assert_clean(result)
    assert result.stderr.count(CACHE_NOTE) == 1, result.stderr
    assert len(list((tmp_path / "out").glob("p*.png"))) == 3


def test_a_cache_that_works_is_used_and_silent(small_face, tmp_path):
    cache = tmp_path / "cache"
    for _ in range(2):
        result = likeness("analyze", small_face, env={"LIKENESS_CACHE_DIR": str(cache)})
        assert_clean(result)
        assert result.stderr == ""
    assert len(list((cache / "faces").glob("*.json"))) == 1


def test_looks_work_without_a_config_folder(tmp_path, monkeypatch, capsys):
    from studio.cli import main

    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("LIKENESS_CONFIG_DIR", str(tmp_path / "a-file" / "config"))
    assert main(["looks"]) == 0
    assert "linkedin" in capsys.readouterr().out
    photo = noise(tmp_path / "p.png", 64, 48)
    assert main(["retouch", str(photo), "-o", str(tmp_path / "o.png"), "--look", "linkedin"]) == 0
    capsys.readouterr()
    assert main(["looks", "--save", "Mine", "--from", "natural"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "cannot create the config folder" in err


# ----------------------------------------------------------------------------- tampered sessions
@pytest.fixture(scope="module")
def saved_session(tmp_path_factory) -> tuple[Path, dict]:
    """A small portrait and the session saved by retouching it (with its face analysis)."""
    import json

    from studio.service.retouch_file import RetouchRequest, retouch_file
    from tests.helpers.photos import face_photo

    folder = tmp_path_factory.mktemp("tampered")
    source = Image.open(face_photo("face_recognition_obama1.jpg"))
    photo = folder / "portrait.png"
    source.resize((480, round(480 * source.height / source.width)), Image.LANCZOS).save(photo)
    result = retouch_file(RetouchRequest(photo=photo, session={"smooth": 0.5},
                                         output=folder / "first.png",
                                         save_session_to=folder / "portrait.png.likeness.json"))
    assert result.status == "ok" and result.faces == 1, result.reason
    return photo, json.loads((folder / "portrait.png.likeness.json").read_text())


def _with_face(data: dict, **changes) -> dict:
    import copy

    data = copy.deepcopy(data)
    data["analysis"]["faces"][0].update(changes)
    return data


def _landmarks(data: dict, point) -> dict:
    face = data["analysis"]["faces"][0]
    return _with_face(data, landmarks=[point(x, y, i) for i, (x, y) in enumerate(face["landmarks"])])


#: Stands for the JSON number 1e400, which Python reads as infinity (json.dumps cannot write it).
BIG = "<1e400>"
TAMPERED = {
    "landmarks all 0": lambda d: _landmarks(d, lambda x, y, i: [0, 0]),
    "landmarks all -1e6": lambda d: _landmarks(d, lambda x, y, i: [-1e6, -1e6]),
    "landmarks all 1e12": lambda d: _landmarks(d, lambda x, y, i: [1e12, 1e12]),
    "landmarks all 1e39": lambda d: _landmarks(d, lambda x, y, i: [1e39, 1e39]),
    "one landmark 1e400": lambda d: _landmarks(d, lambda x, y, i: [BIG if i == 30 else x, y]),
    "landmarks all equal": lambda d: _landmarks(d, lambda x, y, i: [200, 100]),
    "landmarks as text": lambda d: _landmarks(d, lambda x, y, i: [str(x), y]),
    "landmarks true": lambda d: _landmarks(d, lambda x, y, i: [True, y]),
    "67 landmarks": lambda d: _with_face(d, landmarks=d["analysis"]["faces"][0]["landmarks"][:67]),
    "3 numbers a landmark": lambda d: _landmarks(d, lambda x, y, i: [x, y, 0]),
    "eyes on one point": lambda d: _landmarks(d, lambda x, y, i: [150, 90] if 36 <= i < 48 else [x, y]),
    "landmarks moved off the face": lambda d: _landmarks(d, lambda x, y, i: [x + 250, y]),
    "box outside the photo": lambda d: _with_face(d, box=[-5000, -5000, -4000, -4000]),
    "box inside out": lambda d: _with_face(d, box=[300, 200, 100, 50]),
    "box of 1 px": lambda d: _with_face(d, box=[150, 90, 151, 91]),
    "box of 3 numbers": lambda d: _with_face(d, box=[1, 2, 3]),
    "box far larger than the face": lambda d: _with_face(d, box=[0, 0, 480, 270]),
    "score infinite": lambda d: _with_face(d, score=BIG),
    "image 10 x 10": lambda d: {**d, "analysis": {**d["analysis"], "image": {"width": 10, "height": 10}}},
    "image 0 x 0": lambda d: {**d, "analysis": {**d["analysis"], "image": {"width": 0, "height": 0}}},
    "face not an object": lambda d: {**d, "analysis": {**d["analysis"], "faces": [7]}},
}


def _retouch_tampered(photo: Path, data: dict, out: Path):
    """Parse the tampered session and retouch with it; (SessionError text or None, result).
    Warnings (numpy's RuntimeWarnings) fail the test."""
    import json
    import warnings

    from studio.errors import SessionError
    from studio.service.retouch_file import RetouchRequest, retouch_file
    from studio.session import parse_session_text

    text = json.dumps(data, allow_nan=True).replace(f'"{BIG}"', "1e400")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            session = parse_session_text(text, base=photo.parent, name="tampered.json")
        except SessionError as error:
            return str(error), None
        sliders = {"smooth": 0.6, "eyes": 0.5, "bg_blur": 0.5, "backdrop": "#707070"}
        return None, retouch_file(RetouchRequest(photo=photo,
                                                 session=session.with_sliders(sliders), output=out))


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_session_is_a_one_line_error_naming_the_key(case, saved_session, tmp_path):
    photo, data = saved_session
    error, result = _retouch_tampered(photo, TAMPERED[case](data), tmp_path / "out.png")
    assert error is not None, f"accepted: {result}"
    assert "\n" not in error and "'analysis" in error, error


def test_a_session_whose_analysis_is_for_another_size_finds_faces_again(saved_session, tmp_path):
    photo, data = saved_session
    tampered = {**data, "analysis": {**data["analysis"], "image": {"width": 960, "height": 540}}}
    error, result = _retouch_tampered(photo, tampered, tmp_path / "out.png")
    assert error is None and result.status == "ok", result
    assert result.faces == 1 and any("faces found again" in note for note in result.notes)


def test_the_untouched_session_still_works(saved_session, tmp_path):
    photo, data = saved_session
    error, result = _retouch_tampered(photo, data, tmp_path / "out.png")
    assert error is None and result.status == "ok" and result.faces == 1, (error, result)


def test_a_tampered_session_from_the_command_line_is_one_line_exit_2(saved_session, tmp_path):
    import json

    photo, data = saved_session
    session = photo.parent / "tampered.likeness.json"
    for case in ("landmarks all 0", "landmarks all 1e39", "box outside the photo"):
        session.write_text(json.dumps(TAMPERED[case](data)))
        result = likeness("retouch", session, "-o", tmp_path / "out.jpg", "--set", "bg_blur=0.5")
        assert_clean(result, 2)
        assert len(result.stderr.splitlines()) == 1 and "'analysis.faces[0]" in result.stderr
        assert not (tmp_path / "out.jpg").exists()


def test_a_tampered_analysis_cache_is_found_again(saved_session, tmp_path):
    import json

    photo, _ = saved_session
    cache = tmp_path / "cache"
    first = likeness("analyze", photo, "--json", env={"LIKENESS_CACHE_DIR": str(cache)})
    assert_clean(first)
    (cached,) = (cache / "faces").glob("*.json")
    stored = json.loads(cached.read_text())
    stored["faces"][0]["landmarks"] = [[0, 0]] * 68
    cached.write_text(json.dumps(stored))
    again = likeness("analyze", photo, "--json", env={"LIKENESS_CACHE_DIR": str(cache)})
    assert_clean(again)
    assert json.loads(again.stdout) == json.loads(first.stdout)


def _tampering():
    """Hypothesis: a change to one stored face (some landmarks, the box, the score)."""
    from hypothesis import strategies as st

    number = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-600, 600),
        st.integers(-10**7, 10**7),
        st.sampled_from([0, -1, 1e6, -1e6, 1e12, 1e39, 0.5]),
    )
    indices = st.lists(st.integers(0, 67), min_size=1, max_size=68, unique=True)
    scale = st.floats(0.0, 5.0)
    shift = st.tuples(st.floats(-800, 800), st.floats(-800, 800))
    return st.one_of(
        st.tuples(st.just("points"), indices, number, number),
        st.tuples(st.just("scale"), scale, shift),
        st.tuples(st.just("box"), st.integers(0, 3), number),
        st.tuples(st.just("shuffle"), st.randoms(use_true_random=False)),
    )


def _tamper(data: dict, change) -> dict:
    import copy

    data = copy.deepcopy(data)
    face = data["analysis"]["faces"][0]
    points = face["landmarks"]
    kind = change[0]
    if kind == "points":
        _, indices, x, y = change
        for i in indices:
            points[i] = [x, y]
    elif kind == "scale":
        _, factor, (dx, dy) = change
        cx = sum(p[0] for p in points) / 68
        cy = sum(p[1] for p in points) / 68
        face["landmarks"] = [[cx + (p[0] - cx) * factor + dx, cy + (p[1] - cy) * factor + dy]
                             for p in points]
    elif kind == "box":
        _, index, value = change
        face["box"][index] = value
    else:
        change[1].shuffle(points)
    return data


def test_any_tampered_analysis_is_refused_or_rendered_cleanly(saved_session, tmp_path_factory):
    from hypothesis import HealthCheck, given, settings

    photo, data = saved_session
    out = tmp_path_factory.mktemp("hypothesis") / "out.png"
    seen = {"refused": 0, "rendered": 0}

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(change=_tampering())
    def check(change):
        error, result = _retouch_tampered(photo, _tamper(data, change), out)
        if error is not None:
            assert "\n" not in error and ("'analysis" in error or "not valid JSON" in error), error
            seen["refused"] += 1
        else:
            assert result.status == "ok", result.reason
            seen["rendered"] += 1

    check()
    assert seen["refused"] > 0 and seen["rendered"] > 0, seen


# ----------------------------------------------------------------------------- corrupt data
def _encoded(fmt: str, bit_depth: int = 8) -> bytes:
    from studio.imaging import encode

    pixels = np.random.default_rng(5).random((120, 160, 3), dtype=np.float32)
    return encode(pixels, fmt, bit_depth=bit_depth, quality=90)


CORRUPT_FORMATS = {"png": ("PNG", 8, ".png"), "png16": ("PNG", 16, ".png"),
                   "jpeg": ("JPEG", 8, ".jpg"), "tiff": ("TIFF", 8, ".tif"),
                   "tiff16": ("TIFF", 16, ".tif"), "webp": ("WEBP", 8, ".webp")}


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start of its data, length) of each chunk of a PNG."""
    import struct

    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        chunks.append((data[at + 4:at + 8], at + 8, length))
        at += 12 + length
    return chunks


@pytest.mark.parametrize("bit_depth", [8, 16])
def test_a_png_with_one_flipped_byte_is_refused(bit_depth, tmp_path):
    from studio.errors import PhotoError
    from studio.imaging import load

    data = _encoded("PNG", bit_depth)
    flipped = 0
    for kind, start, length in _png_chunks(data):
        if kind not in (b"IDAT", b"IHDR", b"iCCP"):
            continue
        for offset in sorted({0, length // 3, length // 2, length - 1}):
            damaged = bytearray(data)
            damaged[start + offset] ^= 0x04
            path = tmp_path / "damaged.png"
            path.write_bytes(bytes(damaged))
            with pytest.raises(PhotoError, match="corrupt"):
                load(path)
            flipped += 1
    assert flipped >= 8


@pytest.mark.parametrize("name", list(CORRUPT_FORMATS))
def test_a_truncated_photo_is_refused(name, tmp_path):
    from studio.errors import PhotoError
    from studio.imaging import load

    fmt, depth, suffix = CORRUPT_FORMATS[name]
    data = _encoded(fmt, depth)
    for fraction in (0.05, 0.3, 0.5, 0.8, 0.95):
        path = tmp_path / f"cut{suffix}"
        path.write_bytes(data[: int(len(data) * fraction)])
        with pytest.raises(PhotoError):
            load(path)


def _corrupt_photo(name: str, folder: Path) -> Path:
    """A photo of format ``name`` with one byte flipped in its pixels (PNG) or cut in half."""
    fmt, depth, suffix = CORRUPT_FORMATS[name]
    data = bytearray(_encoded(fmt, depth))
    if fmt == "PNG":
        kind, start, length = next(c for c in _png_chunks(bytes(data)) if c[0] == b"IDAT")
        data[start + length // 2] ^= 0x04
        photo = folder / f"flipped{suffix}"
    else:
        data = data[: len(data) // 2]
        photo = folder / f"cut{suffix}"
    photo.write_bytes(bytes(data))
    return photo


@pytest.fixture(scope="module")
def corrupt_runs(tmp_path_factory):
    """Each corrupt photo analysed and retouched by ``likeness``, every case in one new
    process: (format, command) -> its result, and each format's folder."""
    from tests.helpers.cli_cases import run_cases

    cases, folders = {}, {}
    for name in CORRUPT_FORMATS:
        folder = folders[name] = tmp_path_factory.mktemp(f"corrupt-{name}")
        photo = _corrupt_photo(name, folder)
        cases[f"{name} analyze"] = ["analyze", photo]
        cases[f"{name} retouch"] = ["retouch", photo, "-o", folder / "out.png"]
    return run_cases(cases, tmp_path_factory.mktemp("corrupt-runs")), folders


@pytest.mark.parametrize("name", list(CORRUPT_FORMATS))
def test_corrupt_photos_are_one_line_and_exit_2_on_the_command_line(name, corrupt_runs):
    runs, folders = corrupt_runs
    for command in ("analyze", "retouch"):
        result = runs[f"{name} {command}"]
        assert_clean(result, 2)
        assert len(result.stderr.splitlines()) == 1 and "corrupt" in result.stderr, result.stderr
    assert not (folders[name] / "out.png").exists()


# ----------------------------------------------------------------------------- hostile marks
def _strokes(count: int, points: int, radius: float, kind: str = "person") -> list[dict]:
    return [{"kind": kind, "radius": radius,
             "points": [[(i * 389 + s) % 480, (i * 331 + s) % 270] for i in range(points)]}
            for s in range(count)]


def _clicks(count: int, radius: float) -> list[dict]:
    return [{"kind": "heal", "radius": radius, "points": [[i % 480, i * 7 % 270]]}
            for i in range(count)]


#: Issue 26: sessions whose marks took minutes of CPU (or a traceback) on a 480 x 270 photo,
#: and the line that refuses each.
HOSTILE_MARKS = {
    "200 strokes of 5000 points": (_strokes(200, 5000, 20), "'marks' hold 1000000 points"),
    "2000 heals of radius 100000": (_clicks(2000, 100_000),
                                    "'marks[0].radius' is 100000 pixels; at most 240 (half"),
    "2000 heals of radius 240": (_clicks(2000, 240), "at most 128 (fewer"),
    "10 strokes of 5000 points": (_strokes(10, 5000, 20), "at most 128 (fewer"),
    "heal radius 1e-300": (_clicks(1, 1e-300), "'marks[0].radius' is 1e-300 pixels; at least 0.5"),
    "heal radius 1e-6": (_clicks(1, 1e-6), "'marks[0].radius' is 1e-06 pixels; at least 0.5"),
}


@pytest.mark.parametrize("case", list(HOSTILE_MARKS))
def test_hostile_marks_are_refused_in_one_line_at_once(case, saved_session, tmp_path):
    """Each hostile session ends in one line naming the key and its limit, exit 2, nothing
    written; the whole run takes seconds of CPU (minutes, or a traceback, before)."""
    import json
    import resource

    photo, data = saved_session
    marks, words = HOSTILE_MARKS[case]
    session = photo.parent / f"hostile-{len(marks)}-{marks[0]['radius']}.likeness.json"
    session.write_text(json.dumps({**data, "marks": marks}))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = likeness("retouch", session, "-o", tmp_path / "out.jpg", "--threads", 1,
                      timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert_clean(result, 2)
    assert len(result.stderr.splitlines()) == 1 and words in result.stderr, result.stderr
    assert not (tmp_path / "out.jpg").exists()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert cpu < 60, f"{cpu:.0f} s of CPU to refuse it"  # a bound on a hang, not a speed test


def test_marks_at_their_limits_are_rendered(saved_session, tmp_path):
    import json

    photo, data = saved_session
    marks = [{"kind": "heal", "radius": 0.5, "points": [[200, 100]]},
             {"kind": "keep", "radius": 240, "points": [[240, 135]]},
             {"kind": "person", "radius": 20, "points": [[10, 10], [60, 20], [110, 30]]}]
    session = photo.parent / "limits.likeness.json"
    session.write_text(json.dumps({**data, "marks": marks}))
    result = likeness("retouch", session, "-o", tmp_path / "out.jpg", "--set", "smooth=0.6")
    assert_clean(result)
    assert Image.open(tmp_path / "out.jpg").size == (480, 270)


def test_the_studio_opens_a_photo_without_the_hostile_session_beside_it(saved_session, tmp_path):
    """The studio's open: a hostile session opened as such fails in one line; found beside
    the photo, it is set aside with a note and the photo opens."""
    import json
    import shutil

    from studio.errors import SessionError
    from studio.session import default_session_path
    from studio.ui.qt_jobs import open_job

    photo, data = saved_session
    mine = Path(shutil.copy(photo, tmp_path / photo.name))
    beside = default_session_path(mine)
    beside.write_text(json.dumps({**data, "marks": _clicks(2000, 240)}))
    with pytest.raises(SessionError, match="at most 128") as error:
        open_job(beside, as_session=True)
    assert "\n" not in str(error.value)
    opened = open_job(mine, as_session=False)
    assert opened.session is None and "at most 128" in opened.note


def test_the_contact_sheet_refuses_hostile_marks_in_one_line(saved_session, tmp_path):
    import json

    photo, data = saved_session
    session = photo.parent / "hostile-sheet.likeness.json"
    session.write_text(json.dumps({**data, "marks": _clicks(1, 300)}))
    result = likeness("retouch", photo, "--session", session, "--contact-sheet",
                      tmp_path / "sheet.jpg", timeout=300)
    assert_clean(result, 2)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "'marks[0].radius' is 300 pixels; at most 240 (half" in result.stderr, result.stderr
    assert not (tmp_path / "sheet.jpg").exists()

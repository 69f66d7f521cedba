"""Photo I/O: every format and bit depth, orientation, colour profiles, alpha, bad input."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import studio.imaging as imaging
import studio.imaging.filters  # noqa: F401  (imaging.filters below)
from studio.errors import PhotoError
from studio.imaging import io as imaging_io
from tests.helpers.icc import p3_profile, p3_to_srgb

RNG = np.random.default_rng(7)


def _smooth_image(h=48, w=64) -> np.ndarray:
    """A smooth colour ramp: survives lossy codecs with small error."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.dstack([x / (w - 1), y / (h - 1), 0.5 + 0.4 * np.sin(x / 9)]).astype(np.float32)


def _quadrants(h=40, w=60) -> np.ndarray:
    """Four flat colours: orientation is obvious, and JPEG keeps flat colours."""
    img = np.zeros((h, w, 3), np.float32)
    img[: h // 2, : w // 2] = (0.9, 0.1, 0.1)
    img[: h // 2, w // 2 :] = (0.1, 0.8, 0.1)
    img[h // 2 :, : w // 2] = (0.1, 0.1, 0.9)
    img[h // 2 :, w // 2 :] = (0.9, 0.9, 0.2)
    return img


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize(
    ("name", "bits", "tolerance"),
    [
        ("out.png", 8, 0.5 / 255 + 1e-6),
        ("out.png", 16, 0.5 / 65535 + 1e-6),
        ("out.tif", 8, 0.5 / 255 + 1e-6),
        ("out.tiff", 16, 0.5 / 65535 + 1e-6),
        ("out.jpg", 8, 0.06),
        ("out.webp", 8, 0.08),
    ],
)
def test_round_trip_every_format_and_bit_depth(tmp_path, name, bits, tolerance):
    pixels = _smooth_image()
    path = imaging.save(tmp_path / name, pixels, bit_depth=bits, quality=95)
    photo = imaging.load(path)
    assert photo.pixels.dtype == np.float32
    assert photo.pixels.shape == pixels.shape
    assert photo.bit_depth == bits
    assert np.abs(photo.pixels - pixels).max() <= tolerance
    assert photo.format == imaging.format_for(path)


def test_sixteen_bit_keeps_more_than_256_levels(tmp_path):
    ramp = np.repeat(np.linspace(0, 1, 4096, dtype=np.float32)[None, :, None], 3, axis=2)
    photo = imaging.load(imaging.save(tmp_path / "ramp.png", ramp, bit_depth=16))
    assert len(np.unique(photo.pixels[0, :, 0])) > 4000


@pytest.mark.parametrize(
    ("mode", "suffix"),
    [("P", ".png"), ("L", ".png"), ("I;16", ".png"), ("RGB", ".bmp"), ("RGB", ".heic"), ("L", ".tif")],
)
def test_loads_palette_grey_bmp_heic(tmp_path, mode, suffix):
    base = (_smooth_image() * 255).astype(np.uint8)
    if mode == "P":
        image = Image.fromarray(base).convert("P", palette=Image.Palette.ADAPTIVE)
    elif mode == "L":
        image = Image.fromarray(base[:, :, 1])
    elif mode == "I;16":
        image = Image.fromarray(base[:, :, 1].astype(np.uint16) * 257)
    else:
        image = Image.fromarray(base)
    path = tmp_path / f"in{suffix}"
    image.save(path)
    photo = imaging.load(path)
    assert photo.pixels.shape == (48, 64, 3)
    if mode in ("L", "I;16"):
        assert np.array_equal(photo.pixels[..., 0], photo.pixels[..., 2]), "grey becomes RGB"
        assert np.abs(photo.pixels[..., 1] - base[:, :, 1] / 255).max() < 1e-3
    else:
        assert np.abs(photo.pixels - base / 255).mean() < 0.03


def test_alpha_is_kept_aside_and_reattached_through_png(tmp_path):
    pixels = _smooth_image()
    alpha = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (48, 1))
    source = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([(pixels * 255).round(), (alpha * 255).round()]).astype(np.uint8)).save(source)
    photo = imaging.load(source)
    assert photo.alpha is not None and photo.alpha.shape == (48, 64)
    assert np.abs(photo.alpha - alpha).max() <= 0.5 / 255 + 1e-6
    out = imaging.save(tmp_path / "copy.png", photo.pixels, alpha=photo.alpha)
    assert np.array_equal(imaging.load(out).alpha, photo.alpha)
    out16 = imaging.save(tmp_path / "copy16.png", photo.pixels, alpha=photo.alpha, bit_depth=16)
    assert np.abs(imaging.load(out16).alpha - photo.alpha).max() < 1e-4
    # JPEG has no alpha: it is dropped, not an error.
    assert imaging.load(imaging.save(tmp_path / "flat.jpg", photo.pixels, alpha=photo.alpha)).alpha is None


# ----------------------------------------------------------------------------- orientation
def _stored_for(display: np.ndarray, orientation: int) -> np.ndarray:
    """What a camera stores so that applying ``orientation`` shows ``display``."""
    inverse = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, 1),  # displayed by rotating 90 degrees clockwise
        7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
        8: lambda a: np.rot90(a, -1),
    }
    return np.ascontiguousarray(inverse[orientation](display))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_jpeg(tmp_path, orientation):
    display = _quadrants()
    stored = (_stored_for(display, orientation) * 255).round().astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    Image.fromarray(stored).save(path, exif=exif.tobytes(), quality=95)
    photo = imaging.load(path)
    assert photo.pixels.shape == display.shape
    assert np.abs(photo.pixels - display).mean() < 0.03


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_applied_to_16_bit_png(tmp_path, orientation):
    display = _quadrants()
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = imaging.encode(_stored_for(display, orientation), "PNG", bit_depth=16, exif=exif.tobytes())
    path = tmp_path / "o.png"
    path.write_bytes(data)
    photo = imaging.load(path)
    assert photo.bit_depth == 16
    assert np.abs(photo.pixels - display).max() < 1e-4


# ----------------------------------------------------------------------------- colour profiles
def test_display_p3_profile_is_converted_to_srgb(tmp_path):
    p3 = np.array([[[0.8, 0.5, 0.3], [0.5, 0.5, 0.5], [0.2, 0.6, 0.9], [0.9, 0.2, 0.2]]])
    stored = (p3 * 255).round().astype(np.uint8)
    path = tmp_path / "p3.png"
    Image.fromarray(stored).save(path, icc_profile=p3_profile())
    photo = imaging.load(path)
    expected = p3_to_srgb(stored / 255)
    assert np.abs(photo.pixels - expected).max() < 0.01
    # The conversion really happened: P3 colours become more saturated in sRGB numbers.
    assert np.abs(photo.pixels - stored / 255).max() > 0.04


def test_display_p3_profile_is_converted_for_16_bit_tiff(tmp_path):
    import tifffile

    p3 = np.array([[[0.8, 0.5, 0.3], [0.5, 0.5, 0.5], [0.2, 0.6, 0.9]]])
    stored = (p3 * 65535).round().astype(np.uint16)
    path = tmp_path / "p3.tif"
    icc = p3_profile()
    tifffile.imwrite(path, stored, photometric="rgb", extratags=[(34675, 7, len(icc), icc, True)])
    photo = imaging.load(path)
    assert photo.bit_depth == 16
    assert np.abs(photo.pixels - p3_to_srgb(p3)).max() < 0.01


def test_saved_files_embed_srgb_profile(tmp_path):
    for name in ("a.jpg", "a.png", "a.webp", "a.tif"):
        path = imaging.save(tmp_path / name, _smooth_image())
        assert Image.open(path).info.get("icc_profile") == imaging.SRGB_ICC, name


# ----------------------------------------------------------------------------- metadata
def test_exif_orientation_reset_and_gps_and_serials_stripped(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Canon"  # Make: kept
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA431] = "SERIAL123"  # body serial number
    exif_ifd[0x829A] = 0.01  # exposure time: kept
    out = imaging.save(tmp_path / "out.jpg", _smooth_image(), exif=exif.tobytes())
    written = Image.open(out).getexif()
    assert written.get(0x0112) == 1
    assert written.get(0x010F) == "Canon"
    assert not written.get_ifd(0x8825)
    assert 0xA431 not in written.get_ifd(0x8769)
    assert 0x829A in written.get_ifd(0x8769)
    kept = imaging.save(tmp_path / "kept.jpg", _smooth_image(), exif=exif.tobytes(), keep_private=True)
    assert Image.open(kept).getexif().get_ifd(0x8825)


# ----------------------------------------------------------------------------- bad input
def _valid_jpeg() -> bytes:
    return imaging.encode(_smooth_image(), "JPEG", quality=90)


def _valid_png() -> bytes:
    return imaging.encode(_smooth_image(24, 32), "PNG")


def _bomb_png(width=20000, height=20000) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


BAD_FILES = {
    "text": (b"this is a shopping list, not a photo\n", "not an image"),
    "empty": (b"", "empty"),
    "truncated-jpeg": (None, "truncated"),
    "corrupt-png": (None, "corrupt"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "not an image"),
    "bomb": (None, "MP limit"),
}


def _bad_bytes(kind: str) -> bytes:
    data, _ = BAD_FILES[kind]
    if kind == "truncated-jpeg":
        return _valid_jpeg()[: len(_valid_jpeg()) // 2]
    if kind == "corrupt-png":
        png = bytearray(_valid_png())
        for i in range(60, 90):
            png[i] ^= 0x5A
        return bytes(png)
    if kind == "bomb":
        return _bomb_png()
    return data


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_files_give_one_line_reason_and_stay_untouched(tmp_path, kind):
    path = tmp_path / f"{kind}.jpg"
    path.write_bytes(_bad_bytes(kind))
    before = _digest(path), path.stat().st_mtime_ns
    with pytest.raises(PhotoError) as caught:
        imaging.load(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert BAD_FILES[kind][1] in message
    assert (_digest(path), path.stat().st_mtime_ns) == before


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(PhotoError, match="no such file"):
        imaging.load(tmp_path / "nope.jpg")
    with pytest.raises(PhotoError, match="is a folder"):
        imaging.load(tmp_path)


def test_permission_denied(tmp_path):
    path = tmp_path / "locked.jpg"
    path.write_bytes(_valid_jpeg())
    path.chmod(0)
    if os.geteuid() != 0:
        with pytest.raises(PhotoError, match="permission denied"):
            imaging.load(path)
        return
    # Root reads everything: a child process drops to "nobody" (after its imports, and after
    # one load as root so every lazy import is done) and then meets the real EACCES.
    folder = Path(tempfile.mkdtemp(prefix="likeness-locked-"))
    try:
        folder.chmod(0o755)  # nobody may look inside, not read the photo
        locked = folder / "locked.jpg"
        readable = folder / "readable.jpg"
        locked.write_bytes(_valid_jpeg())
        readable.write_bytes(_valid_jpeg())
        locked.chmod(0)
        code = (
            "import os, sys\n"
            "import studio.imaging as imaging\n"
            "from studio.errors import PhotoError\n"
            "imaging.load(sys.argv[2])\n"
            "os.setgid(65534); os.setuid(65534)\n"
            "try:\n"
            "    imaging.load(sys.argv[1])\n"
            "except PhotoError as error:\n"
            "    print(error)\n"
            "    sys.exit(3)\n"
        )
        done = subprocess.run([sys.executable, "-c", code, str(locked), str(readable)],
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode == 3, done.stderr
    assert "permission denied" in done.stdout, done.stdout


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    imaging.save(path, _smooth_image(100, 100))
    with pytest.raises(PhotoError, match="over the"):
        imaging.load(path, max_pixels=5000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(["jpeg", "png"]),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=12),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_mutated_files_load_or_raise_only_photo_error(which, edits, cut):
    data = bytearray(_VALID[which])
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    try:
        photo = imaging.load_bytes(bytes(data))
    except PhotoError as error:
        assert "\n" not in str(error)
    else:
        assert photo.pixels.dtype == np.float32 and photo.pixels.ndim == 3


_VALID = {"jpeg": _valid_jpeg(), "png": _valid_png()}


# ----------------------------------------------------------------------------- writing safely
def test_never_writes_over_the_source(tmp_path):
    source = tmp_path / "me.jpg"
    source.write_bytes(_valid_jpeg())
    before = _digest(source), source.stat().st_mtime_ns
    photo = imaging.load(source)
    with pytest.raises(PhotoError, match="original photo"):
        imaging.save(source, photo.pixels, source=source)
    link = tmp_path / "alias.jpg"
    link.symlink_to(source)
    with pytest.raises(PhotoError, match="original photo"):
        imaging.save(link, photo.pixels, source=source)
    imaging.save(tmp_path / "edited.jpg", photo.pixels, source=source)
    assert (_digest(source), source.stat().st_mtime_ns) == before


def test_missing_folder_and_unknown_extension(tmp_path):
    with pytest.raises(PhotoError, match="does not exist"):
        imaging.save(tmp_path / "no" / "such" / "out.png", _smooth_image())
    with pytest.raises(PhotoError, match="cannot write '.gif'"):
        imaging.save(tmp_path / "out.gif", _smooth_image())


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    previous = imaging.encode(_smooth_image(), "PNG")
    target.write_bytes(previous)  # an earlier export, replaced only whole

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(imaging_io.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        imaging.save(target, _smooth_image())
    assert target.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_real_photo_loads_as_float32_srgb():
    from tests.helpers.photos import face_photo

    photo = imaging.load(face_photo("deepface_img25.jpg"))
    assert photo.pixels.shape == (400, 400, 3) and photo.pixels.dtype == np.float32
    assert photo.pixels.min() >= 0.0 and photo.pixels.max() <= 1.0


# ----------------------------------------------------------------------------- command line
@pytest.mark.parametrize("module", [["-m", "studio"], ["-c", "from studio.cli import main; raise SystemExit(main())"]])
def test_version_from_the_command_line(module):
    result = subprocess.run([sys.executable, *module, "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip().startswith("likeness ")


def test_bad_usage_exits_2_with_one_line():
    result = subprocess.run([sys.executable, "-m", "studio", "--no-such-flag"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") <= 1 and "Traceback" not in result.stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "likeness"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "likeness" in result.stdout


@pytest.mark.parametrize("orientation", [1, 6])
def test_proxy_load_is_small_oriented_and_reports_its_scale(tmp_path, orientation):
    display = np.kron(_quadrants(40, 60), np.ones((40, 40, 1), np.float32))  # 1600 x 2400
    stored = (_stored_for(display, orientation) * 255).round().astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "big.jpg"
    Image.fromarray(stored).save(path, exif=exif.tobytes(), quality=90)
    proxy, factor = imaging.load_proxy(path, max_pixels=500_000)
    assert proxy.width * proxy.height <= 500_000
    assert proxy.width > proxy.height  # orientation applied: landscape like the display
    assert abs(proxy.width / factor - 2400) < 8 and abs(proxy.height / factor - 1600) < 8
    small = imaging.filters.resize(display, (proxy.width, proxy.height))
    assert np.abs(proxy.pixels - small).mean() < 0.03


def test_proxy_of_a_small_photo_is_the_photo(tmp_path):
    path = imaging.save(tmp_path / "small.png", _smooth_image())
    proxy, factor = imaging.load_proxy(path)
    assert factor == 1.0 and np.array_equal(proxy.pixels, imaging.load(path).pixels)


def test_grainy_jpeg_encodes_at_every_quality(tmp_path):
    grain = np.random.default_rng(3).random((900, 1200, 3), dtype=np.float32)
    for quality in (60, 85, 94, 100):
        out = imaging.save(tmp_path / f"grain{quality}.jpg", grain, quality=quality)
        assert imaging.load(out).pixels.shape == grain.shape


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(131, 97, 3), (70, 5), (1, 1, 3), (0, 4, 3)])
def test_to_uint8_rounds_as_x_times_255_plus_half_in_any_band(dtype, shape):
    """The preview's and every export's 8 bits: clip(x * 255 + 0.5) truncated, the same bits
    whatever the band the conversion works in (halves, out-of-range values, odd sizes)."""
    from studio.imaging.colour import to_uint8

    rng = np.random.default_rng(7)
    pixels = (rng.random(shape) * 1.4 - 0.2).astype(dtype)
    if pixels.size:
        pixels.flat[: min(pixels.size, 256)] = (np.arange(min(pixels.size, 256)) + 0.5) / 255
    expected = np.clip(pixels * 255.0 + 0.5, 0, 255).astype(np.uint8)
    got = to_uint8(pixels)
    assert got.dtype == np.uint8 and got.flags.c_contiguous
    assert np.array_equal(got, expected)

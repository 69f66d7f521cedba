"""Export presets: size, aspect, format, sRGB profile, metadata policy, the 8 MB cap and the
face-aware head-and-shoulders crop (on plain arrays and synthetic landmarks)."""

from __future__ import annotations

import io
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from studio import imaging
from studio.errors import PhotoError
from studio.imaging import SRGB_ICC
from studio.imaging.export import (
    LINKEDIN_MAX_BYTES,
    Crop,
    ExportSettings,
    encode_within,
    export_photo,
    face_crop,
    output_suffix,
)
from studio.imaging.framing import HEAD_SHARE

RED = np.array([1.0, 0.0, 0.0], np.float32)


def _landmarks(eye_x: float, eye_y: float, eyes_to_chin: float) -> np.ndarray:
    """Synthetic 68 landmarks: two eyes IOD apart around (eye_x, eye_y), chin below."""
    points = np.zeros((68, 2), np.float32)
    points[:] = (eye_x, eye_y + eyes_to_chin / 2)
    iod = eyes_to_chin * 0.6
    points[36:42] = (eye_x - iod / 2, eye_y)
    points[42:48] = (eye_x + iod / 2, eye_y)
    points[8] = (eye_x, eye_y + eyes_to_chin)
    return points


def _picture(width: int, height: int) -> np.ndarray:
    """A smooth gradient (small JPEG files, visible structure)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.dstack([x / width, y / height, np.full_like(x, 0.5)]).astype(np.float32)


def _marked(width: int, height: int, x: float, y: float, radius: int = 6) -> np.ndarray:
    pixels = _picture(width, height) * 0.3
    pixels[int(y) - radius : int(y) + radius, int(x) - radius : int(x) + radius] = RED
    return pixels


def _red_centre(path) -> tuple[float, float]:
    rgb = np.asarray(Image.open(path).convert("RGB"), np.float32) / 255
    red = (rgb[..., 0] > 0.7) & (rgb[..., 1] < 0.3)
    ys, xs = np.nonzero(red)
    return float(xs.mean()), float(ys.mean())


# ----------------------------------------------------------------------------- linkedin
def test_linkedin_is_a_1024_square_srgb_jpeg_with_eyes_a_third_from_the_top(tmp_path):
    landmarks = _landmarks(800, 700, 390)
    pixels = _marked(1600, 2000, 800, 700)  # red dot on the eye line, between the eyes
    result = export_photo(
        pixels, ExportSettings("linkedin"), tmp_path / "me.jpg", landmarks=landmarks
    )
    image = Image.open(result.path)
    assert (image.format, image.size) == ("JPEG", (1024, 1024))
    assert (result.width, result.height, result.format) == (1024, 1024, "JPEG")
    assert image.info["icc_profile"] == SRGB_ICC
    assert result.bytes == result.path.stat().st_size < LINKEDIN_MAX_BYTES
    x, y = _red_centre(result.path)
    assert abs(x - 512) < 10  # face centred
    assert 0.3 < y / 1024 < 0.4  # eye line about a third from the top (lower for headroom)
    # The head (crown to chin; the crown estimated without a matte) fills about 55% of the
    # frame height, with headroom above the crown.
    crop_px = result.crop.height * 2000
    crown = 700 - 1.15 * 390
    assert abs((700 + 390 - crown) / crop_px - HEAD_SHARE["linkedin"]) < 0.02
    assert result.crop.top * 2000 < crown
    assert abs(result.crop.width * 1600 - crop_px) < 1  # square in pixels
    assert result.notes == ()


def test_linkedin_face_near_the_edge_keeps_the_crop_inside_and_says_so(tmp_path):
    landmarks = _landmarks(150, 300, 200)
    result = export_photo(
        _picture(1600, 1600), ExportSettings("linkedin"), tmp_path / "a.jpg", landmarks=landmarks
    )
    crop = result.crop
    assert crop.left == 0  # shifted right to stay inside the photo
    assert 0.3 < (300 - crop.top * 1600) / (crop.height * 1600) < 0.4  # eye line about a third
    assert any("near the edge" in note for note in result.notes)


def test_linkedin_close_up_uses_as_much_of_the_photo_as_there_is(tmp_path):
    landmarks = _landmarks(600, 500, 500)  # a face too large for head-and-shoulders framing
    result = export_photo(
        _picture(1200, 1400), ExportSettings("linkedin"), tmp_path / "a.jpg", landmarks=landmarks
    )
    assert round(result.crop.width * 1200) == 1200
    # The note says what the user loses: here the head is taller than the whole photo's width.
    assert any("with the whole head" in note or "as large as the photo allows" in note
               for note in result.notes), result.notes
    assert (result.width, result.height) == (1024, 1024)


def test_no_face_falls_back_to_a_centre_crop_and_says_so(tmp_path):
    result = export_photo(_picture(3000, 2000), ExportSettings("linkedin"), tmp_path / "a.jpg")
    assert result.crop == Crop(500 / 3000, 0.0, 2000 / 3000, 1.0)
    assert "no face found: centre crop" in result.notes


def test_linkedin_never_below_400_and_never_upscaled_above_the_crop(tmp_path):
    small = export_photo(_picture(300, 300), ExportSettings("linkedin"), tmp_path / "s.jpg")
    assert (small.width, small.height) == (400, 400)
    assert any("upscaled to 400" in note for note in small.notes)
    medium = export_photo(_picture(700, 900), ExportSettings("linkedin"), tmp_path / "m.jpg")
    assert (medium.width, medium.height) == (700, 700)
    assert any("not upscaled" in note for note in medium.notes)


def test_a_stored_crop_is_used_and_trimmed_to_a_square(tmp_path):
    crop = Crop(0.25, 0.25, 0.5, 0.5)  # 800 x 500 px on a 1600 x 1000 photo
    pixels = _marked(1600, 1000, 800, 500)
    result = export_photo(
        pixels,
        ExportSettings("linkedin"),
        tmp_path / "c.jpg",
        landmarks=_landmarks(100, 100, 50),
        crop=crop,
    )
    assert abs(result.crop.width * 1600 - result.crop.height * 1000) < 1
    assert abs(result.crop.height - 0.5) < 1e-9
    x, y = _red_centre(result.path)
    assert abs(x - result.width / 2) < 4 and abs(y - result.height / 2) < 4


# ----------------------------------------------------------------------------- portfolio
def test_portfolio_long_edge_2048_keeps_the_aspect(tmp_path):
    result = export_photo(_picture(3000, 2000), ExportSettings("portfolio"), tmp_path / "p.jpg")
    image = Image.open(result.path)
    assert image.size == (2048, 1365) and image.format == "JPEG"
    assert result.quality == 95 and result.crop is None
    assert image.info["icc_profile"] == SRGB_ICC


def test_portfolio_four_by_five_frames_the_face(tmp_path):
    pixels = _marked(3000, 4000, 1500, 1500)
    result = export_photo(
        pixels,
        ExportSettings("portfolio", aspect="4:5"),
        tmp_path / "p.jpg",
        landmarks=_landmarks(1500, 1500, 500),
    )
    assert (result.width, result.height) == (1638, 2048)
    x, y = _red_centre(result.path)
    assert abs(x - 819) < 12 and abs(y / 2048 - 1 / 3) < 0.02


def test_portfolio_of_a_small_photo_is_not_upscaled(tmp_path):
    result = export_photo(_picture(800, 600), ExportSettings("portfolio"), tmp_path / "p.jpg")
    assert (result.width, result.height) == (800, 600)
    assert any("not upscaled" in note for note in result.notes)


def test_a_preset_names_the_file_it_needs(tmp_path):
    with pytest.raises(PhotoError, match="linkedin export writes JPEG; name the file 'x.jpg'"):
        export_photo(_picture(500, 500), ExportSettings("linkedin"), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
    assert output_suffix(ExportSettings("portfolio")) == ".jpg"
    assert output_suffix(ExportSettings("original"), "TIFF") == ".tif"


# ----------------------------------------------------------------------------- original
def _read_unchanged(path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)


@pytest.mark.parametrize("suffix, fmt", [(".png", "PNG"), (".tif", "TIFF")])
def test_original_keeps_16_bit_png_and_tiff(tmp_path, suffix, fmt):
    pixels = _picture(320, 240)
    source = tmp_path / f"source{suffix}"
    source.write_bytes(imaging.encode(pixels, fmt, bit_depth=16))
    photo = imaging.load(source)
    assert photo.bit_depth == 16
    result = export_photo(
        photo.pixels,
        ExportSettings("original"),
        tmp_path / f"out{suffix}",
        source_format=photo.format,
        bit_depth=photo.bit_depth,
        source=source,
    )
    written = _read_unchanged(result.path)
    assert written.dtype == np.uint16 and written.shape[:2] == (240, 320)
    assert np.abs(imaging.load(result.path).pixels - pixels).max() < 1e-4
    assert result.quality is None


def test_original_of_a_jpeg_is_a_full_size_jpeg(tmp_path):
    result = export_photo(
        _picture(1000, 750), ExportSettings("original"), tmp_path / "o.jpg", source_format="JPEG"
    )
    assert (result.width, result.height, result.format, result.quality) == (1000, 750, "JPEG", 95)
    with pytest.raises(PhotoError, match="'o.jpg'"):
        export_photo(
            _picture(10, 10), ExportSettings("original"), tmp_path / "o.png", source_format="JPEG"
        )


def test_original_keeps_transparency_in_png(tmp_path):
    alpha = np.zeros((60, 80), np.float32)
    alpha[10:50, 20:60] = 1
    result = export_photo(
        _picture(80, 60),
        ExportSettings("original"),
        tmp_path / "a.png",
        alpha=alpha,
        source_format="PNG",
    )
    assert np.array_equal(imaging.load(result.path).alpha, alpha)


# ----------------------------------------------------------------------------- custom
def test_custom_size_aspect_format_and_quality(tmp_path):
    settings = ExportSettings("custom", size=500, aspect="1:1", format="webp", quality=80)
    result = export_photo(
        _picture(1200, 900), settings, tmp_path / "c.webp", landmarks=_landmarks(600, 400, 150)
    )
    image = Image.open(result.path)
    assert (image.format, image.size) == ("WEBP", (500, 500))
    assert result.quality == 80 and image.info["icc_profile"] == SRGB_ICC


def test_custom_without_options_writes_full_size_by_the_extension(tmp_path):
    result = export_photo(
        _picture(640, 480), ExportSettings(), tmp_path / "full.tif", source_format="JPEG"
    )
    assert (result.width, result.height, result.format) == (640, 480, "TIFF")


def test_custom_never_writes_over_the_source(tmp_path):
    source = tmp_path / "me.png"
    source.write_bytes(imaging.encode(_picture(40, 30), "PNG"))
    before = source.read_bytes()
    with pytest.raises(PhotoError, match="original photo"):
        export_photo(_picture(40, 30), ExportSettings(), source, source=source)
    assert source.read_bytes() == before


# ----------------------------------------------------------------------------- metadata
def _camera_jpeg(tmp_path, unique_id: str | None = None):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: must be baked in and reset
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R6"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)}
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA431] = "BODY-SERIAL-123"
    exif_ifd[0xA435] = "LENS-SERIAL-456"
    exif_ifd[0x927C] = b"maker note bytes"
    exif_ifd[0x829A] = 0.008  # exposure time: camera EXIF, kept
    if unique_id is not None:
        exif_ifd[0xA420] = unique_id  # ImageUniqueID
    stored = (_picture(600, 400) * 255).astype(np.uint8)  # landscape as stored
    path = tmp_path / "camera.jpg"
    Image.fromarray(stored).save(path, exif=exif.tobytes(), quality=92)
    return path


@pytest.mark.parametrize(
    "preset, name",
    [("linkedin", "l.jpg"), ("portfolio", "p.jpg"), ("original", "o.jpg"), ("custom", "c.png")],
)
def test_private_metadata_is_stripped_and_orientation_baked_in(tmp_path, preset, name):
    source = _camera_jpeg(tmp_path)
    photo = imaging.load(source)
    assert photo.height > photo.width  # orientation applied on load
    result = export_photo(
        photo.pixels,
        ExportSettings(preset),
        tmp_path / name,
        exif=photo.exif,
        source_format=photo.format,
        source=source,
    )
    written = Image.open(result.path)
    exif = written.getexif()
    assert exif.get(0x0112) == 1
    assert exif.get(0x010F) == "Canon" and exif.get(0x0110) == "EOS R6"
    assert not exif.get_ifd(0x8825), "GPS position must be gone"
    camera = exif.get_ifd(0x8769)
    assert 0xA431 not in camera and 0xA435 not in camera and 0x927C not in camera
    assert 0x829A in camera
    assert written.info["icc_profile"] == SRGB_ICC
    if preset in ("original", "custom", "portfolio"):
        assert written.size == (400, 600)  # portrait, as the camera meant it
    assert b"BODY-SERIAL" not in result.path.read_bytes()


UNIQUE_ID = "4f3c2b1a00998877665544332211ffee"


@pytest.mark.parametrize("preset, name", [
    ("linkedin", "l.jpg"), ("original", "o.jpg"), ("custom", "c.png"), ("custom", "c.tif"),
    ("custom", "c.webp"),
])
def test_the_image_unique_id_is_stripped_in_every_format(tmp_path, preset, name):
    """EXIF ImageUniqueID names the shot: a shared export must not let it be traced."""
    source = _camera_jpeg(tmp_path, unique_id=UNIQUE_ID)
    assert UNIQUE_ID.encode() in source.read_bytes()
    photo = imaging.load(source)
    result = export_photo(
        photo.pixels, ExportSettings(preset), tmp_path / name, exif=photo.exif,
        source_format=photo.format, source=source,
    )
    assert UNIQUE_ID.encode() not in result.path.read_bytes()
    exif = Image.open(result.path).getexif()
    assert 0xA420 not in exif.get_ifd(0x8769) and 0xA420 not in exif
    assert exif.get(0x010F) == "Canon"  # the rest of the camera's EXIF is still there


def test_keep_metadata_keeps_gps_and_serials(tmp_path):
    source = _camera_jpeg(tmp_path)
    photo = imaging.load(source)
    result = export_photo(
        photo.pixels,
        ExportSettings("linkedin", keep_metadata=True),
        tmp_path / "k.jpg",
        exif=photo.exif,
        source=source,
    )
    exif = Image.open(result.path).getexif()
    assert exif.get_ifd(0x8825)[1] == "N"
    assert exif.get_ifd(0x8769)[0xA431] == "BODY-SERIAL-123"
    assert exif.get(0x0112) == 1


# ----------------------------------------------------------------------------- size cap
@pytest.fixture(scope="module")
def noisy_40mp() -> np.ndarray:
    rng = np.random.default_rng(40)
    return rng.random((5200, 7700, 3), dtype=np.float32)  # 40 MP of pure grain


def test_linkedin_of_a_noisy_40_mp_photo_stays_under_8_mb(tmp_path, noisy_40mp):
    result = export_photo(noisy_40mp, ExportSettings("linkedin"), tmp_path / "n.jpg")
    assert (result.width, result.height) == (1024, 1024)
    assert result.bytes <= LINKEDIN_MAX_BYTES


def test_quality_steps_down_until_a_noisy_40_mp_export_fits_8_mb(tmp_path, noisy_40mp):
    # 2048 x 2048 of grain at quality 100 is well over 8 MB: the cap must bite.
    settings = ExportSettings("custom", size=2048, aspect="1:1", format="jpeg", quality=100)
    result = export_photo(noisy_40mp, settings, tmp_path / "n.jpg", max_bytes=LINKEDIN_MAX_BYTES)
    assert result.path.stat().st_size == result.bytes <= LINKEDIN_MAX_BYTES
    assert (result.width, result.height) == (2048, 2048)
    assert result.quality < 100
    assert any("quality lowered from 100" in note for note in result.notes)
    Image.open(result.path).verify()


def test_size_steps_down_when_even_low_quality_is_too_big():
    pixels = np.random.default_rng(3).random((600, 600, 3), dtype=np.float32)
    data, quality, used, notes = encode_within(pixels, "JPEG", quality=92, max_bytes=40_000)
    assert len(data) <= 40_000 and used.shape[0] < 600
    assert Image.open(io.BytesIO(data)).size == (used.shape[1], used.shape[0])
    assert any("size reduced" in note for note in notes)


# ----------------------------------------------------------------------------- framing maths
@pytest.mark.parametrize("aspect", [1.0, 0.8, 1.5])
def test_face_crop_has_the_asked_aspect_and_stays_inside(aspect):
    crop, _ = face_crop(4000, 3000, _landmarks(2000, 1200, 400), aspect)
    x0, y0, x1, y1 = crop.pixels(4000, 3000)
    assert 0 <= x0 < x1 <= 4000 and 0 <= y0 < y1 <= 3000
    assert abs((x1 - x0) / (y1 - y0) - aspect) < 0.01


def test_transparent_parts_become_white_in_jpeg(tmp_path):
    alpha = np.zeros((60, 80), np.float32)
    alpha[:, 40:] = 1
    pixels = np.zeros((60, 80, 3), np.float32)
    result = export_photo(pixels, ExportSettings("custom"), tmp_path / "a.jpg", alpha=alpha)
    written = imaging.load(result.path).pixels
    assert written[:, :30].min() > 0.95 and written[:, 50:].max() < 0.05
    assert any("transparent parts are white" in note for note in result.notes)


@pytest.mark.parametrize("settings", [
    ExportSettings(preset="linkedin"), ExportSettings(preset="portfolio"),
    ExportSettings(preset="original"), ExportSettings(preset="banner"),
    ExportSettings(preset="custom", size=900, aspect="4:5", format="png"),
])
@pytest.mark.parametrize("angle", [0.0, 4.0])
def test_plan_output_matches_what_export_photo_writes(tmp_path, settings, angle):
    """The crop, angle and size an export writes are known before the picture is rendered
    (``plan_output``), and ``export_photo`` writes exactly them."""
    from studio.imaging.export import output_suffix, plan_output

    rng = np.random.default_rng(3)
    pixels = rng.random((1500, 2000, 3), dtype=np.float32) * 0.2 + 0.4
    landmarks = _landmarks(1100, 600, 300)
    plan = plan_output(settings, 2000, 1500, landmarks, angle=angle, crown_y=380.0)
    out = tmp_path / f"out{output_suffix(settings)}"
    written = export_photo(pixels, settings, out, landmarks=landmarks, angle=angle, crown_y=380.0)
    assert (written.width, written.height) == plan.size
    assert written.crop == plan.crop and written.notes[:len(plan.notes)] == plan.notes
    x0, y0, x1, y1 = plan.box
    assert plan.scale == pytest.approx((plan.size[0] / (x1 - x0), plan.size[1] / (y1 - y0)))


#: A process encoding the same small picture in each format: the files' sha256.
ENCODED_DIGESTS = """
import hashlib
import numpy as np
from studio.imaging import encode
pixels = np.linspace(0, 1, 8 * 8 * 3, dtype=np.float32).reshape(8, 8, 3)
print(" ".join(hashlib.sha256(encode(pixels, fmt)).hexdigest() for fmt in ("JPEG", "PNG", "TIFF")))
"""


def test_the_same_picture_makes_the_same_file_in_every_run():
    """Two runs (a second apart) write byte-identical files: the sRGB profile every file
    carries had the time lcms made it in its header."""
    import time

    first = subprocess.run([sys.executable, "-c", ENCODED_DIGESTS], capture_output=True,
                           text=True, check=True).stdout
    time.sleep(1.1)
    second = subprocess.run([sys.executable, "-c", ENCODED_DIGESTS], capture_output=True,
                            text=True, check=True).stdout
    assert first.split() and first == second

"""Camera RAW in: DNG files made at test time (tests/helpers/raw.py, pidng) from the astronaut sample
open, retouch and export; bad RAW files give one line; a RAW file is never written to."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from studio.batch.inputs import find_photos, photo_format
from studio.cli import main
from studio.errors import PhotoError
from studio.imaging import load, load_proxy
from studio.imaging.export import ExportSettings, output_format
from studio.imaging.sample import sample_photo
from tests.helpers.raw import dng_bytes, linear


@pytest.fixture(scope="module")
def source() -> np.ndarray:
    return sample_photo().pixels


@pytest.fixture(scope="module")
def dng(tmp_path_factory, source):
    path = tmp_path_factory.mktemp("raw") / "IMG_0001.dng"
    path.write_bytes(dng_bytes(source))
    return path


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_dng_develops_to_the_picture_the_camera_saw(dng, source):
    before = _digest(dng)
    photo = load(dng)
    assert (photo.format, photo.bit_depth) == ("RAW", 16)
    assert photo.pixels.shape == source.shape and photo.pixels.dtype == np.float32
    # the camera's white balance and matrix undo its cast: the sample's own colours come back
    assert np.abs(photo.pixels.mean(axis=(0, 1)) - source.mean(axis=(0, 1))).max() < 0.01
    assert np.abs(photo.pixels - source).mean() < 0.02
    assert _digest(dng) == before  # only ever read


def test_a_dng_keeps_more_than_8_bits(tmp_path):
    """A smooth ramp shot by a 14-bit sensor keeps its steps: far more distinct tones than
    the 128 that 8 bits hold between black and mid grey."""
    ramp = np.repeat(np.linspace(0.0, 0.5, 1024, dtype=np.float32)[None, :, None], 3, axis=2)
    path = tmp_path / "ramp.dng"
    path.write_bytes(dng_bytes(np.repeat(ramp, 64, axis=0)))
    row = load(path).pixels[8, 8:-8, 1]
    assert len(np.unique(np.round(row * 65535))) > 600
    assert np.abs(row - ramp[0, 8:-8, 1]).max() < 0.01


def test_camera_white_balance_is_applied(dng, source):
    """A grey-world or daylight balance leaves the cast: red would be half as strong."""
    developed = linear(load(dng).pixels).mean(axis=(0, 1))
    expected = linear(source).mean(axis=(0, 1))
    assert np.allclose(developed / developed[1], expected / expected[1], atol=0.03)


def test_the_embedded_preview_is_the_quick_picture(tmp_path, source):
    inverted = 1.0 - source  # a preview that cannot be mistaken for the developed photo
    path = tmp_path / "with_preview.dng"
    path.write_bytes(dng_bytes(source, preview=inverted))
    proxy, factor = load_proxy(path, max_pixels=512 * 512)
    assert factor == pytest.approx(1.0)
    assert np.abs(proxy.pixels - inverted).mean() < 0.02
    assert load(path).pixels.mean() == pytest.approx(source.mean(), abs=0.01)


def test_a_small_preview_is_passed_over_for_the_developed_photo(tmp_path, source):
    path = tmp_path / "small_preview.dng"
    small = 1.0 - source[::4, ::4]  # 128 x 128: under a quarter of the proxy's 300 x 300
    path.write_bytes(dng_bytes(source, preview=small))
    proxy, factor = load_proxy(path, max_pixels=300 * 300)
    assert factor == pytest.approx(300 / 512, abs=0.01) and proxy.width == 300
    assert np.abs(proxy.pixels.mean(axis=(0, 1)) - source.mean(axis=(0, 1))).max() < 0.01


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("cut.dng", lambda data: data[: len(data) // 3], "corrupt or truncated RAW data"),
        ("photo.nef", lambda data: Image.new("RGB", (8, 8)).tobytes() + b"\xff" * 64,
         "not a camera RAW file"),
        ("strange.cr2", lambda data: b"II*\x00" + b"\x08\x00\x00\x00" + bytes(4000),
         "cannot read"),
        ("empty.arw", lambda data: b"", "the file is empty"),
    ],
)
def test_a_bad_raw_file_is_one_line(dng, tmp_path, capsys, name, make, message):
    path = tmp_path / name
    path.write_bytes(make(dng.read_bytes()))
    with pytest.raises(PhotoError, match=message) as raised:
        load(path)
    assert "\n" not in str(raised.value) and str(path) in str(raised.value)
    code = main(["retouch", str(path), "-o", str(tmp_path / "out.tif")])
    out, err = capsys.readouterr()
    assert code != 0 and len(err.strip().splitlines()) == 1 and message in err
    assert "Traceback" not in err and not (tmp_path / "out.tif").exists()


def test_retouch_a_dng_to_a_16_bit_tiff(dng, tmp_path, capsys):
    before = _digest(dng)
    code = main(["retouch", str(dng), "-o", str(tmp_path / "out.tif"), "--look", "natural"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[0].startswith("likeness ")
    written = load(tmp_path / "out.tif")
    assert written.bit_depth == 16 and written.pixels.shape == (512, 512, 3)
    # 16 bits all the way: the values are not 8-bit ones widened (those are multiples of 257)
    levels = np.round(written.pixels * 65535).astype(np.int64)
    inside = levels[(levels > 0) & (levels < 65535)]  # black and white are on both grids
    assert np.mean(inside % 257 != 0) > 0.9
    assert _digest(dng) == before


def test_a_portrait_raw_file_is_turned_as_the_camera_was(tmp_path, source):
    """A camera turned for a portrait records a landscape mosaic and orientation 6: the
    photo and its quick picture (the preview, stored as the sensor saw it) stand upright."""
    tall = source[:, 64:448]  # 512 high, 384 wide: the portrait as it was framed
    sensor = np.rot90(tall, 1)  # what the turned sensor recorded
    path = tmp_path / "portrait.dng"
    path.write_bytes(dng_bytes(sensor, preview=1.0 - sensor, orientation=6))
    photo = load(path)
    assert photo.pixels.shape == tall.shape
    assert np.abs(photo.pixels - tall).mean() < 0.02
    proxy, factor = load_proxy(path, max_pixels=512 * 512)
    assert proxy.pixels.shape == tall.shape and factor == pytest.approx(1.0)
    assert np.abs(proxy.pixels - (1.0 - tall)).mean() < 0.02


def test_a_raw_file_claiming_a_huge_sensor_is_one_line(tmp_path, capsys):
    """A header claiming 40000 x 40000 pixels (1600 MP) over a few kilobytes of data is
    refused before any decoding, as a huge JPEG is."""
    import struct

    data = bytearray(dng_bytes(np.full((64, 64, 3), 0.5, np.float32)))
    (first,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, first)
    for entry in range(first + 2, first + 2 + 12 * count, 12):
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257, 322, 323):  # image and tile width and length
            struct.pack_into("<H" if kind == 3 else "<I", data, entry + 8, 40000)
    path = tmp_path / "huge.dng"
    path.write_bytes(bytes(data))
    with pytest.raises(PhotoError, match="1600 MP, over the"):
        load(path)
    assert main(["retouch", str(path), "-o", str(tmp_path / "out.tif")]) != 0
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_raw_original_export_is_a_16_bit_tiff():
    assert output_format(ExportSettings(preset="original"), "RAW") == "TIFF"
    assert output_format(ExportSettings(preset="linkedin"), "RAW") == "JPEG"


def test_batch_finds_raw_files_by_extension_and_content(dng, tmp_path):
    folder = tmp_path / "shoot"
    folder.mkdir()
    (folder / "A.DNG").write_bytes(dng.read_bytes())
    (folder / "b.nef").write_bytes(dng.read_bytes())  # LibRaw reads by content
    (folder / "notes.nef").write_text("not a photo")
    found, _ = find_photos([folder])
    assert sorted(p.path.name for p in found) == ["A.DNG", "b.nef"]
    assert {p.format for p in found} == {"RAW"}
    assert photo_format(folder / "notes.nef") is None


def test_the_open_dialog_offers_raw_files():
    from studio.ui.qt_opener import PHOTO_FILTER

    for pattern in ("*.dng", "*.CR2", "*.cr3", "*.NEF", "*.arw", "*.RAF", "*.orf", "*.rw2"):
        assert pattern in PHOTO_FILTER


def test_a_raw_file_keeps_its_camera_exif(dng, tmp_path, capsys):
    """Make and model travel from the DNG to its export; the sensor's own tags (size,
    mosaic, DNG's colour matrices) do not."""
    exif = Image.Exif()
    exif.load(load(dng).exif)
    assert (exif.get(0x010F), exif.get(0x0110)) == ("Likeness", "Test Camera")  # Make, Model
    assert not {0x0100, 0x0106, 0x828E, 0xC614, 0xC621} & set(exif)  # width, CFA, DNG's
    assert main(["retouch", str(dng), "-o", str(tmp_path / "out.jpg")]) == 0, capsys.readouterr()
    with Image.open(tmp_path / "out.jpg") as written:
        assert written.getexif().get(0x0110) == "Test Camera"


def test_the_studio_s_quick_picture_of_a_bad_raw_file_is_the_bad_file_error(dng, tmp_path):
    from studio.ui.qt_jobs import quick_job

    path = tmp_path / "cut.nef"
    path.write_bytes(dng.read_bytes()[:5000])
    with pytest.raises(PhotoError, match="corrupt or truncated RAW data"):
        quick_job(path)
    assert quick_job(dng).width == 512


def test_a_batch_of_a_shoot_with_a_cut_raw_file_writes_the_rest(dng, tmp_path):
    """A card with one damaged file: the other RAW files are retouched and written, the
    damaged one is a failed row with the one-line reason, no traceback."""
    from tests.batch.test_batch import read_report, run_cli

    shoot = tmp_path / "card"
    shoot.mkdir()
    (shoot / "IMG_0001.dng").write_bytes(dng.read_bytes())
    (shoot / "IMG_0002.nef").write_bytes(dng.read_bytes()[:5000])
    report = tmp_path / "report.csv"
    code, out, err = run_cli("batch", shoot, "-o", tmp_path / "out", "--look", "natural",
                             "--report", report, "--workers", "1")
    rows = read_report(report)
    assert rows["IMG_0001.dng"]["status"] == "ok", out + err
    assert load(rows["IMG_0001.dng"]["output"]).pixels.shape == (512, 512, 3)
    failed = rows["IMG_0002.nef"]
    assert failed["status"] == "failed" and "corrupt or truncated RAW data" in failed["reason"]
    assert "Traceback" not in out + err and code != 0

"""EXIF lives in studio/imaging/exif.py and uses only Pillow's public interface (issue 31)."""

from __future__ import annotations

import ast
from pathlib import Path

from PIL import Image

from studio.imaging.exif import GPS_IFD, clean_exif, fit_exif

STUDIO = Path(__file__).resolve().parents[2] / "studio"
#: Pillow's private EXIF state: an upgrade may change it without notice (and keep a GPS position).
PILLOW_PRIVATE = {"_ifds", "_getexif", "_loaded_exif", "_info"}


def _phone_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS R6", 6
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0)}
    exif[0x8769] = {0x829A: (1, 200), 0xA431: "BODY-SERIAL", 0xA420: "UNIQUE-ID", 0x927C: b"maker"}
    return exif.tobytes()


def _read(block: bytes) -> Image.Exif:
    exif = Image.Exif()
    exif.load(block)
    return exif


def test_a_cleaned_block_keeps_the_camera_and_loses_the_person():
    cleaned = _read(clean_exif(_phone_exif()))
    assert (cleaned[0x010F], cleaned[0x0110], cleaned[0x0112]) == ("Canon", "EOS R6", 1)
    assert GPS_IFD not in cleaned and not cleaned.get_ifd(GPS_IFD)
    camera = cleaned.get_ifd(0x8769)
    assert 0x829A in camera and not {0xA431, 0xA420, 0x927C} & set(camera)


def test_keeping_private_metadata_keeps_the_gps_position():
    kept = _read(clean_exif(_phone_exif(), keep_private=True))
    assert kept.get_ifd(GPS_IFD)[1] == "N"
    assert kept.get_ifd(0x8769)[0xA431] == "BODY-SERIAL"


def test_a_block_too_big_for_a_jpeg_drops_its_largest_tag():
    exif = Image.Exif()
    exif[0x010F], exif[0x010E] = "Canon", "x" * 70_000
    block, dropped = fit_exif(exif.tobytes(), 65533)
    assert len(block) <= 65533 and dropped == ["ImageDescription"]
    assert _read(block)[0x010F] == "Canon"


def test_no_module_touches_pillows_private_exif_state():
    touched = [
        f"{path.relative_to(STUDIO)}:{node.lineno}: .{node.attr}"
        for path in sorted(STUDIO.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in PILLOW_PRIVATE
    ]
    assert not touched, touched

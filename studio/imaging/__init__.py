"""Photo I/O, colour and filters. No Qt here."""

from studio.imaging import memory  # noqa: F401  (ordinary memory pages, see there)
from studio.imaging.io import (
    FORMATS,
    MAX_PIXELS,
    SRGB_ICC,
    clean_exif,
    encode,
    format_for,
    load,
    load_bytes,
    load_proxy,
    save,
    write_atomic,
)
from studio.imaging.photo import Photo

__all__ = [
    "FORMATS",
    "MAX_PIXELS",
    "SRGB_ICC",
    "Photo",
    "clean_exif",
    "encode",
    "format_for",
    "load",
    "load_bytes",
    "load_proxy",
    "save",
    "write_atomic",
]

"""EXIF for export: read a TIFF's, clean a block of private tags, fit it in a JPEG, add it to a
TIFF. Only Pillow's public ``Image.Exif`` interface is used (no private state), so a Pillow
upgrade cannot silently keep a GPS position.
"""

from __future__ import annotations

import struct

from PIL import ExifTags, Image

EXIF_ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
INTEROP_IFD = 0xA005

#: EXIF tags that identify a person or a device: stripped unless the user keeps them.
PRIVATE_TAGS = {
    0x927C,  # MakerNote
    0xA420,  # ImageUniqueID: one identifier per shot, so every copy can be traced to it
    0xA430,  # CameraOwnerName
    0xA431,  # BodySerialNumber
    0xA435,  # LensSerialNumber
    0xC62F,  # CameraSerialNumber (DNG)
}
#: TIFF tags that describe one file's pixel layout (strips, samples, compression, its colour
#: profile): meaningless, even harmful, in another file's EXIF, so never copied.
IMAGE_DATA_TAGS = {
    0x00FE, 0x00FF, 0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0107, 0x0108, 0x0109, 0x010A,
    0x0111, 0x0115, 0x0116, 0x0117, 0x0118, 0x0119, 0x011C, 0x0122, 0x0123, 0x0124, 0x0125,
    0x012D, 0x013D, 0x0140, 0x0142, 0x0143, 0x0144, 0x0145, 0x014A, 0x0152, 0x0153, 0x0154,
    0x0155, 0x0200, 0x0201, 0x0202, 0x0211, 0x0212, 0x0213, 0x0214, 0x8773, 0x935C,
}
#: The most EXIF a JPEG holds: one APP1 segment of 64 KB, less its length and "Exif" header.
JPEG_EXIF_LIMIT = 65533


def exif_of(block: bytes) -> Image.Exif:
    """An EXIF block (with or without its ``Exif\\0\\0`` header) as Pillow's ``Exif``."""
    data = Image.Exif()
    data.load(block if block.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + block)
    return data


def tiff_exif(image: Image.Image) -> bytes | None:
    """A TIFF's EXIF as a block like JPEG's: its first directory's tags and its EXIF and GPS
    directories (Pillow reads them from the file; a TIFF has no separate EXIF block)."""
    try:
        exif = image.getexif()
        if not any(tag not in IMAGE_DATA_TAGS for tag in exif):
            return None
        return exif.tobytes()
    except Exception:  # a broken directory must not stop the photo from opening
        return None


def clean_exif(exif: bytes | None, keep_private: bool = False) -> bytes | None:
    """EXIF for export: orientation reset to 1 (it is baked into the pixels); GPS, maker
    notes and serial numbers removed unless ``keep_private``. None stays None."""
    if not exif:
        return None
    try:
        data = exif_of(exif)
        data.bigtiff = False  # a BigTIFF source's directories are written in the classic form
        for tag in IMAGE_DATA_TAGS & set(data):
            del data[tag]
        if EXIF_ORIENTATION in data:
            data[EXIF_ORIENTATION] = 1
        if not keep_private:
            if GPS_IFD in data:  # the block is written from its tags: a deleted one is gone
                del data[GPS_IFD]
            exif_ifd = data.get_ifd(EXIF_IFD)
            for tag in PRIVATE_TAGS:
                exif_ifd.pop(tag, None)
                if tag in data:
                    del data[tag]
        return data.tobytes()
    except Exception:  # an unparsable block is dropped rather than copied blindly
        return None


def _value_size(value: object) -> int:
    """About how many bytes an EXIF value takes (strings and blobs dominate)."""
    if isinstance(value, bytes | str):
        return len(value.encode("utf-8", "replace") if isinstance(value, str) else value)
    if isinstance(value, tuple | list):
        return 8 * len(value)
    return 8


def fit_exif(exif: bytes | None, limit: int) -> tuple[bytes | None, list[str]]:
    """An EXIF block of at most ``limit`` bytes: the largest tags are dropped until the rest
    fits. Returns the block and the names of the tags dropped (empty when it fitted)."""
    if not exif or len(exif) <= limit:
        return exif, []
    data = exif_of(exif)
    directories = {None: data}
    for ifd in (EXIF_IFD, GPS_IFD):
        if ifd in data:
            directories[ifd] = data.get_ifd(ifd)
    dropped: list[str] = []
    block = data.tobytes()
    while len(block) > limit:
        sizes = [(_value_size(value), ifd, tag) for ifd, tags in directories.items()
                 for tag, value in tags.items() if tag not in (EXIF_IFD, GPS_IFD)]
        if not sizes:
            return None, dropped + ["all of it"]
        _, ifd, tag = max(sizes, key=lambda item: item[0])
        del directories[ifd][tag]
        names = ExifTags.GPSTAGS if ifd == GPS_IFD else ExifTags.TAGS
        dropped.append(names.get(tag, f"tag 0x{tag:04x}"))
        block = data.tobytes()
    return block, dropped


def with_tiff_exif(tiff: bytes, exif: bytes | None) -> bytes:
    """A classic TIFF file with an EXIF block's tags added to its first directory, and the
    block's EXIF and GPS directories written after the image data.

    The encoders cannot do this themselves (libtiff refuses the EXIF directory's offset), so
    the tags are appended: a new first directory (the old one's entries plus EXIF's, sorted
    by tag) and its data go at the end, and the header points to it. Nothing of the image
    data moves, so every offset the old entries hold stays right.
    """
    if not exif:
        return tiff
    order = tiff[:2]
    if order not in (b"II", b"MM") or tiff[2:4] not in (b"\x2a\x00", b"\x00\x2a"):
        raise ValueError("not a classic TIFF file")
    endian = "<" if order == b"II" else ">"
    (first,) = struct.unpack(endian + "I", tiff[4:8])
    (count,) = struct.unpack(endian + "H", tiff[first:first + 2])
    entries = [tiff[first + 2 + 12 * i:first + 14 + 12 * i] for i in range(count)]
    next_ifd = tiff[first + 2 + 12 * count:first + 6 + 12 * count]
    present = {struct.unpack(endian + "H", entry[:2])[0] for entry in entries}

    source = exif_of(exif)
    extra = Image.Exif()
    extra.endian, extra.bigtiff = endian, False
    for tag in source:
        if tag in present or tag in IMAGE_DATA_TAGS:
            continue
        value = source.get_ifd(tag) if tag in (EXIF_IFD, GPS_IFD) else source[tag]
        if tag == EXIF_IFD and isinstance(value.get(INTEROP_IFD), int):
            value = {**value, INTEROP_IFD: source.get_ifd(INTEROP_IFD)}
        extra[tag] = value
    if not len(extra):
        return tiff
    start = len(tiff) + len(tiff) % 2  # directories start on a word boundary
    # Exif.tobytes lays out a directory at ``start`` with absolute offsets to its data
    block = extra.tobytes(start)[14:]  # without "Exif\0\0" and its own 8-byte header
    (added,) = struct.unpack(endian + "H", block[:2])
    entries += [block[2 + 12 * i:14 + 12 * i] for i in range(added)]
    entries.sort(key=lambda entry: struct.unpack(endian + "H", entry[:2])[0])
    directory = struct.pack(endian + "H", len(entries)) + b"".join(entries) + next_ifd
    end = start + len(block)
    end += end % 2
    header = tiff[:4] + struct.pack(endian + "I", end)
    return (header + tiff[8:] + b"\x00" * (start - len(tiff)) + block
            + b"\x00" * (end - start - len(block)) + directory)

"""Which files a batch works on, and what each output is called.

Photos are found by their content (the first bytes of the file, then Pillow's header
check), not by their extension: a ``.JPG`` renamed ``.dat`` is still a photo, and a text
file called ``photo.jpg`` is not. Non-photos inside folders are skipped silently; a file
named explicitly on the command line is always tried, so a bad one is reported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from studio.errors import LikenessError

#: How many leading bytes are read to recognise a photo.
_SNIFF_BYTES = 32
#: ISO base media "brands" of HEIC/HEIF/AVIF files (bytes 8..12 after "ftyp").
_HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
}
#: Sizes of the BMP info headers that exist (a bare "BM" start is too weak on its own).
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


def sniff_format(head: bytes) -> str | None:
    """The photo format named by a file's first bytes ("JPEG", "PNG", "TIFF", "WEBP",
    "HEIF", "BMP"), or None when they are not the start of a photo Likeness Studio reads."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    if (
        head[:2] == b"BM"
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    ):
        return "BMP"
    return None


def photo_format(path: str | os.PathLike) -> str | None:
    """The format of the photo at ``path`` judged by its content, or None for anything else
    (a text file, an unreadable file, a folder). Only the file's header is read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return None
    known = sniff_format(head)
    if known is not None:
        return known
    # Anything else Pillow recognises from its header (e.g. GIF, PPM, JPEG 2000) is a photo too.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.format
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return None
    except Exception:  # a Pillow plugin choking on a random header means "not a photo"
        return None


@dataclass(frozen=True)
class FoundPhoto:
    """One input of a batch: an absolute path and its format by content (None when it is
    not recognisable as a photo; it is still tried when named explicitly)."""

    path: Path
    format: str | None


@dataclass(frozen=True)
class Job:
    """One photo to retouch: where it is, its format by content, and where its result goes."""

    input: Path
    output: Path
    format: str | None = None


def _is_hidden(name: str) -> bool:
    # Hidden files include write_atomic's own ".NAME.xxxx.part" temporary files.
    return name.startswith(".")


def find_photos(
    inputs: Iterable[str | os.PathLike],
    *,
    recursive: bool = False,
    exclude: str | os.PathLike | None = None,
) -> tuple[list[FoundPhoto], list[Path]]:
    """Expand files and folders into the photos to retouch.

    Parameters
    ----------
    inputs : files and folders, in the order the user gave them.
    recursive : also look inside sub-folders of each folder.
    exclude : a folder never looked into (the batch's output folder, so a rerun does not
        retouch its own results). It must not be one of ``inputs``.

    Returns
    -------
    (photos, missing): the photos in input order (folders sorted by name, each path once),
    and the inputs that do not exist.

    Raises
    ------
    LikenessError when an input folder is the excluded (output) folder.
    """
    excluded = Path(os.path.abspath(exclude)) if exclude is not None else None
    photos: list[FoundPhoto] = []
    missing: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path, fmt: str | None) -> None:
        if path not in seen:  # a file named and also inside a named folder is done once
            seen.add(path)
            photos.append(FoundPhoto(path, fmt))

    for given in inputs:
        path = Path(os.path.abspath(given))
        if path.is_dir():
            if excluded is not None and path.resolve() == excluded.resolve():
                raise LikenessError(f"{given}: the output folder cannot also be an input folder")
            for file in _walk(path, recursive, excluded):
                fmt = photo_format(file)
                if fmt is not None:
                    add(file, fmt)
        elif path.exists():
            add(path, photo_format(path))
        else:
            missing.append(path)
    return photos, missing


def _walk(folder: Path, recursive: bool, excluded: Path | None) -> list[Path]:
    """Files of a folder sorted by name (and of its sub-folders, depth first, if recursive)."""
    files: list[Path] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return files
    for entry in entries:
        if _is_hidden(entry.name):
            continue
        path = folder / entry.name
        try:
            if entry.is_dir():
                if recursive and not (
                    excluded is not None and path.resolve() == excluded.resolve()
                ):
                    files.extend(_walk(path, recursive, excluded))
            elif entry.is_file():
                files.append(path)
        except OSError:
            continue
    return files


def plan_jobs(
    photos: Iterable[FoundPhoto],
    outdir: str | os.PathLike,
    suffix_for: Callable[[str | None], str],
) -> list[Job]:
    """Name each photo's output ``OUTDIR/<stem><suffix>``.

    ``suffix_for(format)`` gives the extension the export writes for a source format (e.g.
    ".jpg"). Names that would clash (two ``portrait`` photos from different folders, or a
    name equal to an input) get ``-2``, ``-3``... in input order, so a rerun with the same
    inputs gives the same names. Clashes are compared case-insensitively (macOS, Windows).
    """
    outdir = Path(os.path.abspath(outdir))
    photos = list(photos)
    taken = {str(photo.path).lower() for photo in photos}  # never an output over an input
    jobs = []
    for photo in photos:
        suffix = suffix_for(photo.format)
        stem = photo.path.stem
        output = outdir / f"{stem}{suffix}"
        number = 2
        while str(output).lower() in taken:
            output = outdir / f"{stem}-{number}{suffix}"
            number += 1
        taken.add(str(output).lower())
        jobs.append(Job(photo.path, output, photo.format))
    return jobs


def is_done(job: Job) -> bool:
    """True when the job's output exists and is at least as new as its photo (a rerun skips it)."""
    try:
        return job.output.stat().st_mtime_ns >= job.input.stat().st_mtime_ns
    except OSError:
        return False

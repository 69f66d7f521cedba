"""Which files a batch works on, and what each output is called.

Photos are found by their content (the first bytes of the file, then Pillow's header
check), not by their extension: a ``.JPG`` renamed ``.dat`` is still a photo, and a text
file called ``photo.jpg`` is not. Camera RAW files need both: a RAW extension (``.dng``,
``.nef``...) and a RAW file's first bytes. Non-photos inside folders are skipped silently; a file
named explicitly on the command line is always tried, so a bad one is reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from studio.errors import LikenessError
from studio.imaging.raw import is_raw_name, looks_raw
from studio.write_guard import WritePlan, append_line, check_name_lengths, shown, sniff_format

#: How many leading bytes are read to recognise a photo.
_SNIFF_BYTES = 32
def photo_format(path: str | os.PathLike) -> str | None:
    """The format of the photo at ``path`` judged by its content, or None for anything else
    (a text file, an unreadable file, a folder). Only the file's header is read."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return None  # a FIFO or a device is never opened: reading it could hang
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return None
    if is_raw_name(path) and looks_raw(head):
        return "RAW"  # most RAW files are TIFF inside: their extension says they are RAW
    known = sniff_format(head)
    if known is not None:
        return known
    # Anything else Pillow recognises from its header (e.g. GIF, PPM, JPEG 2000) is a photo too.
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
    not recognisable as a photo; it is still tried when named explicitly), and the path as
    the user gave it ("" : the absolute one) for what the batch shows and reports."""

    path: Path
    format: str | None
    as_given: str = ""


@dataclass(frozen=True)
class Job:
    """One photo to retouch: where it is, its format by content, and where its result goes
    (absolute paths, for the workers), and both as the user gave them ("": the absolute
    ones), for the progress lines and the report: a relative input stays relative there."""

    input: Path
    output: Path
    format: str | None = None
    input_as_given: str = ""
    output_as_given: str = ""

    @property
    def shown_input(self) -> str:
        return self.input_as_given or str(self.input)

    @property
    def shown_output(self) -> str:
        return self.output_as_given or str(self.output)


def _is_hidden(name: str) -> bool:
    # Hidden files include write_atomic's own ".likeness-....part" temporary files and the
    # list of finished outputs (DONE_LIST).
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

    def add(path: Path, fmt: str | None, as_given: str) -> None:
        if path not in seen:  # a file named and also inside a named folder is done once
            seen.add(path)
            photos.append(FoundPhoto(path, fmt, as_given))

    for given in inputs:
        check_name_lengths(given, "input")
        path = Path(os.path.abspath(given))
        if path.is_dir():
            if excluded is not None and path.resolve() == excluded.resolve():
                raise LikenessError(f"{given}: the output folder cannot also be an input folder")
            for file in _walk(path, recursive, excluded):
                fmt = photo_format(file)
                if fmt is not None:
                    add(file, fmt, os.path.join(os.fspath(given), file.relative_to(path)))
        elif path.exists():
            add(path, photo_format(path), os.fspath(given))
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
    outdir_as_given: str | os.PathLike | None = None,
) -> list[Job]:
    """Name each photo's output ``OUTDIR/<stem><suffix>`` (shown as ``outdir_as_given``/name
    when given, e.g. the ``-o`` the user typed).

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
        shown_output = (
            "" if outdir_as_given is None else os.path.join(os.fspath(outdir_as_given), output.name)
        )
        jobs.append(Job(photo.path, output, photo.format, photo.as_given, shown_output))
    return jobs


#: The list of outputs a batch wrote into a folder, one JSON line each, kept in that folder.
DONE_LIST = ".likeness-done.jsonl"


def _stamp(path: Path) -> tuple[int, ...] | None:
    """What tells a file's content changed without reading it: its size, modification
    time, change time and inode. The change time cannot be set back (writing new bytes and
    restoring the modification time still moves it); a false change only redoes a photo."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class DoneList:
    """Which outputs in a folder a batch wrote, and from which photo: a rerun skips an output
    only when this list says we wrote it from the same photo, unchanged since (see _stamp),
    so an unrelated file that happens to have the output's name is never taken for "already
    done".

    Each photo gets two lines: "writing" before its worker starts (so an output renamed into
    place just before a kill -9 of the batch is known as ours, and redone), and "done" with
    both stamps once it is written. Lines go through the write guard (``plan``): never into
    an input, through a link, or into a file of another kind. Inputs are noted relative to
    the folder, so the list carries no home path and survives the folders being moved."""

    def __init__(self, folder: str | os.PathLike, plan: WritePlan | None = None) -> None:
        self.folder = Path(os.path.abspath(folder))
        self.path = self.folder / DONE_LIST
        self.plan = plan if plan is not None else WritePlan()
        self.plan.add_target(self.path, "done list")
        self.entries: dict[str, dict] = {}
        self.claimed: set[str] = set()
        try:
            data = _read_list(self.path)
        except OSError:
            data = b""
        for line in data.splitlines():
            try:
                entry = json.loads(line)
                self.claimed.add(str(entry["output"]))
                self.entries[str(entry["output"])] = entry
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a kill, or not ours: ignored

    def _key(self, job: Job) -> str:
        return shown(job.output.name)

    def _input(self, job: Job) -> str:
        return shown(os.path.relpath(job.input, self.folder))

    def written_by_us(self, job: Job) -> bool:
        """True when a batch wrote (or set out to write) this job's output name here."""
        return self._key(job) in self.claimed

    def is_done(self, job: Job) -> bool:
        """True when this photo's output is here, written by a batch from this very photo,
        and neither has changed since."""
        entry = self.entries.get(self._key(job))
        if entry is None or entry.get("state", "done") != "done":
            return False
        if entry.get("input") != self._input(job):
            return False
        return (
            _stamp(job.input) == tuple(entry.get("input_stamp") or ())
            and _stamp(job.output) == tuple(entry.get("output_stamp") or ())
        )

    def writing(self, job: Job) -> None:
        """Note, on disk before the photo's worker starts, that this output is about to be
        written from the photo as it is now. PhotoError / WriteRefused when it cannot be."""
        entry = {
            "output": self._key(job),
            "state": "writing",
            "input": self._input(job),
            "input_stamp": _stamp(job.input),
        }
        self._append(entry, durable=True)

    def record(self, job: Job) -> None:
        """Note that the job's output was just written, from the photo as it was when
        :meth:`writing` noted it (a failure to note it only means it is done again)."""
        started = self.entries.get(self._key(job)) or {}
        entry = {
            "output": self._key(job),
            "state": "done",
            "input": self._input(job),
            "input_stamp": started.get("input_stamp", _stamp(job.input)),
            "output_stamp": _stamp(job.output),
        }
        with contextlib.suppress(LikenessError):
            self._append(entry)

    def _append(self, entry: dict, durable: bool = False) -> None:
        self.claimed.add(entry["output"])
        self.entries[entry["output"]] = entry
        line = (json.dumps(entry) + "\n").encode("utf-8")
        append_line(self.path, line, "done list", self.plan, durable=durable)


def _read_list(path: Path) -> bytes:
    """The bytes of a done list: only a regular file (never a link followed, never a FIFO)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return handle.read(64 << 20)

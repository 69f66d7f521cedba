"""A shoot in the studio, without Qt: the photos of a folder in capture order, what has been
done to each (retouched, exported, session saved), a small thumbnail of each, and the
session another photo gets when the current look is synced to it.

Each photo keeps its own session beside it (``PHOTO.jpg.likeness.json``); the user's
corrections of who is who are the shoot's, in one file in its folder (``PEOPLE_FILE``).
Nothing here writes a photo.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from studio.edits.sliders import default_sliders
from studio.errors import LikenessError
from studio.imaging import load_proxy
from studio.imaging.colour import to_uint8
from studio.imaging.export import output_suffix
from studio.session import Session, Source, default_session_path, load_look, load_session
from studio.session.model import MOST_AMOUNT
from studio.write_guard import WritePlan, read_regular_file, shown, write_atomic

#: EXIF tags of the capture time: DateTimeOriginal (in the Exif IFD), then DateTime.
_EXIF_IFD, _TAKEN, _CHANGED = 0x8769, 36867, 306
#: Longest edge of a filmstrip thumbnail, pixels.
THUMB_EDGE = 160
#: The export folder a shoot's Export Selected writes into, inside the shoot's folder.
EXPORT_FOLDER = "exported"
#: The shoot's corrections of who is who (the user's word over the likeness descriptor's, for
#: Export Selected's "Same amount for each person"), in the shoot's folder.
PEOPLE_FILE = "likeness-people.json"
#: The people file's "format" value (``studio.write_guard.PEOPLE_MARK``) and version.
PEOPLE_FORMAT, PEOPLE_VERSION = "likeness-people", 1
#: The largest people file read, bytes (a shoot of thousands of photos takes far less).
PEOPLE_LIMIT = 1_000_000


@dataclass(frozen=True)
class ShootPhoto:
    """One photo of the shoot: its file, when it was taken (EXIF, else the file's time;
    seconds since the epoch) and whether the capture time came from EXIF."""

    path: Path
    captured: float
    from_exif: bool = False


@dataclass(frozen=True)
class PhotoFlags:
    """What the filmstrip shows on a photo: its session saved beside it, that session
    retouches it (sliders off neutral or marks), an export of it is in the shoot's export
    folder."""

    saved: bool = False
    retouched: bool = False
    exported: bool = False

    def words(self) -> str:
        """"retouched, exported" (the tooltip's words); "" for none."""
        names = (("retouched", self.retouched), ("exported", self.exported),
                 ("session saved", self.saved))
        return ", ".join(name for name, on in names if on)


def capture_time(path: Path) -> tuple[float, bool]:
    """(seconds since the epoch, True) from the photo's EXIF capture time, else (its
    modification time, False)."""
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            text = exif.get_ifd(_EXIF_IFD).get(_TAKEN) or exif.get(_CHANGED)
        if text:
            taken = datetime.strptime(str(text).strip("\0 ")[:19], "%Y:%m:%d %H:%M:%S")
            return taken.timestamp(), True
    except (OSError, ValueError, SyntaxError, EOFError):
        pass  # no EXIF, or a date that is not one: the file's time
    except Exception:  # a Pillow plugin choking on a header: the file's time
        pass
    return os.stat(path).st_mtime, False


def scan_folder(folder: str | os.PathLike) -> list[ShootPhoto]:
    """The photos of ``folder`` (recognised by content, not extension; sub-folders and hidden
    files left out) sorted by capture time, then name. LikenessError for a folder that
    cannot be read or holds no photo."""
    from studio.batch import find_photos  # start-up

    folder = Path(folder)
    if not folder.is_dir():
        raise LikenessError(f"{folder} is not a folder")
    found, _missing = find_photos([folder], exclude=folder / EXPORT_FOLDER)
    photos = [ShootPhoto(p.path, *capture_time(p.path)) for p in found if p.format]
    if not photos:
        raise LikenessError(f"no photos found in {folder}")
    return sorted(photos, key=lambda p: (p.captured, p.path.name.lower()))


def export_job_of(photo: Path, export_folder: Path, settings):
    """The batch job that exports ``photo`` into ``export_folder`` (its name as the batch
    names it)."""
    from studio.batch import FoundPhoto, photo_format, plan_jobs  # start-up

    fmt = photo_format(photo)
    found = FoundPhoto(Path(os.path.abspath(photo)), fmt)
    return plan_jobs([found], export_folder, lambda f: output_suffix(settings, f or "JPEG"))[0]


def export_plan(photos: list[Path], export_folder: Path, settings):
    """(the batch jobs exporting ``photos`` into ``export_folder``, the write plan guarding
    their files); LikenessError when one may not be written. It reads each photo's header
    and looks at each target: run it off the window's thread (a shoot has hundreds)."""
    from studio.batch.inputs import DONE_LIST  # start-up

    jobs = [export_job_of(photo, export_folder, settings) for photo in photos]
    plan = WritePlan(inputs=[job.input for job in jobs])
    for job in jobs:
        plan.add_target(job.output, "photo")
    plan.add_target(export_folder / DONE_LIST, "done list")
    return jobs, plan


def photo_flags(photo: Path, export_folder: Path | None = None, settings=None) -> PhotoFlags:
    """What has been done to ``photo``: its session beside it, retouched by that session,
    exported into ``export_folder`` with ``settings`` by a batch (its done list says so)."""
    beside = default_session_path(photo)
    saved = beside.is_file()
    retouched = False
    if saved:
        try:
            session = load_session(beside)
            retouched = session.sliders != default_sliders() or bool(session.marks)
        except LikenessError:
            retouched = False
    exported = False
    if export_folder is not None and settings is not None:
        from studio.batch import DoneList  # start-up

        done = DoneList(export_folder)
        exported = done.is_done(export_job_of(photo, export_folder, settings))
    return PhotoFlags(saved=saved, retouched=retouched, exported=exported)


def thumbnail_rgb8(photo: Path, edge: int = THUMB_EDGE) -> np.ndarray:
    """A small uint8 RGB picture of the photo, its long edge ``edge`` pixels (a reduced
    decode: JPEG DCT scaling). PhotoError for a bad file."""
    small, _factor = load_proxy(photo, max_pixels=4 * edge * edge)
    pixels = small.pixels
    h, w = pixels.shape[:2]
    scale = edge / max(h, w)
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(to_uint8(pixels))


def synced_session(current, target, photo: Path, sha256: str):
    """The session ``photo`` gets when the current look is synced to it: the current
    sliders, look (with a budget, its own amount is found on this photo: the look's sliders
    at 100% and no amount), export preset (its framing is found on this photo's own face);
    everything of the photo's own session (``target``, None: none yet) stays: its face
    choice, straightening, marks (they never travel), snapshots, analysis."""
    base = target if target is not None else Session()
    source = base.source
    if source is None or source.sha256 != sha256:
        source = Source(path=Path(os.path.abspath(photo)), sha256=sha256,
                        bytes=os.stat(photo).st_size)
        base = replace(base, source=source, marks=(), analysis=None)
    sliders, amount = dict(current.sliders), current.amount
    if current.look is not None and current.budget is not None:
        sliders, amount = _look_sliders(current.look, sliders), None
    elif amount is not None:
        amount = min(float(amount), MOST_AMOUNT)  # kept as a record of the sliders' origin
    return replace(base, sliders=sliders, look=current.look, budget=current.budget,
                   amount=amount, export=current.export, crop=None, path=None, notes=())


def _look_sliders(look: str, fallback: dict) -> dict:
    """The look's own sliders (at 100%), or ``fallback`` when the look cannot be read."""
    try:
        return dict(load_look(look).sliders)
    except LikenessError:
        return fallback


# ----------------------------------------------------------------------------- people
def read_people(folder: str | os.PathLike):
    """(the shoot's corrections of who is who, "" or one line saying why its people file was
    ignored). No file: no corrections. Photos are named by file name in the shoot's folder."""
    from studio.batch.consistent import Corrections  # start-up

    path = Path(folder) / PEOPLE_FILE
    if not os.path.lexists(path):
        return Corrections(), ""
    try:
        data = json.loads(read_regular_file(path, "a shoot's people file", PEOPLE_LIMIT))
        return _corrections_of(data), ""
    except LikenessError as error:
        reason = str(error)
    except (ValueError, RecursionError):
        reason = f"{shown(path)}: not a people file of this studio"
    return Corrections(), f"{reason}: ignored (who is who is the likeness descriptor's alone)"


def _corrections_of(data):
    """Corrections from the people file's JSON; LikenessError when it is not one."""
    from studio.batch.consistent import Corrections  # start-up

    if not isinstance(data, dict) or data.get("format") != PEOPLE_FORMAT:
        raise LikenessError(f"{PEOPLE_FILE}: not a people file of this studio")
    if data.get("version") != PEOPLE_VERSION:
        raise LikenessError(f"{PEOPLE_FILE}: version {data.get('version')!r} is not one this "
                            "studio reads")
    same, apart = data.get("same", []), data.get("apart", [])
    if not isinstance(same, list) or not isinstance(apart, list):
        raise LikenessError(f"{PEOPLE_FILE}: \"same\" and \"apart\" must be lists")
    return Corrections(same=tuple(_names(listed) for listed in same), apart=_names(apart))


def _names(value) -> tuple[str, ...]:
    """Photo file names (no folder) from a people file's list; LikenessError otherwise."""
    if not isinstance(value, list) or not all(_is_name(name) for name in value):
        raise LikenessError(f"{PEOPLE_FILE}: a list of photos holds something other than "
                            "photo file names")
    return tuple(value)


def _is_name(name) -> bool:
    return (isinstance(name, str) and 0 < len(name) <= 255 and name not in (".", "..")
            and not set(name) & {"/", "\\", "\0"})


def write_people(folder: str | os.PathLike, corrections) -> Path:
    """Write the shoot's corrections into its people file, atomically, through the write guard
    (never over a photo or a file that is not a people file). LikenessError when it cannot."""
    data = {"format": PEOPLE_FORMAT, "version": PEOPLE_VERSION,
            "same": [list(listed) for listed in corrections.same],
            "apart": list(corrections.apart)}
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return write_atomic(Path(folder) / PEOPLE_FILE, text.encode("utf-8"), "people")


def same_person(corrections, names: list[str]):
    """``corrections`` with the photos ``names`` (file names) said to be one person: one list
    with every earlier list that shares a photo with them."""
    from studio.batch.consistent import Corrections  # start-up

    joined, kept = list(dict.fromkeys(names)), []
    for listed in corrections.same:
        if set(listed) & set(joined):
            joined += [name for name in listed if name not in joined]
        else:
            kept.append(listed)
    return Corrections(same=(*kept, tuple(joined)), apart=corrections.apart)


def someone_else(corrections, names: list[str]):
    """``corrections`` with the photos ``names`` (file names) said to be someone else: out of
    every list of the same person and never joined to another photo by the descriptor;
    several of them are one person (they stay together)."""
    from studio.batch.consistent import Corrections  # start-up

    names = list(dict.fromkeys(names))
    same = [tuple(n for n in listed if n not in names) for listed in corrections.same]
    same = [listed for listed in same if len(listed) > 1]
    if len(names) > 1:
        same.append(tuple(names))
    apart = (*corrections.apart, *(n for n in names if n not in corrections.apart))
    return Corrections(same=tuple(same), apart=apart)


def person_badge(group: str) -> str:
    """The filmstrip's short name of a photo's person: "P2" for "person 2 (3 photos, ...)"
    (``studio.batch.consistent.Group.name``); "" for none."""
    words = group.split()
    if len(words) < 2 or words[0] != "person" or not words[1].isdigit():
        return ""
    return f"P{words[1]}"

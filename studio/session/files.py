"""Session files on disk: reading and writing them (atomic, through the write guard) and
finding a photo that moved since its session was saved."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from studio.errors import LikenessError, SessionError
from studio.session.model import Session, file_sha256, session_from_dict, session_to_dict
from studio.write_guard import (
    WritePlan,
    WriteRefused,
    check_name_lengths,
    read_regular_file,
    shown,
    write_atomic,
)

#: Session files larger than this are not sessions (they hold no pixels).
MAX_BYTES = 20_000_000
SESSION_SUFFIX = ".likeness.json"
_NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_PAIR = re.compile(r"\[\s+" + _NUMBER + r",\s+" + _NUMBER + r"\s+\]")


def default_session_path(photo_path: str | os.PathLike) -> Path:
    """Where a photo's session goes by default: ``PHOTO.likeness.json`` beside it."""
    photo_path = Path(photo_path)
    return photo_path.with_name(photo_path.name + SESSION_SUFFIX)


def session_text(session: Session, base: str | os.PathLike | None = None) -> str:
    """The text of a session file whose folder is ``base``: JSON, one landmark per line."""
    text = json.dumps(session_to_dict(session, base=base), indent=2, allow_nan=False)
    return _PAIR.sub(r"[\1, \2]", text) + "\n"


def parse_session_text(
    text: str | bytes, base: str | os.PathLike | None = None, name: str = "session"
) -> Session:
    """Parse session JSON text; SessionError ``"NAME: reason"`` for anything wrong."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        data = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise SessionError(f"{name}: not a session (the file is not UTF-8 text)") from None
    except json.JSONDecodeError as error:
        raise SessionError(f"{name}: not valid JSON (line {error.lineno}: {error.msg})") from None
    except SessionError as error:
        raise SessionError(f"{name}: {error}") from None
    except RecursionError:
        raise SessionError(f"{name}: not a session (nested too deeply)") from None
    except ValueError as error:  # e.g. an integer with too many digits
        raise SessionError(f"{name}: not valid JSON ({error})") from None
    try:
        return session_from_dict(data, base)
    except SessionError as error:
        # A key the file holds may contain a line break: the message stays one line.
        raise SessionError(f"{name}: {shown(str(error))}") from None


def _reject_constant(token: str):
    raise SessionError(f"not valid JSON ({token} is not a number JSON allows)")


def load_session(path: str | os.PathLike) -> Session:
    """Read, migrate and validate a session (or look) file. The photo is not opened."""
    path = Path(path)
    try:
        data = read_regular_file(
            path, "a session file", limit=MAX_BYTES, missing="no such session file"
        )
    except LikenessError as error:
        raise SessionError(str(error)) from None
    session = parse_session_text(data, base=path.parent, name=str(path))
    session.path = path
    return session


def save_session(
    session: Session, path: str | os.PathLike | None = None, plan: WritePlan | None = None
) -> Path:
    """Write a session atomically; by default ``PHOTO.likeness.json`` beside its photo.

    Through the write guard: never over its photo, any input of ``plan`` (the run's
    WritePlan), or a file that is not a session or look."""

    if path is None:
        if session.source is None:
            raise SessionError("this session has no photo: give a file name to save it")
        path = default_session_path(session.source.path)
    path = Path(path)
    if plan is None:
        plan = WritePlan()
    if session.source is not None:
        plan.add_input(session.source.path)
    text = session_text(session, base=path.parent)
    try:
        write_atomic(path, text.encode("utf-8"), "session", plan=plan)
    except WriteRefused:
        raise
    except LikenessError as error:
        raise SessionError(str(error)) from None
    session.path = path
    return path


def _may_be(candidate: Path, recorded: Path, size: int | None) -> bool:
    """Could ``candidate`` be the moved photo (worth hashing)? Not the recorded path, a
    session or other JSON, a folder, or a file of another ``size`` (bytes, when known)."""
    if candidate == recorded or not candidate.is_file():
        return False
    if candidate.name.endswith(SESSION_SUFFIX) or candidate.suffix.lower() == ".json":
        return False
    # A different size cannot be the same photo: no need to hash it.
    return size is None or candidate.stat().st_size == size


def _moved_photo(folders: list[Path], recorded: Path, wanted: str, size: int | None) -> Path | None:
    """The file in ``folders`` whose sha256 is ``wanted`` (the moved photo), or None."""
    for folder in folders:
        for candidate in sorted(folder.iterdir()):
            if _may_be(candidate, recorded, size) and file_sha256(candidate) == wanted:
                return candidate
    return None


def find_source(session: Session) -> Path:
    """Where the session's photo is now: at its recorded path when the hash matches, else the
    file with the same hash in the session's folder (a moved or renamed photo).

    Raises SessionError saying what is missing.
    """
    if session.source is None:
        raise SessionError("this session is not tied to a photo (it is a look)")
    recorded, wanted = Path(session.source.path), session.source.sha256
    try:
        check_name_lengths(recorded, "the session's photo")
    except LikenessError as error:
        raise SessionError(str(error)) from None
    changed = False
    if recorded.is_file():
        if file_sha256(recorded) == wanted:
            return recorded
        changed = True
    folders = []
    if session.path is not None:
        folders.append(Path(session.path).parent)
    if recorded.parent.is_dir() and recorded.parent not in folders:
        folders.append(recorded.parent)
    moved = _moved_photo(folders, recorded, wanted, session.source.bytes)
    if moved is not None:
        return moved
    where = ", ".join(str(f) for f in folders) or "the session's folder"
    if changed:
        raise SessionError(
            f"{recorded.name} has changed since the session was saved (its sha256 "
            f"differs) and no file in {where} matches the original"
        )
    raise SessionError(
        f"the photo {recorded.name} (sha256 {wanted[:12]}…) is missing: not at "
        f"{recorded} and no file in {where} has its hash"
    )

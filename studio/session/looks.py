"""Looks: named slider sets (sessions without a source). Built-in ones ship in
``resources/looks``; the user's own live in ``user_dir("config")/looks``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studio.errors import SessionError
from studio.paths import resource_path, user_dir
from studio.session.files import load_session, save_session
from studio.session.model import Session
from studio.write_guard import check_name_lengths

#: Built-in looks, in the order the studio shows them.
BUILTIN_LOOKS = ("natural", "linkedin", "nonprofit", "portfolio")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,59}$")


@dataclass(frozen=True)
class LookInfo:
    """One look as listed to the user: key (what ``--look`` takes), display name, one-line
    description, whether it ships with the app, and its file."""

    key: str
    name: str
    description: str
    builtin: bool
    path: Path


def _key(name: str) -> str:
    """The file-name key of a look name: 'My Look' -> 'my-look'."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def user_looks_dir() -> Path:
    """The folder of the user's own looks (created on demand)."""
    folder = user_dir("config") / "looks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SessionError(f"cannot create the looks folder {folder} "
                           f"({(error.strerror or str(error)).lower()})") from None
    return folder


def builtin_look_path(key: str) -> Path:
    return resource_path("looks", f"{key}.json")


def _info(path: Path, builtin: bool) -> LookInfo:
    session = load_session(path)
    key = path.name[: -len(".json")]
    return LookInfo(
        key=key,
        name=session.name or key,
        description=session.description or "",
        builtin=builtin,
        path=path,
    )


def list_looks() -> list[LookInfo]:
    """Built-in looks (in :data:`BUILTIN_LOOKS` order), then the user's, sorted by key.

    A broken user look file is listed with its problem as the description rather than
    hiding the others.
    """
    looks = [_info(builtin_look_path(key), True) for key in BUILTIN_LOOKS]
    folder = user_dir("config", create=False) / "looks"  # none saved yet: nothing to create
    for path in sorted(folder.glob("*.json") if folder.is_dir() else ()):
        try:
            looks.append(_info(path, False))
        except SessionError as error:
            key = path.name[: -len(".json")]
            looks.append(LookInfo(key, key, f"(cannot be used: {error})", False, path))
    return looks


def load_look(name_or_file: str | os.PathLike) -> Session:
    """A look by built-in key ('linkedin'), user look name, or a session/look file path.

    Raises SessionError listing the looks there are when the name is unknown.
    """
    text = str(name_or_file)
    check_name_lengths(text, "--look")
    path = Path(text)
    if text.lower().endswith(".json") or os.sep in text or path.is_file():
        return load_session(path)
    key = _key(text)
    if key in BUILTIN_LOOKS:
        return load_session(builtin_look_path(key))
    user = user_dir("config", create=False) / "looks" / f"{key}.json"
    if user.is_file():
        return load_session(user)
    known = ", ".join(info.key for info in list_looks())
    raise SessionError(f"no look named '{text}' (looks: {known})")


def save_look(name: str, sliders: Mapping[str, float | str | None], description: str = "") -> Path:
    """Save sliders as the user's look ``name`` (overwriting a user look of that name).

    Raises SessionError for a name that is not usable as a file name or that a built-in
    look already has.
    """
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise SessionError(
            f"'{name}' is not a usable look name (letters, digits, spaces, "
            f"'-', '_' and '.', up to 60 characters)"
        )
    key = _key(name)
    if key in BUILTIN_LOOKS:
        raise SessionError(f"'{name}' is a built-in look: pick another name")
    session = Session(name=name.strip(), description=description or None, look=key)
    session = session.with_sliders(sliders)
    return save_session(session, user_looks_dir() / f"{key}.json")

"""Older session files, upgraded one version at a time to :data:`CURRENT_VERSION`.

Each ``_migrate_vN`` turns a version-N dict into a version-(N+1) dict and refuses a key that
version could not hold (a damaged or hand-made file must not be read as a newer one). One
sample file of every old version lives in ``tests/data/sessions`` forever. ``edits`` records the
algorithm version of every edit the sliders were made with; an older one is upgraded by the
edit's own ``LEGACY`` steps when the session is read (``studio.edits.versions``; sample
sessions per edit version and their golden renders live in ``tests/data/sessions/edits``).
"""

from __future__ import annotations

from collections.abc import Callable

from studio.edits.sliders import SLIDERS
from studio.errors import SessionError

FORMAT_NAME = "likeness-session"
#: The version this code writes. Bump it, add a ``_migrate_vN`` step and a sample file.
CURRENT_VERSION = 9
#: What every edit was at session format 2 (before sessions stored edit versions).
_EDITS_AT_V2 = ("blemish", "smooth", "shine", "shadows", "face_light", "eyes", "teeth",
                "background", "warmth")


def _migrate_v1(data: dict) -> dict:
    """v1 (early 2026): flat slider keys at the top level, ``image`` + ``image_sha256``,
    ``preset`` for the export, no crop, no cached analysis."""
    out: dict = {"format": FORMAT_NAME, "version": 2}
    slider_keys = {s.key for s in SLIDERS}
    sliders = {}
    for key, value in data.items():
        if key in slider_keys:
            sliders[key] = value
        elif key in ("format", "version"):
            continue
        elif key == "image":
            out["source"] = (
                None if value is None else {"path": value, "sha256": data.get("image_sha256")}
            )
        elif key == "image_sha256":
            if "image" not in data:
                raise SessionError("'image_sha256' without 'image' (version 1)")
        elif key == "preset":
            out["export"] = {"preset": value}
        elif key in ("look", "face", "name", "description"):
            out[key] = value
        else:
            raise SessionError(f"unknown key '{key}' (version 1)")
    out["sliders"] = sliders
    out.setdefault("source", None)
    return out


def _migrate_v2(data: dict) -> dict:
    """v2 (to November 2026): no ``edits``; every edit was then at its version 1."""
    if "edits" in data:
        raise SessionError("unknown key 'edits' (version 2)")
    return {**data, "version": 3, "edits": dict.fromkeys(_EDITS_AT_V2, 1)}


def _migrate_v3(data: dict) -> dict:
    """v3 (to issue 18): one face was retouched; v4 adds the optional "faces" (which faces
    are retouched), whose default "primary" is what v3 did. Neither "faces" nor "marks"
    (v5) existed yet."""
    for key in ("faces", "marks"):
        if key in data:
            raise SessionError(f"unknown key {key!r} (version 3)")
    return {**data, "version": 4}


def _migrate_v4(data: dict) -> dict:
    """v4 (November 2026): no marks (v5 adds the optional ``marks`` list, default none)."""
    if "marks" in data:
        raise SessionError("unknown key 'marks' (version 4)")
    return {**data, "version": 5}


def _migrate_v5(data: dict) -> dict:
    """v5 (November 2026): the photo was never turned and no snapshots were kept (v6 adds
    ``angle`` and ``snapshots``)."""
    for key in ("angle", "snapshots"):
        if key in data:
            raise SessionError(f"unknown key {key!r} (version 5)")
    return {**data, "version": 6, "angle": 0.0, "snapshots": []}


def _migrate_v6(data: dict) -> dict:
    """v6 (November 2026): looks had no likeness budget and no amount (v7 adds both,
    optional; none means the sliders render as they are)."""
    for key in ("budget", "amount"):
        if key in data:
            raise SessionError(f"unknown key {key!r} (version 6)")
    return {**data, "version": 7, "budget": None, "amount": None}


def _migrate_v7(data: dict) -> dict:
    """v7 (December 2026): no photos of the user (v8 adds the optional ``references``)."""
    if "references" in data:
        raise SessionError("unknown key 'references' (version 7)")
    return {**data, "version": 8, "references": []}


def _migrate_v8(data: dict) -> dict:
    """v8 (December 2026): no budget to the photos of the user (v9 adds the optional
    ``budget_to_me``)."""
    if "budget_to_me" in data:
        raise SessionError("unknown key 'budget_to_me' (version 8)")
    return {**data, "version": 9, "budget_to_me": None}


#: ``_MIGRATIONS[n]`` turns a version-n dict into a version-(n+1) dict.
_MIGRATIONS: dict[int, Callable[[dict], dict]] = {
    1: _migrate_v1,
    2: _migrate_v2,
    3: _migrate_v3,
    4: _migrate_v4,
    5: _migrate_v5,
    6: _migrate_v6,
    7: _migrate_v7,
    8: _migrate_v8,
}


def migrate(data: dict) -> dict:
    """Upgrade a session dict step by step to :data:`CURRENT_VERSION`."""
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(f"'version' must be a whole number, not {version!r}")
    if version > CURRENT_VERSION:
        raise SessionError(
            f"session version {version} is newer than this Likeness Studio understands "
            f"(up to {CURRENT_VERSION}); update the app"
        )
    if version < 1:
        raise SessionError(f"session version {version} does not exist")
    while version < CURRENT_VERSION:
        data = _MIGRATIONS[version](data)
        version += 1
        assert data["version"] == version, "a migration step must bump the version by one"
    return data

"""Each edit's algorithm version, as sessions store it (darktable's ``legacy_params``).

A session records the ``VERSION`` of every edit it was made with. When an edit's algorithm or
constants change so that the same slider values would give other pixels, its ``VERSION`` goes
up and its module gains a step in ``LEGACY``::

    LEGACY = {1: upgrade_from_1}    # (slider values of version 1) -> (values, note)

which turns the slider values a version-1 session holds into values of version 2 that give
(as near as the new algorithm allows) the look the session had, with a one-line note for the
user. A session older than an edit with no such step cannot be rendered as it was: loading it
says so instead of silently changing the picture.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType

from studio.edits import protocol
from studio.errors import LikenessError

#: One step of an edit's ``LEGACY``: the slider values of version N -> (values of N + 1, note).
LegacyStep = Callable[[dict], tuple[dict, str]]


def edit_name(edit: ModuleType) -> str:
    """The name an edit has in session files: its module's own name (``smooth``)."""
    return edit.__name__.rsplit(".", 1)[-1]


def current_versions() -> dict[str, int]:
    """{edit name: VERSION} of every edit, as a session saved now stores them."""
    return {edit_name(edit): int(edit.VERSION) for edit in protocol.edits()}


def upgrade(
    sliders: Mapping[str, object], versions: Mapping[str, int]
) -> tuple[dict, list[str]]:
    """Slider values saved with edit ``versions`` as values of today's edits, and a note for
    every edit whose values were migrated. An edit missing from ``versions`` is taken as
    today's. LikenessError names an edit newer than this code, or one with no way up."""
    values, notes = dict(sliders), []
    for edit in protocol.edits():
        name = edit_name(edit)
        saved = int(versions.get(name, edit.VERSION))
        if saved > edit.VERSION:
            raise LikenessError(
                f"the session was made with a newer '{name}' edit (version {saved}; this "
                f"Likeness Studio has {edit.VERSION}): update the app"
            )
        legacy: Mapping[int, LegacyStep] = getattr(edit, "LEGACY", {})
        while saved < edit.VERSION:
            if saved not in legacy:
                raise LikenessError(
                    f"the session was made with version {saved} of the '{name}' edit, which "
                    f"this Likeness Studio (version {edit.VERSION}) cannot reproduce"
                )
            values, note = legacy[saved](values)
            notes.append(f"{name}: {note}")
            saved += 1
    return values, notes

"""The user-facing sliders: each defined once, here. The UI builds its controls from this,
sessions validate against it, the CLI's ``--set`` parses with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studio.errors import LikenessError

GROUPS = ("Skin", "Light", "Eyes & teeth", "Background")


@dataclass(frozen=True)
class Slider:
    """One slider.

    ``kind`` is "number" (a float in [minimum, maximum]) or "colour" (None, or "#rrggbb").
    ``neutral`` is the value that changes nothing (bit-identical output).
    ``edit`` is the import path of the edit module that reads it (``studio.edits.protocol``).
    """

    key: str
    label: str
    group: str
    minimum: float
    maximum: float
    default: float | str | None
    help: str
    kind: str = "number"
    edit: str = ""

    @property
    def neutral(self) -> float | None:
        return None if self.kind == "colour" else 0.0


#: Where the built-in edits live.
E = "studio.edits."

SLIDERS: tuple[Slider, ...] = (
    Slider("smooth", "Smooth skin", "Skin", 0.0, 1.0, 0.0,
           "Softens blotches and uneven tone; pores, freckles, moles and creases stay.", edit=E + "smooth"),
    Slider("blemish", "Blemishes", "Skin", 0.0, 1.0, 0.0,
           "Heals small temporary spots (red, raised); moles and freckles stay.", edit=E + "blemish"),
    Slider("shine", "Shine", "Skin", 0.0, 1.0, 0.0,
           "Tames specular hot spots on forehead, nose and cheeks.", edit=E + "shine"),
    Slider("face_light", "Face light", "Light", -1.0, 1.0, 0.0,
           "Brightens or darkens the face relative to the scene.", edit=E + "face_light"),
    Slider("shadows", "Shadows", "Light", -1.0, 1.0, 0.0,
           "Right: fill light lifts harsh shadows on the face. Left: deepens them, for more depth.",
           edit=E + "shadows"),
    Slider("warmth", "Warmth", "Light", -1.0, 1.0, 0.0,
           "Skin-tone-aware white balance: warmer or cooler.", edit=E + "warmth"),
    Slider("eyes", "Eye clarity", "Eyes & teeth", 0.0, 1.0, 0.0,
           "Gentle clarity for iris and sclera; never pure white.", edit=E + "eyes"),
    Slider("teeth", "Teeth", "Eyes & teeth", 0.0, 1.0, 0.0,
           "Removes some yellow; never brighter than the eyes' whites.", edit=E + "teeth"),
    Slider("under_eye", "Under-eye", "Eyes & teeth", 0.0, 1.0, 0.0,
           "Softens shadows and bags under the eyes; the eyes themselves stay.",
           edit=E + "under_eye"),
    Slider("bg_blur", "Background blur", "Background", 0.0, 1.0, 0.0,
           "Blurs the background without halos around the person.", edit=E + "background"),
    Slider("bg_light", "Background light", "Background", -1.0, 1.0, 0.0,
           "Brightens or darkens the background.", edit=E + "background"),
    Slider("bg_desaturate", "Calm background", "Background", 0.0, 1.0, 0.0,
           "Calms a busy background's colours.", edit=E + "background"),
    Slider("backdrop", "Backdrop", "Background", 0.0, 1.0, None,
           "Replaces the background with a studio colour or a picture (none keeps it).",
           kind="colour", edit=E + "background"),
)

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_by_key: tuple[tuple[Slider, ...], dict[str, Slider]] = ((), {})


def slider(key: str) -> Slider:
    """The slider with this key; LikenessError naming it when there is none."""
    global _by_key
    if _by_key[0] is not SLIDERS:  # the table is read where it is (a test may extend it)
        _by_key = (SLIDERS, {s.key: s for s in SLIDERS})
    try:
        return _by_key[1][key]
    except KeyError:
        known = ", ".join(_by_key[1])
        raise LikenessError(f"unknown slider '{key}' (known: {known})") from None


def default_sliders() -> dict[str, float | str | None]:
    """Every slider at its default (which changes nothing)."""
    return {s.key: s.default for s in SLIDERS}


def check_value(key: str, value: object) -> float | str | None:
    """Validate one slider value; returns it normalised (float, '#rrggbb' lower-case, a
    backdrop picture as ``image:<sha256>:<path>`` (see :mod:`studio.edits.backdrop`), or None)."""
    spec = slider(key)
    if spec.kind == "colour":
        if value is None or value == "" or (isinstance(value, str) and value.lower() == "none"):
            return None
        if isinstance(value, str) and _COLOUR.match(value):
            return value.lower()
        if isinstance(value, str) and _names_a_picture(value):
            from studio.edits.backdrop import picture_value  # start-up

            return picture_value(value)
        raise LikenessError(
            f"slider '{key}' must be a colour like #f2f2f2, a picture file or none, not {value!r}"
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LikenessError(f"slider '{key}' must be a number, not {value!r}")
    number = float(value)
    if not (spec.minimum <= number <= spec.maximum):  # also rejects NaN
        raise LikenessError(
            f"slider '{key}' is {value!r}, outside {spec.minimum:g}..{spec.maximum:g}"
        )
    return number


def _names_a_picture(text: str) -> bool:
    """True for ``image:...`` or the path of a file (a backdrop picture)."""
    try:
        return text.startswith("image:") or Path(text).expanduser().is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL
        return False


def check_sliders(values: Mapping[str, object]) -> dict[str, float | str | None]:
    """Validate a mapping of slider values; missing keys take their default."""
    if not isinstance(values, Mapping):
        raise LikenessError("sliders must be a mapping of slider names to values")
    out = default_sliders()
    for key, value in values.items():
        out[str(key)] = check_value(str(key), value)
    return out


def parse_assignment(text: str) -> tuple[str, float | str | None]:
    """Parse a command-line ``KEY=VALUE`` (e.g. ``smooth=0.6``, ``backdrop=#f0f0f0``)."""
    if "=" not in text:
        raise LikenessError(f"'{text}' is not KEY=VALUE (e.g. smooth=0.5)")
    key, raw = (part.strip() for part in text.split("=", 1))
    spec = slider(key)
    if spec.kind == "colour":
        return key, check_value(key, raw)
    try:
        number = float(raw)
    except ValueError:
        raise LikenessError(f"slider '{key}' must be a number, not '{raw}'") from None
    return key, check_value(key, number)


"""Edit parameters: frozen, versioned dataclasses whose field metadata comes from the sliders.

Each edit's ``Params`` declares its strength with ``slider_field("key")``; the range, default
and label are read from ``studio.edits.sliders`` (their single definition), never repeated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from studio.edits.sliders import check_value, slider


def slider_field(key: str) -> Any:
    """A dataclass field for slider ``key``: its default plus metadata (key, min, max, label)."""
    spec = slider(key)
    return dataclasses.field(
        default=spec.default,
        metadata={
            "slider": key,
            "min": spec.minimum,
            "max": spec.maximum,
            "default": spec.default,
            "label": spec.label,
            "help": spec.help,
        },
    )


@dataclass(frozen=True)
class EditParams:
    """Base of every edit's params: validates each slider field against its range."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            key = f.metadata.get("slider")
            if key is not None:
                object.__setattr__(self, f.name, check_value(key, getattr(self, f.name)))

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> EditParams:
        """Params from a mapping of slider values (keys of SLIDERS; missing ones, and None
        for a number, take the default)."""
        kwargs = {}
        for f in dataclasses.fields(cls):
            key = f.metadata.get("slider")
            if key is not None and values.get(key) is not None:
                kwargs[f.name] = values[key]
        return cls(**kwargs)

    def is_neutral(self) -> bool:
        """True when these params change nothing (every slider field at its neutral value)."""
        for f in dataclasses.fields(self):
            key = f.metadata.get("slider")
            if key is not None and getattr(self, f.name) not in (None, 0.0):
                return False
        return True

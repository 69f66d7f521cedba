"""The protocol every edit follows (darktable's image operation modules, in Python).

An edit is a module of ``studio.edits`` (or anywhere: the ``SLIDERS`` table names it) with

``KEYS``
    The slider keys it reads (entries of ``studio.edits.sliders.SLIDERS`` whose ``edit`` names
    this module).
``VERSION``
    The version of its algorithm and constants. It goes up when the same slider values would
    give other pixels; sessions store it, and ``LEGACY`` keeps what an older version did (see
    ``studio.edits.versions``).
``STAGE``
    Where in the pipeline it runs (one of ``STAGES``), which also says what ``process`` gets
    and gives.
``ORDER``
    Its place within the stage (lower first; darktable's iop order).
``Params``
    A frozen ``EditParams`` dataclass with one ``slider_field(key)`` per key: ranges, defaults
    and labels come from the ``SLIDERS`` table, never repeated.
``prepare(layers)``
    Everything slider-independent, once per photo and size, from ``PhotoLayers`` (its pixels,
    face, masks, bands, person matte). The pipeline caches the result.
``process(region, params, out)``
    The image operation on one ``Region`` of the photo (its pixels and the prepared data).

The pipeline (``studio.render.Retoucher``), not the edit, chooses regions, bands and columns,
keeps stage results and reuses their buffers. Adding an edit is a module plus its rows in the
``SLIDERS`` table; nothing else changes.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from studio.edits import sliders as _sliders

#: The pipeline's stages, in the order they run.
#:
#: ``face``: on the head's region (``layers.roi``), one edit after the other. ``process`` gets
#:     the region's pixels so far and returns the edited region: a new array, ``out`` (which
#:     may be ``region.pixels`` itself) or ``region.pixels`` unchanged when it changes nothing.
#: ``light``: on the head's region too, at its ORDER among the face edits; consecutive light
#:     edits are one linear-light pass. ``process`` returns its natural-log gain of linear
#:     light (h, w) added to ``out`` (a gain so far, or None: then a new array it owns), or
#:     None when it changes nothing.
#: ``background``: behind the person, on the whole photo and again on the edited head region.
#:     ``process`` returns the region with its background edited; where the person matte is 1
#:     the pixels stay bit for bit.
#: ``photo``: per pixel on the whole photo, last (colour): a pixel's result depends on that
#:     pixel only, so the pipeline may hand any part of the photo as a region.
STAGES = ("face", "light", "background", "photo")
#: Stages that need a face (their sliders are disabled on a photo without one).
FACE_STAGES = ("face", "light")


@dataclass(frozen=True)
class Region:
    """What ``process`` works on.

    pixels : float32 (h, w, 3) sRGB, the region's input; never written unless it is ``out``.
    prepared : the edit's ``prepare(layers)`` for this photo and size.
    box : (rows, cols) of the region in the photo's pixels; None: the whole photo.
    out_has_person : ``out`` already holds ``pixels``' bits wherever the person matte is 1
        (an earlier background result for the same region): only background is written.
    person_share : the pipeline keeps the photo's person share for fast background moves.
    band : the rows of the region (of ``pixels`` and ``out``) this call makes, one of the
        pipeline's ``row_bands`` of the region; the rest of ``out`` is left alone, so the
        pipeline can hand bands to several threads. None: the whole region.
    columns : with ``band``, the band's runs of columns that show some background (the
        pipeline cuts them once per region with the prepared value's
        ``background_columns(rows, cols)``). A background edit whose prepared value has none
        needs to know nothing of bands: the pipeline cuts the region by the person matte and
        hands it each band's runs of columns that show background as their own ``box``
        (``band`` None), keeping the person's columns between them as they were.
    """

    pixels: np.ndarray
    prepared: Any = None
    box: tuple[slice, slice] | None = None
    out_has_person: bool = False
    person_share: bool = False
    band: slice | None = None
    columns: Any = None


def edit_names() -> tuple[str, ...]:
    """Import paths of every edit in the ``SLIDERS`` table, each once, in table order."""
    return tuple(dict.fromkeys(s.edit for s in _sliders.SLIDERS))


def edit_module(name: str) -> ModuleType:
    """The edit module at import path ``name``, checked against the protocol."""
    module = importlib.import_module(name)
    for attribute in ("KEYS", "VERSION", "STAGE", "ORDER", "Params", "prepare", "process"):
        if not hasattr(module, attribute):
            raise TypeError(f"edit {name} has no {attribute}")
    if module.STAGE not in STAGES:
        raise TypeError(f"edit {name}: stage {module.STAGE!r} is not one of {STAGES}")
    keys = {f.metadata.get("slider") for f in dataclasses.fields(module.Params)} - {None}
    if keys != set(module.KEYS):
        raise TypeError(f"edit {name}: Params reads {sorted(keys)}, KEYS says {module.KEYS}")
    return module


def edits(stages: Iterable[str] = STAGES) -> tuple[ModuleType, ...]:
    """The edit modules of ``stages``, in pipeline order (stage, then ORDER)."""
    wanted = tuple(stages)
    table = _sliders.SLIDERS
    known = _found.get(wanted)
    if known is None or known[0] is not table:  # the table changed (a test extended it)
        found = [edit_module(name) for name in edit_names()]
        found = [m for m in found if m.STAGE in wanted]
        known = (table, tuple(sorted(found, key=lambda m: (STAGES.index(m.STAGE), m.ORDER))))
        _found[wanted] = known
    return known[1]


_found: dict[tuple[str, ...], tuple[tuple, tuple[ModuleType, ...]]] = {}


def edit_for(key: str) -> ModuleType:
    """The edit module that reads slider ``key``."""
    return edit_module(_sliders.slider(key).edit)


def face_keys() -> frozenset[str]:
    """Slider keys that need a face: those of the face and light stages."""
    return frozenset(k for m in edits(FACE_STAGES) for k in m.KEYS)


def params_for(edit: ModuleType, values: Mapping[str, object]):
    """``edit.Params`` from validated slider ``values`` (missing keys take their default)."""
    return edit.Params.from_values(values)


def key_values(edit_list: Iterable[ModuleType], values: Mapping[str, object]) -> tuple:
    """The values of every key the edits read, in order (what a stage's cache is keyed by)."""
    return tuple(values[k] for m in edit_list for k in m.KEYS)


def add_gain(gain: np.ndarray | None, out: np.ndarray | None) -> np.ndarray | None:
    """A light edit's ``process`` result: its log ``gain`` (a new array it owns, or None when
    nothing changes) added to the light stage's gain so far ``out`` (or None). A light edit's
    gain is a smooth function of the illumination layer and the feathered face-and-neck weight
    only, so multiplying linear light by it leaves the detail (the photo over its base) as it
    was; the pipeline applies the stage's summed gain once (``studio.render.light``)."""
    if gain is None or out is None:
        return gain
    out += gain
    return out

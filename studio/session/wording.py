"""msgspec's validation errors in our words: one line naming the key, as the user wrote it.

A field of a struct declares its limits and its wording together (:func:`says`); a struct's
own check across fields raises :func:`refused`. :func:`said_of` turns msgspec's
``Expected `int` <= 100 - at `$.export.quality``` into
``'export.quality' must be a whole number 1..100, not 101``, using the wording of the
deepest key on the path that declares one.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from msgspec import Meta


def says(wrong: str, out_of_range: str | None = None, *, parent: bool = False,
         **limits: Any) -> Meta:
    """A field's limits and what a message says of a value that breaks them, after the key:
    ``wrong`` for a value of the wrong type (and, unless ``out_of_range`` is given, outside
    the limits); ``{value}`` is the value, ``{count}`` its length, ``{bound}`` "at least X" /
    "at most X". ``parent``: the message names the enclosing key, ``'references[0]': face ...``."""
    return Meta(**limits, extra={"wrong": wrong, "range": out_of_range or wrong, "parent": parent})


#: A refusal from a struct's own check: "<key relative to it>" + the wording.
_HERE = "\x1f"


def refused(key: str | None, wording: str, parent: bool = False) -> ValueError:
    """The error a struct's ``__post_init__`` raises: ``key`` (relative to the struct, "" for
    the struct itself, None when ``wording`` is the whole message) and what is wrong, after
    the key (``parent``: after the struct's key, ``'references[0]': face ...``)."""
    if key is None:
        return ValueError(f"{_HERE}{wording}")
    return ValueError(f"{_HERE}{key}{_HERE}{int(parent)}{_HERE}{wording}")


_STEP = re.compile(r"\.([A-Za-z_]\w*)|\[(\d+)\]|\[\.\.\.\]")


def said_of(error: msgspec.ValidationError, data: object, root: type) -> str:
    """msgspec's error (``Expected `int` <= 100 - at `$.export.quality```) in our words,
    one line naming the key: ``'export.quality' must be a whole number 1..100, not 101``."""
    text = str(error)
    what, _, where = text.rpartition(" - at `")
    if not what:
        what, where = text, "$`"
    steps = _steps(where[1:-1])
    if what.startswith(_HERE):
        return _said_by_struct(what[1:], steps)
    unknown = re.match(r"Object contains unknown field `(.*)`$", what, re.S)
    if unknown:
        return f"unknown key '{_key([*steps, unknown.group(1)])}'"
    missing = re.match(r"Object missing required field `(.*)`$", what, re.S)
    if missing:
        return f"'{_key([*steps, missing.group(1)])}' is missing"
    return _said_by_field(what, steps, data, root)


def _steps(path: str) -> list[str | int]:
    """``.marks[2].points[1]`` as ["marks", 2, "points", 1] (a dict's value, ``[...]``: None)."""
    return [name if name else (int(index) if index else None)
            for name, index in ((m.group(1), m.group(2)) for m in _STEP.finditer(path))]


def _key(steps: list) -> str:
    out = ""
    for step in steps:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step is not None:
            out += f".{step}" if out else step
    return out


def _said_by_struct(what: str, steps: list) -> str:
    if _HERE not in what:
        return what
    key, parent, says = what.split(_HERE, 2)
    if parent == "1":
        return f"'{_key(steps)}': {key} {says}"
    return f"'{_key([*steps, key] if key else steps)}' {says}"


def _said_by_field(what: str, steps: list, data: object, root: type) -> str:
    """The wording of the deepest key on the path that declares one (``_says``)."""
    wordings = _wordings(steps, root)
    for depth in range(len(steps), -1, -1):
        if wordings[depth] is None:
            continue
        wording, value = wordings[depth], _value_at(data, steps[:depth])
        out_of_range = not re.match(r"Expected `[^`]*`, got ", what)
        template = wording["range"] if out_of_range else wording["wrong"]
        limit = re.search(r"([<>])=? (\S+)$", what) if out_of_range else None
        bound = "" if limit is None else (
            f"at {'least' if limit.group(1) == '>' else 'most'} {float(limit.group(2)):g}"
        )
        count = len(value) if isinstance(value, list | dict | str) else 0
        says = template.format(value=_short(value), count=count, bound=bound)
        if wording["parent"]:
            return f"'{_key(steps[:depth - 1])}': {says}"
        return f"'{_key(steps[:depth])}' {says}"
    return f"'{_key(steps)}': {what}"


def _wordings(steps: list, root: type) -> list[dict | None]:
    """For the file itself and each step of ``steps``: the wording its type declares, or None."""
    out: list[dict | None] = []
    kind: Any = msgspec.inspect.type_info(root)
    for step in [None, *steps]:
        if step is not None:
            kind = _inner(kind, step)
        out.append(_wording_of(kind))
    return out


def _inner(kind: Any, step: str | int | None) -> Any:
    """The type at ``step`` below ``kind`` (through unions, lists, tuples, dicts)."""
    for member in _members(kind):
        if isinstance(member, msgspec.inspect.StructType) and isinstance(step, str):
            for struct_field in member.fields:
                if struct_field.encode_name == step:
                    return struct_field.type
        if isinstance(step, int) and isinstance(member, msgspec.inspect.ListType):
            return member.item_type
        if isinstance(step, int) and isinstance(member, msgspec.inspect.TupleType):
            return member.item_types[step] if step < len(member.item_types) else None
        if step is None and isinstance(member, msgspec.inspect.DictType):
            return member.value_type
    return None


def _members(kind: Any) -> list:
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    if isinstance(kind, msgspec.inspect.UnionType):
        return [m.type if isinstance(m, msgspec.inspect.Metadata) else m for m in kind.types]
    return [kind]


def _wording_of(kind: Any) -> dict | None:
    """The ``_says`` wording on ``kind`` (itself, or the one member of an optional union)."""
    if isinstance(kind, msgspec.inspect.UnionType):
        real = [m for m in kind.types if not isinstance(m, msgspec.inspect.NoneType)]
        kind = real[0] if len(real) == 1 else None
    if isinstance(kind, msgspec.inspect.Metadata) and kind.extra and "wrong" in kind.extra:
        return kind.extra
    return None


def _value_at(data: object, steps: list) -> object:
    for step in steps:
        try:
            data = data[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _short(value: object) -> str:
    """A value as a message shows it: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

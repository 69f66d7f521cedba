"""The quick tier's lists (tests/helpers/tiers.py) name files and tests that exist: a file moved or a
test renamed would otherwise drop out of them silently (back into ``make check``, or no longer
started first)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers.tiers import LONGEST_FIRST, SLOW_MODULES, SLOW_TESTS

TESTS = Path(__file__).resolve().parents[1]


def test_every_slow_or_longest_first_file_exists():
    missing = sorted(name for name in {*SLOW_MODULES, *LONGEST_FIRST}
                     if not (TESTS / name).is_file())
    assert not missing, f"tests/helpers/tiers.py names files that are not there: {missing}"


def test_every_single_slow_test_exists():
    for entry in SLOW_TESTS:
        path, _, name = entry.partition("::")
        assert (TESTS / path).is_file(), f"{entry}: no file {path}"
        defined = {node.name for node in ast.walk(ast.parse((TESTS / path).read_text()))
                   if isinstance(node, ast.FunctionDef)}
        assert name in defined, f"{entry}: {path} has no {name}"

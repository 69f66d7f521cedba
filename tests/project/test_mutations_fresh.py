"""tools/mutations.py cannot go stale unseen (issue 26: its smooth pattern stopped matching at
smooth version 4 and the tool exited before testing anything). Cheap: no mutation is run;
each one's text must still occur exactly once in its file, and the tests it names must exist."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _mutations():
    spec = importlib.util.spec_from_file_location("tools_mutations", REPO / "tools" / "mutations.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["tools_mutations"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module.MUTATIONS


MUTATIONS = _mutations()


def test_the_mutation_names_are_unique():
    names = [m.name for m in MUTATIONS]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_each_mutation_still_matches_its_file_once(mutation):
    text = (REPO / mutation.path).read_text()
    count = text.count(mutation.old)
    assert count == 1, (
        f"{mutation.name}: its pattern occurs {count} times in {mutation.path} (expected once): "
        f"update tools/mutations.py\n  pattern: {mutation.old!r}"
    )
    assert mutation.old != mutation.new, f"{mutation.name} changes nothing"
    if mutation.path.endswith(".py"):
        ast.parse(text.replace(mutation.old, mutation.new))  # a mutant that runs, not a typo


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_each_mutation_names_tests_that_exist(mutation):
    assert mutation.tests, f"{mutation.name} names no test"
    for test in mutation.tests:
        path, _, names = test.partition("::")
        assert (REPO / path).is_file(), f"{mutation.name}: {path} does not exist"
        if names:
            defined = {node.name for node in ast.walk(ast.parse((REPO / path).read_text()))
                       if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
            first = names.split("::")[0].split("[")[0]
            assert first in defined, f"{mutation.name}: {path} has no {first}"

"""The pipeline's structure (issue 27): imports form no circle, no edit imports another edit,
the render pipeline names no edit module, and only the pipeline touches its private state.

An AST walk of ``studio/`` that reads function-local imports too (a circle hidden in a
function is still a circle). The layer rule (imports point down) is ``test_layers.py``'s.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[2] / "studio"


def _module_name(path: Path) -> str:
    parts = path.relative_to(STUDIO.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in STUDIO.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The studio module an import names (``studio.a.b.thing`` -> ``studio.a.b``)."""
    modules = _modules()
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


@cache
def _graph() -> dict[str, frozenset[str]]:
    """Module -> the studio modules it imports (at module level or inside a function)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in _modules().items():
        for target in _imported(ast.parse(path.read_text())):
            found = _resolve(target) if target.startswith("studio") else None
            if found and found != name:
                graph[name].add(found)
    return {name: frozenset(graph[name]) for name in _modules()}


def _imported(tree: ast.AST) -> list[str]:
    """Every name an import anywhere in ``tree`` (functions included) reads, with
    ``from a import b`` as both ``a`` and ``a.b`` (b may be a module)."""
    targets = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return targets


def _reachable(graph: dict[str, frozenset[str]], start: str) -> set[str]:
    """The modules importing ``start`` leads to (not ``start`` unless by a circle)."""
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph.get(name, ())
    return seen


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The import circles: groups of modules that each lead to the others, each sorted."""
    reach = {name: _reachable(graph, name) for name in graph}
    found: list[list[str]] = []
    for name in sorted(graph):
        if name in reach[name]:
            circle = sorted(other for other in reach[name] if name in reach[other])
            if circle not in found:
                found.append(circle)
    return found


def _edit_modules() -> set[str]:
    from studio.edits import protocol

    return {name for name in protocol.edit_names() if name.startswith("studio.")}


def test_the_walk_sees_local_imports():
    # a function-local import is an edge too (the circle edits.layers <-> edits.background was one)
    tree = ast.parse("def f():\n    from studio.face import person\n")
    assert _imported(tree) == ["studio.face", "studio.face.person"]
    assert len(_graph()) > 50


def test_no_import_circle():
    assert _cycles(_graph()) == []


def test_no_edit_imports_another_edit():
    edits = _edit_modules()
    assert len(edits) >= 9
    problems = [
        f"{name} imports {target}"
        for name in sorted(edits)
        for target in sorted(_graph()[name] & edits)
    ]
    assert not problems, "\n".join(problems)


def test_the_pipeline_imports_no_edit_module():
    # nor a helper module of the edits package (one edit's machinery would be named there)
    allowed = {"studio.edits", "studio.edits.protocol", "studio.edits.sliders",
               "studio.edits.marks", "studio.edits.params"}
    imported = _graph()["studio.render.retoucher"]
    problems = sorted(t for t in imported if t.startswith("studio.edits") and t not in allowed)
    assert not problems, f"retoucher imports {problems}"


def _reaches_into_the_pipeline(tree: ast.AST) -> list[str]:
    """Lines that touch another object's ``_prepared`` or a layers object's ``__dict__``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        is_self = isinstance(owner, ast.Name) and owner.id == "self"
        if node.attr == "_prepared" and not is_self:
            found.append(f"line {node.lineno}: ._prepared of {ast.unparse(owner)}")
        if node.attr == "__dict__" and not is_self:
            found.append(f"line {node.lineno}: {ast.unparse(owner)}.__dict__")
    return found


def test_nothing_but_the_pipeline_touches_its_private_state():
    problems = []
    for name, path in sorted(_modules().items()):
        for line in _reaches_into_the_pipeline(ast.parse(path.read_text())):
            problems.append(f"{name} {line}")
    assert not problems, "\n".join(problems)


def test_the_private_state_check_sees_a_reach():
    tree = ast.parse("last._prepared = main._prepared\nr.layers.__dict__['a'] = 1\n")
    assert len(_reaches_into_the_pipeline(tree)) == 3


def test_the_circle_check_sees_a_circle():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert _cycles(graph) == [["a", "b", "c"]]


def _assigned_arguments(tree: ast.AST) -> list[int]:
    """Lines that assign to (or ``setattr`` on) an attribute of ``args``."""
    lines = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
            targets = [ast.Attribute(value=node.args[0], attr="", ctx=ast.Store())]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and getattr(part.value, "id", None) == "args":
                    lines.add(node.lineno)
    return sorted(lines)


def test_no_command_rewrites_its_arguments():
    """A command builds its request from ``args`` and never writes to them."""
    found = [f"{path}:{line}" for path in sorted((STUDIO / "cli").glob("*.py"))
             for line in _assigned_arguments(ast.parse(path.read_text()))]
    assert not found, f"commands that write to args: {found}"


def test_the_arguments_check_sees_a_write():
    tree = ast.parse("args.image, args.session = 1, 2\nsetattr(args, 'x', 1)\nx = args.y\n")
    assert _assigned_arguments(tree) == [1, 2]

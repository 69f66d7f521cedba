"""The architecture's rules on imports: Qt lives only in studio/ui, layers point down only, and
no new import circle (function-local imports count: they hide circles, not remove them)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[2] / "studio"
#: Top to bottom; a package may import only itself and what is below it.
LAYERS = ["ui", "cli", "batch", "service", "session", "render", "edits", "face", "imaging"]
#: The entry point opens the studio: the one upward import, done lazily in main().
ENTRY_POINT = (Path("cli") / "__init__.py", "studio.ui.app")


def _module(path: Path) -> str:
    """``studio/edits/layers.py`` -> ``studio.edits.layers`` (a package is its ``__init__``)."""
    parts = path.relative_to(STUDIO.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module a ``from`` import names, a relative one (``from .qt_panel``) made absolute."""
    if node.level == 0:
        return node.module or ""
    package = _module(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _imports(path: Path) -> set[str]:
    """Every name a module imports, at its top or inside a function, relative ones resolved;
    ``from package import module`` names the module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(path, node)
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def test_headless_layers_import_without_qt():
    code = (
        "import sys\n"
        "for name in ('PySide6', 'shiboken6', 'superqt'):\n"
        "    sys.modules[name] = None  # any import of Qt now fails\n"
        "import studio.imaging, studio.face, studio.edits, studio.render, studio.session\n"
        "import studio.service.retouch_file, studio.service.contact_sheet\n"
        "import studio.batch, studio.bench, studio.cli\n"
        "from studio.cli import build_parser\n"
        "build_parser()\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_module_outside_ui_imports_qt_or_an_upper_layer():
    problems = []
    for path in STUDIO.rglob("*.py"):
        parts = path.relative_to(STUDIO).parts
        layer = parts[0] if len(parts) > 1 else path.stem
        for name in _imports(path):
            top = name.split(".")
            if layer != "ui" and top[0] in ("PySide6", "shiboken6", "superqt"):
                problems.append(f"{path}: imports {name}")
            entry, opened = ENTRY_POINT
            if path.relative_to(STUDIO) == entry and name.startswith(opened):
                continue
            upward = (
                top[0] == "studio"
                and len(top) > 1
                and layer in LAYERS
                and top[1] in LAYERS
                and LAYERS.index(top[1]) < LAYERS.index(layer)
            )
            if upward:
                problems.append(f"{path}: {layer} imports the upper layer {name}")
    assert not problems, "\n".join(problems)


#: The import circles of today (each a set of modules that import one another, directly or round
#: a loop): none since issue 31 took the window's controllers off the window. A circle found must
#: share a module with one of these: no new one.
KNOWN_CIRCLES: tuple[set[str], ...] = ()


def _import_graph() -> dict[str, set[str]]:
    """Module -> the studio modules it imports (a name that is not a module counts as its
    package: ``from studio.edits import layers`` is studio.edits.layers, ``from
    studio.edits.layers import X`` is studio.edits.layers)."""
    modules = {_module(path): path for path in STUDIO.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        targets = set()
        for name in _imports(path):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of more than one module that each reach every other one of the group."""
    reach = {module: _reach(graph, module) for module in graph}
    found = []
    for module in sorted(graph):
        group = {module} | {other for other in reach[module] if module in reach[other]}
        if len(group) > 1 and group not in found:
            found.append(group)
    return found


def test_the_circle_finder_finds_a_loop_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _circles(graph) == [{"a", "b", "c"}]


def test_no_new_import_circle():
    new = [
        sorted(group)
        for group in _circles(_import_graph())
        if not any(group & known for known in KNOWN_CIRCLES)
    ]
    assert not new, f"modules that import one another (break the circle): {new}"

"""The architecture's rules on imports: Qt lives only in studio/ui, layers point down only, and
no new import circle (function-local imports count: they hide circles, not remove them)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import cache
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
            package, _, attr = name.rpartition(".")
            homes = _lazy_homes(modules[package]) if package in modules else {}
            if attr in homes:  # a lazy package's name is its home module's
                name = f"{package}.{homes[attr]}"
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


# ----------------------------------------------------------------- function-local imports
#: Why an import may stay inside a function (a trailing ``# <reason>`` on its line); see
#: docs/architecture.md, "Imports". An import circle is never a reason: break the circle.
REASONS = {
    "start-up": "keeps a studio module or a heavy package off a start-up path that lacks it",
    "heavy": "a heavy package only this path uses, not loaded at start-up nor by the module",
    "optional": "may be missing (its ImportError is caught)",
}
#: Imports that cost start-up time worth saving: tens of ms to seconds for the big packages;
#: 4-20 ms for the small ones (``python -X importtime``), which ``likeness --help`` does not need.
HEAVY = {
    "cv2", "dlib", "scipy", "skimage", "dask", "distributed", "pymatting", "numba", "rawpy",
    "pillow_heif", "tifffile", "PySide6", "shiboken6", "superqt", "mediapipe", "onnxruntime",
    "ctypes", "socket", "platformdirs", "multiprocessing.forkserver",
}
#: What runs first in a process that starts: name -> the modules it imports first.
START_UP = {
    "likeness --help": ["studio.__main__", "studio.cli"]
    + [f"studio.cli.{path.stem}" for path in sorted((STUDIO / "cli").glob("[!_]*.py"))],
    "the window": ["studio.ui.qt_main"],
    "the studio's opening": ["studio.ui.app"],
    # the photo decodes while the pipeline's imports and the face models load on a thread
    "a retouch": ["studio.service.retouch_file"],
    "a batch worker": ["studio.batch.runner", "studio.batch.task"],
    "the face helper": ["studio.face.likeness", "studio.face.detect", "studio.process"],
}
_REASON = re.compile(r"#\s*([\w-]+)\s*$")


def _modules() -> dict[str, Path]:
    return {_module(path): path for path in STUDIO.rglob("*.py")}


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _in_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return True
    return False


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside ``if TYPE_CHECKING:`` (never run)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


@cache
def _lazy_homes(path: Path) -> dict[str, str]:
    """A package's ``_HOMES`` (name -> its module, imported on first use by ``__getattr__``)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_HOMES":
            return ast.literal_eval(node.value)
    return {}


def _loaded(path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The modules an import statement loads: its dotted names with their parents, ``from a
    import b`` as ``a.b`` when b is a module, a lazy package's name as its home module."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _absolute(path, node)
        homes = _lazy_homes(modules[base]) if base in modules else {}
        names = [base]
        for alias in node.names:
            if f"{base}.{alias.name}" in modules:
                names.append(f"{base}.{alias.name}")
            elif alias.name in homes:
                names.append(f"{base}.{homes[alias.name]}")
            elif f"{base}.{alias.name}" in HEAVY:  # ``from multiprocessing import forkserver``
                names.append(f"{base}.{alias.name}")
    loaded = set()
    for name in names:
        parts = name.split(".")
        loaded |= {".".join(parts[: i + 1]) for i in range(len(parts))}
    return loaded


def _import_nodes(path: Path):
    """(node, run at import?, function-local?) for every import statement of a module."""
    tree = ast.parse(path.read_text())
    parents = _parents(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            local = _in_function(node, parents)
            yield node, not local and not _type_checking_only(node, parents), local, parents


def _closure(names: set[str], modules: dict[str, Path], top: dict[str, set[str]]) -> set[str]:
    """``names`` with everything their studio modules import at their top, transitively."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += top.get(name, ())
    return seen


def _top_imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Studio module -> what its top-level imports load (``if TYPE_CHECKING`` left out)."""
    top = {}
    for name, path in modules.items():
        top[name] = set()
        for node, runs, _, _ in _import_nodes(path):
            if runs:
                top[name] |= _loaded(path, node, modules)
    return top


def _heavy(name: str) -> bool:
    return name in HEAVY or name.split(".")[0] in HEAVY


def _costly(names: set[str]) -> set[str]:
    return {name for name in names if name.startswith("studio.") or _heavy(name)}


def _excepts_import_error(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            caught = " ".join(ast.unparse(h.type) for h in node.handlers if h.type is not None)
            if "ImportError" in caught or "ModuleNotFoundError" in caught:
                return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
    return False


@cache
def local_imports() -> list[dict]:
    """Every function-local import of studio/: where, what it loads, its stated reason and the
    reasons that are true of it."""
    modules = _modules()
    top = _top_imports(modules)
    paths = {what: _closure(set(firsts), modules, top) for what, firsts in START_UP.items()}
    found = []
    for module, path in sorted(modules.items()):
        lines = path.read_text().splitlines()
        own = _closure({module}, modules, top)
        on_paths = [what for what, loaded in paths.items() if module in loaded]
        for node, _, local, parents in _import_nodes(path):
            if not local:
                continue
            loads = _loaded(path, node, modules)
            brings = _closure(loads, modules, top)
            true = set()
            if any(_costly(brings - paths[what]) for what in on_paths):
                true.add("start-up")
            direct_heavy = {name for name in loads if _heavy(name)} - own
            if direct_heavy and not any(direct_heavy & paths[what] for what in on_paths):
                true.add("heavy")
            if _excepts_import_error(node, parents):
                true.add("optional")
            said = _REASON.search(lines[node.end_lineno - 1])
            found.append({
                "module": module, "path": path, "node": node, "line": node.lineno,
                "text": ast.unparse(node), "said": said.group(1) if said else None,
                "true": true, "paths": on_paths,
            })
    return found


def test_the_walk_reads_function_local_imports():
    # the layer and circle rules see an import inside a function as one at the top
    assert "studio.ui.app" in _imports(STUDIO / "cli" / "__init__.py")  # inside main()
    assert "studio.face.detect" in _import_graph()["studio.batch.task"]  # studio.face's lazy name


def test_every_function_local_import_says_why():
    """Each import inside a function ends with ``# <reason>``, a word of ``REASONS``; every
    other import belongs at the module's top."""
    unsaid = [f"{row['path'].relative_to(STUDIO.parent)}:{row['line']}: {row['text']}"
              for row in local_imports() if row["said"] not in REASONS]
    assert not unsaid, f"function-local imports without a reason of {sorted(REASONS)} " \
        f"(move them to the top, or say why): {unsaid}"


def test_each_local_import_s_reason_is_true():
    """``start-up``: the module is on a path of ``START_UP`` that the import would otherwise
    load a studio module or a heavy package into; ``heavy``: it names a package of ``HEAVY``
    that neither the module nor its start-up paths load; ``optional``: its ImportError is
    caught. An import with no true reason keeps nothing off: it belongs at the top."""
    wrong = [f"{row['path'].relative_to(STUDIO.parent)}:{row['line']}: {row['text']}: says "
             f"{row['said']!r}, true: {sorted(row['true']) or 'none (move it to the top)'}"
             for row in local_imports() if row["said"] not in row["true"]
             and (row["said"] in REASONS or not row["true"])]
    assert not wrong, "\n".join(wrong)


def test_the_reasons_are_told_apart():
    rows = {row["text"]: row["true"] for row in local_imports()}
    assert rows["from studio.ui.app import run_studio"] == {"start-up"}  # Qt off the command
    assert "heavy" in rows["from pymatting import estimate_alpha_cf, estimate_foreground_ml"]
    assert rows["import PySide6"] == {"optional"}

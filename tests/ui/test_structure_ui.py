"""The studio's window is wired, not reached through (issue 31): no module of ``studio/ui``
but the window itself (``qt_main``) and the start-up (``app``) imports the window, not even for
a type hint; and the window has no method that only hands its call on to a controller (tests
and menus reach the controller, or drive the window by its actions)."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "studio" / "ui"
#: The modules that may import the window: the window, and the start-up that makes it.
MAY_IMPORT_THE_WINDOW = {"qt_main.py", "app.py"}


def _imported_modules(path: Path) -> set[str]:
    """Every ``studio.ui`` module ``path`` imports, anywhere in it (TYPE_CHECKING blocks and
    functions too), relative imports resolved: ``from .qt_main import X`` -> ``qt_main``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:
                names.add(module.partition(".")[0])
                if not module:
                    names |= {alias.name for alias in node.names}
            elif module.startswith("studio.ui."):
                names.add(module.split(".")[2])
            elif module == "studio.ui":
                names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[2] for a in node.names if a.name.startswith("studio.ui.")}
    return names


def importers_of_the_window(folder: Path = UI) -> list[str]:
    return sorted(
        path.name
        for path in folder.glob("*.py")
        if path.name not in MAY_IMPORT_THE_WINDOW and "qt_main" in _imported_modules(path)
    )


def test_no_controller_imports_the_window():
    found = importers_of_the_window()
    assert not found, (f"{found} import the window (qt_main): take the document, the undo "
                       "stack, the widgets and small callables instead, and talk through the "
                       "document's events or a named signal")


def test_the_check_sees_every_way_of_importing_the_window(tmp_path):
    ways = {
        "hint.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                   "    from .qt_main import QtStudioWindow\n",
        "late.py": "def f():\n    from .qt_main import APP_NAME\n",
        "absolute.py": "from studio.ui.qt_main import QtStudioWindow\n",
        "package.py": "from . import qt_main\n",
        "plain.py": "import studio.ui.qt_main\n",
        "fine.py": "from .qt_notice import Notices\nfrom . import APP_NAME\n",
        "app.py": "from .qt_main import QtStudioWindow\n",
    }
    for name, text in ways.items():
        (tmp_path / name).write_text(text)
    assert importers_of_the_window(tmp_path) == sorted(
        {"hint.py", "late.py", "absolute.py", "package.py", "plain.py"})


def _forwarding(method: ast.FunctionDef) -> bool:
    """A method whose body (past its docstring) is one call of ``self.<controller>.<name>``."""
    body = [node for node in method.body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Expr | ast.Return):
        return False
    call = body[0].value
    target = call.func if isinstance(call, ast.Call) else None
    return (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute)
            and isinstance(target.value.value, ast.Name) and target.value.value.id == "self")


def test_the_window_has_no_forwarding_methods():
    tree = ast.parse((UI / "qt_main.py").read_text())
    window = next(node for node in tree.body
                  if isinstance(node, ast.ClassDef) and node.name == "QtStudioWindow")
    forwarding = [node.name for node in window.body
                  if isinstance(node, ast.FunctionDef) and _forwarding(node)]
    assert not forwarding, f"the window only hands these on to a controller: {forwarding}"

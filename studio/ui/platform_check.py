"""Before Qt starts: is there a display, and are the system libraries Qt's X11 plugin needs there?

Without them Qt prints "Could not load the Qt platform plugin xcb" and several lines of advice
that do not name a package, then aborts. This check names the packages in one line instead.
No Qt is imported here (importing it is fine; loading the plugin is what fails).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

#: Library (soname) -> (Debian/Ubuntu package, Fedora package) for what Qt's xcb plugin loads.
#: Qt >= 6.5 needs libxcb-cursor0, which desktop installs often lack.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}
#: The xcb extension libraries (libxcb-randr.so.0 ...): one Debian package each, all in
#: Fedora's libxcb.
_XCB_CORE = re.compile(r"^libxcb(-[a-z0-9]+)?\.so\.(\d+)$")
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def packages_for(soname: str) -> tuple[str, str]:
    """The (Debian/Ubuntu, Fedora) packages holding a library; its own name when unknown."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    match = _XCB_CORE.match(soname)
    if match:
        return f"libxcb{match.group(1) or ''}{match.group(2)}", "libxcb"
    return soname, soname


def xcb_plugin() -> Path | None:
    """PySide6's X11 platform plugin (None when PySide6 is laid out differently)."""
    try:
        import PySide6  # optional
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def run_ldd(path: Path) -> str:
    """``ldd``'s report of a library ('' when ldd is not there: then nothing is claimed)."""
    try:
        done = subprocess.run(
            ["ldd", str(path)], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def missing_libraries(ldd_output: str) -> list[str]:
    """Sonames ``ldd`` reported as not found, in order, once each."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def uses_xcb(env: Mapping[str, str], wayland_plugin: bool = True) -> bool:
    """Will Qt load its X11 plugin? (Only with a DISPLAY, unless another platform is asked for
    or a Wayland session is there and Qt has its Wayland plugin, which it then prefers; the
    desktop bundle ships only the X11 one.)"""
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if platform:
        return platform == "xcb" and bool(env.get("DISPLAY"))
    return bool(env.get("DISPLAY")) and not (env.get("WAYLAND_DISPLAY") and wayland_plugin)


def display_problem(
    env: Mapping[str, str] | None = None,
    plugin: Path | None = None,
    ldd: Callable[[Path], str] = run_ldd,
) -> str | None:
    """One line saying why the studio's window cannot open here, or None when it can."""
    env = os.environ if env is None else env
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if platform in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return None  # no display wanted (tests, screenshots, kiosks)
    if not platform and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "no display: DISPLAY and WAYLAND_DISPLAY are not set; start the studio from a "
            "desktop session (the command line, e.g. 'likeness retouch', works anywhere)"
        )
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    wayland = any(plugin.parent.glob("libqwayland*.so")) or not plugin.parent.is_dir()
    if not uses_xcb(env, wayland_plugin=wayland):
        return None
    missing = missing_libraries(ldd(plugin))
    if not missing:
        return None
    debian = " ".join(dict.fromkeys(packages_for(name)[0] for name in missing))
    fedora = " ".join(dict.fromkeys(packages_for(name)[1] for name in missing))
    return (
        f"Qt cannot open a window: missing {', '.join(missing)}; install them with "
        f"'sudo apt install {debian}' (Debian/Ubuntu) or 'sudo dnf install {fedora}' (Fedora)"
    )

"""``likeness bench --studio``: the studio's figures of issue 27, each photo in a studio process
of its own (offscreen Qt, a fresh analysis cache and user folders): open -> first picture and
first preview, a slider drag's preview updates (median / p95), and the longest the window's
thread is blocked during the drags. The driver is :mod:`studio.ui.studio_bench`.

``likeness bench --shoot [FOLDER]``: issue 29's figure, the longest the window's thread is
blocked while Export Selected writes a shoot (FOLDER's photos, else twelve made ones), in such
a studio process; its driver is :mod:`studio.ui.shoot_bench`."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from studio import __version__
from studio.bench import _write_jpeg, closeup_portrait, synthetic_portrait
from studio.errors import LikenessError

#: issue 27's targets (wall ms on this machine).
TARGETS = {"open_first_picture": 800.0, "drag_median": 33.0, "drag_p95": 60.0,
           "window_blocked_max": 50.0}
#: issue 29's target: the window's thread while a shoot exports (wall ms).
SHOOT_TARGET = 50.0
#: The made shoot of ``--shoot`` without a folder: photos, and their size (quick: four of a
#: tenth of the size).
SHOOT_PHOTOS, SHOOT_MEGAPIXELS = 12, 12.0


def studio_process(photo: Path, folder: Path, steps: int) -> dict:
    """One studio process on ``photo``: its figures (studio.ui.studio_bench's JSON)."""
    return _driver("studio.ui.studio_bench", [str(photo), "--steps", str(steps)], folder)


def _driver(module: str, args: list[str], folder: Path) -> dict:
    """A studio process running ``module``'s bench driver (offscreen, its own user folders
    in ``folder``): the JSON line it prints."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(folder / "xdg"))
    for kind in ("config", "data", "cache"):
        env[f"LIKENESS_{kind.upper()}_DIR"] = str(folder / kind)
    done = subprocess.run([sys.executable, "-m", module, *args],
                          capture_output=True, text=True, env=env, timeout=3600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        said = [line for line in done.stderr.splitlines() if "This plugin" not in line]
        raise RuntimeError(f"the studio bench on {args[0]} failed: {' '.join(said)[-300:]}")
    return json.loads(lines[-1])


def run_shoot_figures(folder: Path | None = None, quick: bool = False, workers: int = 1,
                      progress: Callable[[str], None] | None = None) -> dict:
    """Export Selected on a shoot in a studio process: ``folder``'s photos, else twelve made
    portraits and close-ups of 12 MP (quick: four of 1.2 MP). The photos are linked into a scratch
    folder: the sessions the sync writes and the exports go there, never beside them."""
    say = progress or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="likeness-bench-shoot-") as name:
        shoot = Path(name) / "shoot"
        if folder is None:
            _made_shoot(shoot, 4 if quick else SHOOT_PHOTOS,
                        SHOOT_MEGAPIXELS / (10 if quick else 1))
        else:
            _linked_shoot(folder, shoot)
        say(f"the studio exporting {folder or 'made photos'}")
        figures = _driver("studio.ui.shoot_bench",
                          [str(shoot), "--workers", str(workers), "--idle", "3"], Path(name))
    blocked = figures["export"]["blocked_max"]
    return {"version": __version__, "quick": quick,
            "folder": str(folder) if folder else "made photos",
            "machine": _machine(),
            "shoot": figures,
            "target": _target(blocked, SHOOT_TARGET)}


def _linked_shoot(folder: Path, shoot: Path) -> None:
    """``folder``'s photos (its files, not its sessions) linked into ``shoot``."""
    shoot.mkdir(parents=True)
    photos = [p for p in sorted(folder.iterdir())
              if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".json")]
    if not photos:
        raise LikenessError(f"{folder} has no photos")
    for photo in photos:
        (shoot / photo.name).symlink_to(photo.resolve())


def _made_shoot(folder: Path, photos: int, megapixels: float) -> None:
    folder.mkdir(parents=True)
    for number in range(photos):
        make = closeup_portrait if number % 2 else synthetic_portrait
        _write_jpeg(make(megapixels, seed=number), folder / f"frame-{number + 1:02d}.jpg")


def format_shoot_report(result: dict) -> str:
    """A human-readable summary of :func:`run_shoot_figures`' result."""
    shoot, target = result["shoot"], result["target"]
    export, idle = shoot["export"], shoot.get("idle")
    lines = [f"likeness bench --shoot {result['version']} on {result['machine']['cpus']} CPUs "
             f"(1-min load {result['machine']['load']}): {result['folder']}", ""]
    if idle:
        lines.append(f"nothing exporting ({idle['seconds']:g} s): window thread blocked at most "
                     f"{idle['blocked_max']:.0f} ms (its own work {idle['busy_max']:.0f} ms)")
    lines.append(f"Export Selected, {export['exported']}/{export['photos']} photos written in "
                 f"{export['seconds']:.0f} s with {shoot['workers']} worker(s): window thread "
                 f"blocked at most {export['blocked_max']:.0f} ms at {export['blocked_at']:.1f} s "
                 f"(its own work at most {export['busy_max']:.0f} ms)")
    lines.append(f"target (issue 29; wall, so read it beside the load and the idle figure): "
                 f"<= {target['target']:g} ms  {'met' if target['met'] else 'MISSED'}")
    return "\n".join(lines)


def run_studio_figures(quick: bool = False, progress: Callable[[str], None] | None = None) -> dict:
    """The studio's figures on a 24 MP portrait and a 24 MP close-up (2.4 MP quick)."""
    say = progress or (lambda message: None)
    megapixels = 2.4 if quick else 24.0
    figures = {}
    with tempfile.TemporaryDirectory(prefix="likeness-bench-studio-") as name:
        folder = Path(name)
        for label, make in (("portrait", synthetic_portrait), ("closeup", closeup_portrait)):
            say(f"the studio on a {megapixels:g} MP {label}")
            photo = _write_jpeg(make(megapixels, seed=1), folder / f"{label}.jpg")
            run = folder / label
            run.mkdir()
            figures[label] = studio_process(photo, run, 10 if quick else 40)
    return {"version": __version__, "quick": quick, "megapixels": megapixels,
            "machine": _machine(),
            "studio": figures, "targets": _targets(figures)}


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _targets(figures: dict) -> dict[str, dict]:
    """Each figure of each photo against issue 27's target (the worse photo counts)."""
    measured = {
        "open_first_picture": max(f["open"]["first_picture"] for f in figures.values()),
        "drag_median": max(f["drag"]["median"] for f in figures.values()),
        "drag_p95": max(f["drag"]["p95"] for f in figures.values()),
        "window_blocked_max": max(f["window_blocked_max"] for f in figures.values()),
    }
    return {name: _target(value, TARGETS[name]) for name, value in measured.items()}


def _target(measured: float, target: float) -> dict:
    """A wall figure in ms against its target."""
    return {"measured": measured, "target": target, "unit": "ms", "met": measured <= target}


def _machine() -> dict:
    """The machine's facts a report is read beside (its cores, Python, the 1-min load)."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "load": _load()}


def format_studio_report(result: dict) -> str:
    """A human-readable table of :func:`run_studio_figures`' result."""
    lines = [f"likeness bench --studio {result['version']} on {result['machine']['cpus']} CPUs "
             f"(1-min load {result['machine']['load']}), {result['megapixels']:g} MP photos", ""]
    for label, f in result["studio"].items():
        opened, drag = f["open"], f["drag"]
        lines.append(f"{label}: open -> first picture {opened['first_picture']:.0f} ms, first "
                     f"preview {opened['first_preview']:.0f} ms "
                     f"(CPU {opened['cpu_to_first_preview']:.0f} ms)")
        lines.append(f"  slider drags, preview update: median {drag['median']:.0f} ms, p95 "
                     f"{drag['p95']:.0f} ms over {drag['moves']} moves "
                     f"(CPU {drag['cpu_per_move']:.0f} ms a move)")
        if "settle_median" in drag:
            lines.append(f"  drag's last move -> its full render (draft replaced): median "
                         f"{drag['settle_median']:.0f} ms")
        for key, stats in drag["by_slider"].items():
            lines.append(f"    {key:<12} {stats['median']:7.0f} / {stats['p95']:7.0f}"
                         + (f"   settle {stats['settle']:5.0f}" if "settle" in stats else ""))
        lines.append(f"  window thread blocked at most {f['window_blocked_max']:.0f} ms "
                     f"(its own work at most {f['window_busy_max']:.0f} ms)")
    lines.append("")
    lines.append("targets (issue 27; wall, so read them beside the load):")
    for name, t in result["targets"].items():
        lines.append(f"  {name:<20} {t['measured']:8.1f} {t['unit']}  target <= {t['target']:g}  "
                     f"{'met' if t['met'] else 'MISSED'}")
    return "\n".join(lines)

"""The driver of ``likeness bench --shoot`` (issue 29): how long the studio's window thread is
ever blocked while a shoot exports. Opens FOLDER in the studio's filmstrip, applies a look
(LinkedIn) to the first photo and syncs it to every photo, runs Export Selected on all of them
and prints one JSON line: the longest the window's event loop stalled (QtWatchdog, a 5 ms
timer) while the batch ran, the window thread's own longest work, and the batch's time.

    python -m studio.ui.shoot_bench FOLDER [--workers N] [--shots PREFIX] [--idle SECONDS]

FOLDER: photos (symlinks are fine: ``likeness bench --shoot`` links the user's photos into a
scratch folder, so nothing is written beside them); the sessions and FOLDER/exported are
written there. With
--shots, screenshots of the window (filmstrip, synced, exporting, done) are saved as
PREFIX-*.png. Runs on any Qt platform (offscreen, or a real or Xvfb display).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from . import app as studio_app
from .qt_watchdog import QtWatchdog


def _wait(condition: Callable[[], bool], seconds: float = 1200.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("the shoot bench timed out")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def _shot(window, prefix: str, name: str) -> None:
    if prefix:
        for _ in range(20):
            QCoreApplication.processEvents()
            time.sleep(0.02)
        window.grab().save(f"{prefix}-{name}.png")


def _open_and_sync(window, folder: Path, look: str, prefix: str) -> None:
    """The shoot opened, the look applied to the first photo and synced to every photo."""
    window.filmstrip.open_folder(folder)
    _wait(lambda: not window.opener.opening and window.preview.pixels is not None)
    _wait(lambda: len(window.filmstrip.thumbs) == len(window.filmstrip.photos))
    window.sessions.apply_look(look)
    _wait(lambda: not window.amount.runner.is_busy
          and not any(r.is_busy for r in window.preview.runners.values()))
    _shot(window, prefix, "filmstrip")
    window.filmstrip.strip.selectAll()
    window.sync.sync_selected()
    _wait(lambda: not window.filmstrip.flags_runner.is_busy)
    _shot(window, prefix, "synced")


def _idle_figures(window, seconds: float) -> dict:
    """The watchdog with nothing exporting: what the machine's load alone costs."""
    watchdog = QtWatchdog(window)
    watchdog.start()
    until = time.monotonic() + seconds
    _wait(lambda: time.monotonic() > until)
    watchdog.stop()
    return {"seconds": seconds, "blocked_max": round(watchdog.longest_ms, 1),
            "busy_max": round(watchdog.longest_busy_ms, 1)}


def _export_figures(window, prefix: str) -> dict:
    """Export Selected on every photo under the watchdog (screenshots paused out of it)."""
    exporter = window.shoot_export
    watchdog = QtWatchdog(window)
    started = time.perf_counter()
    watchdog.start()
    exporter.export_selected()
    _wait(lambda: len(exporter.results) >= len(window.filmstrip.photos) // 2)
    if prefix:  # the screenshot's own time is not the studio's
        watchdog.stop()
        _shot(window, prefix, "exporting")
        watchdog.resume()
    _wait(lambda: not exporter.running and exporter.thread is None)
    watchdog.stop()
    seconds = time.perf_counter() - started
    _wait(lambda: not window.filmstrip.flags_runner.is_busy)
    _shot(window, prefix, "exported")
    results = exporter.results
    return {"photos": len(results), "exported": sum(r.status == "ok" for r in results),
            "seconds": round(seconds, 1), "blocked_max": round(watchdog.longest_ms, 1),
            "blocked_at": round(watchdog.longest_at, 2),
            "busy_max": round(watchdog.longest_busy_ms, 1), "beats": watchdog.beats,
            "rows": [list(row) for row in exporter.panel.rows()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--shots", default="")
    parser.add_argument("--look", default="linkedin")
    parser.add_argument("--idle", type=float, default=0.0,
                        help="first measure this many seconds with nothing exporting (baseline)")
    args = parser.parse_args(argv)

    qt_app = studio_app.make_application()
    helper = studio_app.start_face_helper()  # as the studio runs
    window = studio_app.QtStudioWindow()  # the window, as the studio makes it
    window.resize(1600, 1000)
    window.show()
    studio_app.keep_start_up_objects()  # as the studio starts
    window.shoot_export.workers = args.workers
    _open_and_sync(window, args.folder, args.look, args.shots)
    result = {"workers": args.workers}
    if args.idle:
        result["idle"] = _idle_figures(window, args.idle)
    result["export"] = _export_figures(window, args.shots)
    print(json.dumps(result))
    window.document.set_dirty(False)
    QTimer.singleShot(0, window.close)
    qt_app.processEvents()
    studio_app.stop_face_helper(helper)
    export = result["export"]
    return 0 if export["exported"] == export["photos"] else 1


if __name__ == "__main__":
    sys.exit(main())

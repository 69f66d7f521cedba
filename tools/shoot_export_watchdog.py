"""Bench helper (issue 29): how long the studio's window thread is ever blocked while a shoot
exports. Opens FOLDER in the studio's filmstrip, syncs the first photo's look (LinkedIn) to
every photo, runs Export Selected on all of them and reports the longest the window's event
loop stalled (QtWatchdog, a 5 ms timer) while the batch ran, with the batch's time.

    python tools/shoot_export_watchdog.py FOLDER [--workers N] [--shots PREFIX]

FOLDER: photos (symlinks are fine); the exports go to FOLDER/exported (removed first). With
--shots, screenshots of the window (filmstrip, synced, exporting, done) are saved as
PREFIX-*.png. Runs on any Qt platform (offscreen, or a real or Xvfb display).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--shots", default="")
    parser.add_argument("--look", default="linkedin")
    parser.add_argument("--idle", type=float, default=0.0,
                        help="first measure this many seconds with nothing exporting (baseline)")
    args = parser.parse_args()

    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from studio.ui import app as studio_app
    from studio.ui.qt_main import QtStudioWindow
    from studio.ui.qt_watchdog import QtWatchdog

    qt_app = studio_app.make_application()
    window = QtStudioWindow()
    window.resize(1600, 1000)
    window.show()
    window.shoot_export.workers = args.workers

    def wait(condition, seconds: float = 600.0) -> None:
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                raise SystemExit("timed out")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    def shot(name: str) -> None:
        if args.shots:
            for _ in range(20):
                QCoreApplication.processEvents()
                time.sleep(0.02)
            window.grab().save(f"{args.shots}-{name}.png")

    shutil.rmtree(args.folder / "exported", ignore_errors=True)
    window.filmstrip.open_folder(args.folder)
    wait(lambda: not window.opener.opening and window.preview.pixels is not None)
    wait(lambda: len(window.filmstrip.thumbs) == len(window.filmstrip.photos))
    window.sessions.apply_look(args.look)
    wait(lambda: not window.amount.runner.is_busy
         and not any(r.is_busy for r in window.preview.runners.values()))
    shot("filmstrip")
    strip = window.filmstrip.strip
    strip.selectAll()
    window.sync.sync_selected()
    wait(lambda: not window.filmstrip.flags_runner.is_busy)
    shot("synced")
    watchdog = QtWatchdog(window)
    if args.idle:
        watchdog.start()
        until = time.monotonic() + args.idle
        wait(lambda: time.monotonic() > until)
        watchdog.stop()
        print(f"idle baseline ({args.idle:.0f} s, nothing exporting): longest blocked "
              f"{watchdog.longest_ms:.1f} ms, longest busy {watchdog.longest_busy_ms:.1f} ms")
    started = time.perf_counter()
    watchdog.start()
    window.shoot_export.export_selected()
    halfway = len(window.filmstrip.photos) // 2
    wait(lambda: len(window.shoot_export.results) >= halfway)
    if args.shots:  # the screenshot's own time is not the studio's
        watchdog.stop()
        shot("exporting")
        watchdog.resume()
    wait(lambda: not window.shoot_export.running and window.shoot_export.thread is None)
    watchdog.stop()
    seconds = time.perf_counter() - started
    wait(lambda: not window.filmstrip.flags_runner.is_busy)
    shot("exported")
    results = window.shoot_export.results
    ok = sum(r.status == "ok" for r in results)
    print(f"exported {ok}/{len(results)} photos in {seconds:.1f} s with {args.workers} worker(s); "
          f"window thread longest blocked {watchdog.longest_ms:.1f} ms "
          f"(at {watchdog.longest_at:.1f} s), longest busy {watchdog.longest_busy_ms:.1f} ms "
          f"({watchdog.beats} beats of {watchdog.interval_ms} ms)")
    for row in window.shoot_export.panel.rows():
        print("  " + " | ".join(row))
    window.document.set_dirty(False)
    QTimer.singleShot(0, window.close)
    qt_app.processEvents()
    return 0 if ok == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

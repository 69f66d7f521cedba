"""The studio's own speed figures (``likeness bench --studio`` runs this in a process of its own,
offscreen): how soon an opened photo is on screen, how soon a slider drag's values are in the
preview, and the longest the window's thread is blocked meanwhile.

    python -m studio.ui.studio_bench PHOTO [--drags KEY,KEY,...] [--steps N]

Prints one JSON object. Times are wall milliseconds from the user's action (``open_path``, a
slider's value moved as a mouse drag moves it, one step every ``STEP_MS``). A move's preview
update is the first picture on the canvas holding it: a draft during the drag; ``settle`` is
from the drag's last move until its full render replaces the draft. Each figure also
gives the process's CPU (user + system) over the same span, which stays comparable on a
loaded machine. The watchdog's ``busy`` is the window thread's own CPU between two beats.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop

from . import app as studio_app
from .qt_watchdog import QtWatchdog

#: A drag's steps come this often (a 60 Hz mouse).
STEP_MS = 16
#: The sliders dragged by default: a face slider, light, the close-up's big head, background.
DRAGS = ("smooth", "face_light", "eyes", "bg_light", "bg_blur", "warmth")


def _cpu_ms() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return (used.ru_utime + used.ru_stime) * 1000.0


def _pump(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)


def _wait(condition, seconds: float = 300.0) -> float:
    """Run the event loop until ``condition()``; the wall time it took (ms)."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > seconds:
            raise SystemExit("studio_bench: timed out waiting for the studio")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.0005)
    return (time.perf_counter() - start) * 1000.0


def open_figures(window, path: str) -> dict:
    """Open ``path`` as File > Open does: ms until the first picture is on the canvas (the
    quick reduced decode), until the photo is ready (faces found, the full photo shown) and
    until the first preview render is shown."""
    seen: dict[str, float] = {}
    start, cpu = time.perf_counter(), _cpu_ms()
    canvas_set_photo = window.canvas.set_photo

    def set_photo(*args, **kwargs):
        seen.setdefault("first_picture", (time.perf_counter() - start) * 1000.0)
        return canvas_set_photo(*args, **kwargs)

    window.canvas.set_photo = set_photo
    window.preview.shown.connect(
        lambda _id: seen.setdefault("first_preview", (time.perf_counter() - start) * 1000.0))
    try:
        window.opener.open_path(path)
        _wait(lambda: "first_preview" in seen)
    finally:
        window.canvas.set_photo = canvas_set_photo
    seen["cpu_to_first_preview"] = _cpu_ms() - cpu
    _wait(lambda: not window.preview.runners["prepare"].is_busy)
    return {key: round(value, 1) for key, value in seen.items()}


def drag_figures(window, key: str, steps: int, watchdog) -> dict:
    """Drag ``key`` from its value to its far end in ``steps`` moves, one per ``STEP_MS``;
    for each move, ms until a picture holding it (or a later move) is on the canvas, a draft
    or a full render; ``settle``: ms from the last move until its full render is shown."""
    row = window.panel.rows[key]
    slider = row.slider
    first, last = slider.value(), slider.maximum()
    if last - first < steps:
        first = slider.minimum()
    positions = [round(first + (last - first) * (i + 1) / steps) for i in range(steps)]
    sent: list[tuple[float, float]] = []  # (value, when)
    latencies: list[float] = []

    def shown(_id: int) -> None:
        value = (window.preview.on_screen or {}).get(key)
        if value is None:
            return
        now = time.perf_counter()
        while sent and _reached(sent, value):
            latencies.append((now - sent.pop(0)[1]) * 1000.0)

    preview = window.preview
    preview.shown.connect(shown)
    preview.draft_shown.connect(shown)
    cpu, start = _cpu_ms(), time.perf_counter()
    watchdog.resume()
    slider.setSliderDown(True)
    for position in positions:
        sent.append((slider.number_at(position), time.perf_counter()))
        slider.setValue(position)
        _pump(STEP_MS / 1000.0)
    last_move = sent[-1][1] if sent else time.perf_counter()
    slider.setSliderDown(False)
    _wait(lambda: not sent, 120.0)
    final = slider.number_at(positions[-1])
    _wait(lambda: abs((preview.sliders or {}).get(key, final + 1) - final) < 1e-9, 120.0)
    settle = (time.perf_counter() - last_move) * 1000.0
    watchdog.stop()
    preview.shown.disconnect(shown)
    preview.draft_shown.disconnect(shown)
    wall = (time.perf_counter() - start) * 1000.0
    return {"moves": len(positions), "latencies": latencies, "settle": settle, "wall": wall,
            "cpu": _cpu_ms() - cpu}


def _reached(sent: list[tuple[float, float]], value: float) -> bool:
    """True when the shown ``value`` is the oldest unresolved move's or past it (the moves
    go one way)."""
    oldest, newest = sent[0][0], sent[-1][0]
    return value >= oldest - 1e-9 if newest >= oldest else value <= oldest + 1e-9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo")
    parser.add_argument("--drags", default=",".join(DRAGS))
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args(argv)

    studio_app.make_application()
    helper = studio_app.start_face_helper()  # as the studio runs: dlib's lock-holding work there
    window = studio_app.QtStudioWindow()  # the window, as the studio makes it
    window.resize(1600, 1000)
    window.show()
    studio_app.keep_start_up_objects()  # as the studio starts
    _pump(0.3)
    opened = open_figures(window, args.photo)
    _pump(1.0)  # the likeness of the first preview, the get-ready work
    watchdog = QtWatchdog(window)
    watchdog.start()
    watchdog.stop()
    drags = {key: drag_figures(window, key, args.steps, watchdog)
             for key in args.drags.split(",") if key in window.panel.rows}
    every = [ms for drag in drags.values() for ms in drag["latencies"]]
    result = {
        "open": opened,
        "drag": {
            "median": round(float(np.median(every)), 1),
            "p95": round(float(np.percentile(every, 95)), 1),
            "moves": len(every),
            "cpu_per_move": round(sum(d["cpu"] for d in drags.values()) / max(len(every), 1), 1),
            "settle_median": round(float(np.median([d["settle"] for d in drags.values()])), 1),
            "by_slider": {key: {"median": round(float(np.median(d["latencies"])), 1),
                                "p95": round(float(np.percentile(d["latencies"], 95)), 1),
                                "settle": round(d["settle"], 1)}
                          for key, d in drags.items()},
        },
        "window_blocked_max": round(watchdog.longest_ms, 1),
        "window_busy_max": round(watchdog.longest_busy_ms, 1),
    }
    print(json.dumps(result))
    window.document.set_dirty(False)
    window.close()
    studio_app.stop_face_helper(helper)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every drawing path of the studio, many thousand times, watching the reference count of None.

Run as a script (tests/ui/test_qt_refcount.py runs it in a subprocess, so an abort fails one test
instead of ending the run): ``python tests/helpers/qt_drawing.py [ROUNDS]``. It opens the built-in
sample in the real studio window (offscreen) and drives each path on its own, measuring
``sys.getrefcount(None)`` before and after. One line per path::

    path <name> calls=<N> delta=<D>

then ``worst <D>`` and exit 0 when every |delta| is within :data:`NOISE`, else exit 1.

Why: PySide6-Essentials 6.12.0 drops a reference to None on every call of a binding method that
returns nothing (QPainterPath.addEllipse, lineTo, QPainter.drawLine, ...): -1 per call. On
Python 3.11 None is not immortal, so after a few thousand calls the interpreter aborts with
"Fatal Python error: none_dealloc" (issue 26: the studio vanished in a group photo). The script
holds :data:`SPARE_NONE` extra references so such a binding shows its figures here instead of
aborting half-way (the test fails either way).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: References to None a path may lose. A correct binding loses none: what moves the count down
#: by a few is Python's own bookkeeping (a cache or free list trimmed, a table resized), a
#: one-off; measured 0 on every path with 6.11.3. A binding that loses one reference per call
#: (6.12.0) loses as many as it makes calls: thousands per path here. Lost references are what
#: aborts the interpreter when the count reaches zero.
NOISE = 16
#: References to None a path may gain per round. PySide6 itself (6.11.3 and 6.12.0 alike) keeps
#: 6 more per QPainter begun on a new paint device (the LinkedIn circle) and 1 more per graphics
#: item freed after it was in a scene or had children (the landmarks): measured +12.25 per
#: landmarks round, +6 per circle. A gain never aborts (None is never freed; the count cannot
#: overflow) and holds no memory (0 MB over 200,000 painters); this only catches a gross change.
GAIN_PER_ROUND = 32
#: Extra references to None held while measuring (see the module's docstring).
SPARE_NONE = 2_000_000
#: Times each path is driven by default (each round makes dozens to hundreds of binding calls).
ROUNDS = 100
WAIT_S = 120.0


def _wait(app, done, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.005)


def _idle(window) -> bool:
    runners = (*window.runners, window.amount.runner, window.amount.measurer,
               window.opener.quick_runner)
    return not window.opener.opening and not any(r.is_busy for r in runners)


def _open_window(app):
    from studio.ui.qt_main import QtStudioWindow

    window = QtStudioWindow()
    window.resize(1100, 760)
    window.show()
    window.opener.open_path(None)  # the built-in sample
    _wait(app, lambda: not window.opener.opening and window.preview.pixels is not None, "the sample")
    _wait(app, lambda: window.panel.meter.percent is not None, "the likeness")
    _wait(app, lambda: _idle(window), "the workers")
    return window


def _faces(window):
    """Six faces for the canvas: the sample's, moved about (photo pixels)."""
    from studio.face.layers import head_outline

    face = window.document.faces[0]
    outline = head_outline(face)
    shifts = [(dx, dy) for dy in (-130.0, 130.0) for dx in (-170.0, 0.0, 170.0)]
    landmarks = [face.landmarks * 0.45 + np.array(s) + 140.0 for s in shifts]
    outlines = [outline * 0.45 + np.array(s) + 140.0 for s in shifts]
    return landmarks, outlines


def _mouse_move(canvas, x: float, y: float) -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    pos = QPointF(canvas.mapFromScene(QPointF(x, y)))
    event = QMouseEvent(QEvent.Type.MouseMove, pos, canvas.viewport().mapToGlobal(pos),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas.viewport(), event)


class Drawings:
    """One round of each drawing path, with the real widgets of a studio ``window``."""

    def __init__(self, window):
        from PySide6.QtWidgets import QApplication

        from studio.edits.marks import Mark
        from studio.ui.qt_canvas import OVERLAYS, QtCanvas, qimage_from_rgb8

        self.window, self.canvas, self.panel = window, window.canvas, window.panel
        self.landmarks, self.outlines = _faces(window)
        self.centres = [o.mean(axis=0) for o in self.outlines] + [np.array([5.0, 5.0])]
        photo = window.document.photo
        rgb8 = (np.clip(photo.pixels, 0, 1) * 255 + 0.5).astype(np.uint8)
        self.square = qimage_from_rgb8(rgb8[100:400, 100:400])
        h, w = rgb8.shape[:2]
        self.width = w
        yy, xx = np.mgrid[0:h, 0:w]
        self.masks = {
            name: ((xx - w / 2) ** 2 + (yy - h / 2) ** 2 < (k + 2) * 6000).astype(np.float32)
            for k, name in enumerate(n for n in OVERLAYS if n != "landmarks")
        }
        self.empty = QtCanvas()  # no photo: it draws the hint
        self.empty.resize(400, 300)
        self.compare = window.show_compare()  # four panes, rendered in the workers
        _wait(QApplication.instance(), lambda: self.compare.rendered() and _idle(window),
              "the panes")
        self.strokes = (
            Mark("heal", ((200.0, 240.0),), 9.0),
            Mark("keep", tuple((150.0 + 6 * i, 300.0 + 3 * np.sin(i)) for i in range(12)), 7.0),
            Mark("person", tuple((60.0 + 9 * i, 80.0 + 4 * i) for i in range(12)), 14.0),
            Mark("background", tuple((420.0, 60.0 + 8 * i) for i in range(10)), 11.0),
        )

    def paths(self) -> dict:
        """name -> one round of it (a function of the round number)."""
        return {
            "face outlines and hover": self.hover,
            "landmarks overlay": self.landmark_overlay,
            "mask overlays": self.mask_overlays,
            "split line and labels": self.split_and_labels,
            "crop frame, handles and circle": self.crop_frame,
            "marks": self.marks,
            "compare panes": self.compare_panes,
            "likeness meter and circle": self.meter_and_circle,
            "whole window": self.whole_window,
        }

    def hover(self, i: int) -> None:
        self.canvas.set_faces(self.outlines)
        for k in range(len(self.centres)):  # onto each face, then off them
            _mouse_move(self.canvas, *self.centres[(i + k) % len(self.centres)])
        self.canvas.viewport().grab()

    def landmark_overlay(self, i: int) -> None:
        self.canvas.set_overlay_visible("landmarks", True)
        self.canvas.set_landmarks(self.landmarks, i % len(self.landmarks))
        if i % 4 == 0:
            self.canvas.viewport().grab()

    def mask_overlays(self, i: int) -> None:
        from studio.ui.qt_canvas import OVERLAYS, qimage_from_mask

        for name, mask in self.masks.items():
            self.canvas.set_overlay_visible(name, True)
            self.canvas.set_overlay_image(name, qimage_from_mask(mask, OVERLAYS[name][0]))
        if i % 2 == 0:
            self.canvas.viewport().grab()
        for name in self.masks:
            self.canvas.set_overlay_visible(name, False)

    def split_and_labels(self, i: int) -> None:
        self.canvas.set_split(self.width * ((i % 9) + 1) / 10)
        self.canvas.set_showing_original(i % 3 == 0)
        self.canvas.viewport().grab()
        self.canvas.set_showing_original(False)
        self.empty.viewport().grab()

    def crop_frame(self, i: int) -> None:
        from studio.ui.qt_crop import FRAME_LABELS

        tool = self.window.crop_tool
        tool.set_active(True)
        tool.frame = FRAME_LABELS[i % len(FRAME_LABELS)][0]  # LinkedIn's draws the circle
        tool.item.update()
        self.canvas.viewport().grab()

    def marks(self, i: int) -> None:
        from studio.edits.marks import Mark

        live = Mark("heal", tuple((250.0 + 3 * k, 200.0 + 2 * k) for k in range(i % 8 + 1)), 8.0)
        self.window.marks.item.set_marks(self.strokes, live)
        self.window.marks.select(i % len(self.strokes))
        self.canvas.viewport().grab()

    def compare_panes(self, i: int) -> None:
        from studio.ui.qt_compare import CompareResult

        for k, pane in enumerate(self.compare.panes):
            self.compare._show(pane, CompareResult(self.square, 80.0 + (i + k) % 20))
        self.compare.zoom_by(1.25 if i % 2 else 0.8)
        self.compare.grab()

    def meter_and_circle(self, i: int) -> None:
        from studio.ui.qt_panel import face_thumbnail

        meter = self.panel.meter
        meter.set_percent([None, 99.0, 85.0, 60.0][i % 4], None if i % 2 else "Face 2")
        meter.grab()
        if i % 5 == 0:
            meter.set_pending()
            meter.grab()
        self.panel.circle.set_image(self.square if i % 3 else None)
        document = self.window.document
        face_thumbnail(document.photo.pixels, document.faces[0].box)

    def whole_window(self, i: int) -> None:
        (self.window if i % 2 == 0 else self.panel).grab()


def measure(app, step, rounds: int) -> int:
    for i in range(3):  # first calls fill caches (fonts, glyphs, type objects)
        step(i)
    app.processEvents()
    gc.collect()
    before = sys.getrefcount(None)
    for i in range(rounds):
        step(i)
    gc.collect()
    return sys.getrefcount(None) - before


def main(rounds: int) -> int:
    from PySide6 import __version__ as pyside

    from studio.ui import app as studio_app

    app = studio_app.make_application()
    window = _open_window(app)
    spare = [None] * SPARE_NONE  # noqa: F841 - held while measuring
    print(f"PySide6 {pyside}, Python {sys.version.split()[0]}, rounds {rounds}", flush=True)
    bad = []
    start = time.monotonic()
    for name, step in Drawings(window).paths().items():
        began = time.monotonic()
        delta = measure(app, step, rounds)
        if delta < -NOISE or delta > GAIN_PER_ROUND * rounds:
            bad.append(name)
        print(f"path {name}: delta={delta} "
              f"({time.monotonic() - began:.1f} s)", flush=True)
    print(f"lost at most {NOISE}, gained at most {GAIN_PER_ROUND} per round; "
          f"{len(bad)} paths outside: {', '.join(bad) or 'none'} "
          f"({time.monotonic() - start:.1f} s)", flush=True)
    window.document.set_dirty(False)
    window.close()
    app.processEvents()
    return 1 if bad else 0


import numpy as np  # noqa: E402 - after sys.path is set

if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS))

"""The live preview during a slider drag (issue 27): drafts while the hand moves, the full render
once it rests; the likeness, ``preview.pixels`` and what the export reads never come from a draft.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QImage  # noqa: E402

from studio.ui import qt_jobs  # noqa: E402
from studio.ui.engine import to_uint8  # noqa: E402
from tests.helpers.photos import face_photo  # noqa: E402
from tests.helpers.window import WAIT, open_and_wait, wait_for_preview  # noqa: E402

#: The slider dragged and the positions the hand passes, one every mouse frame (16 ms).
DRAGGED, POSITIONS = "smooth", range(10, 91, 8)


def _rgb(image: QImage) -> np.ndarray:
    """A QImage's pixels, uint8 (h, w, 3)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


def _detail(rgb8: np.ndarray) -> float:
    """Fine detail: the mean absolute Laplacian of the grey picture."""
    grey = cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean())


def _spy(monkeypatch) -> dict:
    """Record what the preview's workers render and measure: every full render's (sliders,
    pixels) and every picture the likeness is measured on."""
    seen = {"full": [], "likeness": []}
    render_job, likeness_job = qt_jobs.render_job, qt_jobs.likeness_job

    def full(preview, sliders, marks=()):
        result = render_job(preview, sliders, marks)
        seen["full"].append((dict(result.sliders), result.pixels))
        return result

    def likeness(preview, edited, *args):
        seen["likeness"].append(edited)
        return likeness_job(preview, edited, *args)

    monkeypatch.setattr(qt_jobs, "render_job", full)
    monkeypatch.setattr(qt_jobs, "likeness_job", likeness)
    return seen


def test_a_drag_shows_drafts_then_the_full_render_of_its_last_values(qtbot, make_window,
                                                                     monkeypatch):
    window = make_window()
    open_and_wait(qtbot, window, face_photo("deepface_img1.jpg"))  # 2.6 MP: a 2 MP proxy
    preview = window.preview
    qtbot.waitUntil(lambda: preview.engine.has_draft, timeout=WAIT)  # made once, in the background
    seen = _spy(monkeypatch)
    seen["full"].append((preview.sliders, preview.pixels))  # the preview before the drag
    drafts, pictures = [], []  # what each draft showed; every picture's value, in order

    def on_draft(_id: int) -> None:
        drafts.append((dict(preview.on_screen), _rgb(window.canvas.pictures()[1].toImage()),
                       preview.sliders, preview.pixels))
        pictures.append(preview.on_screen[DRAGGED])

    preview.draft_shown.connect(on_draft)
    preview.shown.connect(lambda _id: pictures.append(preview.on_screen[DRAGGED]))
    slider = window.panel.rows[DRAGGED].slider
    slider.setSliderDown(True)  # the user drags
    for position in POSITIONS:
        slider.setValue(position)
        qtbot.wait(16)
    qtbot.waitUntil(lambda: bool(drafts), timeout=WAIT)
    slider.setSliderDown(False)  # and lets go
    last = window.document.sliders[DRAGGED]
    wait_for_preview(qtbot, window, **{DRAGGED: last})
    qtbot.waitUntil(lambda: preview.likeness_id == preview.render_id, timeout=WAIT)

    # A draft is the smaller render enlarged: the proxy's size, the same picture, less detail.
    values, image, _sliders, _pixels = drafts[-1]
    fresh = preview.engine.for_face(preview.engine.face_index)  # a fresh Retoucher
    full8 = to_uint8(fresh.render(values))
    assert image.shape == full8.shape
    assert np.abs(image.astype(np.float32) - full8).mean() < 4.0  # of 255
    assert _detail(image) < 0.8 * _detail(full8)
    # The preview never showed an older value after a newer one, and ends on the last one.
    assert pictures == sorted(pictures) and pictures[-1] == last
    # A draft never became the preview's pixels or sliders: those are a full render's.
    full = seen["full"]
    for _values, _image, sliders, pixels in drafts:
        assert any(p is pixels and s == sliders for s, p in full)
    # After the drag: the full render of the last values, bit for bit a fresh one, on screen.
    assert preview.sliders == window.document.sliders == preview.on_screen
    assert np.array_equal(preview.pixels, fresh.render(window.document.sliders))
    assert np.array_equal(_rgb(window.canvas.pictures()[1].toImage()), to_uint8(preview.pixels))
    # The likeness was only ever measured on full renders, last on the one shown.
    assert seen["likeness"] and all(any(e is p for _s, p in full) for e in seen["likeness"])
    assert seen["likeness"][-1] is preview.pixels

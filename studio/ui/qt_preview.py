"""The live preview: renders of the edited proxy (cached, latest request wins), the likeness
meter, the full-size detail when zoomed in, mask overlays and the LinkedIn circle.

During a drag (a slider held down, or renders asked for faster than they finish) the preview
shows drafts, smaller renders enlarged (as Lightroom does); once the hand rests the full render
of the same values replaces the draft. A draft is only ever on the canvas: the likeness, the
circle, the export and ``pixels`` see full renders only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from studio.errors import LikenessError
from studio.face.layers import head_outline

from . import engine
from . import qt_jobs as jobs
from .qt_workers import QtLatestRunner

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel

    from .model import StudioDocument
    from .qt_canvas import QtCanvas
    from .qt_notice import Notices

#: Milliseconds the likeness waits for the preview to settle.
LIKENESS_SETTLE_MS = 350
#: Milliseconds without a newer request after which a drag's hand rests: the full render of
#: the drafted values replaces the draft (a 60 Hz mouse moves every 16 ms).
REST_MS = 50
#: Zoom, as a multiple of the proxy scale, above which the proxy would be magnified: the visible
#: region is then rendered at full size.
DETAIL_ZOOM_SLACK = 1.01
#: Recent previews kept (about 30 MB each at 2 MP) so undo and redo show at once.
RENDER_CACHE = 6
#: The overlays computed from the face's masks (landmarks are drawn from the points).
MASK_OVERLAYS = ("skin", "protected", "background")


def _cache_key(sliders: dict, marks: tuple = ()) -> tuple:
    return tuple(sorted(sliders.items(), key=lambda kv: kv[0])), marks


def _crown_in_photo(preview: engine.PreviewEngine) -> float | None:
    """Worker: the top of the chosen face's head in photo pixels (None: not found)."""
    crown = preview.crown()
    return None if crown is None else crown / preview.factor


class StudioPreview(QObject):
    """What is on screen for the open photo: ``engine`` renders it; ``pixels`` and ``sliders``
    are the edited proxy shown (request ``render_id``); ``likeness`` was measured on preview
    ``likeness_id``; ``on_screen`` are the sliders of the picture on the canvas (a draft's
    during a drag). Shows them on the canvas, the panel's likeness ``meter`` and ``circle``,
    and the status bar's ``render_time`` and ``zoom`` labels."""

    #: A new preview is on screen (its request id).
    shown = Signal(int)
    #: A drag's draft is on screen (its request id): ``on_screen`` holds its values.
    draft_shown = Signal(int)
    #: The likeness of the preview on screen was measured (percent, or None without a face).
    likeness_shown = Signal(object)
    #: The top of the chosen face's head, in photo pixels (None: not found, or being found).
    crown_found = Signal(object)

    def __init__(self, document: StudioDocument, canvas: QtCanvas, meter, circle,
                 status: tuple[QLabel, QLabel], notices: Notices, parent: QObject):
        super().__init__(parent)
        self.document, self.canvas, self.meter, self.circle = document, canvas, meter, circle
        self.render_time, self.zoom = status
        self.notices = notices
        self.engine: engine.PreviewEngine | None = None
        self.pixels: np.ndarray | None = None
        self.sliders: dict | None = None
        #: The marks the preview on screen shows.
        self.marks: tuple = ()
        self.render_id = 0
        self.likeness: float | None = None
        self.likeness_id = 0
        self.on_screen: dict | None = None
        #: A slider is held down (the window says so): each render request is a draft.
        self.dragging = False
        #: The values (cache key) drafted last whose full render is still owed.
        self._owed: tuple | None = None
        self._cache: dict[tuple, jobs.RenderResult] = {}
        self._matte: tuple = ()
        self.runners = {  # the renders shown as they come (a drag shows a render behind)
            name: QtLatestRunner(name, parent=parent, progressive=name == "render")
            for name in ("render", "likeness", "masks", "detail", "circle", "prepare", "crown")
        }
        done = {
            "render": self._on_render_done,
            "likeness": self._on_likeness_done,
            "masks": self._on_masks_done,
            "detail": self._on_detail_done,
            "circle": lambda _id, image: circle.set_image(image),
            "crown": self._on_crown_done,
        }
        for name, runner in self.runners.items():
            if name in done:
                runner.finished.connect(done[name])
            runner.failed.connect(self._on_failed)
        self._render_timer = QTimer(self, singleShot=True, interval=0)
        self._render_timer.timeout.connect(self._request_render)
        self._likeness_timer = QTimer(self, singleShot=True, interval=LIKENESS_SETTLE_MS)
        self._likeness_timer.timeout.connect(self.request_likeness)
        self._rest_timer = QTimer(self, singleShot=True, interval=REST_MS)
        self._rest_timer.timeout.connect(self._settle)

    # ------------------------------------------------------------------ a new photo
    def start(self, preview: engine.PreviewEngine) -> None:
        """A photo was opened: forget everything shown of the previous one."""
        for name in ("render", "detail", "likeness", "masks"):
            self.runners[name].cancel()
        self._cache.clear()
        self._owed = None
        self._rest_timer.stop()
        self.engine = preview
        self.pixels = None
        self.sliders = None
        self.on_screen = None
        self.likeness = None
        self.meter.set_empty()  # measured once the first preview settles

    def prepare(self) -> None:
        """Build the per-photo layers in the background, before the first slider move; find
        the top of the head (the crop tool's automatic framing keeps headroom above it)."""
        self.runners["prepare"].submit(self.engine.prepare)
        self.request_crown()

    def request_crown(self) -> None:
        self.crown_found.emit(None)
        if self.engine is not None:
            self.runners["crown"].submit(_crown_in_photo, self.engine)

    def _on_crown_done(self, _request_id: int, crown: float | None) -> None:
        self.crown_found.emit(crown)

    def show_faces(self) -> None:
        """Draw the faces' landmarks and drop masks of another face (recomputed if shown)."""
        canvas, faces = self.canvas, self.document.faces
        canvas.set_landmarks([f.landmarks for f in faces], self.engine.face_index)
        canvas.set_faces([head_outline(f) for f in faces])
        for name in MASK_OVERLAYS:
            canvas.set_overlay_image(name, None)
        if any(canvas.overlays_on[n] for n in MASK_OVERLAYS):
            self.request_masks()

    def set_retouched(self, retouched: str | tuple[int, ...]) -> None:
        """Retouch "primary", "all" or a tuple of faces (a new engine, the same proxy)."""
        if self.engine is None or self.engine.retouched == retouched:
            return
        self.engine = self.engine.for_retouched(retouched)
        self._cache.clear()
        self.runners["masks"].cancel()
        self.runners["prepare"].submit(self.engine.prepare_draft)
        self.show_faces()
        self.schedule_render()

    def set_face(self, index: int | None) -> None:
        if self.engine is None or self.engine.face_index == index:
            return
        self.engine = self.engine.for_face(index)
        self._cache.clear()
        self.runners["masks"].cancel()  # masks of the previous face must not arrive now
        self.runners["prepare"].submit(self.engine.prepare_draft)
        self.request_crown()
        self.show_faces()
        self.schedule_render()

    # ------------------------------------------------------------------ rendering
    def schedule_render(self) -> None:
        # 0 ms: several changes in one event-loop pass (a look, undo) become one request
        self.canvas.clear_detail()
        self.runners["detail"].cancel()  # a region rendered with the old values must not show
        self._render_timer.start()

    def _request_render(self) -> None:
        if self.engine is None:
            return
        sliders, marks = self.document.sliders, self.document.marks
        key = _cache_key(sliders, marks)
        cached = self._cache.get(key)
        self._owed = None
        if cached is not None:
            # a render in flight is now stale: the cached one is newer
            self._show_render(self.runners["render"].cancel(), cached)
            return
        self.meter.set_pending()
        if self._drafting():
            self._owed = key
            self._rest_timer.start()
            self.runners["render"].submit(jobs.draft_job, self.engine, sliders, marks)
        else:
            self.runners["render"].submit(jobs.render_job, self.engine, sliders, marks)
        if self.canvas.overlays_on.get("background") and self._matte_changed(marks):
            self.request_masks()

    def _drafting(self) -> bool:
        """A request is drafted while the hand moves: a slider is held down, or the last
        request's render has not finished yet."""
        return self.engine.has_draft and (self.dragging or self.runners["render"].is_busy)

    def set_dragging(self, held: bool) -> None:
        """Whether a slider is held down; once released the hand rests at once."""
        released, self.dragging = self.dragging and not held, held
        if released:
            self._rest_timer.stop()
            self._settle()

    def _settle(self) -> None:
        """The hand rests (no request for ``REST_MS``, the draft done): render the drafted
        values in full, to replace the draft."""
        if (self._owed is None or self._rest_timer.isActive() or self._render_timer.isActive()
                or self.runners["render"].is_busy):
            return  # no draft to replace; the hand moves; a newer request comes; a render runs
        owed, self._owed = self._owed, None
        sliders, marks = self.document.sliders, self.document.marks
        if owed == _cache_key(sliders, marks):
            self.runners["render"].submit(jobs.render_job, self.engine, sliders, marks)

    def _matte_changed(self, marks: tuple) -> bool:
        """The person / background strokes differ from the ones the masks were made with."""
        matte = tuple(m for m in marks if m.kind in ("person", "background"))
        changed, self._matte = matte != self._matte, matte
        return changed

    def _on_render_done(self, request_id: int, result) -> None:
        if isinstance(result, jobs.DraftResult):
            self._show_draft(request_id, result)
            self._settle()
            return
        self._cache[_cache_key(result.sliders, result.marks)] = result
        while len(self._cache) > RENDER_CACHE:
            self._cache.pop(next(iter(self._cache)))
        self._show_render(request_id, result)

    def _show_draft(self, request_id: int, result: jobs.DraftResult) -> None:
        """A drag's draft on the canvas only; the likeness waits for the full render."""
        self.on_screen = result.sliders
        self._likeness_timer.stop()
        self.runners["likeness"].cancel()
        self.canvas.set_after(result.image)
        self.render_time.setText(f"draft {result.seconds * 1000:.0f} ms")
        self.draft_shown.emit(request_id)

    def _show_render(self, request_id: int, result: jobs.RenderResult) -> None:
        self.pixels = result.pixels
        self.sliders = self.on_screen = result.sliders
        self.marks = result.marks
        self.render_id = request_id
        self.canvas.set_after(result.image)
        self.render_time.setText(f"preview {result.seconds * 1000:.0f} ms")
        self._likeness_timer.start()
        self.update_circle()
        self.view_changed()
        self.shown.emit(request_id)

    def update_circle(self) -> None:
        """Redraw the LinkedIn circle from the shown preview and the document's framing."""
        if self.engine is None or self.pixels is None:
            return
        document = self.document
        self.runners["circle"].submit(
            jobs.circle_job, self.engine, self.pixels, document.crop, document.angle
        )

    # ------------------------------------------------------------------ likeness
    def request_likeness(self) -> None:
        if self.engine is None or self.pixels is None:
            return
        if self.engine.face is None:
            self.likeness = None
            self.meter.set_percent(None)
            self.likeness_shown.emit(None)
            return
        self.runners["likeness"].submit(
            jobs.likeness_job, self.engine, self.pixels, self.render_id,
            self.document.identity,
        )

    def _on_likeness_done(self, _request_id: int, result: jobs.LikenessResult) -> None:
        if result.render_id != self.render_id:
            return  # measured on a preview that is no longer shown
        self.likeness = result.percent
        self.likeness_id = result.render_id
        whose = None if result.face is None else f"Face {result.face + 1}"
        self.meter.set_percent(result.percent, whose)
        self.meter.set_like_you(result.like_you)
        self.likeness_shown.emit(result.percent)

    def _on_failed(self, _request_id: int, error: LikenessError) -> None:
        self.notices.error(str(error))

    # ------------------------------------------------------------------ zoom detail
    def view_changed(self) -> None:
        """Zoomed in past the proxy's scale: render the visible region at full size."""
        canvas = self.canvas
        preview = self.engine
        zoom = canvas.zoom
        self.zoom.setText(f"{zoom * 100:.0f}%")
        if preview is None or preview.factor >= 1.0 or canvas.showing_original:
            return
        if zoom <= preview.factor * DETAIL_ZOOM_SLACK:
            self.runners["detail"].cancel()
            canvas.clear_detail()
            return
        rect = canvas.visible_rect()
        if rect[2] - rect[0] < 2 or rect[3] - rect[1] < 2:
            return
        document = self.document
        self.runners["detail"].submit(
            jobs.detail_job, preview, rect, document.sliders, document.marks
        )

    def _on_detail_done(self, _request_id: int, result: jobs.DetailResult) -> None:
        self.canvas.set_detail(result.x, result.y, result.before, result.after)

    # ------------------------------------------------------------------ overlays
    def request_masks(self) -> None:
        if self.engine is not None and self.engine.face is not None:
            self.runners["masks"].submit(jobs.masks_job, self.engine, self.document.marks)

    def _on_masks_done(self, _request_id: int, images: dict) -> None:
        scale = 1.0 / self.engine.factor if self.engine else 1.0
        for name, image in images.items():
            self.canvas.set_overlay_image(name, image, scale)

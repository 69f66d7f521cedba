"""The studio's background jobs: plain functions run by the window's workers, each handing
back a named result (no Qt widgets here; QImages are built off the GUI thread)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from studio.errors import LikenessError, SessionError
from studio.imaging import load_proxy
from studio.imaging.export import ExportSettings, plan_crop
from studio.imaging.framing import straighten
from studio.session import default_session_path, file_sha256, find_source, load_session

from . import engine
from .qt_autosave import crashed_autosave_for
from .qt_canvas import OVERLAYS, qimage_from_mask, qimage_from_rgb8


@dataclass
class OpenResult:
    """What the open worker hands back to the GUI thread.

    ``session`` is what the sliders start from: the session file opened, the session saved
    beside the photo, or a crashed studio's autosave of it (``restored`` says which:
    "session", "beside" or "autosave"); None starts neutral. ``session_path`` is where the
    session is saved; ``autosave_file`` the crashed autosave taken over; ``note`` says why a
    saved session was not used.
    """

    photo: object
    analysis: object
    preview: engine.PreviewEngine
    before8: np.ndarray
    sha256: str | None
    session: object = None
    session_path: Path | None = None
    restored: str | None = None
    autosave_file: Path | None = None
    note: str | None = None


def saved_work(path: Path, sha: str | None) -> dict:
    """The session saved beside a photo (when it was made on these bytes) and, when newer, the
    autosave a crashed studio left of it: what the photo reopens with."""
    beside = default_session_path(path)
    found: dict = {}
    saved_at = 0.0
    if beside.is_file():
        try:
            session = load_session(beside)
        except LikenessError as error:
            found["note"] = f"The saved session was not used: {error}"
        else:
            if session.source is not None and session.source.sha256 == sha:
                found.update(session=session, session_path=beside, restored="beside")
                saved_at = beside.stat().st_mtime
            else:
                found["note"] = f"{beside.name} was made on another version of this photo: not used"
    crashed = crashed_autosave_for(path, sha, newer_than=saved_at)
    if crashed is not None:
        found.update(session=crashed[0], restored="autosave", autosave_file=crashed[1])
    return found


def _marks_checked(found: dict, sha: str | None, shape: tuple[int, int]) -> dict:
    """``found`` when its session's marks are within the photo's limits (``check_marks``).
    Else the session opened by the user fails to open (SessionError); one found beside the
    photo, or an autosave, is not used, and a note says why."""
    session = found.get("session")
    if session is None or sha is None:
        return found
    try:
        session.marks_for(sha, shape)
    except SessionError as error:
        if found.get("restored") == "session":
            raise
        return {"note": f"The saved session was not used: {error}"}
    return found


def open_job(path: Path | None, as_session: bool) -> OpenResult:
    """Worker: read a photo (or a session and its photo), find faces, prepare the proxy."""
    found: dict = {}
    if as_session:
        found.update(session=load_session(path), session_path=path, restored="session")
        path = find_source(found["session"])
    photo, analysis = engine.open_photo(path)
    sha = file_sha256(path) if path is not None else None
    if path is not None and not as_session:
        found = saved_work(path, sha)
    preview = engine.PreviewEngine(photo, analysis, None)
    found = _marks_checked(found, sha, (photo.height, photo.width))
    session = found.get("session")
    if session is not None:
        face = analysis.face(session.face)
        preview = preview.for_face(session.face if face is not None else None)
        if session.faces != "primary":  # "all", or faces chosen one by one
            preview = preview.for_retouched(session.faces)
    elif analysis.primary is not None:
        preview = preview.for_face(analysis.primary)
    return OpenResult(photo, analysis, preview, engine.to_uint8(preview.proxy), sha, **found)


@dataclass(frozen=True)
class QuickPreview:
    """A reduced decode of a photo being opened: its full size and the picture to show."""

    width: int
    height: int
    image: QImage


def quick_job(path: Path) -> QuickPreview:
    """Worker: a reduced decode (JPEG DCT scaling) to show at once; faces come later."""
    photo, factor = load_proxy(path, max_pixels=engine.PROXY_PIXELS)
    width, height = round(photo.width / factor), round(photo.height / factor)
    return QuickPreview(width, height, qimage_from_rgb8(engine.to_uint8(photo.pixels)))


@dataclass(frozen=True)
class RenderResult:
    """An edited proxy: the sliders it shows, its pixels, the picture and the time it took."""

    sliders: dict
    pixels: np.ndarray
    image: QImage
    seconds: float
    marks: tuple = ()


def render_job(preview: engine.PreviewEngine, sliders: dict, marks: tuple = ()) -> RenderResult:
    start = time.perf_counter()
    pixels = preview.render(sliders, marks)
    image = qimage_from_rgb8(engine.to_uint8(pixels))
    return RenderResult(sliders, pixels, image, time.perf_counter() - start, marks)


@dataclass(frozen=True)
class DraftResult:
    """A drag's draft: the sliders it shows, the picture (a smaller render enlarged to the
    proxy's size) and the time it took. It has no pixels: nothing but the screen reads it."""

    sliders: dict
    image: QImage
    seconds: float
    marks: tuple = ()


def draft_job(preview: engine.PreviewEngine, sliders: dict, marks: tuple = ()) -> DraftResult:
    start = time.perf_counter()
    image = qimage_from_rgb8(preview.render_draft(sliders, marks))
    return DraftResult(sliders, image, time.perf_counter() - start, marks)


def masks_job(preview: engine.PreviewEngine, marks: tuple | None = None) -> dict:
    masks = preview.masks(marks)
    return {
        name: qimage_from_mask(masks[name], OVERLAYS[name][0])
        for name in ("skin", "protected", "background")
        if name in masks
    }


@dataclass(frozen=True)
class DetailResult:
    """A region rendered at full size (zoomed in): its top-left corner, before and after."""

    x: int
    y: int
    before: QImage
    after: QImage


def detail_job(
    preview: engine.PreviewEngine, rect: tuple, sliders: dict, marks: tuple = ()
) -> DetailResult:
    detail = preview.render_region(rect, sliders, marks)
    h, w = detail.pixels.shape[:2]
    before = preview.photo.pixels[detail.y : detail.y + h, detail.x : detail.x + w]
    return DetailResult(
        detail.x,
        detail.y,
        qimage_from_rgb8(engine.to_uint8(before)),
        qimage_from_rgb8(engine.to_uint8(detail.pixels)),
    )


@dataclass(frozen=True)
class LikenessResult:
    """The likeness of one preview (``render_id``); None when the photo has no face."""

    render_id: int
    percent: float | None
    #: Whose likeness it is when several faces are retouched (index), else None.
    face: int | None = None
    #: How like the user's photos of themselves the preview is, percent (None: no photos).
    like_you: float | None = None


def likeness_job(
    preview: engine.PreviewEngine, edited: np.ndarray, render_id: int, identity=None
) -> LikenessResult:
    likeness = preview.likeness(edited)
    like_you = preview.like_you(edited, identity) if identity is not None else None
    return LikenessResult(render_id, likeness.percent,
                          likeness.face if len(preview.faces) > 1 else None, like_you)


def circle_job(
    preview: engine.PreviewEngine, edited: np.ndarray, crop=None, angle: float = 0.0
) -> QImage:
    """The LinkedIn framing of the edited proxy (what the circle preview shows): the user's
    crop (fractions of the straightened photo; trimmed square) and angle, or the automatic
    head-and-shoulders square."""
    h, w = edited.shape[:2]
    face = preview.face
    used, _notes = plan_crop(
        ExportSettings("linkedin"),
        w,
        h,
        None if face is None else face.landmarks,
        crop,
        angle=angle,
        crown_y=None if crop is not None else preview.crown(),
    )
    x0, y0, x1, y1 = used.pixels(w, h)
    turned = straighten(edited, angle) if angle else edited
    return qimage_from_rgb8(engine.to_uint8(turned[y0:y1, x0:x1]))

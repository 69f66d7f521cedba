"""The studio's calls into the lower layers, without Qt: what the background workers run.

Everything here may be slow (decode, face detection, rendering, likeness) and runs on a
worker thread; nothing here touches a widget.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from studio.edits.heal import with_source
from studio.edits.marks import Mark, scaled
from studio.face.types import Face, FaceAnalysis
from studio.imaging import load
from studio.imaging.colour import to_uint8 as to_uint8  # the window converts with it
from studio.imaging.framing import crown_of
from studio.imaging.photo import Photo
from studio.render import Retoucher, proxy_of
from studio.render.amount import STEP, amount_within
from studio.render.amount import scaled as scaled_by
from studio.render.marking import shifted

#: Pixels of the live-preview proxy (about a screen's worth).
PROXY_PIXELS = 2_000_000
#: Extra pixels rendered around the visible region at 100% zoom, so small pans need no render.
DETAIL_MARGIN = 64
#: A drag's draft: its share of the proxy's pixels (rendered while the hand moves, shown
#: enlarged to the proxy's size until the full render of the same values replaces it). An
#: eighth (about 0.25 MP: what a Fit view shows of a 24 MP photo) rather than a quarter:
#: drag medians 22-30 ms against 34-57 ms on the portrait, 35-41 against 47-65 on the close-up
#: (`likeness bench --studio`, idle, interleaved); at Fit the two cannot be told apart.
DRAFT_SHARE = 0.125
#: Proxies of fewer pixels get no draft: their renders are quick enough.
DRAFT_MIN_PIXELS = 500_000


def open_photo(path: str | Path | None) -> tuple[Photo, FaceAnalysis]:
    """Decode a photo (None: the built-in sample) and find its faces.

    Raises PhotoError (a LikenessError) with a one-line message for a bad file.
    """
    from studio.face import analyze_photo  # start-up
    from studio.imaging.sample import sample_photo  # start-up

    photo = sample_photo() if path is None else load(path)
    return photo, analyze_photo(photo)


@dataclass
class Detail:
    """A full-resolution piece of the edited photo: ``pixels`` whose top-left is at (x, y)."""

    x: int
    y: int
    pixels: np.ndarray
    request: tuple


@dataclass(frozen=True)
class _Draft:
    """A drag's draft: its prepared Retoucher and its pixels per proxy pixel (< 1)."""

    retoucher: object
    factor: float


@dataclass(frozen=True)
class _Shown:
    """A preview's likeness and likeness to you, percent (None: not measured)."""

    percent: float | None
    like_you: float | None


class PreviewEngine:
    """The live preview of one photo and one chosen face: a proxy and its Retoucher.

    ``render`` and ``masks`` work on the proxy (``factor`` = proxy pixels per photo pixel,
    <= 1). ``render_region`` renders a piece of the full-resolution photo for 100% zoom.
    Safe to call from several worker threads (calls are serialised).
    """

    def __init__(
        self,
        photo: Photo,
        analysis: FaceAnalysis,
        face_index: int | None = None,
        proxy: tuple[np.ndarray, FaceAnalysis, float] | None = None,
        retouched: str | tuple[int, ...] = "primary",
    ):
        self.photo = photo
        self.analysis = analysis
        self.face_index = face_index
        #: Which faces are retouched ("primary", "all" or a tuple of indices; the chosen one
        #: goes first: its masks are shown).
        self.retouched = retouched
        if proxy is None:
            proxy = proxy_of(photo.pixels, analysis, max_pixels=PROXY_PIXELS)
        self.proxy, self.proxy_analysis, self.factor = proxy
        self._lock = threading.Lock()  # the proxy's Retoucher
        self._detail_lock = threading.Lock()  # the 100% zoom region's (never waits for the proxy)
        self._retoucher = None
        self._draft_lock = threading.Lock()  # the draft's Retoucher (never waits for the proxy)
        self._draft: _Draft | None = None
        self._masks: dict[str, np.ndarray] | None = None
        self._detail_key: tuple | None = None
        self._detail_retoucher = None

    def for_face(self, face_index: int | None) -> PreviewEngine:
        """The same photo and proxy with another face chosen."""
        return PreviewEngine(
            self.photo,
            self.analysis,
            face_index,
            proxy=(self.proxy, self.proxy_analysis, self.factor),
            retouched=self.retouched,
        )

    @property
    def everyone(self) -> bool:
        return self.retouched == "all"

    def for_everyone(self, everyone: bool) -> PreviewEngine:
        """The same photo, proxy and chosen face, retouching every face or only that one."""
        return self.for_retouched("all" if everyone else "primary")

    def for_retouched(self, retouched: str | tuple[int, ...]) -> PreviewEngine:
        """The same photo, proxy and chosen face, retouching the faces of ``retouched``."""
        return PreviewEngine(
            self.photo,
            self.analysis,
            self.face_index,
            proxy=(self.proxy, self.proxy_analysis, self.factor),
            retouched=retouched,
        )

    @property
    def faces(self) -> list[int]:
        """The faces retouched (indices), the chosen one first; [] without a face."""
        return retouched_faces(self.analysis, self.face_index, self.retouched)

    @property
    def face(self) -> Face | None:
        """The chosen face in proxy pixels, or None."""
        return self.proxy_analysis.face(self.face_index)

    def _retoucher_now(self):
        if self._retoucher is None:
            self._retoucher = self._retoucher_of(self.proxy, self.proxy_analysis)
        return self._retoucher

    def _retoucher_of(self, pixels: np.ndarray, analysis: FaceAnalysis | None):
        """A preview Retoucher of ``pixels`` (the proxy or the draft) for the retouched faces."""
        faces = self.faces
        if len(faces) > 1:
            return Retoucher(pixels, analysis, faces=faces)
        return Retoucher(pixels, analysis, face_index=self.face_index)

    def prepare(self) -> None:
        """Prepare every edit's layers now, then the draft's (a worker calls this right after
        opening)."""
        self._retoucher_now().prepare_all()
        self.prepare_draft()

    # ---- a drag's draft
    def prepare_draft(self) -> None:
        """Make the draft (about ``DRAFT_SHARE`` of the proxy's pixels) and prepare its layers,
        once; a proxy of fewer than ``DRAFT_MIN_PIXELS`` gets none. Slow: a worker calls it."""
        h, w = self.proxy.shape[:2]
        if self._draft is not None or h * w < DRAFT_MIN_PIXELS:
            return
        with self._draft_lock:
            if self._draft is None:
                pixels, analysis, factor = proxy_of(
                    self.proxy, self.proxy_analysis, max_pixels=int(h * w * DRAFT_SHARE))
                retoucher = self._retoucher_of(pixels, analysis)
                retoucher.prepare_all()
                self._draft = _Draft(retoucher, factor)

    @property
    def has_draft(self) -> bool:
        """True once :meth:`prepare_draft` made the draft: :meth:`render_draft` is quick."""
        return self._draft is not None

    def render_draft(
        self, sliders: Mapping[str, float | str | None], marks: Sequence[Mark] = ()
    ) -> np.ndarray:
        """The edited draft enlarged to the proxy's size, uint8 (h, w, 3): for the screen
        only (what the likeness, the circle and an export read is :meth:`render`'s).
        ``marks`` in the photo's pixels. Needs :attr:`has_draft`."""
        h, w = self.proxy.shape[:2]
        with self._draft_lock:
            draft = self._draft
            if draft is None:
                raise RuntimeError("render_draft before prepare_draft made the draft")
            pixels = draft.retoucher.render(
                dict(sliders), scaled(marks, self.factor * draft.factor))
        return cv2.resize(to_uint8(pixels), (w, h), interpolation=cv2.INTER_LINEAR)

    def crown(self) -> float | None:
        """The top of the chosen face's head (hair included) in proxy pixels, from the
        person matte the background edits use (computed once), or None."""
        face = self.face
        if face is None:
            return None
        with self._lock:
            alpha = self._retoucher_now().layers.person_alpha
        return crown_of(alpha, face.landmarks)

    def render(
        self, sliders: Mapping[str, float | str | None], marks: Sequence[Mark] = ()
    ) -> np.ndarray:
        """The edited proxy, float32 (h, w, 3); ``marks`` in the photo's pixels."""
        with self._lock:
            return self._retoucher_now().render(dict(sliders), scaled(marks, self.factor))

    def masks(self, marks: Sequence[Mark] | None = None) -> dict[str, np.ndarray]:
        """The masks the edits use, on the proxy ("skin", "protected", "face", "background");
        with ``marks`` (photo pixels) the background follows their matte corrections."""
        with self._lock:
            retoucher = self._retoucher_now()
            if marks is not None:
                retoucher.set_marks(scaled(marks, self.factor))
            key = retoucher._marks.matte
            if self._masks is None or self._masks[0] != key:
                self._masks = (key, retoucher.masks())
            return self._masks[1]

    def suggest_marks(self) -> tuple[Mark, ...]:
        """Heal marks on spots and keep marks on moles of the chosen face, in photo pixels."""
        from studio.edits.suggest import suggest_marks  # start-up

        with self._lock:
            found = suggest_marks(self._retoucher_now().layers)
        return self.with_sources(scaled(found, 1.0 / self.factor))

    def face_too_small_to_suggest(self) -> bool:
        """True when the chosen face is too small (or missing) for suggested marks."""
        from studio.edits.suggest import too_small  # start-up

        with self._lock:
            return too_small(self._retoucher_now().layers)

    def with_sources(self, marks: Sequence[Mark]) -> tuple[Mark, ...]:
        """The marks with each heal mark's donor chosen on the full photo (a small patch each),
        so the preview, the 100% detail and the export copy the same skin."""
        return tuple(with_source(self.photo.pixels, m) for m in marks)

    def likeness(self, edited: np.ndarray):
        """The :class:`~studio.face.likeness.Likeness` of an edited proxy (the retouched face
        the edit changed most)."""
        from studio.render.everyone import lowest_likeness  # start-up

        return lowest_likeness(self.proxy, edited, self.proxy_analysis, self.faces)

    def like_you(self, edited: np.ndarray, identity) -> float | None:
        """How like ``identity`` (the user's photos, ``studio.face.reference``) the chosen face
        of an edited proxy is, percent; None without a face or a usable photo of the user."""
        from studio.face.likeness import face_descriptor  # start-up

        if self.face is None or identity is None or identity.mean is None:
            return None
        return identity.like_you(face_descriptor(edited, self.face))

    def amount_within(self, sliders: Mapping[str, object], least: float, most: float,
                      marks: Sequence[Mark] = (), exact: bool = False, to_me=None):
        """A look's :class:`~studio.render.amount.Amount`: the strongest amount <= ``most``
        whose preview (with ``marks``, photo pixels) keeps the likeness of the lowest
        retouched face at least ``least`` (``exact``: ``most`` itself), with the likeness of
        that preview: the figure the meter shows for it. ``to_me`` (the user's photos, the
        least likeness to them, percent): the preview also keeps that likeness to you, held
        as the CLI's ``--budget-to-me`` holds it (``studio.service.retouch.within_both``);
        the amount then says how like you its preview is (``like_you_percent``)."""
        figure = self._to_me_figure(least, to_me)
        shown: dict[str, _Shown] = {}

        def likeness_of(scaled_sliders: dict) -> float | None:
            pixels = self.render(scaled_sliders, marks)
            view = _Shown(self.likeness(pixels).percent,
                          None if figure is None else self.like_you(pixels, to_me[0]))
            shown[repr(sorted(scaled_sliders.items()))] = view
            return view.percent if figure is None else figure(view)

        found = amount_within(self.proxy, self.proxy_analysis, sliders, least, self.faces,
                              likeness_of, most=most, exact=exact)
        view = shown.get(repr(sorted(scaled_by(
            sliders, round(found.amount / STEP) * STEP).items())))
        if view is None:
            return found
        return replace(found, likeness_percent=view.percent, like_you_percent=view.like_you)

    def _to_me_figure(self, least: float, to_me):
        """:func:`~studio.service.retouch.within_both` for ``to_me`` on the preview; None
        without it, a face or usable photos of the user."""
        if to_me is None:
            return None
        from studio.service.retouch import least_like_you, within_both  # start-up

        identity, asked = to_me
        original = self.like_you(self.proxy, identity)
        if original is None:
            return None
        return within_both(least, least_like_you(asked, original), lambda view: view.like_you)

    def render_region(
        self,
        rect: tuple[int, int, int, int],
        sliders: Mapping[str, float | str | None],
        marks: Sequence[Mark] = (),
    ) -> Detail:
        """Render the photo's pixels in ``rect`` = (x0, y0, x1, y1) at full resolution.

        The region (plus a margin) is cut from the photo with the faces moved into its
        coordinates and rendered by its own Retoucher; radii are fractions of the IOD,
        so it matches the proxy's look. Its person matte is the preview's, cut to the region
        (found on the region alone, a shoulder far from the face would be background). Reused
        while the region stays inside the last one.
        """
        h, w = self.photo.height, self.photo.width
        x0, y0, x1, y1 = rect
        x0, y0 = max(int(x0) - DETAIL_MARGIN, 0), max(int(y0) - DETAIL_MARGIN, 0)
        x1, y1 = min(int(x1) + DETAIL_MARGIN, w), min(int(y1) + DETAIL_MARGIN, h)
        with self._detail_lock:
            key = self._detail_key
            if key is None or not (key[0] <= x0 and key[1] <= y0 and x1 <= key[2] and y1 <= key[3]):
                key = (x0, y0, x1, y1)
                crop = np.ascontiguousarray(self.photo.pixels[y0:y1, x0:x1])
                self._detail_retoucher = _region_retoucher(
                    crop, _shifted(self.analysis, x0, y0, x1, y1), self.faces, self.face_index
                )
                self._detail_retoucher.use_found_matte(self._matte_in(key))
                self._detail_key = key
            pixels = self._detail_retoucher.render(
                dict(sliders), shifted(marks, -key[0], -key[1])
            )
        return Detail(
            x=key[0],
            y=key[1],
            pixels=pixels,
            request=(key, tuple(sorted((k, v) for k, v in sliders.items())), tuple(marks)),
        )

    def _matte_in(self, region: tuple[int, int, int, int]) -> np.ndarray:
        """The preview's person matte (as found) over ``region`` (x0, y0, x1, y1) of the photo,
        at the photo's size."""
        with self._lock:
            alpha = np.asarray(self._retoucher_now().found_matte, np.float32)
        x0, y0, x1, y1 = region
        f = self.factor  # photo pixel x sits at proxy pixel (x + 0.5) * f - 0.5
        to_proxy = np.float32([[f, 0, (x0 + 0.5) * f - 0.5], [0, f, (y0 + 0.5) * f - 0.5]])
        return cv2.warpAffine(alpha, to_proxy, (x1 - x0, y1 - y0),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)


def _shifted(analysis: FaceAnalysis, x0: int, y0: int, x1: int, y1: int) -> FaceAnalysis:
    """The faces of ``analysis`` in the coordinates of the crop (x0, y0, x1, y1)."""
    faces = tuple(f.translated(x0, y0) for f in analysis.faces)
    return FaceAnalysis(width=x1 - x0, height=y1 - y0, faces=faces, primary=analysis.primary)


def retouched_faces(analysis: FaceAnalysis | None, face_index: int | None,
                    retouched: str | tuple[int, ...] | bool) -> list[int]:
    """The faces a studio edit retouches: the chosen one (default the largest), then the
    others of ``retouched`` ("all" or True: every face; a tuple: those faces; "primary" or
    False: none); [] without a face. Indices the photo does not have are left out."""
    if analysis is None or not analysis.faces:
        return []
    chosen = analysis.primary if face_index is None else face_index
    count = len(analysis.faces)
    if retouched is True or retouched == "all":
        others = range(count)
    elif isinstance(retouched, tuple):
        others = [i for i in retouched if 0 <= i < count]
    else:
        return [chosen]
    return [chosen] + [i for i in others if i != chosen]


def _region_retoucher(crop: np.ndarray, analysis: FaceAnalysis, faces: list[int], face_index):
    """The retoucher of a 100% zoom region: with several faces, those that reach into it."""
    if len(faces) > 1:
        h, w = crop.shape[:2]
        inside = [i for i in faces if _reaches(analysis.faces[i], w, h)]
        if len(inside) > 1:
            return Retoucher(crop, analysis, faces=inside)
        if inside:
            face_index = inside[0]
    return Retoucher(crop, analysis, face_index=face_index)


def _reaches(face: Face, width: int, height: int) -> bool:
    """True when the face's head region (1.5 IOD round its landmarks) meets the region."""
    x0, y0 = face.landmarks.min(axis=0) - 1.5 * face.iod
    x1, y1 = face.landmarks.max(axis=0) + 1.5 * face.iod
    return x1 > 0 and y1 > 0 and x0 < width and y0 < height

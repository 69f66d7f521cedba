"""The studio's calls into the lower layers, without Qt: what the background workers run.

Everything here may be slow (decode, face detection, rendering, likeness) and runs on a
worker thread; nothing here touches a widget.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.face.types import Face, FaceAnalysis
from studio.imaging.colour import to_uint8 as to_uint8  # the window converts with it
from studio.imaging.photo import Photo

#: Pixels of the live-preview proxy (about a screen's worth).
PROXY_PIXELS = 2_000_000
#: Extra pixels rendered around the visible region at 100% zoom, so small pans need no render.
DETAIL_MARGIN = 64


def open_photo(path: str | Path | None) -> tuple[Photo, FaceAnalysis]:
    """Decode a photo (None: the built-in sample) and find its faces.

    Raises PhotoError (a LikenessError) with a one-line message for a bad file.
    """
    from studio.face import analyze_photo
    from studio.imaging import load
    from studio.imaging.sample import sample_photo

    photo = sample_photo() if path is None else load(path)
    return photo, analyze_photo(photo)


@dataclass
class Detail:
    """A full-resolution piece of the edited photo: ``pixels`` whose top-left is at (x, y)."""

    x: int
    y: int
    pixels: np.ndarray
    request: tuple


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
    ):
        from studio.render import proxy_of

        self.photo = photo
        self.analysis = analysis
        self.face_index = face_index
        if proxy is None:
            proxy = proxy_of(photo.pixels, analysis, max_pixels=PROXY_PIXELS)
        self.proxy, self.proxy_analysis, self.factor = proxy
        self._lock = threading.Lock()  # the proxy's Retoucher
        self._detail_lock = threading.Lock()  # the 100% zoom region's (never waits for the proxy)
        self._retoucher = None
        self._masks: dict[str, np.ndarray] | None = None
        self._likeness_face: Face | None = None
        self._detail_key: tuple | None = None
        self._detail_retoucher = None

    def for_face(self, face_index: int | None) -> PreviewEngine:
        """The same photo and proxy with another face chosen."""
        return PreviewEngine(
            self.photo,
            self.analysis,
            face_index,
            proxy=(self.proxy, self.proxy_analysis, self.factor),
        )

    @property
    def face(self) -> Face | None:
        """The chosen face in proxy pixels, or None."""
        return self.proxy_analysis.face(self.face_index)

    def _retoucher_now(self):
        from studio.render import Retoucher

        if self._retoucher is None:
            self._retoucher = Retoucher(self.proxy, self.proxy_analysis, face_index=self.face_index)
        return self._retoucher

    def prepare(self) -> None:
        """Prepare every edit's layers now (a worker calls this right after opening)."""
        self._retoucher_now().prepare_all()

    def render(self, sliders: Mapping[str, float | str | None]) -> np.ndarray:
        """The edited proxy, float32 (h, w, 3)."""
        with self._lock:
            return self._retoucher_now().render(dict(sliders))

    def masks(self) -> dict[str, np.ndarray]:
        """The masks the edits use, on the proxy ("skin", "protected", "face", "background")."""
        with self._lock:
            if self._masks is None:
                self._masks = self._retoucher_now().masks()
            return self._masks

    def likeness(self, edited: np.ndarray) -> float | None:
        """Likeness distance between the original proxy and an edited proxy (None: no face)."""
        from studio.face import likeness_distance
        from studio.face.likeness import relocate

        face = self.face
        if face is None:
            return None
        with self._lock:
            if self._likeness_face is None:
                # landmarks found on the proxy itself, as they are on the edit: an unchanged
                # preview then measures exactly 0 (scaled full-size landmarks differ slightly)
                self._likeness_face = relocate(face, self.proxy)
            face = self._likeness_face
        return likeness_distance(self.proxy, edited, face=face)

    def render_region(
        self, rect: tuple[int, int, int, int], sliders: Mapping[str, float | str | None]
    ) -> Detail:
        """Render the photo's pixels in ``rect`` = (x0, y0, x1, y1) at full resolution.

        The region (plus a margin) is cut from the photo with the faces moved into its
        coordinates and rendered by its own Retoucher; radii are fractions of the IOD,
        so it matches the proxy's look. Reused while the region stays inside the last one.
        """
        from studio.render import Retoucher

        h, w = self.photo.height, self.photo.width
        x0, y0, x1, y1 = rect
        x0, y0 = max(int(x0) - DETAIL_MARGIN, 0), max(int(y0) - DETAIL_MARGIN, 0)
        x1, y1 = min(int(x1) + DETAIL_MARGIN, w), min(int(y1) + DETAIL_MARGIN, h)
        with self._detail_lock:
            key = self._detail_key
            if key is None or not (key[0] <= x0 and key[1] <= y0 and x1 <= key[2] and y1 <= key[3]):
                key = (x0, y0, x1, y1)
                crop = np.ascontiguousarray(self.photo.pixels[y0:y1, x0:x1])
                self._detail_retoucher = Retoucher(
                    crop, _shifted(self.analysis, x0, y0, x1, y1), face_index=self.face_index
                )
                self._detail_key = key
            pixels = self._detail_retoucher.render(dict(sliders))
        return Detail(
            x=key[0],
            y=key[1],
            pixels=pixels,
            request=(key, tuple(sorted((k, v) for k, v in sliders.items()))),
        )


def _shifted(analysis: FaceAnalysis, x0: int, y0: int, x1: int, y1: int) -> FaceAnalysis:
    """The faces of ``analysis`` in the coordinates of the crop (x0, y0, x1, y1)."""
    faces = tuple(f.translated(x0, y0) for f in analysis.faces)
    return FaceAnalysis(width=x1 - x0, height=y1 - y0, faces=faces, primary=analysis.primary)

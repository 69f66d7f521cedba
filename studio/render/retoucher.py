"""The render pipeline: one photo, its prepared layers, any slider values -> pixels."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from studio.edits import (
    background,
    blemish,
    eyes,
    face_light,
    shadows,
    shine,
    smooth,
    teeth,
    warmth,
)
from studio.edits.layers import PhotoLayers
from studio.edits.light import apply_log_gain
from studio.edits.marks import Mark
from studio.edits.sliders import SLIDERS, check_sliders
from studio.errors import LikenessError
from studio.face.types import Face, FaceAnalysis
from studio.imaging.filters import row_bands
from studio.render.marking import PhotoMarks

#: Face edits in the order they are applied to the head's region: texture first (blemish,
#: smooth, shine), then light, then the eyes and teeth.
FACE_EDITS = (
    ("blemish", blemish),
    ("smooth", smooth),
    ("shine", shine),
    ("shadows", shadows),
    ("face_light", face_light),
    ("eyes", eyes),
    ("teeth", teeth),
)
BACKGROUND_KEYS = ("bg_blur", "bg_light", "bg_desaturate", "backdrop")
#: Largest photo whose person share is kept for fast background slider moves, pixels.
SHARES_MAX_PIXELS = 4_000_000


def normalise_sliders(sliders: Mapping[str, object]) -> dict[str, float | str | None]:
    """Validated slider values; missing keys and None (for numbers) mean neutral."""
    numbers = {s.key for s in SLIDERS if s.kind == "number"}
    return check_sliders({k: v for k, v in sliders.items() if not (v is None and k in numbers)})


class Retoucher:
    """Renders slider values on one photo; per-photo work is prepared lazily and cached.

    Parameters
    ----------
    pixels : float32 (H, W, 3) sRGB in [0, 1]; not modified, and must not be modified later.
    analysis : the photo's FaceAnalysis in the same pixel coordinates (or None).
    face_index : which face to retouch; None picks the primary (largest).
    """

    def __init__(
        self, pixels: np.ndarray, analysis: FaceAnalysis | None, face_index: int | None = None
    ):
        pixels = np.asarray(pixels)
        if pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(f"pixels must be (H, W, 3), not {pixels.shape}")
        self.pixels = np.ascontiguousarray(pixels, dtype=np.float32)
        self.analysis = analysis
        face: Face | None = None
        if analysis is not None and analysis.faces:
            face = analysis.face(face_index)
            if face is None:
                raise LikenessError(
                    f"there is no face number {face_index} (the photo has {len(analysis.faces)})"
                )
        self.face = face
        self.layers = PhotoLayers(self.pixels, face)
        self._prepared: dict[str, object] = {}
        self._lock = threading.RLock()
        # The last result of each render stage and the slider values it was made for.
        self._face_cache: tuple[tuple, np.ndarray] | None = None
        #: False for a one-off render (render_photo): no stage is kept.
        self._keep_stages = True
        self._background_cache: tuple[tuple, np.ndarray] | None = None
        self._warm_cache: tuple[tuple, np.ndarray] | None = None
        #: The warmth value the warm stage's own array was last made with.
        self._warm_value: float | None = None
        self._marks = PhotoMarks((), self.layers)

    def set_marks(self, marks: Sequence[Mark]) -> None:
        """Use these marks (in this photo's pixels) from the next render on; only the stages
        they change are made again (keep: the face stage; person / background: the matte and
        the background)."""
        with self._lock:
            old, new = self._marks, PhotoMarks(marks, self.layers)
            if new.marks == old.marks:
                return
            self._marks = new
            if new.keeps != old.keeps:
                self._face_cache = None
            if new.matte != old.matte:
                for key in ("alpha", "background", "shares"):
                    self._prepared.pop(key, None)
                self._background_cache = self._warm_cache = None

    # ---- cached preparation --------------------------------------------------------------
    def prepared(self, key: str):
        """The prepared layers of edit ``key`` (computed once)."""
        with self._lock:
            if key not in self._prepared:
                self._prepared[key] = self._prepare(key)
            return self._prepared[key]

    def _prepare(self, key: str):
        if key == "warmth":
            return warmth.prepare(self.layers)
        if key == "matte":
            return np.asarray(background.person_alpha(self.pixels, self.face), np.float32)
        if key == "alpha":
            return self._marks.alpha(self.prepared("matte"))
        if key == "background":
            return background.prepare_background(self.pixels, self.prepared("alpha"), self.face)
        if key == "shares":
            return background.person_share(
                self.pixels, self.prepared("background"), self.prepared("alpha")
            )
        module = dict(FACE_EDITS)[key]
        return module.prepare(self.layers)

    def prepare_all(self) -> None:
        """Prepare every layer now (e.g. in a worker, before the first slider move)."""
        for key, _ in FACE_EDITS:
            self.prepared(key)
        self.prepared("warmth")
        self.prepared("background")

    # ---- render ------------------------------------------------------------------------
    def render(
        self, sliders: Mapping[str, object], marks: Sequence[Mark] | None = None
    ) -> np.ndarray:
        """The photo with ``sliders`` and the marks applied, float32 (H, W, 3); ``marks`` (in
        this photo's pixels) replace the ones set before (None: keep them).

        Every slider neutral (or absent) returns a copy equal to the input bit for bit; the
        same input and sliders always give the same bits.

        Three stages, each cached for the last values that feed it, so a slider move redoes
        only its own stage and what follows: the face edits (head region only), the
        background (whole photo, on the original pixels), warmth (whole photo). The head
        region is then re-composited and re-warmed on its own: a face slider costs about
        the head's pixels, not the photo's. Every stage is per pixel outside the head, so the
        result does not depend on what was cached.
        """
        values = normalise_sliders(sliders)
        if marks is not None:
            self.set_marks(marks)
        if not self._keep_stages:
            return self._marks.heal(self._render_once(values))
        with self._lock:
            head = self._face_stage(values)
            background_key = tuple(values[k] for k in BACKGROUND_KEYS)
            warmth_key = (background_key, values["warmth"])
            # The stages' old arrays are written over when they are the stage's own (never
            # returned: render returns copies): fresh memory costs more than the arithmetic.
            old_background = self._own(self._background_cache)
            old_warm = self._own(self._warm_cache)
            if old_warm is not None and old_warm is old_background:
                old_warm = None
            if self._background_cache is None or self._background_cache[0] != background_key:
                # From the second background on (a background slider moves), the person's share
                # of every pixel is kept (on preview-sized photos: it is two photo-sized
                # arrays): then a move costs one multiply-add per pixel.
                h, w = self.pixels.shape[:2]
                shares = self._background_cache is not None and h * w <= SHARES_MAX_PIXELS
                self._background_cache = self._warm_cache = None
                # An old background array already holds the photo where the person is: only
                # the columns that show background are made again.
                self._background_cache = (
                    background_key,
                    self._background(self.pixels, values, shares=shares, out=old_background,
                                     person_ready=old_background is not None),
                )
            if self._warm_cache is None or self._warm_cache[0] != warmth_key:
                self._warm_cache = None
                base = self._background_cache[1]
                if values["warmth"] != 0 and old_warm is not base:
                    # Only the background changed since the old warm array was made with this
                    # warmth: the person's columns are warm already.
                    parts = None
                    if old_warm is not None and self._warm_value == values["warmth"]:
                        parts = self._open_parts()
                    warm = warmth.apply(
                        base, self.prepared("warmth"), warmth.Params(values["warmth"]),
                        out=old_warm, parts=parts,
                    )
                    self._warm_value = values["warmth"]
                else:
                    warm = base
                self._warm_cache = (warmth_key, warm)
            out = self._warm_cache[1].copy()
        if head is not None:
            roi = self.layers.roi
            out[roi] = self._warm(self._background(head, values, roi), values)
        return self._marks.heal(out)

    def _open_parts(self) -> list[tuple[slice, slice]] | None:
        """(rows, cols) of the photo where a background edit can change anything (the columns
        of each band that show some background), or None before the background is prepared."""
        if "background" not in self._prepared:
            return None
        h, w = self.pixels.shape[:2]
        runs_by_band = self.prepared("background").open_runs(slice(0, h), slice(0, w))
        return [
            (band, slice(c0, c1))
            for band, runs in zip(row_bands(h, w), runs_by_band, strict=True)
            for c0, c1, _ in runs
        ]

    def _own(self, cached: tuple[tuple, np.ndarray] | None) -> np.ndarray | None:
        """A cached stage's array when it is the stage's own (not the photo's pixels)."""
        if cached is None or cached[1] is self.pixels:
            return None
        return cached[1]

    def _render_once(self, values: dict) -> np.ndarray:
        """``render`` without keeping the stages (a full-size export): the same bits, without
        the stage caches' whole-photo copies (on a big photo fresh memory costs more than the
        arithmetic)."""
        head = self._face_stage(values)
        roi = self.layers.roi if head is not None else None
        out = np.empty_like(self.pixels)
        width = out.shape[1]
        warm = finish = region_finish = None
        if values["warmth"] != 0:
            prepared, params = self.prepared("warmth"), warmth.Params(values["warmth"])

            def warm(parts: list[tuple[slice, slice]]) -> None:
                warmth.apply(out, prepared, params, out=out, parts=parts)

            def finish(rows: slice) -> None:
                # Each band is white-balanced while the background's pixels are in the cache;
                # the head region is made again below, so it is left out.
                warm(_outside(rows, width, roi))

        def compose(pixels, region, target, on_band) -> None:
            # ``pixels`` with the background into ``target`` (or copied there), each band
            # handed to ``on_band`` once done.
            if self._background(pixels, values, region, out=target, finish=on_band) is pixels:
                target[...] = pixels
                if on_band is not None:
                    for rows in row_bands(*pixels.shape[:2]):
                        on_band(rows)

        # One photo-sized array, written by the background and warmed band by band.
        compose(self.pixels, None, out, finish)
        if head is not None:
            # The head region straight into its place in the output, warmed band by band too.
            top, cols = roi[0].start, roi[1]
            if warm is not None:
                def region_finish(rows: slice) -> None:
                    warm([(slice(top + rows.start, top + rows.stop), cols)])

            compose(head, roi, out[roi], region_finish)
        return out

    def _face_stage(self, values: dict) -> np.ndarray | None:
        """The head region (ROI) with the face edits, clipped to [0, 1]; None when none is on."""
        if not self.layers.has_face or all(values[k] == 0 for k, _ in FACE_EDITS):
            return None
        key = tuple(values[k] for k, _ in FACE_EDITS)
        if self._face_cache is not None and self._face_cache[0] == key:
            return self._face_cache[1]
        head = self.layers.image
        # The first edit that changes anything makes a new array; the next ones write into it.
        owned = False
        for edit, module in FACE_EDITS:
            if edit == "face_light":
                continue  # applied with shadows: one linear-light pass for both
            out = head if owned else None
            if edit == "shadows":
                new = self._relight(head, values, out)
            else:
                params = module.Params(values[edit])
                if params.is_neutral():
                    continue
                new = module.apply(head, self.prepared(edit), params, out=out)
            owned = owned or new is not head
            head = new
        # Edits may overshoot [0, 1] by a hair; only the edited region is clipped.
        if owned:
            np.clip(head, 0.0, 1.0, out=head)
        else:
            head = np.clip(head, 0.0, 1.0)
        head = self._marks.keep(head)
        self._face_cache = (key, head)
        return head

    def _background(
        self,
        pixels: np.ndarray,
        values: dict,
        region: tuple[slice, slice] | None = None,
        shares: bool = False,
        out: np.ndarray | None = None,
        person_ready: bool = False,
        finish=None,
    ) -> np.ndarray:
        """``pixels`` (the photo, or its ``region``) with the background edits, or as is;
        ``shares``: through the photo's prepared person share (whole photo only)."""
        if all(values[k] in (0.0, None) for k in BACKGROUND_KEYS):
            return pixels
        return background.apply_background(
            pixels,
            self.prepared("background"),
            self.prepared("alpha"),
            values["bg_blur"],
            values["bg_light"],
            values["bg_desaturate"],
            values["backdrop"],
            region=region,
            shares=self.prepared("shares") if shares else None,
            out=out,
            person_ready=person_ready,
            finish=finish,
        )

    def _warm(self, pixels: np.ndarray, values: dict) -> np.ndarray:
        """``pixels`` white-balanced by the warmth slider (clipped to [0, 1]), or as is."""
        if values["warmth"] == 0:
            return pixels
        return warmth.apply(pixels, self.prepared("warmth"), warmth.Params(values["warmth"]))

    def _relight(self, head: np.ndarray, values: dict, out: np.ndarray | None = None) -> np.ndarray:
        """face_light and shadows in one linear-light pass (their log gains add)."""
        gains = [
            module.log_gain(self.prepared(key), module.Params(values[key]))
            for key, module in (("shadows", shadows), ("face_light", face_light))
            if values[key] != 0
        ]
        gains = [g for g in gains if g is not None]
        if not gains:
            return head
        return apply_log_gain(head, gains[0] if len(gains) == 1 else gains[0] + gains[1], out)

    # ---- overlays ----------------------------------------------------------------------
    def masks(self) -> dict[str, np.ndarray]:
        """Full-size masks for overlays: "skin" (where skin edits may act), "protected", "face" (light edits' weight) and
        "background" (1 - person alpha); zeros for face masks when there is no face."""
        shape = self.pixels.shape[:2]
        behind = (1.0 - self.prepared("alpha")).astype(np.float32)
        if not self.layers.has_face:
            zeros = np.zeros(shape, np.float32)
            return {
                "skin": zeros,
                "protected": zeros.copy(),
                "face": zeros.copy(),
                "background": behind,
            }
        layers = self.layers
        return {
            "skin": layers.full(layers.skin_area),
            "protected": layers.full(layers.protected),
            "face": layers.full(layers.face_and_neck),
            "background": behind,
        }


def _outside(rows: slice, width: int, roi: tuple[slice, slice] | None) -> list[tuple[slice, slice]]:
    """The parts of a band of ``rows`` (all ``width`` columns) outside the region ``roi``."""
    if roi is None or rows.stop <= roi[0].start or rows.start >= roi[0].stop:
        return [(rows, slice(0, width))]
    parts = []
    top, bottom = max(rows.start, roi[0].start), min(rows.stop, roi[0].stop)
    if top > rows.start:
        parts.append((slice(rows.start, top), slice(0, width)))
    for cols in (slice(0, roi[1].start), slice(roi[1].stop, width)):
        if cols.stop > cols.start:
            parts.append((slice(top, bottom), cols))
    if bottom < rows.stop:
        parts.append((slice(bottom, rows.stop), slice(0, width)))
    return parts


def proxy_of(
    pixels: np.ndarray, analysis: FaceAnalysis | None, max_pixels: int = 2_000_000
) -> tuple[np.ndarray, FaceAnalysis | None, float]:
    """A screen proxy of at most ``max_pixels`` (area-averaged), its analysis scaled to match,
    and the scale factor (1.0 when the photo is already small enough; then pixels is returned)."""
    h, w = pixels.shape[:2]
    if h * w <= max_pixels:
        return pixels, analysis, 1.0
    factor = (max_pixels / (h * w)) ** 0.5
    size = (max(int(w * factor), 1), max(int(h * factor), 1))
    proxy = cv2.resize(np.asarray(pixels, np.float32), size, interpolation=cv2.INTER_AREA)
    factor = size[0] / w
    scaled = analysis.scaled(factor) if analysis is not None else None
    return np.ascontiguousarray(proxy, dtype=np.float32), scaled, factor


def render_photo(
    pixels: np.ndarray,
    analysis: FaceAnalysis | None,
    sliders: Mapping[str, object],
    face_index: int | None = None,
    marks: Sequence[Mark] = (),
) -> np.ndarray:
    """Render ``sliders`` and ``marks`` (in ``pixels``' coordinates) on the full-resolution
    ``pixels`` (float32 (H, W, 3))."""
    retoucher = Retoucher(pixels, analysis, face_index)
    retoucher._keep_stages = False
    return retoucher.render(sliders, marks)

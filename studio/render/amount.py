"""A look's amount: one factor (0..150%, like a preset amount in Lightroom) that scales its
face sliders, and the strongest amount that keeps the likeness within a budget (issue 20).

The search renders only the face: a crop around the head at about the size the likeness
descriptor reads it (dlib's 150 px chip), with its analysis moved to match; the likeness is
aligned by the original's landmarks, so this measures within about a point of the full size.
Likeness falls smoothly as the amount grows, so the search interpolates where the curve
crosses the budget (a secant on a log-log scale over 5% steps, a bisection when that
stalls): about three
renders, each of a few hundred thousand pixels. The prepared crop is kept for the next
search of the same photo (the studio's amount slider), so only the renders are repeated.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from studio.edits import protocol
from studio.edits.sliders import SLIDERS
from studio.face.types import FaceAnalysis
from studio.render.retoucher import Retoucher

#: The strongest amount offered (150%).
MOST = 1.5
#: Amounts are found to this step (5%): finer is below what the eye or the score tells apart.
STEP = 0.05
#: The inter-ocular distance the search renders the face at, pixels. dlib's chip puts the
#: eyes about 43 px apart; nearly twice that keeps the edits' fine scales (freckles, spots)
#: measurable while the crop stays a quarter of a screen proxy (at 64 px the
#: crop read 0.6 points above the full size, at 80 about 0.4).
SEARCH_IOD = 80.0
#: Photo kept around the landmarks, in IODs (left/right, above, below): the head region every
#: face edit works in (``PhotoLayers.roi``: 1, 1.4 and 2 IOD) and the chip's margin, with room
#: for the edits' blurs.
SEARCH_MARGINS = (1.5, 1.8, 2.4)


def unmeasured(steps: int) -> float:
    """The figure a search holds for a render none of whose retouched faces could be
    measured (the frame cuts each one): within the budget up to the look's own strength
    (100%), below it past that. A look is never pushed with nothing to check it by."""
    return 100.0 if steps <= round(1.0 / STEP) else 0.0


def scaled(sliders: Mapping[str, object], amount: float, held: Iterable[str] = ()) -> dict:
    """``sliders`` with every face slider multiplied by ``amount``, within its range; the
    ``held`` keys (values the user set by hand) stay as they are."""
    out, keys = dict(sliders), set(protocol.face_keys()) - set(held)  # not background, colour
    for spec in SLIDERS:
        value = out.get(spec.key)
        if spec.key in keys and spec.kind == "number" and isinstance(value, int | float):
            out[spec.key] = float(np.clip(float(value) * amount, spec.minimum, spec.maximum))
    return out


def held_keys(sliders: Mapping[str, object], look: Mapping[str, object]) -> tuple[str, ...]:
    """The face sliders of ``sliders`` set by hand over a ``look``'s (their value differs
    from the look's): a look's amount scales the look, never what the user set."""
    keys = protocol.face_keys()
    return tuple(k for k in keys if k in sliders and sliders.get(k) != look.get(k))


@dataclass(frozen=True)
class Amount:
    """amount : the factor found, 0..most (a multiple of STEP).
    likeness_percent : the likeness measured at that amount (None: no face).
    renders : how many renders the search took.
    like_you_percent : with a budget to the user's photos, the likeness to them at that
        amount (None: not measured)."""

    amount: float
    likeness_percent: float | None
    renders: int
    like_you_percent: float | None = None


def strongest_steps(
    likeness_at: Callable[[int], float], least: float, high: int, start: int | None,
    measured: Mapping[int, float] | None = None,
) -> int:
    """The most steps in 0..``high`` whose ``likeness_at(steps)`` is at least ``least``, the
    next step up measured below it (or ``high``); 0 (the unedited photo, likeness 100, never
    measured) when every step measured is below. ``start`` is the first guess; ``measured``
    holds likenesses already known (None: the first guess is interpolated from them).
    Likeness falls as the steps grow: each guess is where the curve through the nearest known
    points crosses ``least`` (:func:`_crossing`; a bisection after three guesses on one side),
    so a smooth curve takes three or four calls."""
    known = {0: 100.0, **(measured or {})}
    ok = max((s for s, v in known.items() if v >= least and s <= high), default=0)
    bad = min((s for s, v in known.items() if v < least and s > ok), default=None)
    sides: list[bool] = []
    guess = (_next_guess(known, ok, bad, least, high, False) if start is None
             else min(max(start, ok + 1), high))
    while ok < high and (bad is None or bad - ok > 1):
        if guess not in known:
            known[guess] = likeness_at(guess)
        within = known[guess] >= least
        ok, bad = (guess, bad) if within else (ok, guess)
        sides.append(within)
        stalled = len(sides) >= 3 and len(set(sides[-3:])) == 1  # one side for three guesses
        guess = _next_guess(known, ok, bad, least, high, stalled)
    return ok


def _next_guess(known: Mapping[int, float], ok: int, bad: int | None, least: float,
                high: int, bisect: bool) -> int:
    """The next steps to measure, strictly between ``ok`` and ``bad`` (or up to ``high``)."""
    top = high if bad is None else bad - 1
    if ok >= top:
        return top
    if bisect and bad is not None:
        return (ok + bad) // 2
    crossing = _crossing(known, ok, bad, least)
    if crossing is None:  # flat so far: the strongest allowed is the best guess
        return top
    return int(min(max(math.floor(crossing + 1e-6), ok + 1), top))


def _crossing(known: Mapping[int, float], ok: int, bad: int | None,
              least: float) -> float | None:
    """Where the likeness is expected to reach ``least``: the likeness lost grows as a power
    of the amount (a straight line for small edits, steeper where an edit starts to tell),
    the power fitted through the two measures nearest the budget on a log-log scale (1
    with one measure). None when nothing has been lost yet."""
    lost = {s: 100.0 - v for s, v in known.items() if s > 0 and v < 100.0}
    if not lost:
        return None
    a = ok if ok in lost else None
    b = bad if bad in lost else None
    if a is None and b is not None:  # nothing within measured yet: the next one above
        a = min((s for s in lost if s > b), default=None)
    if b is None and a is not None:  # nothing below the budget yet: the next one under
        b = max((s for s in lost if s < a), default=None)
    anchor = a if a is not None else b
    power = 1.0
    if a is not None and b is not None and a != b and lost[a] != lost[b]:
        power = math.log(lost[b] / lost[a]) / math.log(b / a)
        power = min(max(power, 0.3), 3.0)
    target = max(100.0 - least, 1e-6)
    return anchor * (target / lost[anchor]) ** (1.0 / power)


def strongest_amount(
    pixels: np.ndarray,
    analysis: FaceAnalysis | None,
    sliders: Mapping[str, object],
    least_percent: float,
    *,
    most: float = MOST,
    face_index: int | None = None,
    held: Iterable[str] = (),
    faces: Sequence[int] | None = None,
) -> Amount:
    """The strongest amount (<= ``most``) whose render of ``sliders`` keeps the likeness of
    the lowest of the retouched ``faces`` (indices; None: ``face_index`` alone) at least
    ``least_percent``; 0 when even the lightest step falls below it. Without a face the
    amount is ``most`` (nothing to keep). ``held`` keys are not scaled. Renders the face
    crops of :func:`face_search` (kept for the next search of the same photo): within about
    a point of the real render, which :func:`settle` then checks."""
    from studio.face.likeness import inside_frame, lowest_likeness  # start-up

    indices = [face_index] if faces is None else list(faces)
    found = [i for i in indices if analysis is not None and analysis.face(i) is not None]
    measured_faces = [i for i in found if inside_frame(analysis.face(i), pixels.shape)]
    searches = [face_search(pixels, analysis, i) for i in measured_faces]  # the cut: unread
    if not searches:  # no face (nothing to keep), or each cut by the frame (nothing to read)
        return Amount(min(most, 1.0) if found else most, None, 0)
    held = tuple(held)
    measured: dict[int, float] = {}

    def likeness_at(steps: int) -> float:
        chosen = scaled(sliders, steps * STEP, held)
        percents = [lowest_likeness(s.pixels, s.render(chosen), {0: s.face}).percent
                    for s in searches]
        measured[steps] = min((p for p in percents if p is not None), default=None)
        return unmeasured(steps) if measured[steps] is None else measured[steps]

    high = int(round(most / STEP + 1e-6))
    steps = strongest_steps(likeness_at, least_percent, high, min(round(1.0 / STEP), high))
    return Amount(round(steps * STEP, 2), measured.get(steps), len(measured))


def settle(steps: int, likeness_at: Callable[[int], float], least: float) -> int:
    """The strongest steps <= ``steps`` whose real render keeps the likeness at least
    ``least`` (``likeness_at(steps)``: the likeness of the render that is shown or written,
    measured as it is shown). The face crops' search measures within about a point of it,
    so this is one render when the search was right and a few (:func:`strongest_steps`)
    when not; 0 when even the lightest step measured is below."""
    first = likeness_at(steps)
    if first >= least or steps <= 0:
        return steps
    return strongest_steps(likeness_at, least, steps, None, measured={steps: first})


def amount_within(
    pixels: np.ndarray,
    analysis: FaceAnalysis | None,
    sliders: Mapping[str, object],
    least: float,
    faces: Sequence[int],
    likeness_of: Callable[[dict], float | None],
    *,
    most: float = MOST,
    exact: bool = False,
    held: Iterable[str] = (),
) -> Amount:
    """The strongest amount <= ``most`` whose real render keeps the likeness of the lowest
    of ``faces`` at least ``least``, and the likeness of that render: found on the face
    crops (:func:`strongest_amount`), then settled on the render ``likeness_of(sliders)``
    measures (the one shown or written). ``exact``: the amount is ``most`` itself, only
    measured. The likeness returned is always ``likeness_of``'s: the figure shown with the
    amount is the render's."""
    held = tuple(held)
    figures: dict[int, float | None] = {}

    def likeness_at(steps: int) -> float:
        if steps not in figures:
            figures[steps] = likeness_of(scaled(sliders, steps * STEP, held))
        return unmeasured(steps) if figures[steps] is None else figures[steps]

    steps = int(round(most / STEP + 1e-6))
    if not exact:
        found = strongest_amount(pixels, analysis, sliders, least, most=most, faces=faces,
                                 held=held)
        steps = settle(round(found.amount / STEP), likeness_at, least)
    likeness_at(steps)
    return Amount(round(steps * STEP, 2), figures[steps], len(figures))


class FaceSearch:
    """One face of a photo, cropped and shrunk to what the likeness reads (``pixels``,
    ``face``), with a retoucher that keeps its prepared edits between renders."""

    def __init__(self, pixels: np.ndarray, analysis: FaceAnalysis, face_index: int | None):
        face = analysis.face(face_index)
        assert face is not None
        factor = min(1.0, SEARCH_IOD / max(face.iod, 1.0))
        side, above, below = (m * face.iod for m in SEARCH_MARGINS)
        (x0, y0), (x1, y1) = face.landmarks.min(axis=0), face.landmarks.max(axis=0)
        h, w = pixels.shape[:2]
        left, top = max(int(x0 - side), 0), max(int(y0 - above), 0)
        right, bottom = min(int(math.ceil(x1 + side)), w), min(int(math.ceil(y1 + below)), h)
        crop = np.asarray(pixels[top:bottom, left:right], np.float32)
        size = (max(round(crop.shape[1] * factor), 1), max(round(crop.shape[0] * factor), 1))
        # Its own pixels either way: a kept search must not keep the whole photo alive.
        crop = (cv2.resize(crop, size, interpolation=cv2.INTER_AREA) if factor < 1.0
                else crop.copy())
        fx, fy = size[0] / (right - left), size[1] / (bottom - top)
        self.face = face.translated(left, top).scaled((fx, fy))
        self.pixels = np.ascontiguousarray(crop, dtype=np.float32)
        small = FaceAnalysis(width=size[0], height=size[1], faces=(self.face,), primary=0)
        self._retoucher = Retoucher(self.pixels, small, 0)

    def render(self, sliders: Mapping[str, object]) -> np.ndarray:
        return self._retoucher.render(sliders)


#: The last searches' crops, by the photo they were cut from (the studio's amount slider
#: searches the same proxy again and again). The photo is held weakly: a batch's photos are
#: freed as soon as they are written.
_searches: OrderedDict[tuple, tuple[weakref.ref, FaceSearch]] = OrderedDict()
_searches_lock = threading.Lock()
#: Crops kept: every face of a group photo whose faces are all retouched, and then some.
_KEPT = 12


def forget_searches() -> None:
    """Drop the kept crops (a photo closed; ``likeness bench`` times a first search)."""
    with _searches_lock:
        _searches.clear()


def face_search(pixels: np.ndarray, analysis: FaceAnalysis | None,
                face_index: int | None = None) -> FaceSearch | None:
    """The face crop a search renders (None without that face), kept for the same photo."""
    face = None if analysis is None else analysis.face(face_index)
    if face is None:
        return None
    key = (id(pixels), pixels.shape, face_index, face.landmarks.tobytes())
    with _searches_lock:
        kept = _searches.get(key)
        if kept is not None and kept[0]() is pixels:
            _searches.move_to_end(key)
            return kept[1]
    search = FaceSearch(pixels, analysis, face_index)
    with _searches_lock:
        _searches[key] = (weakref.ref(pixels), search)
        while len(_searches) > _KEPT:
            _searches.popitem(last=False)
    return search

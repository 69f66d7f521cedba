"""A look's amount: one factor (0..150%, like a preset amount in Lightroom) that scales its
face sliders, and the strongest amount that keeps the likeness within a budget (issue 20).

The search renders on a screen-size proxy (the likeness is aligned by the original's
landmarks, so a proxy measures within ~1 point of the full size) and bisects: likeness falls
as the amount grows, so a handful of renders of the face stage finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from studio.edits import protocol
from studio.edits.sliders import SLIDERS
from studio.face.types import FaceAnalysis

#: The strongest amount offered (150%).
MOST = 1.5
#: Amounts are found to this step (5%): finer is below what the eye or the score tells apart.
STEP = 0.05
#: The proxy the search renders on, pixels: the likeness chip is 150 px, so more adds nothing.
SEARCH_PIXELS = 600_000


def scaled(sliders: Mapping[str, object], amount: float) -> dict:
    """``sliders`` with every face slider multiplied by ``amount``, within its range."""
    out, keys = dict(sliders), protocol.face_keys()  # skin, light, eyes, teeth; not background
    for spec in SLIDERS:
        value = out.get(spec.key)
        if spec.key in keys and spec.kind == "number" and isinstance(value, int | float):
            out[spec.key] = float(np.clip(float(value) * amount, spec.minimum, spec.maximum))
    return out


@dataclass(frozen=True)
class Amount:
    """amount : the factor found, 0..most (a multiple of STEP).
    likeness_percent : the likeness measured at that amount on the proxy (None: no face).
    renders : how many renders the search took."""

    amount: float
    likeness_percent: float | None
    renders: int


def strongest_amount(
    pixels: np.ndarray,
    analysis: FaceAnalysis | None,
    sliders: Mapping[str, object],
    least_percent: float,
    *,
    most: float = MOST,
    face_index: int | None = None,
) -> Amount:
    """The strongest amount (<= ``most``) whose render of ``sliders`` keeps the likeness of the
    face at least ``least_percent``; 0 when even the lightest step falls below it. Without a
    face the amount is ``most`` (nothing to keep)."""
    from studio.face import likeness_percent
    from studio.face.likeness import likeness_distance
    from studio.render.retoucher import Retoucher, proxy_of

    if analysis is None or analysis.face(face_index) is None:
        return Amount(most, None, 0)
    proxy, small, _ = proxy_of(pixels, analysis, SEARCH_PIXELS)
    face = small.face(face_index)
    retoucher = Retoucher(proxy, small, face_index)
    measured: dict[int, float] = {}

    def likeness_at(steps: int) -> float:
        if steps not in measured:
            edited = retoucher.render(scaled(sliders, steps * STEP))
            percent = likeness_percent(likeness_distance(proxy, edited, face))
            measured[steps] = 100.0 if percent is None else percent
        return measured[steps]

    high = int(round(most / STEP))
    if likeness_at(high) >= least_percent:
        return Amount(high * STEP, measured[high], len(measured))
    low = 0  # the unedited photo is the original: likeness 100
    while high - low > 1:  # likeness falls as the amount grows: bisect on the steps
        middle = (low + high) // 2
        if likeness_at(middle) >= least_percent:
            low = middle
        else:
            high = middle
    return Amount(low * STEP, measured.get(low, 100.0), len(measured))

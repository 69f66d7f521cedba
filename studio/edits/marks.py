"""Marks: what the person painted on their photo — heal a spot, keep a mark, correct the matte.

A mark is a stroke (one or more points) with a radius, in the photo's own pixel coordinates
(after EXIF rotation, full resolution). The pipeline turns marks into masks at whatever scale
it renders (``Mark.scaled``), so a proxy and the full photo see the same marks.

Kinds:

``heal``
    the spot under the stroke is healed from the skin around it (``studio.edits.heal``);
``keep``
    every face edit leaves the pixels under it exactly as they are (like protected features);
``person`` / ``background``
    the person matte is corrected to person / background under the stroke, following the
    photo's edges (``corrected_alpha``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from studio.imaging.colour import REC709
from studio.imaging.filters import guided_filter

KINDS = ("heal", "keep", "person", "background")
#: Kinds that correct the person matte.
MATTE_KINDS = ("person", "background")
#: A mark's soft edge beyond its radius, as a share of the radius (at least a pixel and a half).
FEATHER = 0.5
#: Default brush radius as a share of the eye distance (a spot, a mole).
DEFAULT_RADIUS_IOD = 1 / 25
#: Most points in one stroke, in all the strokes of a session, and most marks in one session
#: (a session holds no pixels; the studio adds a point every quarter radius).
MAX_POINTS = 5000
MAX_SESSION_POINTS = 50_000
MAX_MARKS = 2000
#: The smallest brush radius, pixels of the photo (smaller changes no pixel it could show).
MIN_RADIUS = 0.5
#: A segment of a stroke is measured in pieces of at most this many times the distance
#: wanted (``Mark.distance``), each over its own few pixels.
PIECE_REACHES = 4
#: Edge threshold of the matte refinement (squared sRGB luma): hair against a wall is kept apart.
MATTE_EPS = 0.02**2

Box = tuple[slice, slice]


@dataclass(frozen=True)
class Mark:
    """One stroke.

    kind : one of ``KINDS``.
    points : ((x, y), ...) pixel centres in the photo's own coordinates; one point is a click.
    radius : brush radius in the photo's pixels (> 0).
    source : heal marks: where the texture is copied from, as an offset (dx, dy) in the
        photo's pixels (chosen once on the full photo, ``studio.edits.heal.with_source``, so
        the preview and the export copy the same skin); None: chosen when rendering.
    """

    kind: str
    points: tuple[tuple[float, float], ...]
    radius: float
    source: tuple[float, float] | None = None

    def scaled(self, factor: float) -> Mark:
        """The same mark on the photo resized by ``factor`` (pixel centres kept aligned, as
        ``Face.scaled`` does)."""
        if factor == 1.0:
            return self
        points = tuple(((x + 0.5) * factor - 0.5, (y + 0.5) * factor - 0.5) for x, y in self.points)
        source = None if self.source is None else (self.source[0] * factor, self.source[1] * factor)
        return Mark(self.kind, points, self.radius * factor, source)

    def moved(self, dx: float, dy: float) -> Mark:
        """The same mark moved by (dx, dy) pixels (into a crop's coordinates, say)."""
        return replace(self, points=tuple((x + dx, y + dy) for x, y in self.points))

    @property
    def reach(self) -> float:
        """How far from the stroke the mark changes anything, pixels (radius + feather)."""
        return self.radius + feather(self.radius)

    def box(self, shape: tuple[int, int], margin: float = 0.0) -> Box | None:
        """Rows and columns of an image of ``shape`` within ``reach + margin`` of the stroke,
        or None when that is outside the image."""
        pts = np.asarray(self.points, np.float64)
        grow = self.reach + margin + 1
        x0, y0 = np.floor(pts.min(axis=0) - grow).astype(int)
        x1, y1 = np.ceil(pts.max(axis=0) + grow).astype(int) + 1
        h, w = shape
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x0 >= x1 or y0 >= y1:
            return None
        return slice(y0, y1), slice(x0, x1)

    def distance(self, box: Box, within: float = math.inf) -> np.ndarray:
        """Distance in pixels from each pixel of ``box`` to the stroke (float32 (h, w)),
        exact up to ``within`` pixels; farther pixels hold a value above ``within`` (inf).

        Each segment is measured only near itself (``segment_pieces``): the work follows the
        area within ``within`` of the stroke, not the stroke's box times its points."""
        rows, cols = box
        best = np.full((rows.stop - rows.start, cols.stop - cols.start), np.inf, np.float32)
        pts = np.asarray(self.points, np.float32)
        pieces = [(pts[0], pts[0], near) for near in _near(pts[:1], within, box)]
        pieces += list(segment_pieces(pts, within, box))
        for (ax, ay), (bx, by), (near_rows, near_cols) in pieces:
            ys = np.arange(near_rows.start, near_rows.stop, dtype=np.float32)[:, None]
            xs = np.arange(near_cols.start, near_cols.stop, dtype=np.float32)[None, :]
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            if length2 == 0:
                here = np.hypot(xs - ax, ys - ay)
            else:
                t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0.0, 1.0)
                here = np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))
            local = (slice(near_rows.start - rows.start, near_rows.stop - rows.start),
                     slice(near_cols.start - cols.start, near_cols.stop - cols.start))
            np.minimum(best[local], here, out=best[local])
        return best

    def weight(self, box: Box) -> np.ndarray:
        """The mark's mask on ``box``: exactly 1 within the radius, fading smoothly to exactly
        0 at ``reach`` (float32 (h, w))."""
        return edge_weight(self.distance(box, within=self.reach), self.radius)

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "radius": self.radius, "points": [[x, y] for x, y in self.points]}
        if self.source is not None:
            out["source"] = list(self.source)
        return out


def segment_pieces(points: np.ndarray, within: float, box: Box):
    """``(a, b, near)`` for every segment a-b of the stroke ``points`` (float32 (n, 2)) with a
    length, ``near`` being the rows and columns of ``box`` within ``within`` pixels of one
    piece of it (a long segment is cut into pieces of at most ``PIECE_REACHES * within``, so
    a long diagonal does not bring its whole box); pieces away from ``box`` are left out."""
    a, b = points[:-1], points[1:]
    length = np.hypot(*(b - a).T) if len(points) > 1 else np.zeros(0)
    for i in np.flatnonzero(length > 0):
        count = 1 if not math.isfinite(within) else max(
            1, math.ceil(float(length[i]) / (PIECE_REACHES * max(within, 1.0))))
        ends = a[i] + (b[i] - a[i]) * np.linspace(0.0, 1.0, count + 1)[:, None]
        for near in _near(ends, within, box, pairs=True):
            yield a[i], b[i], near


def _near(ends: np.ndarray, within: float, box: Box, pairs: bool = False):
    """Rows and columns of ``box`` within ``within`` of each point of ``ends`` (or, with
    ``pairs``, of each piece between consecutive ends); the empty ones left out."""
    rows, cols = box
    grow = within + 1 if math.isfinite(within) else math.inf
    first, last = (ends[:-1], ends[1:]) if pairs else (ends, ends)
    low, high = np.minimum(first, last) - grow, np.maximum(first, last) + grow
    for (x0, y0), (x1, y1) in zip(low, high, strict=True):
        c0, c1 = max(cols.start, _floor(x0)), min(cols.stop, _ceil(x1) + 1)
        r0, r1 = max(rows.start, _floor(y0)), min(rows.stop, _ceil(y1) + 1)
        if c0 < c1 and r0 < r1:
            yield slice(r0, r1), slice(c0, c1)


def _floor(value: float) -> float:
    return math.floor(value) if math.isfinite(value) else value


def _ceil(value: float) -> float:
    return math.ceil(value) if math.isfinite(value) else value


def feather(radius: float) -> float:
    """The soft edge beyond a mark's radius, pixels."""
    return max(FEATHER * radius, 1.5)


def edge_weight(distance: np.ndarray, radius: float) -> np.ndarray:
    """1 where ``distance`` <= ``radius``, 0 beyond ``radius + feather``, smooth between."""
    t = np.clip((distance - radius) / feather(radius), 0.0, 1.0)
    return (1.0 - t * t * (3.0 - 2.0 * t)).astype(np.float32)


def scaled(marks: Iterable[Mark], factor: float) -> tuple[Mark, ...]:
    """Every mark on the photo resized by ``factor``."""
    return tuple(m.scaled(factor) for m in marks)


def of_kind(marks: Iterable[Mark], *kinds: str) -> tuple[Mark, ...]:
    return tuple(m for m in marks if m.kind in kinds)


# ----------------------------------------------------------------------------- masks
def mask(marks: Iterable[Mark], shape: tuple[int, int], origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The union (max) of the marks' weights on an image of ``shape`` whose top-left pixel is
    the photo's pixel ``origin`` (row, column); float32 (h, w), exactly 0 away from them."""
    out = np.zeros(shape, np.float32)
    top, left = origin
    for mark in marks:
        moved = mark.moved(-left, -top)
        box = moved.box(shape)
        if box is not None:
            np.maximum(out[box], moved.weight(box), out=out[box])
    return out


def keep_original(edited: np.ndarray, original: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``edited`` (in place) with ``original``'s pixels where the keep mask is 1 (exactly, bit
    for bit) and blended toward them on its soft edge; returns ``edited``."""
    soft = (keep > 0) & (keep < 1)
    if soft.any():
        w = keep[soft][:, None]
        edited[soft] = edited[soft] + w * (original[soft] - edited[soft])
    np.copyto(edited, original, where=(keep >= 1)[:, :, None])
    return edited


def corrected_alpha(alpha: np.ndarray, pixels: np.ndarray, marks: Sequence[Mark]) -> np.ndarray:
    """The person matte ``alpha`` (H, W) with the person / background brush ``marks`` applied
    in order (at ``pixels``' scale): under each stroke the matte goes to 1 (person) or 0
    (background), refined by a guided filter on the photo so the stroke's edge follows the
    photo's edges (a strand of hair, a shoulder) instead of the brush's circle. A new array;
    ``alpha`` itself when there is no matte mark."""
    marks = of_kind(marks, *MATTE_KINDS)
    if not marks:
        return alpha
    out = np.array(alpha, np.float32, copy=True)
    shape = out.shape
    for mark in marks:
        box = mark.box(shape, margin=mark.radius)
        if box is None:
            continue
        weight = mark.weight(box)
        target = 1.0 if mark.kind == "person" else 0.0
        painted = out[box] + weight * (target - out[box])
        guide = pixels[box] @ REC709
        refined = guided_filter(guide, painted, max(mark.radius / 2, 1.0), MATTE_EPS)
        # Inside the radius the brush decides; on its soft edge the photo's edges do.
        core = weight >= 1
        mixed = out[box] + weight * (np.clip(refined, 0, 1) - out[box])
        mixed[core] = target
        out[box] = mixed
    return out


# ----------------------------------------------------------------------------- session data
def marks_to_list(marks: Iterable[Mark]) -> list[dict]:
    """Marks as a session stores them (read back, and checked, by ``studio.session.model``)."""
    return [m.to_dict() for m in marks]

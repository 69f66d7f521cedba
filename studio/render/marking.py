"""Marks in the pipeline: the person's strokes turned into what each stage uses.

* keep marks: a mask on the head region; after the face and light edits the pixels under it
  are put back exactly (soft only on the mark's feathered edge);
* person / background marks: the person matte every background edit reads is corrected;
* heal marks: healed last, on the finished picture, from the edited skin around them (so a
  healed spot matches whatever the sliders did to its surroundings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np

from studio.edits.heal import heal, ring_reach, room
from studio.edits.marks import (
    MATTE_KINDS,
    MAX_MARKS,
    MAX_POINTS,
    MAX_SESSION_POINTS,
    PIECE_REACHES,
    Mark,
    corrected_alpha,
    keep_original,
    mask,
    of_kind,
)
from studio.errors import SessionError, number_text
from studio.face.layers import PhotoLayers

#: The most work the marks of one photo may ask of a render, in times the photo's pixels
#: (``work``), measured in docs/quality.md.
MOST_WORK = 128
#: What a pixel of a mark's box costs its kind's passes (the heal's blurs and donor copy,
#: the matte's guided filter, the keep mask), in pixels of a stroke's distance.
PASS_WORK = {"heal": 16, "person": 2, "background": 2, "keep": 1}
#: What one piece of a stroke costs beyond its pixels (Python's share), in pixels' work.
PIECE_WORK = 1000


class PhotoMarks:
    """The marks of one photo at one scale (``layers``' pixels), grouped by what they change."""

    def __init__(self, marks: Iterable[Mark], layers: PhotoLayers):
        self.marks = tuple(marks)
        self.layers = layers
        self.heals = of_kind(self.marks, "heal")
        self.keeps = of_kind(self.marks, "keep")
        self.matte = of_kind(self.marks, *MATTE_KINDS)

    @cached_property
    def keep_region(self) -> np.ndarray | None:
        """The keep marks' mask on the head region (``layers.roi``), or None when none falls
        there."""
        if not self.keeps or not self.layers.has_face:
            return None
        rows, cols = self.layers.roi
        region = mask(self.keeps, self.layers.shape, origin=(rows.start, cols.start))
        return region if region.any() else None

    def keep(self, head: np.ndarray) -> np.ndarray:
        """The edited head region with the pixels under keep marks as they were (in place)."""
        if self.keep_region is None:
            return head
        return keep_original(head, self.layers.image, self.keep_region)

    def alpha(self, alpha: np.ndarray) -> np.ndarray:
        """The person matte corrected by the person / background strokes."""
        return corrected_alpha(alpha, self.layers.pixels, self.matte)

    def heal(self, picture: np.ndarray) -> np.ndarray:
        """The finished picture with every heal mark healed (in place)."""
        return heal(picture, self.heals, out=picture)


def shifted(marks: Iterable[Mark], dx: float, dy: float) -> tuple[Mark, ...]:
    """The marks moved by (dx, dy) pixels (e.g. into a crop's coordinates)."""
    return tuple(m.moved(dx, dy) for m in marks)


def check_marks(marks: Sequence[Mark], shape: tuple[int, int]) -> None:
    """SessionError (one line naming the mark and the limit) when ``marks`` ask more than a
    photo of ``shape`` (rows, columns) allows: a radius over half its long edge, or more
    work than ``MOST_WORK`` times its pixels. Then the render cost of marks is bounded by
    the photo's size, whatever a session file says."""
    height, width = shape
    most_radius = max(height, width) / 2
    budget = MOST_WORK * height * width
    _check_counts(marks)
    spent = 0.0
    for index, mark in enumerate(marks):
        if mark.radius > most_radius:
            raise SessionError(
                f"'marks[{index}].radius' is {number_text(mark.radius)} pixels; at most "
                f"{most_radius:g} (half the photo's long edge)"
            )
        spent += work(mark, shape)
        if spent > budget:
            raise SessionError(
                f"'marks[{index}]': the marks up to it ask a render to work over "
                f"{spent / (height * width):.1f} times the photo's area; at most {MOST_WORK} "
                "(fewer, shorter or smaller marks)"
            )


def _check_counts(marks: Sequence[Mark]) -> None:
    """The limits a session file's marks have whatever the photo (``studio.session.model``'s
    ``StoredMark``), for marks the studio is about to add: what it saves, it can open again."""
    if len(marks) > MAX_MARKS:
        raise SessionError(f"'marks' holds {len(marks)} marks, more than {MAX_MARKS}")
    for index, mark in enumerate(marks):
        if len(mark.points) > MAX_POINTS:
            raise SessionError(f"'marks[{index}].points' are {len(mark.points)}; at most {MAX_POINTS}")
    total = sum(len(mark.points) for mark in marks)
    if total > MAX_SESSION_POINTS:
        raise SessionError(f"'marks' hold {total} points in all; at most {MAX_SESSION_POINTS}")


def work(mark: Mark, shape: tuple[int, int]) -> float:
    """The work a render does for ``mark`` on a photo of ``shape`` (rows, columns), in pixels
    of a stroke's distance, about: its kind's passes over its box (``PASS_WORK`` each pixel)
    and the distance to its stroke measured piece by piece (``Mark.distance``), each piece
    also counted as ``PIECE_WORK``."""
    height, width = shape
    if mark.kind == "heal":
        margin, within = room(mark), ring_reach(mark.radius)
    else:  # the matte's guided filter reads a radius around the stroke; a keep mark, none
        margin, within = (mark.radius if mark.kind in MATTE_KINDS else 0.0), mark.reach
    box = mark.box(shape, margin=margin)
    area = 0 if box is None else (box[0].stop - box[0].start) * (box[1].stop - box[1].start)
    passes = PASS_WORK[mark.kind] * area
    points = np.asarray(mark.points, np.float64)
    side = 2 * (within + 1) + 1
    steps = np.abs(np.diff(points, axis=0))
    length = np.hypot(steps[:, 0], steps[:, 1])
    steps, length = steps[length > 0], length[length > 0]
    count = np.maximum(1, np.ceil(length / (PIECE_REACHES * max(within, 1.0))))
    piece_w = np.minimum(steps[:, 0] / count + side, width)
    piece_h = np.minimum(steps[:, 1] / count + side, height)
    first = min(side, width) * min(side, height)
    pieces = float(count.sum()) + 1
    return passes + first + float((count * piece_w * piece_h).sum()) + PIECE_WORK * pieces

"""Marks in the pipeline: the person's strokes turned into what each stage uses.

* keep marks: a mask on the head region; after the face and light edits the pixels under it
  are put back exactly (soft only on the mark's feathered edge);
* person / background marks: the person matte every background edit reads is corrected;
* heal marks: healed last, on the finished picture, from the edited skin around them (so a
  healed spot matches whatever the sliders did to its surroundings).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import numpy as np

from studio.edits.heal import heal
from studio.edits.layers import PhotoLayers
from studio.edits.marks import MATTE_KINDS, Mark, corrected_alpha, keep_original, mask, of_kind


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

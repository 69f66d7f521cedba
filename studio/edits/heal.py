"""Heal: a spot under a heal mark is replaced from the skin around it, texture kept.

A healing brush in two layers, each at the mark's own scale (its radius), so a proxy and the
full photo heal alike:

* the broad colour (base and mid band) is filled in from the ring of skin around the mark
  (a normalised blur that ignores the mark itself), so the patch takes the tone around it;
* the detail (pores, the skin's fine relief, up to about half the radius) is copied from a
  nearby donor patch of the same size: the offset whose surroundings look most like the mark's
  surroundings, never overlapping the mark. The patch keeps real pores, not a smooth disc.

The two are joined to the photo over a feathered edge (``studio.edits.marks.FEATHER``).
Works anywhere on the photo (face, neck, hands): it needs no face.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from studio.edits.layers import normalized_blur
from studio.edits.marks import Mark, edge_weight, feather, of_kind
from studio.imaging.filters import gaussian

#: Scale separating the filled-in colour from the copied detail, as a share of the radius.
DETAIL_SCALE = 0.35
#: Donor offsets tried: distances (in radii beyond the mark's reach) and directions.
DONOR_DISTANCES = (2.6, 3.4, 4.5)
DONOR_DIRECTIONS = 16
#: Range of the gain that matches the donor's texture strength to the ring's.
TEXTURE_GAIN = (0.6, 1.6)


def heal(image: np.ndarray, marks: Iterable[Mark], out: np.ndarray | None = None) -> np.ndarray:
    """``image`` (float32 (H, W, 3)) with every heal mark of ``marks`` healed, in order (a later
    mark heals from the result of the earlier ones). Into ``out`` (may be ``image``) or a new
    array; ``image`` itself when there is no heal mark."""
    heals = of_kind(marks, "heal")
    if not heals:
        return image
    if out is None:
        out = image.copy()
    elif out is not image:
        np.copyto(out, image)
    for mark in heals:
        heal_one(out, mark)
    return out


def heal_one(image: np.ndarray, mark: Mark) -> None:
    """Heal one mark in ``image`` in place."""
    r = mark.radius
    sigma = max(DETAIL_SCALE * r, 0.7)
    reach = mark.reach
    # Room for the donor search and the blurs on every side.
    margin = (max(DONOR_DISTANCES) + 1) * reach + 3 * sigma
    box = mark.box(image.shape[:2], margin=margin)
    if box is None:
        return
    patch = image[box]
    distance = mark.distance(box)
    weight = edge_weight(distance, r)
    if not weight.any():
        return
    hole = distance <= reach  # everything the patch replaces, soft edge included
    # Broad colour from the ring around the mark only (the spot itself is ignored).
    ring = (~hole).astype(np.float32)
    fill = normalized_blur(patch, ring, max(0.6 * reach, 1.0))
    offset = _donor_offset(patch, hole, ring, sigma, r)
    if offset is not None:
        donor = np.roll(patch, (-offset[0], -offset[1]), axis=(0, 1))
        detail = donor - gaussian(donor, sigma)
        detail *= _texture_gain(patch, donor, distance, r, sigma)
    else:  # no room for a donor (a mark against the photo's border): the ring's blur alone
        detail = np.zeros_like(patch)
    healed = fill + detail
    inside = weight > 0
    w = weight[inside][:, None]
    patch[inside] = patch[inside] + w * (healed[inside] - patch[inside])


def _texture_gain(
    patch: np.ndarray, donor: np.ndarray, distance: np.ndarray, r: float, scale: float
) -> np.float32:
    """The gain that gives the donor's finest texture (pores) inside the mark the strength it
    has in the ring around the mark: a donor with a few more or fewer pores than its
    neighbours does not leave a smoother or rougher disc."""
    def fine(image: np.ndarray) -> np.ndarray:
        grey = image @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        return grey - gaussian(grey, scale)

    core = distance <= r
    ring = (distance > r + feather(r) + scale) & (distance <= 4 * r + feather(r))
    if not core.any() or not ring.any():
        return np.float32(1.0)
    wanted = float((fine(patch)[ring] ** 2).mean())
    have = float((fine(donor)[core] ** 2).mean()) + 1e-10
    return np.float32(np.clip(np.sqrt(wanted / have), *TEXTURE_GAIN))


def _donor_offset(
    patch: np.ndarray, hole: np.ndarray, ring: np.ndarray, sigma: float, radius: float
) -> tuple[int, int] | None:
    """(dy, dx): the shift whose patch under the hole is clean skin most like the mark's
    surroundings (its broad colour and texture near the ring's, its pixels clear of the hole
    and inside ``patch``); None when no offset fits."""
    h, w = hole.shape
    ys, xs = np.nonzero(hole)
    y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
    grey = patch @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    smooth = gaussian(grey, sigma)
    near = gaussian(hole.astype(np.float32), max(radius, 1.0)) > 0.02
    around = near & ~hole
    if not around.any():
        return None
    detail = grey - smooth
    target = float(smooth[around].mean())
    target_spread = float(smooth[around].std())
    target_energy = float((detail[around] ** 2).mean()) + 1e-8
    reach = max(y1 - y0, x1 - x0) / 2 + 1
    donor_hole = hole[y0:y1 + 1, x0:x1 + 1]
    best, best_score = None, np.inf
    for k in DONOR_DISTANCES:
        for i in range(DONOR_DIRECTIONS):
            angle = 2 * np.pi * i / DONOR_DIRECTIONS
            dy = int(round(k * reach * np.sin(angle)))
            dx = int(round(k * reach * np.cos(angle)))
            if not (y0 + dy >= 0 and y1 + dy < h and x0 + dx >= 0 and x1 + dx < w):
                continue
            src = (slice(y0 + dy, y1 + dy + 1), slice(x0 + dx, x1 + dx + 1))
            if (hole[src] & donor_hole).any():
                continue
            values = smooth[src][donor_hole]
            energy = float((detail[src][donor_hole] ** 2).mean()) + 1e-8
            # Like the surroundings in tone and in texture, and even (no other spot, no edge).
            score = (
                abs(float(values.mean()) - target) / (target_spread + 0.01)
                + max(float(values.std()) - target_spread, 0.0) / (target_spread + 0.01)
                + abs(np.log(energy / target_energy))
                + 0.05 * k
            )
            if score < best_score:
                best, best_score = (dy, dx), score
    return best

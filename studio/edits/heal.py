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
from dataclasses import replace

import cv2
import numpy as np

from studio.edits.marks import MIN_RADIUS, Mark, edge_weight, feather, of_kind
from studio.imaging.colour import REC709
from studio.imaging.filters import gaussian, normalized_blur

#: Scale separating the filled-in colour from the copied detail, as a share of the radius.
DETAIL_SCALE = 0.35
#: Donor offsets tried: distances (in radii beyond the mark's reach) and directions.
DONOR_DISTANCES = (2.6, 3.4, 4.5)
DONOR_DIRECTIONS = 16
#: The radius (pixels) a mark is resampled to for choosing its donor.
CANON_RADIUS = 6.0
#: Weight of the texture-strength likeness in the donor choice (the gain evens out the rest).
ENERGY_WEIGHT = 0.3
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


def with_source(image: np.ndarray, mark: Mark) -> Mark:
    """A heal mark with its donor chosen on ``image`` (the full photo, in the mark's pixels) and
    kept in ``mark.source``: then every scale copies the same skin. Other marks, and marks
    with a source already or without room for one, come back as they are."""
    if mark.kind != "heal" or mark.source is not None:
        return mark
    box = mark.box(image.shape[:2], margin=room(mark))
    if box is None:
        return mark
    offset = _donor_offset(image[box], box, mark)
    if offset is None:
        return mark
    return replace(mark, source=(round(offset[1], 2), round(offset[0], 2)))


def room(mark: Mark) -> float:
    """Room around a mark for the donor search and the blurs, pixels."""
    return (max(DONOR_DISTANCES) + 1) * mark.reach + 3 * max(DETAIL_SCALE * mark.radius, 0.7)


def heal_one(image: np.ndarray, mark: Mark) -> None:
    """Heal one mark in ``image`` in place."""
    r = mark.radius
    sigma = max(DETAIL_SCALE * r, 0.7)
    reach = mark.reach
    box = mark.box(image.shape[:2], margin=room(mark))
    if box is None:
        return
    patch = image[box]
    distance = mark.distance(box, within=ring_reach(r))
    weight = edge_weight(distance, r)
    if not weight.any():
        return
    hole = distance <= reach  # everything the patch replaces, soft edge included
    # Broad colour from the ring around the mark only (the spot itself is ignored).
    ring = (~hole).astype(np.float32)
    fill = normalized_blur(patch, ring, max(0.6 * reach, 1.0))
    if mark.source is not None:
        offset = (mark.source[1], mark.source[0])
    else:
        offset = _donor_offset(patch, box, mark)
    if offset is not None:
        # Sub-pixel shift: the same donor, in the photo's units, at any scale.
        shift = np.array([[1, 0, offset[1]], [0, 1, offset[0]]], np.float64)
        donor = cv2.warpAffine(
            patch, shift, (patch.shape[1], patch.shape[0]),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT,
        )
        detail = donor - gaussian(donor, sigma)
        detail *= _texture_gain(patch, donor, distance, r, sigma)
    else:  # no room for a donor (a mark against the photo's border): the ring's blur alone
        detail = np.zeros_like(patch)
    healed = fill + detail
    np.clip(healed, 0.0, 1.0, out=healed)  # copied texture on a bright fill may overshoot
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
        grey = image @ REC709
        return grey - gaussian(grey, scale)

    core = distance <= r
    ring = (distance > r + feather(r) + scale) & (distance <= ring_reach(r))
    if not core.any() or not ring.any():
        return np.float32(1.0)
    wanted = float((fine(patch)[ring] ** 2).mean())
    have = float((fine(donor)[core] ** 2).mean()) + 1e-10
    return np.float32(np.clip(np.sqrt(wanted / have), *TEXTURE_GAIN))


def ring_reach(radius: float) -> float:
    """How far from the stroke the skin whose texture a heal matches reaches, pixels."""
    return 4 * radius + feather(radius)


def _donor_offset(patch: np.ndarray, box: tuple[slice, slice], mark: Mark) -> tuple[float, float] | None:
    """(dy, dx) in pixels: the shift whose patch under the mark is clean skin most like the
    mark's surroundings (broad colour and texture near the ring's, clear of the mark, inside
    ``patch``, which covers ``box`` of the photo); None when no shift fits.

    The choice is made on a copy of the patch resampled so the mark has a fixed radius
    (``CANON_RADIUS``) and the shift is a fixed multiple of the mark's reach: a proxy and the
    full photo choose the same shift, in the photo's own units."""
    small, canon = _canonical(patch, box, mark)
    whole = (slice(0, small.shape[0]), slice(0, small.shape[1]))
    hole = canon.distance(whole, within=canon.reach) <= canon.reach
    if not hole.any():
        return None
    grey = small @ REC709
    smooth = gaussian(grey, DETAIL_SCALE * CANON_RADIUS)
    near = gaussian(hole.astype(np.float32), CANON_RADIUS) > 0.02
    around = near & ~hole
    if not around.any():
        return None
    best = _best_donor(hole, smooth, grey - smooth, around, canon.reach)
    if best is None:
        return None
    k, angle = best
    return k * mark.reach * float(np.sin(angle)), k * mark.reach * float(np.cos(angle))


def _canonical(patch: np.ndarray, box: tuple[slice, slice], mark: Mark) -> tuple[np.ndarray, Mark]:
    """The patch resampled so the mark's radius is ``CANON_RADIUS``, and the mark in it."""
    h, w = patch.shape[:2]
    # A mark under MIN_RADIUS (a tiny one on a small proxy) is resampled as one of that
    # radius: the patch stays a few hundred pixels, however small the mark.
    c = CANON_RADIUS / max(mark.radius, MIN_RADIUS)
    size = (max(int(round(w * c)), 1), max(int(round(h * c)), 1))
    cx, cy = size[0] / w, size[1] / h
    small = cv2.resize(
        patch, size, interpolation=cv2.INTER_AREA if c < 1 else cv2.INTER_LINEAR
    )
    top, left = box[0].start, box[1].start
    canon = Mark(
        mark.kind,
        tuple(((x - left + 0.5) * cx - 0.5, (y - top + 0.5) * cy - 0.5) for x, y in mark.points),
        mark.radius * c,
    )
    return small, canon


def _best_donor(
    hole: np.ndarray, smooth: np.ndarray, detail: np.ndarray, around: np.ndarray, reach: float
) -> tuple[float, float] | None:
    """(distance in reaches, angle) of the donor most like the ring ``around`` the ``hole``,
    among ``DONOR_DISTANCES`` x ``DONOR_DIRECTIONS`` shifts; None when none fits."""
    ys, xs = np.nonzero(hole)
    y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
    target = float(smooth[around].mean())
    target_spread = float(smooth[around].std())
    target_energy = float((detail[around] ** 2).mean()) + 1e-8
    donor_hole = hole[y0 : y1 + 1, x0 : x1 + 1]
    best, best_score = None, np.inf
    for k in DONOR_DISTANCES:
        for i in range(DONOR_DIRECTIONS):
            angle = 2 * np.pi * i / DONOR_DIRECTIONS
            dy = int(round(k * reach * np.sin(angle)))
            dx = int(round(k * reach * np.cos(angle)))
            if not (y0 + dy >= 0 and y1 + dy < hole.shape[0] and x0 + dx >= 0 and x1 + dx < hole.shape[1]):
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
                + ENERGY_WEIGHT * abs(np.log(energy / target_energy))
                + 0.05 * k
            )
            if score < best_score:
                best, best_score = (k, angle), score
    return best

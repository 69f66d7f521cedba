"""Eyes: gentle clarity for iris and sclera, inside the eye regions only.

Local contrast (a mid-scale unsharp mask on L*) makes the iris read clearly; the whites are
lifted a little and cleared of some redness, but never past L* 92 (never pure white), and the
lift is an offset, so the eyeball's shading stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.edits.blend import blend
from studio.edits.layers import PhotoLayers, fast_lab, smoothstep
from studio.edits.params import EditParams, slider_field
from studio.imaging.colour import lab_to_rgb
from studio.imaging.filters import gaussian

#: Local-contrast gain at ``eyes=1``.
CLARITY = 0.5
#: Largest lift of the whites at ``eyes=1``, L* units; the whites never pass SCLERA_MAX.
SCLERA_LIFT = 5.0
SCLERA_MAX = 92.0
#: Share of the whites' redness (a* > 0) removed at ``eyes=1``.
REDNESS_REMOVED = 0.4


@dataclass(frozen=True)
class Params(EditParams):
    """strength: 0 (off) .. 1 (clearest)."""

    strength: float = slider_field("eyes")


@dataclass(frozen=True)
class Prepared:
    """Everything at ROI crop ``box`` around the eyes: mask, L*a*b*, local detail, whites."""

    box: tuple[slice, slice]
    mask: np.ndarray
    lab: np.ndarray
    detail: np.ndarray
    sclera: np.ndarray


def sclera_weight(lab: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How much each pixel of an eye region looks like the white of the eye (0..1)."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    inside = mask > 0.5
    if not inside.any():
        return np.zeros(mask.shape, np.float32)
    bright = np.percentile(lab[..., 0][inside], 60)
    return (
        smoothstep(lab[..., 0], bright - 5, bright + 5) * (1 - smoothstep(chroma, 12, 22)) * mask
    ).astype(np.float32)


def eye_mask(layers: PhotoLayers) -> np.ndarray:
    from studio.face import region_mask

    face, shape = layers.roi_face, layers.shape
    return np.maximum(region_mask(face, "left_eye", shape), region_mask(face, "right_eye", shape))


def prepare(layers: PhotoLayers) -> Prepared | None:
    if not layers.has_face:
        return None
    mask = eye_mask(layers)
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if len(ys) == 0:
        return None
    pad = int(np.ceil(layers.px(0.1)))
    box = (
        slice(max(ys[0] - pad, 0), ys[-1] + 1 + pad),
        slice(max(xs[0] - pad, 0), xs[-1] + 1 + pad),
    )
    lab = fast_lab(layers.image[box])  # the crop only, not the whole head
    light = lab[..., 0]
    detail = gaussian(light, layers.px(1 / 250)) - gaussian(light, layers.px(1 / 25))
    return Prepared(
        box=box,
        mask=mask[box],
        lab=lab,
        detail=detail.astype(np.float32),
        sclera=sclera_weight(lab, mask[box]),
    )


def apply(image: np.ndarray, prepared: Prepared | None, params: Params) -> np.ndarray:
    if prepared is None or params.strength == 0:
        return image
    s = params.strength
    lab = prepared.lab.copy()
    light = lab[..., 0]
    lifted = light + s * (
        CLARITY * prepared.detail + prepared.sclera * np.clip(SCLERA_MAX - light, 0, SCLERA_LIFT)
    )
    # Never past SCLERA_MAX (unless the photo already was).
    lab[..., 0] = np.minimum(lifted, np.maximum(light, SCLERA_MAX))
    lab[..., 1] -= s * REDNESS_REMOVED * prepared.sclera * np.maximum(lab[..., 1], 0)
    out = image.copy()
    out[prepared.box] = blend(image[prepared.box], lab_to_rgb(lab), prepared.mask)
    return out

"""Edge fringe and glow: what a background edit leaves of the old background at hair edges.

The composites: a real person on a plain backdrop, cut out with a careful matte (closed-form
matting of the plain-backdrop photo, where it is near exact; checked by eye at 100%), placed
on busy backdrops made here (letters, stripes, bright lights), so the true answer of every
background edit is known: the person's own colours over the edit's new background, through
the true matte.

``fringe``: mean CIELAB Delta E (1976) between the edit's result and the true composite in
the hair band (0.02 < true alpha < 0.98, grown by 2 px, above the chin): the old backdrop's
letters and stripes left in the hair, or hair lost.
``glow``: mean lightness overshoot (L* of the result above the truth, 0 where darker) in the
pure background within 0.15 IOD of the band: a light seam beside the edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.face.types import Face
from studio.imaging.colour import rgb_to_lab

#: The busy backdrops, by name.
BACKDROPS = ("letters", "stripes", "lights")


def busy_backdrop(kind: str, shape: tuple[int, int], seed: int = 30) -> np.ndarray:
    """A busy backdrop, float32 (H, W, 3) sRGB in [0, 1]: "letters" (a step-and-repeat of dark
    and white words on grey), "stripes" (diagonal coloured stripes) or "lights" (bright
    lights on a dark stage)."""
    h, w = shape
    rng = np.random.default_rng(seed)
    if kind == "letters":
        image = np.full((h, w, 3), 158, np.uint8)
        step = max(h, w) // 12
        for row, y in enumerate(range(step // 2, h + step, step)):
            for x in range(-(row % 2) * step, w + step, 3 * step):
                colour = (12, 12, 20) if (row + x // step) % 2 else (250, 250, 250)
                cv2.putText(image, "LIKENESS", (x, y), cv2.FONT_HERSHEY_SIMPLEX, step / 40,
                            colour, max(step // 12, 2), cv2.LINE_AA)
        return image.astype(np.float32) / 255.0
    if kind == "stripes":
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        period = max(h, w) / 40
        phase = ((x + y) / period).astype(np.int32) % 3
        colours = np.array([[0.95, 0.85, 0.2], [0.1, 0.2, 0.7], [0.9, 0.9, 0.9]], np.float32)
        return colours[phase]
    if kind == "lights":
        image = np.full((h, w, 3), 0.06, np.float32)
        size = max(h, w)
        for _ in range(60):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(0.005, 0.02) * size
            cv2.circle(image, (int(cx), int(cy)), int(r), (1.0, 0.97, 0.9), -1, cv2.LINE_AA)
        return cv2.GaussianBlur(image, (0, 0), 1.0)
    raise ValueError(f"no backdrop {kind!r}")


def true_matte(pixels: np.ndarray, alpha: np.ndarray, face: Face) -> tuple[np.ndarray, np.ndarray]:
    """A careful matte of a person on a plain backdrop, and the person's colours (float32
    (H, W) and (H, W, 3)): closed-form matting (pymatting) of the band where the app's matte
    ``alpha`` is unsure, grown by 0.1 IOD each side."""
    from pymatting import estimate_alpha_cf, estimate_foreground_ml  # heavy

    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * int(0.1 * face.iod) + 1,) * 2)
    person = cv2.erode((alpha >= 0.99).astype(np.uint8), grow)
    background = cv2.erode((alpha <= 0.01).astype(np.uint8), grow)
    trimap = np.full(alpha.shape, 0.5)
    trimap[person > 0] = 1.0
    trimap[background > 0] = 0.0
    image = pixels.astype(np.float64)
    matte = np.clip(estimate_alpha_cf(image, trimap), 0.0, 1.0)
    colours = estimate_foreground_ml(image, matte)
    return matte.astype(np.float32), np.clip(colours, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Composite:
    """A person placed on a new backdrop: the photo (H, W, 3), the true matte (H, W), the
    person's colours (H, W, 3) and the backdrop (H, W, 3), all float32 sRGB."""

    pixels: np.ndarray
    alpha: np.ndarray
    colours: np.ndarray
    backdrop: np.ndarray

    def over(self, background: np.ndarray) -> np.ndarray:
        """The true answer: the person over ``background`` through the true matte."""
        a = self.alpha[:, :, None]
        out = a * self.colours + (1.0 - a) * background
        return np.where(a >= 1.0, self.pixels, out).astype(np.float32)


def composite(photo: np.ndarray, alpha: np.ndarray, colours: np.ndarray,
              backdrop: np.ndarray) -> Composite:
    """The person of ``photo`` (true matte ``alpha``, colours ``colours``) on ``backdrop``;
    exactly the photo where the matte is 1."""
    a = alpha[:, :, None]
    pixels = np.where(a >= 1.0, photo, a * colours + (1.0 - a) * backdrop).astype(np.float32)
    return Composite(pixels, alpha, colours, backdrop)


@dataclass(frozen=True)
class EdgeFigures:
    """fringe: mean Delta E76 in the hair band; glow: mean L* overshoot beside the edge;
    fringe_p95: the band's 95th percentile Delta E."""

    fringe: float
    fringe_p95: float
    glow: float


def edge_figures(result: np.ndarray, truth: np.ndarray, alpha: np.ndarray,
                 face: Face) -> EdgeFigures:
    """``result`` against ``truth`` (float32 sRGB) at the true matte ``alpha``'s hair edges."""
    h, w = alpha.shape
    band = ((alpha > 0.02) & (alpha < 0.98)).astype(np.uint8)
    band = cv2.dilate(band, np.ones((5, 5), np.uint8))
    head = np.zeros((h, w), bool)
    head[: int(face.landmarks[8, 1])] = True
    reach = 2 * int(0.15 * face.iod) + 1
    beside = cv2.dilate(band, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
    beside = (beside > 0) & (alpha <= 0.02) & head
    band = (band > 0) & head
    lab_r, lab_t = rgb_to_lab(np.clip(result, 0, 1)), rgb_to_lab(np.clip(truth, 0, 1))
    de = np.sqrt(np.sum(np.square(lab_r - lab_t), axis=2))[band]
    glow = np.maximum(lab_r[:, :, 0] - lab_t[:, :, 0], 0.0)[beside]
    return EdgeFigures(float(de.mean()), float(np.percentile(de, 95)), float(glow.mean()))

"""A synthetic portrait with known landmarks (no detection needed) for engine and edit tests,
plus tests that it is a fair stand-in (its masks land where a face's would)."""

from __future__ import annotations

import cv2
import numpy as np

from studio.face.types import Face, FaceAnalysis

#: The built-in sample portrait's 68 landmarks (dlib), a plausible face shape to paint around.
TEMPLATE = np.array(
    [
        [180, 104],
        [180, 116],
        [181, 127],
        [182, 139],
        [185, 150],
        [191, 160],
        [200, 169],
        [210, 176],
        [221, 178],
        [232, 177],
        [243, 171],
        [253, 164],
        [260, 154],
        [265, 143],
        [268, 131],
        [270, 120],
        [272, 108],
        [186, 94],
        [192, 88],
        [200, 87],
        [208, 89],
        [216, 92],
        [236, 93],
        [244, 91],
        [252, 90],
        [260, 92],
        [265, 98],
        [226, 102],
        [225, 111],
        [225, 119],
        [225, 127],
        [214, 131],
        [219, 132],
        [224, 134],
        [229, 133],
        [234, 132],
        [195, 101],
        [200, 98],
        [207, 98],
        [212, 104],
        [206, 104],
        [199, 104],
        [238, 105],
        [243, 101],
        [250, 101],
        [255, 104],
        [250, 106],
        [244, 106],
        [201, 139],
        [209, 139],
        [217, 139],
        [223, 141],
        [229, 140],
        [237, 140],
        [245, 141],
        [237, 151],
        [229, 155],
        [222, 156],
        [216, 154],
        [208, 150],
        [204, 141],
        [217, 143],
        [223, 144],
        [229, 143],
        [242, 142],
        [229, 150],
        [223, 150],
        [217, 149],
    ],
    dtype=np.float32,
)

SKIN = (0.80, 0.62, 0.52)
BACKGROUND = (0.20, 0.27, 0.38)


def synthetic_face(scale: float = 3.5, size: tuple[int, int] = (640, 720)) -> Face:
    """The template face scaled by ``scale`` and centred in an image of ``size`` (w, h)."""
    w, h = size
    centre = TEMPLATE.mean(axis=0)
    pts = (TEMPLATE - centre) * scale + np.array([w / 2, h * 0.5], np.float32)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return Face(box=(float(x0), float(y0), float(x1), float(y1)), landmarks=pts.astype(np.float32))


def spot_and_mole(face: Face) -> tuple[np.ndarray, np.ndarray]:
    """Where the synthetic portrait has its red spot (left cheek) and brown mole (right)."""
    lm = face.landmarks
    return 0.5 * (lm[2] + lm[30]), 0.5 * (lm[14] + lm[30])


def synthetic_portrait(
    texture: bool = True, scale: float = 3.5, seed: int = 0, size: tuple[int, int] = (640, 720)
) -> tuple[np.ndarray, FaceAnalysis]:
    """A painted head-and-shoulders portrait (float32 sRGB) and its exact analysis.

    Flat colours (texture=False) give clean step edges for halo tests; texture=True adds
    pores (fine noise) and blotches (mid-scale tone variation) to the skin.
    """
    from studio.face.layers import head_outline

    w, h = size
    face = synthetic_face(scale, size)
    lm = face.landmarks
    iod = face.iod
    rng = np.random.default_rng(seed)
    image = np.empty((h, w, 3), np.float32)
    image[:] = BACKGROUND
    person = np.zeros((h, w), np.uint8)
    # Shoulders and neck, then the head up to the hairline.
    cv2.ellipse(
        person, (int(w / 2), int(h * 1.02)), (int(w * 0.45), int(h * 0.25)), 0, 0, 360, 1, -1
    )
    neck = np.array([lm[4], lm[12], lm[12] + [0, 1.4 * iod], lm[4] + [0, 1.4 * iod]])
    cv2.fillPoly(person, [np.round(neck).astype(np.int32)], 1)
    cv2.fillPoly(person, [np.round(head_outline(face)).astype(np.int32)], 1)
    skin = np.empty_like(image)
    skin[:] = SKIN
    if texture:
        pores = rng.normal(0, 0.025, (h, w)).astype(np.float32)
        pores = cv2.GaussianBlur(pores, (0, 0), iod / 120)
        blotch = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), iod / 15)
        blotch *= 0.015 / max(float(blotch.std()), 1e-6)
        skin += pores[..., None] + blotch[..., None] * np.array([0.6, 1.0, 1.0], np.float32)
    image = np.where(person[..., None] > 0, skin, image)

    # Features: brows, eyes (white, iris), nostrils, lips, teeth inside the mouth.
    def poly(points, colour):
        cv2.fillPoly(
            image,
            [np.round(np.asarray(points) * 16).astype(np.int32)],
            colour,
            lineType=cv2.LINE_AA,
            shift=4,
        )

    for a, b in ((17, 22), (22, 27)):
        cv2.polylines(
            image,
            [np.round(lm[a:b] * 16).astype(np.int32)],
            False,
            (0.18, 0.12, 0.1),
            thickness=max(int(iod * 0.06), 2),
            lineType=cv2.LINE_AA,
            shift=4,
        )
    for a in (36, 42):
        poly(lm[a : a + 6], (0.86, 0.84, 0.82))
        c = lm[a : a + 6].mean(axis=0)
        cv2.circle(image, (int(c[0]), int(c[1])), max(int(iod * 0.09), 2), (0.25, 0.35, 0.3), -1)
        cv2.circle(image, (int(c[0]), int(c[1])), max(int(iod * 0.04), 1), (0.05, 0.05, 0.05), -1)
    for i in (31, 35):
        cv2.circle(
            image, (int(lm[i][0]), int(lm[i][1])), max(int(iod * 0.04), 1), (0.35, 0.2, 0.18), -1
        )
    # A red spot (a blemish) on the left cheek, a brown mole on the right one.
    spot, mole = spot_and_mole(face)
    radius = max(int(round(iod / 45)), 2)
    cv2.circle(image, tuple(int(v) for v in spot), radius, (0.78, 0.46, 0.42), -1, cv2.LINE_AA)
    cv2.circle(image, tuple(int(v) for v in mole), radius, (0.36, 0.22, 0.14), -1, cv2.LINE_AA)
    poly(lm[48:60], (0.72, 0.36, 0.38))
    poly(lm[60:68], (0.85, 0.80, 0.62))
    image = np.clip(image, 0, 1).astype(np.float32)
    return image, FaceAnalysis(width=w, height=h, faces=(face,), primary=0)


def test_synthetic_portrait_masks_land_on_the_painted_face():
    from studio.render import Retoucher

    image, analysis = synthetic_portrait()
    masks = Retoucher(image, analysis).masks()
    face = analysis.face()
    cx, cy = np.round(face.landmarks[[1, 29]].mean(axis=0)).astype(int)  # left cheek
    assert masks["skin"][cy, cx] > 0.5
    assert masks["skin"][5, 5] == 0.0
    ex, ey = np.round(face.landmarks[36:42].mean(axis=0)).astype(int)
    assert masks["protected"][ey, ex] == 1.0

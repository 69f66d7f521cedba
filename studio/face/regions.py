"""Named face regions from the 68 dlib landmarks, and their masks at any scale.

Every region is defined once here, by landmark indices; every margin is a fraction of
the inter-ocular distance (IOD), never a pixel count, so a 2 MP proxy and the full-size
photo get the same masks from the same (scaled) landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from studio.face.types import Face

#: Sub-pixel precision of polygon drawing (OpenCV fixed-point shift: 1/16 pixel).
_SHIFT = 4

#: Margin around each protected feature, in IOD (docs/quality.md: "dilated by 2% IOD").
PROTECTED_MARGIN = 0.02
#: A brow's hair reaches past its landmarks' ends (the face mesh's brow ends before the hair
#: does; dlib's 68-point model's reaches further): each brow is protected along its own line
#: this far past its outer end (the tail) and its inner end (the head), in IOD ...
BROW_TAIL = 0.15
BROW_HEAD = 0.07
#: ... as a band this wide either side of its line (IOD): the brow points run along the
#: hair's middle, and the hull of the points is thin at its ends.
BROW_BAND = 0.06
#: How far (IOD) the edits' protected region (features and brow bands) reaches past 17-59 at most.
PROTECTED_REACH = max(BROW_TAIL, BROW_HEAD) + BROW_BAND
#: How far the brows are raised to close the top of the face hull, in IOD (docs/quality.md).
HULL_BROW_RAISE = 0.10
#: How far the brows are raised to reach about the hairline for the face oval, in IOD.
FOREHEAD_RAISE = 0.55
#: Half-width of the jaw-line band, in IOD.
JAW_BAND = 0.04


@dataclass(frozen=True)
class Region:
    """A named region: landmark ``indices`` drawn as ``kind`` ("hull", "polygon" or "line")
    grown by ``margin`` (IOD). ``raise_brows`` (IOD) adds the brow points moved up the face.
    ``band`` (IOD) adds a band this wide either side of the line through the points, continued
    ``reach`` (IOD) past its first and its last point, each along its end segment."""

    indices: tuple[int, ...]
    kind: str = "hull"
    margin: float = 0.0
    raise_brows: float = 0.0
    band: float = 0.0
    reach: tuple[float, float] = (0.0, 0.0)


BROWS = tuple(range(17, 27))

#: Named regions, dlib's 68-point numbering. "left"/"right" follow dlib's (image left/right).
REGIONS: dict[str, Region] = {
    "left_eye": Region(tuple(range(36, 42)), margin=PROTECTED_MARGIN),
    "right_eye": Region(tuple(range(42, 48)), margin=PROTECTED_MARGIN),
    # dlib's 17-21 run from the outer end inwards, 22-26 from the inner end outwards
    "left_brow": Region(tuple(range(17, 22)), margin=PROTECTED_MARGIN, band=BROW_BAND,
                        reach=(BROW_TAIL, BROW_HEAD)),
    "right_brow": Region(tuple(range(22, 27)), margin=PROTECTED_MARGIN, band=BROW_BAND,
                         reach=(BROW_HEAD, BROW_TAIL)),
    "nostrils": Region(tuple(range(30, 36)), margin=PROTECTED_MARGIN),
    "lips": Region(tuple(range(48, 60)), kind="polygon", margin=PROTECTED_MARGIN),
    "inner_mouth": Region(tuple(range(60, 68)), kind="polygon"),
    "nose": Region(tuple(range(27, 36)), margin=PROTECTED_MARGIN),
    "face_oval": Region(tuple(range(0, 17)), raise_brows=FOREHEAD_RAISE),
    "jaw": Region(tuple(range(0, 17)), kind="line", margin=JAW_BAND),
}

#: The regions that smoothing and lighting never touch (docs/quality.md's protected features).
PROTECTED = ("left_brow", "right_brow", "left_eye", "right_eye", "nostrils", "lips")


def up_direction(face: Face) -> np.ndarray:
    """Unit vector pointing up the face (from mouth to brows), in image (x, y) pixels."""
    left, right = face.eye_centres
    across = right - left
    norm = float(np.hypot(*across)) or 1.0
    up = np.array([across[1], -across[0]], dtype=np.float64) / norm
    mouth = face.landmarks[48:60].mean(axis=0)
    if np.dot((left + right) / 2 - mouth, up) < 0:  # mirrored or upside-down face
        up = -up
    return up


def raised_brows(face: Face, amount: float) -> np.ndarray:
    """The ten brow points (17-26) moved ``amount`` IOD up the face, (10, 2) pixels."""
    return face.landmarks[list(BROWS)].astype(np.float64) + up_direction(face) * amount * face.iod


def region_points(face: Face, name: str) -> np.ndarray:
    """The outline points of region ``name`` in pixels, (N, 2) float64, before its margin."""
    region = REGIONS[name]
    points = face.landmarks[list(region.indices)].astype(np.float64)
    if region.raise_brows:
        points = np.vstack([points, raised_brows(face, region.raise_brows)])
    if region.kind == "hull" or region.raise_brows:
        points = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    return points


def band_line(face: Face, name: str) -> np.ndarray:
    """The line region ``name``'s band follows, (N + 2, 2) pixels: its points, continued
    ``reach[0]`` past the first and ``reach[1]`` past the last, each along its end segment."""
    region = REGIONS[name]
    points = face.landmarks[list(region.indices)].astype(np.float64)
    ends = []
    for end, before, distance in ((points[0], points[1], region.reach[0]),
                                  (points[-1], points[-2], region.reach[1])):
        along = end - before
        ends.append(end + along / (float(np.hypot(*along)) or 1.0) * distance * face.iod)
    return np.vstack([ends[0], points, ends[1]])


def draw_polygon(mask: np.ndarray, points: np.ndarray, margin_px: float = 0.0,
                 closed: bool = True) -> np.ndarray:
    """Fill ``points`` (pixels) into a uint8 ``mask`` in place with 255, antialiased,
    grown by ``margin_px`` pixels (exactly, for convex outlines: a round-capped stroke)."""
    fixed = np.round(np.asarray(points, dtype=np.float64) * (1 << _SHIFT)).astype(np.int32)
    fixed = fixed.reshape(-1, 1, 2)
    if closed:
        cv2.fillPoly(mask, [fixed], 255, lineType=cv2.LINE_AA, shift=_SHIFT)
    thickness = int(round(2 * margin_px))
    if thickness >= 1:
        cv2.polylines(mask, [fixed], closed, 255, thickness=thickness, lineType=cv2.LINE_AA,
                      shift=_SHIFT)
    return mask


def _draw(mask: np.ndarray, face: Face, name: str, extra_margin: float = 0.0) -> None:
    region = REGIONS[name]
    margin_px = (region.margin + extra_margin) * face.iod
    draw_polygon(mask, region_points(face, name), margin_px, closed=region.kind != "line")


def _check_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    h, w = int(shape[0]), int(shape[1])
    if h <= 0 or w <= 0:
        raise ValueError(f"mask shape must be positive, not {shape}")
    return h, w


def region_mask(face: Face, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Mask of one named region (see ``REGIONS``), 1 inside, antialiased edge.

    Parameters
    ----------
    face : a face whose landmarks are in the pixel coordinates of ``shape``
        (use ``FaceAnalysis.scaled`` for a proxy).
    name : a key of ``REGIONS``.
    shape : (H, W[, C]) of the image the mask is for.

    Returns
    -------
    float32 (H, W) in [0, 1].
    """
    if name not in REGIONS:
        raise KeyError(f"unknown face region {name!r}; known: {', '.join(REGIONS)}")
    mask = np.zeros(_check_shape(shape), np.uint8)
    _draw(mask, face, name)
    return mask.astype(np.float32) / 255.0


def protected_mask(face: Face, shape: tuple[int, ...], extra_margin: float = 0.0) -> np.ndarray:
    """Eyes, brows, nostrils and lips, each its convex hull grown by 2% IOD (docs/quality.md).

    ``extra_margin`` (IOD) grows them further (the skin mask keeps ~8% IOD away).
    Returns float32 (H, W) in [0, 1], 1 on the protected features.
    """
    mask = np.zeros(_check_shape(shape), np.uint8)
    for name in PROTECTED:
        _draw(mask, face, name, extra_margin)
    return mask.astype(np.float32) / 255.0


def brow_bands_mask(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """Where each brow's hair may reach past its hull: a band ``BROW_BAND`` IOD either side of
    its line, continued ``BROW_TAIL`` past the outer end and ``BROW_HEAD`` past the inner end.
    The skin and light edits keep out of it (``PhotoLayers.protected``). float32 (H, W) in [0, 1]."""
    mask = np.zeros(_check_shape(shape), np.uint8)
    for name in PROTECTED:
        region = REGIONS[name]
        if region.band:
            draw_polygon(mask, band_line(face, name), region.band * face.iod, closed=False)
    return mask.astype(np.float32) / 255.0


def face_hull_points(face: Face) -> np.ndarray:
    """Outline of docs/quality.md's face hull: jaw 0-16 plus the brows raised by 10% IOD, pixels."""
    points = np.vstack([face.landmarks[0:17].astype(np.float64),
                        raised_brows(face, HULL_BROW_RAISE)])
    return cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(np.float64)


#: The face's core: the face hull pulled this far toward its middle (off the jaw's edge).
CORE_PULL = 0.95


def face_core_points(face: Face) -> np.ndarray:
    """Outline of the face's core, (N, 2) pixels: the face hull pulled toward its middle by
    ``CORE_PULL``. The person matte is always 1 there (no background edit reaches it) and the
    likeness reads the edit only there."""
    hull = face_hull_points(face).astype(np.float32)  # float32: the matte's bits as before
    middle = hull.mean(axis=0)
    return middle + (hull - middle) * np.float32(CORE_PULL)


def face_hull_mask(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """docs/quality.md's face hull (convex hull of the jaw 0-16 and the brows raised by 10% IOD).

    Returns float32 (H, W) in [0, 1], 1 inside.
    """
    mask = np.zeros(_check_shape(shape), np.uint8)
    draw_polygon(mask, face_hull_points(face))
    return mask.astype(np.float32) / 255.0

"""Where the likeness went: how much each region of the face contributes to a distance.

For an edit, each region in turn is reverted to the original and the likeness distance
measured again; for a headshot checked against photos of you, each region in turn is swapped
from the closest reference, aligned to the headshot by their landmarks (a similarity
transform) with its colour matched over the face. The gain (distance before minus after) is
the region's share of the change. Regions are disjoint, feathered by ``FEATHER`` IOD, and
built from ``studio.face.regions``'s landmark regions; all sizes are in IOD.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from studio.face.likeness import _descriptor, _edit_on_face, _face_crop
from studio.face.regions import FOREHEAD_RAISE, band_line, raised_brows, region_points
from studio.face.types import Face

#: The regions of the breakdown, in the user's words, in the order they are cut from the face
#: (each keeps only what the ones before did not take; "cheeks and skin" is what is left).
REGION_NAMES = ("eyes", "brows", "nose", "mouth", "hair line", "jaw line", "cheeks and skin")
#: How far each region reaches past its landmarks, IOD: the eyes take their lids and the
#: under-eye skin, the mouth its corners, the hair line a band at the top of the forehead.
EYES_MARGIN, BROWS_BAND, NOSE_MARGIN, MOUTH_MARGIN = 0.14, 0.09, 0.06, 0.09
HAIR_LINE_BAND, JAW_LINE_BAND = 0.16, 0.10
#: Region edges are feathered over this many IOD (a hard seam would read as a change).
FEATHER = 0.03
#: What each region is, said to a user.
WORDS = {
    "eyes": "the eyes and the skin around them",
    "brows": "the brows",
    "nose": "the nose",
    "mouth": "the mouth",
    "hair line": "the hair line",
    "jaw line": "the jaw line",
    "cheeks and skin": "the cheeks and skin",
}


def face_chip(pixels: np.ndarray, face: Face) -> tuple[np.ndarray, Face]:
    """The uint8 crop the likeness reads ``face`` from (its landmark span about 320 px) and
    the face in the crop's pixels."""
    crop = _face_crop(pixels, face)
    points = crop.points.astype(np.float32)
    box = (float(points[:, 0].min()), float(points[:, 1].min()),
           float(points[:, 0].max()), float(points[:, 1].max()))
    return crop.pixels, Face(box=box, landmarks=points, score=face.score, detector=face.detector)


def chip_descriptor(chip: np.ndarray, face: Face) -> np.ndarray:
    """dlib's descriptor of ``face`` in the uint8 ``chip`` (see ``face_chip``)."""
    return _descriptor(np.ascontiguousarray(chip), face.landmarks.astype(np.float64))


# ----------------------------------------------------------------------------- regions
def _stroke(mask: np.ndarray, points: np.ndarray, width: float, closed: bool) -> None:
    fixed = np.round(np.asarray(points, np.float64) * 16).astype(np.int32).reshape(-1, 1, 2)
    if closed:
        cv2.fillPoly(mask, [fixed], 255, lineType=cv2.LINE_AA, shift=4)
    if width >= 0.5:
        cv2.polylines(mask, [fixed], closed, 255, thickness=max(int(round(2 * width)), 1),
                      lineType=cv2.LINE_AA, shift=4)


def _raw_region(face: Face, name: str, shape: tuple[int, int]) -> np.ndarray:
    """Region ``name`` before the others are cut from it, uint8 (H, W) 0/255."""
    mask = np.zeros(shape, np.uint8)
    iod = face.iod
    if name == "eyes":
        for part in ("left_eye", "right_eye"):
            _stroke(mask, region_points(face, part), EYES_MARGIN * iod, True)
    elif name == "brows":
        for part in ("left_brow", "right_brow"):
            _stroke(mask, band_line(face, part), BROWS_BAND * iod, False)
    elif name == "nose":
        _stroke(mask, region_points(face, "nose"), NOSE_MARGIN * iod, True)
    elif name == "mouth":
        _stroke(mask, region_points(face, "lips"), MOUTH_MARGIN * iod, True)
    elif name == "hair line":
        _stroke(mask, raised_brows(face, FOREHEAD_RAISE), HAIR_LINE_BAND * iod, False)
    elif name == "jaw line":
        _stroke(mask, face.landmarks[0:17], JAW_LINE_BAND * iod, False)
    elif name == "cheeks and skin":
        _stroke(mask, region_points(face, "face_oval"), 0.0, True)
    else:
        raise KeyError(f"unknown region {name!r}; known: {', '.join(REGION_NAMES)}")
    return mask


def region_masks(face: Face, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """The breakdown's regions for ``face`` on an image of ``shape``: disjoint float32 (H, W)
    masks in [0, 1], feathered over ``FEATHER`` IOD, in ``REGION_NAMES`` order."""
    size = (int(shape[0]), int(shape[1]))
    taken = np.zeros(size, np.float32)
    sigma = max(FEATHER * face.iod, 0.5)
    masks = {}
    for name in REGION_NAMES:
        raw = _raw_region(face, name, size).astype(np.float32) / 255.0
        own = np.clip(raw - taken, 0.0, 1.0)
        taken = np.maximum(taken, raw)
        masks[name] = cv2.GaussianBlur(own, (0, 0), sigma)
    return masks


# ----------------------------------------------------------------------------- breakdown
@dataclass(frozen=True, eq=False)
class Breakdown:
    """How much of a distance each region holds.

    distance : the distance measured (descriptor units) before anything is reverted.
    gains : region name -> how much the distance falls when that region alone is reverted
        (or swapped from the reference); negative gains are kept as measured.
    chip : the face's uint8 crop the breakdown was measured on, and ``masks`` its regions.
    """

    distance: float
    gains: dict[str, float]
    chip: np.ndarray = field(repr=False)
    masks: dict[str, np.ndarray] = field(repr=False)

    @property
    def shares(self) -> dict[str, float]:
        """Each region's share (0..1) of the positive gains; all 0 when nothing gains."""
        positive = {k: max(v, 0.0) for k, v in self.gains.items()}
        total = sum(positive.values())
        return {k: (v / total if total > 0 else 0.0) for k, v in positive.items()}

    @property
    def top(self) -> str | None:
        """The region whose revert gains most (None when none gains)."""
        name, gain = max(self.gains.items(), key=lambda item: item[1])
        return name if gain > 0 else None

    def words(self, what: str = "the change") -> str:
        """The top region in words: 'most of the change is in the mouth (62%)'."""
        top = self.top
        if top is None:
            return f"{what} is spread over the face"
        return f"most of {what} is in {WORDS[top]} ({100 * self.shares[top]:.0f}%)"

    def picture(self, width: int = 256) -> np.ndarray:
        """Where it differs most: the face's crop, each region tinted red by its share and the
        top one outlined, uint8 (H, W, 3) ``width`` px wide."""
        image = self.chip.astype(np.float32)
        shares = self.shares
        most = max(shares.values()) or 1.0
        red = np.array([230.0, 40.0, 40.0], np.float32)
        for name, mask in self.masks.items():
            alpha = 0.65 * shares[name] / most * mask[:, :, None]
            image = image + alpha * (red - image)
        out = np.clip(np.round(image), 0, 255).astype(np.uint8)
        if self.top is not None:
            edge = (self.masks[self.top] > 0.5).astype(np.uint8)
            contours, _ = cv2.findContours(edge, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(out, contours, -1, (255, 230, 0), 2, lineType=cv2.LINE_AA)
        height = max(int(round(out.shape[0] * width / out.shape[1])), 1)
        return cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA)


    def where(self, face: Face, shape: tuple[int, ...]) -> np.ndarray:
        """Where the change is, for an overlay on the photo ``face`` is in (``shape``): each
        region's mask weighted by its share against the top one's, float32 (H, W) in [0, 1]
        (zeros when nothing gains). Only the face's surroundings are drawn."""
        h, w = int(shape[0]), int(shape[1])
        out = np.zeros((h, w), np.float32)
        shares = self.shares
        most = max(shares.values(), default=0.0)
        if most <= 0:
            return out
        reach = (HAIR_LINE_BAND + FOREHEAD_RAISE + 1.0) * face.iod  # the hair line sits highest
        (x0, y0), (x1, y1) = face.landmarks.min(axis=0), face.landmarks.max(axis=0)
        left, top = max(int(x0 - reach), 0), max(int(y0 - reach), 0)
        right, bottom = min(int(np.ceil(x1 + reach)), w), min(int(np.ceil(y1 + reach)), h)
        if right <= left or bottom <= top:
            return out
        masks = region_masks(face.translated(left, top), (bottom - top, right - left))
        window = sum(shares[name] / most * mask for name, mask in masks.items())
        out[top:bottom, left:right] = np.clip(window, 0.0, 1.0)
        return out


def _measured(chip: np.ndarray, source: np.ndarray, masks: dict[str, np.ndarray],
              distance_of: Callable[[np.ndarray], float]) -> Breakdown:
    """The breakdown of ``distance_of(chip)`` with each region in turn taken from ``source``
    (uint8, ``chip``'s size and geometry)."""
    before = distance_of(chip)
    target = chip.astype(np.float32)
    other = source.astype(np.float32)
    gains = {}
    for name, mask in masks.items():
        mixed = target + mask[:, :, None] * (other - target)
        gains[name] = before - distance_of(np.clip(np.round(mixed), 0, 255).astype(np.uint8))
    return Breakdown(before, gains, chip, masks)


def edit_breakdown(original: np.ndarray, edited: np.ndarray, face: Face) -> Breakdown:
    """Where an edit's likeness went: ``studio.face.likeness.likeness_distance`` of the edit
    with each region in turn reverted to ``original`` (``face`` in ``original``'s pixels;
    ``edited`` may be a resized copy: it is brought to the original's size)."""
    if edited.shape[:2] != original.shape[:2]:
        edited = cv2.resize(np.ascontiguousarray(edited), (original.shape[1], original.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
    before = _face_crop(original, face)
    after = _face_crop(edited, face)
    base = _descriptor(before.pixels, before.points)

    def distance_of(chip: np.ndarray) -> float:
        on_face = _edit_on_face(before.pixels, replace(after, pixels=chip))
        return float(np.linalg.norm(base - _descriptor(on_face, after.points)))

    chip_face = Face(box=(0.0, 0.0, 1.0, 1.0), landmarks=after.points.astype(np.float32))
    masks = region_masks(chip_face, after.pixels.shape)
    return _measured(after.pixels, before.pixels, masks, distance_of)


def aligned_reference(reference: tuple[np.ndarray, Face], chip: np.ndarray,
                      face: Face) -> np.ndarray:
    """The reference's face crop moved onto ``face`` in ``chip`` (a similarity transform
    from landmarks to landmarks), its colour matched to the chip's over the face (per
    channel mean and spread). uint8, ``chip``'s size."""
    pixels, ref_face = reference
    matrix, _ = cv2.estimateAffinePartial2D(ref_face.landmarks.astype(np.float32),
                                            face.landmarks.astype(np.float32))
    if matrix is None:
        matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    size = (chip.shape[1], chip.shape[0])
    moved = cv2.warpAffine(np.ascontiguousarray(pixels), matrix, size, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT).astype(np.float32)
    inside = np.zeros(chip.shape[:2], np.uint8)
    _stroke(inside, region_points(face, "face_oval"), 0.0, True)
    where = inside > 0
    if where.sum() > 16:
        target = chip.astype(np.float32)
        for c in range(3):
            ref_values, own = moved[:, :, c][where], target[:, :, c][where]
            scale = own.std() / max(ref_values.std(), 1.0)
            moved[:, :, c] = (moved[:, :, c] - ref_values.mean()) * scale + own.mean()
    return np.clip(np.round(moved), 0, 255).astype(np.uint8)


def headshot_breakdown(pixels: np.ndarray, face: Face, reference: tuple[np.ndarray, Face],
                       distance_of: Callable[[np.ndarray], float]) -> Breakdown:
    """Where a headshot differs from you: ``distance_of(descriptor)`` (the distance to your
    identity) with each region in turn swapped from ``reference`` (a face crop and its face,
    ``face_chip``), aligned onto ``face`` (in ``pixels``)."""
    chip, chip_face = face_chip(pixels, face)
    source = aligned_reference(reference, chip, chip_face)
    masks = region_masks(chip_face, chip.shape)
    return _measured(chip, source, masks, lambda c: distance_of(chip_descriptor(c, chip_face)))

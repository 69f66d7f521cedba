"""What face analysis finds: small, serialisable values in photo pixel coordinates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Coordinates larger than this (pixels) are a damaged file, not a photo (150 MP is 12,000 px).
MAX_COORDINATE = 1e6
#: The smallest face box (pixels across) an analysis may hold: the detectors find none below
#: about 20 px.
MIN_FACE_BOX = 8.0

#: dlib 68-point indices of the eye contours, used for the inter-ocular distance (IOD).
LEFT_EYE = tuple(range(36, 42))
RIGHT_EYE = tuple(range(42, 48))


@dataclass(frozen=True, eq=False)
class Face:
    """One face.

    box : (x0, y0, x1, y1) in pixels of the photo (after EXIF rotation).
    landmarks : float32 (68, 2) array of (x, y) pixels, dlib's 68-point order.
    score : detector confidence (larger is surer); ``detector`` names which found it.
    """

    box: tuple[float, float, float, float]
    landmarks: np.ndarray
    score: float = 0.0
    detector: str = "hog"

    @property
    def eye_centres(self) -> tuple[np.ndarray, np.ndarray]:
        pts = self.landmarks
        return pts[list(LEFT_EYE)].mean(axis=0), pts[list(RIGHT_EYE)].mean(axis=0)

    @property
    def iod(self) -> float:
        """Inter-ocular distance in pixels: between the centres of the two eyes."""
        left, right = self.eye_centres
        return float(np.hypot(*(right - left)))

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.box
        return max(x1 - x0, 0.0) * max(y1 - y0, 0.0)

    def scaled(self, factor: float | tuple[float, float]) -> Face:
        """The same face in an image resized by ``factor`` (one factor, or (x, y) factors),
        pixel centres kept aligned."""
        f = factor if np.isscalar(factor) else np.asarray(factor, dtype=np.float32)

        def s(v):
            return (np.asarray(v, dtype=np.float32).reshape(-1, 2) + 0.5) * f - 0.5

        box = tuple(float(v) for v in s(self.box).ravel())
        return Face(box=box, landmarks=s(self.landmarks).astype(np.float32),
                    score=self.score, detector=self.detector)

    def translated(self, x: float, y: float) -> Face:
        """The same face in the coordinates of a crop whose top-left is at (``x``, ``y``)."""
        x0, y0, x1, y1 = self.box
        return Face(box=(x0 - x, y0 - y, x1 - x, y1 - y),
                    landmarks=(self.landmarks - np.array([x, y], np.float32)).astype(np.float32),
                    score=self.score, detector=self.detector)

    def with_landmarks(self, landmarks: np.ndarray) -> Face:
        """The same face (box, score, detector) with other ``landmarks`` (68, 2) pixels."""
        return Face(box=self.box, landmarks=np.asarray(landmarks, np.float32),
                    score=self.score, detector=self.detector)

    def to_dict(self) -> dict:
        return {
            "box": [round(float(v), 2) for v in self.box],
            "landmarks": [[round(float(x), 2), round(float(y), 2)] for x, y in self.landmarks],
            "score": round(float(self.score), 4),
            "detector": self.detector,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Face:
        """The face of ``to_dict``; ValueError for anything but 4 box and 68 x 2 landmark
        numbers, all finite and below :data:`MAX_COORDINATE` in size."""
        landmarks = _coordinates(data["landmarks"], "landmarks")
        if landmarks.shape != (68, 2):
            raise ValueError("a face needs 68 landmarks")
        box = _coordinates(data["box"], "box")
        if box.shape != (4,):
            raise ValueError("a face box needs 4 numbers")
        score = float(data.get("score", 0.0))
        if not np.isfinite(score):
            raise ValueError("the face's score is not a number")
        return cls(box=tuple(float(v) for v in box), landmarks=landmarks.astype(np.float32),
                   score=score, detector=str(data.get("detector", "hog")))

    def problem(self, width: int, height: int) -> tuple[str, str] | None:
        """Why this face cannot be one found in a ``width`` x ``height`` photo, as (the part
        at fault: "box" or "landmarks", the reason), or None when it is plausible.

        The bounds are generous: on our test photos a face's eye distance is 0.24-0.49 of its
        box width and its landmarks span 0.77-1.13 of the box's width and height (0.4-2.5 and
        0.05-1.0 are allowed); they only catch a damaged or edited file (points all equal, far
        outside the photo, a box that is not this face's).
        """
        x0, y0, x1, y1 = self.box
        if not (-1 <= x0 < x1 <= width + 1 and -1 <= y0 < y1 <= height + 1):
            return "box", f"{_shown(self.box)} is not a box inside the {width} x {height} photo"
        size = max(x1 - x0, y1 - y0)
        if size < MIN_FACE_BOX:
            return "box", f"is {size:.1f} px across, too small for a face"
        points = self.landmarks.astype(np.float64)
        low, high = points.min(axis=0), points.max(axis=0)
        if (low < -size).any() or high[0] > width + size or high[1] > height + size:
            return "landmarks", f"lie outside the {width} x {height} photo"
        centre = points.mean(axis=0)
        if not (x0 - size / 2 <= centre[0] <= x1 + size / 2
                and y0 - size / 2 <= centre[1] <= y1 + size / 2):
            return "landmarks", "are not on the face in 'box'"
        spread = (high - low) / (x1 - x0, y1 - y0)
        iod = self.iod
        if not ((spread >= 0.4) & (spread <= 2.5)).all() or not 0.05 <= iod / (x1 - x0) <= 1.0:
            return "landmarks", (f"do not have a face's shape in its box (eye distance "
                                 f"{iod:.1f} px, spread {_shown(tuple(high - low))} px, box "
                                 f"{x1 - x0:.1f} x {y1 - y0:.1f} px)")
        return None


def _coordinates(value: object, name: str) -> np.ndarray:
    """JSON numbers (nested lists) as float64; ValueError for anything else, or non-finite or
    huge values (checked before any cast, so nothing overflows)."""
    array = np.asarray(value, dtype=object)
    if array.dtype != object or array.size == 0 or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in array.ravel()
    ):
        raise ValueError(f"the face's {name} must be numbers")
    numbers = np.array(array.tolist(), dtype=np.float64)
    if not (np.isfinite(numbers).all() and (np.abs(numbers) <= MAX_COORDINATE).all()):
        raise ValueError(f"the face's {name} are not pixel positions (infinite, or beyond "
                         f"{MAX_COORDINATE:g} px)")
    return numbers


def _shown(box: tuple[float, ...]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in box) + "]"


@dataclass(frozen=True, eq=False)
class FaceAnalysis:
    """All faces found in one photo; ``primary`` is the largest (None when there is none)."""

    width: int
    height: int
    faces: tuple[Face, ...] = field(default_factory=tuple)
    primary: int | None = None

    def face(self, index: int | None = None) -> Face | None:
        """The chosen face (``index``), else the primary one; None when there are no faces."""
        if not self.faces:
            return None
        if index is None:
            index = self.primary if self.primary is not None else 0
        if not 0 <= index < len(self.faces):
            return None
        return self.faces[index]

    def where(self, index: int) -> str:
        """Where face ``index`` is in the photo, as a user would say it ("top left", "centre",
        "bottom right"): which third of the width and of the height its box's centre is in."""
        x0, y0, x1, y1 = self.faces[index].box
        column = ("left", "", "right")[min(int(3 * (x0 + x1) / 2 / max(self.width, 1)), 2)]
        row = ("top", "", "bottom")[min(int(3 * (y0 + y1) / 2 / max(self.height, 1)), 2)]
        return " ".join(part for part in (row, column) if part) or "centre"

    def problem(self) -> tuple[str, str] | None:
        """Why this cannot be an analysis of a photo of its size, as (the key at fault, e.g.
        "faces[0].landmarks", the reason), or None when every face is plausible."""
        for index, face in enumerate(self.faces):
            found = face.problem(self.width, self.height)
            if found is not None:
                return f"faces[{index}].{found[0]}", found[1]
        return None

    def scaled(self, factor: float) -> FaceAnalysis:
        return FaceAnalysis(
            width=max(int(round(self.width * factor)), 1),
            height=max(int(round(self.height * factor)), 1),
            faces=tuple(f.scaled(factor) for f in self.faces),
            primary=self.primary,
        )

    def to_dict(self) -> dict:
        """The ``analyze --json`` format of PRODUCT.md (plus score/detector per face)."""
        return {
            "image": {"width": self.width, "height": self.height},
            "faces": [f.to_dict() for f in self.faces],
            "primary": self.primary,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FaceAnalysis:
        faces = tuple(Face.from_dict(f) for f in data.get("faces", []))
        primary = data.get("primary")
        if primary is not None and not (isinstance(primary, int) and 0 <= primary < len(faces)):
            raise ValueError("primary face index out of range")
        return cls(width=int(data["image"]["width"]), height=int(data["image"]["height"]),
                   faces=faces, primary=primary)

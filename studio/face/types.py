"""What face analysis finds: small, serialisable values in photo pixel coordinates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
        landmarks = np.asarray(data["landmarks"], dtype=np.float32)
        if landmarks.shape != (68, 2):
            raise ValueError("a face needs 68 landmarks")
        box = tuple(float(v) for v in data["box"])
        if len(box) != 4:
            raise ValueError("a face box needs 4 numbers")
        return cls(box=box, landmarks=landmarks, score=float(data.get("score", 0.0)),
                   detector=str(data.get("detector", "hog")))


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

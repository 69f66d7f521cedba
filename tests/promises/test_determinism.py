"""Same photo, same sliders, same bits: across processes, with and without the analysis cache,
and between the render that saved a session and a later re-render of that session.

Each render runs in its own process (OpenCV's threads, a fresh cache or none), on a photo of
about 6 MP so that OpenCV's parallel code paths are taken. Every test runs with the learned
models installed and with them missing (landmarks from dlib's 68-point fallback, which round
and cache as the mesh's do).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
EDITS = ["--look", "linkedin", "--set", "bg_blur=0.6", "--set", "bg_light=0.3",
         "--set", "backdrop=#808080", "--set", "warmth=0.3", "--set", "smooth=0.8"]


@pytest.fixture(scope="module", params=["models installed", "models missing"])
def models_env(request, tmp_path_factory) -> dict[str, str]:
    """The environment of every process a test starts: the learned models as set-up installed
    them, or an empty model folder (the app as a pip install without ``make models`` sees it)."""
    env = dict(os.environ)
    if request.param == "models missing":
        env["LIKENESS_MODELS_DIR"] = str(tmp_path_factory.mktemp("models") / "no-models")
    return env


def likeness(*argv, cache: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "studio", *[str(a) for a in argv]],
        capture_output=True, text=True, timeout=900, cwd=REPO,
        env={**env, "LIKENESS_CACHE_DIR": str(cache)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def pixels_of(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image).copy()


def differing(a: Path, b: Path) -> str:
    """'' when the two pictures have the same pixels, else how they differ."""
    x, y = pixels_of(a).astype(np.int32), pixels_of(b).astype(np.int32)
    if x.shape != y.shape:
        return f"sizes differ: {x.shape} vs {y.shape}"
    changed = np.abs(x - y).max(axis=-1)
    if not changed.any():
        return ""
    return f"{int((changed > 0).sum())} pixels differ, by up to {int(changed.max())} levels"


def digest(path: Path) -> str:
    return hashlib.sha256(pixels_of(path).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    """A real portrait enlarged to about 6 MP."""
    from tests.helpers.photos import face_photo

    source = Image.open(face_photo("deepface_img54.jpg"))
    path = tmp_path_factory.mktemp("determinism") / "portrait.jpg"
    source.resize((2000, 3000), Image.LANCZOS).save(path, quality=95)
    return path


@dataclass(frozen=True)
class FirstRender:
    """The first process's export of the photo with EDITS (no cache yet: faces detected), the
    session it saved beside it, the cache folder it filled and what it said on stderr."""

    out: Path
    session: Path
    cache: Path
    stderr: str


@pytest.fixture(scope="module")
def first(photo, models_env, tmp_path_factory) -> FirstRender:
    """One first render per model set-up, shared by the two tests that compare against it (a
    6 MP render in a new process costs more than the comparisons)."""
    folder = tmp_path_factory.mktemp("first")
    out, session, cache = folder / "run0.png", folder / "portrait.likeness.json", folder / "cache"
    result = likeness("retouch", photo, "-o", out, *EDITS, "--save-session", session,
                      cache=cache, env=models_env)
    return FirstRender(out, session, cache, result.stderr)


def test_two_processes_render_the_same_bits_with_and_without_the_cache(photo, first, tmp_path, models_env):
    # the configuration asked for is the one that ran
    fallback = "no-models" in models_env.get("LIKENESS_MODELS_DIR", "")
    assert ("dlib's 68-point model" in first.stderr) == fallback, first.stderr
    outputs = [first.out]
    # 1: no cache yet (the first render, faces detected); 2: from the cache it wrote; 3: no
    # cache folder at all
    for index, folder in ((1, first.cache), (2, tmp_path / "fresh")):
        out = tmp_path / f"run{index}.png"
        likeness("retouch", photo, "-o", out, *EDITS, cache=folder, env=models_env)
        outputs.append(out)
    assert len(list((first.cache / "faces").glob("*.json"))) == 1
    for out in outputs[1:]:
        assert differing(outputs[0], out) == "", out.name


def test_a_saved_session_renders_the_same_bits_in_a_new_process(first, tmp_path, models_env):
    first_cache, session, original = first.cache, first.session, first.out
    assert session.is_file()
    for name, cache in (("warm cache", first_cache), ("no cache", tmp_path / "empty")):
        again = tmp_path / f"again-{name}.png"
        likeness("retouch", session, "-o", again, cache=cache, env=models_env)
        assert differing(original, again) == "", name


_IN_PROCESS = """
import sys
import numpy as np
from studio.face import analyze_photo
from studio.imaging import load
from studio.render import Retoucher, render_photo
photo = load(sys.argv[1])
analysis = analyze_photo(photo)
sliders = dict(smooth=0.8, blemish=0.5, face_light=0.4, bg_blur=0.6, bg_light=0.3,
               backdrop="#808080", warmth=0.3)
once = render_photo(photo.pixels, analysis, sliders)
live = Retoucher(photo.pixels, analysis)
live.render({**sliders, "bg_blur": 0.2})
assert np.array_equal(live.render(sliders), once), "live and one-off renders differ"
np.save(sys.argv[2], once)
"""


def test_the_float_render_is_the_same_in_two_processes(photo, tmp_path, models_env):
    """Before 8-bit rounding (which hides most float differences): the same float32 bits."""
    results = []
    for index in range(2):
        out = tmp_path / f"render{index}.npy"
        done = subprocess.run([sys.executable, "-c", _IN_PROCESS, str(photo), str(out)],
                              capture_output=True, text=True, timeout=900, cwd=REPO,
                              env={**models_env, "LIKENESS_CACHE_DIR": str(tmp_path / "c")})
        assert done.returncode == 0, done.stderr[-2000:]
        results.append(np.load(out))
    assert results[0].tobytes() == results[1].tobytes()

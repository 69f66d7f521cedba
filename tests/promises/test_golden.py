"""Golden renders: slider sets rendered by the CLI (``likeness retouch``) on the built-in sample
portrait (public domain) and on synthetic images, compared with stored PNGs in tests/data/golden/
within CIEDE2000 max 2.3 and mean 0.8.

Regenerate them after an intended change of the look (then review the PNGs by eye):

    LIKENESS_REGENERATE_GOLDENS=1 .venv/bin/pytest tests/promises/test_golden.py
    (or ``make goldens``, i.e. ``pytest tests/promises/test_golden.py --regenerate-goldens``)

Stored images are the CLI's output downscaled to at most 256 px (area average) to keep the
repository small; the comparison is made at that size. Never store renders of ../shared photos.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from studio.imaging.colour import delta_e2000

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "data" / "golden"
MAX_DE, MEAN_DE = 2.3, 0.8
STORED_SIZE = 256

#: name -> (source image, slider assignments)
CASES = {
    "sample_natural": ("sample", ["smooth=0.5", "blemish=0.5", "eyes=0.3", "teeth=0.3"]),
    "sample_polished": (
        "sample",
        ["smooth=1", "shine=1", "face_light=0.5", "shadows=0.5", "warmth=0.3", "bg_blur=0.7"],
    ),
    "sample_backdrop": (
        "sample",
        ["backdrop=#f2f2f2", "face_light=-0.4", "warmth=-0.4", "eyes=1", "teeth=1"],
    ),
    "synthetic_portrait": (
        "portrait",
        ["smooth=1", "warmth=0.6", "bg_light=0.5", "bg_desaturate=1"],
    ),
    "synthetic_chart": ("chart", ["warmth=-0.8", "bg_light=-0.4"]),
}


def _regenerate(config: pytest.Config) -> bool:
    if os.environ.get("LIKENESS_REGENERATE_GOLDENS") == "1":
        return True
    try:
        return bool(config.getoption("--regenerate-goldens"))
    except ValueError:  # the option is not registered in this checkout
        return False


def _chart() -> np.ndarray:
    """A synthetic colour chart: hue sweep across, lightness down, with a grey strip."""
    h, w = 192, 256
    hue = np.tile(np.linspace(0, 179, w, dtype=np.float32), (h, 1))
    value = np.tile(np.linspace(255, 40, h, dtype=np.float32)[:, None], (1, w))
    hsv = np.dstack([hue, np.full((h, w), 150, np.float32), value]).astype(np.uint8)
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    rgb[:, :24] = np.linspace(255, 0, h).astype(np.uint8)[:, None, None]
    return rgb


def _source(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.png"
    if kind == "sample":
        from studio.imaging.sample import sample_photo

        pixels = sample_photo().pixels
        array = np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8)
    elif kind == "portrait":
        from tests.render.test_synthetic import synthetic_portrait

        pixels, _ = synthetic_portrait(size=(320, 360), scale=1.75)
        array = np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8)
    else:
        array = _chart()
    Image.fromarray(array).save(path)
    return path


def _stored(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = min(1.0, STORED_SIZE / max(h, w))
    if scale < 1:
        image = cv2.resize(
            image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
        )
    return image


def render_case(name: str, tmp_path, capsys):
    """(case ``name`` rendered through ``likeness retouch`` to PNG as float32 RGB in [0, 1],
    the source photo's path)."""
    from studio.cli import main

    kind, assignments = CASES[name]
    source = _source(kind, tmp_path)
    output = tmp_path / f"{name}.png"
    argv = ["retouch", str(source), "-o", str(output)]
    for assignment in assignments:
        argv += ["--set", assignment]
    assert main(argv) == 0, capsys.readouterr().err
    return np.asarray(Image.open(output).convert("RGB"), np.float32) / 255.0, source


@pytest.mark.parametrize("name", list(CASES))
def test_golden_render(name, tmp_path, request, capsys):
    rendered = _stored(render_case(name, tmp_path, capsys)[0])
    golden_path = GOLDEN_DIR / f"{name}.png"
    if _regenerate(request.config):
        GOLDEN_DIR.mkdir(exist_ok=True)
        Image.fromarray(np.round(rendered * 255).astype(np.uint8)).save(golden_path)
        pytest.skip(f"regenerated {golden_path.name}")
    assert golden_path.is_file(), f"missing {golden_path}: run with LIKENESS_REGENERATE_GOLDENS=1"
    golden = np.asarray(Image.open(golden_path).convert("RGB"), np.float32) / 255.0
    assert golden.shape == rendered.shape
    de = delta_e2000(golden, rendered)
    assert de.max() <= MAX_DE and de.mean() <= MEAN_DE, (
        f"{name}: CIEDE2000 max {de.max():.2f}, mean {de.mean():.2f}"
    )


def test_goldens_show_the_edits():
    """The stored goldens are not the unedited sources (a regeneration mistake would pass)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for name, (kind, _) in CASES.items():
            golden_path = GOLDEN_DIR / f"{name}.png"
            if not golden_path.is_file():
                pytest.skip("goldens not generated yet")
            source = _stored(
                np.asarray(Image.open(_source(kind, Path(folder))).convert("RGB"), np.float32)
                / 255.0
            )
            golden = np.asarray(Image.open(golden_path).convert("RGB"), np.float32) / 255.0
            assert delta_e2000(source, golden).max() > 3.0, f"{name} looks unedited"

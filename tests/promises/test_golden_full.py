"""Golden renders at full resolution, with a fine-band check: two of test_golden's cases on
the public-domain sample portrait, compared pixel for pixel with tests/data/golden/full/*.png
(not downscaled: a render that loses the pores can no longer hide in an average).

Regenerated with the other goldens (``make goldens``); review the PNGs by eye.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from studio.imaging.colour import delta_e2000
from tests.helpers.promises import feature_masks, fine_band_energy
from tests.promises.test_golden import GOLDEN_DIR, _regenerate, render_case

FULL_DIR = GOLDEN_DIR / "full"
FULL_CASES = ("sample_natural", "sample_polished")
#: Colour agreement: the same code gives the same bits; this leaves room for float noise only.
MAX_DE, MEAN_DE = 2.3, 0.2
#: The render's fine band over the face's skin, as a share of the golden's.
FINE_BAND = (0.95, 1.05)


def _skin(face, shape) -> np.ndarray:
    """The face inside its jaw and brows, 0.1 IOD in from the outline and away from the
    protected features (drawn from the landmarks here)."""
    points = cv2.convexHull(face.landmarks[:27].astype(np.float32))
    region = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(region, np.round(points).astype(np.int32), 1)
    features = np.zeros(shape[:2], np.uint8)
    for mask in feature_masks(face.landmarks, shape).values():
        features |= mask.astype(np.uint8)
    r = max(int(round(0.1 * face.iod)), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return (cv2.erode(region, kernel) > 0) & ~(cv2.dilate(features, kernel) > 0)


@pytest.mark.parametrize("name", FULL_CASES)
def test_golden_render_at_full_resolution(name, tmp_path, request, capsys):
    from studio.face import analyze

    rendered, source = render_case(name, tmp_path, capsys)
    golden_path = FULL_DIR / f"{name}.png"
    if _regenerate(request.config):
        FULL_DIR.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(rendered * 255).astype(np.uint8)).save(golden_path)
        pytest.skip(f"regenerated full/{golden_path.name}")
    assert golden_path.is_file(), f"missing {golden_path}: run make goldens"
    golden = np.asarray(Image.open(golden_path).convert("RGB"), np.float32) / 255.0
    original = np.asarray(Image.open(source).convert("RGB"), np.float32) / 255.0
    assert golden.shape == rendered.shape == original.shape  # full size, not downscaled
    de = delta_e2000(golden, rendered)
    assert de.max() <= MAX_DE and de.mean() <= MEAN_DE, (
        f"{name}: CIEDE2000 max {de.max():.2f}, mean {de.mean():.3f}"
    )
    face = analyze(original).face()
    assert face is not None, "no face found on the sample portrait"
    skin = _skin(face, original.shape)
    assert skin.sum() > 1000
    kept = fine_band_energy(rendered, skin, face.iod) / fine_band_energy(golden, skin, face.iod)
    assert FINE_BAND[0] <= kept <= FINE_BAND[1], f"{name}: fine band {kept:.3f} of the golden's"

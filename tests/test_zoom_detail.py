"""The 100% zoom detail shows what the preview (and the export) shows (issue 26's soak).

Zoomed in to 100% on a large photo, the studio renders the visible region at full size with its
own Retoucher. Its person matte was found on the region alone: on a shoulder or a shirt away from
the face there is no face to say who the person is, so the whole region counted as background
(and numpy warned "Mean of empty slice"): with a backdrop the body vanished under it at 100%
while the preview and the export kept it. The region now uses the preview's matte, cut to it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from studio.edits.sliders import default_sliders
from studio.face import analyze_photo
from studio.imaging import load
from studio.ui.engine import PreviewEngine

try:
    from tests.conftest import face_photo
except ImportError:  # pragma: no cover - rootdir layouts differ
    from conftest import face_photo

GREEN = "#00ff00"


def _green(pixels: np.ndarray) -> float:
    """The share of pixels that are the backdrop."""
    return float(((pixels[..., 1] > 0.9) & (pixels[..., 0] < 0.1) & (pixels[..., 2] < 0.1)).mean())


@pytest.fixture(scope="module")
def portrait():
    photo = load(face_photo("deepface_img1.jpg"))  # 1382 x 1868: the preview is a proxy
    return photo, analyze_photo(photo)


@pytest.mark.parametrize("where", ["shirt", "face", "corner"])
def test_the_zoom_detail_keeps_the_person_the_preview_keeps(portrait, where):
    photo, analysis = portrait
    engine = PreviewEngine(photo, analysis)
    sliders = dict(default_sliders(), backdrop=GREEN)
    preview = engine.render(sliders)
    x0, y0, x1, y1 = (int(v) for v in analysis.faces[0].box)
    rect = {"shirt": (x0, photo.height - 300, x1, photo.height), "face": (x0, y0, x1, y1),
            "corner": (0, 0, 300, 300)}[where]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        detail = engine.render_region(rect, sliders)
    h, w = detail.pixels.shape[:2]
    k = engine.factor
    same_place = preview[int(detail.y * k):int((detail.y + h) * k),
                         int(detail.x * k):int((detail.x + w) * k)]
    assert abs(_green(detail.pixels) - _green(same_place)) < 0.02
    if where == "shirt":
        assert _green(detail.pixels) < 0.02  # the person's shirt, not the backdrop

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
from tests.helpers.photos import face_photo

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


#: Every face edit at a strong setting (the soak's detail view hit them all).
FACE_LOOK = {"smooth": 1.0, "blemish": 1.0, "shine": 0.8, "face_light": 0.5, "shadows": 0.5,
             "warmth": 0.3, "eyes": 0.6, "teeth": 0.6, "under_eye": 0.6}


@pytest.fixture(scope="module")
def astronaut():
    from studio.imaging.sample import sample_photo

    photo = sample_photo()
    return photo.pixels, analyze_photo(photo)


@pytest.mark.parametrize("rows, cols", [
    ((420, 512), (0, 160)),    # the suit, below the head region
    ((0, 512), (470, 512)),    # a strip right of it
    ((0, 40), (0, 40)),        # a corner above and left of it
])
def test_a_zoom_region_far_from_the_face_renders_as_the_whole_photo_does_there(
        astronaut, rows, cols):
    """Zoomed to 100% away from the face (the soak's crash: the head region cut to the view was
    empty and OpenCV raised in the render thread): the view shows what the export has there
    (the face edits leave those pixels as they were; warmth's whole-photo part is per pixel)."""
    from studio.render import Retoucher

    pixels, analysis = astronaut
    (y0, y1), (x0, x1) = rows, cols
    crop = np.ascontiguousarray(pixels[y0:y1, x0:x1])
    moved = type(analysis)(width=x1 - x0, height=y1 - y0, primary=analysis.primary,
                           faces=tuple(f.translated(x0, y0) for f in analysis.faces))
    out = Retoucher(crop, moved).render(FACE_LOOK)
    whole = Retoucher(pixels, analysis).render(FACE_LOOK)[y0:y1, x0:x1]
    assert np.abs(out - whole).max() < 1e-6


@pytest.mark.parametrize("reach", [1, 2, 3, 5])
def test_a_zoom_region_meeting_the_head_region_by_a_sliver_renders(astronaut, reach):
    """The head region's edge a few pixels into the view: rendered, finite, the same size."""
    from studio.face.layers import PhotoLayers
    from studio.render import Retoucher

    pixels, analysis = astronaut
    rows = PhotoLayers(pixels, analysis.faces[analysis.primary]).roi[0]
    y0 = rows.stop - reach
    crop = np.ascontiguousarray(pixels[y0:])
    moved = type(analysis)(width=crop.shape[1], height=crop.shape[0], primary=analysis.primary,
                           faces=tuple(f.translated(0, y0) for f in analysis.faces))
    out = Retoucher(crop, moved).render(FACE_LOOK)
    assert out.shape == crop.shape and np.isfinite(out).all()

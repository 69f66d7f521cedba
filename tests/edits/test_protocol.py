"""Every slider family follows one protocol, and a new slider of any kind (face, light,
background) is its own module plus a row in the SLIDERS table: these tests register three
test-only edits (tests/helpers/example_edits) that way and render with them, preview and one-off,
without any pipeline code knowing them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from studio.edits import protocol, sliders
from studio.edits.sliders import Slider
from studio.imaging.sample import sample_photo
from studio.render import Retoucher, render_photo

EXAMPLES = (
    Slider("test_rosy", "Rosy skin", "Skin", 0.0, 1.0, 0.0, "A rosier skin tone.",
           edit="example_edits.rosy_skin"),
    Slider("test_glow", "Face glow", "Light", 0.0, 1.0, 0.0, "A glow on the face.",
           edit="example_edits.face_glow"),
    Slider("test_bg_tint", "Blue background", "Background", 0.0, 1.0, 0.0,
           "Tints the background blue.", edit="example_edits.background_tint"),
)
LOOK = {"smooth": 0.5, "shadows": 0.4, "face_light": 0.2, "bg_blur": 0.5, "warmth": 0.3}


@pytest.fixture(scope="module")
def sample():
    from studio.face import analyze

    pixels = sample_photo().pixels
    return pixels, analyze(pixels)


@pytest.fixture
def registered(monkeypatch):
    """The example edits' rows added to the SLIDERS table (the only registration there is)."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "helpers"))
    monkeypatch.setattr(sliders, "SLIDERS", sliders.SLIDERS + EXAMPLES)
    yield
    for name in [n for n in sys.modules if n.startswith("example_edits")]:
        del sys.modules[name]


def test_every_built_in_slider_belongs_to_an_edit_that_follows_the_protocol():
    found = protocol.edits()
    assert {k for edit in found for k in edit.KEYS} == {s.key for s in sliders.SLIDERS}
    assert [e.STAGE for e in found] == sorted((e.STAGE for e in found), key=protocol.STAGES.index)
    for edit in found:
        neutral = edit.Params()
        assert neutral.is_neutral(), edit.__name__
        assert isinstance(edit.VERSION, int) and edit.VERSION >= 1


def test_the_sliders_that_need_a_face_come_from_the_edits_stages():
    assert protocol.face_keys() == {
        "smooth", "blemish", "shine", "face_light", "shadows", "eyes", "teeth", "under_eye"
    }


def test_new_sliders_of_every_kind_render_from_their_module_and_table_row(sample, registered):
    pixels, analysis = sample
    assert {"test_rosy", "test_glow"} <= protocol.face_keys()
    assert "test_bg_tint" not in protocol.face_keys()
    plain = render_photo(pixels, analysis, LOOK)
    preview = Retoucher(pixels, analysis)
    assert np.array_equal(preview.render(LOOK), plain)  # registered but at 0: nothing changes
    face = analysis.face(None)
    alpha = preview.layers.person_alpha
    roi = preview.layers.roi
    outside_head = np.ones(pixels.shape[:2], bool)
    outside_head[roi] = False
    for key in ("test_rosy", "test_glow", "test_bg_tint"):
        sliders_on = dict(LOOK, **{key: 0.8})
        moved = preview.render(sliders_on)
        fresh = render_photo(pixels, analysis, sliders_on)
        assert np.array_equal(moved, fresh), key  # preview and one-off: the same bits
        changed = np.any(moved != plain, axis=2)
        assert changed.any(), key
        if key == "test_bg_tint":
            # The person stays as they were; what is behind them turns bluer.
            assert not changed[alpha >= 1.0].any()
            behind = alpha <= 0.0
            assert (moved[behind][:, 2] - moved[behind][:, 0]).mean() > (
                plain[behind][:, 2] - plain[behind][:, 0]).mean()
        else:
            # A face or light edit acts on the head's region only.
            assert not changed[outside_head].any(), key
            assert face is not None
    everything = dict(LOOK, test_rosy=0.5, test_glow=0.5, test_bg_tint=0.5, bg_light=0.3)
    assert np.array_equal(preview.render(everything), render_photo(pixels, analysis, everything))
    assert np.array_equal(Retoucher(pixels, analysis).render(everything),
                          render_photo(pixels, analysis, everything))


def test_an_edit_that_breaks_the_protocol_is_named(monkeypatch):
    monkeypatch.setattr(sliders, "SLIDERS", sliders.SLIDERS + (
        Slider("test_broken", "Broken", "Skin", 0.0, 1.0, 0.0, "", edit="studio.edits.blend"),
    ))
    with pytest.raises(TypeError, match="studio.edits.blend has no KEYS"):
        protocol.edits()


def test_a_new_background_slider_gets_the_banded_path_without_knowing(sample, registered,
                                                                      monkeypatch):
    # issue 27: the pipeline cuts a background edit's work into bands of rows and the runs of
    # columns that show background; the example edit names neither (it only honours ``box``)
    import example_edits.background_tint as tint

    from studio.edits.protocol import Region
    from studio.imaging.filters import row_bands

    boxes = []
    made_by_the_edit = tint.process

    def spied(region, params, out=None):
        boxes.append(region.box)
        return made_by_the_edit(region, params, out)

    monkeypatch.setattr(tint, "process", spied)
    pixels, analysis = sample
    values = {"test_bg_tint": 0.8}
    retoucher = Retoucher(pixels, analysis, preview=False)
    made = retoucher.render(values)
    bands = row_bands(*pixels.shape[:2])
    assert len(boxes) > 1 and None not in boxes
    for rows, _ in boxes:
        assert any(b.start <= rows.start and rows.stop <= b.stop for b in bands)
    # columns no box reached are the person's: their bits stay
    alpha = retoucher.layers.person_alpha
    reached = np.zeros(alpha.shape, bool)
    for box in boxes:
        reached[box] = True
    assert (alpha[~reached] >= 1.0).all()
    # the same bits as the edit made on the whole photo at once, and as the preview
    whole = made_by_the_edit(Region(pixels, retoucher.prepared("test_bg_tint")),
                             protocol.params_for(tint, values))
    assert np.array_equal(made, whole)
    assert np.array_equal(Retoucher(pixels, analysis).render(values), whole)

"""``studio.service.probe``: a full-size export's amount is settled on its faces' box of the
written file, and that box reads the likeness the whole file has; the whole photo is then
rendered once."""

from __future__ import annotations

import pytest

from studio import imaging
from studio.face import analyze
from studio.imaging.export import plan_output
from studio.render import Retoucher
from studio.render import amount as amounts
from studio.service import probe as probes
from studio.service.retouch import ExportPlan, prepare_export
from studio.service.retouch_file import RetouchRequest, retouch_file
from studio.session.looks import load_look
from tests.helpers.photos import face_photo

#: A face about a seventh of the frame's width (deepface_img57) and one that fills more of it.
PHOTOS = ("deepface_img57.jpg", "deepface_img1.jpg")


@pytest.fixture(scope="module")
def photos():
    loaded = {}
    for name in PHOTOS:
        photo = imaging.load(face_photo(name))
        loaded[name] = (photo, analyze(photo.pixels))
    return loaded


def _export(tmp_path, quality: int | None = None) -> ExportPlan:
    settings = imaging.export.ExportSettings(preset="original", quality=quality)
    return ExportPlan(settings=settings, output=tmp_path / "out.jpg")


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("quality", [95, 80])  # JPEG blocks of 8 px, and of 16 (halved colour)
def test_the_faces_box_reads_the_likeness_of_the_whole_file(photos, name, quality, tmp_path):
    photo, analysis = photos[name]
    faces = [analysis.primary]
    export = _export(tmp_path, quality)
    output = plan_output(export.settings, photo.width, photo.height)
    retoucher = Retoucher(photo.pixels, analysis, faces=faces, preview=False)
    box = probes.probe_box(photo, analysis, faces, output, export, ())
    assert box is not None
    x0, y0, x1, y1 = box
    assert x0 % 16 == 0 and y0 % 16 == 0 and (x1 - x0) * (y1 - y0) < 0.6 * photo.width * photo.height
    probe = probes.face_probe(photo, analysis, faces, retoucher, output, export, ())
    look = load_look("linkedin").sliders
    for amount in (0.6, 1.3):
        sliders = amounts.scaled(look, amount)
        whole = prepare_export(photo, analysis, retoucher.render(sliders), export, faces=faces,
                               crown_y=None)
        probed = probe(sliders)
        assert probed.percent == whole.percent, (amount, probed.percent, whole.percent)
        assert probed.encoded.width == x1 - x0 and whole.encoded.width == photo.width


def test_no_box_where_it_cannot_stand_for_the_file(photos, tmp_path):
    """A resized or size-limited export, a turned one, heal marks: the whole file is measured."""
    from studio.edits.marks import Mark

    photo, analysis = photos["deepface_img57.jpg"]
    faces = [analysis.primary]
    export = _export(tmp_path)
    output = plan_output(export.settings, photo.width, photo.height)
    assert probes.probe_box(photo, analysis, faces, output, export, ()) is not None
    heal = Mark("heal", ((100.0, 100.0),), 8.0, (30.0, 0.0))
    assert probes.probe_box(photo, analysis, faces, output, export, (heal,)) is None
    turned = plan_output(export.settings, photo.width, photo.height, angle=3.0)
    assert probes.probe_box(photo, analysis, faces, turned, export, ()) is None
    for settings in (imaging.export.ExportSettings(preset="linkedin"),  # size-limited
                     imaging.export.ExportSettings(preset="banner"),
                     imaging.export.ExportSettings(preset="custom", size=1000)):  # resized
        small = ExportPlan(settings=settings, output=tmp_path / "out.jpg")
        planned = plan_output(small.settings, photo.width, photo.height,
                              analysis.face(faces[0]).landmarks)
        assert probes.probe_box(photo, analysis, faces, planned, small, ()) is None


def _whole_renders(monkeypatch) -> list[int]:
    """Counts the whole photo's renders (``Retoucher.render`` of an export's retoucher)."""
    counted: list[int] = []
    render = Retoucher.render

    def counting(self, *args, **kwargs):
        if not self.preview:
            counted.append(self.pixels.shape[0] * self.pixels.shape[1])
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Retoucher, "render", counting)
    return counted


def _full_size(name: str, out) -> RetouchRequest:
    return RetouchRequest(photo=face_photo(name), output=out, session="linkedin",
                          export="original")


def test_a_full_size_export_writes_what_whole_renders_would_after_one(monkeypatch, tmp_path):
    """The same amount, likeness and bytes as settling on whole renders, from one whole render
    of the photo (three to four before, on a photo whose crops read a step too strong)."""
    name = "deepface_img1.jpg"  # the crops' amount reads 90-100% on its written file
    renders = _whole_renders(monkeypatch)
    probed = retouch_file(_full_size(name, tmp_path / "probed.jpg"))
    pixels = imaging.load(face_photo(name)).pixels
    whole_photo = pixels.shape[0] * pixels.shape[1]
    assert renders.count(whole_photo) == 1, renders
    renders.clear()
    monkeypatch.setattr(probes, "face_probe", lambda *args: None)
    whole = retouch_file(_full_size(name, tmp_path / "whole.jpg"))
    assert renders.count(whole_photo) > 1  # the photo's crops were a step too strong
    assert probed.status == whole.status == "ok"
    assert (probed.amount, probed.likeness_percent) == (whole.amount, whole.likeness_percent)
    assert (tmp_path / "probed.jpg").read_bytes() == (tmp_path / "whole.jpg").read_bytes()


def test_a_probe_that_reads_high_never_writes_a_file_below_the_budget(monkeypatch, tmp_path):
    """Should the faces' box ever read higher than the whole file, the amount is settled
    again on whole renders: what is written keeps the look's budget."""
    made = probes.face_probe

    def reading_high(*args):
        probe = made(*args)

        def high(sliders):
            prepared = probe(sliders)
            likeness = prepared.likeness.__class__(min(prepared.percent + 3.0, 100.0),
                                                   prepared.likeness.face)
            return prepared.__class__(encoded=prepared.encoded, likeness=likeness)
        return high

    monkeypatch.setattr(probes, "face_probe", reading_high)
    result = retouch_file(_full_size("deepface_img57.jpg", tmp_path / "out.jpg"))
    assert result.status == "ok" and result.likeness_percent >= 90.0

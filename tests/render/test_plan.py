"""Render what will be written (issue 27): an export renders only its crop and a margin, at
the output's scale, and looks the same as the whole photo rendered and shrunk."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

from studio.face import analyze_photo
from studio.imaging import load
from studio.imaging.colour import delta_e2000
from studio.imaging.export import Crop, ExportSettings, plan_output
from studio.imaging.filters import resize
from studio.render.everyone import render_faces
from studio.render.plan import REDUCED_SCALE_MAX, plan_render, planned_retoucher
from studio.render.quality import head_mask, skin_bands_kept
from studio.service.retouch import export_crown
from studio.session.looks import load_look
from tests.helpers.photos import face_photo, manifest

SINGLE_FACES = [row["file"] for row in manifest() if row.get("faces") == "1"]
LINKEDIN = ExportSettings(preset="linkedin")


def _photo(name: str):
    photo = load(face_photo(name))
    return photo, analyze_photo(photo)


def test_a_full_size_plan_gives_the_bits_of_the_whole_render_cut_to_the_crop():
    """At scale 1 the plan renders the crop and its margin only (the head region whole), and
    the face edits write the very bits a render of the whole photo has there."""
    photo, analysis = _photo("deepface_img1.jpg")
    sliders = {key: value for key, value in load_look("linkedin").sliders.items()
               if key not in ("bg_blur", "bg_light", "bg_desaturate", "backdrop")}
    crop = Crop.from_rect((150, 200, 1000, 1300), photo.width, photo.height)
    output = plan_output(ExportSettings(preset="custom"), photo.width, photo.height,
                         analysis.face(0).landmarks, crop)
    plan = plan_render(output, analysis, [0])
    assert plan is not None and plan.scale == (1.0, 1.0)
    assert plan.region != (0, 0, photo.width, photo.height)
    retoucher, _ = planned_retoucher(plan, photo.pixels, analysis, [0])
    written = plan.written(retoucher.render(sliders, ()))
    x0, y0, x1, y1 = output.box
    whole = render_faces(photo.pixels, analysis, sliders, [0])
    assert (written == whole[y0:y1, x0:x1]).all()


def test_a_linkedin_export_renders_about_the_pixels_it_writes(tmp_path, monkeypatch):
    """Every render a LinkedIn export makes (the likeness steps included) is at most 1.5x the
    written file's pixels, and the file keeps its size and likeness figure."""
    service = importlib.import_module("studio.service.retouch_file")
    sizes: list[int] = []
    real = service.kept_retoucher

    def kept(pixels, *args, **kwargs):
        retoucher = real(pixels, *args, **kwargs)
        render = retoucher.render

        def counted(sliders, *more, **options):
            out = render(sliders, *more, **options)
            sizes.append(out.shape[0] * out.shape[1])
            return out

        retoucher.render = counted
        return retoucher

    monkeypatch.setattr(service, "kept_retoucher", kept)
    result = service.retouch_file(service.RetouchRequest(photo=face_photo("deepface_img40.jpg"),
                                                         session="linkedin", export="linkedin",
                                                         output=tmp_path / "out.jpg"))
    assert result.status == "ok" and (result.width, result.height) == (1024, 1024), result
    assert sizes and max(sizes) <= 1.5 * 1024 * 1024, sizes


def test_an_export_at_the_outputs_scale_finds_its_amount_on_the_written_file_alone(
        tmp_path, monkeypatch):
    """One amount search, not two: a LinkedIn export rendered at the output's scale finds the
    look's amount on its written files alone (no head-crop search first), and it is the
    strongest whose file keeps the budget: one step more, written and measured, does not."""
    from studio.render import amount as amounts
    service = importlib.import_module("studio.service.retouch_file")
    look = load_look("linkedin")
    crop_searches: list[float] = []
    real_search = amounts.strongest_amount

    def crop_search(*args, **kwargs):
        crop_searches.append(args[3] if len(args) > 3 else kwargs.get("least_percent"))
        return real_search(*args, **kwargs)

    files: dict[float, float] = {}  # amount -> the written file's likeness
    real_planned = service._planned_render

    def planned(*args, **kwargs):
        real = real_planned(*args, **kwargs)

        def recorded(sliders):
            prepared = real.render(sliders)
            files[round(sliders["smooth"] / look.sliders["smooth"], 2)] = prepared.percent
            return prepared
        return dataclasses.replace(real, render=recorded)

    monkeypatch.setattr(amounts, "strongest_amount", crop_search)
    monkeypatch.setattr(service, "_planned_render", planned)
    result = service.retouch_file(service.RetouchRequest(photo=face_photo("deepface_img40.jpg"),
                                                         session="linkedin", export="linkedin",
                                                         output=tmp_path / "out.jpg"))
    assert result.status == "ok" and result.likeness_percent >= look.budget, result
    assert not crop_searches, crop_searches
    assert 0 < result.amount < amounts.MOST and len(files) <= 4, files
    assert files[result.amount] == pytest.approx(result.likeness_percent)
    stronger = round(result.amount + amounts.STEP, 2)
    assert stronger in files and files[stronger] < look.budget, files


@pytest.mark.parametrize("name", SINGLE_FACES)
def test_a_plan_rendered_export_looks_like_the_whole_render_shrunk(name):
    """On every shared single-face photo, LinkedIn look and export: the written face matches
    the whole photo rendered at full size and shrunk to the same size (on the head: ΔE00 mean
    <= 0.5; max <= 2 on the person, the matte's edge left out: there a shrunk composite and a
    composite of shrunk layers differ by up to ~8 where a sharp edge meets a blurred
    background) and keeps the fine band within 5%. Rendered at the output's scale where that
    is at most REDUCED_SCALE_MAX, else the crop at full size, shrunk; a photo written at its
    own size is rendered whole, as before."""
    photo, analysis = _photo(name)
    sliders = dict(load_look("linkedin").sliders)
    crown = export_crown(photo, analysis, [0], LINKEDIN, None)
    output = plan_output(LINKEDIN, photo.width, photo.height, analysis.face(0).landmarks,
                         crown_y=crown)
    plan = plan_render(output, analysis, [0])
    if plan is None:  # the whole photo is rendered: only when nothing would be saved
        assert max(output.scale) > REDUCED_SCALE_MAX and output.angle == 0, output
        return
    retoucher, region = planned_retoucher(plan, photo.pixels, analysis, [0])
    planned = np.ascontiguousarray(plan.written(retoucher.render(sliders, ()), output.size))
    original = np.ascontiguousarray(plan.written(region, output.size))
    x0, y0, x1, y1 = output.box
    whole = render_faces(photo.pixels, analysis, sliders, [0])
    shrunk = resize(np.ascontiguousarray(whole[y0:y1, x0:x1]), output.size)
    face = analysis.face(0).translated(x0, y0).scaled(output.scale)
    on_face = head_mask(face, planned.shape) > 0.5
    matte = plan.written(np.ascontiguousarray(retoucher.found_matte), output.size)
    person = matte >= 0.99
    difference = delta_e2000(planned, shrunk)
    assert difference[on_face].mean() <= 0.5, (name, float(difference[on_face].mean()))
    assert difference[on_face & person].max() <= 2.0, (
        name, plan.scale, float(difference[on_face & person].max()))
    fine, _ = skin_bands_kept(original, planned, face)
    fine_whole, _ = skin_bands_kept(original, shrunk, face)
    assert abs(fine - fine_whole) <= 0.05 * fine_whole, (name, fine, fine_whole)


def test_a_jpeg_loaded_for_a_small_output_is_decoded_reduced_and_looks_the_same():
    """``load(path, need=)`` decodes a JPEG reduced in the DCT (Pillow's draft) while both
    sides stay >= ``need``, says by how much, and looks like the full decode shrunk."""
    path = face_photo("deepface_img1.jpg")  # 1382 x 1868
    full = load(path)
    reduced = load(path, need=300)
    assert reduced.info.get("reduced") == pytest.approx(0.25, abs=0.002), reduced.info
    assert reduced.pixels.shape[:2] == (467, 346) and min(reduced.pixels.shape[:2]) >= 300
    shrunk = resize(full.pixels, (reduced.width, reduced.height))
    assert delta_e2000(reduced.pixels, shrunk).mean() <= 1.0
    assert "reduced" not in load(path, need=1000).info  # 1/2 would be under 1000 px: full size


def test_a_linkedin_export_of_a_big_jpeg_decodes_it_reduced(tmp_path, monkeypatch):
    """A LinkedIn export of a 22 MP JPEG decodes it at 1/2 in the DCT (still more than twice
    the square's side across the crop) and writes the same 1024 px square."""
    from PIL import Image

    import studio.imaging

    big = tmp_path / "big.jpg"
    with Image.open(face_photo("deepface_img40.jpg")) as image:  # 3061 x 4600
        image.resize((4192, 5300), Image.Resampling.BICUBIC).save(big, quality=90)
    decoded = []
    real = studio.imaging.load

    def load_spy(path, *args, **kwargs):
        photo = real(path, *args, **kwargs)
        decoded.append(photo.width)
        return photo

    monkeypatch.setattr(studio.imaging, "load", load_spy)
    service = importlib.import_module("studio.service.retouch_file")
    result = service.retouch_file(service.RetouchRequest(photo=big, session="linkedin",
                                                         export="linkedin",
                                                         output=tmp_path / "out.jpg"))
    assert result.status == "ok" and (result.width, result.height) == (1024, 1024), result
    assert decoded == [2096], decoded


def test_a_looks_export_without_warmth_never_loads_scikit_image(tmp_path):
    """The eyes and teeth go back from L*a*b* with the studio's own conversion: a LinkedIn
    export (no warmth) does not spend a third of a second loading scikit-image and SciPy,
    not even in the thread that gets the pipeline ready while the photo decodes."""
    import subprocess
    import sys

    code = (
        "import sys; from studio.service.retouch_file import RetouchRequest, retouch_file; "
        f"r = retouch_file(RetouchRequest(photo={str(face_photo('deepface_img1.jpg'))!r}, "
        f"session='linkedin', export='linkedin', output={str(tmp_path / 'out.jpg')!r})); "
        "bad = [m for m in ('skimage', 'scipy') if m in sys.modules]; "
        "print(r.status, bad); sys.exit(0 if r.status == 'ok' and not bad else 1)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, (done.stdout, done.stderr[-500:])

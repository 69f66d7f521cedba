"""Sessions on real photos: reopening renders identical bits; a session applied to another
person's photo follows that person's face; retouch_file outcomes for batch workers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from studio import imaging
from studio.face import analyze_photo
from studio.imaging.filters import resize
from studio.render import Retoucher, render_photo
from studio.service.retouch_file import RetouchRequest, retouch_file
from studio.session import (
    Session,
    Source,
    file_sha256,
    load_session,
    save_session,
)
from tests.helpers.photos import face_photo

SLIDERS = {
    "smooth": 0.6,
    "blemish": 0.5,
    "shine": 0.3,
    "face_light": 0.2,
    "bg_blur": 0.5,
    "backdrop": None,
}


def _small_copy(name: str, folder, long_edge: int = 700):
    """A downscaled PNG copy of a shared test photo in a temporary folder."""
    photo = imaging.load(face_photo(name))
    scale = long_edge / max(photo.width, photo.height)
    pixels = resize(photo.pixels, (round(photo.width * scale), round(photo.height * scale)))
    path = folder / (name.rsplit(".", 1)[0] + ".png")
    path.write_bytes(imaging.encode(pixels, "PNG"))
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("people")
    return {
        "a": _small_copy("deepface_img2.jpg", folder),  # light skin, woman
        "b": _small_copy("deepface_img24.jpg", folder),  # medium-brown skin, man, glasses
    }


def test_reopened_session_renders_identical_bits(photos, tmp_path):
    photo = imaging.load(photos["a"])
    first = retouch_file(
        RetouchRequest(photo=photos["a"], session=dict(SLIDERS), output=tmp_path / "first.png",
                       save_session_to=tmp_path / "edit.likeness.json"))
    assert first.status == "ok", first.reason
    session = load_session(tmp_path / "edit.likeness.json")
    assert session.analysis is not None and session.source.path == photos["a"]
    again = retouch_file(RetouchRequest(photo=photos["a"], session=session,
                                        output=tmp_path / "again.png"))
    assert again.status == "ok", again.reason
    assert (tmp_path / "first.png").read_bytes() == (tmp_path / "again.png").read_bytes()
    # And straight through the renderer, with the analysis the session cached.
    direct = render_photo(photo.pixels, session.analysis, session.sliders)
    assert np.array_equal(
        imaging.load(tmp_path / "again.png").pixels,
        imaging.load(imaging.save(tmp_path / "direct.png", direct)).pixels,
    )


def _centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask > 0.5)
    return np.array([xs.mean(), ys.mean()])


def test_a_session_applied_to_another_person_follows_their_face(photos, tmp_path):
    save_to = tmp_path / "a.likeness.json"
    assert (
        retouch_file(
            RetouchRequest(photo=photos["a"], session=dict(SLIDERS), output=tmp_path / "a.png",
                           save_session_to=save_to)).status
        == "ok"
    )
    session = load_session(save_to)
    photo_b = imaging.load(photos["b"])
    sha_b = file_sha256(photos["b"])
    assert session.analysis_for(sha_b) is None  # A's landmarks are never used on B
    result = retouch_file(RetouchRequest(photo=photos["b"], session=session,
                                         output=tmp_path / "b.png"))
    assert result.status == "ok" and result.faces == 1 and result.likeness_percent is not None
    # Masks come from B's own landmarks: the skin mask sits inside B's face box.
    analysis_b = analyze_photo(photo_b)
    face_b = analysis_b.face()
    skin = Retoucher(photo_b.pixels, analysis_b).masks()["skin"]
    cx, cy = _centroid(skin)
    x0, y0, x1, y1 = face_b.box
    assert x0 < cx < x1 and y0 < cy < y1
    face_a = session.analysis.face()
    assert np.abs(face_a.landmarks - face_b.landmarks).mean() > 10  # genuinely another face
    # The written picture changed where B's face is, following B's own geometry.
    out = imaging.load(tmp_path / "b.png").pixels
    change = np.abs(out - photo_b.pixels).mean(axis=2)
    inner = change[int(y0) : int(y1), int(x0) : int(x1)].mean()
    assert inner > 0.002


def test_retouch_file_outcomes_are_small_and_picklable(photos, tmp_path):
    ok = retouch_file(RetouchRequest(photo=photos["a"], session="natural", export="linkedin",
                                     output=tmp_path / "l.jpg"))
    assert ok.status == "ok" and ok.output == tmp_path / "l.jpg" and ok.faces == 1
    assert ok.width == ok.height and ok.bytes == ok.output.stat().st_size
    assert 0 < ok.likeness_percent <= 100 and ok.seconds > 0
    assert pickle.loads(pickle.dumps(ok)) == ok
    refused = retouch_file(RetouchRequest(photo=photos["a"], session={"smooth": 1.0},
                                          output=tmp_path / "r.png", min_likeness=100))
    assert refused.status == "refused" and refused.output is None
    assert f"{refused.likeness_percent:.1f}%" in refused.reason
    assert not (tmp_path / "r.png").exists()
    failed = retouch_file(RetouchRequest(photo=tmp_path / "missing.jpg", session=Session(),
                                         output=tmp_path / "m.png"))
    assert failed.status == "failed" and "no such file" in failed.reason
    over = retouch_file(RetouchRequest(photo=photos["a"], session=Session(), output=photos["a"]))
    assert over.status == "failed" and "original photo" in over.reason


def test_a_photo_without_a_face_still_exports_with_a_note(tmp_path):
    path = tmp_path / "wall.png"
    path.write_bytes(imaging.encode(np.full((300, 400, 3), 0.6, np.float32), "PNG"))
    result = retouch_file(RetouchRequest(photo=path, session={"bg_light": 0.2}, export="linkedin",
                                         output=tmp_path / "w.jpg"))
    assert result.status == "ok" and result.faces == 0 and result.likeness_percent is None
    assert any("no face" in note for note in result.notes)
    assert (result.width, result.height) == (400, 400)  # 300 px centre crop, raised to 400


def test_saving_a_session_beside_the_photo_by_default(photos, tmp_path):
    session = Session().with_sliders({"smooth": 0.2})
    session.source = Source(photos["a"], file_sha256(photos["a"]))
    path = save_session(session)
    assert path.name == photos["a"].name + ".likeness.json" and path.parent == photos["a"].parent
    path.unlink()


def test_the_retouch_service_renders_checks_likeness_and_exports_a_loaded_photo(tmp_path):
    # What the studio's export job calls: a photo already open, progress shown as it goes.
    from studio.face import analyze
    from studio.imaging import load
    from studio.imaging.export import ExportSettings
    from studio.imaging.sample import sample_photo
    from studio.service.retouch import ExportPlan, retouch_photo

    photo = sample_photo()
    steps: list[str] = []
    sliders = {"smooth": 0.5, "bg_blur": 0.4}
    export = ExportPlan(settings=ExportSettings(preset="original"), output=tmp_path / "out.png")
    done = retouch_photo(photo, analyze(photo.pixels), sliders, export, progress=steps.append)
    # the likeness is checked on the encoded file: what is written
    assert steps == ["Rendering at full resolution…", "Encoding…", "Checking likeness…"]
    assert done.refused is None and done.likeness_percent is not None
    assert done.exported.path.exists()
    assert np.array_equal(done.pixels, render_photo(photo.pixels, analyze(photo.pixels), sliders))
    written = load(done.exported.path).pixels
    assert np.abs(written - done.pixels).max() <= 0.5 / 255 + 1e-6

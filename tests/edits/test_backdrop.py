"""A backdrop from a picture the user picks (issue 29): it replaces the background, covers
the frame, is blurred and lit behind the head as the colour backdrop is, and is kept in the
session by its path and SHA-256; a missing, changed or broken picture is one line."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.edits.background import (
    Params,
    backdrop_shades,
    prepare_background,
    process,
)
from studio.edits.protocol import Region
from studio.edits.sliders import check_value
from studio.errors import LikenessError
from studio.face import analyze
from studio.face.person import person_alpha
from studio.imaging import load
from studio.imaging.filters import resize
from tests.helpers.photos import face_photo

PORTRAIT = "deepface_img2.jpg"  # head and shoulders on a light grey backdrop


def _save(path, rgb8: np.ndarray):
    Image.fromarray(rgb8, "RGB").save(path)
    return path


@pytest.fixture(scope="module")
def case():
    pixels = load(face_photo(PORTRAIT)).pixels
    h, w = pixels.shape[:2]
    k = min(1.0, (400_000 / (h * w)) ** 0.5)
    pixels = np.clip(resize(pixels, (round(w * k), round(h * k))), 0, 1) if k < 1 else pixels
    face = analyze(pixels).face()
    alpha = person_alpha(pixels, face)
    return pixels, alpha, prepare_background(pixels, alpha, face)


def _edit(case, **sliders):
    pixels, _, layers = case
    values = {key: check_value(key, value) for key, value in sliders.items()}
    return process(Region(pixels, layers), Params.from_values(values))


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """A picture red on its left half and blue on its right, wider than any portrait."""
    rgb = np.zeros((300, 900, 3), np.uint8)
    rgb[:, :450] = (200, 40, 30)
    rgb[:, 450:] = (30, 60, 200)
    return _save(tmp_path_factory.mktemp("backdrop") / "halves.png", rgb)


def test_the_value_keeps_the_picture_s_path_and_hash(halves):
    value = check_value("backdrop", str(halves))
    digest = hashlib.sha256(halves.read_bytes()).hexdigest()
    assert value == f"image:{digest}:{halves.resolve()}"
    assert check_value("backdrop", value) == value  # a saved value is taken as it is
    with pytest.raises(LikenessError, match="must be a colour like #f2f2f2, a picture file"):
        check_value("backdrop", "no-such-picture.jpg")


def test_a_picture_replaces_the_background_covering_the_frame(case, halves):
    pixels, alpha, _ = case
    before = halves.read_bytes()
    out = _edit(case, backdrop=str(halves))
    h, w = alpha.shape
    left, right = out[: h // 8, : w // 8], out[: h // 8, -w // 8:]
    assert alpha[: h // 8, : w // 8].max() == 0 and alpha[: h // 8, -w // 8:].max() == 0
    assert left[..., 0].mean() > 0.6 and left[..., 2].mean() < 0.3  # red, as in the picture
    assert right[..., 2].mean() > 0.6 and right[..., 0].mean() < 0.3  # blue
    face = alpha > 0.999
    assert np.abs(out[face] - pixels[face]).max() < 1 / 255  # the person stays as they were
    assert halves.read_bytes() == before  # only ever read


def test_a_uniform_picture_is_lit_as_the_same_colour_backdrop(case, tmp_path):
    """The picture is lit behind the head exactly as today's colour backdrop is."""
    grey = _save(tmp_path / "grey.png", np.full((64, 96, 3), 0x80, np.uint8))
    picture = _edit(case, backdrop=str(grey), bg_light=0.3)
    colour = _edit(case, backdrop="#808080", bg_light=0.3)
    assert np.abs(picture - colour).max() < 1.5 / 255
    edge, brightest = backdrop_shades(check_value("backdrop", str(grey)))
    assert np.allclose(edge, 0x80 / 255, atol=1 / 255) and brightest.mean() > edge.mean()


def test_the_picture_is_blurred_as_a_background_behind_a_portrait(case, tmp_path):
    """A sharp checkerboard of 8-pixel squares comes out as a soft grey, more with blur."""
    squares = (np.indices((400, 600)).sum(axis=0) // 8 % 2 * 255).astype(np.uint8)
    board = _save(tmp_path / "board.png", np.repeat(squares[:, :, None], 3, axis=2))
    _, alpha, _ = case
    background = alpha == 0
    soft = _edit(case, backdrop=str(board))[background].std()
    softer = _edit(case, backdrop=str(board), bg_blur=1.0)[background].std()
    assert soft < 0.05 and softer <= soft  # the squares themselves would give 0.5


def test_a_missing_or_changed_picture_is_one_line(case, tmp_path, capsys):
    picture = _save(tmp_path / "wall.jpg", np.full((40, 60, 3), 90, np.uint8))
    value = check_value("backdrop", str(picture))
    _save(picture, np.full((40, 60, 3), 200, np.uint8))  # edited after it was chosen
    with pytest.raises(LikenessError, match="has changed since it was chosen"):
        _edit(case, backdrop=value)
    picture.unlink()
    with pytest.raises(LikenessError, match="is not there"):
        _edit(case, backdrop=value)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not a jpeg")
    with pytest.raises(LikenessError, match="backdrop picture"):
        _edit(case, backdrop=str(broken))


def test_the_cli_and_the_session_keep_the_picture(halves, tmp_path, capsys):
    photo = face_photo(PORTRAIT)
    out, session = tmp_path / "out.jpg", tmp_path / "out.likeness.json"
    code = main(["retouch", str(photo), "-o", str(out), "--set", f"backdrop={halves}",
                 "--save-session", str(session)])
    _, err = capsys.readouterr()
    assert code == 0, err
    saved = json.loads(session.read_text())
    value = saved["sliders"]["backdrop"]
    digest = hashlib.sha256(halves.read_bytes()).hexdigest()
    assert value == f"image:{digest}:{halves.resolve()}"
    corner = load(out).pixels[:20, :20].mean(axis=(0, 1))
    assert corner[0] > 0.6 and corner[2] < 0.3
    halves_copy = tmp_path / "gone.png"
    halves_copy.write_bytes(halves.read_bytes())
    code = main(["retouch", str(photo), "-o", str(tmp_path / "x.jpg"),
                 "--set", f"backdrop=image:{'0' * 64}:{halves_copy}"])
    _, err = capsys.readouterr()
    assert code != 0 and len(err.strip().splitlines()) == 1 and "has changed" in err
    assert not (tmp_path / "x.jpg").exists()


def test_an_export_on_several_threads_renders_the_picture(tmp_path, capsys):
    """The render's bands run on the export's thread pool and each asks for the picture: it
    is decoded there without the pool (which would wait on itself: the export hung)."""
    import threading

    rgb = np.zeros((200, 300, 3), np.uint8)
    rgb[..., 1] = np.arange(300, dtype=np.uint8)[None, :] // 2 + 50  # a picture no test used
    picture = _save(tmp_path / "green.png", rgb)
    out = tmp_path / "out.png"
    argv = ["retouch", str(face_photo(PORTRAIT)), "-o", str(out), "--threads", "2",
            "--set", f"backdrop={picture}"]
    codes = []
    worker = threading.Thread(target=lambda: codes.append(main(argv)), daemon=True)
    worker.start()
    worker.join(timeout=240)
    assert codes == [0], "the export did not finish" if not codes else capsys.readouterr().err
    corner = load(out).pixels[:20, :20].mean(axis=(0, 1))
    assert corner[1] > 0.15 and corner[1] > 2 * corner[0]  # green, as the picture



def test_a_picture_swapped_for_a_fifo_is_one_line_not_a_hang(tmp_path):
    """A session's backdrop picture replaced by a named pipe (nothing ever writes to it) is
    refused at once when the photo renders: reading it would wait for ever (the export hung;
    in the studio, the render thread)."""
    import os
    import threading

    from studio.edits.backdrop import picture_grid

    picture = _save(tmp_path / "wall.png", np.full((40, 60, 3), 90, np.uint8))
    value = check_value("backdrop", str(picture))
    picture.unlink()
    os.mkfifo(picture)
    said = []

    def render():
        try:
            picture_grid(value, (64, 64))
        except LikenessError as error:
            said.append(str(error))

    reader = threading.Thread(target=render, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # the hang: let the stuck thread go by opening the pipe's other end
        os.close(os.open(picture, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
        pytest.fail("rendering a backdrop picture swapped for a FIFO hung")
    assert len(said) == 1 and "\n" not in said[0] and "backdrop picture" in said[0], said

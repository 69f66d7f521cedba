"""``studio.service.retouch_file``: one photo file retouched and written, asked for with one
``RetouchRequest``; the command line's ``likeness retouch`` writes what it writes."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from studio import imaging
from studio.cli import main
from studio.imaging.export import ExportSettings
from studio.imaging.sample import sample_photo
from studio.service.retouch_file import Framing, RetouchRequest, retouch_file


@pytest.fixture(scope="module")
def portrait(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("service") / "astronaut.png"
    path.write_bytes(imaging.encode(sample_photo().pixels, "PNG"))
    return path


def test_a_request_is_named_frozen_and_travels_to_a_worker(tmp_path):
    with pytest.raises(TypeError):
        RetouchRequest(tmp_path / "in.jpg", tmp_path / "out.jpg")  # names, not positions
    request = RetouchRequest(photo=str(tmp_path / "in.jpg"), output=str(tmp_path / "out.jpg"),
                             session="natural", export=ExportSettings(preset="linkedin"),
                             inputs=(str(tmp_path / "look.json"),),
                             framing=Framing(crop="auto", angle="level"))
    assert request.photo == tmp_path / "in.jpg" and request.output == tmp_path / "out.jpg"
    assert request.inputs == (tmp_path / "look.json",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.output = tmp_path / "other.jpg"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(request)) == request


def test_framing_reads_the_command_lines_form():
    assert Framing.of(None) == Framing()
    assert Framing.of({"crop": [1, 2, 3, 4], "angle": 2.5}) == Framing(crop=[1, 2, 3, 4],
                                                                       angle=2.5)


def test_the_request_writes_what_likeness_retouch_writes(portrait, tmp_path, capsys):
    request = RetouchRequest(photo=portrait, output=tmp_path / "service.jpg", session="natural",
                             export="linkedin", min_likeness=50.0)
    result = retouch_file(request)
    assert result.status == "ok", result.reason
    assert result.output == tmp_path / "service.jpg" and result.faces == 1
    assert result.amount is not None and 0 < result.likeness_percent <= 100
    code = main(["retouch", str(portrait), "-o", str(tmp_path / "cli.jpg"), "--look",
                 "natural", "--export", "linkedin", "--min-likeness", "50"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "cli.jpg").read_bytes() == (tmp_path / "service.jpg").read_bytes()


def test_a_request_the_user_got_wrong_fails_in_one_line_and_writes_nothing(portrait,
                                                                            tmp_path):
    out = tmp_path / "out.png"
    result = retouch_file(RetouchRequest(photo=portrait, output=out, session={"smooth": 0.5},
                                         framing=Framing(crop=(0, 0, 9000, 9000))))
    assert result.status == "failed" and "reaches outside the photo" in result.reason
    assert "\n" not in result.reason and not out.exists()

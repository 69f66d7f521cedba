"""A batch where each photo brings its own session (the studio's Export Selected): the
session beside the photo is used when it was made on these bytes, and the report's amount is
the one the photographer chose there."""

from __future__ import annotations

from studio.batch.sidecar import own_session, own_session_task
from studio.session import Source, default_session_path, load_look, save_session
from studio.session.model import session_to_dict
from tests.helpers.photos import face_photo


def _photo(tmp_path):
    import shutil

    photo = tmp_path / "pichai.jpg"
    shutil.copyfile(face_photo("deepface_img25.jpg"), photo)
    return photo


def test_the_photos_own_session_is_used_only_when_made_on_its_bytes(tmp_path):
    photo = _photo(tmp_path)
    fallback = {"sliders": {}}
    assert own_session(str(photo), fallback) is fallback  # none beside it
    look = load_look("linkedin")
    from dataclasses import replace

    save_session(replace(look, source=Source.of(photo)), default_session_path(photo))
    assert own_session(str(photo), fallback)["look"] == "linkedin"
    photo.write_bytes(photo.read_bytes() + b"\0")  # another photo now: its session is not its own
    assert own_session(str(photo), fallback) is fallback


def test_the_report_shows_the_amount_chosen_in_the_studio(tmp_path):
    from dataclasses import replace

    photo = _photo(tmp_path)
    look = load_look("linkedin")
    chosen = replace(look, source=Source.of(photo), look="linkedin", amount=1.35)
    save_session(chosen, default_session_path(photo))
    out = tmp_path / "out" / "pichai.jpg"
    out.parent.mkdir()
    record = own_session_task(str(photo), session_to_dict(look), "linkedin", str(out))
    assert record["status"] == "ok", record
    assert record["amount"] == 1.35  # the Amount column says 135%, not nothing

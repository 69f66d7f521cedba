"""Session files: round trip, migration of every old version, named errors for bad files,
finding a moved photo by its hash, and a property test that only SessionError comes out."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.edits.sliders import SLIDERS, default_sliders
from studio.errors import SessionError
from studio.face.types import Face, FaceAnalysis
from studio.imaging.export import ExportSettings
from studio.session import (
    CURRENT_VERSION,
    Crop,
    Session,
    Source,
    default_session_path,
    files,
    find_source,
    load_session,
    parse_session_text,
    save_session,
    session_to_dict,
)
from studio.write_guard import WriteRefused

SESSIONS = Path(__file__).resolve().parents[1] / "data" / "sessions"


def _analysis() -> FaceAnalysis:
    rng = np.random.default_rng(1)
    landmarks = (rng.random((68, 2)) * 300 + 100).astype(np.float32)
    return FaceAnalysis(
        width=640,
        height=480,
        primary=0,
        faces=(Face(box=(100.0, 100.0, 400.0, 400.0), landmarks=landmarks, score=1.25),),
    )


def _photo(folder: Path, name: str = "me.jpg", payload: bytes = b"photo bytes") -> Path:
    path = folder / name
    path.write_bytes(payload)
    return path


def _full_session(photo: Path) -> Session:
    sliders = default_sliders()
    # Values whose decimal form is long: JSON must bring back the very same floats.
    sliders.update(
        smooth=0.1 + 0.2, blemish=1 / 3, face_light=-0.7071067811865476, backdrop="#1a2b3c"
    )
    return Session(
        sliders=sliders,
        source=Source.of(photo),
        look="linkedin",
        face=0,
        crop=Crop(0.125, 0.0625, 0.5, 0.375),
        export=ExportSettings(preset="portfolio", aspect="4:5", keep_metadata=True),
        analysis=_analysis(),
    )


# ----------------------------------------------------------------------------- round trip
def test_save_and_reload_restores_every_value_exactly(tmp_path):
    photo = _photo(tmp_path)
    session = _full_session(photo)
    path = save_session(session)
    assert path == default_session_path(photo) == tmp_path / "me.jpg.likeness.json"
    again = load_session(path)
    assert again.sliders == session.sliders
    assert all(type(again.sliders[k]) is type(session.sliders[k]) for k in session.sliders)
    assert again.source == Source(photo, session.source.sha256, len(b"photo bytes"))
    assert (again.look, again.face, again.crop, again.export) == (
        session.look,
        session.face,
        session.crop,
        session.export,
    )
    assert np.array_equal(
        again.analysis.faces[0].landmarks.round(2), session.analysis.faces[0].landmarks.round(2)
    )
    assert again.analysis_for(session.source.sha256) is again.analysis
    assert again.analysis_for("0" * 64) is None


def test_source_path_is_relative_beside_the_session_and_absolute_elsewhere(tmp_path):
    photo = _photo(tmp_path)
    session = _full_session(photo)
    save_session(session, tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text())["source"]["path"] == "me.jpg"
    (tmp_path / "other").mkdir()
    save_session(session, tmp_path / "other" / "s.json")
    stored = json.loads((tmp_path / "other" / "s.json").read_text())["source"]["path"]
    assert Path(stored).is_absolute() and Path(stored) == photo


def test_saving_is_atomic_and_never_over_the_photo(tmp_path):
    photo = _photo(tmp_path)
    session = _full_session(photo)
    with pytest.raises(WriteRefused, match="refusing to write a session over"):
        save_session(session, photo)
    assert photo.read_bytes() == b"photo bytes"
    with pytest.raises(SessionError, match="does not exist"):
        save_session(session, tmp_path / "missing" / "s.json")
    save_session(session)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_session_without_photo_needs_a_file_name():
    with pytest.raises(SessionError, match="no photo"):
        save_session(Session())


# ----------------------------------------------------------------------------- migration
@pytest.mark.parametrize("sample", sorted(SESSIONS.glob("v*.json")), ids=lambda p: p.name)
def test_every_sample_of_every_version_loads_and_resaves_as_current(sample, tmp_path):
    session = load_session(sample)
    resaved = tmp_path / "again.json"
    save_session(session, resaved)
    data = json.loads(resaved.read_text())
    assert data["version"] == CURRENT_VERSION
    assert load_session(resaved).sliders == session.sliders


def test_every_old_version_has_a_sample_file():
    versions = {int(p.name[1:].split("_")[0]) for p in SESSIONS.glob("v*.json")}
    assert versions == set(range(1, CURRENT_VERSION + 1))


def test_version_1_migrates_flat_sliders_image_and_preset():
    session = load_session(SESSIONS / "v1_basic.json")
    assert session.sliders["smooth"] == 0.4 and session.sliders["blemish"] == 0.6
    assert session.sliders["face_light"] == -0.25
    assert session.sliders["backdrop"] == "#f2f2f2"
    assert session.sliders["shine"] == 0.0
    assert session.source.path == SESSIONS / "portrait.jpg"
    assert session.source.sha256.startswith("9f86d081")
    assert session.export.preset == "linkedin"
    assert (session.look, session.face, session.crop, session.analysis) == (
        "linkedin",
        0,
        None,
        None,
    )


def test_version_3_migrates_to_one_face_and_version_4_keeps_the_chosen_faces(tmp_path):
    assert load_session(SESSIONS / "v3_full.json").faces == "primary"
    session = load_session(SESSIONS / "v4_some_faces.json")
    assert session.faces == (0, 2) and session.face == 0
    for faces in ("all", "primary", (1,)):
        path = tmp_path / "s.likeness.json"
        save_session(replace(session, faces=faces), path)
        assert load_session(path).faces == faces


def test_a_version_3_session_holding_faces_is_refused_not_read_as_version_4(tmp_path):
    # v4 added "faces": a v3 file that names some is damaged or hand-made, and was silently
    # read with those faces retouched (the v3 step looked for "marks" instead).
    data = json.loads((SESSIONS / "v3_full.json").read_text())
    data["faces"] = "all"
    assert "unknown key 'faces' (version 3)" in _bad(tmp_path, data)


@pytest.mark.parametrize("value", ["everyone", [], [-1], [True], [1.5], {"all": 1}, 3])
def test_a_bad_faces_value_is_one_clear_error(tmp_path, value):
    data = json.loads((SESSIONS / "v4_some_faces.json").read_text())
    data["faces"] = value
    assert "'faces'" in _bad(tmp_path, data)


def test_version_1_look_without_image_migrates():
    look = load_session(SESSIONS / "v1_look.json")
    assert look.source is None and look.name == "Soft warm"
    assert look.sliders["warmth"] == 0.3


# ----------------------------------------------------------------------------- bad files
def _valid() -> dict:
    return json.loads((SESSIONS / "v2_full.json").read_text())


def _bad(tmp_path, content) -> str:
    path = tmp_path / "bad.likeness.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def _with(**changes) -> dict:
    data = _valid()
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return data


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"smooth": NaN}', "NaN"),
        (_with(format="photoshop-actions"), "'format' is 'photoshop-actions'"),
        (_with(version=99), "version 99 is newer"),
        (_with(version=0), "version 0 does not exist"),
        (_with(version="2"), "'version' must be a whole number"),
        (_with(sliders__sharpen=0.5), "unknown slider 'sharpen'"),
        (_with(sliders__smooth="lots"), "slider 'smooth' must be a number"),
        (_with(sliders__smooth=True), "slider 'smooth' must be a number"),
        (_with(sliders__smooth=1.5), "slider 'smooth' is 1.5, outside 0..1"),
        (_with(sliders__face_light=-2), "slider 'face_light' is -2, outside -1..1"),
        (_with(sliders__backdrop="blue"), "slider 'backdrop' must be a colour"),
        (_with(sliders=[0.1]), "'sliders' must be an object"),
        (_with(face=-1), "'face' must be a face number"),
        (_with(face="first"), "'face' must be a face number"),
        (_with(crop__left=1.5), "'crop.left' is 1.5, outside 0..1"),
        (_with(crop__width=0.95), "'crop' reaches outside the photo"),
        (_with(crop__zoom=2), "unknown key 'crop.zoom'"),
        (_with(export__preset="instagram"), "'export.preset' must be one of"),
        (_with(export__quality=101), "'export.quality' must be a whole number 1..100"),
        (_with(export__aspect="wide"), "'export.aspect' must be"),
        (_with(export__keep_metadata="yes"), "'export.keep_metadata' must be true or false"),
        (_with(source__sha256="abc"), "'source.sha256' must be 64"),
        (_with(source__path=7), "'source.path' must be a file name"),
        (_with(source__bytes=-5), "'source.bytes' must be a file size"),
        (
            _with(analysis={"image": {"width": 9, "height": 9}, "faces": [], "primary": True}),
            "'analysis' is not a valid face analysis",
        ),
        (_with(analysis={"faces": 3}), "'analysis' is not a valid face analysis"),
        (_with(look=5), "'look' must be text"),
        (_with(colour_grade="teal"), "unknown key 'colour_grade'"),
    ],
)
def test_bad_files_raise_a_one_line_error_naming_the_problem(tmp_path, content, expected):
    assert expected in _bad(tmp_path, content)


def test_version_1_with_an_unknown_key_is_named(tmp_path):
    data = json.loads((SESSIONS / "v1_basic.json").read_text())
    data["sharpen"] = 1
    assert "unknown key 'sharpen' (version 1)" in _bad(tmp_path, data)


def test_missing_and_binary_files_are_named(tmp_path):
    with pytest.raises(SessionError, match="no such session file"):
        load_session(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(SessionError, match="not (a session|valid JSON)"):
        load_session(tmp_path / "bin.json")
    with pytest.raises(SessionError, match="folder"):
        load_session(tmp_path)


# ----------------------------------------------------------------------------- source lookup
def test_the_photo_is_found_where_it_was(tmp_path):
    photo = _photo(tmp_path)
    path = save_session(_full_session(photo))
    assert find_source(load_session(path)) == photo


def test_a_renamed_photo_is_found_by_its_hash_beside_the_session(tmp_path):
    photo = _photo(tmp_path)
    _photo(tmp_path, "decoy.jpg", b"another photo")
    path = save_session(_full_session(photo))
    photo.rename(tmp_path / "renamed.jpg")
    assert find_source(load_session(path)) == tmp_path / "renamed.jpg"


def test_files_of_another_size_are_not_even_hashed(tmp_path, monkeypatch):
    photo = _photo(tmp_path)
    _photo(tmp_path, "other.jpg", b"a photo of another size")
    path = save_session(_full_session(photo))
    photo.rename(tmp_path / "renamed.jpg")
    hashed = []
    real = files.file_sha256
    monkeypatch.setattr(files, "file_sha256", lambda p: hashed.append(Path(p).name) or real(p))
    assert find_source(load_session(path)) == tmp_path / "renamed.jpg"
    assert "other.jpg" not in hashed


def test_a_moved_photo_and_session_are_found_together(tmp_path):
    photo = _photo(tmp_path)
    path = save_session(_full_session(photo))
    moved = tmp_path / "moved"
    moved.mkdir()
    path.rename(moved / path.name)
    photo.rename(moved / "me.jpg")
    assert find_source(load_session(moved / path.name)) == moved / "me.jpg"


def test_a_missing_photo_is_named_in_one_line(tmp_path):
    photo = _photo(tmp_path)
    path = save_session(_full_session(photo))
    photo.unlink()
    with pytest.raises(SessionError) as info:
        find_source(load_session(path))
    assert "me.jpg" in str(info.value) and "missing" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_changed_photo_does_not_match_its_hash(tmp_path):
    photo = _photo(tmp_path)
    path = save_session(_full_session(photo))
    photo.write_bytes(b"edited elsewhere")
    with pytest.raises(SessionError, match="has changed since the session was saved"):
        find_source(load_session(path))
    assert photo.read_bytes() == b"edited elsewhere"


def test_a_look_has_no_photo_to_find():
    with pytest.raises(SessionError, match="not tied to a photo"):
        find_source(Session())


def test_with_sliders_validates_and_names_the_key():
    session = Session().with_sliders({"smooth": 0.5})
    assert session.sliders["smooth"] == 0.5
    with pytest.raises(SessionError, match="unknown slider 'glow'"):
        Session().with_sliders({"glow": 1})
    with pytest.raises(SessionError, match="'eyes' is 2"):
        Session().with_sliders({"eyes": 2})


# ----------------------------------------------------------------------------- property tests
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


def _load_text(text) -> None:
    try:
        parse_session_text(text, name="fuzz")
    except SessionError as error:
        assert "\n" not in str(error)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_random_json_gives_a_session_or_a_session_error(value):
    _load_text(json.dumps(value))


_PATHS = [
    (),
    ("format",),
    ("version",),
    ("source",),
    ("source", "path"),
    ("source", "sha256"),
    ("sliders",),
    *[("sliders", s.key) for s in SLIDERS],
    ("look",),
    ("face",),
    ("crop",),
    ("crop", "left"),
    ("crop", "width"),
    ("export",),
    ("export", "preset"),
    ("export", "size"),
    ("export", "aspect"),
    ("export", "quality"),
    ("export", "keep_metadata"),
    ("analysis",),
    ("analysis", "faces"),
    ("analysis", "image"),
    ("analysis", "primary"),
    ("name",),
    ("description",),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(_PATHS), st.sampled_from(["set", "delete"]), _json),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(sorted(SESSIONS.glob("v*.json"))),
)
def test_mutations_of_valid_files_give_a_session_or_a_session_error(mutations, sample):
    data = json.loads(sample.read_text())
    for path, action, value in mutations:
        target = data
        for key in path[:-1]:
            if not isinstance(target, dict) or key not in target:
                break
            target = target[key]
        else:
            if not path:
                data = value
                continue
            if not isinstance(target, dict):
                continue
            if action == "delete":
                target.pop(path[-1], None)
            else:
                target[path[-1]] = copy.deepcopy(value)
    _load_text(json.dumps(data))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_a_session_or_a_session_error(blob):
    _load_text(blob)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_truncations_and_byte_flips_of_a_valid_file(data):
    raw = bytearray((SESSIONS / "v2_full.json").read_bytes())
    cut = data.draw(st.integers(0, len(raw)))
    raw = raw[:cut]
    for _ in range(data.draw(st.integers(0, 3))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    _load_text(bytes(raw))


def test_session_to_dict_is_valid_json_without_nan():
    text = json.dumps(session_to_dict(Session()), allow_nan=False)
    assert parse_session_text(text).sliders == default_sliders()


def test_a_v2_session_without_angle_migrates_to_angle_0():
    session = load_session(SESSIONS / "v2_full.json")
    assert session.angle == 0.0
    assert session.crop is not None and session.crop.left == 0.1


def test_the_angle_is_kept(tmp_path):
    session = load_session(SESSIONS / "v6_angle.json")
    assert session.angle == -4.5
    again = tmp_path / "again.likeness.json"
    save_session(session, again)
    assert load_session(again).angle == -4.5


@pytest.mark.parametrize("angle", [15.5, -20, "3", True])
def test_an_angle_outside_fifteen_degrees_is_refused(tmp_path, angle):
    data = {**_valid(), "version": 6, "edits": {}, "angle": angle}
    assert "'angle'" in _bad(tmp_path, data)


def test_snapshots_are_kept_and_checked(tmp_path):
    session = load_session(SESSIONS / "v6_angle.json")
    assert session.snapshots[0][0] == "Soft skin" and session.snapshots[0][1]["smooth"] == 0.5
    data = {
        **_valid(),
        "version": 6,
        "edits": {},
        "snapshots": [{"name": "x", "sliders": {"smooth": 7}}],
    }
    assert "smooth" in _bad(tmp_path, data)


def test_a_version_5_session_is_not_turned_and_has_no_snapshots(tmp_path):
    session = load_session(SESSIONS / "v5_marks.json")
    assert session.angle == 0.0 and session.snapshots == []
    data = {**_valid(), "version": 5, "edits": {}, "angle": 3.0}
    assert "unknown key 'angle' (version 5)" in _bad(tmp_path, data)


def test_a_looks_budget_and_amount_are_kept(tmp_path):
    session = load_session(SESSIONS / "v7_amount.json")
    assert session.budget == 90.0 and session.amount == 0.85 and session.look == "linkedin"
    again = tmp_path / "again.likeness.json"
    save_session(session, again)
    kept = load_session(again)
    assert (kept.budget, kept.amount) == (90.0, 0.85)


def test_a_version_6_session_has_no_budget_or_amount(tmp_path):
    session = load_session(SESSIONS / "v6_angle.json")
    assert session.budget is None and session.amount is None
    data = {**_valid(), "version": 6, "edits": {}, "amount": 0.5}
    assert "unknown key 'amount' (version 6)" in _bad(tmp_path, data)


@pytest.mark.parametrize("key, value", [("amount", 1.6), ("amount", -0.1), ("budget", 101),
                                        ("budget", "93")])
def test_an_amount_or_budget_out_of_range_is_refused(tmp_path, key, value):
    data = {**_valid(), "version": 7, "edits": {}, key: value}
    assert f"'{key}'" in _bad(tmp_path, data)


def test_a_version_7_session_has_no_references(tmp_path):
    session = load_session(SESSIONS / "v7_amount.json")
    assert session.references == ()
    data = {**_valid(), "version": 7, "edits": {}, "references": []}
    assert "unknown key 'references' (version 7)" in _bad(tmp_path, data)


def test_the_references_sample_keeps_its_descriptors(tmp_path):
    session = load_session(SESSIONS / "v8_references.json")
    (reference,) = session.references
    assert reference.path == str(SESSIONS / "me_at_the_beach.jpg") and reference.face == 0
    again = tmp_path / "again.likeness.json"
    save_session(session, again)
    stored = json.loads(again.read_text())["references"][0]
    assert stored["sha256"] == reference.sha256 and len(stored["descriptor"]) == 128


@pytest.mark.parametrize("descriptor", [[0.1] * 127, [0.1] * 127 + ["a"], "x", None])
def test_a_bad_reference_descriptor_is_refused_by_name(tmp_path, descriptor):
    data = {**_valid(), "version": 8, "edits": {},
            "references": [{"path": "me.jpg", "sha256": "a" * 64, "face": 0,
                            "descriptor": descriptor}]}
    message = _bad(tmp_path, data)
    assert "'references[0]'" in message and "descriptor" in message


def test_a_v8_session_has_no_budget_to_me_and_the_v9_sample_keeps_it(tmp_path):
    assert load_session(SESSIONS / "v8_references.json").budget_to_me is None
    data = {**_valid(), "version": 8, "edits": {}, "references": [], "budget_to_me": 80}
    assert "unknown key 'budget_to_me' (version 8)" in _bad(tmp_path, data)
    session = load_session(SESSIONS / "v9_budget_to_me.json")
    assert session.budget_to_me == 80.0
    again = tmp_path / "again.likeness.json"
    save_session(session, again)
    assert json.loads(again.read_text())["budget_to_me"] == 80.0
    data = {**_valid(), "version": 9, "edits": {}, "budget_to_me": 120}
    assert "budget_to_me" in _bad(tmp_path, data)

"""Per-edit versions in sessions: a session stores the algorithm version of every edit, a
sample session of every edit version renders as its stored golden (so a change of an edit's
look cannot pass unnoticed), and an older version is migrated explicitly, with a note.

Regenerate the goldens after an intended change of an edit (then bump its VERSION, add a
LEGACY step and a sample of the new version, and review the PNGs by eye):

    LIKENESS_REGENERATE_GOLDENS=1 .venv/bin/pytest tests/edits/test_versions.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from studio.edits import protocol, sliders
from studio.edits.sliders import Slider
from studio.edits.versions import current_versions, edit_name, upgrade
from studio.errors import LikenessError, SessionError
from studio.imaging.colour import delta_e2000
from studio.render import render_photo
from studio.session import load_session, save_session

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "sessions" / "edits"
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "edits"
#: The goldens' largest side, pixels (area-averaged from the render of the 512 px sample).
STORED_SIZE = 192
#: CIEDE2000 between a render and its golden: the rounding to 8 bits and a platform's
#: OpenCV, not a change of look (test_golden.py's limits).
MAX_DE, MEAN_DE = 2.3, 0.8


@pytest.fixture(scope="module")
def sample():
    from studio.face import analyze
    from studio.imaging.sample import sample_photo

    pixels = sample_photo().pixels
    return pixels, analyze(pixels)


def _stored(pixels: np.ndarray) -> np.ndarray:
    h, w = pixels.shape[:2]
    scale = STORED_SIZE / max(h, w)
    size = (max(round(w * scale), 1), max(round(h * scale), 1))
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return np.round(np.clip(small, 0, 1) * 255).astype(np.uint8)


def test_every_version_of_every_edit_has_a_sample_session():
    for edit in protocol.edits():
        name = edit_name(edit)
        for version in range(1, edit.VERSION + 1):
            assert list(SAMPLES.glob(f"{name}_v{version}*.json")), f"{name} version {version}"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_a_sample_session_of_each_edit_version_renders_as_its_golden(path, sample):
    pixels, analysis = sample
    session = load_session(path)
    rendered = _stored(render_photo(pixels, analysis, session.sliders))
    assert not np.array_equal(rendered, _stored(pixels)), "the sample changes nothing"
    golden = GOLDEN / f"{path.stem}.png"
    if os.environ.get("LIKENESS_REGENERATE_GOLDENS") == "1" or not golden.exists():
        if os.environ.get("LIKENESS_REGENERATE_GOLDENS") != "1":
            pytest.fail(f"no golden {golden.name}: regenerate with LIKENESS_REGENERATE_GOLDENS=1")
        Image.fromarray(rendered).save(golden)
    stored = np.asarray(Image.open(golden).convert("RGB"))
    de = delta_e2000(stored.astype(np.float32) / 255, rendered.astype(np.float32) / 255)
    assert de.max() <= MAX_DE and de.mean() <= MEAN_DE, (path.stem, de.max(), de.mean())


def test_a_saved_session_records_every_edits_version(tmp_path):
    path = save_session(load_session(SAMPLES / "smooth_v1.json"), tmp_path / "s.likeness.json")
    assert json.loads(path.read_text())["edits"] == current_versions()


def test_format_2_sessions_were_made_with_version_1_of_every_edit():
    session = load_session(Path(__file__).resolve().parents[1] / "data" / "sessions" / "v2_full.json")
    # Every edit but smooth (version 5 since issue 28) and shine (version 2) is still at
    # version 1: smooth's four steps (1 -> 2 -> 3 -> 4 -> 5) and shine's one are its notes.
    assert len(session.notes) == 5, session.notes
    assert sum(note.startswith("smooth: ") for note in session.notes) == 4, session.notes
    assert sum(note.startswith("shine: ") for note in session.notes) == 1, session.notes
    assert session.sliders["smooth"] == 0.4


def test_a_bad_edits_entry_is_named(tmp_path):
    path = tmp_path / "bad.likeness.json"
    for edits, words in (({"glow": 1}, "unknown edit 'glow'"), ({"smooth": 0}, "'smooth'"),
                         ({"smooth": 99}, "newer 'smooth' edit")):
        path.write_text(json.dumps({"format": "likeness-session", "version": 3,
                                    "sliders": {}, "edits": edits}))
        with pytest.raises(SessionError, match=words):
            load_session(path)


@pytest.fixture
def rosy_v2(monkeypatch):
    """The test-only rosy-skin edit, registered, then changed: its version 2 is twice as
    strong, so a version-1 session's value is halved to keep its look."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "helpers"))
    monkeypatch.setattr(sliders, "SLIDERS", sliders.SLIDERS + (
        Slider("test_rosy", "Rosy skin", "Skin", 0.0, 1.0, 0.0, "", edit="example_edits.rosy_skin"),
    ))
    from example_edits import rosy_skin

    def from_1(values: dict) -> tuple[dict, str]:
        return {**values, "test_rosy": values["test_rosy"] / 2}, "halved (version 2 is twice as strong)"

    monkeypatch.setattr(rosy_skin, "VERSION", 2)
    monkeypatch.setattr(rosy_skin, "LEGACY", {1: from_1}, raising=False)
    yield rosy_skin
    for name in [n for n in sys.modules if n.startswith("example_edits")]:
        del sys.modules[name]


def test_an_older_edit_version_is_migrated_with_a_note(rosy_v2, tmp_path):
    values, notes = upgrade({"test_rosy": 0.8, "smooth": 0.3}, {"rosy_skin": 1})
    assert values == {"test_rosy": 0.4, "smooth": 0.3}
    assert notes == ["rosy_skin: halved (version 2 is twice as strong)"]
    assert upgrade({"test_rosy": 0.8}, {"rosy_skin": 2}) == ({"test_rosy": 0.8}, [])
    path = tmp_path / "old.likeness.json"
    path.write_text(json.dumps({"format": "likeness-session", "version": 3,
                                "sliders": {"test_rosy": 0.8}, "edits": {"rosy_skin": 1}}))
    session = load_session(path)
    assert session.sliders["test_rosy"] == 0.4 and len(session.notes) == 1
    resaved = json.loads(save_session(session, tmp_path / "new.likeness.json").read_text())
    assert resaved["edits"]["rosy_skin"] == 2 and resaved["sliders"]["test_rosy"] == 0.4


def test_an_older_edit_version_with_no_way_up_is_refused(rosy_v2):
    rosy_v2.LEGACY.clear()
    with pytest.raises(LikenessError, match="version 1 of the 'rosy_skin' edit"):
        upgrade({"test_rosy": 0.8}, {"rosy_skin": 1})

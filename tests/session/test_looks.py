"""Looks: the built-in files are valid, gentle and listed; user looks are saved and found."""

from __future__ import annotations

import json

import pytest

from studio.edits.sliders import SLIDERS
from studio.errors import SessionError
from studio.paths import resource_path
from studio.session import BUILTIN_LOOKS, list_looks, load_look, save_look, user_looks_dir


@pytest.mark.parametrize("key", BUILTIN_LOOKS)
def test_built_in_looks_are_sessions_without_a_photo(key):
    look = load_look(key)
    assert look.source is None and look.analysis is None and look.crop is None
    assert look.name and look.description and "\n" not in look.description
    assert set(look.sliders) == {s.key for s in SLIDERS}
    assert any(v not in (0.0, None) for v in look.sliders.values())
    raw = json.loads(resource_path("looks", f"{key}.json").read_text())
    # Version 7: each look declares its likeness budget (issue 20); the amount is per photo.
    assert raw["version"] == 7 and raw["format"] == "likeness-session"
    assert 85 <= look.budget <= 99 and look.amount is None


def test_looks_are_gentle_and_distinct():
    natural, linkedin, nonprofit, portfolio = (load_look(k).sliders for k in BUILTIN_LOOKS)
    assert portfolio["smooth"] < natural["smooth"] <= linkedin["smooth"]  # texture and soul
    assert nonprofit["warmth"] > 0 and linkedin["warmth"] == 0  # warmth over gloss
    assert linkedin["bg_blur"] > 0 and linkedin["bg_desaturate"] > 0  # calmer background
    assert all(
        abs(v) <= 0.6
        for look in (natural, linkedin, nonprofit, portfolio)
        for k, v in look.items()
        if isinstance(v, float) and k != "smooth"
    )
    # Smooth (version 2) keeps freckles and pores, so a polished look may go further with it
    # (issue 20: LinkedIn visibly evener than Natural); still well short of the maximum.
    assert all(look["smooth"] <= 0.75 for look in (natural, linkedin, nonprofit, portfolio))


def test_looks_are_found_by_name_in_any_case():
    assert load_look("LinkedIn").sliders == load_look("linkedin").sliders


def test_user_looks_are_saved_listed_and_loaded():
    path = save_look("Team Page", {"smooth": 0.3, "warmth": 0.1}, "Warm and clean")
    assert path.parent == user_looks_dir() and path.name == "team-page.json"
    listed = {look.key: look for look in list_looks()}
    assert listed["team-page"].description == "Warm and clean"
    assert not listed["team-page"].builtin and listed["natural"].builtin
    assert load_look("team page").sliders["warmth"] == 0.1


def test_a_broken_user_look_is_listed_with_its_problem(tmp_path):
    (user_looks_dir() / "broken.json").write_text("{nope")
    try:
        broken = [look for look in list_looks() if look.key == "broken"][0]
        assert "cannot be used" in broken.description and "not valid JSON" in broken.description
    finally:
        (user_looks_dir() / "broken.json").unlink()


def test_unknown_looks_and_bad_names_are_named():
    with pytest.raises(SessionError, match="no look named 'glam'.*natural, linkedin"):
        load_look("glam")
    with pytest.raises(SessionError, match="built-in look"):
        save_look("Natural", {"smooth": 0.1})
    with pytest.raises(SessionError, match="not a usable look name"):
        save_look("../escape", {"smooth": 0.1})
    with pytest.raises(SessionError, match="slider 'smooth' is 3"):
        save_look("too much", {"smooth": 3})


def test_a_look_file_path_works_too(tmp_path):
    path = save_look("file look", {"eyes": 0.2})
    assert load_look(str(path)).sliders["eyes"] == 0.2

"""The built-in looks differ by purpose (issue 20), on four shared photos of different skin
tones (light and freckled, medium-brown with glasses and beard, medium-dark, deep):

- LinkedIn, polished: evens the skin's tone clearly more than Natural (uneven tone kept at
  least 0.10 lower);
- Nonprofit, warm: the skin's mean b* goes up, and the face's shadows are lifted (softer);
- Portfolio, texture and depth: keeps >= 0.95 of the freckles and spots band, and its face's
  shadows are deeper than Natural's (at least 0.3 L* on the darkest quarter of the skin);
- every look at the amount found on the photo within its likeness budget
  (``studio.render.amount``), and that amount keeping the budget on the full render.

Run with ``-s`` for the table.
"""

from __future__ import annotations

import numpy as np
import pytest

from studio.face import likeness_percent
from studio.imaging.colour import rgb_to_lab
from studio.render import Retoucher
from studio.render.amount import scaled, strongest_amount
from studio.render.quality import figures, quality_skin
from studio.session import load_look
from tests.helpers.promises import SKIN_TONES, analysed_photo

pytestmark = pytest.mark.slow

LOOKS = ("natural", "linkedin", "nonprofit", "portfolio")


def _shadow_lift(original: np.ndarray, edited: np.ndarray, skin: np.ndarray) -> float:
    """Mean L* change on the darkest quarter of the skin (chosen on the original)."""
    l0 = rgb_to_lab(original)[..., 0][skin]
    l1 = rgb_to_lab(edited)[..., 0][skin]
    dark = l0 <= np.quantile(l0, 0.25)
    return float((l1[dark] - l0[dark]).mean())


@pytest.fixture(scope="module", params=sorted(SKIN_TONES))
def measured(request):
    """look -> (figures, skin b* change, shadow lift) on one photo."""
    name = request.param
    pixels, analysis = analysed_photo(name)
    face = analysis.face()
    assert face is not None, f"no face found on {name}"
    skin = quality_skin(face, pixels.shape)
    b0 = rgb_to_lab(pixels)[..., 2][skin].mean()
    retoucher = Retoucher(pixels, analysis)
    out = {}
    for look in LOOKS:
        session = load_look(look)
        found = strongest_amount(pixels, analysis, session.sliders, session.budget)
        edited = retoucher.render(scaled(session.sliders, found.amount))
        fig = figures(pixels, edited, face)
        warmer = float(rgb_to_lab(edited)[..., 2][skin].mean() - b0)
        out[look] = (fig, warmer, _shadow_lift(pixels, edited, skin), found, session.budget)
        print(f"{name} {look}: amount {found.amount:.0%} (budget {session.budget:g}%), "
              f"likeness {likeness_percent(fig.likeness_distance):.1f}%, tone kept "
              f"{fig.tone_kept:.3f}, freckles kept {fig.freckles_kept:.3f}, "
              f"b* {warmer:+.2f}, shadows {out[look][2]:+.2f} L*")
    return name, out


def test_linkedin_evens_tone_clearly_more_than_natural(measured):
    name, out = measured
    natural, linkedin = out["natural"][0].tone_kept, out["linkedin"][0].tone_kept
    assert linkedin <= natural - 0.10, f"{name}: LinkedIn {linkedin:.3f}, Natural {natural:.3f}"


def test_nonprofit_is_warmer_and_softer_in_shadow(measured):
    name, out = measured
    assert out["nonprofit"][1] >= 0.5, f"{name}: skin b* {out['nonprofit'][1]:+.2f}"
    assert out["nonprofit"][2] >= out["natural"][2] + 0.5, (
        f"{name}: shadows lifted {out['nonprofit'][2]:+.2f} vs Natural {out['natural'][2]:+.2f}"
    )


def test_portfolio_keeps_freckles_and_depth(measured):
    name, out = measured
    assert out["portfolio"][0].freckles_kept >= 0.95, name
    assert out["portfolio"][2] <= out["natural"][2] - 0.3, (
        f"{name}: Portfolio shadows {out['portfolio'][2]:+.2f} L*, Natural {out['natural'][2]:+.2f}"
    )


def test_every_look_keeps_its_budget_at_the_amount_found(measured):
    """Found on the face crop (studio.render.amount: the face at 80 px IOD), checked on the full
    render: within a point of the budget, as the crop measures within about a point of the full
    size (0.0-0.7 below it here). Exports and batches then check the full render and step down
    when it is below (test_keep_likeness), so no exported file is under its look's budget."""
    name, out = measured
    for look, (fig, _, _, found, budget) in out.items():
        assert 0 < found.amount <= 1.5, f"{name} {look}: amount {found.amount}"
        percent = likeness_percent(fig.likeness_distance)
        assert percent >= budget - 1.0, f"{name} {look}: likeness {percent:.1f}% < {budget}%"

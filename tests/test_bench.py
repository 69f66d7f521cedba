"""``likeness bench --quick --json`` runs and reports every figure (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from studio.edits.sliders import SLIDERS


def test_bench_quick_json_reports_every_figure():
    result = subprocess.run(
        [sys.executable, "-m", "studio", "bench", "--quick", "--json"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    figures = report["figures_ms"]
    numeric = [s.key for s in SLIDERS if s.kind == "number"]
    assert set(numeric) | {"all"} == set(figures["slider_move"])
    for stats in figures["slider_move"].values():
        assert stats["median"] > 0 and stats["p95"] >= stats["median"]
    for key in ("12mp", "24mp"):
        assert figures["open"][key]["median"] > 0
        assert figures["full_render"][key]["median"] > 0
        assert figures["floors"][f"copy_{key}"] > 0
        assert figures["floors"][f"decode_encode_{key}"] > 0
        assert figures["ratios"][f"open_vs_decode_encode_{key}"] > 0
        assert figures["ratios"][f"full_render_vs_copy_{key}"] > 0
    assert figures["floors"]["copy_2mp"] > 0 and figures["likeness"]["median"] > 0
    assert figures["ratios"]["slider_move_vs_copy_2mp"] > 0
    assert set(figures["targets"]) == {
        "slider_move_median", "slider_move_p95", "open_24mp", "full_render_24mp"}
    assert report["quick"] is True and report["megapixels"]["24mp"] < 24

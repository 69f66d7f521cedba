"""``likeness bench --quick --json`` runs and reports every figure (no timing is asserted)."""

from __future__ import annotations

import json
import shutil
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
    amount = figures["amount_search"]  # a look's amount within its budget, as the studio finds it
    assert amount["first"]["median"] > 0 and amount["again"]["median"] > 0
    assert 1 <= amount["renders"] <= 6 and figures["ratios"]["amount_search_vs_copy_2mp"] > 0
    closeup = figures["closeup"]
    assert set(numeric) | {"all"} == set(closeup["slider_move"])
    for key in ("12mp", "24mp"):
        assert closeup["open"][key]["median"] > 0 and closeup["full_render"][key]["median"] > 0
        assert closeup["floors"][f"copy_{key}"] > 0
        assert closeup["floors"][f"decode_encode_{key}"] > 0
    export = figures["export_closeup_24mp"]
    cores = export["cores"]
    assert export["floor_decode_encode"] > 0
    assert export["threads_1"]["median"] > 0 and export[f"threads_{cores}"]["median"] > 0
    assert export["ratio_threads_1"] > 0 and export["ratio_threads_all"] > 0
    assert export["threads_1_cpu"]["median"] > 0 and export[f"threads_{cores}_cpu"]["median"] > 0
    assert export["floor_decode_encode_cpu"] > 0 and export["ratio_threads_1_cpu"] > 0
    gmic = figures["gmic_closeup_6mp"]
    if shutil.which("gmic"):
        assert gmic["likeness_smooth_1_png"]["median"] > 0
        assert gmic["gmic_fx_smooth_skin_png"]["median"] > 0 and gmic["speedup"] > 0
        assert gmic["likeness_smooth_1_png_cpu"]["median"] > 0 and gmic["speedup_cpu"] > 0
    else:
        assert "gmic" in gmic["skipped"]
    expected = {
        "slider_move_median", "slider_move_p95", "closeup_slider_move_median",
        "closeup_slider_move_p95", "open_24mp", "full_render_24mp",
        "closeup_export_24mp_one_core_vs_floor", "closeup_export_24mp_all_cores_vs_floor",
        "amount_search_first"}
    if shutil.which("gmic"):
        expected.add("gmic_smooth_6mp_speedup")
    assert set(figures["targets"]) == expected
    assert report["quick"] is True and report["megapixels"]["24mp"] < 24


def test_process_figures_pin_the_child_and_count_its_cpu(tmp_path):
    """A whole-process figure runs the child on the cores asked (``taskset -c``) and counts
    its own CPU time (user + system), not this process's."""
    import os

    from studio import bench

    if not hasattr(os, "sched_getaffinity"):
        return
    out = tmp_path / "cores.txt"
    script = ("import os, sys, time\nopen(sys.argv[1], 'w').write(str(sorted(os.sched_getaffinity(0))))\n"
              "end = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n")
    wall, cpu = bench._pinned_process([sys.executable, "-c", script, str(out)], tmp_path,
                                      bench._cores(1))
    assert out.read_text() == str(list(bench._cores(1)))
    assert cpu >= 300 and wall > 0


def test_a_bench_process_reads_its_bytecode_as_an_installed_app(tmp_path, monkeypatch):
    """Each process the bench times reads the studio's compiled modules from the bench's own
    cache, as an installed app does, even from a shell that forbids writing bytecode (CI, a
    developer's): otherwise every run compiled ~80 modules, half the floor's CPU."""
    from studio import bench

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    bench._bytecode_ready(tmp_path)
    compiled = list((tmp_path / "bytecode").rglob("retoucher*.pyc"))
    assert compiled, "the studio's modules were not compiled into the bench's cache"
    out = tmp_path / "seen.json"
    script = ("import json, sys\nopen(sys.argv[1], 'w').write(json.dumps("
              "[sys.dont_write_bytecode, sys.pycache_prefix]))\n")
    bench._pinned_process([sys.executable, "-c", script, str(out)], tmp_path, bench._cores(1))
    dont_write, prefix = json.loads(out.read_text())
    assert not dont_write and prefix == str(tmp_path / "bytecode")


def test_bench_studio_reports_open_drag_and_window_figures():
    """``likeness bench --studio --quick --json``: a real studio process opens each photo, drags
    every default slider, and reports issue 27's studio figures beside their targets (no timing
    is asserted: only that each was measured, in order, and over every move)."""
    from studio.ui.studio_bench import DRAGS

    result = subprocess.run(
        [sys.executable, "-m", "studio", "bench", "--studio", "--quick", "--json"],
        capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    for label in ("portrait", "closeup"):
        figures = report["studio"][label]
        opened, drag = figures["open"], figures["drag"]
        assert 0 < opened["first_picture"] <= opened["first_preview"]
        assert opened["cpu_to_first_preview"] > 0
        assert set(drag["by_slider"]) == set(DRAGS)
        assert drag["moves"] == 10 * len(DRAGS)  # every move reached the screen
        assert 0 < drag["median"] <= drag["p95"] and drag["cpu_per_move"] > 0
        assert drag["settle_median"] > 0  # each drag ends on its full render
        assert figures["window_blocked_max"] >= 0 and figures["window_busy_max"] > 0
    assert set(report["targets"]) == {"open_first_picture", "drag_median", "drag_p95",
                                      "window_blocked_max"}


def test_bench_shoot_reports_the_window_while_a_shoot_exports(tmp_path):
    """``likeness bench --shoot``: a studio process opens a shoot, syncs a look and exports it
    with Export Selected, reporting the window thread's longest block (issue 29; no timing is
    asserted). A folder the user names is only read: nothing is written beside its photos."""
    from tests.helpers.photos import face_photo

    made = subprocess.run([sys.executable, "-m", "studio", "bench", "--shoot", "--quick", "--json"],
                          capture_output=True, text=True, timeout=1200)
    assert made.returncode == 0, made.stderr[-2000:]
    export = json.loads(made.stdout)["shoot"]["export"]
    assert export["photos"] == export["exported"] == 4 and export["beats"] > 0
    assert export["blocked_max"] >= 0 and export["busy_max"] > 0
    folder = tmp_path / "shoot"
    folder.mkdir()
    shutil.copy(face_photo("deepface_img25.jpg"), folder / "a.jpg")
    shutil.copy(face_photo("deepface_img21.jpg"), folder / "b.jpg")
    named = subprocess.run([sys.executable, "-m", "studio", "bench", "--shoot", str(folder),
                            "--json"], capture_output=True, text=True, timeout=1200)
    assert named.returncode == 0, named.stderr[-2000:]
    assert json.loads(named.stdout)["shoot"]["export"]["exported"] == 2
    assert sorted(p.name for p in folder.iterdir()) == ["a.jpg", "b.jpg"]
    missing = subprocess.run([sys.executable, "-m", "studio", "bench", "--shoot",
                              str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert missing.returncode != 0 and "not a folder" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_the_batch_figure_reads_distinct_photos(tmp_path):
    """The batch's photos per minute is of a shoot, not of one file copied: each photo is a
    file of its own (the analysis of the first is not read from the cache for the others)."""
    import hashlib

    from studio import bench

    first = bench._write_jpeg(bench.closeup_portrait(0.05, seed=1), tmp_path / "closeup.jpg")
    folder = bench.distinct_closeups(first, tmp_path / "shoot", 4, 0.05)
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.jpg")}
    assert len(digests) == 4
    assert (folder / "photo-0.jpg").read_bytes() == first.read_bytes()

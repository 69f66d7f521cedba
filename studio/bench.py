"""Speed figures of this machine: ``likeness bench``.

Every figure is in milliseconds and is reported beside a floor measured in the same
run on the same pixels — one numpy read+write pass (copy) and the plain decode +
encode of the file — so a slow, shared machine reads as a ratio, not a verdict.
Benchmarks run here, never as timed tests.
"""

from __future__ import annotations

import io
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from studio import __version__
from studio.edits.sliders import SLIDERS
from studio.imaging import load, load_proxy
from studio.imaging.sample import sample_photo

#: docs/quality.md targets, in milliseconds.
TARGETS = {
    "slider_move_median": 33.0,
    "slider_move_p95": 60.0,
    "open_24mp": 1500.0,
    "full_render_24mp": 2500.0,
}

#: A value for every slider that turns its edit on (used for "every edit on").
EVERY_EDIT_ON = {
    "smooth": 0.6, "blemish": 0.6, "shine": 0.5, "face_light": 0.3, "shadows": 0.4,
    "warmth": 0.2, "eyes": 0.4, "teeth": 0.4, "bg_blur": 0.6, "bg_light": 0.2,
    "bg_desaturate": 0.4, "backdrop": None,
}


def synthetic_portrait(megapixels: float, seed: int = 0) -> np.ndarray:
    """The sample portrait enlarged to ``megapixels`` at 3:2, with fine sensor-like grain.

    The face stays detectable and the grain makes codecs and filters work as hard as on a
    real photo. float32 sRGB in [0, 1].
    """
    width = int(round((megapixels * 1e6 * 1.5) ** 0.5))
    height = int(round(width / 1.5))
    face = sample_photo().pixels
    side = height
    square = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    pad = width - side
    canvas = cv2.copyMakeBorder(square, 0, 0, pad // 2, pad - pad // 2, cv2.BORDER_REFLECT)
    rng = np.random.default_rng(seed)
    grain = rng.normal(0.0, 0.012, size=(height, width, 1)).astype(np.float32)
    return np.clip(canvas + grain, 0.0, 1.0).astype(np.float32)


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def _stats(samples: list[float]) -> dict[str, float]:
    array = np.asarray(samples)
    return {
        "median": round(float(np.median(array)), 2),
        "p95": round(float(np.percentile(array, 95)), 2),
        "min": round(float(array.min()), 2),
        "n": len(samples),
    }


def _copy_floor(pixels: np.ndarray, repeat: int) -> float:
    target = np.empty_like(pixels)
    return float(np.median(_timed(lambda: np.copyto(target, pixels), repeat)))


def _codec_floor(path: Path, repeat: int) -> float:
    def decode_encode():
        with Image.open(path) as image:
            image.load()
            image.save(io.BytesIO(), format="JPEG", quality=92)

    return float(np.median(_timed(decode_encode, repeat)))


def _write_jpeg(pixels: np.ndarray, path: Path) -> Path:
    Image.fromarray(np.clip(pixels * 255 + 0.5, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path


def run(quick: bool = False, threads: int = 1, progress: Callable[[str], None] | None = None) -> dict:
    """Measure every figure; returns a JSON-ready dict (milliseconds).

    ``quick`` uses smaller photos (a tenth of the sizes) and fewer repetitions, for a
    smoke test; the keys are the same. ``threads`` caps OpenCV's threads (1 = one core).
    """
    from studio.face import analyze, likeness_distance
    from studio.render import Retoucher, proxy_of, render_photo

    say = progress or (lambda message: None)
    cv2.setNumThreads(int(threads))
    scale = 0.1 if quick else 1.0
    moves = 6 if quick else 30
    repeat = 2 if quick else 5
    sizes = {"2mp": 2.0 * scale, "12mp": 12.0 * scale, "24mp": 24.0 * scale}
    figures: dict = {"floors": {}, "slider_move": {}, "open": {}, "full_render": {}}

    with tempfile.TemporaryDirectory(prefix="likeness-bench-") as folder:
        # Slider moves on a 2 MP proxy.
        say("slider moves on a 2 MP proxy")
        proxy = synthetic_portrait(sizes["2mp"])
        analysis = analyze(proxy)
        figures["floors"]["copy_2mp"] = round(_copy_floor(proxy, repeat * 4), 2)
        retoucher = Retoucher(proxy, analysis)
        start = time.perf_counter()
        retoucher.render(EVERY_EDIT_ON)  # prepares every layer once
        figures["prepare_2mp"] = round((time.perf_counter() - start) * 1000.0, 2)
        all_moves: list[float] = []
        for spec in SLIDERS:
            if spec.kind != "number":
                continue
            values = np.linspace(spec.minimum or 0.05, spec.maximum, moves)
            samples = []
            for value in values:
                sliders = dict(EVERY_EDIT_ON)
                sliders[spec.key] = float(value)
                start = time.perf_counter()
                retoucher.render(sliders)
                samples.append((time.perf_counter() - start) * 1000.0)
            figures["slider_move"][spec.key] = _stats(samples)
            all_moves += samples
        figures["slider_move"]["all"] = _stats(all_moves)

        say("likeness score")
        edited = retoucher.render(EVERY_EDIT_ON)
        figures["likeness"] = _stats(_timed(lambda: likeness_distance(proxy, edited), repeat))

        for key in ("12mp", "24mp"):
            say(f"open and full render at {key}")
            pixels = synthetic_portrait(sizes[key], seed=1)
            path = _write_jpeg(pixels, Path(folder) / f"{key}.jpg")
            figures["floors"][f"copy_{key}"] = round(_copy_floor(pixels, repeat), 2)
            figures["floors"][f"decode_encode_{key}"] = round(_codec_floor(path, repeat), 2)

            def open_to_preview(path=path):
                photo, _factor = load_proxy(path)
                small, small_analysis, _ = proxy_of(photo.pixels, analyze(photo.pixels))
                Retoucher(small, small_analysis).render(EVERY_EDIT_ON)

            # Five runs each (two in --quick): a shared machine's odd slow run stays out of the median.
            figures["open"][key] = _stats(_timed(open_to_preview, repeat))
            full = load(path).pixels
            full_analysis = analyze(full)
            figures["full_render"][key] = _stats(
                _timed(lambda full=full, a=full_analysis: render_photo(full, a, EVERY_EDIT_ON), repeat))
            del full, pixels

    floors = figures["floors"]
    ratios = {
        "slider_move_vs_copy_2mp": figures["slider_move"]["all"]["median"] / max(floors["copy_2mp"], 1e-3),
    }
    for key in ("12mp", "24mp"):
        ratios[f"open_vs_decode_encode_{key}"] = (
            figures["open"][key]["median"] / max(floors[f"decode_encode_{key}"], 1e-3))
        ratios[f"full_render_vs_copy_{key}"] = (
            figures["full_render"][key]["median"] / max(floors[f"copy_{key}"], 1e-3))
    figures["ratios"] = {k: round(v, 2) for k, v in ratios.items()}
    checks = {
        "slider_move_median": figures["slider_move"]["all"]["median"],
        "slider_move_p95": figures["slider_move"]["all"]["p95"],
        "open_24mp": figures["open"]["24mp"]["median"],
        "full_render_24mp": figures["full_render"]["24mp"]["median"],
    }
    figures["targets"] = {
        name: {"measured": round(value, 2), "target": TARGETS[name], "met": value <= TARGETS[name]}
        for name, value in checks.items()
    }
    return {
        "version": __version__,
        "quick": quick,
        "threads": threads,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "processor": platform.machine()},
        "megapixels": {k: round(v, 2) for k, v in sizes.items()},
        "figures_ms": figures,
    }


def format_report(result: dict) -> str:
    """A human-readable table of :func:`run`'s result."""
    f = result["figures_ms"]
    mp = result["megapixels"]
    lines = [f"likeness bench {result['version']} on {result['machine']['cpus']} CPUs, "
             f"{result['threads']} thread(s){' (quick)' if result['quick'] else ''}", ""]
    lines.append(f"slider move -> preview, {mp['2mp']} MP proxy (median / p95 ms):")
    for key, stats in f["slider_move"].items():
        lines.append(f"  {key:<14} {stats['median']:8.1f} / {stats['p95']:8.1f}")
    lines.append(f"  prepare (once per photo): {f['prepare_2mp']:.0f} ms")
    lines.append(f"likeness score: {f['likeness']['median']:.0f} ms")
    for key in ("12mp", "24mp"):
        lines.append(f"open {mp[key]} MP -> first preview: {f['open'][key]['median']:.0f} ms "
                     f"(decode+encode floor {f['floors'][f'decode_encode_{key}']:.0f} ms)")
        lines.append(f"full render {mp[key]} MP, every edit: {f['full_render'][key]['median']:.0f} ms "
                     f"(copy floor {f['floors'][f'copy_{key}']:.1f} ms)")
    lines.append("")
    lines.append("targets:")
    for name, target in f["targets"].items():
        mark = "ok " if target["met"] else "MISS"
        lines.append(f"  [{mark}] {name}: {target['measured']:.0f} ms (target {target['target']:.0f})")
    return "\n".join(lines)

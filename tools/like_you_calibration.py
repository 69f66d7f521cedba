#!/usr/bin/env python3
"""Calibrate "like you" (issue 28) on the shared photos: the figure's distribution for photos of
the same person, of different people, a JPEG q95 re-save, each built-in look and ``smooth=1``;
the amber and red thresholds' error rates; and an ROC curve drawn to docs/like_you_roc.png.

    PYTHONPATH=. .venv/bin/python tools/like_you_calibration.py     # prints docs/quality.md's tables

One reference per figure: "same person" is each MANIFEST same-person pair (both ways);
"different people" is every pair of single-face photos of two named people. A re-save, a look
or smooth=1 is of the first photo of a same-person pair, checked against the second.
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FACES = REPO.parent / "shared" / "testdata" / "faces"
LOOKS = ("natural", "linkedin", "nonprofit", "portfolio")
#: Photos are measured on a copy of at most this many pixels (the studio's compare size is 2 MP;
#: the likeness reads a 150 px chip, so 1 MP changes the figures by a point or less).
PIXELS = 1_000_000


def _rows() -> list[dict]:
    with open(FACES / "MANIFEST.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def _proxy(name: str):
    from studio.face.detect import analyze_photo
    from studio.imaging import load
    from studio.render import proxy_of

    photo = load(FACES / name)
    return proxy_of(photo.pixels, analyze_photo(photo), PIXELS)[:2]


def _descriptor(pixels, analysis):
    from studio.face.likeness import face_descriptor

    return face_descriptor(pixels, analysis.face())


def _resaved(pixels):
    from studio.imaging import encode, load_bytes

    return load_bytes(encode(pixels, "JPEG", quality=95)).pixels


def _rendered(pixels, analysis, sliders):
    """The photo retouched with ``sliders`` as they are (a look at its full amount: no
    budget eases it, the farthest it can move the face)."""
    from studio.service.retouch import render_retouch

    return render_retouch(pixels, analysis, sliders, [analysis.primary], ()).pixels


def measure() -> dict[str, list[float]]:
    """Distances to a one-photo identity, by kind."""
    from studio.edits.sliders import default_sliders
    from studio.session.looks import load_look

    rows = _rows()
    named = {r["file"]: r["identity"] for r in rows
             if "|" not in r["file"] and r["identity"] and r["faces"] == "1"}
    proxies = {name: _proxy(name) for name in named}
    descriptors = {name: _descriptor(*proxies[name]) for name in named}
    out: dict[str, list[float]] = {"same person": [], "different people": [], "q95 re-save": []}

    def distance(a, b):
        return float(np.linalg.norm(a - b))

    for first, second in itertools.combinations(sorted(named), 2):
        if named[first] != named[second]:
            out["different people"].append(distance(descriptors[first], descriptors[second]))
    pairs = [r["file"].split("|") for r in rows if r["identity"].startswith("same:")]
    for first, second in pairs:
        for photo, reference in ((first, second), (second, first)):
            out["same person"].append(distance(descriptors[photo], descriptors[reference]))
            pixels, analysis = proxies[photo]
            out["q95 re-save"].append(distance(_descriptor(_resaved(pixels), analysis),
                                               descriptors[reference]))
        # the edits on the first photo of each pair only (renders are the slow part)
        for photo, reference in ((first, second),):
            pixels, analysis = proxies[photo]
            for look in LOOKS:
                found = load_look(look)
                edited = _rendered(pixels, analysis, dict(found.sliders))
                out.setdefault(f"look {look}", []).append(
                    distance(_descriptor(edited, analysis), descriptors[reference]))
            smooth = dict(default_sliders(), smooth=1.0)
            out.setdefault("smooth=1", []).append(
                distance(_descriptor(_rendered(pixels, analysis, smooth), analysis),
                         descriptors[reference]))
    return out


def roc(same: list[float], different: list[float]) -> list[tuple[float, float, float]]:
    """(threshold %, share of same-person photos at or above, share of other people's at or
    above) for every threshold 0..100."""
    from studio.face.reference import like_you_percent

    same_p = np.array([like_you_percent(d) for d in same])
    diff_p = np.array([like_you_percent(d) for d in different])
    return [(t, float(np.mean(same_p >= t)), float(np.mean(diff_p >= t)))
            for t in np.linspace(0.0, 100.0, 201)]


def draw_roc(points, out: Path, marks: dict[str, float], figures: dict[str, list[float]]) -> None:
    """The ROC curve (x: other people accepted, y: you accepted) as a PNG, with the amber
    and red thresholds marked, and below it every pair's figure on the 0-100 scale."""
    size, margin, strip = 480, 60, 150
    image = np.full((size + 2 * margin + strip, size + 2 * margin, 3), 255, np.uint8)

    def at(x, y):
        return (int(margin + x * size), int(margin + (1 - y) * size))

    cv2.rectangle(image, at(0, 0), at(1, 1), (0, 0, 0), 1)
    for tick in np.linspace(0, 1, 6):
        cv2.putText(image, f"{tick:.1f}", (at(tick, 0)[0] - 12, margin + size + 22),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.putText(image, f"{tick:.1f}", (margin - 40, at(0, tick)[1] + 5),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.line(image, at(0, 0), at(1, 1), (200, 200, 200), 1, cv2.LINE_AA)
    curve = np.array([at(fpr, tpr) for _, tpr, fpr in sorted(points, key=lambda p: (p[2], p[1]))])
    cv2.polylines(image, [curve.reshape(-1, 1, 2)], False, (200, 80, 20), 2, cv2.LINE_AA)
    colours = {"amber": (0, 160, 240), "red": (30, 30, 220)}
    for row, (name, threshold) in enumerate(marks.items()):
        _, tpr, fpr = min(points, key=lambda p: abs(p[0] - threshold))
        cv2.circle(image, at(fpr, tpr), 6, colours[name], -1, cv2.LINE_AA)
        cv2.putText(image, f"{name} below {threshold:.0f}%: you {tpr:.0%}, others {fpr:.0%}",
                    (at(fpr, tpr)[0] + 14, at(fpr, tpr)[1] + 22 + 20 * row),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, colours[name], 1, cv2.LINE_AA)
    _draw_strip(image, size + 2 * margin, margin, size, marks, figures, colours)
    cv2.putText(image, "other people read at or above the threshold", (margin + 40, size + 2 * margin - 10),
                cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(image, "'like you' ROC: same person read at or above (y)", (margin, 35),
                cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    _, data = cv2.imencode(".png", image)
    out.write_bytes(data.tobytes())


def _draw_strip(image, top: int, margin: int, size: int, marks, figures, colours) -> None:
    """Every figure on the 'like you' axis (0-100 %): a row per kind, the thresholds as lines."""
    from studio.face.reference import like_you_percent

    rows = ("same person", "different people", "smooth=1")
    for index, kind in enumerate(rows):
        y = top + 25 + 35 * index
        cv2.putText(image, kind, (margin, y - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                    cv2.LINE_AA)
        cv2.line(image, (margin, y + 6), (margin + size, y + 6), (210, 210, 210), 1)
        for value in figures[kind]:
            x = int(margin + size * like_you_percent(value) / 100)
            cv2.circle(image, (x, y + 6), 4, (60, 150, 60) if index != 1 else (90, 90, 90), -1,
                       cv2.LINE_AA)
    bottom = top + 25 + 35 * len(rows)
    for name, threshold in marks.items():
        x = int(margin + size * threshold / 100)
        cv2.line(image, (x, top + 5), (x, bottom), colours[name], 1, cv2.LINE_AA)
    for tick in range(0, 101, 20):
        cv2.putText(image, f"{tick}%", (int(margin + size * tick / 100) - 12, bottom + 14),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)


def main() -> int:
    from studio.face.reference import LIKE_YOU_AMBER, LIKE_YOU_RED, like_you_percent

    cached = Path("/tmp/like_you_figures.json")
    if "--cached" in sys.argv and cached.is_file():
        figures = json.loads(cached.read_text())
    else:
        figures = measure()
        cached.write_text(json.dumps(figures))
    print("| photos | n | distance min / median / max | like you min / median / max |")
    print("|---|---|---|---|")
    for kind, values in figures.items():
        d = np.array(values)
        p = np.array([like_you_percent(v) for v in values])
        print(f"| {kind} | {len(d)} | {d.min():.3f} / {np.median(d):.3f} / {d.max():.3f} | "
              f"{p.min():.0f} / {np.median(p):.0f} / {p.max():.0f} |")
    same = [like_you_percent(v) for v in figures["same person"]]
    other = [like_you_percent(v) for v in figures["different people"]]
    print()
    print("| threshold | you read below it | other people read at or above it |")
    print("|---|---|---|")
    for name, threshold in (("amber", LIKE_YOU_AMBER), ("red", LIKE_YOU_RED)):
        print(f"| {name} < {threshold:.0f}% | {np.mean(np.array(same) < threshold):.0%} "
              f"({sum(s < threshold for s in same)}/{len(same)}) | "
              f"{np.mean(np.array(other) >= threshold):.0%} "
              f"({sum(o >= threshold for o in other)}/{len(other)}) |")
    points = roc(figures["same person"], figures["different people"])
    draw_roc(points, REPO / "docs" / "like_you_roc.png", {"amber": LIKE_YOU_AMBER, "red": LIKE_YOU_RED},
             figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Print `smooth=1`'s margins on every single-face shared photo (MANIFEST.csv faces == 1),
downscaled to ~1 MP as the tests do (the figures are scale-free): per photo the aligned
likeness distance, uneven tone kept, skin colour shift (mean CIEDE2000), mid band kept and fine
band kept, then the worst of each with its limit (issue 28: <= 0.09, <= 0.75, <= 1.5).

    PYTHONPATH=. python tools/smooth_margins.py [PHOTO-NAME-PART ...]

Run from the repository with the environment of HELPERS.md (LIKENESS_MODELS_DIR).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import cv2
import numpy as np

from studio.face import analyze
from studio.imaging import load
from studio.render import Retoucher
from studio.render.quality import figures

FACES = Path(__file__).resolve().parents[1] / ".." / "shared" / "testdata" / "faces"
#: The figures printed: (Figures attribute, column title, limit, True when the limit is a most).
COLUMNS = (
    ("likeness_distance", "distance", 0.09, True),
    ("tone_kept", "tone", 0.75, True),
    ("skin_colour_shift", "dE", 1.5, True),
    ("mid_kept", "mid", None, True),
    ("fine_kept", "fine", 0.80, False),
    ("freckles_kept", "freckles", 0.85, False),
)


def single_face_photos(faces: Path = FACES) -> list[str]:
    """The MANIFEST's single-face photos, in its order."""
    with open(faces / "MANIFEST.csv") as f:
        return [row["file"] for row in csv.DictReader(f) if row["faces"] == "1"]


def load_small(path: Path, max_pixels: float = 1e6) -> np.ndarray:
    """The photo as float32 sRGB, area-downscaled to at most ``max_pixels`` (tests/_promises)."""
    pixels = load(path).pixels
    h, w = pixels.shape[:2]
    scale = min(1.0, (max_pixels / (h * w)) ** 0.5)
    if scale < 1:
        pixels = cv2.resize(pixels, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(np.clip(pixels, 0, 1), dtype=np.float32)


def margins(name: str) -> dict[str, float]:
    """The COLUMNS' figures of ``smooth=1`` on one shared photo."""
    pixels = load_small(FACES / name)
    analysis = analyze(pixels)
    face = analysis.face()
    if face is None:
        raise SystemExit(f"no face found on {name}")
    fig = figures(pixels, Retoucher(pixels, analysis).render({"smooth": 1.0}), face)
    return {attr: float(getattr(fig, attr)) for attr, *_ in COLUMNS}


def main(parts: list[str]) -> int:
    if not (FACES / "MANIFEST.csv").exists():
        print(f"the shared photos are not in {FACES.resolve()}", file=sys.stderr)
        return 1
    names = [n for n in single_face_photos() if not parts or any(p in n for p in parts)]
    print("photo".ljust(48) + "".join(title.rjust(10) for _, title, *_ in COLUMNS), flush=True)
    rows = []
    for name in names:
        row = margins(name)
        rows.append(row)
        print(name[:47].ljust(48) + "".join(f"{row[a]:10.3f}" for a, *_ in COLUMNS), flush=True)
    over = 0
    for attr, title, limit, most in COLUMNS:
        values = [r[attr] for r in rows]
        failing = 0 if limit is None else sum((v > limit) if most else (v < limit) for v in values)
        over += failing
        bound = "" if limit is None else f" (limit {'<=' if most else '>='} {limit}, {failing} over)"
        print(f"{title}: {min(values):.3f}-{max(values):.3f}{bound}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Print the auto-framing table: per single-face test photo and frame preset, the eye-line
height (fraction of the frame from the top), the face share (hairline-to-chin... here crown
to chin, over the frame height) and the headroom above the crown (fraction of the frame)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from studio.face import analyze_photo
from studio.face.person import head_top
from studio.imaging import load
from studio.imaging.framing import FRAMES, auto_frame

FACES = Path(__file__).resolve().parents[1] / ".." / "shared" / "testdata" / "faces"


def survey(path: Path):
    """(name, {frame: (eye line, face share, headroom)}) of one photo."""
    photo = load(path)
    analysis = analyze_photo(photo)
    face = analysis.face(None)
    h, w = photo.pixels.shape[:2]
    crown = head_top(photo.pixels, face)
    eyes_y = face.landmarks[36:48, 1].mean()
    chin_y = face.landmarks[8, 1]
    rows = {}
    for frame, aspect in FRAMES.items():
        (left, top, cw, ch), _ = auto_frame(w, h, face.landmarks, aspect, frame, crown)
        rows[frame] = ((eyes_y - top) / ch, (chin_y - crown) / ch, (crown - top) / ch)
    return crown, rows


def main() -> None:
    with open(FACES / "MANIFEST.csv") as f:
        names = [r["file"] for r in csv.DictReader(f) if r["faces"] == "1"]
    print("photo frame eye_line head_share headroom crown_row")
    for name in names:
        crown, rows = survey(FACES / name)
        for frame, (eye, share, room) in rows.items():
            print(f"{name} {frame} {eye:.2f} {share:.2f} {room:.3f} {crown:.0f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

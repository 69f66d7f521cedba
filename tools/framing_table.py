"""Print the auto-framing table: per single-face test photo and frame preset, the eye-line
height (fraction of the frame from the top), the face share (hairline-to-chin... here crown
to chin, over the frame height) and the headroom above the crown (fraction of the frame)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import cv2

from studio.edits.background import person_alpha
from studio.face import analyze_photo
from studio.imaging import load
from studio.imaging.framing import FRAMES, auto_frame, crown_of

FACES = Path(__file__).resolve().parents[1] / ".." / "shared" / "testdata" / "faces"


def survey(path: Path):
    """(name, {frame: (eye line, face share, headroom)}) of one photo."""
    photo = load(path)
    analysis = analyze_photo(photo)
    face = analysis.face(None)
    h, w = photo.pixels.shape[:2]
    k = min(1.0, 800 / max(w, h))
    small = cv2.resize(photo.pixels, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
    alpha = person_alpha(small, face.scaled(k))
    crown = crown_of(alpha, face.landmarks * k)
    crown = None if crown is None else crown / k
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
    print("photo frame eye_line face_share headroom")
    for name in names:
        crown, rows = survey(FACES / name)
        for frame, (eye, share, room) in rows.items():
            print(f"{name} {frame} {eye:.2f} {share:.2f} {room:.3f} crown={crown:.0f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

"""``likeness analyze IMAGE [--json] [--overlay OUT.png]``: the faces found in a photo."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.errors import LikenessError
from studio.imaging import load, save
from studio.imaging.filters import resize
from studio.write_guard import check_name_lengths

#: The overlay is drawn at most this large (it is for checking at a glance, not for printing).
OVERLAY_MAX_PIXELS = 6_000_000


def register(subparsers) -> None:
    """Add the ``analyze`` subcommand to the ``likeness`` parser."""
    parser = subparsers.add_parser(
        "analyze", help="find faces and landmarks in a photo",
        description="Find the faces in IMAGE, their 68 landmarks and the masks edits use.")
    parser.add_argument("image", help="the photo to analyse")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON (photo pixel coordinates)")
    parser.add_argument("--overlay", metavar="OUT.png",
                        help="write a picture with landmarks, protected features and skin tinted")
    parser.set_defaults(func=run)


def summary(analysis, name: str) -> str:
    """A short human-readable description of an analysis."""
    lines = [f"{name}: {analysis.width} x {analysis.height} pixels"]
    if not analysis.faces:
        lines.append("no face found: face edits are off; background and light edits still work")
        return "\n".join(lines)
    count = len(analysis.faces)
    lines.append(f"{count} face{'s' if count != 1 else ''} found")
    for index, face in enumerate(analysis.faces):
        x0, y0, x1, y1 = face.box
        mark = "  (primary)" if index == analysis.primary else ""
        lines.append(f"  face {index}: box {x0:.0f},{y0:.0f} - {x1:.0f},{y1:.0f}, "
                     f"eye distance {face.iod:.0f} px, found by {face.detector}{mark}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from studio.face import analyze_photo  # start-up
    from studio.face.overlay import overlay_image  # start-up

    check_name_lengths(args.image, "IMAGE")
    source = Path(args.image)
    if args.overlay:
        check_name_lengths(args.overlay, "--overlay")
        out = Path(args.overlay)
        if out.suffix.lower() != ".png":
            raise LikenessError(f"{out}: the overlay is written as PNG; name it *.png")
        if out.exists() and source.exists() and out.resolve() == source.resolve():
            raise LikenessError(f"{out}: refusing to write over the original photo")
    photo = load(source)
    analysis = analyze_photo(photo)
    if args.json:
        print(json.dumps(analysis.to_dict()))
    else:
        print(summary(analysis, str(source)))
    if args.overlay:
        pixels, shown = photo.pixels, analysis
        factor = min(1.0, (OVERLAY_MAX_PIXELS / (photo.width * photo.height)) ** 0.5)
        if factor < 1.0:
            shown = analysis.scaled(factor)
            pixels = resize(pixels, (shown.width, shown.height))
        save(args.overlay, overlay_image(pixels, shown), source=source)
        if not args.json:
            print(f"overlay written to {args.overlay}")
    return 0

"""``likeness check HEADSHOT... --ref ME.jpg [--ref ...] [--json] [--sheet OUT.jpg]``: how like
you any headshot is (an AI-generated one, another tool's retouch, an old photo), measured
against photos of you."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from studio.errors import LikenessError
from studio.imaging import format_for
from studio.write_guard import WritePlan, shown

EXIT_OK, EXIT_PARTIAL = 0, 1


def register(subparsers) -> None:
    """Add the ``check`` subcommand to the ``likeness`` parser."""
    parser = subparsers.add_parser(
        "check", help="how like you headshots are, against photos of you",
        description="Score HEADSHOTs (files or folders) against photos of you (--ref): per "
        "photo the likeness to you, the face found and where it differs most.")
    parser.add_argument("headshots", nargs="+", metavar="HEADSHOT",
                        help="photos or folders of photos to check")
    parser.add_argument("--ref", action="append", required=True, metavar="ME.jpg",
                        help="a photo of you (or a folder of them); repeat for 1-10 photos")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--sheet", metavar="OUT.jpg",
                        help="write a picture: each headshot's face, tinted where it differs "
                        "most, with its figure")
    parser.set_defaults(func=run)


def _photos(inputs: list[str], what: str) -> tuple[list[tuple[str, Path]], list[str]]:
    """The photos named or inside the folders named (as given, absolute), and the inputs
    that do not exist; LikenessError when there is no photo at all."""
    from studio.batch.inputs import find_photos  # start-up

    found, missing = find_photos(inputs)
    photos = [(p.as_given or str(p.path), p.path) for p in found]
    if not photos and not missing:
        raise LikenessError(f"no photo found in {', '.join(shown(i) for i in inputs)} ({what})")
    return photos, [str(m) for m in missing]


def _references(inputs: list[str]) -> list[str]:
    """The --ref photos in the order given: a folder's photos by name, a file as it is (a
    file given twice is read twice, and said to be the same file)."""
    out: list[str] = []
    for given in inputs:
        out += [name for name, _ in _photos([given], "--ref")[0]] if Path(given).is_dir() else [given]
    return out


def run(args: argparse.Namespace) -> int:
    references = _references(args.ref)
    headshots, missing = _photos(args.headshots, "HEADSHOT")
    plan = WritePlan(inputs=[p for _, p in headshots])
    for path in references:
        if Path(path).exists():
            plan.add_input(path, "a photo of you")
    if args.sheet:
        format_for(args.sheet)
        plan.add_target(args.sheet, "photo")
    identity = identity_from_refs(references)
    items = [_checked(given, path, identity) for given, path in headshots]
    items += [_missing(name) for name in missing]
    _report(args, identity, items)
    if args.sheet:
        from studio.session.check_sheet import write_check_sheet  # start-up

        write_check_sheet(items, args.sheet, plan)
        if not args.json:
            print(f"sheet written to {args.sheet}")
    failed = sum(1 for item in items if item.problem or item.check is None
                 or item.check.like_you is None)
    return EXIT_PARTIAL if failed else EXIT_OK


def _missing(name: str):
    from studio.session.check_sheet import CheckedPhoto  # start-up

    return CheckedPhoto(name=name, problem="no such file")


def _checked(given: str, path: Path, identity):
    from studio.session.check_sheet import check_photo  # start-up

    return check_photo(given, path, identity)


def _report(args: argparse.Namespace, identity, items) -> None:
    if args.json:
        print(json.dumps(_as_json(identity, items)))
        return
    for item in items:
        print(_line(item))


def _line(item) -> str:
    """'photo.jpg: like you 94% (face 1 of 3, at the left), closest to me.jpg; most of the
    difference is in the mouth (62%)', or the photo's problem."""
    from studio.face.reference import like_you_said  # start-up

    check = item.check
    if item.problem or check is None or check.like_you is None:
        return f"{item.name}: {item.problem or 'no face found'}"
    said = like_you_said(check.like_you)
    colour = "" if check.colour == "green" else f" ({check.colour}: {said})"
    face = f", face {check.face + 1} of {check.faces} ({check.where})" if check.faces > 1 else ""
    text = f"{item.name}: like you {check.like_you:.0f}%{colour}{face}, closest to {check.closest.name}"
    if check.breakdown is not None and check.colour != "red":  # someone else: no region
        text += f"; {check.breakdown.words('the difference')}"
    return text


def _as_json(identity, items) -> dict:
    return {
        "references": [{"path": r.path, "sha256": r.sha256 or None, "face": r.face,
                        "faces": r.faces, "problem": r.problem, "note": r.note}
                       for r in identity.references],
        "spread": round(identity.spread, 4),
        "photos": [_photo_json(item) for item in items],
    }


def _photo_json(item) -> dict:
    check = item.check
    if item.problem or check is None or check.like_you is None:
        return {"path": item.name, "problem": item.problem or "no face found"}
    out = {"path": item.name, "like_you": round(check.like_you, 1),
           "distance": round(check.distance, 4), "colour": check.colour,
           "face": check.face, "faces": check.faces, "where": check.where,
           "closest_reference": check.closest.path}
    if check.breakdown is not None:
        out["top_region"] = check.breakdown.top
        out["breakdown"] = {k: round(v, 3) for k, v in check.breakdown.shares.items()}
    return out


def add_ref_argument(parser: argparse.ArgumentParser) -> None:
    """--ref ME.jpg (repeatable): photos of you, for the "like you" figure."""
    parser.add_argument("--ref", action="append", metavar="ME.jpg",
                        help="a photo of you (or a folder of them; repeat for 1-10): also "
                        "say how like you the written file is, and the original")
    parser.add_argument("--budget-to-me", type=float, metavar="PCT",
                        help="with --ref: ease the look (or the face sliders as they are) "
                        "until the written file is at least PCT percent like you; a look's "
                        "likeness budget stays the floor")


def budget_to_me_from_args(args: argparse.Namespace, identity) -> float | None:
    """--budget-to-me PCT, checked: a percent, and photos of you to hold it against."""
    if args.budget_to_me is None:
        return None
    if not 0 <= args.budget_to_me <= 100:
        raise LikenessError(f"--budget-to-me must be a percent 0..100, not {args.budget_to_me:g}")
    if identity is None:
        raise LikenessError("--budget-to-me needs photos of you: give --ref ME.jpg")
    return float(args.budget_to_me)


def identity_from_refs(refs: list[str]):
    """The identity of the --ref photos; their problems one line each on stderr;
    LikenessError when none is usable."""
    from studio.face.reference import read_references  # start-up

    identity = read_references(_references(refs))
    for line in identity.problems + identity.notes:
        print(f"likeness: reference {line}", file=sys.stderr)
    if identity.mean is None:
        raise LikenessError("no usable photo of you among the --ref photos")
    return identity


def like_you_line(after: float | None, before: float | None) -> str:
    """"like you 87% (the original: 89%)": the written file's figure, its colour when not
    green, and the photo's own."""
    from studio.face.reference import like_you_words  # start-up

    if after is None:
        return "like you n/a (no face)"
    colour = like_you_words(after)
    colour = "" if colour == "green" else f" ({colour})"
    was = "" if before is None else f" (the original: {before:.0f}%)"
    return f"like you {after:.0f}%{colour}{was}"

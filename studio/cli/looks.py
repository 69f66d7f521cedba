"""``likeness looks [--save NAME --from FILE | --set KEY=VALUE ...]``: list the built-in and
user looks, or save sliders as a look of your own."""

from __future__ import annotations

import argparse

from studio.cli._common import parse_assignments
from studio.errors import LikenessError


def register(subparsers) -> None:
    """Add the ``looks`` subcommand to the ``likeness`` parser."""
    parser = subparsers.add_parser(
        "looks",
        help="list the looks (or save one of yours)",
        description="List the built-in looks and your own, one line each. With --save NAME, "
        "save slider values (from --from FILE and/or --set) as your look NAME.",
    )
    parser.add_argument("--save", metavar="NAME", help="save a look of your own under NAME")
    parser.add_argument(
        "--from",
        dest="source",
        metavar="FILE|LOOK",
        help="with --save: take the sliders from this session, look file or look",
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="assignments",
        help="with --save: set one slider (repeatable)",
    )
    parser.add_argument("--description", default="", help="with --save: a one-line description")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from studio.session import Session, list_looks, load_look, save_look  # start-up

    if args.save is None:
        if args.source or args.assignments or args.description:
            raise LikenessError("--from, --set and --description go with --save NAME")
        looks = list_looks()
        width = max(len(look.key) for look in looks)
        for look in looks:
            kind = "built-in" if look.builtin else "yours"
            print(f"{look.key:<{width}}  {kind:<8}  {look.description}")
        return 0
    overrides = parse_assignments(args.assignments)
    base = load_look(args.source) if args.source else Session()
    session = base.with_sliders(overrides)
    path = save_look(args.save, session.sliders, args.description)
    print(f"saved look '{args.save}' to {path}")
    return 0

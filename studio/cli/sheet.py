"""``likeness sheet IMAGE -o SHEET.jpg``: versions of a photo side by side (the original and
the built-in looks, or each ``--look``), each at its amount within its budget and labelled with
its likeness, written as one image through the write guard. ``likeness retouch IMAGE
--contact-sheet SHEET.jpg`` is the same command by its older name."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from studio.cli import EXIT_OK
from studio.cli._common import add_threads_argument, photo_and_session, threads_from_args
from studio.cli.check import add_ref_argument, identity_from_refs
from studio.errors import LikenessError
from studio.imaging.threads import set_threads
from studio.write_guard import check_room


@dataclass(frozen=True)
class SheetRequest:
    """What a contact sheet is made of: the photo, the versions (None: the original and the
    built-in looks), the sheet's file, the session and look files read besides the photo,
    and the user's own photos (for "like you")."""

    image: Path
    looks: tuple[str, ...] | None
    sheet: Path
    session: Path | None = None
    refs: tuple[str, ...] = ()
    threads: int | None = None


def register(subparsers) -> None:
    """Add the ``sheet`` subcommand to the ``likeness`` parser."""
    parser = subparsers.add_parser(
        "sheet", help="versions of a photo side by side, each with its likeness",
        description="Render the original and the built-in looks (or each --look, 'original' "
        "included) of IMAGE on the same face-centred crop, each at its amount within its "
        "likeness budget and labelled with its likeness, and write them as one image. "
        "IMAGE is never written to.")
    parser.add_argument("image", metavar="IMAGE",
                        help="the photo, or a session file (its photo is found by its hash)")
    parser.add_argument("-o", "--output", metavar="SHEET.jpg", required=True,
                        help="the sheet to write (JPEG, PNG, TIFF or WebP by its extension)")
    parser.add_argument("--look", metavar="NAME|FILE", action="append",
                        help="a version to show: natural, linkedin, nonprofit, portfolio, "
                        "original, one of yours or a look file (repeat: 2 to 8 versions)")
    parser.add_argument("--session", metavar="FILE",
                        help="every version with this photo's session: its marks, faces, crop")
    add_threads_argument(parser, "the renders")
    add_ref_argument(parser)
    parser.set_defaults(func=run)


def request_from_args(args: argparse.Namespace, sheet: str) -> SheetRequest:
    """The request the arguments name (``sheet``: -o, or retouch's --contact-sheet); a
    session given as IMAGE names its photo."""
    if getattr(args, "budget_to_me", None) is not None:
        raise LikenessError("--budget-to-me eases one retouch; a contact sheet shows each look "
                            "at its own budget (--ref still says how like you each one is)")
    image, session = photo_and_session(args.image, args.session)
    return SheetRequest(image=Path(image), looks=tuple(args.look) if args.look else None,
                        sheet=Path(sheet), session=Path(session) if session else None, refs=tuple(args.ref or ()),
                        threads=threads_from_args(args))


def write_sheet(request: SheetRequest) -> int:
    """Write the sheet the request names; print each version's label and the file."""
    from studio.service.contact_sheet import label_text, write_contact_sheet  # start-up
    from studio.session import load_session  # start-up

    set_threads(request.threads)
    check_room(request.sheet)  # a missing folder or a full disk, before the renders
    session = load_session(request.session) if request.session else None
    identity = identity_from_refs(list(request.refs)) if request.refs else None
    inputs = ([str(request.session)] if request.session else []) + [
        name for name in (request.looks or ()) if os.path.isfile(name)]
    versions = write_contact_sheet(
        request.image, list(request.looks) if request.looks else None, request.sheet,
        inputs=tuple(inputs), session=session, identity=identity,
    )
    for version in versions:
        print(label_text(version))
    print(f"wrote {request.sheet} ({len(versions)} versions)")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return write_sheet(request_from_args(args, args.output))

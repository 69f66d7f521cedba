"""``likeness retouch IMAGE -o OUT [--look ...] [--session ...] [--set KEY=VALUE ...]
[--export PRESET] [--save-session FILE] [--min-likeness PCT] [--keep-likeness PCT]
[--keep-metadata]``.

Renders at full resolution, prints the likeness, writes OUT (never IMAGE). Exit 0 written,
1 refused (likeness below --min-likeness), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from studio.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PARTIAL
from studio.cli._common import (
    add_edit_arguments,
    add_threads_argument,
    export_from_args,
    framing_from_args,
    input_files,
    keep_likeness_from_args,
    min_likeness_from_args,
    photo_and_session,
    session_from_args,
    threads_from_args,
)
from studio.cli.check import (
    add_ref_argument,
    budget_to_me_from_args,
    identity_from_refs,
    like_you_line,
)
from studio.cli.sheet import request_from_args, write_sheet
from studio.errors import LikenessError
from studio.imaging.memory import keep_freed_memory
from studio.imaging.threads import set_threads
from studio.write_guard import shown

if TYPE_CHECKING:  # the service loads with the command, not with ``likeness --help``
    from studio.service.retouch_file import RetouchRequest


def register(subparsers) -> None:
    """Add the ``retouch`` subcommand to the ``likeness`` parser."""
    parser = subparsers.add_parser(
        "retouch",
        help="retouch one photo and write the result",
        description="Retouch IMAGE with a look, a session and/or slider values, render it at "
        "full resolution and write OUT (PNG, JPEG, TIFF or WebP by its extension, "
        "or per --export). Prints the likeness to the original. IMAGE is never "
        "written to.",
    )
    parser.add_argument(
        "image",
        metavar="IMAGE",
        help="the photo to retouch, or a session file (its photo is found by "
        "its hash, even when moved or renamed beside the session)",
    )
    parser.add_argument("-o", "--output", metavar="OUT", help="the file to write")
    parser.add_argument(
        "--contact-sheet",
        metavar="SHEET.jpg",
        help="instead, compare versions side by side (the same as 'likeness sheet IMAGE "
        "-o SHEET.jpg')",
    )
    add_edit_arguments(parser)
    parser.add_argument(
        "--save-session",
        metavar="FILE",
        help="also save the session (sliders, face, crop, export) to FILE",
    )
    add_threads_argument(parser, "the render, likeness check and encode")
    add_ref_argument(parser)
    parser.set_defaults(func=run)


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.0f} KB"


def _contact_sheet(args: argparse.Namespace) -> int:
    """``--contact-sheet SHEET``: ``likeness sheet`` by its older name."""
    if args.output:
        raise LikenessError("give either -o OUT or --contact-sheet SHEET.jpg, not both")
    return write_sheet(request_from_args(args, args.contact_sheet))


def _say_amount(request: RetouchRequest, result) -> None:
    """How strong the face sliders were made: eased for --keep-likeness, or a budgeted look's
    amount found on this photo."""
    if result.amount is None:
        return
    session = request.session
    if session.budget is None and request.keep_likeness is None:  # --budget-to-me alone
        print(f"eased the face sliders to {result.amount:.0%} to keep them at least "
              f"{request.budget_to_me:g}% like you")
    elif request.keep_likeness is not None:
        print(f"eased the face sliders to {result.amount:.0%} "
              f"({1 - result.amount:.0%} lighter) to keep the likeness at least "
              f"{request.keep_likeness:g}%")
    else:
        likeness = ("" if result.likeness_percent is None
                    else f" \N{EM DASH} likeness {result.likeness_percent:.1f}%")
        print(f"{session.name or session.look or 'look'}, {result.amount:.0%}{likeness} "
              f"(budget {session.budget:g}%)")


@dataclass(frozen=True, kw_only=True)
class RetouchCommand:
    """What ``likeness retouch IMAGE -o OUT`` asks for: the request, and the user's photos
    of themselves (--ref; None: none) to say how like them the file is."""

    request: RetouchRequest
    identity: object | None = None


def command_from_args(args: argparse.Namespace) -> RetouchCommand:
    """The retouch the arguments name, every value checked (LikenessError, one line); a
    session given as IMAGE names its photo. ``args`` is only read."""
    from studio.service.retouch_file import Framing, RetouchRequest  # start-up

    set_threads(threads_from_args(args))
    image, session_file = photo_and_session(args.image, args.session)
    session = session_from_args(args, session_file)
    settings = export_from_args(args, session)
    minimum = min_likeness_from_args(args)
    framing = Framing.of(framing_from_args(args))
    identity = identity_from_refs(args.ref) if args.ref else None
    budget_to_me = budget_to_me_from_args(args, identity)
    if identity is not None:  # the photos of you go with the session (and any it saves)
        session = replace(session, references=identity.usable)
    request = RetouchRequest(
        photo=image, output=args.output, session=session, export=settings,
        min_likeness=minimum, keep_likeness=keep_likeness_from_args(args),
        budget_to_me=budget_to_me, save_session_to=args.save_session,
        inputs=input_files(args, session_file), framing=framing)
    return RetouchCommand(request=request, identity=identity)


def _say_result(command: RetouchCommand, result) -> int:
    """Print what became of the file; the exit status."""
    from studio.service.retouch_file import FAILED, REFUSED  # start-up

    if result.likeness_percent is not None:
        whose = ("" if result.likeness_face is None
                 else f" (lowest: face {result.likeness_face + 1}, {result.likeness_where})")
        print(f"likeness {result.likeness_percent:.1f}%{whose}")
    elif result.status != FAILED:
        print(f"likeness n/a ({'the frame cuts the face' if result.faces else 'no face'})")
    _say_amount(command.request, result)
    for note in result.notes:
        print(f"note: {note}")
    if result.status == FAILED:
        print(f"likeness: error: {shown(result.reason)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if result.status == REFUSED:
        print(f"likeness: {result.reason}", file=sys.stderr)
        return EXIT_PARTIAL
    quality = f", quality {result.quality}" if result.quality is not None else ""
    print(
        f"wrote {result.output} ({result.width} x {result.height}, {_size(result.bytes)}{quality})"
    )
    if command.request.save_session_to is not None:
        print(f"saved session {command.request.save_session_to}")
    if command.identity is not None:
        print(like_you_line(result.like_you_percent, result.like_you_original))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from studio.service.retouch_file import retouch_file  # start-up

    if args.contact_sheet:
        return _contact_sheet(args)
    if not args.output:
        raise LikenessError("give -o OUT (the file to write) or --contact-sheet SHEET.jpg")
    keep_freed_memory()  # one photo, then the process ends
    command = command_from_args(args)
    return _say_result(command, retouch_file(command.request))

"""The ``likeness`` command: opens the studio, or runs a subcommand headless.

Exit codes: 0 success, 1 partial failure (some photos failed, likeness below the
minimum), 2 bad usage or bad input. Errors a user can cause are one line on stderr.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import re
import sys

from studio import __version__
from studio.cli._common import SIGNED_OPTIONS
from studio.errors import LikenessError
from studio.write_guard import check_name_lengths, shown

#: Subcommands, each a module ``studio.cli.<name>`` with ``register(subparsers)``.
COMMANDS = ("analyze", "retouch", "sheet", "batch", "looks", "bench", "check")

EXIT_OK, EXIT_PARTIAL, EXIT_BAD_INPUT = 0, 1, 2
#: OSErrors that mean "this path is impossible" rather than a bug.
_PATH_ERRORS = {errno.ENAMETOOLONG, errno.ELOOP}
#: A word (no space) of an error message longer than this is cut (a 5,000-digit number or a
#: list of a thousand items is not repeated back in full); its first and last characters stay.
LONGEST_WORD, WORD_HEAD, WORD_TAIL = 200, 40, 20
_LONG_WORD = re.compile(rf"\S{{{LONGEST_WORD + 1},}}")
#: A value that starts like a negative number (``-10,0,100,100``, ``-1e308``, ``-inf``).
_SIGNED_VALUE = re.compile(r"-(\d|\.\d|inf|nan)", re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    """argparse with our exit code for bad usage (2) and a one-line message."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {brief(message)}\n")


def brief(message: str) -> str:
    """``message`` on one line (``shown``), each word longer than ``LONGEST_WORD`` characters
    cut to its first ``WORD_HEAD`` and last ``WORD_TAIL`` around '…'."""
    return _LONG_WORD.sub(
        lambda word: f"{word[0][:WORD_HEAD]}…{word[0][-WORD_TAIL:]}", shown(message)
    )


def joined_signed_values(argv: list[str]) -> list[str]:
    """``--crop -10,0,100,100`` as ``--crop=-10,0,100,100`` (and so for every option of
    ``SIGNED_OPTIONS``): argparse takes a value that starts with '-' but is not a plain
    negative number for an option, and would say "expected one argument" instead of what is
    wrong with the value."""
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            out += [word, *words]
            break
        if word in SIGNED_OPTIONS:
            value = next(words, None)
            if value is not None and _SIGNED_VALUE.match(value):
                word = f"{word}={value}"
            elif value is not None:
                out.append(word)
                word = value
        out.append(word)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="likeness",
        description="Likeness Studio: gentle, landmark-masked headshot retouching.",
        epilog="Run 'likeness IMAGE' (or no argument, for the sample portrait) to open the studio.",
    )
    parser.add_argument("--version", action="version", version=f"likeness {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"studio.cli.{name}")
        module.register(subparsers)
    return parser


def _studio_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="likeness", description="Open the studio.")
    parser.add_argument("--version", action="version", version=f"likeness {__version__}")
    parser.add_argument("image", nargs="?", help="photo or session to open (default: the sample)")
    return parser


def _path_problem(error: OSError) -> str:
    """What is wrong with the path of an OSError of ``_PATH_ERRORS``: the name too long and
    the limit, when that is it."""
    if error.filename:
        try:
            check_name_lengths(error.filename)
        except LikenessError as named:
            return str(named)
    where = f"{shown(error.filename)}: " if error.filename else ""
    return where + str(error.strerror or error)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``likeness`` console script and ``python -m studio``."""
    argv = joined_signed_values(list(sys.argv[1:] if argv is None else argv))
    try:
        if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
            args = build_parser().parse_args(argv)
            return int(args.func(args) or 0)
        args = _studio_parser().parse_args(argv)
        from studio.ui.app import run_studio  # start-up

        return int(run_studio(args.image) or 0)
    except LikenessError as error:
        print(f"likeness: error: {brief(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        if error.errno not in _PATH_ERRORS:
            raise
        # A path the system cannot take (a name too long, a loop of links) is the user's to
        # fix: one line, like every other bad input.
        print(f"likeness: error: {brief(_path_problem(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("likeness: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK

"""The ``likeness`` command: opens the studio, or runs a subcommand headless.

Exit codes: 0 success, 1 partial failure (some photos failed, likeness below the
minimum), 2 bad usage or bad input. Errors a user can cause are one line on stderr.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from studio import __version__
from studio.errors import LikenessError
from studio.write_guard import shown

#: Subcommands, each a module ``studio.cli.<name>`` with ``register(subparsers)``.
COMMANDS = ("analyze", "retouch", "batch", "looks", "bench")

EXIT_OK, EXIT_PARTIAL, EXIT_BAD_INPUT = 0, 1, 2
#: OSErrors that mean "this path is impossible" rather than a bug.
_PATH_ERRORS = {errno.ENAMETOOLONG, errno.ELOOP}


class _Parser(argparse.ArgumentParser):
    """argparse with our exit code for bad usage (2) and a one-line message."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``likeness`` console script and ``python -m studio``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
            args = build_parser().parse_args(argv)
            return int(args.func(args) or 0)
        args = _studio_parser().parse_args(argv)
        from studio.ui.app import run_studio

        return int(run_studio(args.image) or 0)
    except LikenessError as error:
        print(f"likeness: error: {shown(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        if error.errno not in _PATH_ERRORS:
            raise
        # A path the system cannot take (a name too long, a loop of links) is the user's to
        # fix: one line, like every other bad input.
        where = f"{shown(error.filename)}: " if error.filename else ""
        print(f"likeness: error: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("likeness: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK

"""The one exception type for problems a user can cause and fix.

The CLI prints ``str(error)`` as a one-line message and exits non-zero; the studio
shows it in a dialog. Bugs are never wrapped in it.
"""


class LikenessError(Exception):
    """A problem the user can fix: a bad photo, a bad session, an impossible request."""


class PhotoError(LikenessError):
    """A photo cannot be read or written."""


class SessionError(LikenessError):
    """A session or look file is not valid."""


class WriteRefused(PhotoError, SessionError):
    """The write guard refused a write: the target is a file the run reads, another target
    of the run, or an existing file of another kind (see ``studio.write_guard``). Nothing
    was written. Both a PhotoError and a SessionError, for the writers of either."""


def number_text(value: float) -> str:
    """A number as a message shows it: short (``:g``) when that is the number itself, else
    every digit it has (15.0000001 is never said to be "15")."""
    short = f"{value:g}"
    try:
        return short if float(short) == value else repr(float(value))
    except (OverflowError, ValueError):
        return short

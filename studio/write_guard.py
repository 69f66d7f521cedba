"""The write guard: every file Likeness Studio writes goes through here, so no photo (and no
other file a run reads) is ever written over, through any path or link.

A run declares what it reads (its inputs) and what it will write (its targets, each with
a kind: "photo", "session", "report", "done list"). A target is refused, before anything is written,
when it is the same file as an input or as another target (compared through symlinks with
``os.path.realpath`` and through hard links by ``st_dev``/``st_ino``), or when an existing
file there is of another kind (a session never replaces a photo; a report only ever
replaces a report of ours). The check runs again right before each write, and an append (the batch's done list, the
one file that grows rather than being replaced) checks the file it actually opened.

It also owns the other rules about paths a user can hand us: a name component longer than
the file system allows is a one-line error, and anything that is not a regular file (a
FIFO, a device, a folder) is refused as an input before it is opened, so it can never hang.

Temporary files are ``.likeness-<host>-<pid>-<random>.part`` beside their target: short,
so a legal 254-character output name still works, and recognisable, so a run that finds
one left by a killed process (its pid gone, or a day old) removes it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from studio.errors import LikenessError, PhotoError, WriteRefused

#: What a target is: "photo" (an export, an overlay), "session" (a session, a look, an
#: autosave), "report" (a batch's CSV), "done list" (what a batch wrote in its output folder),
#: "people" (a shoot's corrections of who is who, ``studio.ui.shoot``).
KINDS = ("photo", "session", "report", "done list", "people")
#: The longest file-name component most file systems take (ext4, APFS, NTFS), in bytes.
NAME_MAX = 255
#: The first line of every batch report (``studio.batch.report.REPORT_COLUMNS``).
REPORT_HEADER = b"input,output,status,reason,faces,likeness_percent,seconds"
#: A session or look file carries this "format" value (``studio.session.migrations.FORMAT_NAME``).
SESSION_MARK = b'"likeness-session"'
#: A shoot's people file carries this "format" value (``studio.ui.shoot.PEOPLE_FORMAT``).
PEOPLE_MARK = b'"likeness-people"'
#: Every line of a batch's done list starts so (``studio.batch.inputs.DoneList``).
DONE_MARK = b'{"output": '
#: Bytes written to try a target's folder before a long run (see :func:`check_room`).
ROOM_PROBE = 64 * 1024
#: A temporary file of another machine (shared folder) counts as abandoned after this long.
STALE_SECONDS = 24 * 3600

def _host_name() -> str:
    """This machine's name (POSIX: uname's, as ``socket.gethostname``, without importing
    socket and its selectors at every start)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket  # start-up

    return socket.gethostname()


_HOST = format(zlib.crc32(_host_name().encode("utf-8", "replace")) & 0xFFFF, "04x")
_TEMP = re.compile(r"^\.likeness-([0-9a-f]{4})-(\d+)-[0-9a-z]{8}\.part$")
#: Folders whose stale temporary files this process already removed (once per folder).
_swept: set[str] = set()


#: Photo formats by their first bytes (the batch recognises photos the same way).
_HEIF_BRANDS = {
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
}
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


def sniff_format(head: bytes) -> str | None:
    """The photo format named by a file's first bytes ("JPEG", "PNG", "TIFF", "WEBP",
    "HEIF", "BMP"), or None when they are not the start of a photo Likeness Studio reads."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    if (
        head[:2] == b"BM"
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    ):
        return "BMP"
    return None


# ----------------------------------------------------------------------------- paths
_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}


def shown(path: str | os.PathLike) -> str:
    """A path (or any message) as text a terminal, a dialog or a UTF-8 CSV can take, on
    one line: bytes that are not UTF-8 (``bad\\xffname.jpg``) and control characters such
    as a newline appear as ``\\xff`` escapes instead of failing or breaking the line."""
    return printable(os.fsdecode(path)).translate(_CONTROL)


def printable(text: str) -> str:
    """Text with the undecodable bytes of file names (surrogates) as ``\\xff`` escapes,
    so writing it to a UTF-8 terminal or file cannot fail; line breaks are kept."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_name_lengths(path: str | os.PathLike, what: str = "") -> None:
    """WriteRefused-free check of a path's components: LikenessError (one line) when one is
    longer than the file system allows, rather than ``OSError: File name too long`` later."""
    for part in Path(os.fsdecode(path)).parts:
        if len(os.fsencode(part)) > NAME_MAX:
            label = f"{what} " if what else ""
            raise LikenessError(
                f"{label}'{shown(part)[:40]}…': a file or folder name of "
                f"{len(os.fsencode(part))} bytes is longer than the {NAME_MAX} allowed"
            )


def _not_a_file(path: str | os.PathLike, mode: int, what: str) -> LikenessError:
    kind = (
        "a folder" if stat.S_ISDIR(mode)
        else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return LikenessError(f"{shown(path)}: is {kind}, not {what}")


def check_regular_file(
    path: str | os.PathLike, what: str = "a file", missing: str = "no such file"
) -> os.stat_result:
    """The stat of an input that must be a regular file; LikenessError (one line) for a
    missing file, a too-long name, a folder, a FIFO, a device. Nothing is opened."""
    check_name_lengths(path, what)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise LikenessError(f"{shown(path)}: {missing}") from None
    except PermissionError:
        raise LikenessError(f"{shown(path)}: permission denied") from None
    except OSError as error:
        raise LikenessError(f"{shown(path)}: cannot be read ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_a_file(path, info.st_mode, what)
    return info


def _open_for_reading(path: str | os.PathLike) -> int:
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))


def read_regular_file(
    path: str | os.PathLike,
    what: str = "a file",
    limit: int | None = None,
    missing: str = "no such file",
) -> bytes:
    """All bytes of a regular file. Opened without blocking and checked again on the open
    descriptor, so a FIFO swapped in after the first check cannot hang the read either.
    ``limit``: refuse files larger than this many bytes; ``missing``: the message when
    there is no such file."""
    check_regular_file(path, what, missing)
    try:
        fd = _open_for_reading(path)
    except PermissionError:
        raise LikenessError(f"{shown(path)}: permission denied") from None
    except OSError as error:
        raise LikenessError(f"{shown(path)}: cannot be read ({error.strerror or error})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_a_file(path, info.st_mode, what)
        if limit is not None and info.st_size > limit:
            raise LikenessError(
                f"{shown(path)}: {info.st_size / 1e6:.0f} MB is too large for {what}"
            )
        try:
            return handle.read()
        except OSError as error:
            raise LikenessError(
                f"{shown(path)}: cannot be read ({error.strerror or error})"
            ) from None


# ----------------------------------------------------------------------------- identity
@dataclass(frozen=True)
class _Identity:
    """Where a path really lands: its resolved path, and its inode when the file exists."""

    real: str
    inode: tuple[int, int] | None

    def same(self, other: _Identity) -> bool:
        if self.inode is not None and self.inode == other.inode:
            return True  # the same file, through a hard link or any path
        return os.path.normcase(self.real) == os.path.normcase(other.real)


def _absolute(path: str | os.PathLike) -> Path:
    """The path from the root, with its ".." left in place (see _identity)."""
    return Path(os.path.join(os.getcwd(), os.fspath(path)))


def _identity(path: str | os.PathLike) -> _Identity:
    # Resolved as the kernel does: "link/.." is the parent of the link's target, so the path
    # must not be normalised (os.path.abspath) before the links in it are followed.
    real = os.path.realpath(os.path.join(os.getcwd(), os.fspath(path)))
    try:
        info = os.stat(path)
        inode = (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None
    except OSError:
        inode = None
    return _Identity(real, inode)


def existing_kind(path: str | os.PathLike) -> str | None:
    """What an existing file at ``path`` is: "photo", "session", "report", "empty",
    "other" (anything else: a text, a folder, a FIFO), or None when nothing is there."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return "other"
    if not stat.S_ISREG(info.st_mode):
        return "other"
    if info.st_size == 0:
        return "empty"
    try:
        with os.fdopen(_open_for_reading(path), "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return "other"
    return _kind_of_head(head)


def _kind_of_head(head: bytes) -> str:
    """What a file whose first bytes are ``head`` is (see :func:`existing_kind`)."""
    if sniff_format(head) is not None:
        return "photo"
    if head.lstrip(b"\xef\xbb\xbf").startswith(REPORT_HEADER):
        return "report"
    if head.lstrip().startswith(b"{") and SESSION_MARK in head.replace(b" ", b""):
        return "session"
    if head.startswith(DONE_MARK):
        return "done list"
    if head.lstrip().startswith(b"{") and PEOPLE_MARK in head.replace(b" ", b""):
        return "people"
    return "other"


_NAMES = {
    "photo": "a photo", "session": "a session", "report": "a report",
    "done list": "a batch's done list", "people": "a shoot's people file",
}
_EXISTING = {
    "photo": "a photo",
    "session": "a session or look",
    "report": "a batch report",
    "done list": "a batch's done list",
    "people": "a shoot's people file",
    "other": "a file that is not ours to replace",
}


class WritePlan:
    """The files one run reads and writes. ``add_target`` refuses a clash at once (nothing
    has been written yet); :func:`write_atomic` checks its target again just before writing.
    Lookups are by resolved path and by inode, so a batch of thousands stays quick.

    >>> plan = WritePlan(inputs=["p.jpg"])
    >>> plan.add_target("out/p.jpg", "photo")          # fine
    >>> plan.add_target("out/p.jpg", "session")        # WriteRefused: another target
    """

    def __init__(
        self,
        inputs: Iterable[str | os.PathLike] = (),
        targets: Iterable[tuple[str | os.PathLike, str]] = (),
    ) -> None:
        self.inputs: list[Path] = []
        self.targets: list[tuple[Path, str]] = []
        self._inputs_by: dict[object, tuple[Path, str]] = {}
        self._targets_by: dict[object, tuple[Path, str]] = {}
        for path in inputs:
            self.add_input(path)
        for path, kind in targets:
            self.add_target(path, kind)

    @staticmethod
    def _keys(identity: _Identity) -> list[object]:
        keys: list[object] = [os.path.normcase(identity.real)]
        if identity.inode is not None:
            keys.append(identity.inode)
        return keys

    def add_input(self, path: str | os.PathLike, what: str = "the original photo") -> None:
        """A file this run reads (``what`` names it in messages): no target may ever be it."""
        keys = self._keys(_identity(path))
        path = _absolute(path)
        self.inputs.append(path)
        for key in keys:
            self._inputs_by.setdefault(key, (path, what))

    def add_target(self, path: str | os.PathLike, kind: str) -> Path:
        """A file this run will write; WriteRefused (one line) when it must not be."""
        self.check(path, kind)
        keys = self._keys(_identity(path))
        path = _absolute(path)
        self.targets.append((path, kind))
        for key in keys:
            self._targets_by.setdefault(key, (path, kind))
        return path

    def check_opened(self, path: str | os.PathLike, info: os.stat_result, kind: str) -> None:
        """Refuse the file a ``kind`` target's path opened (``info``: its ``os.fstat``) when it
        is an input, through a link made after the plan was checked; or when it has other
        names (a hard link), since whatever else that file is would be written too."""
        if not stat.S_ISREG(info.st_mode):
            raise _not_a_file(path, info.st_mode, _NAMES[kind])
        source, what = self._inputs_by.get((info.st_dev, info.st_ino), (None, ""))
        if source is not None:
            raise WriteRefused(
                f"{shown(path)}: refusing to write {_NAMES[kind]} over {what} "
                f"{shown(source)} (the same file, through a link)"
            )
        if info.st_nlink > 1:
            raise WriteRefused(
                f"{shown(path)}: refusing to write {_NAMES[kind]} into a file with "
                f"{info.st_nlink} names (a hard link): another file would change too"
            )

    def check(self, path: str | os.PathLike, kind: str) -> None:
        """Refuse ``path`` as a ``kind`` target: an input, another target, a file of another
        kind, a name too long (WriteRefused / LikenessError, one line)."""
        if kind not in KINDS:
            raise ValueError(f"unknown target kind {kind!r}")
        check_name_lengths(path, "output")
        own = _absolute(path)
        keys = self._keys(_identity(path))
        for key in keys:
            source, what = self._inputs_by.get(key, (None, ""))
            if source is not None:
                link = "" if own == source else f" {shown(source)} (the same file, through a link)"
                raise WriteRefused(
                    f"{shown(path)}: refusing to write {_NAMES[kind]} over {what}{link}"
                )
        for key in keys:
            other, other_kind = self._targets_by.get(key, (None, None))
            if other is not None and (other, other_kind) != (own, kind):
                raise WriteRefused(
                    f"{shown(path)}: the {kind} and the {other_kind} would be the same "
                    f"file ({shown(other)}); give them different names"
                )
        found = existing_kind(own)
        if found in (None, "empty", kind):
            return
        if os.path.isdir(own):
            raise WriteRefused(f"{shown(path)}: is a folder")
        raise WriteRefused(
            f"{shown(path)}: refusing to replace {_EXISTING.get(found, found)} "
            f"with {_NAMES[kind]}"
        )


# ----------------------------------------------------------------------------- writing
def temp_name() -> str:
    """A name for a temporary file of this process: short, and recognisable as ours."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    suffix = "".join(alphabet[byte % len(alphabet)] for byte in os.urandom(8))
    return f".likeness-{_HOST}-{os.getpid()}-{suffix}.part"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except OSError:
        return False
    return True


def remove_stale_temps(folder: str | os.PathLike, *, force: bool = False) -> list[str]:
    """Remove temporary files left in ``folder`` by writers that were killed: only names of
    our own pattern, and only when their process is gone (this machine) or the file is a day
    old (another machine on a shared folder). Once per folder per process unless ``force``.
    Returns the names removed."""
    key = os.path.realpath(folder)
    if key in _swept and not force:
        return []
    _swept.add(key)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None:
            continue
        host, pid = match.group(1), int(match.group(2))
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            if host == _HOST and pid != os.getpid():
                stale = not _pid_alive(pid)
            else:
                stale = now - info.st_mtime > STALE_SECONDS
            if stale:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def write_atomic(
    path: str | os.PathLike,
    data: bytes,
    kind: str,
    plan: WritePlan | None = None,
    source: str | os.PathLike | None = None,
) -> Path:
    """Write ``data`` to ``path`` as a ``kind`` file, through the guard: a temporary file in
    the same folder, flushed, then renamed over ``path``, so the file appears whole or not at
    all. ``plan`` is the run's WritePlan (None: a plan whose only input is ``source``).
    WriteRefused / LikenessError (one line) when it must not or cannot be written."""
    path = Path(path)
    if plan is None:
        plan = WritePlan(inputs=[source] if source is not None else [])
    elif source is not None and _absolute(source) not in plan.inputs:
        plan.add_input(source)
    check_name_lengths(path, "output")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PhotoError(f"{shown(path)}: the folder {shown(folder)} does not exist")
    if path.is_dir():
        raise WriteRefused(f"{shown(path)}: is a folder")
    plan.check(path, kind)
    remove_stale_temps(folder)
    temp = folder / temp_name()
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except PermissionError:
        raise PhotoError(f"{shown(path)}: permission denied") from None
    except OSError as error:
        raise PhotoError(f"{shown(path)}: cannot write ({error.strerror or error})") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(error, OSError):
            if error.errno == errno.ENAMETOOLONG:
                raise PhotoError(f"{shown(path)}: the file name is too long") from None
            raise PhotoError(
                f"{shown(path)}: cannot write ({error.strerror or error})"
            ) from None
        raise
    return path


def append_line(
    path: str | os.PathLike, line: bytes, kind: str, plan: WritePlan, *, durable: bool = False
) -> Path:
    """Append one line to the ``kind`` file at ``path`` (creating it), through the guard: the
    path is checked against ``plan`` as any target is, it is opened without following a
    symbolic link, and the file actually opened is checked again (an input, a hard link:
    WriteRefused) before one byte is written. A line cut short earlier (a kill mid-append)
    is ended first, so it never swallows this one. ``durable``: on disk (fsync) before
    returning. PhotoError (one line) when it cannot be written."""
    path = Path(path)
    check_name_lengths(path, "output")
    plan.check(path, kind)
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise WriteRefused(f"{shown(path)}: is a symbolic link, not {_NAMES[kind]}") from None
        raise PhotoError(f"{shown(path)}: cannot write ({error.strerror or error})") from None
    try:
        info = os.fstat(fd)
        plan.check_opened(path, info, kind)
        if info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
            line = b"\n" + line
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(errno.ENOSPC, "No space left on device")
        if durable:
            os.fsync(fd)
    except OSError as error:
        raise PhotoError(f"{shown(path)}: cannot write ({error.strerror or error})") from None
    finally:
        os.close(fd)
    return path


def check_room(path: str | os.PathLike, size: int = ROOM_PROBE) -> None:
    """Before a long run: fail now (PhotoError, one line), not after it, when ``path`` cannot
    be written: its folder missing or read-only, or no room there for ``size`` bytes (a full
    disk). A temporary file of that size is written, flushed to disk and removed."""
    path = Path(path)
    check_name_lengths(path, "output")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PhotoError(f"{shown(path)}: the folder {shown(folder)} does not exist")
    temp = folder / temp_name()
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as error:
        raise PhotoError(f"{shown(path)}: cannot write ({error.strerror or error})") from None
    try:
        block = b"\0" * max(1, min(size, 1 << 20))
        left = max(1, size)
        while left > 0:
            left -= os.write(fd, block[:left])
        os.fsync(fd)
    except OSError as error:
        raise PhotoError(f"{shown(path)}: cannot write ({error.strerror or error})") from None
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)


def check_targets(plan: WritePlan, targets: Iterable[tuple[str | os.PathLike | None, str]]) -> None:
    """Add each (path, kind) target that is given (not None) to ``plan``; the first clash
    raises WriteRefused before anything is written."""
    for path, kind in targets:
        if path is not None:
            plan.add_target(path, kind)

"""Command-line options shared by ``retouch`` and ``batch``: which look or session, slider
overrides, the export preset and the likeness floor."""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import replace

from studio.edits.sliders import SLIDERS, parse_assignment
from studio.errors import LikenessError, number_text
from studio.imaging.export import MAX_SIZE, MIN_CROP, MIN_SIZE, ExportSettings, parse_aspect
from studio.imaging.framing import check_angle
from studio.imaging.threads import all_cores
from studio.write_guard import shown

EXPORT_CHOICES = ("linkedin", "portfolio", "original", "custom")
#: Options whose value may start with '-' (a crop from left of the photo, a negative angle):
#: the value is checked, and its problem said, by the option's own check.
SIGNED_OPTIONS = ("--crop", "--angle", "--min-likeness", "--keep-likeness")


def add_edit_arguments(parser: argparse.ArgumentParser) -> None:
    """--look, --session, --set, --export (+ custom options), --min-likeness, --keep-metadata."""
    _add_look_arguments(parser)
    _add_export_arguments(parser)
    parser.add_argument(
        "--faces",
        metavar="all|primary|N,M",
        help="which faces to retouch: all of them, the primary (largest or the session's, "
        "the default), or face numbers as the studio shows them (1 is the largest)",
    )
    parser.add_argument(
        "--min-likeness",
        type=float,
        metavar="PCT",
        help="refuse to write (exit 1) when the likeness of any retouched face is below PCT "
        "percent",
    )
    parser.add_argument(
        "--keep-likeness",
        type=float,
        metavar="PCT",
        help="ease every face slider by one factor until the likeness is at least PCT "
        "percent (instead of refusing like --min-likeness); prints how much it eased",
    )
    parser.add_argument(
        "--keep-metadata",
        action="store_true",
        default=None,
        help="keep GPS position, serial numbers and maker notes (stripped by default)",
    )


def _add_look_arguments(parser: argparse.ArgumentParser) -> None:
    """--look, --session and --set: where the slider values come from."""
    keys = ", ".join(s.key for s in SLIDERS)
    parser.add_argument(
        "--look",
        metavar="NAME|FILE",
        action="append",
        help="start from a look: natural, linkedin, nonprofit, portfolio, "
        "one of yours (see 'likeness looks') or a look file (several, or 'original', "
        "with --contact-sheet)",
    )
    parser.add_argument(
        "--session",
        metavar="FILE",
        help="reuse a saved session's sliders (its non-default values override "
        "the look's); its face choice and crop apply to the same photo only",
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="assignments",
        help=f"set one slider, last word over look and session (keys: {keys}); "
        "repeatable, e.g. --set smooth=0.4 --set backdrop=#f2f2f2",
    )


def _add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """--export and its options: size, aspect, crop, angle, quality."""
    parser.add_argument(
        "--export",
        choices=EXPORT_CHOICES,
        metavar="PRESET",
        help="linkedin (1024 px face-centred square JPEG under 8 MB), portfolio "
        "(long edge 2048 px JPEG), original (full size, the source's format) "
        "or custom; default: full size in OUT's format",
    )
    parser.add_argument(
        "--size",
        type=int,
        metavar="PX",
        help=f"custom export: long edge in pixels, {MIN_SIZE}..{MAX_SIZE} (and at most "
        f"150 MP in all)",
    )
    parser.add_argument(
        "--aspect",
        metavar="W:H",
        help="custom or portfolio export: crop to this aspect around the face "
        "(e.g. 1:1, 4:5) or 'original'",
    )
    parser.add_argument(
        "--crop",
        metavar="auto|X,Y,W,H",
        help="the export crop: 'auto' (head-and-shoulders framing for the preset, the "
        "session's crop ignored) or X,Y,W,H in pixels of the photo (straightened, when "
        "--angle is given); a preset's aspect trims it about its centre",
    )
    parser.add_argument(
        "--angle",
        metavar="DEG|level",
        help="straighten by DEG degrees (-15..15, counter-clockwise) or 'level' (the eye "
        "line made level); rendered at full resolution, the crop kept inside the photo",
    )
    parser.add_argument(
        "--quality", type=int, metavar="1-100", help="JPEG/WebP quality (default: the preset's)"
    )


def add_threads_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--threads N: how many cores the work may use (default: all of them)."""
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help=f"cores {what} may use, 1 to this machine's (default: all of them; the result "
        "is the same bit for bit whatever N)",
    )


def threads_from_args(args: argparse.Namespace) -> int | None:
    """The --threads value (None: all cores); LikenessError unless it is 1 to this
    machine's cores."""
    return check_cores("--threads", args.threads)


def check_cores(option: str, count: int | None) -> int | None:
    """``count`` (threads or worker processes) when it is 1 to the cores this process may
    use, None for None; else LikenessError naming ``option`` and the limit."""
    cores = all_cores()
    if count is not None and not 1 <= count <= cores:
        raise LikenessError(
            f"{option} must be 1 or more and at most this machine's {cores} "
            f"core{'s' * (cores != 1)}, not {count}"
        )
    return count


def parse_assignments(assignments: list[str]) -> dict[str, float | str | None]:
    """``--set KEY=VALUE`` options as a dict; LikenessError names a bad key or value."""
    values: dict[str, float | str | None] = {}
    for text in assignments:
        key, value = parse_assignment(text)
        values[key] = value
    return values


def photo_and_session(image: str, session: str | None) -> tuple[str, str | None]:
    """(the photo, the session file) a command is given: a session file as IMAGE names its
    photo, found by its hash (said on a line of its own); LikenessError (one line) for a
    session given both ways."""
    if not image.lower().endswith(".json"):
        return image, session
    if session:
        raise LikenessError("give the session either as IMAGE or with --session, not both")
    from studio.session import find_source, load_session  # start-up

    photo = str(find_source(load_session(image)))
    print(f"photo {photo}")
    return photo, image


def session_from_args(args: argparse.Namespace, session_file: str | None = None):
    """The Session to apply: the look's sliders, then the session's non-default values,
    then ``--set``. The session (``session_file``, else --session; if any) also brings its
    face choice, crop, analysis and export settings."""
    from studio.session import Session, load_look, load_session  # start-up

    overrides = parse_assignments(args.assignments)  # cheap checks first
    name = one_look(args)
    look = load_look(name) if name else None
    session_file = session_file or args.session
    session = load_session(session_file) if session_file else None
    base = session or Session()
    sliders = dict(look.sliders) if look is not None else dict(base.sliders)
    if session is not None and look is not None:
        defaults = {s.key: s.default for s in SLIDERS}
        sliders.update({k: v for k, v in session.sliders.items() if v != defaults[k]})
    result = replace(base, sliders=sliders)
    if look is not None:  # its likeness budget comes with it: the amount is found per photo
        result = replace(result, look=look.look or name, name=look.name, budget=look.budget,
                         amount=None)
    if getattr(args, "faces", None) is not None:
        faces = parse_faces(args.faces)
        result = replace(result, faces=faces)
        if isinstance(faces, tuple):
            result = replace(result, face=faces[0])
    return result.with_sliders(overrides)


def parse_faces(text: str) -> str | tuple[int, ...]:
    """``--faces``: "all", "primary" or face numbers as the studio shows them ("1,3": the
    largest and the third), as the session stores them (0-based indices)."""
    text = text.strip().lower()
    if text in ("all", "primary"):
        return text
    try:
        numbers = [int(part) for part in text.split(",")]
    except ValueError:
        numbers = []
    if not numbers or min(numbers) < 1 or max(numbers) > 1000:
        raise LikenessError(
            f"--faces must be all, primary or face numbers like 1,3 (from 1), not {text!r}"
        )
    return tuple(dict.fromkeys(n - 1 for n in numbers))


def one_look(args: argparse.Namespace) -> str | None:
    """The one ``--look`` of a retouch or batch (None: none); several are for
    ``--contact-sheet`` only."""
    looks = args.look or []
    if len(looks) > 1 and not getattr(args, "contact_sheet", None):
        raise LikenessError("--look is given more than once (several are for --contact-sheet)")
    return looks[-1] if looks else None


def input_files(args: argparse.Namespace, session_file: str | None = None) -> tuple[str, ...]:
    """The session (``session_file``, else --session) and look files a run reads besides its
    photos (a look given by name is one of ours, never a target the user could name)."""
    session_file = session_file or args.session
    files = [session_file] if session_file else []
    files += [name for name in (args.look or []) if os.path.isfile(name)]
    return tuple(files)


def framing_from_args(args: argparse.Namespace) -> dict | None:
    """``--crop`` and ``--angle`` as the ``framing`` of studio.service.retouch_file (None
    when neither is given); LikenessError (one line) for a malformed value."""
    crop, angle = getattr(args, "crop", None), getattr(args, "angle", None)
    if crop is None and angle is None:
        return None
    framing: dict = {"crop": None, "angle": None}
    if crop is not None:
        if crop.strip().lower() == "auto":
            framing["crop"] = "auto"
        else:
            try:
                numbers = [float(part) for part in crop.split(",")]
            except ValueError:
                numbers = []
            if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
                raise LikenessError(f"--crop must be 'auto' or X,Y,W,H in pixels, not '{shown(crop)}'")
            framing["crop"] = _checked_crop(crop, numbers)
    if angle is not None:
        if angle.strip().lower() == "level":
            framing["angle"] = "level"
        else:
            try:
                framing["angle"] = check_angle(float(angle))
            except ValueError as error:
                message = str(error) if "degrees" in str(error) else f"not '{shown(angle)}'"
                raise LikenessError(f"--angle: {message}") from None
    return framing


def _checked_crop(text: str, numbers: list[float]) -> list[float]:
    """--crop's X,Y,W,H when the corner is on the photo and the crop at least ``MIN_CROP``
    pixels each way (what the photo holds there is checked once it is open)."""
    x, y, w, h = numbers
    if x < 0 or y < 0:
        raise LikenessError(
            f"--crop {shown(text)}: X and Y are pixels right of and below the photo's "
            "top-left corner, 0 or more"
        )
    if w < MIN_CROP or h < MIN_CROP:
        raise LikenessError(
            f"--crop {shown(text)}: a crop is at least {MIN_CROP} x {MIN_CROP} pixels "
            f"(as --size is at least {MIN_SIZE})"
        )
    return numbers


def keep_likeness_from_args(args: argparse.Namespace) -> float | None:
    if getattr(args, "keep_likeness", None) is None:
        return None
    if not 0 <= args.keep_likeness <= 100:
        raise LikenessError(f"--keep-likeness must be a percent 0..100, not {number_text(args.keep_likeness)}")
    return float(args.keep_likeness)


def min_likeness_from_args(args: argparse.Namespace) -> float | None:
    if args.min_likeness is None:
        return None
    if not 0 <= args.min_likeness <= 100:
        raise LikenessError(f"--min-likeness must be a percent 0..100, not {number_text(args.min_likeness)}")
    return float(args.min_likeness)


def export_from_args(args: argparse.Namespace, session) -> ExportSettings:
    """Export settings: --export and the custom options over the session's (or the default:
    full size in the output file's format)."""
    settings = session.export if args.export is None else ExportSettings(preset=args.export)
    if args.size is not None:
        if settings.preset != "custom":
            if args.export is not None:
                raise LikenessError(f"--size is for --export custom, not {args.export}")
            settings = ExportSettings(preset="custom")  # the session's preset gives way
        if not MIN_SIZE <= args.size <= MAX_SIZE:
            raise LikenessError(f"--size must be {MIN_SIZE}..{MAX_SIZE} pixels, not {args.size}")
    if args.aspect is not None:
        if settings.preset not in ("custom", "portfolio"):
            if args.export is not None:
                raise LikenessError(
                    f"--aspect is for --export custom or portfolio, not {args.export}"
                )
            settings = ExportSettings(preset="custom")
        parse_aspect(args.aspect)
    if args.quality is not None and not 1 <= args.quality <= 100:
        raise LikenessError(f"--quality must be 1..100, not {args.quality}")
    changes = {
        k: v
        for k, v in (("size", args.size), ("aspect", args.aspect), ("quality", args.quality))
        if v is not None
    }
    if args.keep_metadata:
        changes["keep_metadata"] = True
    return replace(settings, **changes)

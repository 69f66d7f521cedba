"""Check Headshots: how like you each headshot is, as one picture (``likeness check --sheet``
and the studio's File > Check Headshots): per photo its face, tinted where it differs most from
your closest photo, with its "like you" figure and the top region in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from studio.errors import LikenessError
from studio.face.detect import analyze_photo
from studio.face.reference import check_headshot, like_you_said
from studio.imaging import encode, format_for, load
from studio.write_guard import write_atomic

#: The side of one tile on the sheet (px), the tiles in a row and the label's height.
TILE, COLUMNS, _LABEL_HEIGHT = 256, 4, 78
#: The label colour of each "like you" colour (``studio.face.reference.like_you_words``).
COLOURS = {"green": (120, 220, 120), "amber": (245, 190, 60), "red": (245, 90, 80), "": (200, 200, 200)}


@dataclass(frozen=True)
class CheckedPhoto:
    """One headshot as the sheet shows it: its name, the check (None: it could not be read or
    has no face) and the face's picture (uint8 RGB, None without a face), or ``problem``."""

    name: str
    check: object | None = None
    picture: np.ndarray | None = None
    problem: str | None = None


def check_photo(given: str, path: str | Path, identity) -> CheckedPhoto:
    """One headshot checked against ``identity`` (``studio.face.reference``), or the one-line
    reason it could not be (unreadable, no face); ``given`` is its name as the user gave it."""
    try:
        photo = load(path)
    except LikenessError as error:
        message = str(error)
        return CheckedPhoto(given, problem=message.split(": ", 1)[-1] if ": " in message else message)
    check = check_headshot(photo.pixels, analyze_photo(photo), identity)
    picture = check.breakdown.picture() if check.breakdown is not None else None
    problem = None if check.like_you is not None else "no face found"
    return CheckedPhoto(given, check, picture, problem)


def label_lines(item: CheckedPhoto) -> list[str]:
    """The tile's words: its name, "like you 94%" (or why there is no figure), the top region."""
    lines = [Path(item.name).name]
    check = item.check
    if item.problem or check is None or check.like_you is None:
        lines.append(item.problem or "no face found")
        return lines
    face = f" (face {check.face + 1} of {check.faces})" if check.faces > 1 else ""
    lines.append(f"like you {check.like_you:.0f}%{face}")
    if check.colour == "red":  # not a retouch of you: where it differs would mislead
        lines.append(like_you_said(check.like_you))
    elif check.breakdown is not None and check.breakdown.top is not None:
        lines.append(f"differs most: {check.breakdown.top}")
    return lines


def sheet_pixels(items: list[CheckedPhoto], tile: int = TILE) -> np.ndarray:
    """The headshots in rows of ``COLUMNS`` tiles, each with its label below (uint8 RGB)."""
    columns = max(min(COLUMNS, len(items)), 1)
    rows = (len(items) + columns - 1) // columns
    height = tile + _LABEL_HEIGHT
    sheet = Image.new("RGB", (tile * columns, height * rows), (32, 32, 34))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=18)
    for index, item in enumerate(items):
        x, y = (index % columns) * tile, (index // columns) * height
        if item.picture is not None:
            picture = Image.fromarray(item.picture)
            picture.thumbnail((tile, tile), Image.Resampling.LANCZOS)
            sheet.paste(picture, (x + (tile - picture.width) // 2, y + (tile - picture.height) // 2))
        colour = COLOURS.get(item.check.colour if item.check is not None else "", COLOURS[""])
        for line_index, line in enumerate(label_lines(item)):
            fill = colour if line_index == 1 else (235, 235, 235)
            draw.text((x + 8, y + tile + 4 + 24 * line_index), _fitted(line, font, tile - 16),
                      fill=fill, font=font)
    return np.asarray(sheet)


def _fitted(text: str, font, width: int) -> str:
    """``text`` cut with '...' so it is at most ``width`` px wide in ``font``."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "...") > width:
        text = text[:-1]
    return text + "..."


def write_check_sheet(items: list[CheckedPhoto], out_path: str | Path, plan) -> None:
    """Write the sheet of ``items`` to ``out_path`` through the run's write ``plan`` (atomic,
    never over an input)."""
    pixels = sheet_pixels(items).astype(np.float32) / 255.0
    write_atomic(out_path, encode(pixels, format_for(out_path), quality=92), "photo", plan=plan)

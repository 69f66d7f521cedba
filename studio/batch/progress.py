"""Batch progress for a person watching a terminal, or for a log file.

On a terminal: one line rewritten in place (count/total, photos per second, time left, the
photo just finished), with failures printed above it as they happen. Not a terminal (a
pipe, a CI log): one plain line per finished photo.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from studio.batch.report import FAILED, OK, SKIPPED, PhotoResult
from studio.write_guard import printable


def format_duration(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss`` for a duration in seconds."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Reports each finished photo of a batch.

    Parameters
    ----------
    total : number of photos in the batch (skipped ones included).
    stream : where to write (default: stderr, so stdout keeps only the summary).
    tty : force the terminal (True) or line (False) style; default: ``stream.isatty()``.
    clock : seconds, monotonic (tests pass a fake clock).
    """

    def __init__(
        self,
        total: int,
        stream: TextIO | None = None,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.worked = 0  # photos actually processed (skipped ones cost no time)
        self._line_shown = False

    # ------------------------------------------------------------------ figures
    def rate(self) -> float | None:
        """Photos processed per second so far (None before the first one)."""
        elapsed = self.clock() - self.started
        if self.worked == 0 or elapsed <= 0:
            return None
        return self.worked / elapsed

    def eta(self) -> float | None:
        """Seconds left at the current rate (None while unknown)."""
        rate = self.rate()
        if rate is None:
            return None
        return (self.total - self.done) / rate

    # ------------------------------------------------------------------ events
    def finished(self, result: PhotoResult) -> None:
        """One photo is finished (ok, failed or skipped)."""
        self.done += 1
        if result.status != SKIPPED:
            self.worked += 1
        if self.tty:
            if result.status == FAILED:
                self._print_above(f"failed: {result.input}: {result.reason}")
            self._draw(Path(result.input).name)
        else:
            self._write(self._line(result) + "\n")

    def waiting(self, text: str) -> None:
        """Say what is happening while no photo finishes (e.g. the workers are starting): in
        the bar on a terminal, as a line otherwise."""
        if self.tty:
            self._draw(text)
        else:
            self._write(text + "\n")

    def message(self, text: str) -> None:
        """A note for the user (printed above the bar on a terminal)."""
        if self.tty:
            self._print_above(text)
        else:
            self._write(text + "\n")

    def close(self) -> None:
        """End the bar's line (on a terminal) so later output starts on a fresh line."""
        if self.tty and self._line_shown:
            self._write("\n")
            self._line_shown = False

    # ------------------------------------------------------------------ drawing
    def _counter(self) -> str:
        width = len(str(self.total))
        return f"{self.done:>{width}}/{self.total}"

    def _line(self, result: PhotoResult) -> str:
        head = f"[{self._counter()}] {result.status:<7} {result.input}"
        if result.status == OK:
            likeness = (
                ""
                if result.likeness_percent is None
                else f"  likeness {result.likeness_percent:.1f}%"
            )
            if result.amount_percent is not None:
                likeness += f" (face sliders at {result.amount_percent:.0f}%)"
            return f"{head} -> {result.output}{likeness}  {result.seconds:.1f} s"
        return f"{head}: {result.reason}" if result.reason else head

    def bar_text(self, current: str = "") -> str:
        """The terminal line: counter, bar, rate, time left and the current photo."""
        fraction = self.done / self.total if self.total else 1.0
        cells = 20
        filled = int(round(fraction * cells))
        bar = "#" * filled + "-" * (cells - filled)
        rate, eta = self.rate(), self.eta()
        rate_text = "--" if rate is None else f"{rate:.2f}"
        eta_text = "--:--" if eta is None else format_duration(eta)
        return f"{self._counter()} [{bar}] {rate_text} photos/s  ETA {eta_text}  {current}"

    def _draw(self, current: str) -> None:
        columns = shutil.get_terminal_size((100, 24)).columns
        self._write("\r\033[K" + self.bar_text(current)[: max(columns - 1, 20)])
        self._line_shown = True

    def _print_above(self, text: str) -> None:
        self._write(("\r\033[K" if self._line_shown else "") + text + "\n")
        self._line_shown = False

    def _write(self, text: str) -> None:
        self.stream.write(printable(text))  # a file name that is not UTF-8 must not stop the batch
        self.stream.flush()

"""What happened to each photo of a batch: the result record, the CSV report, the summary."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from studio.write_guard import REPORT_HEADER, WritePlan, shown, write_atomic

#: Columns of the report CSV, in order. ``lowest_face`` and ``amount_percent`` come last, so a
#: report still starts with the header the write guard knows reports by (older reports included).
#: (``amount_percent``: the share of the face sliders a budgeted look or --keep-likeness kept.)
REPORT_COLUMNS = (*REPORT_HEADER.decode("ascii").split(","), "lowest_face", "amount_percent",
                  "like_you_percent", "group")
#: Statuses: retouched and written; not written (the reason says why); already done earlier.
OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass(frozen=True)
class PhotoResult:
    """The outcome of one photo.

    Attributes
    ----------
    input, output : the photo and its result file (absolute paths, as text).
    status : "ok", "failed" or "skipped".
    reason : one line saying why it failed or was skipped ("" when ok), or a note.
    faces : how many faces were found (None when the photo was not analysed).
    likeness_percent : 0..100, how recognisable the result is (None without a face).
    lowest_face : with several faces retouched, whose likeness that is: the face's number (as
        the studio's Face list counts, from 1) and where it is ("3 (top right)"); else "".
    seconds : wall-clock time spent on this photo in its worker.
    amount_percent : with --keep-likeness, the share of the face sliders kept (None: not
        eased).
    group : with --consistent, the person this photo's group is ("person 2 (3 photos, amount
        of b.jpg)"; see studio.batch.consistent), else "".
    detail : a traceback for an unexpected error (a bug), shown on stderr, not in the CSV.
    like_you_percent : with photos of you (``--ref``), how like you the written file is.
    """

    input: str
    output: str
    status: str
    reason: str = ""
    faces: int | None = None
    likeness_percent: float | None = None
    lowest_face: str = ""
    seconds: float = 0.0
    detail: str = ""
    amount_percent: float | None = None
    like_you_percent: float | None = None
    group: str = ""

    @classmethod
    def from_record(cls, record: Mapping) -> PhotoResult:
        """Build from the plain dict a task returns (both engines send plain records)."""
        faces = record.get("faces")
        likeness = record.get("likeness_percent")
        amount = record.get("amount")
        like_you = record.get("like_you_percent")
        return cls(
            input=str(record["input"]),
            output=str(record.get("output") or ""),
            status=str(record["status"]),
            reason=one_line(record.get("reason") or ""),
            faces=None if faces is None else int(faces),
            likeness_percent=None if likeness is None else float(likeness),
            lowest_face=str(record.get("lowest_face") or ""),
            seconds=float(record.get("seconds") or 0.0),
            detail=str(record.get("detail") or ""),
            amount_percent=None if amount is None else 100.0 * float(amount),
            like_you_percent=None if like_you is None else float(like_you),
        )

    def to_record(self) -> dict:
        return asdict(self)

    def row(self) -> dict[str, str]:
        """The CSV row: empty cells for unknown figures, likeness to 0.1 %, seconds to 0.01 s."""
        return {
            "input": shown(self.input),
            "output": shown(self.output),
            "status": self.status,
            "reason": shown(self.reason),
            "faces": "" if self.faces is None else str(self.faces),
            "likeness_percent": ""
            if self.likeness_percent is None
            else f"{self.likeness_percent:.1f}",
            "lowest_face": shown(self.lowest_face),
            "seconds": f"{self.seconds:.2f}",
            "amount_percent": "" if self.amount_percent is None else f"{self.amount_percent:.0f}",
            "like_you_percent": "" if self.like_you_percent is None
            else f"{self.like_you_percent:.0f}",
            "group": shown(self.group),
        }


def one_line(text: str) -> str:
    """A reason as a single line (reports and terminals show one line per photo)."""
    return " ".join(str(text).split())


def without_path_prefix(reason: str, path: str | os.PathLike) -> str:
    """Drop a leading ``"<path>: "`` from an error message: the report already names the photo."""
    reason = one_line(reason)
    for prefix in (f"{path}: ", f"{Path(path).name}: "):
        if reason.startswith(prefix):
            return reason[len(prefix) :]
    return reason


def report_text(results: Iterable[PhotoResult]) -> str:
    """The report as CSV text (a header row, then one row per photo)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in results:
        writer.writerow(result.row())
    return out.getvalue()


def write_report(
    path: str | os.PathLike, results: Iterable[PhotoResult], plan: WritePlan | None = None
) -> Path:
    """Write the report CSV atomically (UTF-8; file names that are not UTF-8 show their odd
    bytes as ``\\xff`` escapes). Through the write guard: it only ever replaces a report of
    ours, never an input of ``plan`` (the batch's WritePlan). LikenessError (one line) when
    it cannot be written."""
    return write_atomic(path, report_text(results).encode("utf-8"), "report", plan=plan)


@dataclass(frozen=True)
class Summary:
    """Counts of a batch, the photos not reached (an interrupted run) and the mean likeness
    of the photos written (None: no figure)."""

    ok: int
    failed: int
    skipped: int
    mean_likeness: float | None
    not_done: int = 0

    @property
    def total(self) -> int:
        return self.ok + self.failed + self.skipped + self.not_done

    def text(self) -> str:
        likeness = "n/a" if self.mean_likeness is None else f"{self.mean_likeness:.1f}%"
        not_done = f", {self.not_done} not done" if self.not_done else ""
        return (
            f"{self.ok} retouched, {self.failed} failed, {self.skipped} skipped{not_done} "
            f"(of {self.total}); mean likeness {likeness}"
        )


def summarize(results: Iterable[PhotoResult], planned: int | None = None) -> Summary:
    """Count the results; the mean likeness is over the photos retouched in this run.
    ``planned``: how many photos the batch had (more than the results when interrupted)."""
    results = list(results)
    figures = [
        r.likeness_percent for r in results if r.status == OK and r.likeness_percent is not None
    ]
    return Summary(
        ok=sum(r.status == OK for r in results),
        failed=sum(r.status == FAILED for r in results),
        skipped=sum(r.status == SKIPPED for r in results),
        mean_likeness=sum(figures) / len(figures) if figures else None,
        not_done=max(0, planned - len(results)) if planned is not None else 0,
    )

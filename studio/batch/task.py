"""The work of one photo in a batch, as a plain top-level function.

Both engines (a local process pool and Dask) run exactly this function: it takes plain
values (paths as text, the session as a dict, the export settings as a dict) and returns a
plain dict, so it pickles cheaply and runs on any machine that has the package installed.
It never raises for a bad photo: a problem the user can fix becomes a "failed" record with
its one-line reason, and a bug becomes a "failed" record that carries the traceback.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from studio.batch.report import FAILED, OK, SKIPPED, one_line, without_path_prefix
from studio.errors import LikenessError
from studio.imaging.threads import set_threads


def warm_up() -> None:
    """Load the face models in this process now, once, rather than inside the first photo.

    Runs as the process pool's initializer and on every Dask worker (``Client.run``); the
    models stay cached per process by ``studio.face``. They are read, not run: a worker used
    to analyse the sample photo to load them (1.1 s of CPU, the CNN's big-face pass 0.45 s of
    it), which no photo of the batch needed.
    """
    from studio.face import detect, likeness, models  # start-up

    likeness.load_models()  # the HOG detector, the face mesh (or dlib's 68 points), recognition
    detect.load_cnn()  # every photo's big-face pass
    models.segmentation_available()  # the person matte of every background edit


def limit_threads(threads: int) -> None:
    """Let this process's export use at most ``threads`` threads (OpenCV's and the band
    pool's): with one worker process per core, a second level of threads only makes the
    workers fight over the cores."""
    set_threads(max(1, int(threads)))


def retouch_task(
    input_path: str,
    session: Mapping[str, Any],
    export: Mapping[str, Any] | str,
    output_path: str,
    min_likeness: float | None = None,
    framing: Mapping[str, Any] | None = None,
    keep_likeness: float | None = None,
    *,
    budget_to_me: float | None = None,
) -> dict[str, Any]:
    """Retouch one photo with a session and export it; never raises for a bad photo.

    Parameters
    ----------
    input_path : the photo (an absolute path, as text).
    session : a session or look as its JSON dict (``studio.session`` format).
    export : the export settings as a dict (``ExportSettings.to_dict()``) or a preset name.
    output_path : the file to write (atomically); its extension matches the export format.
    min_likeness : refuse to write when the likeness falls below this percent (0..100).
    framing : the command line's crop and angle (``retouch_file``'s ``framing``).
    keep_likeness : ease the face sliders until the likeness is at least this percent.
    budget_to_me : ease them until the file is at least this like the session's photos of
        the user (``retouch_file``'s ``budget_to_me``).

    Returns
    -------
    A plain dict with the keys of ``studio.batch.report.REPORT_COLUMNS`` (and ``detail``,
    a traceback, for an unexpected error).
    """
    retouch = partial(_retouch_file, framing=framing, keep_likeness=keep_likeness,
                      budget_to_me=budget_to_me)
    return run_photo(retouch, input_path, session, export, output_path, min_likeness)


def _retouch_file(
    input_path: str,
    session: Mapping[str, Any],
    export: Mapping[str, Any] | str,
    output_path: str,
    min_likeness: float | None = None,
    framing: Mapping[str, Any] | None = None,
    keep_likeness: float | None = None,
    budget_to_me: float | None = None,
) -> Any:
    """``studio.service.retouch_file`` with the session and export settings rebuilt from
    their plain dicts (validated again here: a worker trusts nothing it is sent)."""
    from studio.imaging.export import ExportSettings  # start-up
    from studio.service.retouch_file import Framing, RetouchRequest, retouch_file  # start-up
    from studio.session import session_from_dict  # start-up

    settings = export if isinstance(export, str) or export is None else ExportSettings(**export)
    return retouch_file(RetouchRequest(
        photo=input_path,
        output=output_path,
        session=session_from_dict(dict(session)),
        export=settings,
        min_likeness=min_likeness,
        framing=Framing.of(framing),
        keep_likeness=keep_likeness,
        budget_to_me=budget_to_me,
    ))


def run_photo(
    retouch: Callable[..., Any],
    input_path: str,
    session: Mapping[str, Any],
    export: Mapping[str, Any] | str,
    output_path: str,
    min_likeness: float | None = None,
) -> dict[str, Any]:
    """Call ``retouch(input, session, export, output, min_likeness=...)`` and turn whatever
    happens into a plain record: its result, a user-fixable failure with its one-line
    reason, or an unexpected error (a bug) with its traceback in ``detail``."""
    started = time.perf_counter()
    try:
        result = retouch(input_path, session, export, output_path, min_likeness=min_likeness)
        record = _record_of(result)
    except LikenessError as error:
        record = {"status": FAILED, "reason": without_path_prefix(str(error), input_path)}
    except Exception as error:
        # A bug on one photo must not stop the batch: it fails, and its traceback goes back.
        record = {
            "status": FAILED,
            "reason": one_line(
                f"unexpected error (please report it): {type(error).__name__}: {error}"
            ),
            "detail": traceback.format_exc(),
        }
    record.setdefault("seconds", time.perf_counter() - started)
    record["reason"] = without_path_prefix(record.get("reason") or "", input_path)
    record["input"] = str(input_path)
    record.setdefault("output", str(output_path) if record["status"] == OK else "")
    return record


def _whose(index: int | None, where: str | None) -> str:
    """The report's name for the face whose likeness was lowest: "3 (top right)"; "" for one."""
    if index is None:
        return ""
    return f"{int(index) + 1} ({where})" if where else str(int(index) + 1)


def _record_of(result: Any) -> dict[str, Any]:
    """A plain dict from the retouch result (an object with attributes, or a mapping)."""

    def get(name: str, default: Any = None) -> Any:
        if isinstance(result, Mapping):
            return result.get(name, default)
        return getattr(result, name, default)

    status = str(get("status", OK))
    if status not in (OK, SKIPPED):
        status = FAILED  # e.g. "refused": the likeness fell below the minimum, nothing written
    faces = get("faces")
    if faces is not None and not isinstance(faces, int):
        faces = len(faces)
    if status == FAILED and not faces:
        faces = None  # the photo was never analysed: unknown, not zero
    # A photo written with remarks (no face found, not upscaled...) shows them as its reason.
    reason = get("reason") or "; ".join(get("notes") or ())
    record = {
        "status": status,
        "reason": one_line(reason),
        "faces": faces,
        "likeness_percent": get("likeness_percent"),
        "lowest_face": _whose(get("likeness_face"), get("likeness_where")),
        "amount": get("amount"),
        "output": str(get("output") or "") if status == OK else "",
    }
    like_you = get("like_you_percent")  # with photos of you in the session (--ref)
    if like_you is not None and status == OK:
        record["like_you_percent"] = float(like_you)
    seconds = get("seconds")
    if seconds is not None:
        record["seconds"] = float(seconds)
    return record

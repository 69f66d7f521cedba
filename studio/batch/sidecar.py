"""A batch where each photo brings its own session: the one saved beside it
(``PHOTO.jpg.likeness.json``, made on these very bytes), else the batch's session. What the
studio's Export Selected runs, so each photo of a shoot is exported as it was left (its
synced look, its own face choice, crop and marks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.batch.consistent import own_at_amount
from studio.batch.report import OK
from studio.batch.task import retouch_task
from studio.errors import LikenessError
from studio.session import default_session_path, file_sha256, load_session, session_from_dict
from studio.session.model import session_to_dict


def own_session(input_path: str, fallback: Mapping[str, Any]) -> Mapping[str, Any]:
    """The session dict saved beside ``input_path`` when it was made on this photo's bytes,
    else ``fallback``. A session that cannot be read is not used (the fallback is)."""
    beside = default_session_path(input_path)
    if not beside.is_file():
        return fallback
    try:
        session = load_session(beside)
    except LikenessError:
        return fallback
    if session.source is None or session.source.sha256 != file_sha256(input_path):
        return fallback
    return session_to_dict(session)  # absolute paths: the worker has no folder to resolve against


def own_session_task(
    input_path: str,
    session: Mapping[str, Any],
    export: Mapping[str, Any] | str,
    output_path: str,
    min_likeness: float | None = None,
    beside: bool = True,
) -> dict[str, Any]:
    """:func:`studio.batch.task.retouch_task` with the photo's own session (see
    :func:`own_session`); ``session`` is used for photos without one (and for every photo
    when not ``beside``: the session was made from the photo's own already)."""
    own = own_session(input_path, session) if beside else session
    record = retouch_task(input_path, own, export, output_path, min_likeness)
    if record.get("amount") is None and own.get("amount") is not None and record["status"] == OK:
        record["amount"] = float(own["amount"])  # the amount chosen by hand, as the studio shows it
    return record


def own_session_at_amount_task(
    input_path: str,
    session: Mapping[str, Any],
    export: Mapping[str, Any] | str,
    output_path: str,
    min_likeness: float | None = None,
    *,
    amounts: Mapping[str, float],
) -> dict[str, Any]:
    """:func:`own_session_task` with the photo's own session at its amount in ``amounts``
    (by input path; 0..1.5 of its look: :func:`studio.batch.consistent.own_at_amount`): a
    shoot's photos written again at their person's amount, in one batch. Given as
    ``partial(own_session_at_amount_task, amounts=...)``."""
    own = session_from_dict(dict(own_session(input_path, session)))
    at = session_to_dict(own_at_amount(own, amounts[input_path]))
    return own_session_task(input_path, at, export, output_path, min_likeness,
                            beside=False)

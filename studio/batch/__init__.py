"""Batch retouching: one session or look applied to many photos, on this machine's cores
(a process pool) or on a Dask cluster. No Qt here; it sits between the CLI and the session.

    photos, missing = find_photos(["shoot/"], exclude="out")
    jobs = plan_jobs(photos, "out", suffix_for)
    results = run_batch(jobs, session_dict, export_dict, engine=make_engine(workers=4))
    write_report("report.csv", results); print(summarize(results).text())
"""

from studio.batch.inputs import (
    DONE_LIST,
    DoneList,
    FoundPhoto,
    Job,
    find_photos,
    photo_format,
    plan_jobs,
)
from studio.batch.progress import Progress
from studio.batch.report import (
    FAILED,
    OK,
    REPORT_COLUMNS,
    SKIPPED,
    PhotoResult,
    Summary,
    summarize,
    write_report,
)
from studio.batch.runner import (
    BatchInterrupted,
    DaskEngine,
    LocalEngine,
    make_engine,
    run_batch,
)
from studio.batch.task import retouch_task

__all__ = [
    "DONE_LIST",
    "DoneList",
    "FAILED",
    "OK",
    "REPORT_COLUMNS",
    "SKIPPED",
    "BatchInterrupted",
    "DaskEngine",
    "FoundPhoto",
    "Job",
    "LocalEngine",
    "PhotoResult",
    "Progress",
    "Summary",
    "find_photos",
    "make_engine",
    "photo_format",
    "plan_jobs",
    "retouch_task",
    "run_batch",
    "summarize",
    "write_report",
]

"""``likeness batch``: one look or session applied to many photos, on this machine's cores or
on a Dask cluster, with progress, a CSV report and a summary.

Exit codes: 0 every photo written (or already done), 1 some failed, 2 bad usage or a bad
look/session (nothing is started), 130 interrupted (a rerun continues where it stopped).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

from studio.cli._common import (
    add_edit_arguments,
    add_threads_argument,
    check_cores,
    export_from_args,
    framing_from_args,
    input_files,
    keep_likeness_from_args,
    min_likeness_from_args,
    session_from_args,
    threads_from_args,
)
from studio.cli.check import add_ref_argument, budget_to_me_from_args, identity_from_refs
from studio.errors import LikenessError
from studio.imaging.export import output_suffix
from studio.write_guard import WritePlan, check_name_lengths, check_room, shown

EXIT_OK, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 130
FORMAT_CHOICES = ("jpeg", "png", "tiff", "webp")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="retouch many photos with one look or session",
        description=(
            "Apply a look or session to every photo given (files, or folders: photos are "
            "recognised by content; use -r for sub-folders) and write OUTDIR/<name>.<ext>. "
            "Runs on a local process pool, or on Dask with --dask. A photo that fails is "
            "listed with its reason and the batch goes on. Finished outputs are skipped on a "
            "rerun (after Ctrl+C, say) unless --overwrite."
        ),
        epilog="Exit codes: 0 all written, 1 some failed, 2 bad usage or session, 130 interrupted.",
    )
    _add_where_arguments(parser)
    add_edit_arguments(parser)
    parser.add_argument(
        "--format",
        choices=FORMAT_CHOICES,
        metavar="FORMAT",
        help="file format for --export custom or original: jpeg, png, tiff, "
        "webp (default: the source's own)",
    )
    _add_run_arguments(parser)
    parser.set_defaults(func=run)


def _add_where_arguments(parser: argparse.ArgumentParser) -> None:
    """The photos to retouch and the folder the results go to."""
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="photos and folders of photos")
    parser.add_argument(
        "-o",
        "--output",
        dest="outdir",
        required=True,
        metavar="OUTDIR",
        help="folder for the results (created if missing)",
    )
    parser.add_argument(
        "-r",
        "--recursive",
        action="store_true",
        help="also take photos from sub-folders of the folders given",
    )


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the work runs, the report, and whether finished photos are redone."""
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="parallel worker processes, or the size of a --dask local cluster "
        "(default: one per core of --threads; an existing Dask cluster uses its own workers)",
    )
    add_threads_argument(parser, "the whole batch")
    add_ref_argument(parser)
    parser.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        help="run on the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786), "
        "or 'local' to start a local Dask cluster of --workers processes",
    )
    parser.add_argument(
        "--report",
        metavar="REPORT.csv",
        help="write a CSV: input, output, status, reason, faces, likeness_percent, seconds",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="redo photos already done, and replace a photo already in OUTDIR under an "
        "output's name that no batch wrote (never an input, nor a file that is not a photo)",
    )
    parser.add_argument(
        "--consistent",
        action="store_true",
        help="photos of the same person get the same look amount: the lowest any of them "
        "needs to keep the look's likeness budget (or --keep-likeness); the report names "
        "each photo's group",
    )
    parser.add_argument(
        "--same-person",
        action="append",
        default=[],
        metavar="PHOTO,PHOTO,...",
        help="with --consistent: these photos (paths or file names) are one person, "
        "whatever their faces look like to the likeness descriptor (repeatable)",
    )
    parser.add_argument(
        "--other-person",
        action="append",
        default=[],
        metavar="PHOTO",
        help="with --consistent: this photo is nobody else's in the shoot (repeatable)",
    )


def _export_settings(args: argparse.Namespace, session):
    settings = export_from_args(args, session)
    if args.format is not None:
        if settings.preset in ("linkedin", "portfolio"):
            if args.format != "jpeg":
                raise LikenessError(
                    f"--export {settings.preset} always writes JPEG; "
                    f"use --export custom --format {args.format}"
                )
        else:
            settings = replace(settings, format=args.format)
    return settings


def _prepare_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise LikenessError(f"{outdir}: the output must be a folder, and this is a file")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LikenessError(
            f"{outdir}: cannot create the output folder ({error.strerror or error})"
        ) from None


def _check_report_path(report: Path | None) -> None:
    """Fail before a long batch rather than after it, when the report cannot be written."""
    if report is None:
        return
    folder = report.parent
    if report.is_dir():
        raise LikenessError(f"{report}: the report must be a file name, and this is a folder")
    if not folder.is_dir():
        raise LikenessError(f"{report}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise LikenessError(f"{report}: cannot write in {folder} (permission denied)")


def _task(budget_to_me: float | None):
    """The per-photo task: the retouch, holding --budget-to-me when given (a partial of the
    top-level task, so every engine can send it)."""
    from studio.batch.task import retouch_task  # start-up

    return retouch_task if budget_to_me is None else partial(retouch_task,
                                                             budget_to_me=budget_to_me)


def run(args: argparse.Namespace) -> int:
    # The batch layer (process pools, Dask) is imported only when a batch runs.
    from studio.batch import BatchInterrupted, make_engine, run_batch  # start-up
    from studio.paths import cache_dir  # start-up
    from studio.session import session_to_dict  # start-up

    # Everything a user can get wrong is checked before any work starts (exit 2).
    if args.dask in (None, "local"):  # a remote cluster has its own workers
        check_cores("--workers", args.workers)
    elif args.workers is not None and args.workers < 1:
        raise LikenessError(f"--workers must be 1 or more, not {args.workers}")
    threads = threads_from_args(args)
    session = session_from_args(args)
    identity = None
    if args.ref:  # photos of you travel with the session (descriptors only) to every worker
        identity = identity_from_refs(args.ref)
        session = replace(session, references=identity.usable)
    task = _task(budget_to_me_from_args(args, identity))
    settings = _export_settings(args, session)
    min_likeness = min_likeness_from_args(args)
    keep_likeness = keep_likeness_from_args(args)
    if (args.same_person or args.other_person) and not args.consistent:
        raise LikenessError("--same-person and --other-person correct --consistent's groups: "
                            "add --consistent")
    if args.consistent and keep_likeness is None and session.budget is None:
        raise LikenessError("--consistent needs a look with a likeness budget, or --keep-likeness")
    framing = framing_from_args(args)
    check_name_lengths(args.outdir, "-o")
    outdir = Path(os.path.abspath(args.outdir))
    report = Path(os.path.abspath(args.report)) if args.report else None
    _check_report_path(report)
    jobs, lost, plan = _plan_outputs(args, settings, outdir, report)
    if report is not None:  # a full disk is found now, not after the whole job
        check_room(report, _report_size(jobs, lost))

    cache_dir("faces")  # an unusable cache is said once here, not once per worker
    engine = make_engine(workers=args.workers, dask=args.dask, threads=threads)
    progress = _start_progress(args, session, settings, outdir, jobs, lost)
    interrupted = False
    try:
        results = run_batch(
            jobs,
            session_to_dict(session),
            settings.to_dict(),
            engine=engine,
            min_likeness=min_likeness,
            overwrite=args.overwrite,
            progress=progress,
            framing=framing,
            keep_likeness=keep_likeness,
            plan=plan,
            task=task,
        )
    except BatchInterrupted as stop:
        results, interrupted = stop.results, True
    finally:
        progress.close()
    if args.consistent and not interrupted:
        results = _consistent(args, results, jobs, session, settings, threads, plan,
                              min_likeness, framing, keep_likeness)
    return _tell_results(lost + results, len(jobs) + len(lost), report, plan, interrupted)


def _consistent(args, results, jobs, session, settings, threads, plan, min_likeness, framing,
                keep_likeness):
    """``results`` with every photo of a person retouched again, where it needs to be, at
    the lowest amount of that person's photos (see studio.batch.consistent)."""
    from studio.batch import make_engine, run_batch  # start-up
    from studio.batch.consistent import at_amount, consistent_results  # start-up
    from studio.service.retouch_file import _set_by_hand  # start-up
    from studio.session import session_to_dict  # start-up

    held = _set_by_hand(session) if keep_likeness is None else ()

    def redo(again, amounts):
        """One batch per amount (the session is the same look at it for every photo)."""
        results = []
        for amount in sorted(set(amounts.values())):
            engine = make_engine(workers=args.workers, dask=args.dask, threads=threads)
            results += run_batch(
                [job for job in again if amounts[job.shown_input] == amount],
                session_to_dict(at_amount(session, amount, held)), settings.to_dict(),
                engine=engine, min_likeness=min_likeness, overwrite=True, framing=framing,
                plan=plan)
        return results

    def tell(group, again):
        print(f"{group.name()}: {len(again)} photo{'s' * (len(again) != 1)} again at "
              f"{group.amount:.0%}", flush=True)

    return consistent_results(results, jobs, redo, _corrections(args), tell=tell)


def _corrections(args: argparse.Namespace):
    """The user's corrections of the groups (--same-person, --other-person)."""
    from studio.batch.consistent import Corrections  # start-up

    same = tuple(tuple(n.strip() for n in listed.split(",") if n.strip())
                 for listed in args.same_person)
    return Corrections(same=same, apart=tuple(args.other_person))


def _plan_outputs(args: argparse.Namespace, settings, outdir: Path, report: Path | None):
    """The jobs (one per photo found), a failed result per input that does not exist, and the
    run's WritePlan; the output folder is created once nothing is refused."""
    from studio.batch import DONE_LIST, FAILED, PhotoResult, find_photos, plan_jobs  # start-up

    photos, missing = find_photos(args.inputs, recursive=args.recursive, exclude=outdir)
    if not photos and not missing:
        raise LikenessError("no photos found in " + ", ".join(shown(i) for i in args.inputs))
    jobs = plan_jobs(
        photos, outdir, lambda fmt: output_suffix(settings, fmt or "JPEG"), args.outdir
    )
    # No output, done list or report may be an input (through links too), each other, or
    # an existing file of another kind: refused here, before anything is written.
    plan = WritePlan(inputs=[photo.path for photo in photos])
    for path in input_files(args):
        plan.add_input(path, "the session or look file")
    for job in jobs:
        plan.add_target(job.output, "photo")
    plan.add_target(outdir / DONE_LIST, "done list")
    if report is not None:
        plan.add_target(report, "report")
    _prepare_outdir(outdir)
    lost = [
        PhotoResult(input=given, output="", status=FAILED, reason="no such file or folder")
        for given in _as_given(args.inputs, missing)
    ]
    return jobs, lost, plan


def _as_given(inputs: list[str], missing: list[Path]) -> list[str]:
    """The missing inputs as the user typed them (the report holds no path they did not)."""
    typed = {Path(os.path.abspath(given)): given for given in inputs}
    return [typed.get(path, str(path)) for path in missing]


def _report_size(jobs, lost) -> int:
    """About how many bytes the report will take (a row of paths and figures per photo)."""
    paths = sum(len(job.shown_input) + len(job.shown_output) for job in jobs)
    return 4096 + paths + 200 * (len(jobs) + len(lost))


def _start_progress(args: argparse.Namespace, session, settings, outdir: Path, jobs, lost):
    """The progress display, opened with what is retouched where, the missing inputs counted."""
    from studio.batch import Progress  # start-up

    progress = Progress(len(jobs) + len(lost))
    look = session.look or (Path(args.session).name if args.session else "no look")
    progress.message(
        f"Retouching {len(jobs)} photo{'s' * (len(jobs) != 1)} "
        f"({shown(look)}, {settings.preset} export) -> {shown(outdir)}"
    )
    for result in lost:
        progress.finished(result)
    return progress


def _tell_results(
    results: list, planned: int, report: Path | None, plan: WritePlan, interrupted: bool
) -> int:
    """Write the report, print the summary and each failure, and return the exit code."""
    from studio.batch import FAILED, summarize, write_report  # start-up

    _show_unexpected_errors(results)
    if report is not None:
        write_report(report, results, plan=plan)
    summary = summarize(results, planned=planned)
    print(summary.text())
    for result in results:
        if result.status == FAILED:
            print(f"  failed: {shown(result.input)}: {shown(result.reason)}")
    if report is not None:
        print(f"report: {shown(os.path.relpath(report) if _under_cwd(report) else report)}")
    if interrupted:
        print(
            "interrupted: run the same command again to continue (finished photos are skipped)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_PARTIAL if summary.failed else EXIT_OK


def _under_cwd(path: Path) -> bool:
    return not os.path.relpath(path).startswith(os.pardir)


def _show_unexpected_errors(results: list) -> None:
    for result in results:
        if result.detail:  # an unexpected error is a bug: show where it happened
            print(
                f"likeness: unexpected error on {shown(result.input)}:\n{result.detail}",
                file=sys.stderr,
            )

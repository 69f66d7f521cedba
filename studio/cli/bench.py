"""``likeness bench``: speed figures of this machine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from studio.cli._common import threads_from_args
from studio.errors import LikenessError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="speed figures of this machine",
        description="Measure preview, open and export speed against floors measured in the same run.")
    parser.add_argument("--json", action="store_true", help="print one JSON object (milliseconds)")
    parser.add_argument("--quick", action="store_true", help="small photos, few repetitions")
    parser.add_argument("--processes", action="store_true",
                        help="only the whole-process figures: a 24 MP close-up exported as "
                             "separate processes on 1 and 2 cores, and a batch's rate")
    parser.add_argument("--studio", action="store_true",
                        help="only the studio's figures: open -> first picture, slider drags' "
                             "preview updates and the window's longest block, on 24 MP photos")
    parser.add_argument("--shoot", nargs="?", const="", default=None, metavar="FOLDER",
                        help="only the window's longest block while Export Selected writes a "
                             "shoot: FOLDER's photos, else twelve made 12 MP ones")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="OpenCV threads, 1 to this machine's cores (default 1: one core)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from studio import bench  # start-up

    def say(message: str) -> None:
        if not args.json:
            print(f"... {message}", file=sys.stderr, flush=True)

    threads = threads_from_args(args)  # checked before any work: one line, exit 2
    if args.shoot is not None:
        return _shoot(args, say)
    if args.studio:
        from studio import bench_studio  # start-up

        result = bench_studio.run_studio_figures(quick=args.quick, progress=say)
        print(json.dumps(result, indent=2) if args.json else bench_studio.format_studio_report(result))
        return 0
    if args.processes:
        result = bench.run_process_figures(quick=args.quick, progress=say)
        print(json.dumps(result, indent=2) if args.json else bench.format_process_report(result))
        return 0
    result = bench.run(quick=args.quick, threads=threads, progress=say)
    print(json.dumps(result, indent=2) if args.json else bench.format_report(result))
    return 0


def _shoot(args: argparse.Namespace, say) -> int:
    from studio import bench_studio  # start-up

    folder = Path(args.shoot) if args.shoot else None
    if folder is not None and not folder.is_dir():
        raise LikenessError(f"{folder} is not a folder of photos")
    result = bench_studio.run_shoot_figures(folder, quick=args.quick, progress=say)
    print(json.dumps(result, indent=2) if args.json else bench_studio.format_shoot_report(result))
    return 0

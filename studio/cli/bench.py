"""``likeness bench``: speed figures of this machine."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="speed figures of this machine",
        description="Measure preview, open and export speed against floors measured in the same run.")
    parser.add_argument("--json", action="store_true", help="print one JSON object (milliseconds)")
    parser.add_argument("--quick", action="store_true", help="small photos, few repetitions")
    parser.add_argument("--threads", type=int, default=1, help="OpenCV threads (default 1: one core)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from studio import bench

    def say(message: str) -> None:
        if not args.json:
            print(f"... {message}", file=sys.stderr, flush=True)

    result = bench.run(quick=args.quick, threads=max(args.threads, 1), progress=say)
    print(json.dumps(result, indent=2) if args.json else bench.format_report(result))
    return 0

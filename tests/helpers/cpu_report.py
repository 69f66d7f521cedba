"""CPU and wall time per test, for finding where the suite's time goes on a machine that is
never idle (``--durations`` gives wall time only, which the machine's load inflates). Opt-in:

    CPU_LOG=/tmp/cpu.jsonl make test PYTEST_ARGS="-p tests.helpers.cpu_report"
    python -m tests.helpers.cpu_report /tmp/cpu.jsonl        # by file, then by worker

Each test appends one JSON line to ``$CPU_LOG``: its node id, the xdist worker, the CPU (user +
system) of the test process, every thread included, and of the processes it started and waited
for, its wall time and when it started and ended (the epoch, seconds); each worker also writes
a line when its session starts and ends. The report gives per file its CPU, wall and their
ratio (CPU / wall: below 1 the file's worker waited, on an idle machine, for a timer, a sleep
or a process it did not wait for), and per worker its busy time (CPU) and where its wall time
went: collecting, the tests' CPU, the tests' waiting, the gaps between tests and the tail after
its last test while the other worker still ran.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict
from itertools import pairwise

import pytest


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _log(row: dict) -> None:
    path = os.environ.get("CPU_LOG")
    if path:
        with open(path, "a") as log:
            log.write(json.dumps(row) + "\n")


def pytest_sessionstart(session):
    _log({"session": "start", "worker": _worker(), "at": round(time.time(), 3),
          "cpu": round(sum(_cpu()), 3)})


def pytest_sessionfinish(session):
    _log({"session": "end", "worker": _worker(), "at": round(time.time(), 3),
          "cpu": round(sum(_cpu()), 3)})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    own, children, started, at = *_cpu(), time.monotonic(), time.time()
    yield
    own_after, children_after = _cpu()
    _log({"id": item.nodeid, "worker": _worker(), "self": round(own_after - own, 3),
          "children": round(children_after - children, 3),
          "wall": round(time.monotonic() - started, 3), "start": round(at, 3),
          "end": round(time.time(), 3)})


def by_file(rows) -> dict[str, list[float]]:
    """file -> [CPU, of it in started processes, wall, tests]."""
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for row in rows:
        entry = files[row["id"].split("::")[0]]
        entry[0] += row["self"] + row["children"]
        entry[1] += row["children"]
        entry[2] += row["wall"]
        entry[3] += 1
    return dict(files)


def by_worker(tests, sessions) -> dict[str, dict[str, float]]:
    """worker -> where its wall time went (seconds): from the first worker's start to the last
    worker's end, each worker's collecting, tests' CPU, tests' waiting (wall - CPU), gaps
    between tests and the tail after its last test."""
    runs: dict[str, list[dict]] = defaultdict(list)
    for row in tests:
        runs[row.get("worker", "main")].append(row)
    starts = {row["worker"]: row["at"] for row in sessions if row["session"] == "start"}
    first = min(starts.values(), default=min(r["start"] for r in tests))
    last = max(r["end"] for r in tests)
    figures = {}
    for worker, rows in sorted(runs.items()):
        rows.sort(key=lambda r: r["start"])
        cpu = sum(r["self"] + r["children"] for r in rows)
        wall = sum(r["wall"] for r in rows)
        gaps = sum(max(0.0, b["start"] - a["end"]) for a, b in pairwise(rows))
        figures[worker] = {"span": last - first, "collecting": rows[0]["start"] - first,
                           "tests_cpu": cpu, "tests_waiting": wall - cpu, "gaps": gaps,
                           "tail": last - rows[-1]["end"], "tests": len(rows)}
    return figures


def main(path: str) -> int:
    with open(path) as log:
        rows = [json.loads(line) for line in log if line.strip()]
    tests = [row for row in rows if "id" in row]
    sessions = [row for row in rows if "session" in row and "worker" in row]
    files = by_file(tests)
    total = sum(entry[0] for entry in files.values())
    print(f"{total:8.1f} s of CPU in {sum(e[3] for e in files.values())} tests")
    print("     CPU  started     wall  CPU/wall  tests  file")
    for name, (cpu, children, wall, count) in sorted(files.items(), key=lambda kv: -kv[1][0]):
        print(f"{cpu:8.1f} {children:8.1f} {wall:8.1f} {cpu / max(wall, 1e-9):9.2f} {count:6d}  {name}")
    if all("start" in row for row in tests):
        print("\nworker   span  collecting  tests' CPU  tests waiting    gaps    tail  tests")
        for worker, f in by_worker(tests, sessions).items():
            print(f"{worker:6s} {f['span']:6.0f} {f['collecting']:11.0f} {f['tests_cpu']:11.0f} "
                  f"{f['tests_waiting']:14.0f} {f['gaps']:7.0f} {f['tail']:7.0f} {f['tests']:6d}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(*sys.argv[1:]))
    except BrokenPipeError:  # piped into head
        sys.exit(0)

"""CPU time per test, for finding where the suite's time goes on a machine that is never idle
(``--durations`` gives wall time, which the machine's load inflates). Opt-in:

    CPU_LOG=/tmp/cpu.jsonl make test PYTEST_ARGS="-p tests.helpers.cpu_report"
    python -m tests.helpers.cpu_report /tmp/cpu.jsonl        # CPU by file, largest first

Each test appends one JSON line to ``$CPU_LOG``: its node id, the CPU (user + system) of the
test process, every thread included, and of the processes it started and waited for, and its
wall time; each xdist worker appends its own lines.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict

import pytest


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    own, children, started = *_cpu(), time.monotonic()
    yield
    path = os.environ.get("CPU_LOG")
    if not path:
        return
    own_after, children_after = _cpu()
    with open(path, "a") as log:
        log.write(json.dumps({"id": item.nodeid, "self": round(own_after - own, 3),
                              "children": round(children_after - children, 3),
                              "wall": round(time.monotonic() - started, 3)}) + "\n")


def by_file(lines) -> dict[str, list[float]]:
    """file -> [CPU, of it in started processes, wall, tests]."""
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for line in lines:
        row = json.loads(line)
        entry = files[row["id"].split("::")[0]]
        entry[0] += row["self"] + row["children"]
        entry[1] += row["children"]
        entry[2] += row["wall"]
        entry[3] += 1
    return dict(files)


def main(path: str) -> int:
    with open(path) as log:
        files = by_file(log)
    total = sum(entry[0] for entry in files.values())
    print(f"{total:8.1f} s of CPU in {sum(e[3] for e in files.values())} tests")
    print("     CPU  started     wall  tests  file")
    for name, (cpu, children, wall, count) in sorted(files.items(), key=lambda kv: -kv[1][0]):
        print(f"{cpu:8.1f} {children:8.1f} {wall:8.1f} {count:6d}  {name}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(*sys.argv[1:]))
    except BrokenPipeError:  # piped into head
        sys.exit(0)

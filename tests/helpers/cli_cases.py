"""Several ``likeness`` command lines in one new process, each as ``python -m studio ARGV`` runs
it: its own stdout, stderr and exit code (an uncaught exception prints its traceback and exits
1, as the interpreter does). Tests whose promise is each case's message and exit code start
one process for many cases instead of one per case (each start loads the libraries and models
again); a crash still ends in a new process, not in pytest's.

Run as ``python -m tests.helpers.cli_cases CASES.json RESULTS.jsonl``: CASES.json is a list of
``[name, argv]``; each case's result is appended to RESULTS.jsonl as it ends
(``{"name", "returncode", "stdout", "stderr"}``), so a case that kills the process leaves the
earlier results and the process's own exit code and stderr name it.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import traceback
import warnings
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[2]


def _run_one(argv: list[str]) -> tuple[int, str, str]:
    from studio.cli import main

    out, err = io.StringIO(), io.StringIO()
    # catch_warnings: a warning shown once per process is shown again for each case, as in a
    # process of its own
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        try:
            code = main(argv)
        except SystemExit as done:  # argparse, or sys.exit(): as the interpreter ends
            code = done.code
            if code is not None and not isinstance(code, int):
                print(code, file=sys.stderr)
                code = 1
        except BaseException:  # noqa: BLE001 - what the interpreter would print
            traceback.print_exc()
            code = 1
    return int(code or 0), out.getvalue(), err.getvalue()


def run_cases(cases: dict[str, list], folder: Path, timeout: float = 1200) -> dict[str, SimpleNamespace]:
    """Each case (name -> argv) run by ``likeness`` in one new process: name -> a result with
    ``returncode``, ``stdout`` and ``stderr`` like ``subprocess.run``'s. A case the process did
    not finish (it was killed) gets the process's exit code and its stderr."""
    import os

    spec, results = folder / "cases.json", folder / "results.jsonl"
    spec.write_text(json.dumps([[name, [str(a) for a in argv]] for name, argv in cases.items()]))
    done = subprocess.run(
        [sys.executable, "-m", "tests.helpers.cli_cases", str(spec), str(results)],
        capture_output=True, text=True, timeout=timeout, cwd=REPO, env=dict(os.environ),
    )
    found = {}
    if results.exists():
        for line in results.read_text().splitlines():
            row = json.loads(line)
            found[row["name"]] = SimpleNamespace(returncode=row["returncode"],
                                                 stdout=row["stdout"], stderr=row["stderr"])
    unfinished = SimpleNamespace(returncode=done.returncode or 1, stdout=done.stdout,
                                 stderr=f"the cases' process ended before this case:\n{done.stderr}")
    return {name: found.get(name, unfinished) for name in cases}


def main(spec: str, results: str) -> int:
    with open(results, "a") as written:
        for name, argv in json.loads(Path(spec).read_text()):
            print(f"case: {name}", file=sys.stderr, flush=True)  # named if it kills us
            code, out, err = _run_one(argv)
            written.write(json.dumps({"name": name, "returncode": code, "stdout": out,
                                      "stderr": err}) + "\n")
            written.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

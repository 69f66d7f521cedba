"""Helper processes end with the app, even when it is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# A studio stand-in: starts a helper pool as the studio does, prints the helper's pid, then
# dies without shutting anything down (as when it is killed or crashes).
SCRIPT = """
import multiprocessing, os, sys
from concurrent.futures import ProcessPoolExecutor
from studio.process import follow_parent

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=follow_parent)
    print(pool.submit(os.getpid).result(), flush=True)
    os._exit(0)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by init) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_a_helper_process_ends_when_the_studio_dies(tmp_path):
    script = tmp_path / "studio_stand_in.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    printed = tmp_path / "stdout.txt"
    with printed.open("w") as stdout:  # a file, not a pipe: a helper left alive cannot hold it
        subprocess.run([sys.executable, str(script)], stdout=stdout, env=env, timeout=120,
                       check=True)
    helper = int(printed.read_text().split()[0])
    deadline = time.monotonic() + 30
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(helper), "the helper process outlived the studio"

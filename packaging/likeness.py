"""Entry script of the frozen app: the same ``likeness`` command as the console script."""

import multiprocessing
import sys

from studio.cli import main

if __name__ == "__main__":
    # A frozen app re-runs itself for `batch --workers N`; this makes the child a worker.
    multiprocessing.freeze_support()
    sys.exit(main())

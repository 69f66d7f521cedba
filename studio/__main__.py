"""``python -m studio`` runs the ``likeness`` command."""

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())

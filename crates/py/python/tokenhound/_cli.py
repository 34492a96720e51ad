"""The ``tokenhound`` console script: the Rust command line, run in-process."""

from __future__ import annotations

import signal
import sys

from ._native import run_cli


def main() -> None:
    """Run ``tokenhound`` with ``sys.argv`` and exit with its code (0 clean, 1 findings, 2 error)."""
    # Behave like the native binary: Ctrl-C ends the program at once (Python's handler would only
    # raise once the command returns), and output is written by Rust, so flush Python's first.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(run_cli(["tokenhound", *sys.argv[1:]]))


if __name__ == "__main__":
    main()

"""What every command a user runs does alike.

- A usage error is one line on stderr and exit status 2 (`ArgumentParser`); any other
  refusal is one line and exit status 1 (`fail`); never a traceback.
- A reader that stops early (`python -m pipeline.diff --json | head`) ends the command
  quietly, as it ends a Unix tool (`run`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from typing import NoReturn


class ArgumentParser(argparse.ArgumentParser):
    """argparse for `python -m pipeline.COMMAND`, with usage errors on one line."""

    def __init__(self, command: str, **kwargs):
        super().__init__(prog=f"python -m pipeline.{command}", **kwargs)
        self.command = command

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.command}: {message} (see {self.prog} --help)\n")


def one_line(text: object) -> str:
    """A message on one line: some errors (YAML's, pandas') span several."""
    return " ".join(str(text).split())


def fail(command: str, error: object) -> NoReturn:
    """Exit with status 1 and `command: error` on one line of stderr."""
    sys.exit(f"{command}: {one_line(error)}")


def run(main: Callable[[], int | None]) -> NoReturn:
    """Exit with main()'s status; a closed standard output ends the command quietly."""
    try:
        status = main()
        sys.stdout.flush()  # output still buffered meets the closed pipe here, not at exit
    except BrokenPipeError:
        # Unix tools die of SIGPIPE without a word, where Python prints a traceback at the
        # write and another when it flushes stdout at exit: point stdout at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 128 + signal.SIGPIPE
    sys.exit(status)

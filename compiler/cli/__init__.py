"""The `kc` command line: its parser in `app`, the commands in one module per wing, listed in the order imported here."""

from compiler.cli import build, convert, eval, verify  # noqa: F401 - each declares its commands when imported
from compiler.cli.app import main

__all__ = ["main"]

"""The `kc` command line."""

from compiler.cli.app import main

__all__ = ["main"]

"""`kc check` of a synthetic library of 10,000 modules: in process with empty caches, and as a cold command."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from common import Result, best_of, synthetic_library

from compiler.check import check
from compiler.input.library import Library
from compiler.input.modulefile import _parsed
from compiler.language import parse as frontend

MODULES = 10_000


def _cold_check(directory: Path) -> None:
    """A fresh library and empty parse caches: nothing is kept from a previous run."""
    _parsed.cache_clear()
    frontend._parse.cache_clear()
    check(Library.from_path([directory], environment=False), [directory])


def _command(directory: Path) -> None:
    """`kc check DIR` in a fresh process, its report (a warning per module) written to a pipe."""
    subprocess.run([sys.executable, "-m", "compiler", "check", str(directory)], check=True, capture_output=True)


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        synthetic_library(directory, modules=MODULES, depth=10)
        result = check(Library.from_path([directory], environment=False), [directory])
        assert result.modules == MODULES and not result.diagnostics.errors, result.diagnostics.errors[:3]
        seconds = best_of(lambda: _cold_check(directory), 3)
        command = best_of(lambda: _command(directory), 3)
    return [
        Result(
            f"`kc check` of a synthetic library of {MODULES:,} modules",
            seconds,
            "s",
            goal="≤ 3 s",
            met=seconds <= 3.0,
            note=f"{seconds / MODULES * 1e6:.0f} µs per module; in process",
        ),
        Result(
            f"`kc check` of a synthetic library of {MODULES:,} modules, cold command",
            command,
            "s",
            goal="≤ 3 s",
            met=command <= 3.0,
            note=f"{command / MODULES * 1e6:.0f} µs per module; startup and the report of {len(result.diagnostics):,} warnings included",
        ),
    ]

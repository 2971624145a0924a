"""Running pdflatex on kc's LaTeX output in tests, and reading its log."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PDFLATEX = shutil.which("pdflatex")
PDFTOTEXT = shutil.which("pdftotext")
_SKIP_WITHOUT_PDFLATEX = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (.ci/run installs it)")


def requires_pdflatex(test: Callable[..., Any]) -> Callable[..., Any]:
    """A test that runs pdflatex: slow, and skipped where TeX is not installed."""
    return pytest.mark.slow(_SKIP_WITHOUT_PDFLATEX(test))

OVERFULL_LIMIT = 1.0
"""Points an overfull box may stick out before a test fails: well under what a reader can see."""

_OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)", re.M)
_ERROR = re.compile(r"^! .*$", re.M)
_RERUN = re.compile(r"Rerun|widths have changed|undefined references|There were undefined|Missing character", re.I)


@dataclass
class Run:
    returncode: int
    log: str
    pdf: Path

    @property
    def errors(self) -> list[str]:
        return _ERROR.findall(self.log)

    @property
    def overfull(self) -> list[float]:
        """How far each overfull box sticks out, in points."""
        return [float(width) for width in _OVERFULL.findall(self.log)]

    @property
    def second_pass(self) -> list[str]:
        """Warnings that the document needs another run, or lost characters: none may appear."""
        return [line for line in self.log.splitlines() if _RERUN.search(line)]

    def check(self) -> None:
        """The document compiled in one run, without errors, lost characters or boxes in the margin."""
        assert self.returncode == 0 and not self.errors, f"pdflatex failed: {self.errors}\n{self.log[-3000:]}"
        assert self.pdf.exists()
        too_wide = [width for width in self.overfull if width > OVERFULL_LIMIT]
        assert not too_wide, f"overfull boxes (pt): {too_wide}\n" + "\n".join(self._context("Overfull"))
        assert not self.second_pass, self.second_pass

    def text(self) -> str:
        """The PDF's text, as pdftotext reads it."""
        assert PDFTOTEXT is not None
        return subprocess.run(
            [PDFTOTEXT, "-enc", "UTF-8", str(self.pdf), "-"], capture_output=True, text=True, check=True
        ).stdout

    def _context(self, needle: str) -> list[str]:
        lines = self.log.splitlines()
        return ["\n".join(lines[i : i + 3]) for i, line in enumerate(lines) if line.startswith(needle)]


def pdflatex(source: str, directory: Path, name: str = "document") -> Run:
    """Typeset `source` once, as CI does: no shell escape, stop at the first error."""
    assert PDFLATEX is not None
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(
        [PDFLATEX, "-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode", f"{name}.tex"],
        cwd=directory,
        capture_output=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    log = (directory / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    return Run(result.returncode, log, directory / f"{name}.pdf")

"""Every error kc raises derives from `KcError`, which carries a stable code (docs/diagnostics.md).

An error about module files carries every `Diagnostic` of the run and the
`sources` to place them, so whoever catches it can render each problem with
its line and caret without reading a file again. Other errors carry one
message phrased for the user. Misuse of the Python API raises the ordinary
`ValueError` and `TypeError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostics, Sources


class KcError(Exception):
    """kc cannot do what was asked; `code` names the kind, `diagnostics` (if any) list every problem of the input."""

    code = "KC000"

    def __init__(self, problem: str | Diagnostics, *, code: str | None = None, sources: Sources | None = None) -> None:
        if code is not None:
            self.code = code
        self.sources = sources
        if isinstance(problem, str):
            self.diagnostics: Diagnostics | None = None
            super().__init__(problem)
            return
        self.diagnostics = problem
        errors = problem.errors
        first = errors[0].message if errors else "compilation failed"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(first + more)

    @property
    def message(self) -> str:
        return str(self)


class OptionError(KcError):
    """A command-line value that does not parse: a usage error (exit status 2); `option` names it."""

    code = "KC700"

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


class EvalError(KcError):
    """A well-formed `kc eval` request kc cannot satisfy: a missing parameter, a value out of range."""

    code = "KC701"


class HardwareError(KcError):
    """A hardware file that cannot be read, or a device name that names no device."""

    code = "KC702"


class PlotError(KcError):
    """A plot cannot be drawn: matplotlib is missing, or the file or the data do not fit."""

    code = "KC703"


class VerifyError(KcError):
    """`kc verify` cannot compare: a missing dependency, an unsupported module or setting."""

    code = "KC704"


def install_hint(extra: str, packages: str, root: Path | None = None) -> str:
    """How to install kc's optional `extra` where this kc runs: from its checkout, or beside an installed kc.

    `root` is the directory above the `compiler` package (found when None);
    a checkout has kc's pyproject.toml there, an installed kc does not.
    """
    root = Path(__file__).resolve().parent.parent if root is None else root
    if (root / "pyproject.toml").is_file() and (root / "grammar").is_dir():
        return f"in the checkout {root}: pip install -e '.[{extra}]' (or pip install {packages})"
    return f"pip install {packages} (kc's optional `{extra}` extra)"

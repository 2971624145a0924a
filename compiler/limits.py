"""Resource limits: every input kc reads is bounded before work is spent on it.

The active limits live in a context variable so that deep helpers (the parser's
literal conversion, the simplifier) see the same settings as the command that
started the run; `Limits.current()` reads them and `limits.applied()` sets them.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    formula_length: int = 20_000
    """Characters in one formula."""
    nesting_depth: int = 200
    """Levels of nesting in one formula (parentheses, operators, calls)."""
    literal_digits: int = 200
    """Digits in one number literal."""
    literal_exponent: int = 200
    """Absolute decimal exponent of one number literal (`1e200`)."""
    number_bits: int = 4096
    """Bits of an exact integer computed from literals (`2 ** 4096`); larger is refused."""
    file_bytes: int = 4 * 1024 * 1024
    """Size of one module file."""
    library_modules: int = 100_000
    """Modules on the search path that `kc check` and `kc list` will read."""
    reference_depth: int = 100
    """Levels of modules referencing modules below the root."""
    tree_nodes: int = 1_000_000
    """Nodes in the expanded tree; totals are still computed beyond it."""
    expression_terms: int = 20_000
    """Terms of one expanded formula before the simplifier stops expanding it."""

    @staticmethod
    def current() -> Limits:
        return _current.get()

    @contextlib.contextmanager
    def applied(self) -> Iterator[Limits]:
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    @staticmethod
    def set_default(limits: Limits) -> None:
        """Make `limits` the limits of everything that follows (a command line run)."""
        _current.set(limits)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]


_current: contextvars.ContextVar[Limits] = contextvars.ContextVar("kc_limits", default=Limits())  # noqa: B039 - Limits is frozen

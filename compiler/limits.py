"""Resource limits: every input kc reads is bounded before work is spent on it; and the cycle collector paused while kc works.

The active limits live in a context variable so that deep helpers (the parser's
literal conversion, the simplifier) see the same settings as the command that
started the run; `Limits.current()` reads them and `limits.applied()` sets them.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import sys
from collections.abc import Iterator
from typing import Final

from compiler.record import Record

DEEPEST = 5000
"""The most levels of nesting or of references a run may allow (tested to fit the interpreter's stack)."""
FITS = 200
"""Levels of nesting or of references that fit Python's default recursion limit (1,000 frames)."""
FRAMES_PER_LEVEL = 12
"""Python frames a level may take, at most, through parsing, inlining and printing."""


class Limits(Record):
    """Every resource limit of a run; each keyword changes one (`kc --limit NAME=N`)."""

    __slots__ = _fields = (
        "formula_length",
        "nesting_depth",
        "literal_digits",
        "literal_exponent",
        "number_bits",
        "file_bytes",
        "library_modules",
        "reference_depth",
        "tree_nodes",
        "expression_terms",
    )

    def __init__(
        self,
        formula_length: int = 20_000,
        nesting_depth: int = 200,
        literal_digits: int = 200,
        literal_exponent: int = 200,
        number_bits: int = 4096,
        file_bytes: int = 4 * 1024 * 1024,
        library_modules: int = 100_000,
        reference_depth: int = 100,
        tree_nodes: int = 1_000_000,
        expression_terms: int = 20_000,
    ) -> None:
        self.formula_length: Final = formula_length
        """Characters in one formula."""
        self.nesting_depth: Final = nesting_depth
        """Levels of nesting in one formula (parentheses, calls, and each operator of a chain: a + b + c is 2)."""
        self.literal_digits: Final = literal_digits
        """Digits in one number literal."""
        self.literal_exponent: Final = literal_exponent
        """Absolute decimal exponent of one number literal (`1e200`)."""
        self.number_bits: Final = number_bits
        """Bits of an exact integer computed from literals (`2 ** 4096`); larger is refused."""
        self.file_bytes: Final = file_bytes
        """Size of one module file."""
        self.library_modules: Final = library_modules
        """Modules on the search path that `kc check` and `kc list` will read."""
        self.reference_depth: Final = reference_depth
        """Levels of modules referencing modules below the root."""
        self.tree_nodes: Final = tree_nodes
        """Nodes in the expanded tree; totals are still computed beyond it."""
        self.expression_terms: Final = expression_terms
        """Terms of one expanded formula before the simplifier stops expanding it."""
        for name in ("nesting_depth", "reference_depth"):
            if getattr(self, name) > DEEPEST:
                raise ValueError(f"{name} can be at most {DEEPEST:,}")

    @staticmethod
    def current() -> Limits:
        return _current.get()

    def _make_room(self) -> None:
        """Enough Python stack for the deepest formula and reference chain allowed beyond the defaults."""
        deepest = max(self.nesting_depth, self.reference_depth)
        if deepest > FITS and sys.getrecursionlimit() < FRAMES_PER_LEVEL * deepest + 1000:
            sys.setrecursionlimit(FRAMES_PER_LEVEL * deepest + 1000)

    @contextlib.contextmanager
    def applied(self) -> Iterator[Limits]:
        self._make_room()
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    @staticmethod
    def set_default(limits: Limits) -> None:
        """Make `limits` the limits of everything that follows (a command line run)."""
        limits._make_room()
        _current.set(limits)

    @classmethod
    def names(cls) -> list[str]:
        return list(cls._fields)


_current: contextvars.ContextVar[Limits] = contextvars.ContextVar("kc_limits", default=Limits())  # noqa: B039 - Limits is frozen


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a compilation, a check or an emission runs.

    The IR and the algebra's values are frozen, acyclic and kept to the end:
    each of the collector's passes over them finds nothing, and they grow
    with the input (about a fifth of the time of checking 10,000 modules or
    of compiling 1,000 kernels, timed with and without it). What it would
    collect waits until the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

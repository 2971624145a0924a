"""The compiler pipeline: the passes in order, each handing its result to the next.

The static passes (resolve to tag) all run before an error stops the
compilation, so one run reports every problem of every module it reads. The
algebraic passes (inline to simplify) stop after the first that reports an
error, so later passes only see sound input. They compute with kc's own core
first; when a formula leaves what the core models (`Unsupported`), they run
again with the sympy bridge, from the diagnostics as they stood before them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from compiler.algebra import Algebra, Unsupported, sympy_algebra
from compiler.algebra.fast import CORE
from compiler.diagnostics import Diagnostics
from compiler.errors import KcError
from compiler.input.library import Library
from compiler.language import ir
from compiler.limits import Limits, collector_paused
from compiler.passes.assemble import assemble
from compiler.passes.bind import Bindings, bind
from compiler.passes.footprint import footprint
from compiler.passes.inline import inline
from compiler.passes.lint import lint
from compiler.passes.resolve import Graph, resolve
from compiler.passes.simplify import simplify
from compiler.passes.tags import tag
from compiler.passes.totals import totals
from compiler.tree import Tree

T = TypeVar("T")

STATIC: tuple[Callable[..., Any], ...] = (resolve, bind, lint, tag)
"""The passes that check every module the root reaches (`kc check` runs their checks over a whole library)."""
ALGEBRAIC: tuple[Callable[..., Any], ...] = (inline, footprint, totals, assemble, simplify)
"""The passes that compute, with one algebra: the core's, or sympy's where the core declines."""
PIPELINE = (*STATIC, *ALGEBRAIC)
"""Every pass, in the order `compile_tree` runs them."""


class Compiled:
    """A compiled module: its simplified tree, and the warnings and notes found on the way."""

    __slots__ = ("diagnostics", "tree")

    def __init__(self, tree: Tree[ir.Expr], diagnostics: Diagnostics) -> None:
        self.tree: Final = tree
        self.diagnostics: Final = diagnostics


def compile_tree(
    library: Library, root: str, *, lenient: bool = False, limits: Limits | None = None, algebra: Algebra | None = None
) -> Compiled:
    """Run every pass on module `root`; raise `KcError` with all diagnostics on any error.

    `algebra` forces one algebra (the tests compare them); by default the core
    answers and the sympy bridge takes over where the core declines."""
    diagnostics = Diagnostics()
    with (limits or Limits.current()).applied(), collector_paused():
        graph = resolve(library, root, diagnostics)
        bindings = bind(graph, diagnostics, lenient=lenient)
        lint(graph, bindings, diagnostics)
        graph = tag(graph, diagnostics)
        _stop(diagnostics, library)
        mark = diagnostics.mark()
        try:
            tree = _compute(graph, bindings, diagnostics, library, algebra or CORE)
        except Unsupported:
            if algebra is not None:
                raise
            diagnostics.rollback(mark)
            tree = _compute(graph, bindings, diagnostics, library, sympy_algebra())
    return Compiled(tree, diagnostics)


def _compute(graph: Graph, bindings: Bindings, diagnostics: Diagnostics, library: Library, algebra: Algebra) -> Tree[ir.Expr]:
    """The algebraic passes, stopping after the first that reports an error."""

    def checked(result: T) -> T:
        _stop(diagnostics, library)
        return result

    forms = checked(inline(graph, bindings, diagnostics, algebra))
    footprints = checked(footprint(forms))
    sums = checked(totals(forms, footprints))
    tree = checked(assemble(forms, footprints, sums))
    return checked(simplify(tree, diagnostics, algebra))


def _stop(diagnostics: Diagnostics, library: Library) -> None:
    """Raise `KcError` with every diagnostic found so far when one of them is an error."""
    if diagnostics.errors:
        raise KcError(diagnostics, sources=library.source)

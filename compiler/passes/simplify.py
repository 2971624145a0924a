"""Simplify: every formula expanded to its canonical form and written back as ordered IR.

The work is bounded: sums and products are expanded (refusing expansions
past the term limit) and like terms combined, but sympy's general
`simplify()` is never called. Equal formulas are simplified once.
"""

from __future__ import annotations

from fractions import Fraction

from compiler.algebra import Algebra, Order, SymbolicError, Value
from compiler.algebra.fast import CORE
from compiler.diagnostics import Diagnostics
from compiler.language import ir
from compiler.tree import Node, Totals, Tree, map_formulas

Expr = Value


class Simplifier:
    def __init__(self, order: Order, diagnostics: Diagnostics, algebra: Algebra = CORE) -> None:
        self._lower = algebra.lowering(order)
        self._canonical = algebra.canonical
        self._done: dict[Expr, ir.Expr] = {}
        self.diagnostics = diagnostics

    def __call__(self, expr: Expr) -> ir.Expr:
        done = self._done.get(expr)
        if done is None:
            try:
                done = self._lower(self._canonical(expr))
            except SymbolicError as error:
                self.diagnostics.error(error.code, error.message)
                done = ir.Number(Fraction(0))
            self._done[expr] = done
        return done


def simplify(tree: Tree[Expr], diagnostics: Diagnostics, algebra: Algebra = CORE) -> Tree[ir.Expr]:
    names = [p.name for p in tree.parameters]
    simplifier = Simplifier(Order.of(names), diagnostics, algebra)
    footprint = None if tree.totals.footprint is None else tree.totals.footprint.map(simplifier)
    totals = Totals(simplifier(tree.totals.flops), simplifier(tree.totals.read), simplifier(tree.totals.write), footprint)
    kernels: tuple[Node[ir.Expr], ...] | None = None
    if tree.kernels is not None:
        cache: dict[int, object] = {}
        kernels = tuple(map_formulas(node, simplifier, cache) for node in tree.kernels)
    return Tree(tree.class_name, tree.parameters, totals, kernels, tree.source, tree.size)

"""The core as an `Algebra`: what the pipeline computes with first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from compiler.algebra import Unsupported, core
from compiler.algebra.core import Poly
from compiler.algebra.lower import Lowering
from compiler.algebra.order import Order
from compiler.language import ir
from compiler.limits import Limits


class Core:
    """kc's own algebra; raises `Unsupported` where the sympy bridge must answer."""

    zero = Poly.number(0)
    one = Poly.number(1)

    def symbol(self, name: str) -> Poly:
        return Poly.atom(name)

    def value(self, expr: ir.Expr, reference: Callable[[ir.Reference], Poly] | None = None) -> Poly:
        return core.value(expr, reference)

    def substitute(self, expr: Poly, mapping: Mapping[str, Poly]) -> Poly:
        return core.substitute(expr, mapping)

    def canonical(self, expr: Poly) -> Poly:
        return expr.canonical()

    def equal(self, a: Poly, b: Poly) -> bool:
        same = a.terms == b.terms
        if (a.flat and b.flat and same) or a.estimate + b.estimate <= Limits.current().expression_terms:
            return same or ((a.conditional() or b.conditional()) and not (a - b).canonical().terms)
        raise Unsupported("past the term limit")

    def free_names(self, expr: Poly) -> set[str]:
        return set(expr.names())

    def add(self, values: Iterable[Poly]) -> Poly:
        return core.add(values)

    def maximum(self, values: Iterable[Poly]) -> Poly:
        given = [core.fold(v) for v in values]
        given = [v for v in given if v.terms]
        return core.extreme("max", given, signs=False) if given else self.zero

    def lowering(self, order: Order) -> Callable[[Poly], ir.Expr]:
        return Lowering(order)

    def text(self, expr: Poly) -> str:
        raise Unsupported("a formula written in a diagnostic")


CORE = Core()

"""Exact algebra for kc: what the passes compute formulas with.

Two implementations share one interface, `Algebra`:

- `compiler.algebra.core`, kc's own: canonical sums of products with rational
  coefficients, where `floor`, `min`, `max`, powers of sums and conditionals
  are atoms with canonical arguments. It covers what real analyses are made of and answers in
  microseconds per term. When a formula leaves what it models exactly it
  raises `Unsupported` instead of guessing.
- `compiler.symbolic`, the bridge to sympy: every formula of the language,
  imported only when the core has declined one.

The pipeline runs the core first and, on `Unsupported`, runs the algebraic
passes again with sympy, so output never depends on which one answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from compiler.algebra.order import Order
from compiler.errors import KcError
from compiler.language import ir

Value = Any
"""A formula's value in some algebra: a core polynomial or a sympy expression."""


class SymbolicError(KcError):
    """An expression kc cannot compute with; `code` is the diagnostic code."""

    def __init__(self, code: str, message: str, span: ir.Span | None = None) -> None:
        super().__init__(message, code=code)
        self.span = span


class Unsupported(Exception):  # noqa: N818 - a signal to the pipeline, never an error a user sees
    """The core does not model this formula exactly; the sympy bridge must compute it."""


class Algebra(Protocol):
    """What the passes need from exact arithmetic; values also support + - * / and == with numbers."""

    zero: Value
    one: Value

    def symbol(self, name: str) -> Value: ...

    def value(self, expr: ir.Expr, reference: Callable[[ir.Reference], Value] | None = None) -> Value: ...

    def substitute(self, expr: Value, mapping: Mapping[Any, Value]) -> Value: ...

    def canonical(self, expr: Value) -> Value: ...

    def equal(self, a: Value, b: Value) -> bool: ...

    def free_names(self, expr: Value) -> set[str]: ...

    def add(self, values: Iterable[Value]) -> Value: ...

    def maximum(self, values: Iterable[Value]) -> Value:
        """The largest of `values` that are not 0, in canonical form; 0 when there is none."""
        ...

    def lowering(self, order: Order) -> Callable[[Value], ir.Expr]: ...

    def text(self, expr: Value) -> str: ...


def sympy_algebra() -> Algebra:
    """The sympy bridge, imported on first use."""
    from compiler.symbolic import SYMPY

    return SYMPY


__all__ = ["Algebra", "Order", "SymbolicError", "Unsupported", "Value", "sympy_algebra"]

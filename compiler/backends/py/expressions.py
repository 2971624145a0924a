"""Printing IR formulas as Python expressions, with exactly the parentheses they need.

A formula is printed twice, once per flavor of evaluation:

- scalar: plain Python numbers. `/` is `_div` (exact for ints and Fractions),
  a conditional is Python's lazy `b if c else o`, `and`/`or`/`not` are
  Python's, and a truth value used as a number is `1 if c else 0`.
- array: numpy arrays that broadcast. `/` is true division, a conditional is
  `_where` (numpy.where, both branches evaluated), the logical operators are
  numpy's, a truth value used as a number is `_where(c, 1, 0)`.

Polynomials print the same in both flavors, so generated code only branches
on the flavor where the texts differ. Names are printed as they are: the
backend has validated every one before printing. Helpers the printed code
calls (`_div`, `_min`, ...) are defined by the module template.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.backends.py.literals import Code
from compiler.language import ir
from compiler.language.precedence import (
    AND,
    ATOM,
    COMPARE,
    COMPARISONS,
    CONDITIONAL,
    LOGICAL,
    NOT,
    OR,
    POWER,
    PRODUCT,
    SUM,
    UNARY,
    sign_commutes,
)

_HELPERS = {"min": "_min", "max": "_max", "floor": "_floor", "ceil": "_ceil", "abs": "abs", "sqrt": "_sqrt", "log2": "_log2"}


@dataclass(frozen=True, slots=True)
class Printed:
    """A formula in both flavors; `branches` when the array flavor computes a side Python would skip."""

    scalar: Code
    array: Code
    branches: bool = False
    conditional: bool = False
    """Whether the scalar text is a conditional expression at its top."""

    @property
    def same(self) -> bool:
        return self.scalar == self.array


def python(expr: ir.Expr) -> Printed:
    """`expr` as a Python expression in the scalar and the array flavor."""
    scalar, level = _Printer(array=False)._value(expr)
    array = _Printer(array=True)
    text = array.value(expr, 0)
    return Printed(Code(scalar), Code(text), array.branches, level == CONDITIONAL)


def choose(printed: Printed) -> Code:
    """One expression picking the flavor by the local `_array`, or the common text."""
    if printed.same:
        return printed.scalar
    scalar = f"({printed.scalar})" if printed.conditional else printed.scalar
    return Code(f"{printed.array} if _array else {scalar}")


class _Printer:
    """Prints one flavor; `value` for numbers, `test` where only truth matters."""

    def __init__(self, array: bool) -> None:
        self.array = array
        self.branches = False

    def value(self, node: ir.Expr, context: int) -> str:
        text, level = self._value(node)
        return f"({text})" if level < context else text

    def test(self, node: ir.Expr, context: int) -> str:
        text, level = self._test(node)
        return f"({text})" if level < context else text

    def _value(self, node: ir.Expr) -> tuple[str, int]:
        match node:
            case ir.Number(value=value):
                return self._number(value.numerator, value.denominator)
            case ir.Name(id=name):
                return name, ATOM
            case ir.Unary(op="not") | ir.Binary(op="and" | "or" | "==" | "!=" | "<" | "<=" | ">" | ">="):
                if self.array:
                    return f"_where({self.test(node, 0)}, 1, 0)", ATOM
                return f"1 if {self.test(node, OR)} else 0", CONDITIONAL
            case ir.Unary(op="-", operand=operand):
                # -(a * b) reads as -a * b: the sign commutes with a product, not with // or %.
                # The text is then a product: it needs parentheses wherever a product does.
                loose = sign_commutes(operand, ("*", "/") if self.array else ("*",))
                return "-" + self.value(operand, PRODUCT if loose else UNARY), PRODUCT if loose else UNARY
            case ir.Binary(op="/", left=left, right=right):
                if self.array:
                    return f"{self.value(left, PRODUCT)} / {self.value(right, UNARY)}", PRODUCT
                return f"_div({self.value(left, 0)}, {self.value(right, 0)})", ATOM
            case ir.Binary(op="**", left=left, right=right):
                natural = isinstance(right, ir.Number) and right.value.denominator == 1 and right.value >= 0
                if natural:
                    return f"{self.value(left, ATOM)} ** {self.value(right, UNARY)}", POWER
                helper = "_array_pow" if self.array else "_pow"
                return f"{helper}({self.value(left, 0)}, {self.value(right, 0)})", ATOM
            case ir.Binary(op="+" | "-" as op, left=left, right=right):
                return f"{self.value(left, SUM)} {op} {self.value(right, SUM + 1)}", SUM
            case ir.Binary(op="*" | "//" | "%" as op, left=left, right=right):
                return f"{self.value(left, PRODUCT)} {op} {self.value(right, PRODUCT + 1)}", PRODUCT
            case ir.Call(function=function, arguments=arguments) if function in _HELPERS:
                return f"{_HELPERS[function]}({', '.join(self.value(a, 0) for a in arguments)})", ATOM
            case ir.Conditional(test=test, body=body, orelse=orelse):
                if self.array:
                    self.branches = True
                    return f"_where({self.test(test, 0)}, {self.value(body, 0)}, {self.value(orelse, 0)})", ATOM
                return f"{self.value(body, OR)} if {self.test(test, OR)} else {self.value(orelse, CONDITIONAL)}", CONDITIONAL
        raise TypeError(f"cannot print {type(node).__name__} as Python: {node!r}")

    def _test(self, node: ir.Expr) -> tuple[str, int]:
        match node:
            case ir.Binary(op=op, left=left, right=right) if op in COMPARISONS:
                return f"{self.value(left, SUM)} {op} {self.value(right, SUM)}", COMPARE
            case ir.Binary(op=op, left=left, right=right) if op in LOGICAL:
                if self.array:
                    self.branches = True  # both sides are computed, where Python would stop after one
                    return f"_{op}({self.test(left, 0)}, {self.test(right, 0)})", ATOM
                level = AND if op == "and" else OR
                return f"{self.test(left, level)} {op} {self.test(right, level + 1)}", level
            case ir.Unary(op="not", operand=operand):
                if self.array:
                    return f"_not({self.test(operand, 0)})", ATOM
                return f"not {self.test(operand, NOT)}", NOT
        # A number is true when it is not zero: Python's truth and numpy's.
        return self._value(node)

    def _number(self, numerator: int, denominator: int) -> tuple[str, int]:
        if denominator == 1:
            return str(numerator), ATOM if numerator >= 0 else UNARY
        if self.array:
            return f"{numerator} / {denominator}", PRODUCT
        return f"_div({numerator}, {denominator})", ATOM

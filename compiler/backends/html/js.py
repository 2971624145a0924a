"""Printing IR formulas as JavaScript expressions, with exactly the parentheses they need.

A formula is printed in up to two flavors, as the Python backend prints two:

- exact: every operation is a call of the page's runtime `R` (`R.add`,
  `R.div`, ...), which computes on BigInt integers, exact rationals and
  floats with the semantics of the Python backend's scalar code: `/` is
  exact, `//` and `%` are Python's, `sqrt` and `log2` are exact where the
  value is, and mixing in a float gives a float, as Python does.
- integral: native BigInt operators (`a * b + c`), printed with the shared
  precedence ladder. Only formulas that stay integers for integer
  arguments have this flavor: no `/`, no `sqrt` or `log2`, powers only
  with non-negative integer exponents. The page uses it when every
  argument is an integer, where it gives the very values of the exact flavor.

Parameters are read by position (`v[3]`), never by name, so no text of an
analysis becomes an identifier of the page's script.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.language import ir
from compiler.language.precedence import (
    AND,
    ATOM,
    COMPARE,
    COMPARISONS,
    CONDITIONAL,
    LOGICAL,
    OR,
    POWER,
    PRODUCT,
    SUM,
    UNARY,
    sign_commutes,
)

_CALLS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "//": "fdiv", "%": "mod", "**": "pow"}
_COMPARE = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_JS_COMPARE = {"==": "===", "!=": "!==", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_INTEGRAL_CALLS = {"min": "R.imin", "max": "R.imax", "abs": "R.iabs", "floor": "", "ceil": ""}


@dataclass(frozen=True, slots=True)
class Printed:
    """A formula as JavaScript: the exact flavor, and the integral one where the formula has it."""

    exact: str
    integral: str | None


def javascript(expr: ir.Expr, slots: dict[str, int]) -> Printed:
    """`expr` in both flavors; `slots` gives each parameter's position in the values array."""
    exact = _Exact(slots).value(expr)
    integral = _Integral(slots).value(expr, 0) if is_integral(expr) else None
    return Printed(exact, integral)


def is_integral(expr: ir.Expr) -> bool:
    """Whether `expr` maps integers to integers with only BigInt operators (see the module docstring)."""
    for node in ir.walk(expr):
        match node:
            case ir.Number(value=value) if value.denominator != 1:
                return False
            case ir.Binary(op="/"):
                return False
            case ir.Binary(op="**", right=right):
                if not (isinstance(right, ir.Number) and right.value.denominator == 1 and right.value >= 0):
                    return False
            case ir.Call(function=function) if function not in _INTEGRAL_CALLS:
                return False
            case ir.Reference() | ir.Keyword():
                return False
    return True


class _Exact:
    """Calls of the runtime: every piece is an atom, so no parentheses are ever needed."""

    def __init__(self, slots: dict[str, int]) -> None:
        self.slots = slots

    def value(self, node: ir.Expr) -> str:
        match node:
            case ir.Number(value=value):
                if value.denominator == 1:
                    return f"{value.numerator}n"
                return f"R.q({value.numerator}n,{value.denominator}n)"
            case ir.Name(id=name):
                return f"v[{self.slots[name]}]"
            case ir.Unary(op="not") | ir.Binary(op="and" | "or" | "==" | "!=" | "<" | "<=" | ">" | ">="):
                return f"({self.test(node)}?1n:0n)"
            case ir.Unary(op="-", operand=operand):
                return f"R.neg({self.value(operand)})"
            case ir.Binary(op="**", left=left, right=ir.Number(value=value)) if value.denominator == 1 and value >= 0:
                return f"R.npow({self.value(left)},{value.numerator}n)"  # Python's own `**`, as the Python backend prints it
            case ir.Binary(op=op, left=left, right=right) if op in _CALLS:
                return f"R.{_CALLS[op]}({self.value(left)},{self.value(right)})"
            case ir.Call(function=function, arguments=arguments) if function in ir.FUNCTIONS:
                return f"R.{function}({','.join(self.value(a) for a in arguments)})"
            case ir.Conditional(test=test, body=body, orelse=orelse):
                return f"({self.test(test)}?{self.value(body)}:{self.value(orelse)})"
        raise TypeError(f"cannot print {type(node).__name__} as JavaScript: {node!r}")

    def test(self, node: ir.Expr) -> str:
        """A JavaScript boolean, always parenthesized or a call: safe in any context."""
        match node:
            case ir.Binary(op=op, left=left, right=right) if op in COMPARISONS:
                return f"R.{_COMPARE[op]}({self.value(left)},{self.value(right)})"
            case ir.Binary(op=op, left=left, right=right) if op in LOGICAL:
                return f"({self.test(left)}{'&&' if op == 'and' else '||'}{self.test(right)})"
            case ir.Unary(op="not", operand=operand):
                return f"!{self.test(operand)}"
        return f"R.t({self.value(node)})"  # a number is true when it is not zero


class _Integral:
    """Native BigInt operators with the precedence ladder of every printer."""

    def __init__(self, slots: dict[str, int]) -> None:
        self.slots = slots

    def value(self, node: ir.Expr, context: int) -> str:
        text, level = self._value(node)
        return f"({text})" if level < context else text

    def test(self, node: ir.Expr, context: int) -> str:
        text, level = self._test(node)
        return f"({text})" if level < context else text

    def _value(self, node: ir.Expr) -> tuple[str, int]:
        match node:
            case ir.Number(value=value):
                return f"{value.numerator}n", ATOM if value.numerator >= 0 else UNARY
            case ir.Name(id=name):
                return f"v[{self.slots[name]}]", ATOM
            case ir.Unary(op="not") | ir.Binary(op="and" | "or" | "==" | "!=" | "<" | "<=" | ">" | ">="):
                return f"{self.test(node, OR)} ? 1n : 0n", CONDITIONAL
            case ir.Unary(op="-", operand=operand):
                # -(a * b) reads as -a * b: the sign commutes with a product of integers, not with // or %.
                # JavaScript refuses a unary operand on the left of **, so a power is parenthesized.
                loose = sign_commutes(operand, ("*",)) and _plain_start(operand)
                text = self.value(operand, PRODUCT if loose else POWER + 1)
                return ("- " if text.startswith("-") else "-") + text, PRODUCT if loose else UNARY
            case ir.Binary(op="**", left=left, right=right):
                return f"{self.value(left, ATOM)} ** {self.value(right, ATOM)}", POWER
            case ir.Binary(op="+" | "-" as op, left=left, right=right):
                return f"{self.value(left, SUM)} {op} {self.value(right, SUM + 1)}", SUM
            case ir.Binary(op="*", left=left, right=right):
                return f"{self.value(left, PRODUCT)} * {self.value(right, PRODUCT + 1)}", PRODUCT
            case ir.Binary(op="//" | "%" as op, left=left, right=right):
                helper = "R.ifdiv" if op == "//" else "R.imod"
                return f"{helper}({self.value(left, 0)},{self.value(right, 0)})", ATOM
            case ir.Call(function="floor" | "ceil", arguments=(argument,)):
                return self._value(argument)  # an integer is its own floor and ceiling
            case ir.Call(function=function, arguments=arguments) if function in _INTEGRAL_CALLS:
                return f"{_INTEGRAL_CALLS[function]}({','.join(self.value(a, 0) for a in arguments)})", ATOM
            case ir.Conditional(test=test, body=body, orelse=orelse):
                return f"{self.test(test, OR)} ? {self.value(body, OR)} : {self.value(orelse, CONDITIONAL)}", CONDITIONAL
        raise TypeError(f"cannot print {type(node).__name__} as integral JavaScript: {node!r}")

    def _test(self, node: ir.Expr) -> tuple[str, int]:
        match node:
            case ir.Binary(op=op, left=left, right=right) if op in COMPARISONS:
                return f"{self.value(left, SUM)} {_JS_COMPARE[op]} {self.value(right, SUM)}", COMPARE
            case ir.Binary(op=op, left=left, right=right) if op in LOGICAL:
                level = AND if op == "and" else OR
                return f"{self.test(left, level)} {'&&' if op == 'and' else '||'} {self.test(right, level + 1)}", level
            case ir.Unary(op="not", operand=operand):
                # `!` binds tighter than any operator, where Python's `not` binds looser than a comparison.
                return f"!{self.test(operand, ATOM)}", ATOM
        return f"{self.value(node, SUM)} !== 0n", COMPARE  # a number is true when it is not zero


def _plain_start(product: ir.Expr) -> bool:
    """Whether the leftmost factor of `product` prints without a sign and is not a power: `-` may precede it."""
    node = product
    while isinstance(node, ir.Binary) and node.op == "*":
        node = node.left
    match node:
        case ir.Number(value=value):
            return value >= 0
        case ir.Unary() | ir.Binary(op="**"):
            return False
    return True

"""An independent evaluator of formula IR for the tests of `--emit py`: Fractions, lazily.

It follows SEMANTICS §2 directly (exact `/`, Python's `//` and `%`, truth as
non-zero, conditionals and `and`/`or` evaluated lazily) and shares no code
with the generated modules or their printer, so agreeing with it means
something.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from compiler.language import ir

Value = Fraction | float


class Evaluator:
    """Evaluates IR; `largest` is the largest magnitude any evaluated node had."""

    def __init__(self, env: Mapping[str, int | Fraction]) -> None:
        self.env = env
        self.largest: Value = Fraction(0)

    def __call__(self, expr: ir.Expr) -> Value:
        value = self._evaluate(expr)
        self.largest = max(self.largest, abs(value))
        return value

    def truth(self, expr: ir.Expr) -> bool:
        return self(expr) != 0

    def _evaluate(self, expr: ir.Expr) -> Value:
        match expr:
            case ir.Number(value=value):
                return value
            case ir.Name(id=name):
                return Fraction(self.env[name])
            case ir.Unary(op="-", operand=operand):
                return -self(operand)
            case ir.Unary(op="not", operand=operand):
                return Fraction(int(not self.truth(operand)))
            case ir.Binary(op="and", left=left, right=right):
                return Fraction(int(self.truth(left) and self.truth(right)))
            case ir.Binary(op="or", left=left, right=right):
                return Fraction(int(self.truth(left) or self.truth(right)))
            case ir.Binary(op=op, left=left, right=right):
                return _binary(op, self(left), self(right))
            case ir.Call(function=function, arguments=arguments):
                return _call(function, [self(a) for a in arguments])
            case ir.Conditional(test=test, body=body, orelse=orelse):
                return self(body) if self.truth(test) else self(orelse)
        raise TypeError(f"cannot evaluate {expr!r}")


def _binary(op: str, a: Value, b: Value) -> Value:
    match op:
        case "+":
            return a + b
        case "-":
            return a - b
        case "*":
            return a * b
        case "/":
            return a / b
        case "//":
            return Fraction(math.floor(a / b)) if isinstance(a / b, Fraction) else float(math.floor(a / b))
        case "%":
            return a - b * _binary("//", a, b)
        case "**":
            if isinstance(b, Fraction) and b.denominator == 1 and isinstance(a, Fraction):
                # As the generated code does: a fraction's power of thousands of digits is a float.
                if a.denominator != 1 and abs(b) * max(a.numerator.bit_length(), a.denominator.bit_length()) > 4096:
                    return float(a) ** int(b)
                return a ** int(b)
            return float(a) ** float(b)
        case "==" | "!=" | "<" | "<=" | ">" | ">=":
            result = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
            return Fraction(int(result))
    raise ValueError(op)


def _call(function: str, values: list[Value]) -> Value:
    match function:
        case "min":
            return min(values)
        case "max":
            return max(values)
        case "abs":
            return abs(values[0])
        case "floor" | "ceil":
            rounded = math.floor(values[0]) if function == "floor" else math.ceil(values[0])
            return Fraction(rounded) if isinstance(values[0], Fraction) else float(rounded)
        case "sqrt":
            x = values[0]
            if isinstance(x, Fraction) and x >= 0:
                top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
                if top * top == x.numerator and bottom * bottom == x.denominator:
                    return Fraction(top, bottom)
            return math.sqrt(x)
        case "log2":
            x = values[0]
            if isinstance(x, Fraction) and x > 0:
                top, bottom = x.numerator, x.denominator
                if top & (top - 1) == 0 and bottom & (bottom - 1) == 0:
                    return Fraction(top.bit_length() - bottom.bit_length())
            return math.log2(x)
    raise ValueError(function)


def evaluate(expr: ir.Expr, env: Mapping[str, int | Fraction]) -> Value:
    return Evaluator(env)(expr)


def same(generated: object, expected: Value) -> bool:
    """Exactly equal (an int where the value is integral) for exact values, close for floats."""
    if isinstance(expected, Fraction):
        if expected.denominator == 1:
            return type(generated) is int and generated == expected
        return type(generated) is Fraction and generated == expected
    return isinstance(generated, float | int | Fraction) and math.isclose(float(generated), expected, rel_tol=1e-12)

"""Evaluate: the exact value of IR formulas at a point.

Arithmetic is exact (`Fraction` and `int`) with Python's semantics for `//`
and `%`; a truth value used as a number is 1 or 0, as in the compiler.
`sqrt`, `log2` and fractional powers are exact where the result is rational
and a float otherwise. Nothing here touches sympy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction

from compiler.language import ir

Value = Fraction | float
"""An exact rational, or a float where an irrational result forced one."""


def evaluate(expr: ir.Expr, values: Mapping[str, int | Fraction | float]) -> Value:
    """The value of `expr` with every name taken from `values`; ValueError for an unknown name or a reference."""
    match expr:
        case ir.Number(value=number):
            return number
        case ir.Name(id=name):
            if name not in values:
                raise ValueError(f"no value for {name!r}")
            given = values[name]
            return given if isinstance(given, float) else Fraction(given)
        case ir.Unary(op="-", operand=operand):
            return -evaluate(operand, values)
        case ir.Unary(op="not", operand=operand):
            return _number(not evaluate(operand, values))
        case ir.Binary(op="and", left=left, right=right):
            return _number(bool(evaluate(left, values)) and bool(evaluate(right, values)))
        case ir.Binary(op="or", left=left, right=right):
            return _number(bool(evaluate(left, values)) or bool(evaluate(right, values)))
        case ir.Binary(op=op, left=left, right=right):
            return _binary(op, evaluate(left, values), evaluate(right, values))
        case ir.Conditional(test=test, body=body, orelse=orelse):
            return evaluate(body, values) if evaluate(test, values) else evaluate(orelse, values)
        case ir.Call(function=function, arguments=arguments):
            return _call(function, [evaluate(a, values) for a in arguments])
        case ir.Reference(module=module):
            raise ValueError(f"cannot evaluate a reference to {module}: compile the module first")
    raise TypeError(f"not a formula node: {expr!r}")


def _number(truth: bool) -> Fraction:
    return Fraction(1 if truth else 0)


def _binary(op: str, a: Value, b: Value) -> Value:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op in ("/", "//", "%") and b == 0:
        raise ValueError(f"division by zero in {op!r}")
    if op == "/":
        return a / b
    if op == "//":
        quotient = a // b
        return Fraction(quotient) if isinstance(quotient, int) else quotient
    if op == "%":
        return a % b
    if op == "**":
        return _power(a, b)
    comparisons = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
    if op in comparisons:
        return _number(comparisons[op])
    raise TypeError(f"unknown operator {op!r}")


EXACT_POWER_BITS = 4096
"""A fraction's power whose exact value would need more bits is computed in floating point."""


def _power(base: Value, exponent: Value) -> Value:
    if isinstance(exponent, Fraction) and exponent.denominator == 1 and isinstance(base, Fraction):
        if base == 0 and exponent < 0:
            raise ValueError("zero to a negative power")
        size = max(base.numerator.bit_length(), base.denominator.bit_length())
        if base.denominator != 1 and abs(exponent) * size > EXACT_POWER_BITS:
            return float(base) ** int(exponent)
        return base ** int(exponent)
    if isinstance(exponent, Fraction) and isinstance(base, Fraction) and base >= 0:
        root = _exact_root(base, exponent.denominator)
        if root is not None:
            return root**exponent.numerator
    result: float = float(base) ** float(exponent)
    return result


def _exact_root(value: Fraction, degree: int) -> Fraction | None:
    """The rational `degree`-th root of a non-negative `value`, or None if it is irrational."""
    roots = []
    for part in (value.numerator, value.denominator):
        try:
            root = math.isqrt(part) if degree == 2 else round(part ** (1 / degree))
        except OverflowError:
            return None
        for candidate in (root - 1, root, root + 1):
            if candidate >= 0 and candidate**degree == part:
                roots.append(candidate)
                break
        else:
            return None
    return Fraction(roots[0], roots[1])


def _call(function: str, arguments: list[Value]) -> Value:
    if function == "min":
        return min(arguments)
    if function == "max":
        return max(arguments)
    (x,) = arguments
    if function == "floor":
        return Fraction(math.floor(x))
    if function == "ceil":
        return Fraction(math.ceil(x))
    if function == "abs":
        return -x if x < 0 else x
    if function == "sqrt":
        if x < 0:
            raise ValueError("sqrt of a negative number")
        return _power(x, Fraction(1, 2))
    if function == "log2":
        if x <= 0:
            raise ValueError("log2 of a number that is not positive")
        if isinstance(x, Fraction) and _is_power_of_two(x):
            return Fraction(x.numerator.bit_length() - x.denominator.bit_length())
        return math.log2(x)
    raise TypeError(f"unknown function {function!r}")


def _is_power_of_two(x: Fraction) -> bool:
    p, q = x.numerator, x.denominator
    return p & (p - 1) == 0 and q & (q - 1) == 0


def with_defaults(parameters: Iterable[ir.Parameter], values: Mapping[str, int | Fraction | float]) -> dict[str, Value]:
    """`values` completed with the defaults of `parameters`, evaluated in declaration order.

    ValueError names every parameter left without a value or default.
    """
    result: dict[str, Value] = {k: v if isinstance(v, float) else Fraction(v) for k, v in values.items()}
    missing = []
    for parameter in parameters:
        if parameter.name in result:
            continue
        if parameter.default is not None and parameter.default.expr is not None:
            result[parameter.name] = evaluate(parameter.default.expr, result)
        else:
            missing.append(parameter.name)
    if missing:
        raise ValueError(f"no value for {', '.join(map(repr, missing))}")
    return result

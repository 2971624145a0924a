"""A plain recursive evaluator of compiled formulas, written for the tests and independent of sympy."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from compiler import ir
from compiler.frontend import parse


def evaluate(expr: ir.Expr, values: Mapping[str, Fraction]) -> Fraction:
    match expr:
        case ir.Number(value=value):
            return value
        case ir.Name(id=name):
            return values[name]
        case ir.Unary(op="-", operand=operand):
            return -evaluate(operand, values)
        case ir.Unary(op="not", operand=operand):
            return Fraction(evaluate(operand, values) == 0)
        case ir.Binary(op=op, left=left, right=right):
            a = evaluate(left, values)
            if op == "and":
                return Fraction(a != 0 and evaluate(right, values) != 0)
            if op == "or":
                return Fraction(a != 0 or evaluate(right, values) != 0)
            b = evaluate(right, values)
            operations = {
                "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
                "//": lambda: Fraction(math.floor(a / b)), "%": lambda: a - b * math.floor(a / b),
                "**": lambda: a ** int(b),
                "==": lambda: Fraction(a == b), "!=": lambda: Fraction(a != b), "<": lambda: Fraction(a < b),
                "<=": lambda: Fraction(a <= b), ">": lambda: Fraction(a > b), ">=": lambda: Fraction(a >= b),
            }
            return operations[op]()
        case ir.Call(function=function, arguments=arguments):
            args = [evaluate(a, values) for a in arguments]
            functions = {"min": min, "max": max, "abs": abs,
                         "floor": lambda v: Fraction(math.floor(v)), "ceil": lambda v: Fraction(math.ceil(v))}
            return Fraction(functions[function](*args) if function in ("min", "max") else functions[function](args[0]))
        case ir.Conditional(test=test, body=body, orelse=orelse):
            return evaluate(body, values) if evaluate(test, values) != 0 else evaluate(orelse, values)
    raise TypeError(f"cannot evaluate {expr!r}")


def evaluate_text(text: str, values: Mapping[str, Fraction]) -> Fraction:
    return evaluate(parse(text), values)


def tree_sums(kernels: list[dict[str, object]], values: Mapping[str, Fraction]) -> tuple[Fraction, Fraction, Fraction]:
    """Flops, read and write summed over the leaves of a compiled JSON tree, times every enclosing repeat."""
    totals = [Fraction(0)] * 3

    def visit(nodes: list[dict[str, object]], multiplier: Fraction) -> None:
        for node in nodes:
            if node["kernel_type"] == "composite":
                repeat = evaluate_text(str(node["repeat"]), values) if "repeat" in node else Fraction(1)
                visit(node["sub_kernels"], multiplier * repeat)  # type: ignore[arg-type]
            else:
                memory = node["memory_access"]
                texts = (node["flops"], memory["read"], memory["write"])  # type: ignore[index]
                for index, text in enumerate(texts):
                    totals[index] += multiplier * evaluate_text(str(text), values)

    visit(kernels, Fraction(1))
    return totals[0], totals[1], totals[2]

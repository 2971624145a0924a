"""Evaluating compiled JSON trees at a point, for the tests, with the independent evaluator of tests/pyeval.py."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from compiler.language.parse import parse
from tests.pyeval import Value, evaluate


def evaluate_text(text: str, values: Mapping[str, Fraction]) -> Value:
    return evaluate(parse(text), values)


def tree_sums(kernels: list[dict[str, Any]], values: Mapping[str, Fraction]) -> tuple[Value, Value, Value]:
    """Flops, read and write summed over the leaves of a compiled JSON tree, times every enclosing repeat."""
    totals: list[Value] = [Fraction(0)] * 3

    def visit(nodes: list[dict[str, Any]], multiplier: Value) -> None:
        for node in nodes:
            if node["kernel_type"] == "composite":
                repeat = evaluate_text(str(node["repeat"]), values) if "repeat" in node else Fraction(1)
                visit(node["sub_kernels"], multiplier * repeat)
            else:
                memory = node["memory_access"]
                for index, text in enumerate((node["flops"], memory["read"], memory["write"])):
                    totals[index] += multiplier * evaluate_text(str(text), values)

    visit(kernels, Fraction(1))
    return totals[0], totals[1], totals[2]

"""Evaluating compiled JSON trees at a point, for the tests, with the independent evaluator of tests/pyeval.py."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from compiler.language import ir
from compiler.language.evaluate import evaluate as evaluate_ir
from compiler.language.evaluate import with_defaults
from compiler.language.parse import parse
from compiler.tree import Tree, leaves
from tests.helpers.pyeval import Value, evaluate

IRValue = Fraction | float


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


def sums_by_compute(
    tree: Tree[ir.Expr], values: Mapping[str, int | Fraction | float]
) -> dict[str | None, dict[str, IRValue]]:
    """flops, read and write of the tree's leaves at `values`, summed per `compute` tag (None: untagged).

    Each leaf counts times every enclosing repeat; defaults of the tree's
    parameters fill in names missing from `values`.
    """
    if tree.kernels is None:
        raise ValueError(f"the tree of {tree.class_name} was too large to build; only its totals are known")
    at = with_defaults(tree.parameters, values)
    sums: dict[str | None, dict[str, IRValue]] = {}
    for _, repeats, leaf in leaves(tree.kernels):
        tag = dict(leaf.extras).get("compute")
        key = tag if isinstance(tag, str) else None
        factor: IRValue = Fraction(1)
        for repeat in repeats:
            factor *= evaluate_ir(repeat, at)
        entry = sums.setdefault(key, dict.fromkeys(ir.FIELDS, Fraction(0)))
        for name, formula in zip(ir.FIELDS, leaf.formulas(), strict=True):
            entry[name] += factor * evaluate_ir(formula, at)
    return sums

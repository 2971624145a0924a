"""The resolved backend: LM-Predictor's resolved cost tree (SEMANTICS §8), from a tree of either dialect.

The root carries `kernel_name` and the totals; every node of the expanded
tree becomes a child under its operation: `kernel` (the module it expands,
else its operation), `count` (its repeat, 1 without one), its cost for one
run (`flops`, `memory_read`, `memory_write`, the sum of its children's costs
times their counts) and its own `children`. A kernel that is one leaf of
its own name, as a cost-dialect leaf is, has no children. The shape is held
to `compiler/schemas/resolved.schema.json` (`kc schema resolved`).
"""

from __future__ import annotations

import json
from typing import Any

from compiler.algebra import Order, Value, sympy_algebra
from compiler.backends.json import document as check_size
from compiler.diagnostics import Diagnostics
from compiler.errors import KcError
from compiler.language import ir
from compiler.language.printer import to_text
from compiler.passes.simplify import Simplifier
from compiler.tree import Composite, Leaf, Node, Tree

Expr = Value


class _Resolver:
    def __init__(self, tree: Tree[ir.Expr]) -> None:
        self.diagnostics = Diagnostics()
        self.algebra = sympy_algebra()
        self.simplify = Simplifier(Order.of([p.name for p in tree.parameters]), self.diagnostics, self.algebra)
        self._costs: dict[int, tuple[Expr, Expr, Expr]] = {}
        self._keep: list[Node[ir.Expr]] = []  # holds the nodes whose ids key _costs

    def cost(self, node: Node[ir.Expr]) -> tuple[Expr, Expr, Expr]:
        """FLOPs, bytes read and written of one run of `node`, exact."""
        key = id(node)
        if key not in self._costs:
            if isinstance(node, Leaf):
                flops, read, write = (self.algebra.value(f) for f in node.formulas())
            else:
                parts = [(self.count(child), self.cost(child)) for child in node.children]
                flops, read, write = (self.algebra.add(n * c[index] for n, c in parts) for index in range(3))
            self._keep.append(node)
            self._costs[key] = (flops, read, write)
        return self._costs[key]

    def count(self, node: Node[ir.Expr]) -> Expr:
        return self.algebra.value(node.repeat) if isinstance(node, Composite) and node.repeat is not None else self.algebra.one

    def formulas(self, values: tuple[Expr, Expr, Expr]) -> dict[str, str]:
        flops, read, write = (to_text(self.simplify(v)) for v in values)
        return {"flops": flops, "memory_read": read, "memory_write": write}

    def children(self, nodes: tuple[Node[ir.Expr], ...], owner: str) -> dict[str, Any] | None:
        if len(nodes) == 1 and isinstance(nodes[0], Leaf) and nodes[0].operation == owner:
            return None
        children: dict[str, Any] = {}
        for node in nodes:
            label, number = node.operation, 1
            while label in children:
                number += 1
                label = f"{node.operation} ({number})"
            kernel = node.module if isinstance(node, Composite) and node.module is not None else node.operation
            child: dict[str, Any] = {"kernel": kernel, "count": self._count_value(node)}
            child.update(self.formulas(self.cost(node)))
            inner = self.children(node.children, kernel) if isinstance(node, Composite) else None
            if inner:
                child["children"] = inner
            children[label] = child
        return children

    def _count_value(self, node: Node[ir.Expr]) -> int | str:
        if isinstance(node, Composite) and node.repeat is not None:
            repeat = node.repeat
            if isinstance(repeat, ir.Number) and repeat.value.denominator == 1 and repeat.value >= 1:
                return int(repeat.value)
            return to_text(repeat)
        return 1


def document(tree: Tree[ir.Expr]) -> dict[str, Any]:
    """The resolved cost tree as JSON-ready data."""
    check_size(tree)  # the same limit on the expanded tree as --emit json
    assert tree.kernels is not None
    resolver = _Resolver(tree)
    totals = tree.totals
    out: dict[str, Any] = {
        "kernel_name": tree.class_name,
        "flops": to_text(totals.flops),
        "memory_read": to_text(totals.read),
        "memory_write": to_text(totals.write),
    }
    children = resolver.children(tree.kernels, tree.class_name)
    if children:
        out["children"] = children
    if resolver.diagnostics.errors:
        raise KcError(resolver.diagnostics)
    return out


def emit(tree: Tree[ir.Expr]) -> str:
    return json.dumps(document(tree), indent=2, ensure_ascii=False) + "\n"

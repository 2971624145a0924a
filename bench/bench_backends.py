"""Backend speed: writing the largest built-in module in each output format, in process."""

from __future__ import annotations

from common import Result, best_of

from compiler import ir
from compiler.backends import emit
from compiler.library import BUILTIN, Library
from compiler.pipeline import compile_tree
from compiler.tree import Leaf, Node, Tree


def _nodes(node: Node[ir.Expr]) -> int:
    return 1 if isinstance(node, Leaf) else 1 + sum(_nodes(child) for child in node.children)


def _tree(name: str) -> Tree[ir.Expr]:
    tree = compile_tree(Library.from_path([], environment=False), name).tree
    assert tree is not None
    return tree


def largest_builtin() -> tuple[str, Tree[ir.Expr]]:
    """The built-in module with the most nodes in its expanded tree, compiled."""
    trees = {path.stem: _tree(path.stem) for path in sorted(BUILTIN.glob("*.json"))}
    name = max(trees, key=lambda n: (sum(_nodes(node) for node in trees[n].kernels or ()), n))
    return name, trees[name]


def run() -> list[Result]:
    name, tree = largest_builtin()
    short = name.rsplit(".", 1)[-1]
    size = sum(_nodes(node) for node in tree.kernels or ())
    emit(tree, "tex")  # warm: templates are loaded once per process
    seconds = best_of(lambda: emit(tree, "tex"), 5)
    total = best_of(lambda: emit(_tree(name), "tex"), 3)
    return [
        Result(
            f"compile {short} to LaTeX in process (`--emit tex`)",
            total,
            "s",
            note=f"largest built-in module, {size} nodes",
            goal="≤ 0.5 s",
            met=total <= 0.5,
        ),
        Result(f"LaTeX backend alone on the compiled tree of {short}", seconds, "s"),
    ]

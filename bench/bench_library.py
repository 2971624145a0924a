"""Compile speed of the built-in library: the largest built-in model, in process, to every output format."""

from __future__ import annotations

from common import Result, best_of

from compiler.backends import FORMATS, emit
from compiler.hf import families
from compiler.input.library import Library
from compiler.pipeline import compile_tree

GOAL = 0.5
"""Seconds, per output format."""
JSON_GOAL = 0.010
"""Seconds, for JSON: what kc's own algebra core should make of the largest model."""


def largest_model() -> str:
    """The family root whose expanded tree has the most nodes."""
    sizes = {}
    for family in families().values():
        compilation = compile_tree(Library.from_path(environment=False), family.root)
        sizes[family.root] = compilation.tree_size
    return max(sorted(sizes), key=lambda root: sizes[root])


def compile_once(root: str, format: str) -> str:
    compilation = compile_tree(Library.from_path(environment=False), root)
    assert compilation.tree is not None
    return emit(compilation.tree, format)


def run() -> list[Result]:
    root = largest_model()
    short = root.rsplit(".", 1)[-1]
    results = []
    for format in FORMATS:
        compile_once(root, format)  # warm: grammar, schema and templates are built once per process
        seconds = best_of(lambda format=format: compile_once(root, format), 5)
        goal = JSON_GOAL if format == "json" else GOAL
        results.append(
            Result(
                f"compile {short} to {format} in process",
                seconds,
                "s",
                goal=f"≤ {goal * 1000:.0f} ms" if format == "json" else f"≤ {goal} s",
                met=seconds <= goal,
                note="largest built-in model",
            )
        )
    return results

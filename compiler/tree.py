"""The expanded tree of SEMANTICS §5: leaves with formulas, composites with children.

Formulas are sympy expressions while the tree is built and IR once it is
simplified; the node types are the same for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from compiler.language import ir

F = TypeVar("F")
G = TypeVar("G")


@dataclass(frozen=True, slots=True)
class Footprint(Generic[F]):
    """Bytes in memory (SEMANTICS §9): weights owned, cache kept, transient activations."""

    weights: F
    cache: F
    activations: F

    def formulas(self) -> tuple[F, F, F]:
        return (self.weights, self.cache, self.activations)

    def map(self, function: Callable[[F], G]) -> Footprint[G]:
        return Footprint(function(self.weights), function(self.cache), function(self.activations))


@dataclass(frozen=True, slots=True)
class Leaf(Generic[F]):
    operation: str
    analysis: str | None
    flops: F
    read: F
    write: F
    extras: tuple[tuple[str, Any], ...] = ()
    footprint: Footprint[F] | None = None
    """None when the kernel carries no footprint."""

    def formulas(self) -> tuple[F, F, F]:
        return (self.flops, self.read, self.write)


@dataclass(frozen=True, slots=True)
class Composite(Generic[F]):
    operation: str
    analysis: str | None
    children: tuple[Node[F], ...]
    repeat: F | None = None
    module: str | None = None
    extras: tuple[tuple[str, Any], ...] = ()


Node = Leaf[F] | Composite[F]


@dataclass(frozen=True, slots=True)
class Totals(Generic[F]):
    flops: F
    read: F
    write: F
    footprint: Footprint[F] | None = None
    """None when no leaf carries a footprint."""


@dataclass(frozen=True)
class Tree(Generic[F]):
    """A compiled module: its interface, closed-form totals and expanded kernels."""

    class_name: str
    parameters: tuple[ir.Parameter, ...]
    """Free names of the result in order, precision names last; with declared defaults and descriptions."""
    totals: Totals[F]
    kernels: tuple[Node[F], ...] | None
    """None when the tree was too large to build (totals are still exact)."""
    source: str = ""
    """The file the root module came from."""
    size: int = 0
    """An upper bound on the tree's nodes, known even when `kernels` is None."""


def map_formulas(node: Node[F], function: Callable[[F], G], cache: dict[int, Any] | None = None) -> Node[G]:
    """`node` with `function` applied to every formula; shared subtrees are converted once."""
    cache = {} if cache is None else cache
    key = id(node)
    if key in cache:
        return cache[key][1]  # type: ignore[no-any-return]
    result: Node[G]
    if isinstance(node, Leaf):
        footprint = None if node.footprint is None else node.footprint.map(function)
        result = Leaf(node.operation, node.analysis, function(node.flops), function(node.read), function(node.write), node.extras, footprint)
    else:
        children = tuple(map_formulas(child, function, cache) for child in node.children)
        repeat = None if node.repeat is None else function(node.repeat)
        result = Composite(node.operation, node.analysis, children, repeat, node.module, node.extras)
    cache[key] = (node, result)  # holding `node` keeps its id from being reused
    return result


def leaves(nodes: tuple[Node[F], ...], path: tuple[str, ...] = (), repeats: tuple[F, ...] = ()) -> Iterator[tuple[tuple[str, ...], tuple[F, ...], Leaf[F]]]:
    """Every leaf with its path of operations and the repeats that enclose it."""
    for node in nodes:
        here = (*path, node.operation)
        if isinstance(node, Leaf):
            yield here, repeats, node
        else:
            inner = repeats if node.repeat is None else (*repeats, node.repeat)
            yield from leaves(node.children, here, inner)

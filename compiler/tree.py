"""The expanded tree of SEMANTICS §5: leaves with formulas, composites with children.

Formulas are sympy expressions while the tree is built and IR once it is
simplified; the node types are the same for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final, Generic, TypeVar

from compiler.language import ir
from compiler.record import Record

F = TypeVar("F")
G = TypeVar("G")


class Footprint(Record, Generic[F]):
    """Bytes in memory (SEMANTICS §9): weights owned, cache kept, transient activations."""

    __slots__ = ("activations", "cache", "weights")
    _fields = ("weights", "cache", "activations")

    def __init__(self, weights: F, cache: F, activations: F) -> None:
        self.weights: Final = weights
        self.cache: Final = cache
        self.activations: Final = activations

    def formulas(self) -> tuple[F, F, F]:
        return (self.weights, self.cache, self.activations)

    def map(self, function: Callable[[F], G]) -> Footprint[G]:
        return Footprint(function(self.weights), function(self.cache), function(self.activations))


class Leaf(Record, Generic[F]):
    __slots__ = ("analysis", "extras", "flops", "footprint", "operation", "read", "write")
    _fields = ("operation", "analysis", "flops", "read", "write", "extras", "footprint")

    def __init__(
        self,
        operation: str,
        analysis: str | None,
        flops: F,
        read: F,
        write: F,
        extras: tuple[tuple[str, Any], ...] = (),
        footprint: Footprint[F] | None = None,
    ) -> None:
        self.operation: Final = operation
        self.analysis: Final = analysis
        self.flops: Final = flops
        self.read: Final = read
        self.write: Final = write
        self.extras: Final = extras
        self.footprint: Final = footprint
        """None when the kernel carries no footprint."""

    def formulas(self) -> tuple[F, F, F]:
        return (self.flops, self.read, self.write)


class Composite(Record, Generic[F]):
    __slots__ = ("analysis", "children", "extras", "module", "operation", "repeat")
    _fields = ("operation", "analysis", "children", "repeat", "module", "extras")

    def __init__(
        self,
        operation: str,
        analysis: str | None,
        children: tuple[Node[F], ...],
        repeat: F | None = None,
        module: str | None = None,
        extras: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        self.operation: Final = operation
        self.analysis: Final = analysis
        self.children: Final = children
        self.repeat: Final = repeat
        self.module: Final = module
        self.extras: Final = extras


Node = Leaf[F] | Composite[F]


class Totals(Record, Generic[F]):
    __slots__ = ("flops", "footprint", "read", "write")
    _fields = ("flops", "read", "write", "footprint")

    def __init__(self, flops: F, read: F, write: F, footprint: Footprint[F] | None = None) -> None:
        self.flops: Final = flops
        self.read: Final = read
        self.write: Final = write
        self.footprint: Final = footprint
        """None when no leaf carries a footprint."""


class Tree(Record, Generic[F]):
    """A compiled module: its interface, closed-form totals and expanded kernels."""

    __slots__ = ("class_name", "kernels", "parameters", "size", "source", "totals")
    _fields = ("class_name", "parameters", "totals", "kernels", "source", "size")

    def __init__(
        self,
        class_name: str,
        parameters: tuple[ir.Parameter, ...],
        totals: Totals[F],
        kernels: tuple[Node[F], ...] | None,
        source: str = "",
        size: int = 0,
    ) -> None:
        self.class_name: Final = class_name
        self.parameters: Final = parameters
        """Free names of the result in order, precision names last; with declared defaults and descriptions."""
        self.totals: Final = totals
        self.kernels: Final = kernels
        """None when the tree was too large to build (totals are still exact)."""
        self.source: Final = source
        """The file the root module came from."""
        self.size: Final = size
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

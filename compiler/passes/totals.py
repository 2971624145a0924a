"""Totals: the root's closed forms, and the interface of the result.

The totals come from the closed forms of SEMANTICS §4, not from summing the
tree, so they exist even when the tree is too large to build. The interface
lists the result's free names: the root's signature in order, then names only
deeper modules contribute, then the precision names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from compiler.algebra import Algebra
from compiler.algebra.fast import CORE
from compiler.language import ir
from compiler.passes.bind import Signature
from compiler.passes.inline import ClosedForms, Expr
from compiler.tree import Composite, Node, Totals

if TYPE_CHECKING:
    from compiler.passes.footprint import Footprints

_COUNTS = ("repeat", "flops", "read", "write")
"""The last keys of the paths of a kernel's counts in the analysis dialect."""


def totals(forms: ClosedForms, footprints: Footprints | None) -> Totals[Expr]:
    """FLOPs, bytes read and written of the graph's root, and its footprint where one is carried."""
    root = forms.graph.root
    return Totals(*forms.closed(root), None if footprints is None else footprints.closed(root))


def interface(
    module: ir.Module, signature: Signature, totals: Totals[Expr], kernels: Iterable[Node[Expr]] | None, algebra: Algebra = CORE
) -> tuple[ir.Parameter, ...]:
    """The parameters of the compiled module `module`, in the order SEMANTICS §5 and §6 give, each with its place in the file."""
    free_names = algebra.free_names
    names: set[str] = set()
    for formula in (totals.flops, totals.read, totals.write, *(totals.footprint.formulas() if totals.footprint else ())):
        names |= free_names(formula)
    for formula in _formulas(kernels or ()):
        names |= free_names(formula)
    for name, base in ir.PRECISION_DEFAULTS.items():
        if name in names:
            names.add(base)
    declared = {p.name for p in signature.parameters}
    rest = names - declared - set(ir.PRINTED_LAST)
    later = [n for n in ir.RUNTIME_NAMES if n in rest] + sorted(n for n in rest if not ir.is_config(n) and n not in ir.RUNTIME_NAMES)
    config = sorted(n for n in rest if ir.is_config(n))
    precision = [n for n in ir.PRINTED_LAST if n in names]
    parameters = (*signature.parameters, *map(ir.Parameter, later), *map(ir.Parameter, config), *map(_precision, precision))
    places = _places(module)
    return tuple(p if p.place is not None or p.name not in places else p.replace(place=places[p.name]) for p in parameters)


def _places(module: ir.Module) -> dict[str, ir.Place]:
    """Where `module`'s file declares each name, else first writes it in a kernel's repeat, flops, read or write."""
    places = {p.name: p.place for p in module.parameters or () if p.place is not None}
    for formula in module.formulas():
        if formula.path[:1] == ("kernels",) and formula.path[-1] in _COUNTS:
            for name in formula.names:
                if name.id not in places:
                    places[name.id] = ir.Place(formula.path, formula.text, name.span)
    return places


def _precision(name: str) -> ir.Parameter:
    """A precision name of the result; one with a built-in default (kv_bytes) defaults to another (a_bytes)."""
    base = ir.PRECISION_DEFAULTS.get(name)
    if base is None:
        return ir.Parameter(name)
    return ir.Parameter(name, ir.Formula.of(base, ir.Name(base), ()))


def _formulas(nodes: Iterable[Node[Expr]]) -> Iterable[Expr]:
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Composite):
            stack.extend(node.children)
            if node.repeat is not None:
                yield node.repeat
        else:
            yield from node.formulas()
            if node.footprint is not None:
                yield from node.footprint.formulas()

"""The compiler pipeline: a visible tuple of passes over one compilation.

Each step runs one pass and keeps its result on the `Compilation`; the run
stops after the first step that reports an error, so later passes only see
sound input, and every problem found so far is reported together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compiler.diagnostics import Diagnostics
from compiler.errors import KcError
from compiler.input.library import Library
from compiler.language import ir
from compiler.limits import Limits
from compiler.passes.assemble import Assembler
from compiler.passes.bind import Binding, Signature, bind_graph
from compiler.passes.footprint import Footprints
from compiler.passes.inline import Inliner
from compiler.passes.lint import lint
from compiler.passes.resolve import Graph, resolve
from compiler.passes.simplify import simplify
from compiler.passes.totals import interface, totals
from compiler.symbolic import Expr
from compiler.tree import Node, Totals, Tree


@dataclass
class Compilation:
    library: Library
    root: str
    lenient: bool = False
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    graph: Graph | None = None
    signatures: dict[str, Signature] = field(default_factory=dict)
    bindings: dict[ir.Reference, Binding] = field(default_factory=dict)
    inliner: Inliner | None = None
    footprints: Footprints | None = None
    totals: Totals[Expr] | None = None
    kernels: tuple[Node[Expr], ...] | None = None
    tree_size: int = 0
    tree: Tree[ir.Expr] | None = None


def _resolve(c: Compilation) -> None:
    c.graph = resolve(c.library, c.root, c.diagnostics)
    if c.graph.modules:
        depth = c.graph.depths().get(c.root, 0)
        limit = Limits.current().reference_depth
        if depth > limit:
            c.diagnostics.error("KC909", f"references nest {depth} levels below {c.root}; the limit is {limit}")


def _bind(c: Compilation) -> None:
    assert c.graph is not None
    c.signatures, c.bindings = bind_graph(c.graph, c.diagnostics, lenient=c.lenient)


def _lint(c: Compilation) -> None:
    assert c.graph is not None
    for module in c.graph.modules.values():
        lint(module, c.diagnostics)


def _inline(c: Compilation) -> None:
    assert c.graph is not None
    c.inliner = Inliner(c.graph, c.signatures, c.bindings, c.diagnostics)


def _footprint(c: Compilation) -> None:
    assert c.inliner is not None
    c.footprints = Footprints(c.inliner)


def _assemble(c: Compilation) -> None:
    assert c.inliner is not None
    assembler = Assembler(c.inliner, c.footprints)
    c.tree_size = assembler.size()
    if c.tree_size <= Limits.current().tree_nodes:
        c.kernels = assembler.nodes(c.root, {})


def _totals(c: Compilation) -> None:
    assert c.inliner is not None
    c.totals = totals(c.inliner, c.root, c.footprints)


def _simplify(c: Compilation) -> None:
    assert c.graph is not None and c.totals is not None
    module = c.graph.modules[c.root]
    parameters = interface(c.signatures[c.root], c.totals, c.kernels)
    raw = Tree(c.root, parameters, c.totals, c.kernels, module.file, c.tree_size)
    c.tree = simplify(raw, c.diagnostics)


PIPELINE: tuple[Callable[[Compilation], None], ...] = (_resolve, _bind, _lint, _inline, _footprint, _assemble, _totals, _simplify)


def compile_tree(library: Library, root: str, *, lenient: bool = False, limits: Limits | None = None) -> Compilation:
    """Run every pass on module `root`; raise `KcError` with all diagnostics on any error."""
    compilation = Compilation(library, root, lenient)
    with (limits or Limits.current()).applied():
        for step in PIPELINE:
            step(compilation)
            if compilation.diagnostics.errors:
                raise KcError(compilation.diagnostics, sources=library.source)
    return compilation

"""The compiler pipeline: a visible tuple of passes over one compilation.

Each step runs one pass and keeps its result on the `Compilation`; the run
stops after the first step that reports an error, so later passes only see
sound input, and every problem found so far is reported together.

The algebraic passes (inline to simplify) compute with kc's own core first;
when a formula leaves what the core models (`Unsupported`), they run again
with the sympy bridge, from the diagnostics as they stood before them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compiler.algebra import Algebra, Unsupported, Value, sympy_algebra
from compiler.algebra.fast import CORE
from compiler.diagnostics import Diagnostics
from compiler.errors import KcError
from compiler.input.library import Library
from compiler.language import ir
from compiler.limits import Limits
from compiler.passes import tags
from compiler.passes.assemble import Assembler
from compiler.passes.bind import Binding, Signature, bind_graph
from compiler.passes.footprint import Footprints
from compiler.passes.inline import Inliner
from compiler.passes.lint import callee_names, lint
from compiler.passes.resolve import Graph, resolve
from compiler.passes.simplify import simplify
from compiler.passes.totals import interface, totals
from compiler.tree import Node, Totals, Tree

Expr = Value


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
    algebra: Algebra = CORE


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
    for name, module in c.graph.modules.items():
        lint(module, c.diagnostics, callee_names(c.graph, c.signatures, name))


def _tag(c: Compilation) -> None:
    assert c.graph is not None
    c.graph.modules = {name: tags.infer(module, c.diagnostics) for name, module in c.graph.modules.items()}


def _inline(c: Compilation) -> None:
    assert c.graph is not None
    c.inliner = Inliner(c.graph, c.signatures, c.bindings, c.diagnostics, c.algebra)


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
    parameters = interface(c.signatures[c.root], c.totals, c.kernels, c.algebra)
    raw = Tree(c.root, parameters, c.totals, c.kernels, module.file, c.tree_size)
    c.tree = simplify(raw, c.diagnostics, c.algebra)


STATIC: tuple[Callable[[Compilation], None], ...] = (_resolve, _bind, _lint, _tag)
"""The passes that check every module the root reaches, all run before any error stops the compilation
(as `kc check` runs them), so one run reports every problem of every module it reads."""

PIPELINE: tuple[Callable[[Compilation], None], ...] = (*STATIC, _inline, _footprint, _assemble, _totals, _simplify)


def compile_tree(
    library: Library, root: str, *, lenient: bool = False, limits: Limits | None = None, algebra: Algebra | None = None
) -> Compilation:
    """Run every pass on module `root`; raise `KcError` with all diagnostics on any error.

    `algebra` forces one algebra (the tests compare them); by default the core
    answers and the sympy bridge takes over where the core declines."""
    compilation = Compilation(library, root, lenient, algebra=algebra or CORE)
    first = PIPELINE.index(_inline)
    with (limits or Limits.current()).applied():
        _run(compilation, PIPELINE[:first], stop=False)  # STATIC: every problem of every module read
        mark = compilation.diagnostics.mark()
        try:
            _run(compilation, PIPELINE[first:])
        except Unsupported:
            if algebra is not None:
                raise
            compilation.diagnostics.rollback(mark)
            compilation.algebra = sympy_algebra()
            _run(compilation, PIPELINE[first:])
    return compilation


def _run(compilation: Compilation, steps: tuple[Callable[[Compilation], None], ...], stop: bool = True) -> None:
    """Run `steps`; KcError after the first with errors, or (`stop=False`) after all of them."""
    for step in steps:
        step(compilation)
        if stop and compilation.diagnostics.errors:
            raise KcError(compilation.diagnostics, sources=compilation.library.source)
    if compilation.diagnostics.errors:
        raise KcError(compilation.diagnostics, sources=compilation.library.source)

"""Assemble: the expanded tree of SEMANTICS §5, with the interface and totals of the result.

Each input kernel becomes one node: a leaf when it has no reference; a
composite holding each distinct callee's expanded kernels when every field
is a sum of direct terms and scaled references; a leaf of closed forms (with
a warning) when a reference is used any other way. Subtrees are built once
per module and scope, so a module used 80 times with the same arguments is
expanded once. The tree's size is bounded before it is built: past the
limit on nodes it has no kernels, and its totals still stand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from compiler.algebra import Algebra, SymbolicError
from compiler.diagnostics import Location
from compiler.input.library import short_name
from compiler.language import ir
from compiler.limits import Limits
from compiler.passes.inline import ClosedForms, Expr, Scope, scope_key
from compiler.passes.totals import interface
from compiler.tree import Composite, Leaf, Node, Totals, Tree

if TYPE_CHECKING:
    from compiler.passes.footprint import Footprints

Decomposed = tuple[Expr, list[tuple[ir.Reference, Expr]]]
"""Direct terms, and each reference with its factor."""


def _has_reference(expr: ir.Expr) -> bool:
    return any(True for _ in ir.references(expr))


def decompose(expr: ir.Expr, value: Callable[[ir.Expr], Expr], algebra: Algebra) -> Decomposed | None:
    """`expr` as direct terms plus references times reference-free factors; None if it is not."""
    if not _has_reference(expr):
        return value(expr), []
    match expr:
        case ir.Reference():
            return algebra.zero, [(expr, algebra.one)]
        case ir.Binary(op="+" | "-", left=left, right=right):
            a, b = decompose(left, value, algebra), decompose(right, value, algebra)
            if a is None or b is None:
                return None
            sign = 1 if expr.op == "+" else -1
            return a[0] + sign * b[0], a[1] + [(r, sign * f) for r, f in b[1]]
        case ir.Unary(op="-", operand=operand):
            return _scale(decompose(operand, value, algebra), -algebra.one)
        case ir.Binary(op="*", left=left, right=right) if not _has_reference(left):
            return _scale(decompose(right, value, algebra), value(left))
        case ir.Binary(op="*", left=left, right=right) if not _has_reference(right):
            return _scale(decompose(left, value, algebra), value(right))
        case ir.Binary(op="/", left=left, right=right) if not _has_reference(right):
            return _scale(decompose(left, value, algebra), 1 / value(right))
    return None


def _scale(parts: Decomposed | None, factor: Expr) -> Decomposed | None:
    if parts is None:
        return None
    direct, terms = parts
    return direct * factor, [(r, f * factor) for r, f in terms]


class _Group:
    """One distinct callee expansion referenced by a kernel, with its factor in each field."""

    __slots__ = ("algebra", "factors", "module", "scope")

    def __init__(self, module: str, scope: Scope, algebra: Algebra) -> None:
        self.module, self.scope, self.algebra = module, scope, algebra
        self.factors: dict[str, Expr] = {}

    def factor(self, name: str) -> Expr:
        return self.factors.get(name, self.algebra.zero)

    def uniform(self) -> bool:
        flops = self.factor("flops")
        return all(self.algebra.equal(flops, self.factor(f)) for f in ("read", "write"))


def assemble(forms: ClosedForms, footprints: Footprints | None, totals: Totals[Expr]) -> Tree[Expr]:
    """The root's expanded tree with its interface and `totals`; its kernels None past the limit on nodes."""
    root = forms.graph.root
    assembler = Assembler(forms, footprints)
    size = assembler.size()
    kernels = assembler.nodes(root, {}) if size <= Limits.current().tree_nodes else None
    module = forms.graph.modules[root]
    parameters = interface(module, forms.signatures[root], totals, kernels, forms.algebra)
    return Tree(root, parameters, totals, kernels, module.file, size)


class Assembler:
    def __init__(self, forms: ClosedForms, footprints: Footprints | None = None) -> None:
        self.forms = forms
        self.algebra = forms.algebra
        self.footprints = footprints
        self.graph = forms.graph
        self.diagnostics = forms.diagnostics
        self._nodes: dict[tuple[str, object], tuple[Node[Expr], ...]] = {}
        self._renamed: dict[tuple[str, object], tuple[Node[Expr], ...]] = {}

    def size(self) -> int:
        """An upper bound on the nodes of the root's tree, computed without building it."""
        sizes: dict[str, int] = {}

        def kernel_size(kernel: ir.Kernel) -> int:
            if kernel.fields is None:
                return 1 + sum(map(kernel_size, kernel.sub_kernels))
            calls = {r for f in kernel.fields.values() for r in f.references}  # distinct calls, as written
            wrapper = 1 if kernel.repeat is not None else 0
            return 1 + wrapper + sum(1 + sizes.get(r.module, 0) for r in calls) + (1 if calls else 0)

        for name in self.graph.order:
            sizes[name] = sum(map(kernel_size, self.graph.modules[name].kernels))
        return sizes.get(self.graph.root, 0)

    def nodes(self, name: str, scope: Scope) -> tuple[Node[Expr], ...]:
        """The expanded kernels of module `name` in `scope`, built once."""
        key = (name, scope_key(scope))
        if key not in self._nodes:
            module = self.graph.modules[name]
            self._nodes[key] = tuple(self._node(k, module, scope) for k in module.kernels)
        return self._nodes[key]

    def _node(self, kernel: ir.Kernel, module: ir.Module, scope: Scope) -> Node[Expr]:
        """The kernel's node; a problem of its values (a square root of a negative number, once the arguments are in) is
        reported at the kernel, and the node is left empty: the compilation stops after this pass."""
        try:
            return self._kernel(kernel, module, scope)
        except SymbolicError as error:
            where = Location(module.file, kernel.path)
            self.diagnostics.error(error.code, f"{short_name(module.name)}: {error.message}", where, chain=self.graph.chains.get(module.name, ()))
            zero = self.algebra.zero
            return Leaf(kernel.operation, kernel.analysis, zero, zero, zero)

    def _suffixed(self, group: _Group) -> tuple[Node[Expr], ...]:
        key = (group.module, scope_key(group.scope))
        if key not in self._renamed:
            nodes = self.nodes(group.module, group.scope)
            if self.graph.modules[group.module].dialect == ir.COST:
                # a cost-dialect kernel's operations are its children's labels, or its own kernel_name
                self._renamed[key] = nodes
            else:
                suffix = f" (from {short_name(group.module)})"
                self._renamed[key] = tuple(n.replace(operation=n.operation + suffix) for n in nodes)
        return self._renamed[key]

    def _kernel(self, kernel: ir.Kernel, module: ir.Module, scope: Scope) -> Node[Expr]:
        node = self._unrepeated(kernel, module, scope)
        if kernel.fields is None or kernel.repeat is None:
            return node
        # `repeat` on a kernel with formulas (SEMANTICS §8): the kernel's node, run that many times
        canonical = self.algebra.canonical
        repeat = self.forms.value(kernel.repeat, module, scope)
        if canonical(repeat) == 1:
            return node
        if isinstance(node, Composite) and node.repeat is None:
            return node.replace(repeat=canonical(repeat))
        if isinstance(node, Composite):
            return node.replace(repeat=canonical(repeat * node.repeat))
        return Composite(kernel.operation, kernel.analysis, (node,), canonical(repeat), None, ())

    def _unrepeated(self, kernel: ir.Kernel, module: ir.Module, scope: Scope) -> Node[Expr]:
        value = self.forms.value
        if kernel.fields is None:
            children = tuple(self._kernel(k, module, scope) for k in kernel.sub_kernels)
            repeat = None if kernel.repeat is None else value(kernel.repeat, module, scope)
            return Composite(kernel.operation, kernel.analysis, children, repeat, kernel.module, kernel.extras)
        formulas = [kernel.fields[f] for f in ir.FIELDS]
        own = None if self.footprints is None else self.footprints.own(kernel, module, scope)
        if not any(f.references for f in formulas):
            flops, read, write = (value(f, module, scope) for f in formulas)
            return Leaf(kernel.operation, kernel.analysis, flops, read, write, kernel.extras, own)
        parts = [self._decompose(f, module, scope) for f in formulas]
        linear = [p for p in parts if p is not None]
        if len(linear) == len(parts):
            return self._composite(kernel, module, scope, linear)
        for formula, part in zip(formulas, parts, strict=True):
            if part is None:
                self.diagnostics.warning(
                    "KC401",
                    "a reference is used inside a non-linear expression, so the kernel becomes one leaf of closed forms",
                    Location(module.file, formula.path, formula.text),
                    chain=self.graph.chains.get(module.name, ()),
                    hint="write the field as direct terms plus references times factors to keep the callee's kernels",
                )
        flops, read, write = (value(f, module, scope, index) for index, f in enumerate(formulas))
        if self.footprints is not None:
            # The callees' footprints join this leaf of closed forms, each callee counted once.
            from compiler.passes.footprint import combined

            one = self.algebra.one
            called = self.footprints.called(kernel, module, scope, linear=False)
            own = combined([(one, own or self.footprints.none), (one, called)], self.algebra).map(self.algebra.canonical)
        return Leaf(kernel.operation, kernel.analysis, flops, read, write, kernel.extras, own)

    def _decompose(self, formula: ir.Formula, module: ir.Module, scope: Scope) -> Decomposed | None:
        if formula.expr is None:
            return self.algebra.zero, []
        return decompose(formula.expr, lambda e: self.forms.value(formula.replace(expr=e), module, scope), self.algebra)

    def _composite(self, kernel: ir.Kernel, module: ir.Module, scope: Scope, parts: list[Decomposed]) -> Composite[Expr]:
        canonical = self.algebra.canonical
        groups: dict[tuple[str, object], _Group] = {}
        inners: dict[int, Scope] = {}  # a call written in every field is one parsed reference: its scope is made once
        for name, (_, terms) in zip(ir.FIELDS, parts, strict=True):
            for reference, factor in terms:
                inner = inners.get(id(reference))
                if inner is None:
                    inner = inners[id(reference)] = self.forms.scope(reference, scope)
                group = groups.setdefault((reference.module, scope_key(inner)), _Group(reference.module, inner, self.algebra))
                group.factors[name] = group.factor(name) + factor
        direct = [canonical(d) for d, _ in parts]
        own = None if self.footprints is None else self.footprints.own(kernel, module, scope)
        has_direct = any(d != 0 for d in direct) or own is not None
        operation, analysis, extras = kernel.operation, kernel.analysis, kernel.extras
        only = next(iter(groups.values())) if len(groups) == 1 and not has_direct else None
        if only is not None and only.uniform():
            factor = canonical(only.factor("flops"))
            return Composite(operation, analysis, self._suffixed(only), None if factor == 1 else factor, only.module, extras)
        children: list[Node[Expr]] = []
        for group in groups.values():
            if not group.uniform():
                self._warn_factors(kernel, module, group)
                factors = [canonical(group.factor(f)) for f in ir.FIELDS]
                children.extend(_scaled(n, factors) for n in self._suffixed(group))
            elif (factor := canonical(group.factor("flops"))) == 1:
                children.extend(self._suffixed(group))
            else:
                children.append(Composite(short_name(group.module), None, self._suffixed(group), factor, group.module))
        if has_direct:
            flops, read, write = direct
            children.append(Leaf(operation, analysis, flops, read, write, extras, own))
        return Composite(operation, analysis, tuple(children), None, only.module if only else None, extras)

    def _warn_factors(self, kernel: ir.Kernel, module: ir.Module, group: _Group) -> None:
        algebra = self.algebra
        factors = ", ".join(f"{algebra.text(algebra.canonical(group.factor(f)))} in {f}" for f in ir.FIELDS)
        self.diagnostics.warning(
            "KC402",
            f"{short_name(group.module)} is scaled differently in each field ({factors}), "
            "so the factors are multiplied into its leaves instead of becoming a repeat",
            Location(module.file, kernel.path),
            chain=self.graph.chains.get(module.name, ()),
            hint="use the same factor in flops, read and write if the module runs that many times",
        )


def _scaled(node: Node[Expr], factors: list[Expr]) -> Node[Expr]:
    if isinstance(node, Leaf):
        flops, read, write = (v * f for v, f in zip(node.formulas(), factors, strict=True))
        return node.replace(flops=flops, read=read, write=write)
    return node.replace(children=tuple(_scaled(c, factors) for c in node.children))

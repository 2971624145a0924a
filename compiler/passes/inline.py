"""Inline: what a reference means (SEMANTICS §4), as closed forms.

A callee is evaluated in a scope: a map from its parameters (and the
precision names) to expressions over the root's names. Each module's closed
form is computed once, bottom-up in the graph's expansion order and in the
module's own names; a reference is that closed form with the callee's scope
substituted simultaneously. Values live in an `Algebra` (compiler.algebra).
The result, `ClosedForms`, also values any formula of the graph in a scope:
the passes after it (footprint, assemble) read their numbers from it.
"""

from __future__ import annotations

from compiler.algebra import Algebra, SymbolicError, Value
from compiler.algebra.fast import CORE
from compiler.diagnostics import Diagnostics, Location
from compiler.language import ir
from compiler.passes.bind import Bindings
from compiler.passes.resolve import Graph

Expr = Value
Scope = dict[str, Value]
"""Callee names to expressions over the root's names; a name not in it stays itself (none is bound to itself)."""

_PRECISION = frozenset(ir.PRECISION_NAMES)


def scope_key(scope: Scope) -> tuple[tuple[str, Expr], ...]:
    """A hashable, order-independent form of `scope`, for memoizing per scope."""
    return tuple(sorted(scope.items()))


def inline(graph: Graph, bindings: Bindings, diagnostics: Diagnostics, algebra: Algebra = CORE) -> ClosedForms:
    """The closed forms of every module of `graph`, each computed once."""
    return ClosedForms(graph, bindings, diagnostics, algebra)


class ClosedForms:
    def __init__(self, graph: Graph, bindings: Bindings, diagnostics: Diagnostics, algebra: Algebra = CORE) -> None:
        self.graph, self.signatures, self.bindings = graph, bindings.signatures, bindings.references
        self.diagnostics = diagnostics
        self.algebra = algebra
        self._free = {name: {n.id for f in m.formulas() for n in f.names} | _PRECISION for name, m in graph.modules.items()}
        """Each module's names that a caller's scope passes through: those its formulas use, and the precision names."""
        self._values: dict[tuple[int, int | None], tuple[ir.Expr, Expr]] = {}
        self._bindings = {id(r): b for r, b in self.bindings.items()}  # found without hashing the reference's tree
        self._closed: dict[str, tuple[Expr, Expr, Expr]] = {}
        self._own_scopes: dict[int, Scope] = {}  # by the reference's id: the graph holds every reference
        for name in graph.order:
            self._closed[name] = self._module_closed(graph.modules[name])

    def scope(self, reference: ir.Reference, outer: Scope) -> Scope:
        """The scope of the callee of `reference`, written where names mean `outer` (not to be changed: it may be shared)."""
        if not outer:  # in the caller's own names: each field, the footprint and the tree ask for the same one
            known = self._own_scopes.get(id(reference))
            if known is None:
                known = self._own_scopes[id(reference)] = self._scope(reference, outer)
            return known
        return self._scope(reference, outer)

    def _scope(self, reference: ir.Reference, outer: Scope) -> Scope:
        """The callee's names that the reference changes, each to its value; every other name stays itself."""
        algebra = self.algebra
        binding = self._bindings.get(id(reference)) or self.bindings[reference]
        callee = self.signatures[reference.module]
        # Unbound parameters (lenient), undeclared names and precision names: the
        # caller's name of the same name, as `${M}` without arguments binds them
        # (in the caller's scope; a name the scope leaves out stays itself).
        free = self._free[reference.module]
        inner: Scope = {name: value for name, value in outer.items() if name in free}
        for name, value in binding.precision:
            inner[name] = algebra.substitute(self._value(value), outer)
        arguments = dict(binding.arguments)
        for parameter in callee.parameters:
            if parameter.name in arguments:
                inner[parameter.name] = algebra.substitute(self._value(arguments[parameter.name]), outer)
            elif parameter.default is not None and parameter.default.expr is not None:
                inner[parameter.name] = algebra.substitute(self._value(parameter.default.expr), inner)
        symbol = algebra.symbol
        return {name: value for name, value in inner.items() if value != symbol(name)}  # a name bound to itself stays itself

    def _value(self, expr: ir.Expr, field: int | None = None) -> Expr:
        """The value of `expr` in its module's own names, computed once per expression and field."""
        key = (id(expr), field)
        known = self._values.get(key)
        if known is not None:
            return known[1]

        def reference(r: ir.Reference) -> Expr:
            # In the module's own names: a caller's scope is applied once, to the whole formula.
            assert field is not None
            return self.algebra.substitute(self._closed[r.module][field], self.scope(r, {}))

        result = self.algebra.value(expr, None if field is None else reference)
        self._values[key] = (expr, result)  # holding `expr` keeps its id from being reused
        return result

    def value(self, formula: ir.Formula, module: ir.Module, scope: Scope, field: int | None = None) -> Expr:
        """The value of `formula` in `scope`; references become closed forms of `field` (0, 1, 2)."""
        algebra = self.algebra
        if formula.expr is None:
            return algebra.zero
        try:  # a formula without references has one value whatever the field: computed once
            return algebra.substitute(self._value(formula.expr, field if formula.references else None), scope)
        except SymbolicError as error:
            location = Location(module.file, formula.path, formula.text, error.span)
            self.diagnostics.error(error.code, error.message, location, chain=self.graph.chains.get(module.name, ()))
            return algebra.zero

    def closed(self, name: str) -> tuple[Expr, Expr, Expr]:
        """FLOPs, bytes read and bytes written of module `name`, in its own names."""
        return self._closed[name]

    def _module_closed(self, module: ir.Module) -> tuple[Expr, Expr, Expr]:
        closed = [self.kernel_closed(kernel, module) for kernel in module.kernels]
        try:
            flops, read, write = (self.algebra.canonical(total) for total in self._added(closed))
            return flops, read, write
        except SymbolicError as error:
            self._locate(error, module, closed)
            zero = self.algebra.zero
            return zero, zero, zero

    def _locate(self, error: SymbolicError, module: ir.Module, closed: list[list[Expr]]) -> None:
        """Report a problem found in a module's sums (`0 ** -1`) at the kernel and field that hold it."""
        chain = self.graph.chains.get(module.name, ())
        for kernel, values in zip(module.kernels, closed, strict=True):
            for index, value in enumerate(values):
                try:
                    self.algebra.canonical(value)
                except SymbolicError as found:
                    formula = kernel.fields[ir.FIELDS[index]] if kernel.fields is not None else None
                    where = Location(module.file, kernel.path)
                    if formula is not None:
                        where = Location(module.file, formula.path, formula.text, ir.Span(0, len(formula.text)))
                    self.diagnostics.error(found.code, f"{module.name}: {found.message}", where, chain=chain)
                    return
        self.diagnostics.error(error.code, f"{module.name}: {error.message}", Location(module.file), chain=chain)

    def kernel_closed(self, kernel: ir.Kernel, module: ir.Module) -> list[Expr]:
        """FLOPs, bytes read and written of one kernel of `module` (its repeat included), in the module's names."""
        if kernel.fields is None:
            repeat = self.algebra.one if kernel.repeat is None else self.value(kernel.repeat, module, {})
            return [repeat * s for s in self._sums(kernel.sub_kernels, module)]
        values = [self.value(kernel.fields[f], module, {}, index) for index, f in enumerate(ir.FIELDS)]
        if kernel.repeat is None:
            return values
        repeat = self.value(kernel.repeat, module, {})
        return [repeat * v for v in values]

    def _sums(self, kernels: tuple[ir.Kernel, ...], module: ir.Module) -> list[Expr]:
        return self._added([self.kernel_closed(kernel, module) for kernel in kernels])

    def _added(self, closed: list[list[Expr]]) -> list[Expr]:
        """FLOPs, read and write of several kernels, each summed in one step (adding term by term is quadratic)."""
        return [self.algebra.add(values[index] for values in closed) for index in range(3)]

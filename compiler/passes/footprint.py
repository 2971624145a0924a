"""Footprint: each module's weights, cache and activations in closed form (SEMANTICS §9).

Computed bottom-up like inline's closed forms and in the module's own
names. A leaf contributes its footprint formulas. A kernel that references
modules contributes its own footprint plus each distinct callee's, the callee
counted as often as the assembled tree repeats it: its factor when the
reference is linear and scaled alike in every field, once otherwise (the
module is there once, whatever its work is multiplied by). Weights and cache
add up; activations take the largest, since kernels run one after another
and a repeated layer reuses its working set.
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler.algebra import Algebra, SymbolicError
from compiler.language import ir
from compiler.passes.assemble import decompose
from compiler.passes.inline import ClosedForms, Expr, Scope, scope_key
from compiler.tree import Footprint


def none(algebra: Algebra) -> Footprint[Expr]:
    """No footprint: 0 bytes of each."""
    return Footprint(algebra.zero, algebra.zero, algebra.zero)


def combined(parts: Iterable[tuple[Expr, Footprint[Expr]]], algebra: Algebra) -> Footprint[Expr]:
    """Footprints each counted `factor` times: weights and cache summed, activations the largest."""
    parts = list(parts)
    return Footprint(
        algebra.add([f * p.weights for f, p in parts]),
        algebra.add([f * p.cache for f, p in parts]),
        algebra.maximum(p.activations for _, p in parts),
    )


def footprint(forms: ClosedForms) -> Footprints | None:
    """The footprint of every module of the graph; None when no leaf carries one (nothing about it is output)."""
    graph = forms.graph
    if not any(k.footprint for m in graph.modules.values() for k in ir.leaves(m.kernels)):
        return None
    return Footprints(forms)


class Footprints:
    def __init__(self, forms: ClosedForms) -> None:
        self.forms = forms
        self.algebra = algebra = forms.algebra
        self.none = none(algebra)
        graph = forms.graph
        self._closed: dict[str, Footprint[Expr]] = {}
        for name in graph.order:
            self._closed[name] = self._module(graph.modules[name])

    def closed(self, name: str) -> Footprint[Expr]:
        return self._closed.get(name, self.none)

    def own(self, kernel: ir.Kernel, module: ir.Module, scope: Scope) -> Footprint[Expr] | None:
        """The footprint formulas written on `kernel`, valued in `scope`; None when it has none."""
        if not kernel.footprint:
            return None
        zero = self.algebra.zero
        values = [self.forms.value(kernel.footprint[k], module, scope) if k in kernel.footprint else zero for k in ir.FOOTPRINT]
        return Footprint(*values)

    def called(self, kernel: ir.Kernel, module: ir.Module, scope: Scope, *, linear: bool) -> Footprint[Expr]:
        """Everything `kernel`'s references bring; with `linear`, each callee times its uniform factor."""
        assert kernel.fields is not None
        algebra = self.algebra
        zero, one = algebra.zero, algebra.one
        factors: dict[tuple[str, object], tuple[ir.Reference, Expr | None]] = {}
        parts = [self._decompose(kernel.fields[f], module, scope) for f in ir.FIELDS] if linear else []
        if linear and all(p is not None for p in parts):
            by_field: dict[tuple[str, object], dict[str, Expr]] = {}
            for name, part in zip(ir.FIELDS, parts, strict=True):
                assert part is not None
                for reference, factor in part[1]:
                    key = (reference.module, scope_key(self.forms.scope(reference, scope)))
                    field_factors = by_field.setdefault(key, {})
                    field_factors[name] = field_factors.get(name, zero) + factor
                    factors.setdefault(key, (reference, None))
            for group, field_factors in by_field.items():
                values = [field_factors.get(f, zero) for f in ir.FIELDS]
                uniform = all(algebra.equal(values[0], v) for v in values[1:])
                factors[group] = (factors[group][0], algebra.canonical(values[0]) if uniform else one)
        else:
            for formula in kernel.fields.values():
                for reference in formula.references:
                    distinct = (reference.module, scope_key(self.forms.scope(reference, scope)))
                    factors.setdefault(distinct, (reference, one))
        return combined(((one if factor is None else factor, self.referenced(reference, scope)) for reference, factor in factors.values()), algebra)

    def referenced(self, reference: ir.Reference, scope: Scope) -> Footprint[Expr]:
        inner = self.forms.scope(reference, scope)
        return self.closed(reference.module).map(lambda f: self.algebra.substitute(f, inner))

    def _decompose(self, formula: ir.Formula, module: ir.Module, scope: Scope) -> tuple[Expr, list[tuple[ir.Reference, Expr]]] | None:
        if formula.expr is None:
            return self.algebra.zero, []
        return decompose(formula.expr, lambda e: self.forms.value(formula.replace(expr=e), module, scope), self.algebra)

    def _kernel(self, kernel: ir.Kernel, module: ir.Module) -> Footprint[Expr]:
        algebra, one = self.algebra, self.algebra.one
        if kernel.fields is None:
            repeat = one if kernel.repeat is None else self.forms.value(kernel.repeat, module, {})
            return combined([(repeat, combined(((one, self._kernel(k, module)) for k in kernel.sub_kernels), algebra))], algebra)
        own = self.own(kernel, module, {}) or self.none
        if any(f.references for f in kernel.fields.values()):
            own = combined([(one, own), (one, self.called(kernel, module, {}, linear=True))], algebra)
        if kernel.repeat is None:
            return own
        # `repeat` on a kernel with formulas (SEMANTICS §8) runs it that many times, as the tree's composite does.
        return combined([(self.forms.value(kernel.repeat, module, {}), own)], algebra)

    def _module(self, module: ir.Module) -> Footprint[Expr]:
        algebra = self.algebra
        try:
            total = combined(((algebra.one, self._kernel(k, module)) for k in module.kernels), algebra)
            return total.map(algebra.canonical)
        except SymbolicError as error:
            self.forms.diagnostics.error(error.code, f"{module.name}: footprint: {error.message}")
            return self.none

"""Convert: a library rewritten in the other dialect, with the same totals (`kc convert`).

To the cost dialect, each module becomes one kernel file. A module of one
plain kernel is a leaf; any other is a composite whose children are its
kernels: a reference `c * ${M}(...)` becomes a child of kernel M, bound by
name (positional arguments named after M's signature, M's defaults bound
explicitly) with `count` c; a kernel's direct terms become a leaf file of
their own, `MODULE.kernelN`; a kernel the cost dialect cannot express (a
reference inside max(), a factor that differs between fields, nested
sub_kernels) becomes a leaf of its closed forms. Parameter defaults are kept
under `defaults`, a key the cost dialect's readers ignore.

To the analysis dialect, each cost kernel becomes a module with declared
parameters: its own, then the cost dialect's implicit runtime names and
`bytes` that it uses, directly or through its children, which the analysis
dialect passes as parameters; each child becomes a kernel whose three fields
are one call by keyword, repeated `count` times.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from compiler.algebra import Order, Value, sympy_algebra
from compiler.diagnostics import Diagnostics, Location
from compiler.input.library import Library, short_name
from compiler.language import ir
from compiler.language.printer import to_text
from compiler.passes.assemble import decompose
from compiler.passes.bind import Bindings, Signature, bind
from compiler.passes.inline import inline
from compiler.passes.resolve import Graph, resolve_all
from compiler.passes.simplify import Simplifier

Expr = Value

DIALECTS = (ir.ANALYSIS, ir.COST)
COST_IMPLICIT = (*ir.RUNTIME_NAMES, ir.COST_PRECISION)
"""Names the cost dialect never passes and the analysis dialect does."""


@dataclass
class Converted:
    """The files of the converted library, by name, as JSON text; empty when `diagnostics` has errors."""

    files: dict[str, str] = field(default_factory=dict)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


def convert(library: Library, names: Iterable[str], to: str, *, lenient: bool = False) -> Converted:
    """The modules `names` of `library` (and nothing they reach elsewhere) written in dialect `to`.

    With `lenient`, binding problems are warnings, as in `kc compile --lenient`: extra
    arguments are dropped and an unbound parameter stays unbound in the converted call.
    """
    if to not in DIALECTS:
        raise ValueError(f"unknown dialect {to!r}; choose from {', '.join(DIALECTS)}")
    result = Converted()
    chosen = list(names)
    graph = resolve_all(library, chosen, result.diagnostics)
    bindings = bind(graph, result.diagnostics, lenient=lenient)
    if result.diagnostics.errors:
        return result
    writer = _ToCost(graph, bindings, result.diagnostics) if to == ir.COST else _ToAnalysis(graph, bindings.signatures)
    for name in chosen:
        module = graph.modules.get(name)
        if module is None:
            continue
        if module.dialect == to:  # already in the dialect asked for: the file as it is
            result.files[name] = library.source(module.file) or ""
            continue
        for file, document in writer.module(module).items():
            result.files[file] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if to == ir.COST:
        _warn_footprint([graph.modules[n] for n in chosen if n in graph.modules and graph.modules[n].dialect != to], result.diagnostics)
    if result.diagnostics.errors:
        result.files.clear()
    return result


def _warn_footprint(modules: list[ir.Module], diagnostics: Diagnostics) -> None:
    """The cost dialect has no footprint: one warning for the conversion, at the first module that carries one."""
    carrying = [(m, k) for m in modules for k in ir.leaves(m.kernels) if k.footprint]
    if carrying:
        count = len({m.name for m, _ in carrying})
        module, kernel = carrying[0]
        diagnostics.warning(
            "KC009",
            f"the cost dialect has no footprint: the footprint of {count} module{'s' if count != 1 else ''} is left out",
            Location(module.file, (*kernel.path, "footprint")),
            hint="keep the analysis files for weight_bytes, cache_bytes and kc eval's memory section",
        )


def _unique(label: str, taken: dict[str, Any]) -> str:
    candidate, number = label, 1
    while candidate in taken:
        number += 1
        candidate = f"{label} ({number})"
    return candidate


class _ToCost:
    def __init__(self, graph: Graph, bindings: Bindings, diagnostics: Diagnostics) -> None:
        self.graph, self.signatures, self.bindings = graph, bindings.signatures, bindings.references
        self.algebra = algebra = sympy_algebra()  # the analyses written back keep sympy's forms, as they always had
        self.forms = inline(graph, bindings, diagnostics, algebra)
        self.diagnostics = diagnostics

    def module(self, module: ir.Module) -> dict[str, dict[str, Any]]:
        signature = self.signatures[module.name]
        simplifier = Simplifier(Order.of(signature.names), self.diagnostics, self.algebra)

        def text(value: Expr) -> str:
            return to_text(simplifier(value))

        files: dict[str, dict[str, Any]] = {}
        head = self._head(module.name, signature.names, module)
        only = module.kernels[0] if len(module.kernels) == 1 else None
        if only is not None and only.fields is not None and only.repeat is None and not any(f.references for f in only.fields.values()):
            flops, read, write = (text(self.forms.value(only.fields[f], module, {})) for f in ir.FIELDS)
            files[module.name] = {**head, "flops": flops, "memory_read": read, "memory_write": write}
            return files
        children: dict[str, Any] = {}
        for index, kernel in enumerate(module.kernels):
            repeat = self.algebra.one if kernel.repeat is None else self.forms.value(kernel.repeat, module, {})
            parts = self._parts(kernel, module)
            calls: list[tuple[ir.Reference, Expr]]
            if parts is None:  # what the cost dialect cannot say: the kernel's closed forms, as a leaf of its own
                direct, calls = [self.algebra.canonical(v) for v in self.forms.kernel_closed(kernel, module)], []
                repeat = self.algebra.one
            else:
                direct, calls = parts
            for reference, factor in calls:
                label = _unique(kernel.operation if len(calls) == 1 else f"{kernel.operation} ({short_name(reference.module)})", children)
                children[label] = self._child(reference, self.algebra.canonical(repeat * factor), text)
            if any(d != 0 for d in direct) or not calls:
                name = f"{module.name}.kernel{index}"
                leaf_names = [n for n in signature.names if any(n in self.algebra.free_names(d) for d in direct)]
                leaf_names += sorted({s.name for d in direct for s in d.free_symbols} - set(leaf_names) - set(signature.names))
                parameters = [n for n in leaf_names if not ir.is_global(n, ir.COST)]
                flops, read, write = (text(d) for d in direct)
                files[name] = {**self._head(name, parameters, None), "flops": flops, "memory_read": read, "memory_write": write}
                label = _unique(kernel.operation if not calls else f"{kernel.operation} (direct)", children)
                child: dict[str, Any] = {"kernel": name, "bindings": {n: n for n in parameters}}
                if repeat != 1:
                    child["count"] = self._count(repeat, text)
                children[label] = child
        files[module.name] = {**head, "children": children}
        return files

    def _head(self, name: str, parameters: Iterable[str], module: ir.Module | None) -> dict[str, Any]:
        head: dict[str, Any] = {"kernel_name": name, "init_params": [], "forward_params": [n for n in parameters if not ir.is_global(n, ir.COST)]}
        if module is not None and module.parameters is not None:
            defaults = {p.name: p.default.text for p in module.parameters if p.default is not None}
            if defaults:
                head["defaults"] = defaults
        return head

    def _parts(self, kernel: ir.Kernel, module: ir.Module) -> tuple[list[Expr], list[tuple[ir.Reference, Expr]]] | None:
        """Direct terms per field, and each distinct call with its factor; None unless the factors agree in all fields."""
        if kernel.fields is None:
            return None
        direct: list[Expr] = []
        factors: dict[ir.Reference, list[Expr]] = {}
        for index, name in enumerate(ir.FIELDS):
            formula = kernel.fields[name]
            if formula.expr is None:
                return None
            parts = decompose(formula.expr, self.algebra.value, self.algebra)
            if parts is None:
                return None
            direct.append(parts[0])
            for reference, factor in parts[1]:
                factors.setdefault(reference, [self.algebra.zero] * 3)[index] += factor
        calls = []
        for reference, values in factors.items():
            if not (self.algebra.equal(values[0], values[1]) and self.algebra.equal(values[0], values[2])):
                return None
            calls.append((reference, values[0]))
        return direct, calls

    def _child(self, reference: ir.Reference, count: Expr, text: Any) -> dict[str, Any]:
        binding, callee = self.bindings[reference], self.signatures[reference.module]
        arguments = dict(binding.arguments)
        bound: dict[str, str] = {}
        for parameter in callee.parameters:
            if parameter.name in arguments:
                value = self.algebra.value(arguments[parameter.name])
            elif parameter.default is not None and parameter.default.expr is not None:
                scope = {n: self.algebra.value(e) for n, e in arguments.items()}
                value = self.algebra.substitute(self.algebra.value(parameter.default.expr), scope)
            else:
                continue
            if ir.is_global(parameter.name, ir.COST) and value == self.algebra.symbol(parameter.name):
                continue  # passes through by itself
            bound[parameter.name] = text(value)
        for name, value in binding.precision:
            bound[name] = text(self.algebra.value(value))
        child: dict[str, Any] = {"kernel": reference.module, "bindings": bound}
        if count != 1:
            child["count"] = self._count(count, text)
        return child

    @staticmethod
    def _count(count: Expr, text: Any) -> int | str:
        return int(count) if count.is_Integer and count >= 1 else str(text(count))


class _ToAnalysis:
    def __init__(self, graph: Graph, signatures: dict[str, Signature]) -> None:
        self.graph, self.signatures = graph, signatures
        self._implicit: dict[str, list[str]] = {}

    def implicit(self, name: str) -> list[str]:
        """The cost dialect's implicit names module `name` uses, itself or through the modules it calls."""
        if name not in self._implicit:
            self._implicit[name] = []  # the graph is acyclic; this only guards the recursion
            module = self.graph.modules[name]
            used = {n.id for f in module.formulas() for n in f.names}
            for reference in (r for f in module.formulas() for r in f.references):
                if reference.module in self.graph.modules:
                    bound = {k.name for k in reference.keywords}
                    used |= {n for n in self.implicit(reference.module) if n not in bound}
                    used |= {n.id for k in reference.keywords for n in ir.names(k.value)}
            if module.dialect != ir.COST:
                used = set()  # an analysis module passes its names as parameters already
            self._implicit[name] = [n for n in COST_IMPLICIT if n in used]
        return self._implicit[name]

    def module(self, module: ir.Module) -> dict[str, dict[str, Any]]:
        signature = self.signatures[module.name]
        declared: list[Any] = [p.name if p.default is None else {"name": p.name, "default": p.default.text} for p in signature.parameters]
        # the implicit names first: defaults of declared parameters may use them (calls bind by keyword)
        parameters = [*(n for n in self.implicit(module.name) if n not in signature.names), *declared]
        kernels = []
        for kernel in module.kernels:
            if kernel.fields is None:
                raise ValueError(f"{module.name}: nested sub_kernels cannot be converted")  # never in the cost dialect
            out: dict[str, Any] = {"operation": kernel.operation}
            call = kernel.fields["flops"]
            if call.references:
                reference = call.references[0]
                keywords = [f"{k.name}={to_text(k.value)}" for k in reference.keywords]
                bound = {k.name for k in reference.keywords}
                keywords += [f"{n}={n}" for n in self.implicit(reference.module) if n not in bound]
                formula = f"${{{reference.module}}}({', '.join(keywords)})"
                fields = (formula, formula, formula)
            else:
                fields = tuple(kernel.fields[f].text for f in ir.FIELDS)  # type: ignore[assignment]
            out["flops"] = fields[0]
            out["memory_access"] = {"read": fields[1], "write": fields[2]}
            if kernel.repeat is not None:
                out["repeat"] = kernel.repeat.text
            kernels.append(out)
        return {module.name: {"class_name": module.name, "parameters": parameters, "kernels": kernels}}

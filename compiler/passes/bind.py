"""Bind: signatures, and how each reference binds its callee's parameters (SEMANTICS §3).

A signature is the module's `parameters` list when declared, else its free
names in order of first appearance. Positional arguments bind in signature
order, then keywords by name; precision names bind only by keyword. Strict
mode makes every binding problem an error; lenient mode drops extra
arguments and keeps unbound parameters as free names, with warnings.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Final

from compiler.diagnostics import Diagnostics, Location, Related
from compiler.input.library import short_name
from compiler.language import ir
from compiler.passes.resolve import Graph, Site
from compiler.record import Record


class Signature(Record):
    __slots__ = ("declared", "dialect", "file", "module", "names", "parameters")
    _fields = ("module", "file", "parameters", "declared", "dialect")

    def __init__(self, module: str, file: str, parameters: tuple[ir.Parameter, ...], declared: bool, dialect: str = ir.ANALYSIS) -> None:
        self.module: Final = module
        self.file: Final = file
        self.parameters: Final = parameters
        self.declared: Final = declared
        self.dialect: Final = dialect
        self.names: Final = tuple(p.name for p in parameters)
        """The parameters' names, in order."""

    def describe(self) -> str:
        how = "declared" if self.declared else "inferred from its formulas"
        return f"signature of {self.module} ({how}): ({', '.join(self.names)})"

    def location(self) -> Location:
        if self.dialect == ir.COST:
            return Location(self.file, ("forward_params",))
        return Location(self.file, ("parameters",) if self.declared else ())


def signature(module: ir.Module) -> Signature:
    """Global names (SEMANTICS §8) are never positional parameters, declared or not."""
    dialect = module.dialect
    if module.parameters is not None:
        parameters = tuple(p for p in module.parameters if not ir.is_global(p.name, dialect))
        return Signature(module.name, module.file, parameters, True, dialect)
    seen: dict[str, None] = {}
    for formula in module.formulas():
        if formula.expr is not None:
            seen.update((n.id, None) for n in formula.names if not ir.is_global(n.id, dialect))
    return Signature(module.name, module.file, tuple(map(ir.Parameter, seen)), False, dialect)


class Binding(Record):
    """What each parameter of a callee receives, as expressions in the caller's scope."""

    __slots__ = ("arguments", "defaults", "precision", "unbound")
    _fields = ("arguments", "defaults", "unbound", "precision")

    def __init__(
        self,
        arguments: tuple[tuple[str, ir.Expr], ...],
        defaults: tuple[str, ...] = (),
        unbound: tuple[str, ...] = (),
        precision: tuple[tuple[str, ir.Expr], ...] = (),
    ) -> None:
        self.arguments: Final = arguments
        self.defaults: Final = defaults
        self.unbound: Final = unbound
        self.precision: Final = precision


def check_declarations(module: ir.Module, diagnostics: Diagnostics, *, lenient: bool) -> None:
    """Problems of a declared `parameters` list: duplicates, bad defaults, undeclared names.

    Precision names may be listed (compiled output lists them); they still
    take no position and bind by keyword only.
    """
    if module.parameters is None:
        return
    declared: list[str] = []
    for index, parameter in enumerate(module.parameters):
        if parameter.name in declared:
            diagnostics.error("KC307", f"parameter {parameter.name!r} is declared twice", Location(module.file, ("parameters", index)))
        default = parameter.default
        if default is not None and ir.is_global(parameter.name, module.dialect):
            diagnostics.error(
                "KC307",
                f"{parameter.name!r} cannot have a default: {'precision' if parameter.name in ir.PRINTED_LAST else 'global'} names pass through every reference",
                Location(module.file, default.path, default.text),
                hint=f"bind it where the module is used, such as ${{{module.name}}}(..., {parameter.name}=4)",
            )
        elif default is not None and default.expr is not None:
            for node in ir.walk(default.expr):
                where = Location(module.file, default.path, default.text, node.span)
                if isinstance(node, ir.Reference):
                    diagnostics.error("KC307", "a default cannot reference a module", where)
                elif isinstance(node, ir.Name) and node.id not in declared and not ir.is_global(node.id, module.dialect):
                    diagnostics.error(
                        "KC307",
                        f"default of {parameter.name!r} uses {node.id!r}, which is not a parameter declared before it",
                        where,
                    )
        declared.append(parameter.name)
    report = diagnostics.warning if lenient else diagnostics.error
    for formula in module.formulas():
        if formula.expr is None:
            continue
        for name in formula.names:
            if name.id not in declared and not ir.is_global(name.id, module.dialect):
                report(
                    "KC306",
                    f"{name.id!r} is not among the declared parameters of {short_name(module.name)}",
                    Location(module.file, formula.path, formula.text, name.span),
                    hint=f"add {name.id!r} to \"parameters\"" + (" (kept as a free name)" if lenient else ""),
                )


def check_unknown(module: ir.Module, diagnostics: Diagnostics, *, lenient: bool) -> None:
    """A formula that is the word `unknown` (SEMANTICS §8): an error, or in lenient mode a warning, where it counts as 0."""
    report = diagnostics.warning if lenient else diagnostics.error
    for formula in module.formulas():
        if formula.unknown:
            report(
                "KC106",
                "the cost is stated unknown",
                Location(module.file, formula.path, formula.text, formula.expr.span if formula.expr is not None else None),
                hint="it counts as 0 and the kernel is marked \"unknown\" in the output" if lenient else "write the formula, or compile with --lenient to count it as 0",
            )


def check_reference_positions(module: ir.Module, diagnostics: Diagnostics) -> None:
    """References may stand only in flops, read and write: not in a repeat count or another reference's arguments."""
    for formula in module.formulas():
        if formula.expr is None or not formula.references:
            continue
        location = Location(module.file, formula.path, formula.text)
        if formula.path[-1] == "repeat":
            for reference in formula.references:
                diagnostics.error("KC404", "a repeat count cannot reference a module", location.at(reference.span))
            continue
        for outer in formula.references if len(formula.references) > 1 else ():
            for argument in (*outer.arguments, *outer.keywords):
                for inner in ir.references(argument):
                    diagnostics.error(
                        "KC404",
                        f"a reference cannot be an argument of another reference (in the call of {short_name(outer.module)})",
                        location.at(inner.span),
                        hint="pass the callee's parameters instead, and add the inner module's cost as a term of its own",
                    )


def _head(reference: ir.Reference) -> ir.Span | None:
    """The `${module}` part of a reference."""
    if reference.span is None:
        return None
    return ir.Span(reference.span.start, reference.span.start + len(reference.module) + 3)


def _join(names: Iterable[str]) -> str:
    return ", ".join(map(repr, names))


def bind_reference(
    site: Site,
    callee: Signature,
    diagnostics: Diagnostics,
    *,
    lenient: bool,
    chain: tuple[str, ...] = (),
    also: Sequence[Site] = (),
    caller: Signature | None = None,
) -> Binding:
    """Bind the reference at `site` to `callee`, reporting every problem; `also` repeats it elsewhere.

    `${M}` without arguments binds each parameter of M to the caller's name of
    the same name; where the caller declares its parameters and has no such
    name, the parameter takes its default, or is left unbound.
    """
    reference = site.reference
    names = callee.names
    declared = set(caller.names) if caller is not None and caller.declared else None
    if not reference.called and (declared is None or declared.issuperset(names)):
        return Binding(tuple((n, ir.Name(n)) for n in names))
    report = diagnostics.warning if lenient else diagnostics.error
    short = callee.module if callee.dialect == ir.COST else short_name(callee.module)  # a cost kernel's name is short already
    cost = caller is not None and caller.dialect == ir.COST  # the call is a child's bindings

    def context() -> dict[str, object]:
        """What every problem of this reference adds: made only when there is one."""
        related = (Related("declared at", callee.location()),) if callee.declared else ()
        notes = [callee.describe()]
        elsewhere = [s for s in also if s.location.path != site.location.path]
        if elsewhere:
            notes.append(f"the same reference is in {', '.join(s.location.pointer for s in elsewhere)}")
        return {"chain": chain, "notes": tuple(notes), "related": related}

    positional = reference.arguments
    if len(positional) > len(names):
        extra = positional[len(names) :]
        span = ir.Span(extra[0].span.start, extra[-1].span.end) if extra[0].span and extra[-1].span else reference.span
        report(
            "KC301",
            f"too many arguments: {short} takes {len(names)} parameter{'s' if len(names) != 1 else ''}, {len(positional)} given",
            site.location.at(span),
            hint="the extra arguments are dropped" if lenient else "remove the extra arguments, or declare the parameters the callee takes",
            **context(),
        )
    if reference.called:
        bound: dict[str, ir.Expr] = dict(zip(names, positional, strict=False))  # extra arguments were reported above
    else:  # `${M}` in a caller lacking some of M's names: the names it has
        bound = {n: ir.Name(n) for n in names if declared is not None and n in declared}
    _check_order(site, callee, diagnostics, chain)

    precision: dict[str, ir.Expr] = {}
    for keyword in reference.keywords:
        where = site.location.at(keyword.span)
        if keyword.source is not None:  # a cost-dialect binding: where it is written
            where = Location(site.location.file, keyword.source.path, keyword.source.text)
        if keyword.name in bound or keyword.name in precision:
            diagnostics.error("KC303", f"parameter {keyword.name!r} of {short} is bound twice", where, **context())
        elif ir.is_global(keyword.name, callee.dialect):
            precision[keyword.name] = keyword.value
        elif keyword.name in names:
            bound[keyword.name] = keyword.value
        else:
            close = difflib.get_close_matches(keyword.name, names, n=1)
            report(
                "KC302",
                f"{'binding' if cost else 'unknown keyword argument'} {keyword.name!r}: {short} has no such parameter",
                where,
                hint=f"did you mean {close[0]!r}?" if close else ("the argument is dropped" if lenient else None),
                **context(),
            )

    defaults = tuple(p.name for p in callee.parameters if p.name not in bound and p.default is not None)
    unbound = tuple(p.name for p in callee.parameters if p.name not in bound and p.default is None)
    if unbound:
        plural = "s" if len(unbound) > 1 else ""
        given = (
            _given(len(positional), sum(1 for n in bound if n not in dict(zip(names, positional, strict=False))), len(names))
            if reference.called or caller is None
            else f"{short_name(caller.module)} declares no parameter of that name for ${{{reference.module}}} to bind"
        )
        report(
            "KC304",
            f"parameter{plural} {_join(unbound)} of {short} left unbound: {given}",
            site.location.at(_head(reference)),
            hint="kept as free names" if lenient else (
                "bind every parameter of the child in its \"bindings\"" if cost else "pass every parameter, by position or keyword, or declare a default"
            ),
            **context(),
        )
    arguments = tuple((n, bound[n]) for n in names if n in bound)
    return Binding(arguments, defaults, unbound, tuple(sorted(precision.items())))


def _given(positional: int, keywords: int, parameters: int) -> str:
    """How many of a callee's parameters a call gives: "4 of 5 arguments given (3 by position, 1 by keyword)"."""
    total = f"{positional + keywords} of {parameters} arguments given"
    if positional and keywords:
        return f"{total} ({positional} by position, {keywords} by keyword)"
    if keywords:
        return f"{total} by keyword"
    return total


def _check_order(site: Site, callee: Signature, diagnostics: Diagnostics, chain: tuple[str, ...]) -> None:
    """Warn where a bare-name argument names a different parameter of the callee."""
    names = callee.names
    for index, argument in enumerate(site.reference.arguments[: len(names)]):
        if isinstance(argument, ir.Name) and argument.id != names[index] and argument.id in names:
            diagnostics.warning(
                "KC305",
                f"argument {argument.id!r} is passed as parameter {names[index]!r} of {short_name(callee.module)}, "
                f"which has a parameter named {argument.id!r} at position {names.index(argument.id) + 1}",
                site.location.at(argument.span),
                chain=chain,
                notes=(callee.describe(),),
                hint=f"check the argument order, or pass it by keyword: {names[index]}={argument.id}",
            )


class Bindings:
    """What bind finds: the signature of every module of the graph, and the binding of every reference."""

    __slots__ = ("references", "signatures")

    def __init__(self, signatures: dict[str, Signature], references: dict[ir.Reference, Binding]) -> None:
        self.signatures: Final = signatures
        self.references: Final = references


def bind(graph: Graph, diagnostics: Diagnostics, *, lenient: bool) -> Bindings:
    """Signatures of every module in the graph, and the binding of every reference."""
    signatures = {name: signature(module) for name, module in graph.modules.items()}
    references: dict[ir.Reference, Binding] = {}
    for name, module in graph.modules.items():
        check_declarations(module, diagnostics, lenient=lenient)
        check_unknown(module, diagnostics, lenient=lenient)
        check_reference_positions(module, diagnostics)
        for site, also in graph.groups[name]:
            callee = signatures.get(site.reference.module)
            if callee is not None:
                chain = graph.chains[name]
                references[site.reference] = bind_reference(site, callee, diagnostics, lenient=lenient, chain=chain, also=also, caller=signatures[name])
    return Bindings(signatures, references)

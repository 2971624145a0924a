"""Rename: spell every name of a module the unified way (SEMANTICS §2).

Runs on each module as it is loaded: parameter declarations, names in
formulas and keyword-argument names all go through one table, the built-in
aliases plus the user's `--rename OLD=NEW` entries.
"""

from __future__ import annotations

from collections.abc import Mapping

from compiler.diagnostics import Diagnostic, Location, Related, Severity
from compiler.language import ir

ALIASES: dict[str, str] = {
    "bsz": "batch_size",
    "batch": "batch_size",
    "n_batch": "batch_size",
    "q_len": "seq_len",
    "seqlen": "seq_len",
    "seq_length": "seq_len",
    "sequence_length": "seq_len",
    "query_length": "seq_len",
    "tgt_len": "seq_len",
    "past_len": "cache_len",
    "past_length": "cache_len",
    "past_seq_len": "cache_len",
    "past_kv_len": "cache_len",
    "past_key_values_length": "cache_len",
    "kv_cache_len": "cache_len",
    "cache_length": "cache_len",
    "dtype_bytes": "a_bytes",
    "act_bytes": "a_bytes",
    "activation_bytes": "a_bytes",
    "bytes_per_activation": "a_bytes",
    "weight_bytes": "w_bytes",
    "param_bytes": "w_bytes",
    "bytes_per_weight": "w_bytes",
}
"""Other spellings of the unified names, as they occur in real analyses."""


def rename_table(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The built-in aliases overridden by `extra`; raises ValueError for a non-name."""
    table = dict(ALIASES)
    for old, new in (extra or {}).items():
        for name in (old, new):
            if not (name.isascii() and name.isidentifier()):
                raise ValueError(f"cannot rename {old!r} to {new!r}: {name!r} is not a name")
            if (why := ir.reserved(name)) is not None:
                raise ValueError(f"cannot rename {old!r} to {new!r}: {why}")
        table[old] = new
    return table


def rename(module: ir.Module, table: Mapping[str, str]) -> tuple[ir.Module, list[Diagnostic]]:
    """`module` with every name renamed, and an error for each pair of names that collide."""
    declared = [p.name for p in module.parameters or ()]
    if not any(name in table for name in declared) and not any(_mentions(f, table) for f in _formulas(module)):
        return module, []
    collisions, colliding = _collisions(module, table)
    diagnostics = collisions + _aliases(module, table, colliding)

    def formula(f: ir.Formula | None) -> ir.Formula | None:
        if f is None or f.expr is None or not _mentions(f, table):
            return f
        return ir.Formula.of(f.text, ir.rename(f.expr, table), f.path)

    def kernel(k: ir.Kernel) -> ir.Kernel:
        if k.bindings and k.fields is not None:  # a cost-dialect child: its call is rebuilt from the renamed bindings
            bindings = tuple(b for b in map(formula, k.bindings) if b is not None)
            call = k.fields["flops"]
            reference = call.references[0] if call.references else None
            if reference is not None:
                call = ir.child_call(reference.module, call.text, call.path, bindings, table)
            return k.replace(fields=dict.fromkeys(k.fields, call), bindings=bindings, repeat=formula(k.repeat))
        fields = None if k.fields is None else {n: formula(f) for n, f in k.fields.items()}
        footprint = None if k.footprint is None else {n: formula(f) for n, f in k.footprint.items()}
        return k.replace(fields=fields, footprint=footprint, repeat=formula(k.repeat), sub_kernels=tuple(map(kernel, k.sub_kernels)))

    parameters = module.parameters
    if parameters is not None:
        spelled: dict[str, str] = {}
        kept = []
        for p in parameters:
            target = table.get(p.name, p.name)
            if spelled.setdefault(target, p.name) != p.name:
                continue  # a second spelling of a declared name: its KC308 error says so, once
            kept.append(p.replace(name=target, default=formula(p.default)))
        parameters = tuple(kept)
    return module.replace(parameters=parameters, kernels=tuple(map(kernel, module.kernels))), diagnostics


def _formulas(module: ir.Module) -> list[ir.Formula]:
    return [p.default for p in module.parameters or () if p.default] + list(module.formulas())


def _mentions(formula: ir.Formula, table: Mapping[str, str]) -> bool:
    """Whether any name or keyword name of `formula` is renamed."""
    if any(n.id in table for n in formula.names):
        return True
    return any(k.name in table for r in formula.references for k in r.keywords)


def _aliases(module: ir.Module, table: Mapping[str, str], colliding: set[str]) -> list[Diagnostic]:
    """A warning where a file spells a unified name another way: kc renames it, the file should not need it.

    Names of a collision (KC308) are left to its error: one problem, reported once.
    """
    diagnostics: list[Diagnostic] = []
    seen = set(colliding)
    for formula in module.formulas():
        for name in formula.names:
            target = table.get(name.id)
            if name.id in seen or target is None or ALIASES.get(name.id) != target:
                continue
            seen.add(name.id)
            diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    "KC503",
                    f"{name.id!r} is renamed to the unified name {target!r}",
                    Location(module.file, formula.path, formula.text, name.span),
                    hint=f"write {target} in the file",
                )
            )
    return diagnostics


def _collisions(module: ir.Module, table: Mapping[str, str]) -> tuple[list[Diagnostic], set[str]]:
    """One error for each spelling that collides with another one after renaming, at its first place; and the names involved."""
    first: dict[str, tuple[str, Location]] = {}
    for parameter_index, parameter in enumerate(module.parameters or ()):
        location = Location(module.file, ("parameters", parameter_index))
        first.setdefault(table.get(parameter.name, parameter.name), (parameter.name, location))
    places: dict[tuple[str, str], list[Location]] = {}
    for formula in _formulas(module):
        if formula.expr is None:
            continue
        for written in formula.names:
            target = table.get(written.id, written.id)
            location = Location(module.file, formula.path, formula.text, written.span)
            original, _ = first.setdefault(target, (written.id, location))
            if original != written.id:
                places.setdefault((written.id, original), []).append(location)
    diagnostics = []
    for (name, original), locations in places.items():
        target = table.get(name, name)
        more = len(locations) - 1
        diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                "KC308",
                f"{name!r} and {original!r} both mean {target!r} after renaming",
                locations[0],
                related=(Related(f"{original!r} first", first[target][1]),),
                notes=(f"{name!r} is written in {more} more place{'s' if more != 1 else ''} of this module",) if more else (),
                hint=f"use one spelling, {target!r}, throughout the module",
            )
        )
    return diagnostics, {name for pair in places for name in pair}


"""Lint: problems that are not errors of the language but make numbers silently wrong.

Units: every term of a byte count must carry a byte factor, and no FLOP count
may carry one. Names: spellings close to the unified names, a `class_name`
that is not the file's name, a `kernel_type` label that disagrees with the
kernel. All are warnings (labels are notes: the output derives them anyway).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostics, Location
from compiler.language import ir

if TYPE_CHECKING:
    from compiler.passes.bind import Bindings, Signature
    from compiler.passes.resolve import Graph

BYTE_CONSTANTS = (4, 8)
"""Literal byte sizes a read or write term may use instead of a precision name:
4 for tensors that are fp32 whatever the model's precision (norm statistics
and softmax upcast to float32, rotary frequencies), 8 for int64 tensors
(token ids, positions, indices). Any other literal is an element count."""

_UNIFIED = ("batch_size", "seq_len", "cache_len")
_FIELDS = {"memory_read": "read", "memory_write": "write"}
"""The cost dialect's keys of the byte counts."""


def terms(expr: ir.Expr) -> Iterator[ir.Expr]:
    """The top-level terms of a sum, with their signs dropped."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Binary) and node.op in ("+", "-"):
            stack.extend((node.right, node.left))
        elif isinstance(node, ir.Unary) and node.op == "-":
            stack.append(node.operand)
        else:
            yield node


def has_bytes(expr: ir.Expr, precision: tuple[str, ...] = ir.PRECISION_NAMES) -> bool:
    """Whether every part of a byte-count term is scaled by a byte factor (one of `precision`)."""
    return _has_bytes(expr, precision)


def _has_bytes(expr: ir.Expr, precision: tuple[str, ...]) -> bool:
    match expr:
        case ir.Name(id=name):
            return name in precision
        case ir.Number(value=value):
            return value == 0 or value in BYTE_CONSTANTS
        case ir.Reference():
            return True  # the callee answers for its own units
        case ir.Binary(op="*", left=left, right=right):
            return _has_bytes(left, precision) or _has_bytes(right, precision)
        case ir.Binary(op="/" | "//", left=left):
            return _has_bytes(left, precision)
        case ir.Binary(op="+" | "-", left=left, right=right):
            return _has_bytes(left, precision) and _has_bytes(right, precision)
        case ir.Unary(op="-", operand=operand):
            return _has_bytes(operand, precision)
        case ir.Conditional(body=body, orelse=orelse):
            return _has_bytes(body, precision) and _has_bytes(orelse, precision)
        case ir.Call(function="min" | "max" | "ceil" | "floor", arguments=arguments):
            return all(_has_bytes(argument, precision) for argument in arguments)
    return False


def _precision_names(expr: ir.Expr) -> Iterator[ir.Name]:
    """Precision names outside references (a reference's arguments are the callee's business)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Name) and node.id in ir.PRECISION_NAMES:
            yield node
        elif not isinstance(node, ir.Reference):
            stack.extend(ir.children(node))


def lint_units(module: ir.Module, diagnostics: Diagnostics) -> None:
    for formula in module.formulas():
        if formula.expr is None or formula.path[-1] == "repeat":
            continue
        if "bindings" in formula.path:  # a cost-dialect child's binding: an argument, not a count
            continue
        location = Location(module.file, formula.path, formula.text)
        field = _FIELDS.get(str(formula.path[-1]), str(formula.path[-1]))
        precision = ir.PRINTED_LAST  # `bytes`, the cost dialect's width, is a byte factor in either dialect
        scaled_flops = field == "flops" and any(name.id in ir.PRECISION_NAMES for name in formula.names)
        for term in terms(formula.expr):
            if field == "cache" and not has_bytes(term, precision):
                diagnostics.warning(
                    "KC508",
                    f"a term of this cache footprint has no precision name: {_text(formula.text, term)}",
                    location.at(term.span),
                    hint="a cache counts bytes: multiply by kv_bytes (bytes per cache element, a_bytes unless set)",
                )
            elif field in ("read", "write", "weights", "activations") and not has_bytes(term, precision):
                diagnostics.warning(
                    "KC501",
                    f"a term of this byte count has no byte factor: {_text(formula.text, term)}",
                    location.at(term.span),
                    hint="multiply by a_bytes (activations), w_bytes (weights), 4 for fp32 upcasts, or 8 for int64 tensors such as token ids",
                )
            if scaled_flops:
                for name in _precision_names(term):
                    diagnostics.warning(
                        "KC502",
                        f"a FLOP count is multiplied by the precision name {name.id!r}",
                        location.at(name.span),
                        hint=f"FLOPs do not depend on bytes per element: remove {name.id}, or move the term to read or write",
                    )


def _text(text: str, node: ir.Expr) -> str:
    if node.span is None:
        return "?"
    shown = text[node.span.start : node.span.end]
    return shown if len(shown) <= 60 else shown[:57] + "…"


def lint_names(module: ir.Module, diagnostics: Diagnostics) -> None:
    stem = Path(module.file).name.removesuffix(".json")
    if module.class_name is not None and module.class_name != stem:
        key = "kernel_name" if module.dialect == ir.COST else "class_name"
        diagnostics.warning(
            "KC006",
            f"{key} {module.class_name!r} differs from the file name {stem!r}; references find the module by its file name",
            Location(module.file, (key,)),
            hint=f"rename the file to {module.class_name}.json, or correct {key}",
        )
    seen: set[str] = set()
    for formula in module.formulas():
        if formula.expr is None:
            continue
        for name in formula.names:
            if name.id in seen or name.id in _UNIFIED or name.id in ir.PRINTED_LAST or ir.is_global(name.id, module.dialect):
                continue
            seen.add(name.id)
            close = _near_unified(name.id)
            if close:
                diagnostics.warning(
                    "KC503",
                    f"{name.id!r} looks like the unified name {close[0]!r}",
                    Location(module.file, formula.path, formula.text, name.span),
                    hint=f"write {close[0]}, or pass --rename {name.id}={close[0]}",
                )


@functools.lru_cache(maxsize=4096)
def _near_unified(name: str) -> list[str]:
    return difflib.get_close_matches(name, (*_UNIFIED, *ir.PRECISION_NAMES), n=1, cutoff=0.8)


def lint_labels(module: ir.Module, diagnostics: Diagnostics) -> None:
    def visit(kernel: ir.Kernel) -> None:
        for child in kernel.sub_kernels:
            visit(child)
        if kernel.label is None or kernel.fields is None:
            return
        calls = any(f.references for f in kernel.fields.values())
        if (kernel.label in ("basic", "direct_operation") and calls) or (kernel.label in ("composite", "module_call") and not calls):
            derived = "composite" if calls else "basic"
            diagnostics.note(
                "KC403",
                f"kernel_type says {kernel.label!r}, but the kernel references {'a' if calls else 'no'} module: the output calls it {derived!r}",
                Location(module.file, (*kernel.path, "kernel_type")),
            )

    for kernel in module.kernels:
        visit(kernel)


def lint_footprint(module: ir.Module, diagnostics: Diagnostics) -> None:
    """In a module that carries a footprint, a leaf that reads weights should own them (or say 0)."""
    leaves = list(ir.leaves(module.kernels))
    if not any(k.footprint for k in leaves):
        return
    for kernel in leaves:
        read = kernel.fields["read"] if kernel.fields else None
        if read is None or read.expr is None or read.references or "weights" in (kernel.footprint or {}):
            continue
        if any(name.id == "w_bytes" for name in _precision_names(read.expr)):
            diagnostics.warning(
                "KC507",
                "this kernel reads weights (w_bytes) but owns none: it has no footprint.weights",
                Location(module.file, read.path, read.text),
                hint='give it "footprint": {"weights": ...}, or "weights": 0 when another kernel owns them (a tied LM head)',
            )


def one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one insertion, deletion, substitution or swap of adjacent letters.

    Names shorter than four characters, and names that differ in a digit
    (`layer1`, `layer2`), are never taken for each other.
    """
    if a == b or min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    left, right = a[start : len(a) - end], b[start : len(b) - end]
    if any(c.isdigit() for c in left + right):
        return False
    if len(left) + len(right) == 1 or (len(left) == len(right) == 1):
        return True
    return len(left) == len(right) == 2 and left == right[::-1]


class _Near:
    """Names one edit from a given name among `names`, found through their one-deletion variants (not pair by pair)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.order = {name: index for index, name in enumerate(dict.fromkeys(names))}
        self.index: dict[str, set[str]] = {}
        for name in self.order:
            if len(name) >= 4:
                for variant in _variants(name):
                    self.index.setdefault(variant, set()).add(name)

    def of(self, name: str) -> list[str]:
        if len(name) < 4:
            return []
        found = {other for variant in _variants(name) for other in self.index.get(variant, ()) if one_edit(name, other)}
        return sorted(found, key=self.order.__getitem__)


def _variants(name: str) -> set[str]:
    """`name` and every string one deletion (of anything but a digit) from it: two names one edit apart share one of them.

    Digits are never deleted: names an edit of a digit sets apart are never
    taken for each other (`one_edit`), and `x100` … `x199` would otherwise
    all share `x10`, `x11`, … and be compared pair by pair.
    """
    return {name, *(name[:i] + name[i + 1 :] for i, c in enumerate(name) if not c.isdigit())}


_NEAR_UNIFIED = _Near((*_UNIFIED, *ir.PRECISION_NAMES))


@functools.lru_cache(maxsize=4096)
def _near(names: tuple[str, ...]) -> _Near:
    """The index of a callee's parameter names: callees are shared by many callers."""
    return _Near(names)


def lint_near_names(module: ir.Module, diagnostics: Diagnostics, callees: Mapping[str, Sequence[str]] = {}) -> None:
    """A name one edit from another name of the module, a callee's parameter or a unified name: likely a typo.

    Of two names of the module the one written fewer times (the later one
    on a tie) is taken for the typo; declared parameters and the unified
    names themselves are never suspected, and names KC503 reports are left to it.
    """
    declared = {p.name for p in module.parameters or ()}
    counts: dict[str, int] = {}
    first: dict[str, tuple[ir.Formula, ir.Name]] = {}
    for formula in module.formulas():
        if formula.expr is None:
            continue
        for written in formula.names:
            counts[written.id] = counts.get(written.id, 0) + 1
            first.setdefault(written.id, (formula, written))
    unified = (*_UNIFIED, *ir.PRECISION_NAMES)
    suspects = [name for name in first if not (name in declared or name in unified or _near_unified(name))]
    if not suspects:
        return
    rank = {name: (counts[name], -index) for index, name in enumerate(first)}
    own = _Near([*first, *(name for name in declared if name not in first)])
    for name in suspects:
        likely = [other for other in own.of(name) if other in declared or rank.get(other, (0, 0)) > rank[name]]
        where = ""
        for callee, names in callees.items():
            if likely:
                break
            likely = [other for other in _near(tuple(names)).of(name) if other not in first]  # the module's own names were tried above
            where = f", a parameter of {callee.rsplit('.', 1)[-1]}" if likely else ""
        if not likely:
            likely = _NEAR_UNIFIED.of(name)
            where = ", a unified name" if likely else ""
        if likely:
            formula, node = first[name]
            times = counts[name]
            diagnostics.warning(
                "KC504",
                f"{name!r} is one edit from {likely[0]!r}{where}: did you mean {likely[0]!r}?",
                Location(module.file, formula.path, formula.text, node.span),
                notes=(f"{name!r} is written {times} time{'s' if times != 1 else ''}" + (" and becomes a parameter of its own" if module.parameters is None else ""),),
                hint=f"write {likely[0]}, or pass --rename {name}={likely[0]}",
            )


def callee_names(graph: Graph, signatures: Mapping[str, Signature], name: str) -> dict[str, tuple[str, ...]]:
    """The parameter names of every module `name` references, by module."""
    return {callee: signatures[callee].names for callee in graph.callees(name) if callee in signatures}


def lint(graph: Graph, bindings: Bindings, diagnostics: Diagnostics) -> None:
    """Every lint of every module of `graph`."""
    for name, module in graph.modules.items():
        lint_module(module, diagnostics, callee_names(graph, bindings.signatures, name))


def lint_module(module: ir.Module, diagnostics: Diagnostics, callees: Mapping[str, Sequence[str]] = {}) -> None:
    """Every lint of one module; `callees` are the parameter names of the modules it references."""
    lint_units(module, diagnostics)
    lint_footprint(module, diagnostics)
    lint_names(module, diagnostics)
    lint_near_names(module, diagnostics, callees)
    lint_labels(module, diagnostics)

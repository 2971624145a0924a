"""Lint: problems that are not errors of the language but make numbers silently wrong.

Units: every term of a byte count must carry a byte factor, and no FLOP count
may carry one. Names: spellings close to the unified names, a `class_name`
that is not the file's name, a `kernel_type` label that disagrees with the
kernel. All are warnings (labels are notes: the output derives them anyway).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator
from pathlib import Path

from compiler.diagnostics import Diagnostics, Location
from compiler.language import ir

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
    def has_bytes(expr: ir.Expr) -> bool:  # the recursion, with the same precision names
        return _has_bytes(expr, precision)

    match expr:
        case ir.Name(id=name):
            return name in precision
        case ir.Number(value=value):
            return value == 0 or value in BYTE_CONSTANTS
        case ir.Reference():
            return True  # the callee answers for its own units
        case ir.Binary(op="*", left=left, right=right):
            return has_bytes(left) or has_bytes(right)
        case ir.Binary(op="/" | "//", left=left):
            return has_bytes(left)
        case ir.Binary(op="+" | "-", left=left, right=right):
            return has_bytes(left) and has_bytes(right)
        case ir.Unary(op="-", operand=operand):
            return has_bytes(operand)
        case ir.Conditional(body=body, orelse=orelse):
            return has_bytes(body) and has_bytes(orelse)
        case ir.Call(function="min" | "max" | "ceil" | "floor", arguments=arguments):
            return all(map(has_bytes, arguments))
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
        for term in terms(formula.expr):
            if field == "cache" and not has_bytes(term, precision):
                diagnostics.warning(
                    "KC505",
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
            if field == "flops":
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
    def visit(kernels: tuple[ir.Kernel, ...]) -> Iterator[ir.Kernel]:
        for kernel in kernels:
            if kernel.fields is not None:
                yield kernel
            yield from visit(kernel.sub_kernels)

    leaves = list(visit(module.kernels))
    if not any(k.footprint for k in leaves):
        return
    for kernel in leaves:
        read = kernel.fields["read"] if kernel.fields else None
        if read is None or read.expr is None or read.references or "weights" in (kernel.footprint or {}):
            continue
        if any(name.id == "w_bytes" for name in _precision_names(read.expr)):
            diagnostics.warning(
                "KC504",
                "this kernel reads weights (w_bytes) but owns none: it has no footprint.weights",
                Location(module.file, read.path, read.text),
                hint='give it "footprint": {"weights": ...}, or "weights": 0 when another kernel owns them (a tied LM head)',
            )


def lint(module: ir.Module, diagnostics: Diagnostics) -> None:
    """Every lint of one module."""
    lint_units(module, diagnostics)
    lint_footprint(module, diagnostics)
    lint_names(module, diagnostics)
    lint_labels(module, diagnostics)

"""Cost-dialect files: LM-Predictor's kernel cost JSON to the module IR (SEMANTICS §8).

One kernel per file, named by `kernel_name`; `init_params` then
`forward_params` are its declared signature. A leaf has the flat formulas
`flops`, `memory_read` and `memory_write` and becomes a module of one kernel.
A composite has `children`, a map from a label to `{kernel, bindings, count}`:
each child becomes a kernel named by its label whose three fields are one
call, `${kernel}(key=value, ...)`, repeated `count` times. Everything after
reading (binding, checks, expansion, backends) is the analysis dialect's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compiler.input.modulefile import DOTTED_NAME, Path, _describe, _Reader, marked
from compiler.language import ir

LEAF_FIELDS = {"flops": "flops", "read": "memory_read", "write": "memory_write"}
"""The IR's fields and the cost dialect's keys for them."""
COST_KEYS = frozenset({"kernel_name", "init_params", "forward_params", "children", "memory_read", "memory_write"})
"""Keys only the cost dialect has: a file with one of them and without `kernels` is read as that dialect."""
CHILD_KEYS = frozenset({"kernel", "bindings", "count"})
BINDING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|config(\.[A-Za-z_][A-Za-z0-9_]*)+", re.ASCII)
"""A binding binds a parameter of the child, or explicitly one of its global names (`bytes`, `config.NAME`)."""


def is_cost(data: Any) -> bool:
    """Whether parsed JSON is a cost-dialect file: it says so by its keys."""
    return isinstance(data, dict) and "kernels" not in data and any(key in data for key in COST_KEYS)


class CostReader(_Reader):
    """One pass over a cost-dialect file: every violation reported, the IR built where it can be."""

    def module(self, name: str, data: Any) -> ir.Module | None:
        if not self.expect(data, dict, "an object", ()):
            return None
        kernel_name = None
        if self.required(data, "kernel_name", ()):
            kernel_name = self.name(data["kernel_name"], ("kernel_name",), DOTTED_NAME)
        parameters: list[ir.Parameter] = []
        for key in ("init_params", "forward_params"):
            if self.required(data, key, ()) and self.expect(data[key], list, "a list of names", (key,)):
                for index, item in enumerate(data[key]):
                    parameter = self.name(item, (key, index))
                    if parameter is not None:
                        parameters.append(ir.Parameter(parameter))
        if "defaults" in data:  # kc's extension: what `kc convert` keeps of an analysis's parameter defaults
            parameters = self.defaults(data["defaults"], parameters)
        kernels: list[ir.Kernel] = []
        if "children" in data:
            for field in LEAF_FIELDS.values():
                if field in data:
                    self.problem((field,), f"{field!r} is not allowed here: a kernel has either children or flops, memory_read and memory_write")
            kernels = self.children(data["children"])
        else:
            fields: dict[str, ir.Formula] = {}
            for field, key in LEAF_FIELDS.items():
                if self.required(data, key, ()):
                    formula = self.formula(data[key], (key,))
                    if formula is not None:
                        fields[field] = formula
            if len(fields) == len(LEAF_FIELDS):
                operation = kernel_name or name
                kernels = [ir.Kernel(operation, None, (), fields, extras=marked((), fields))]
        if self.invalid:
            return None
        return ir.Module(name, self.file, tuple(kernels), tuple(parameters), kernel_name, ir.COST)

    def defaults(self, data: Any, parameters: list[ir.Parameter]) -> list[ir.Parameter]:
        if not self.expect(data, dict, "an object from parameter names to formulas", ("defaults",)):
            return parameters
        names = [p.name for p in parameters]
        for key, value in data.items():
            if key not in names:
                self.problem(("defaults", key), f"{key!r} is not among init_params and forward_params")
                continue
            default = self.formula(value, ("defaults", key))
            parameters[names.index(key)] = ir.Parameter(key, default)
        return parameters

    def required(self, data: Mapping[str, Any], key: str, path: Path) -> bool:
        if key in data:
            return True
        if path == () and key in LEAF_FIELDS.values():
            self.problem(path, f"{key!r} is required: a cost-dialect kernel has either children or flops, memory_read and memory_write")
            return False
        return super().required(data, key, path)

    def children(self, data: Any) -> list[ir.Kernel]:
        if not self.expect(data, dict, "an object from labels to children", ("children",)):
            return []
        if not data:
            self.problem(("children",), "a composite needs at least one child")
        kernels = []
        for label, child in data.items():
            kernel = self.child(label, child, ("children", label))
            if kernel is not None:
                kernels.append(kernel)
        return kernels

    def child(self, label: str, data: Any, path: Path) -> ir.Kernel | None:
        if not self.expect(data, dict, "an object with kernel, bindings and count", path):
            return None
        for key in data:
            if key not in CHILD_KEYS:
                self.problem((*path, key), f"{key!r} is not allowed in a child (its keys: kernel, bindings, count)")
        callee = None
        if self.required(data, "kernel", path):
            callee = self.name(data["kernel"], (*path, "kernel"), DOTTED_NAME)
        bindings: list[ir.Formula] = []
        complete = True
        if self.required(data, "bindings", path) and self.expect(data["bindings"], dict, "an object from parameter names to formulas", (*path, "bindings")):
            for key, value in data["bindings"].items():
                where = (*path, "bindings", key)
                if BINDING_NAME.fullmatch(key) is None or key in ir.LITERALS:
                    self.problem(where, f"{_describe(key)} cannot be bound: a binding names a parameter of the child")
                    continue
                formula = self.formula(value, where)
                if formula is None or formula.expr is None:
                    complete = False
                    continue
                for reference in formula.references:
                    self.problem(where, f"a binding cannot reference a module (${{{reference.module}}}): bind the child's parameters, and add the other module as a child of its own", "KC404")
                bindings.append(formula)
        count = self.count(data["count"], (*path, "count")) if "count" in data else None
        if callee is None or self.invalid:
            return None
        call = ir.child_call(callee, data["kernel"], (*path, "kernel"), tuple(bindings))
        if not complete:  # a binding that did not parse: the child is left out rather than reported unbound
            call = ir.Formula(call.text, None, call.path)
        return ir.Kernel(label, None, path, dict.fromkeys(ir.FIELDS, call), (), count, None, None, (), tuple(bindings))

    def count(self, value: Any, path: Path) -> ir.Formula | None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.problem(path, f"expected a positive integer or a formula, found {_describe(value)}")
            return None
        formula = self.formula(value, path)
        if formula is not None and isinstance(formula.expr, ir.Number | ir.Unary) and not formula.unknown:
            number = formula.expr.value if isinstance(formula.expr, ir.Number) else None
            if number is None or number < 1:
                self.problem(path, f"a count must be at least 1, found {formula.text}")
        return formula


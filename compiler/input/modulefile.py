"""Module files: JSON text to the module IR, checked against the input format while it is read.

The checks are the input schema (`compiler/schemas/input.schema.json`, printed
by `kc schema input`) written out as one pass over the data, which reports
every violation at its JSON path and builds the IR at the same time: fast
enough for libraries of thousands of modules. `tests/test_modulefile.py`
holds this reader and the published schema to the same verdicts.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Final

from compiler.diagnostics import Diagnostic, Location, Severity
from compiler.input import rename
from compiler.language import ir
from compiler.language import parse as frontend
from compiler.limits import Limits
from compiler.record import Record

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", re.ASCII)
NEITHER_DIALECT = (
    "the file is in neither dialect kc reads: an analysis has class_name and kernels, a list of "
    "{operation, flops, memory_access: {read, write}}; a cost-dialect kernel has kernel_name, init_params, "
    "forward_params, and either flops, memory_read and memory_write, or children of {kernel, bindings, count}"
)
_KNOWN_KEYS = frozenset({"kernel_type", "operation", "analysis", "flops", "memory_access", "repeat", "module", "sub_kernels", "footprint"})
_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}

Path = tuple[str | int, ...]


class Loaded(Record):
    """The result of reading one module: the module, or None, and what went wrong."""

    __slots__ = _fields = ("name", "file", "module", "diagnostics")

    def __init__(self, name: str, file: str | None, module: ir.Module | None, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        self.name: Final = name
        self.file: Final = file
        self.module: Final = module
        self.diagnostics: Final = diagnostics


def read_module(name: str, file: str, text: str, renames: Mapping[str, str]) -> Loaded:
    """Module `name` from the JSON `text` of `file`, renamed with `renames`."""
    return _read(name, file, text, tuple(renames.items()), Limits.current())


@functools.lru_cache(maxsize=1024)
def _read(name: str, file: str, text: str, renames: tuple[tuple[str, str], ...], limits: Limits) -> Loaded:
    # Read once per text in a process, as formulas are parsed once: a process that
    # compiles several models (the tests, `kc verify`, a notebook) reads the built-in
    # library's files again for each, and the result is immutable.
    try:
        data = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)
    except json.JSONDecodeError as error:
        return _invalid_json(name, file, text, error.msg, error.pos)
    except _NumberError as error:
        return _invalid_json(name, file, text, error.message, _number_offset(text, error.literal))
    except RecursionError:
        return Loaded(name, file, None, (Diagnostic(Severity.ERROR, "KC002", "invalid JSON: nested too deeply", Location(file)),))
    from compiler.input import costfile  # the other dialect's reader builds on this one

    reader = costfile.CostReader(file) if costfile.is_cost(data) else _Reader(file)
    module = reader.module(name, data)
    if reader.invalid or module is None:
        return Loaded(name, file, None, tuple(reader.diagnostics))
    module, collisions = rename.rename(module, dict(renames))
    return Loaded(name, file, module, (*reader.diagnostics, *collisions))


def _invalid_json(name: str, file: str, text: str, message: str, offset: int) -> Loaded:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : len(text) if end < 0 else end]
    location = Location(file, (), line, ir.Span(offset - start, offset - start + 1), offset)
    return Loaded(name, file, None, (Diagnostic(Severity.ERROR, "KC002", f"invalid JSON: {message}", location),))


JSON_DIGITS = 4000
"""The most digits of a JSON integer kc reads (Python refuses to convert more than 4,300)."""


class _NumberError(ValueError):
    """A number JSON allows to write but kc cannot hold, or one JSON does not allow (NaN, Infinity)."""

    def __init__(self, literal: str, message: str) -> None:
        super().__init__(message)
        self.literal, self.message = literal, message


def _json_int(literal: str) -> int:
    if len(literal.lstrip("-")) > JSON_DIGITS:
        raise _NumberError(literal, f"a number of {len(literal.lstrip('-')):,} digits; at most {JSON_DIGITS:,} are read")
    return int(literal)


def _json_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NumberError(literal, f"{literal[:40]} is too large for a number")
    return value


def _json_constant(literal: str) -> float:
    raise _NumberError(literal, f"{literal} is not a number in JSON")


def _number_offset(text: str, literal: str) -> int:
    """Where `literal` stands as a value (after `:`, `[` or `,`) in `text`; 0 if not found."""
    match = re.search(r"[:\[,]\s*(" + re.escape(literal) + r")(?![\w.])", text)
    return match.start(1) if match else 0


@functools.lru_cache(maxsize=8192)
def _parsed(text: str, limits: Limits) -> tuple[ir.Expr | None, tuple[ir.Name, ...], tuple[ir.Reference, ...]]:
    """A formula's IR and the names and references in it; libraries repeat formulas, so once per text."""
    formula = ir.Formula.of(text, frontend.parse(text), ())
    return formula.expr, formula.names, formula.references


def unknown_formula(text: str, path: Path) -> ir.Formula:
    """A stated unknown: it counts as 0 where it is allowed (lenient), and is never a name."""
    start = len(text) - len(text.lstrip())
    zero = ir.Number(Fraction(0), span=ir.Span(start, start + len(ir.UNKNOWN)))
    return ir.Formula(text, zero, path, unknown=True)


UNKNOWN_KEY = "unknown"
"""The key that marks, in the output, the fields of a kernel whose writer stated them unknown."""


def marked(extras: tuple[tuple[str, object], ...], fields: Mapping[str, ir.Formula]) -> tuple[tuple[str, object], ...]:
    """`extras` with the fields stated unknown listed under UNKNOWN_KEY, kept for the output."""
    unknown = [".".join(map(str, f.path[-2:] if f.path[-2:-1] == ("memory_access",) else f.path[-1:])) for f in fields.values() if f.unknown]
    if not unknown or any(key == UNKNOWN_KEY for key, _ in extras):
        return extras
    return (*extras, (UNKNOWN_KEY, unknown))


def _describe(value: Any) -> str:
    kind = "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else _JSON_TYPES.get(type(value), "a value")
    text = json.dumps(value, ensure_ascii=False)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '…'}"


class _Reader:
    """One pass over a module's JSON: every violation reported, the IR built where it can be."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.invalid = False
        self.depth_limit = Limits.current().nesting_depth

    def problem(self, path: Path, message: str, code: str = "KC003") -> None:
        self.invalid = True
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, Location(self.file, path)))

    def expect(self, value: Any, kind: type | tuple[type, ...], what: str, path: Path) -> bool:
        if isinstance(value, kind) and not (isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))):
            return True
        self.problem(path, f"expected {what}, found {_describe(value)}")
        return False

    def required(self, data: Mapping[str, Any], key: str, path: Path) -> bool:
        if key in data:
            return True
        self.problem(path, f"{key!r} is required")
        return False

    def text(self, data: Mapping[str, Any], key: str, path: Path) -> str | None:
        if key not in data:
            return None
        value = data[key]
        return value if self.expect(value, str, "a string", (*path, key)) else None

    def name(self, value: Any, path: Path, pattern: re.Pattern[str] = NAME) -> str | None:
        if not self.expect(value, str, "a string", path):
            return None
        if pattern.fullmatch(value) is None:
            self.problem(path, f"{_describe(value)} is not a valid name")
            return None
        return str(value)

    def formula(self, value: Any, path: Path) -> ir.Formula | None:
        if not self.expect(value, (str, int, float), "a string or a number", path):
            return None
        if isinstance(value, str) and value.strip() == ir.UNKNOWN:
            return unknown_formula(value, path)
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            expr, names, references = _parsed(text, Limits.current())
            return ir.Formula(text, expr, path, names, references)
        except frontend.FormulaError as error:
            for problem in error.problems:
                location = Location(self.file, path, text, problem.span)
                self.diagnostics.append(Diagnostic(Severity.ERROR, problem.code, problem.message, location))
            return ir.Formula.of(text, None, path)

    def module(self, name: str, data: Any) -> ir.Module | None:
        if not self.expect(data, dict, "an object", ()):
            return None
        class_name = self.name(data["class_name"], ("class_name",), DOTTED_NAME) if "class_name" in data else None
        parameters = self.parameters(data["parameters"]) if "parameters" in data else None
        kernels: tuple[ir.Kernel | None, ...] = ()
        if "kernels" not in data:
            self.invalid = True
            self.diagnostics.append(Diagnostic(Severity.ERROR, "KC003", "'kernels' is required", Location(self.file), hint=NEITHER_DIALECT))
        elif self.expect(data["kernels"], list, "a list", ("kernels",)):
            kernels = tuple(self.kernel(k, ("kernels", i), 1) for i, k in enumerate(data["kernels"]))
        if self.invalid:
            return None
        return ir.Module(name, self.file, tuple(k for k in kernels if k is not None), parameters, class_name)

    def parameters(self, items: Any) -> tuple[ir.Parameter, ...] | None:
        if not self.expect(items, list, "a list", ("parameters",)):
            return None
        parameters = []
        for index, item in enumerate(items):
            path: Path = ("parameters", index)
            if isinstance(item, str):
                name = self.name(item, path)
                if name is not None:
                    parameters.append(ir.Parameter(name, place=ir.Place(path)))
                continue
            if not isinstance(item, dict) or "name" not in item:
                self.problem(path, f"a parameter is a name or an object with a 'name', found {_describe(item)}")
                continue
            name = self.name(item["name"], (*path, "name"))
            default = self.formula(item["default"], (*path, "default")) if "default" in item else None
            description = self.text(item, "description", path)
            if name is not None:
                parameters.append(ir.Parameter(name, default, description, ir.Place((*path, "name"))))
        return tuple(parameters)

    def kernel(self, data: Any, path: Path, depth: int) -> ir.Kernel | None:
        if not self.expect(data, dict, "an object", path):
            return None
        if depth > self.depth_limit:
            self.problem(path, f"sub_kernels nest more than {self.depth_limit} levels deep", "KC910")
            return None
        operation = self.text(data, "operation", path) if self.required(data, "operation", path) else None
        analysis = self.text(data, "analysis", path)
        label = self.text(data, "kernel_type", path)
        extras = tuple((key, value) for key, value in data.items() if key not in _KNOWN_KEYS)
        if "sub_kernels" in data:
            for key in ("flops", "memory_access"):
                if key in data:
                    self.problem((*path, key), f"{key!r} is not allowed here: a kernel has either sub_kernels (and maybe repeat) or flops and memory_access")
            if "footprint" in data:
                self.problem((*path, "footprint"), "'footprint' is not allowed here: only a leaf carries a footprint; a composite's comes from its leaves")
            module = self.name(data["module"], (*path, "module"), DOTTED_NAME) if "module" in data else None
            repeat = self.formula(data["repeat"], (*path, "repeat")) if "repeat" in data else None
            children: list[ir.Kernel | None] = []
            if self.expect(data["sub_kernels"], list, "a list", (*path, "sub_kernels")):
                children = [self.kernel(k, (*path, "sub_kernels", i), depth + 1) for i, k in enumerate(data["sub_kernels"])]
            if self.invalid or operation is None:
                return None
            kids = tuple(k for k in children if k is not None)
            return ir.Kernel(operation, analysis, path, None, kids, repeat, label, module, extras)
        repeat = self.formula(data["repeat"], (*path, "repeat")) if "repeat" in data else None
        if "module" in data:
            self.name(data["module"], (*path, "module"), DOTTED_NAME)
        fields: dict[str, ir.Formula | None] = {"flops": None, "read": None, "write": None}
        if self.required(data, "flops", path):
            fields["flops"] = self.formula(data["flops"], (*path, "flops"))
        if self.required(data, "memory_access", path):
            memory = data["memory_access"]
            memory_path = (*path, "memory_access")
            if self.expect(memory, dict, "an object", memory_path):
                for key in ("read", "write"):
                    if self.required(memory, key, memory_path):
                        fields[key] = self.formula(memory[key], (*memory_path, key))
        footprint = self.footprint(data["footprint"], (*path, "footprint")) if "footprint" in data else None
        if self.invalid or operation is None:
            return None
        formulas = {key: value for key, value in fields.items() if value is not None}
        return ir.Kernel(operation, analysis, path, formulas, (), repeat, label, None, marked(extras, formulas), footprint=footprint)

    def footprint(self, data: Any, path: Path) -> dict[str, ir.Formula] | None:
        """A leaf's `footprint` object: weights, cache and activations, each optional and without references."""
        if not self.expect(data, dict, "an object", path):
            return None
        formulas: dict[str, ir.Formula] = {}
        for key, value in data.items():
            if key not in ir.FOOTPRINT:
                self.problem((*path, key), f"{key!r} is not a footprint formula; the footprint has weights, cache and activations")
                continue
            formula = self.formula(value, (*path, key))
            if formula is None:
                continue
            for reference in formula.references:
                location = Location(self.file, (*path, key), formula.text, reference.span)
                self.invalid = True
                message = "a footprint formula cannot reference a module: a composite's footprint comes from its leaves after expansion"
                self.diagnostics.append(Diagnostic(Severity.ERROR, "KC204", message, location))
            formulas[key] = formula
        return formulas

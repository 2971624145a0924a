"""The library: an ordered search path of directories of module files.

A module `a.b.C` lives in `a.b.C.json` in the first directory that has it;
the built-in library is searched last, so a user's directory overrides it.
Names are validated before any file is opened, files must stay inside their
directory (symlinks included), and every file is checked against the input
schema before its formulas are parsed.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from compiler import frontend, ir
from compiler.diagnostics import Diagnostic, Location, Severity
from compiler.limits import Limits
from compiler.passes import rename

MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", re.ASCII)
BUILTIN = Path(str(resources.files("compiler") / "library"))
ENVIRONMENT_VARIABLE = "KC_PATH"


def valid_name(name: str) -> bool:
    return MODULE_NAME.fullmatch(name) is not None


def short_name(name: str) -> str:
    """`torch.nn.modules.linear.Linear` → `Linear`."""
    return name.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class Loaded:
    """The result of loading one module: the module, or None, and what went wrong."""

    name: str
    file: str | None
    module: ir.Module | None
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass
class Library:
    directories: tuple[Path, ...]
    renames: Mapping[str, str] = field(default_factory=lambda: dict(rename.ALIASES))
    _loaded: dict[str, Loaded] = field(default_factory=dict, repr=False)
    _sources: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_path(
        cls,
        directories: Iterable[str | os.PathLike[str]] = (),
        *,
        environment: bool = True,
        builtin: bool = True,
        renames: Mapping[str, str] | None = None,
    ) -> Library:
        """The search path: `directories`, then `$KC_PATH`, then the built-in library."""
        path = [Path(d) for d in directories]
        if environment:
            path += [Path(d) for d in os.environ.get(ENVIRONMENT_VARIABLE, "").split(os.pathsep) if d]
        if builtin:
            path.append(BUILTIN)
        unique = tuple(dict.fromkeys(path))
        return cls(unique, rename.rename_table(renames))

    def find(self, name: str) -> Path | None:
        """The file of module `name`: the first on the search path; None if none is."""
        for directory in self.directories:
            candidate = directory / f"{name}.json"
            if candidate.is_file():
                return candidate
        return None

    def files(self, name: str) -> list[Path]:
        """Every file on the search path that defines `name`, the one in use first."""
        return [d / f"{name}.json" for d in self.directories if (d / f"{name}.json").is_file()]

    def names(self) -> dict[str, Path]:
        """Every module on the search path, with the file that defines it."""
        found: dict[str, Path] = {}
        for directory in self.directories:
            for name, path in _listing(directory).items():
                found.setdefault(name, path)
        return dict(sorted(found.items()))

    def source(self, file: str) -> str | None:
        """The raw text of a file this library read, for diagnostics."""
        if file not in self._sources:
            try:
                self._sources[file] = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
        return self._sources[file]

    def load(self, name: str) -> Loaded:
        """Load, validate, parse and rename module `name`, once."""
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def _load(self, name: str) -> Loaded:
        if not valid_name(name):
            return _failed(name, None, "KC004", f"invalid module name {name!r}: expected a dotted Python name such as torch.nn.modules.linear.Linear")
        path = self.find(name)
        if path is None:
            return Loaded(name, None, None)
        file = str(path)
        if not _inside(path, path.parent):
            return _failed(name, file, "KC008", f"{file} resolves outside its library directory {path.parent}")
        limit = Limits.current().file_bytes
        try:
            size = path.stat().st_size
            if size > limit:
                return _failed(name, file, "KC905", f"file is {size:,} bytes; the limit is {limit:,}")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            return _failed(name, file, "KC001", f"cannot read {file}: {error}")
        self._sources[file] = text
        return parse_module(name, file, text, self.renames)


@functools.cache
def _listing(directory: Path) -> dict[str, Path]:
    try:
        entries = sorted(os.listdir(directory))
    except OSError:
        return {}
    return {
        entry[:-5]: directory / entry
        for entry in entries
        if entry.endswith(".json") and valid_name(entry[:-5]) and (directory / entry).is_file()
    }


def _inside(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False


def _failed(name: str, file: str | None, code: str, message: str, location: Location | None = None) -> Loaded:
    diagnostic = Diagnostic(Severity.ERROR, code, message, location or Location(file))
    return Loaded(name, file, None, (diagnostic,))


def parse_module(name: str, file: str, text: str, renames: Mapping[str, str]) -> Loaded:
    """Module `name` from the JSON `text` of `file`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        lines = text.splitlines()
        line = lines[error.lineno - 1] if error.lineno <= len(lines) else ""
        location = Location(file, (), line, ir.Span(error.colno - 1, error.colno), error.pos)
        return _failed(name, file, "KC002", f"invalid JSON: {error.msg}", location)
    except RecursionError:
        return _failed(name, file, "KC002", "invalid JSON: nested too deeply")
    problems = schema_problems(data, file)
    if problems:
        return Loaded(name, file, None, tuple(problems))
    builder = _Builder(file)
    module = ir.Module(
        name=name,
        file=file,
        kernels=tuple(builder.kernel(k, ("kernels", i)) for i, k in enumerate(data["kernels"])),
        parameters=builder.parameters(data["parameters"]) if "parameters" in data else None,
        class_name=data.get("class_name"),
    )
    module, collisions = rename.rename(module, renames)
    return Loaded(name, file, module, tuple(builder.diagnostics + collisions))


_KNOWN_KEYS = {"kernel_type", "operation", "analysis", "flops", "memory_access", "repeat", "module", "sub_kernels"}


class _Builder:
    """Builds the module IR from validated JSON, parsing every formula."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []

    def formula(self, value: str | int | float, path: tuple[str | int, ...]) -> ir.Formula:
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            return ir.Formula(text, frontend.parse(text), path)
        except frontend.FormulaError as error:
            for problem in error.problems:
                location = Location(self.file, path, text, problem.span)
                self.diagnostics.append(Diagnostic(Severity.ERROR, problem.code, problem.message, location))
            return ir.Formula(text, None, path)

    def parameters(self, items: Sequence[Any]) -> tuple[ir.Parameter, ...]:
        parameters = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                parameters.append(ir.Parameter(item))
                continue
            default = item.get("default")
            parameters.append(
                ir.Parameter(
                    item["name"],
                    None if default is None else self.formula(default, ("parameters", index, "default")),
                    item.get("description"),
                )
            )
        return tuple(parameters)

    def kernel(self, data: Mapping[str, Any], path: tuple[str | int, ...]) -> ir.Kernel:
        extras = tuple((key, value) for key, value in data.items() if key not in _KNOWN_KEYS)
        if "sub_kernels" in data:
            return ir.Kernel(
                operation=data["operation"],
                analysis=data.get("analysis"),
                path=path,
                sub_kernels=tuple(
                    self.kernel(k, (*path, "sub_kernels", i)) for i, k in enumerate(data["sub_kernels"])
                ),
                repeat=self.formula(data["repeat"], (*path, "repeat")) if "repeat" in data else None,
                label=data.get("kernel_type"),
                module=data.get("module"),
                extras=extras,
            )
        memory = data["memory_access"]
        return ir.Kernel(
            operation=data["operation"],
            analysis=data.get("analysis"),
            path=path,
            fields={
                "flops": self.formula(data["flops"], (*path, "flops")),
                "read": self.formula(memory["read"], (*path, "memory_access", "read")),
                "write": self.formula(memory["write"], (*path, "memory_access", "write")),
            },
            label=data.get("kernel_type"),
            extras=extras,
        )


@functools.cache
def _validator() -> Any:
    import jsonschema  # only needed once a file is read

    schema = json.loads((resources.files("compiler") / "schemas" / "input.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def schema_problems(data: Any, file: str) -> list[Diagnostic]:
    """Every way `data` breaks the input schema, each at its JSON path."""
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(error.absolute_path)
        problems.append(Diagnostic(Severity.ERROR, "KC003", _schema_message(error), Location(file, path)))
    return problems


_TYPES = {"object": "an object", "array": "a list", "string": "a string", "number": "a number", "integer": "an integer"}


def _schema_message(error: Any) -> str:
    validator, value = error.validator, error.instance
    what = f"{type(value).__name__} {_preview(value)}"
    if validator == "required":
        return error.message.replace("is a required property", "is required")
    if validator == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        return f"expected {' or '.join(_TYPES.get(t, t) for t in expected)}, found {what}"
    if validator == "pattern":
        return f"{_preview(value)} is not a valid name"
    if validator is False or validator == "false":
        key = error.absolute_path[-1] if error.absolute_path else "this key"
        return f"{key!r} is not allowed here: a kernel has either sub_kernels (and maybe repeat) or flops and memory_access"
    if validator == "anyOf" and error.absolute_path and "parameters" in error.absolute_path:
        return f"a parameter is a name or an object with a 'name', found {what}"
    return str(error.message)


def _preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"

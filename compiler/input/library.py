"""The library: an ordered search path of directories of module files.

A module `a.b.C` lives in `a.b.C.json` in the first directory that has it;
the built-in library is searched last, so a user's directory overrides it.
Names are validated before any file is opened, and files must stay inside
their directory (symlinks included); `compiler.input.modulefile` reads each file.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, Severity
from compiler.input import rename
from compiler.input.modulefile import DOTTED_NAME, Loaded, read_module
from compiler.language import ir
from compiler.limits import Limits

BUILTIN = Path(__file__).resolve().parents[1] / "library"
ENVIRONMENT_VARIABLE = "KC_PATH"
SHORT_NAMES = Path(__file__).resolve().with_name("short-names.json")
"""PyTorch's public short class names (`torch.nn.Linear`) and the module paths they stand for."""
USE_BUILTIN: ContextVar[bool] = ContextVar("kc_use_builtin", default=True)
"""Whether a search path ends in the built-in library unless told otherwise (`--no-builtin` sets it)."""
NAME_MAP = "name-map.json"
"""A library directory's own aliases: `name-map.json`, or any `*.name-map.json`, in the form of LM-Predictor's name map."""


@functools.cache
def short_names() -> dict[str, str]:
    """The shipped table of short names, read once."""
    table: dict[str, str] = json.loads(SHORT_NAMES.read_text(encoding="utf-8"))
    return table


def valid_name(name: str) -> bool:
    return DOTTED_NAME.fullmatch(name) is not None


def short_name(name: str) -> str:
    """`torch.nn.modules.linear.Linear` → `Linear`."""
    return name.rsplit(".", 1)[-1]


class Library:
    """A search path of module directories, and what has been read from it."""

    def __init__(self, directories: tuple[Path, ...], renames: Mapping[str, str] | None = None) -> None:
        self.directories = directories
        self.renames: Mapping[str, str] = dict(rename.ALIASES) if renames is None else renames
        self._loaded: dict[str, Loaded] = {}
        self._sources: dict[str, str] = {}
        self._listings: dict[Path, dict[str, Path]] = {}
        self._real: dict[Path, Path] = {}
        self._files: dict[str, list[Path]] | None = None
        self._builtin: dict[str, bool] = {}
        self._aliases: dict[str, tuple[str, str]] | None = None
        self._alias_problems: list[Diagnostic] = []

    def __repr__(self) -> str:
        return f"Library(directories={self.directories!r})"

    @classmethod
    def from_path(
        cls,
        directories: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] = (),
        *,
        environment: bool = True,
        builtin: bool | None = None,
        renames: Mapping[str, str] | None = None,
    ) -> Library:
        """The search path: `directories` (one directory may be given alone), then `$KC_PATH`, then the built-in library.

        `builtin` None means the value of USE_BUILTIN.
        """
        if builtin is None:
            builtin = USE_BUILTIN.get()
        if isinstance(directories, str | os.PathLike):
            directories = [directories]
        path = [Path(d) for d in directories]
        if environment:
            path += [Path(d) for d in os.environ.get(ENVIRONMENT_VARIABLE, "").split(os.pathsep) if d]
        if builtin:
            path.append(BUILTIN)
        unique = tuple(dict.fromkeys(path))
        return cls(unique, rename.rename_table(renames))

    def _listing(self, directory: Path) -> dict[str, Path]:
        if directory not in self._listings:
            self._listings[directory] = listing(directory)
        return self._listings[directory]

    def _resolved(self, directory: Path) -> Path:
        if directory not in self._real:
            self._real[directory] = directory.resolve()
        return self._real[directory]

    def _defined(self) -> dict[str, list[Path]]:
        """Every module name on the search path and the files that define it, in search order; built once."""
        if self._files is None:
            self._files = {}
            for directory in self.directories:
                for name, path in self._listing(directory).items():
                    self._files.setdefault(name, []).append(path)
        return self._files

    def find(self, name: str) -> Path | None:
        """The file of module `name`: the first on the search path; None if none is."""
        found = self._defined().get(name)
        return found[0] if found else None

    def files(self, name: str) -> list[Path]:
        """Every file on the search path that defines `name`, the one in use first."""
        return list(self._defined().get(name, ()))

    def names(self) -> dict[str, Path]:
        """Every module on the search path, with the file that defines it."""
        found: dict[str, Path] = {}
        for directory in self.directories:
            for name, path in self._listing(directory).items():
                found.setdefault(name, path)
        return dict(sorted(found.items()))

    def builtin(self, file: str | None) -> bool:
        """Whether `file` is a module of the built-in library."""
        if file is None:
            return False
        if file not in self._builtin:
            self._builtin[file] = Path(file).parent == BUILTIN
        return self._builtin[file]

    def aliases(self) -> dict[str, tuple[str, str]]:
        """Every alias: the name it stands for, and where it is defined.

        Each directory's name maps in search order, then kc's table of PyTorch's
        short names; the first definition of an alias wins.
        """
        if self._aliases is None:
            found: dict[str, tuple[str, str]] = {}
            for directory in self.directories:
                for path in name_maps(directory):
                    for alias, target in self._name_map(path).items():
                        found.setdefault(alias, (target, str(path)))
            for alias, target in short_names().items():
                found.setdefault(alias, (target, "kc's table of PyTorch short names"))
            self._aliases = found
        return self._aliases

    def alias_problems(self) -> list[Diagnostic]:
        """What is wrong with the name maps on the search path."""
        self.aliases()
        return list(self._alias_problems)

    def _name_map(self, path: Path) -> dict[str, str]:
        file = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
            self._sources[file] = text
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            self._alias_problems.append(Diagnostic(Severity.ERROR, "KC002", f"the name map cannot be read: {error}", Location(file)))
            return {}
        if not isinstance(data, dict):
            self._alias_problems.append(Diagnostic(Severity.ERROR, "KC003", "a name map is an object from names to module names", Location(file)))
            return {}
        table: dict[str, str] = {}
        for alias, target in data.items():
            if not isinstance(target, str) or not valid_name(target) or not valid_name(alias):
                message = f"{alias!r}: expected a dotted module name for a dotted name, found {json.dumps(target)[:40]}"
                self._alias_problems.append(Diagnostic(Severity.ERROR, "KC003", message, Location(file, (alias,))))
                continue
            table[alias] = target
        return table

    def canonical(self, name: str) -> str:
        """The module a reference to `name` means: `name` itself when the search path has it, else what its alias stands for."""
        if self.find(name) is not None:
            return name
        alias = self.aliases().get(name)
        if alias is not None and self.find(alias[0]) is not None:
            return alias[0]
        return name

    def read(self) -> list[str]:
        """The module files read so far."""
        return list(self._sources)

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
        try:  # a file that is not a link is in its directory; a link is followed to see where it leads
            inside = not os.path.islink(path) or Path(os.path.realpath(path, strict=True)).is_relative_to(self._resolved(path.parent))
        except FileNotFoundError:
            inside = True  # a broken link: reading it says so
        except OSError as error:  # a loop of symbolic links
            return _failed(name, file, "KC001", f"cannot read {file}: {error.strerror or error}")
        if not inside:
            return _failed(name, file, "KC008", f"{file} resolves outside its library directory {path.parent}")
        limit = Limits.current().file_bytes
        try:
            size = path.stat().st_size
            if size > limit:
                return _failed(name, file, "KC905", f"file is {size:,} bytes; the limit is {limit:,}")
            data = path.read_bytes()
        except OSError as error:
            return _failed(name, file, "KC001", f"cannot read {file}: {error.strerror or error}")
        try:
            text = data.decode("utf-8-sig")  # a byte-order mark is allowed, and dropped
        except UnicodeDecodeError as error:
            before = data[: error.start]
            line, column = before.count(b"\n") + 1, error.start - before.rfind(b"\n")
            byte = data[error.start : error.start + 1].hex()
            return _failed(name, file, "KC001", f"{file} is not UTF-8: byte 0x{byte} at line {line}, column {column}")
        self._sources[file] = text
        loaded = read_module(name, file, text, self.renames)
        if loaded.module is None:
            return loaded
        return loaded.replace(module=self._dealiased(loaded.module))

    def _dealiased(self, module: ir.Module) -> ir.Module:
        """`module` with each reference to an alias made a reference to the module the alias stands for."""
        if not any(r.module != self.canonical(r.module) for f in module.formulas() for r in f.references):
            return module

        def visit(node: ir.Expr) -> ir.Expr:
            node = ir.rebuild(node, visit)
            if isinstance(node, ir.Reference):
                return node.replace(module=self.canonical(node.module))
            return node

        def formula(f: ir.Formula | None) -> ir.Formula | None:
            if f is None or f.expr is None or not f.references:
                return f
            expr = visit(f.expr)  # the names stay as they are: a reference's module is not a name
            return f.replace(expr=expr, references=tuple(ir.references(expr)))

        def kernel(k: ir.Kernel) -> ir.Kernel:
            fields = None if k.fields is None else {key: formula(value) for key, value in k.fields.items()}
            return k.replace(fields=fields, sub_kernels=tuple(map(kernel, k.sub_kernels)), repeat=formula(k.repeat))

        return module.replace(kernels=tuple(map(kernel, module.kernels)))


def listing(directory: Path) -> dict[str, Path]:
    """The modules of one directory, by name; read once per library."""
    try:
        with os.scandir(directory) as entries:
            files = sorted(e.name for e in entries if e.name.endswith(".json") and _file_or_link(e))
    except OSError:
        return {}
    return {name[:-5]: directory / name for name in files if valid_name(name[:-5])}


def name_maps(directory: Path) -> list[Path]:
    """The name maps of one library directory, in name order."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if e.name == NAME_MAP or e.name.endswith("." + NAME_MAP))
    except OSError:
        return []
    return [directory / name for name in names]


def _file_or_link(entry: os.DirEntry[str]) -> bool:
    """A regular file, or a link, even a broken one: reading it reports what is wrong with it."""
    try:
        return entry.is_symlink() or entry.is_file()
    except OSError:
        return True


def _failed(name: str, file: str | None, code: str, message: str, location: Location | None = None) -> Loaded:
    diagnostic = Diagnostic(Severity.ERROR, code, message, location or Location(file))
    return Loaded(name, file, None, (diagnostic,))

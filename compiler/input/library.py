"""The library: an ordered search path of directories of module files.

A module `a.b.C` lives in `a.b.C.json` in the first directory that has it;
the built-in library is searched last, so a user's directory overrides it.
Names are validated before any file is opened, and files must stay inside
their directory (symlinks included); `compiler.input.modulefile` reads each file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, Severity
from compiler.input import rename
from compiler.input.modulefile import DOTTED_NAME, Loaded, read_module
from compiler.limits import Limits

BUILTIN = Path(str(resources.files("compiler") / "library"))
ENVIRONMENT_VARIABLE = "KC_PATH"


def valid_name(name: str) -> bool:
    return DOTTED_NAME.fullmatch(name) is not None


def short_name(name: str) -> str:
    """`torch.nn.modules.linear.Linear` → `Linear`."""
    return name.rsplit(".", 1)[-1]


@dataclass
class Library:
    directories: tuple[Path, ...]
    renames: Mapping[str, str] = field(default_factory=lambda: dict(rename.ALIASES))
    _loaded: dict[str, Loaded] = field(default_factory=dict, repr=False)
    _sources: dict[str, str] = field(default_factory=dict, repr=False)
    _listings: dict[Path, dict[str, Path]] = field(default_factory=dict, repr=False)
    _real: dict[Path, Path] = field(default_factory=dict, repr=False)

    @classmethod
    def from_path(
        cls,
        directories: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] = (),
        *,
        environment: bool = True,
        builtin: bool = True,
        renames: Mapping[str, str] | None = None,
    ) -> Library:
        """The search path: `directories` (one directory may be given alone), then `$KC_PATH`, then the built-in library."""
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

    def find(self, name: str) -> Path | None:
        """The file of module `name`: the first on the search path; None if none is."""
        return next(iter(self.files(name)), None)

    def files(self, name: str) -> list[Path]:
        """Every file on the search path that defines `name`, the one in use first."""
        return [found for d in self.directories if (found := self._listing(d).get(name)) is not None]

    def names(self) -> dict[str, Path]:
        """Every module on the search path, with the file that defines it."""
        found: dict[str, Path] = {}
        for directory in self.directories:
            for name, path in self._listing(directory).items():
                found.setdefault(name, path)
        return dict(sorted(found.items()))

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
        try:
            inside = Path(os.path.realpath(path, strict=True)).is_relative_to(self._resolved(path.parent))
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
        return read_module(name, file, text, self.renames)


def listing(directory: Path) -> dict[str, Path]:
    """The modules of one directory, by name; read once per library."""
    try:
        with os.scandir(directory) as entries:
            files = sorted(e.name for e in entries if e.name.endswith(".json") and _file_or_link(e))
    except OSError:
        return {}
    return {name[:-5]: directory / name for name in files if valid_name(name[:-5])}


def _file_or_link(entry: os.DirEntry[str]) -> bool:
    """A regular file, or a link, even a broken one: reading it reports what is wrong with it."""
    try:
        return entry.is_symlink() or entry.is_file()
    except OSError:
        return True


def _failed(name: str, file: str | None, code: str, message: str, location: Location | None = None) -> Loaded:
    diagnostic = Diagnostic(Severity.ERROR, code, message, location or Location(file))
    return Loaded(name, file, None, (diagnostic,))

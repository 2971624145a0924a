"""Diagnostics: every problem kc finds, with a stable code and a precise location.

Passes report into a `Diagnostics` collector and carry on, so one run shows
every problem; commands render the collection once, as text for people or as
JSON objects for editors and CI (`render_text`, `record`, `summary`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

from compiler.input import jsonpos
from compiler.language.ir import Span
from compiler.record import Record

Path_ = tuple[str | int, ...]
"""A location inside a module file: ("kernels", 3, "memory_access", "read")."""


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


CODES: dict[str, str] = {
    # Files and JSON
    "KC001": "file cannot be read",
    "KC002": "invalid JSON",
    "KC003": "does not match the input schema",
    "KC004": "invalid module name",
    "KC005": "module not found",
    "KC006": "class_name differs from the file name",
    "KC007": "module shadowed by an earlier directory",
    "KC008": "file outside its library directory",
    "KC009": "footprint left out by the cost dialect",
    # Formulas
    "KC101": "syntax error",
    "KC102": "unknown function",
    "KC103": "wrong number of function arguments",
    "KC104": "division by zero",
    "KC105": "outside a function's domain",
    "KC106": "cost stated unknown",
    # References
    "KC201": "unresolved reference",
    "KC202": "reference cycle",
    "KC203": "reference resolves only in the built-in library",
    "KC204": "reference in a footprint formula",
    # Binding
    "KC301": "too many arguments",
    "KC302": "unknown keyword argument",
    "KC303": "parameter bound twice",
    "KC304": "parameter left unbound",
    "KC305": "suspicious argument order",
    "KC306": "name not among the declared parameters",
    "KC307": "invalid parameter declaration",
    "KC308": "two names rename to one",
    # Structure of the expansion
    "KC401": "reference used inside a non-linear expression",
    "KC402": "reference scaled differently in different fields",
    "KC403": "kernel_type label disagrees with the kernel",
    "KC404": "reference where a number is needed",
    # Units and names
    "KC501": "byte count without a byte factor",
    "KC502": "FLOP count with a precision name",
    "KC503": "name with a unified spelling",
    "KC504": "name one edit from another name",
    "KC505": "compute tag inferred from the module",
    "KC506": "leaf kernel without a compute tag",
    "KC507": "weights read without a weights footprint",
    "KC508": "cache footprint without a precision name",
    # Generated code
    "KC601": "name cannot be used in generated code",
    "KC602": "value cannot be written in generated code",
    # Limits
    "KC901": "formula too long",
    "KC902": "number literal too large",
    "KC903": "formula nested too deeply",
    "KC904": "number too large to compute",
    "KC905": "file too large",
    "KC906": "expanded tree too large",
    "KC907": "library too large",
    "KC908": "expression too large",
    "KC909": "references nested too deeply",
    "KC910": "kernels nested too deeply",
}


class Location(Record):
    """A place in a module file, and, for a formula, its text and a span of it."""

    __slots__ = ("file", "offset", "path", "span", "text")
    _fields = ("file", "path", "text", "span", "offset")

    def __init__(self, file: str | None, path: Path_ = (), text: str | None = None, span: Span | None = None, offset: int | None = None) -> None:
        self.file: Final = file
        self.path: Final = path
        self.text: Final = text
        self.span: Final = span
        self.offset: Final = offset
        """A raw offset into the file, for problems that have no JSON path (bad JSON)."""

    @property
    def pointer(self) -> str:
        return format_path(self.path)

    def at(self, span: Span | None) -> Location:
        return Location(self.file, self.path, self.text, span, self.offset)


class Related(Record):
    __slots__ = ("location", "message")
    _fields = ("message", "location")

    def __init__(self, message: str, location: Location) -> None:
        self.message: Final = message
        self.location: Final = location


class Diagnostic(Record):
    __slots__ = ("chain", "code", "hint", "location", "message", "notes", "related", "severity")
    _fields = ("severity", "code", "message", "location", "chain", "related", "notes", "hint")

    def __init__(
        self,
        severity: Severity,
        code: str,
        message: str,
        location: Location | None = None,
        chain: tuple[str, ...] = (),
        related: tuple[Related, ...] = (),
        notes: tuple[str, ...] = (),
        hint: str | None = None,
    ) -> None:
        if code not in CODES:
            raise ValueError(f"unknown diagnostic code {code}")
        self.severity: Final = severity
        self.code: Final = code
        self.message: Final = message
        self.location: Final = location
        self.chain: Final = chain
        """Modules that led to the problem, root first."""
        self.related: Final = related
        self.notes: Final = notes
        self.hint: Final = hint


class Diagnostics:
    """Collects diagnostics of one run, each reported once."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self._seen: set[tuple[object, ...]] = set()

    def __repr__(self) -> str:
        return f"Diagnostics({self.items!r})"

    def report(self, diagnostic: Diagnostic) -> None:
        location = diagnostic.location
        key = (diagnostic.code, diagnostic.message, location)
        if key not in self._seen:
            self._seen.add(key)
            self.items.append(diagnostic)

    def mark(self) -> int:
        """A point to roll back to: the number of diagnostics so far."""
        return len(self.items)

    def rollback(self, mark: int) -> None:
        """Forget every diagnostic reported since `mark`."""
        for diagnostic in self.items[mark:]:
            self._seen.discard((diagnostic.code, diagnostic.message, diagnostic.location))
        del self.items[mark:]

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self.report(diagnostic)

    def error(self, code: str, message: str, location: Location | None = None, **more: Any) -> None:
        self.report(Diagnostic(Severity.ERROR, code, message, location, **more))

    def warning(self, code: str, message: str, location: Location | None = None, **more: Any) -> None:
        self.report(Diagnostic(Severity.WARNING, code, message, location, **more))

    def note(self, code: str, message: str, location: Location | None = None, **more: Any) -> None:
        self.report(Diagnostic(Severity.NOTE, code, message, location, **more))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(sorted(self.items, key=_order))

    def __len__(self) -> int:
        return len(self.items)


_FIELD_ORDER = {"class_name": 0, "parameters": 1, "kernels": 2, "repeat": 3, "sub_kernels": 4, "flops": 5}


def _order(diagnostic: Diagnostic) -> tuple[object, ...]:
    location = diagnostic.location
    if location is None:
        return ("", ())
    path = tuple((0, part, "") if isinstance(part, int) else (1, _FIELD_ORDER.get(part, 9), part) for part in location.path)
    return (location.file or "", path, location.span.start if location.span else -1)


def format_path(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


Sources = Callable[[str], str | None]
"""Gives the raw text of a file by name, to turn JSON paths into lines and columns."""

_WINDOW = 100
"""Formulas longer than this are shown as a window around the caret."""


def position(location: Location, sources: Sources) -> tuple[int, int] | None:
    """Line and column in the file of the caret (or of the value) of `location`."""
    if location.file is None:
        return None
    text = sources(location.file)
    if text is None:
        return None
    if location.offset is not None:
        return jsonpos.line_column(text, location.offset)
    offset = jsonpos.value_offset(text, location.path)
    if offset is None:
        return None
    if location.span is not None and text[offset] == '"':
        offset = jsonpos.string_offset(text, offset, location.span.start)
    return jsonpos.line_column(text, offset)


def _where(location: Location, sources: Sources) -> str:
    where = location.file or "<input>"
    found = position(location, sources)
    if found is not None:
        where += f":{found[0]}:{found[1]}"
    return where


def _caret(text: str, start: int, end: int) -> list[str]:
    shown = "".join(" " if c in "\n\r\t" else c for c in text)
    end = max(end, start + 1)
    left = 0
    if len(shown) > _WINDOW:
        left = max(0, min(start - _WINDOW // 3, len(shown) - _WINDOW))
        right = left + _WINDOW
        shown = ("…" if left else "") + shown[left:right] + ("…" if right < len(shown) else "")
        left -= 1 if left else 0
    marks = " " * (start - left) + "^" * max(1, min(end, left + len(shown)) - start)
    return [f"   | {shown}", f"   | {marks}"]


def render_text(diagnostic: Diagnostic, sources: Sources, color: bool = False) -> str:
    """One diagnostic as a block of text, like a compiler prints it."""
    label = f"{diagnostic.severity}[{diagnostic.code}]"
    if color:
        tint = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}[diagnostic.severity]
        label = f"\x1b[1;{tint}m{label}\x1b[0m"
    location = diagnostic.location
    head = f"{_where(location, sources)}: " if location else ""
    lines = [f"{head}{label}: {diagnostic.message}"]
    if location and location.path:
        lines.append(f"   at {location.pointer}")
    if location and location.text is not None and location.span is not None:
        lines.extend(_caret(location.text, location.span.start, location.span.end))
    for related in diagnostic.related:
        lines.append(f"   = {related.message}: {_where(related.location, sources)} {related.location.pointer}".rstrip())
    for note in diagnostic.notes:
        lines.append(f"   = {note}")
    if len(diagnostic.chain) > 1:
        lines.append(f"   = via {' → '.join(name.rsplit('.', 1)[-1] for name in diagnostic.chain)}")
    if diagnostic.hint:
        lines.append(f"   = help: {diagnostic.hint}")
    return "\n".join(lines)


def _location_record(location: Location | None, sources: Sources) -> dict[str, Any]:
    if location is None:
        return {"file": None, "pointer": None, "line": None, "column": None}
    found = position(location, sources)
    return {
        "file": location.file,
        "pointer": location.pointer,
        "line": found[0] if found else None,
        "column": found[1] if found else None,
    }


def record(diagnostic: Diagnostic, sources: Sources) -> dict[str, Any]:
    """One diagnostic as a JSON-ready object."""
    return {
        "severity": str(diagnostic.severity),
        "code": diagnostic.code,
        **_location_record(diagnostic.location, sources),
        "message": diagnostic.message,
        "notes": list(diagnostic.notes),
        "hint": diagnostic.hint,
        "chain": list(diagnostic.chain),
        "related": [
            {"message": r.message, **_location_record(r.location, sources)} for r in diagnostic.related
        ],
    }


def summary(diagnostics: Iterable[Diagnostic]) -> str:
    counts = {severity: 0 for severity in Severity}
    for diagnostic in diagnostics:
        counts[diagnostic.severity] += 1
    parts = [f"{counts[s]} {s}{'' if counts[s] == 1 else 's'}" for s in (Severity.ERROR, Severity.WARNING)]
    return ", ".join(parts)

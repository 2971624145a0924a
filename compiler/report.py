"""Rendering diagnostics: compiler-style text with a caret, or JSON records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compiler import jsonpos
from compiler.diagnostics import Diagnostic, Location, Severity, Sources

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

"""The one path from untrusted text to Python source: names, string literals, docstrings.

Everything the Python backend writes that came from an analysis goes through
this module. A name must pass `name_problem` before it becomes an identifier;
any other text becomes a string literal (`string`, `literal`) or a docstring
(`docstring`), and every literal is parsed back with `ast.literal_eval` and
compared with the value it stands for before it is used. The result is a
`Code` string, the only kind of value the backend's templates accept.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import re
from typing import Any

from compiler.errors import KcError


class Code(str):
    """Python source text produced by this module or the expression printer."""

    __slots__ = ()


IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)

GENERATED_NAMES = frozenset(
    {
        # Imports of the generated module.
        "contextlib",
        "functools",
        "importlib",
        "math",
        "Fraction",
        "Any",
        # Its public names.
        "PARAMETERS",
        "flops",
        "memory_read",
        "memory_write",
        "memory_bytes",
        "arithmetic_intensity",
        "kernels",
    }
)
"""Names the generated module defines or uses besides its `_`-prefixed helpers."""

MAX_NESTING = 50
"""Levels of lists and objects in one kernel value; Python's parser allows 200 brackets."""


class LiteralError(KcError):
    """A value that cannot be written as a Python literal."""

    code = "KC602"


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a parameter of generated code, or None when it can."""
    if not IDENTIFIER.fullmatch(name):
        if name.startswith("_") and IDENTIFIER.fullmatch(name.lstrip("_") or "x"):
            return "names starting with an underscore are reserved for the generated module's helpers"
        return "it is not an ASCII identifier (a letter, then letters, digits and underscores)"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "it is a Python keyword"
    if name in dir(builtins):
        return "it is a Python builtin, which the generated code uses"
    if name in GENERATED_NAMES:
        return "the generated module uses this name itself"
    return None


def string(text: str) -> Code:
    """`text` as a double-quoted Python string literal."""
    if not isinstance(text, str):
        raise LiteralError(f"expected a string, got {type(text).__name__}")
    code = '"' + _escape(text) + '"'
    _check(code, text)
    return Code(code)


def literal(value: Any, depth: int = 0) -> Code:
    """A JSON value (string, number, boolean, null, list, object) as a Python literal."""
    if depth > MAX_NESTING:
        raise LiteralError(f"nested more than {MAX_NESTING} levels deep")
    if value is None or isinstance(value, bool):
        code = repr(value)
    elif isinstance(value, str):
        return string(value)
    elif isinstance(value, int):
        code = repr(int(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise LiteralError(f"{value!r} is not a finite number")
        code = repr(float(value))
    elif isinstance(value, list | tuple):
        code = "[" + ", ".join(literal(item, depth + 1) for item in value) + "]"
    elif isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise LiteralError(f"object key {key!r} is not a string")
            items.append(f"{string(key)}: {literal(item, depth + 1)}")
        code = "{" + ", ".join(items) + "}"
    else:
        raise LiteralError(f"a {type(value).__name__} is not a JSON value")
    if depth == 0:
        _check(code, value)
    return Code(code)


def docstring(text: str, indent: str = "") -> Code:
    """`text` as a triple-quoted docstring whose lines after the first are indented by `indent`.

    Each line is escaped as by `_escape`; newlines stay newlines.
    """
    lines = text.split("\n")
    escaped = [_escape(line, trailing=True) for line in lines]
    body = escaped[0] + "".join("\n" + (indent + line if line else "") for line in escaped[1:])
    closing = "\n" + indent if len(lines) > 1 else ""
    code = f'"""{body}{closing}"""'
    value = lines[0] + "".join("\n" + (indent + line if line else "") for line in lines[1:]) + closing
    _check(code, value)
    return Code(code)


def _escape(text: str, trailing: bool = False) -> str:
    """`text` for the inside of a double-quoted literal: printable characters as they are, the rest escaped.

    Backslashes and double quotes are escaped, so the literal cannot end
    early; `str.isprintable` keeps out control, line-separator, format
    (bidirectional) and unassigned characters. With `trailing`, spaces and
    tabs at the end are escaped too (trailing whitespace in a docstring).
    """
    out = []
    end = len(text.rstrip(" \t")) if trailing else len(text)
    for index, character in enumerate(text):
        point = ord(character)
        if character == "\\":
            out.append("\\\\")
        elif character == '"':
            out.append('\\"')
        elif character.isprintable() and index < end:
            out.append(character)
        elif point < 0x100:
            out.append(f"\\x{point:02x}")
        elif point < 0x10000:
            out.append(f"\\u{point:04x}")
        else:
            out.append(f"\\U{point:08x}")
    return "".join(out)


def _check(code: str, value: Any) -> None:
    """The literal means exactly `value`; anything else is a bug in this module."""
    parsed = ast.literal_eval(code)
    if parsed != value or (type(parsed) is not type(value) and not isinstance(value, tuple)):
        raise AssertionError(f"literal {code[:60]!r} does not round-trip")

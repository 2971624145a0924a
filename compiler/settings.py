"""NAME=VALUE settings from the command line: one parser for `--rename`, `--limit` and `--set`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def parse_pairs(
    pairs: Iterable[str],
    value: Callable[[str, str], T],
    *,
    form: str = "NAME=VALUE",
    identifiers: bool = True,
    once: bool = True,
) -> dict[str, T]:
    """Each `NAME=VALUE` of `pairs` as `{NAME: value(NAME, VALUE)}`, both sides stripped.

    ValueError, phrased with `form`, for a pair without `=` or (with
    `identifiers`) whose name is not an identifier; with `once`, for a name
    given twice. `value` raises for a value it does not take.
    """
    settings: dict[str, T] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or (identifiers and not name.isidentifier()):
            raise ValueError(f"expected {form}, got {pair!r}")
        if once and name in settings:
            raise ValueError(f"{name} is set twice")
        settings[name] = value(name, text.strip())
    return settings

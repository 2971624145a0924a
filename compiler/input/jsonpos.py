"""Line and column of a value inside JSON text, found by its path.

Only run when a diagnostic is rendered: `json.loads` keeps no positions, so
this walks the raw text down the path, skipping siblings with the C decoder.
"""

from __future__ import annotations

import json

_decoder = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def value_offset(text: str, path: tuple[str | int, ...]) -> int | None:
    """Offset of the first character of the value at `path`, or None."""
    position = _skip(text, 0)
    try:
        for part in path:
            found = _child(text, position, part)
            if found is None:
                return None
            position = found
    except (ValueError, IndexError):
        return None
    return position


def _child(text: str, position: int, part: str | int) -> int | None:
    opening = text[position]
    if opening not in "{[" or (opening == "{") != isinstance(part, str):
        return None
    position = _skip(text, position + 1)
    index = 0
    found = None
    while text[position] not in "}]":
        if opening == "{":
            key, position = _decoder.raw_decode(text, position)
            position = _skip(text, _skip(text, position) + 1)  # past ':'
            if key == part:
                found = position  # the last duplicate wins, as in json.loads
        elif index == part:
            return position
        _, position = _decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position] == ",":
            position = _skip(text, position + 1)
        index += 1
    return found


def string_offset(text: str, start: int, index: int) -> int:
    """Raw offset of decoded character `index` of the JSON string starting at `start`."""
    position = start + 1
    for _ in range(index):
        if position >= len(text) or text[position] == '"':
            break
        if text[position] != "\\":
            position += 1
        elif text[position + 1] == "u":
            high = int(text[position + 2 : position + 6], 16)
            position += 12 if 0xD800 <= high < 0xDC00 else 6
        else:
            position += 2
    return position


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column

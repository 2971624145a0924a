"""Widths of typeset pieces, in points at 10pt, so that long formulas break before the margin.

The widths were measured with pdflatex in the documents' fonts (T1, Latin
Modern). `Math` is a printed piece with its estimated width and precedence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from compiler.language.precedence import ATOM

# Widths in points at 10pt, measured with pdflatex in the document's fonts
# (T1, Latin Modern): letters of \mathit words, math-italic letters, upright
# letters of \mathrm and subscripts, and the space an operator takes with its
# spacing on both sides.
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _widths(letters: str, digits: float, values: str, underscore: float = 0.0) -> dict[str, float]:
    table = dict(zip(letters, map(float, values.split()), strict=True))
    table.update(dict.fromkeys("0123456789", digits))
    table["_"] = underscore
    return table


WORD = _widths(
    LETTERS,
    5.11,
    "5.11 4.09 4.09 5.11 4.09 3.07 4.60 5.11 3.07 3.07 4.60 2.56 8.18 5.62 4.60 4.60 4.60 3.71 4.09 3.32 5.37 4.60 "
    "6.64 4.64 4.86 4.09 6.92 7.04 7.16 7.55 6.78 5.76 7.74 7.43 3.86 5.25 7.18 5.76 8.97 7.43 7.67 6.78 7.67 6.78 "
    "5.62 6.39 6.92 6.67 9.22 7.43 6.67 6.13",
    underscore=7.92,
)
ITALIC_CORRECTION = 1.5  # after the last letter of a \mathit word
ITALIC = _widths(
    LETTERS,
    5.0,
    "5.29 4.29 4.33 5.20 4.66 5.97 5.13 5.76 3.45 4.69 5.52 3.18 8.78 6.00 4.85 5.03 4.82 4.79 4.69 3.61 5.72 5.21 "
    "7.43 5.72 5.26 5.09 7.50 8.09 7.86 8.56 7.96 7.82 7.86 9.12 5.18 6.51 9.21 6.81 10.79 9.12 7.91 7.81 7.91 7.67 "
    "6.71 7.23 7.92 8.06 10.83 9.07 8.03 7.54",
)
ROMAN = _widths(
    LETTERS,
    5.0,
    "5.00 5.56 4.44 5.56 4.44 3.06 5.00 5.56 2.78 3.33 5.28 2.78 8.33 5.56 5.00 5.56 5.28 3.92 3.94 3.89 5.56 4.44 "
    "6.67 5.28 4.72 4.44 7.50 7.08 7.22 7.64 6.81 5.69 7.85 7.50 3.61 5.14 7.78 6.25 9.17 7.50 7.78 6.53 7.78 7.36 "
    "5.56 6.39 7.50 6.67 9.44 7.50 6.67 6.11",
)
SCRIPT = 0.7  # a superscript or subscript is set at 70%
SPACE = {"cdot": 7.22, "sum": 12.22, "relation": 13.33, "logic": 11.11, "comma": 4.44, "thin": 1.67, "quad": 10.0}
PARENTHESES = 7.78
BIG_PARENTHESES = 9.5  # \left( \right) around something taller than a line
FRACTION_RULE = 2.4  # the null delimiters on both sides of \frac
CASES = 19.3  # the brace of `cases` and the space between its columns
TEXT_IF, TEXT_OTHERWISE = 9.17, 41.19
NARROW = 80.0  # a product at most this wide goes above the bar of its coefficient: a/2, not ½a
WIDE = 150.0  # a product wider than this does not go above a fraction bar at all


def text_width(text: str, table: Mapping[str, float] = ROMAN) -> float:
    """The width of `text` set in the font whose widths `table` holds; unknown characters count as an `M`."""
    return sum(table.get(character, 10.0) for character in text)


@dataclass(frozen=True, slots=True)
class Math:
    """A printed piece: its LaTeX, an estimate of its width in points at 10pt, its precedence level.

    `kind` decides how a factor joins its neighbours in a product: numbers,
    short symbols, words (names written in full), fractions and other groups.
    `tall` marks pieces taller than a line (fractions, cases), whose
    parentheses must grow with them.
    """

    text: str
    width: float
    level: int = ATOM
    kind: str = "group"
    tall: bool = False



"""Numbers as people read them: decimal and binary prefixes, durations, ratios, percentages, rates.

JSON and CSV carry numbers in full (`plain`); tables and plots use the
rest, with three significant digits and no exponents.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any


def plain(value: Any) -> Any:
    """A JSON-ready number: int for integral values below 2**53 or exact ints, float otherwise, None for inf/NaN."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    number = float(value)
    if not math.isfinite(number):
        return None
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def si(value: Any, unit: str) -> str:
    """`7.70 TFLOP`: three significant digits with a decimal prefix."""
    number = float(value)
    if number == 0:
        return f"0 {unit}"
    for power, prefix in ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k")):
        if abs(number) >= 10**power * 0.9995:
            return f"{_digits(number / 10**power)} {prefix}{unit}"
    return f"{_digits(number, whole=True)} {unit}"


def binary(value: Any) -> str:
    """`4.00 GiB`: bytes with a binary prefix."""
    number = float(value)
    if number == 0:
        return "0 B"
    for power, prefix in ((50, "PiB"), (40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")):
        if abs(number) >= 2**power * 999.5 / 1024:  # at most three digits before the point
            return f"{_digits(number / 2**power)} {prefix}"
    return f"{number:.0f} B" if float(number).is_integer() else f"{number:.3g} B"


def duration(seconds: Any) -> str:
    """`1.23 ms`: a time with the unit that keeps it between 1 and 1000."""
    number = float(seconds)
    if number == 0:
        return "0 s"
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if abs(number) >= scale * 0.9995:
            return f"{_digits(number / scale)} {unit}"
    return f"{_digits(number / 1e-12)} ps"


def ratio(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return "∞"
    number = float(value)
    if number >= 1000:
        return f"{number:,.0f}"
    return _digits(number, whole=True)


def percent(part: Any, whole: Any) -> str:
    whole = float(whole)
    return f"{100 * float(part) / whole:.1f}%" if whole else "-"


def _digits(number: float, whole: bool = False) -> str:
    """Three significant digits without switching to exponents; with `whole`, integers as they are."""
    magnitude = abs(number)
    if whole and number.is_integer():
        return f"{number:.0f}"
    if magnitude >= 100:
        return f"{number:.0f}"
    if magnitude >= 10:
        return f"{number:.1f}"
    return f"{number:.2f}"


def rate(value: float, unit: str) -> str:
    """A figure as datasheets print it: `989.5 TFLOP/s`, `3.35 TB/s`, `80 GB`."""
    for power, prefix in ((12, "T"), (9, "G"), (6, "M"), (3, "k")):
        if value >= 10**power:
            return f"{value / 10**power:.5g} {prefix}{unit}"
    return f"{value:.5g} {unit}"

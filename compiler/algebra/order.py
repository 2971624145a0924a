"""The order of names in printed formulas (SEMANTICS §6), shared by both algebras."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Final

from compiler.language import ir

_FIRST = ("batch_size", "seq_len", "cache_len")


class Order:
    """Ranks names for printing: the unified names, the signature, others, precision last."""

    __slots__ = ("ranks",)

    def __init__(self, ranks: Mapping[str, int]) -> None:
        self.ranks: Final = ranks

    @classmethod
    def of(cls, signature: Iterable[str], later: Iterable[str] = ()) -> Order:
        names = [n for n in dict.fromkeys((*_FIRST, *signature, *later)) if n not in ir.PRINTED_LAST]
        return cls({name: index for index, name in enumerate(names)})

    def key(self, name: str) -> tuple[int, int, str]:
        if name in ir.PRINTED_LAST:
            return (3, ir.PRINTED_LAST.index(name), name)
        if name in self.ranks:
            return (0, self.ranks[name], name)
        if ir.is_config(name):  # configuration values after the other names, before the precision names
            return (2, 0, name)
        return (1, 0, name)


_NUMBERS: dict[int, ir.Number] = {}
_SHARED = 1 << 16
"""Naturals below this are made into IR once: nodes are immutable, and these recur in every formula."""


def number(value: int) -> ir.Number:
    """The IR of the natural number `value`."""
    node = _NUMBERS.get(value)
    if node is None:
        node = ir.Number(Fraction(value))
        if value < _SHARED:
            _NUMBERS[value] = node
    return node


def product(coefficient: int | Fraction, numerator: list[ir.Expr], denominator: list[ir.Expr]) -> ir.Expr:
    """A product as both algebras print it: the number first, the factors in order, one `/` before the denominator."""
    negative = coefficient < 0
    if negative:
        coefficient = -coefficient
    above, below = coefficient.numerator, coefficient.denominator
    factors = iter(numerator)
    result = number(above) if above != 1 or not numerator else next(factors)
    for factor in factors:
        result = ir.Binary("*", result, factor)
    if below != 1 or denominator:
        factors = iter(denominator)
        divisor = number(below) if below != 1 else next(factors)
        for factor in factors:
            divisor = ir.Binary("*", divisor, factor)
        result = ir.Binary("/", result, divisor)
    return ir.Unary("-", result) if negative else result

"""Core polynomials back to IR, in the order of SEMANTICS §6.

The order is the one the sympy bridge's `Lowering` gives: in a product the
number first, then names by rank, other factors, precision names last; in a
sum, terms by the ranks of their factors. Where that order falls back on how
sympy prints an expression (two terms whose factors rank alike, two
functions side by side), the core reproduces sympy's text for products of
names, and for `min` and `max` of numbers, multiples of names and one sum
of them, and raises `Unsupported` for anything else, so the bridge decides.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from operator import eq
from typing import Any

from compiler.algebra import Unsupported
from compiler.algebra.core import Atom, Fn, Monomial, Poly, Rational
from compiler.algebra.order import Order, number, product
from compiler.language import ir
from compiler.language.printer import to_text

_END = (9,)
_Split = tuple[tuple[Any, ...], list[ir.Expr], list[ir.Expr]]
"""A term's place in a sum (the ranks of its factors above the fraction bar, each as often as its
exponent), and its factors above and below the bar as IR, each in printing order."""


class _Printed:
    """How sympy prints an atom or a term, worked out only where the order needs it."""

    __slots__ = ("_print", "_text", "identity")

    def __init__(self, identity: object, print: Callable[[], str | None]) -> None:
        self.identity, self._print = identity, print
        self._text: str | bool | None = False

    @property
    def text(self) -> str | None:
        if self._text is False:
            self._text = self._print()
        return self._text  # type: ignore[return-value]

    def _known(self, other: object) -> tuple[str, str]:
        mine = self.text
        theirs = other.text if isinstance(other, _Printed) else other
        if mine is None or not isinstance(theirs, str):
            raise Unsupported("an order that depends on how sympy prints a formula")
        return mine, theirs

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Printed) and self.identity == other.identity:
            return True
        mine, theirs = self._known(other)
        return mine == theirs

    def __hash__(self) -> int:
        return hash(self.identity)

    def __lt__(self, other: object) -> bool:
        mine, theirs = self._known(other)
        return mine < theirs

    def __gt__(self, other: object) -> bool:
        mine, theirs = self._known(other)
        return mine > theirs


def _number_text(value: Rational) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _monomial_text(coefficient: Rational, monomial: Monomial) -> str | None:
    """sympy's `sstr(term, order="none")` for a rational times powers of names; None for other terms."""
    if any(not isinstance(atom, str) for atom, _ in monomial):
        return None
    if not monomial:
        return _number_text(coefficient)
    factors: list[tuple[str, int]] = sorted(monomial)  # type: ignore[arg-type]
    if coefficient == 1 and len(factors) == 1:
        ((name, exponent),) = factors
        if exponent == 1:
            return name
        if exponent == -1:
            return f"1/{name}"
        return f"{name}**{exponent}" if exponent > 0 else f"{name}**({exponent})"
    # A Mul: the coefficient, then names to the first power, then the other powers, each by name.
    coefficient = Fraction(coefficient)
    sign = "-" if coefficient < 0 else ""
    coefficient = abs(coefficient)
    ordered = [f for f in factors if f[1] == 1] + [f for f in factors if f[1] != 1]
    above: list[str] = []
    below: list[str] = []
    if coefficient.numerator != 1:
        above.append(str(coefficient.numerator))
    if coefficient.denominator != 1:
        below.append(str(coefficient.denominator))
    for name, exponent in ordered:
        if exponent < 0:
            below.append(name if exponent == -1 else f"{name}**{-exponent}")
        else:
            above.append(name if exponent == 1 else f"{name}**{exponent}")
    text = sign + "*".join(above or ["1"])
    if not below:
        return text
    if len(below) == 1:
        return f"{text}/{below[0]}"
    return f"{text}/({'*'.join(below)})"


def _atom_text(atom: Atom) -> str | None:
    if isinstance(atom, str):
        return atom
    if atom.kind == "pow":
        return None  # sympy orders a power by how it prints the sum below it
    if atom.kind == "if":
        return _conditional_text(*atom.args)
    if atom.kind == "floor":
        ((argument,),) = (atom.args,)
        if len(argument.terms) != 1:
            return None
        ((monomial, coefficient),) = argument.terms.items()
        inner = _monomial_text(coefficient, monomial)
        return None if inner is None else f"floor({inner})"
    known = [(key, part) for a in atom.args if (key := _argument_order(a)) is not None and (part := _poly_text(a)) is not None]
    if len(known) < len(atom.args) or sum(key[0] == 2 for key, _ in known) > 1:
        return None  # sympy orders two sums, and other arguments, by rules of its own
    return f"{atom.kind.capitalize()}({', '.join(part for _, part in sorted(known, key=lambda pair: pair[0]))})"


def _conditional_text(test: Poly, body: Poly, orelse: Poly) -> str | None:
    """sympy's `sstr` of a `Piecewise`: `Piecewise((a, x > 0), (b, True))`, an equation `Eq(x, y)`; None where
    a branch is a sum sympy orders by rules of its own."""
    relation = test.single()
    assert isinstance(relation, Fn)
    parts = [_poly_text(p) for p in (body, *relation.args, orelse)]
    if None in parts:
        return None
    then, left, right, otherwise = parts
    written = {"==": f"Eq({left}, {right})", "!=": f"Ne({left}, {right})"}.get(relation.kind, f"{left} {relation.kind} {right}")
    return f"Piecewise(({then}, {written}), ({otherwise}, True))"


def _argument_order(argument: Poly) -> tuple[Any, ...] | None:
    """Where sympy's `sort_key` puts a min's or max's argument: numbers, then names and their multiples
    (by name, then the number: `-3*a` before `a`), then a sum; None for other arguments."""
    value = argument.constant()
    if value is not None:
        return (0, value)
    if len(argument.terms) > 1:
        return (2,)
    multiple = _multiple(*next(iter(argument.terms.items())))
    return None if multiple is None else (1, *multiple)


def _multiple(monomial: Monomial, coefficient: Rational) -> tuple[str, int] | None:
    """(name, n) for the term n * name, n an integer; None for any other term."""
    if len(monomial) != 1 or Fraction(coefficient).denominator != 1:
        return None
    ((atom, exponent),) = monomial
    return (atom, int(coefficient)) if isinstance(atom, str) and exponent == 1 else None


def _poly_text(poly: Poly) -> str | None:
    if len(poly.terms) > 1:
        return _sum_text(poly)
    if not poly.terms:
        return "0"
    ((monomial, coefficient),) = poly.terms.items()
    return _monomial_text(coefficient, monomial)


def _sum_text(poly: Poly) -> str | None:
    """sympy's `sstr(sum, order="none")` for an integer, names, and at most one integer multiple of a name
    (`num_layers - num_sliding_layers`); None for other sums.

    sympy keeps a sum's terms in its own order: the number, the names by
    name, then the products; each term is printed with its sign.
    """
    constant = poly.terms.get(frozenset(), 0)
    found = [_multiple(m, c) for m, c in poly.terms.items() if m]
    multiples = [f for f in found if f is not None]
    if Fraction(constant).denominator != 1 or len(multiples) < len(found):
        return None
    products = [(name, c) for name, c in multiples if c != 1]
    if len(products) > 1:
        return None  # two products: sympy compares their factors
    names = sorted(name for name, c in multiples if c == 1)
    terms = ([str(constant)] if constant else []) + names + [("-" if c == -1 else f"{c}*") + name for name, c in products]
    text = terms[0]
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


class _Keys(dict[Atom, tuple[Any, ...]]):
    """Where each atom goes among the factors of a product, worked out on first use: a name by its rank,
    another atom by how sympy prints it."""

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.order = order

    def __missing__(self, atom: Atom) -> tuple[Any, ...]:
        key = self[atom] = self.order.key(atom) if isinstance(atom, str) else (2, 0, _Printed(atom, lambda: _atom_text(atom)))
        return key


class Lowering:
    """Converts core polynomials to ordered IR, remembering what it did."""

    def __init__(self, order: Order) -> None:
        self.order = order
        self._done: dict[Poly, ir.Expr] = {}
        self._atoms: dict[Atom, ir.Expr] = {}
        self._keys = _Keys(order)
        self._splits: dict[Monomial, _Split] = {}

    def __call__(self, expr: Poly) -> ir.Expr:
        done = self._done.get(expr)
        if done is None:
            done = self._done[expr] = self._lower(expr)
        return done

    def _lower(self, expr: Poly) -> ir.Expr:
        if not expr.terms:
            return ir.Number(Fraction(0))
        if len(expr.terms) == 1:
            ((monomial, coefficient),) = expr.terms.items()
            return self._term(coefficient, monomial)
        return self._sum(expr)

    def _number(self, value: Rational) -> ir.Expr:
        magnitude = -value if value < 0 else value
        node = number(magnitude) if isinstance(magnitude, int) else ir.Number(magnitude)
        return ir.Unary("-", node) if value < 0 else node

    def _atom(self, atom: Atom) -> ir.Expr:
        done = self._atoms.get(atom)
        if done is None:
            done = self._atoms[atom] = self._lower_atom(atom)
        return done

    def _lower_atom(self, atom: Atom) -> ir.Expr:
        if isinstance(atom, str):
            return ir.Name(atom)
        if atom.kind == "floor":
            # A single quotient prints as `a // b`; anything else stays `floor(...)`.
            (argument,) = atom.args
            if len(argument.terms) == 1:
                ((monomial, coefficient),) = argument.terms.items()
                coefficient = Fraction(coefficient)
                below = frozenset((a, -e) for a, e in monomial if e < 0)
                if below or coefficient.denominator != 1:
                    above = frozenset((a, e) for a, e in monomial if e > 0)
                    numerator = self._term(coefficient.numerator, above)
                    return ir.Binary("//", numerator, self._term(coefficient.denominator, below))
            return ir.Call("floor", (self(argument),))
        if atom.kind == "pow":
            base, exponent = atom.args
            return ir.Binary("**", self(base), self(exponent))
        if atom.kind == "if":
            test, body, orelse = atom.args
            return ir.Conditional(self._test(test), self(body), self(orelse))
        arguments = sorted(atom.args, key=self._argument_key)
        return ir.Call(atom.kind, tuple(map(self, arguments)))

    def _test(self, test: Poly) -> ir.Expr:
        """A conditional's test, one relation atom: `x != 0` is written `x`, as the bridge writes it."""
        relation = test.single()
        assert isinstance(relation, Fn)
        left, right = relation.args
        if relation.kind == "!=" and not right.terms:
            return self(left)
        return ir.Binary(relation.kind, self(left), self(right))

    def _argument_key(self, argument: Poly) -> tuple[Any, ...]:
        atom = argument.single()
        if isinstance(atom, str):
            return self.order.key(atom)
        value = argument.constant()
        if value is None:
            # A formula as an argument: in the order of its printed text, which both algebras agree on.
            return (2, 0, to_text(self(argument)))
        return (2, 0, _number_text(value))

    def _split(self, monomial: Monomial) -> _Split:
        """The ranks and factors of `monomial`, made once: callers look in `_splits` first (a sum asks for
        its terms' ranks, then for their factors)."""
        key = self._keys.__getitem__
        exponents = dict(monomial)
        numerator = sorted([atom for atom, exponent in monomial if exponent > 0], key=key)
        denominator: list[Atom] = []
        if len(numerator) < len(exponents):
            denominator = sorted([atom for atom, exponent in monomial if exponent < 0], key=key)
        ranks: list[tuple[Any, ...]] = []
        above: list[ir.Expr] = []
        for atom in numerator:
            exponent = exponents[atom]
            ranks.extend([key(atom)] * (exponent if exponent < 64 else 1))
            above.append(self._power(atom, exponent))
        ranks.append(_END)
        below = [self._power(atom, -exponents[atom]) for atom in denominator]
        split = self._splits[monomial] = (tuple(ranks), above, below)
        return split

    def _power(self, atom: Atom, exponent: int) -> ir.Expr:
        if exponent == 1:
            return self._atom(atom)
        return ir.Binary("**", self._atom(atom), number(exponent))

    def _term(self, coefficient: Rational, monomial: Monomial) -> ir.Expr:
        if not monomial:
            return self._number(coefficient)
        _, above, below = self._splits.get(monomial) or self._split(monomial)
        return product(coefficient, above, below)

    def _ordered(self, expr: Poly) -> list[tuple[Monomial, Rational]]:
        """A sum's terms by the ranks of their factors; terms that rank alike by how sympy prints them."""
        splits = self._splits
        terms = list(expr.terms.items())
        ranks = [(splits.get(monomial) or self._split(monomial))[0] for monomial, _ in terms]
        order = sorted(range(len(terms)), key=ranks.__getitem__)
        ordered = [ranks[i] for i in order]
        if any(map(eq, ordered, ordered[1:])):  # seldom: terms alike above the fraction bar, `a / b` and `a / c`
            self._ties_by_text(terms, ranks, order)
        return [terms[i] for i in order]

    @staticmethod
    def _ties_by_text(terms: list[tuple[Monomial, Rational]], ranks: list[tuple[Any, ...]], order: list[int]) -> None:
        """Sorts each run of `order` whose terms' factors rank alike by how sympy prints the terms."""
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and ranks[order[end]] == ranks[order[start]]:
                end += 1
            if end - start > 1:
                texts: dict[int, str] = {}
                for i in order[start:end]:
                    text = _monomial_text(terms[i][1], terms[i][0])
                    if text is None:
                        raise Unsupported("an order that depends on how sympy prints a formula")
                    texts[i] = text
                order[start:end] = sorted(order[start:end], key=texts.__getitem__)
            start = end

    def _sum(self, expr: Poly) -> ir.Expr:
        (monomial, coefficient), *rest = self._ordered(expr)
        result = self._term(coefficient, monomial)
        for monomial, coefficient in rest:
            if coefficient < 0:  # a - b, where the term is -b
                result = ir.Binary("-", result, self._term(-coefficient, monomial))
            else:
                result = ir.Binary("+", result, self._term(coefficient, monomial))
        return result


__all__ = ["Fn", "Lowering"]

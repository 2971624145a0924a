"""kc's algebra core: exact canonical sums of products, built for what analyses contain.

A `Poly` maps each monomial to its rational coefficient. A monomial is a
frozenset of (atom, exponent) pairs with nonzero integer exponents; an atom
is a name (a `str`) or a `Fn`: `floor`, `min` or `max` of canonical
arguments, or `pow`, a sum raised to a formula (the expected experts a
mixture-of-experts layer reads, `(1 - top_k / num_experts) ** (batch_size * seq_len)`).
Every value is expanded when it is made, so like terms combine by hashing,
equality is structural, and substitution is one pass over the terms.

The core answers exactly what the sympy bridge (`compiler.symbolic`) answers
for the formulas it models, and raises `Unsupported` for every other one
(conditionals, `%`, `ceil`, `abs`, `sqrt`, `log2`, fractional powers,
symbolic powers of anything but a sum, division by a sum, any error): the
bridge then computes them.

Each value also carries `estimate`, an upper bound on the terms the bridge
would estimate for the same formula before expanding it, so that the term
limit (KC908) is refused by the bridge in every case it would be.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from typing import TypeAlias, TypeGuard

from compiler.algebra import Unsupported
from compiler.language import ir
from compiler.limits import Limits

Rational: TypeAlias = int | Fraction
Atom: TypeAlias = "str | Fn"
Monomial: TypeAlias = "frozenset[tuple[Atom, int]]"

_ONE: Monomial = frozenset()


class Fn:
    """`floor(arg)`, `min(args)`, `max(args)` or `pow(base, exponent)` with canonical arguments."""

    __slots__ = ("_hash", "_names", "args", "kind")

    def __init__(self, kind: str, args: tuple[Poly, ...]) -> None:
        self.kind, self.args = kind, args
        self._hash = hash((kind, args))
        self._names: frozenset[str] | None = None

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Fn) and self._hash == other._hash and self.kind == other.kind and self.args == other.args)

    def names(self) -> frozenset[str]:
        if self._names is None:
            self._names = frozenset().union(*(a.names() for a in self.args))
        return self._names

    def __repr__(self) -> str:
        return f"{self.kind}({', '.join(map(repr, self.args))})"


class Poly:
    """An exact, expanded formula: monomials to nonzero rational coefficients.

    `estimate` bounds from above the terms the bridge estimates for the same
    formula before it expands it; `flat` says the bridge holds it as a plain
    sum of monomials (then the estimate is the number of terms). Of a formula
    that is not flat, `plain` holds the terms of the bridge's sum that are
    plain monomials (those a sum combines with like terms), and the estimate
    counts them once each, whatever the other terms add.
    """

    __slots__ = ("_hash", "_names", "estimate", "flat", "plain", "terms")

    def __init__(
        self, terms: dict[Monomial, Rational], estimate: float | None = None, flat: bool = True, plain: dict[Monomial, Rational] | None = None
    ) -> None:
        self.terms = terms
        self.estimate = float(len(terms) or 1) if estimate is None else estimate
        self.flat = flat
        self.plain = terms if flat else plain or {}
        self._hash: int | None = None
        self._names: frozenset[str] | None = None

    # Construction

    @staticmethod
    def number(value: Rational) -> Poly:
        return Poly({_ONE: value} if value else {}, 1.0)

    @staticmethod
    def atom(atom: Atom) -> Poly:
        if isinstance(atom, str):
            known = _NAMES.get(atom)
            if known is None:
                known = _NAMES[atom] = Poly({frozenset(((atom, 1),)): 1}, 1.0)
            return known
        return Poly({frozenset(((atom, 1),)): 1}, 1.0)

    # Inspection

    def constant(self) -> Rational | None:
        """The value, when the formula is a number."""
        if not self.terms:
            return 0
        if len(self.terms) == 1 and _ONE in self.terms:
            return self.terms[_ONE]
        return None

    def single(self) -> Atom | None:
        """The atom, when the formula is exactly one atom."""
        if len(self.terms) == 1:
            ((monomial, coefficient),) = self.terms.items()
            if coefficient == 1 and len(monomial) == 1:
                ((atom, exponent),) = monomial
                if exponent == 1:
                    return atom
        return None

    def names(self) -> frozenset[str]:
        if self._names is None:
            found: set[str] = set()
            for monomial in self.terms:
                for atom, _ in monomial:
                    if isinstance(atom, str):
                        found.add(atom)
                    else:
                        found |= atom.names()
            self._names = frozenset(found)
        return self._names

    def canonical(self) -> Poly:
        """The same value as the bridge holds it once expanded: a flat sum of its terms."""
        if self.flat:
            return self
        return Poly(self.terms)

    # Equality and hashing: structural, and a number equals its constant formula.

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self.terms.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Poly):
            return self is other or self.terms == other.terms
        if isinstance(other, (int, Fraction)):
            return self.constant() == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self) -> str:
        return " + ".join(f"{c}*{dict(m)}" for m, c in self.terms.items()) or "0"

    # Arithmetic

    def __add__(self, other: Poly | Rational) -> Poly:
        return add((self, _lift(other)))

    __radd__ = __add__

    def __neg__(self) -> Poly:
        plain = None if self.flat else {m: -c for m, c in self.plain.items()}  # the bridge distributes -1 over a sum
        return Poly({m: -c for m, c in self.terms.items()}, self.estimate, self.flat, plain)

    def __sub__(self, other: Poly | Rational) -> Poly:
        return add((self, -_lift(other)))

    def __rsub__(self, other: Rational) -> Poly:
        return add((_lift(other), -self))

    def _scaled(self, factor: Rational) -> dict[Monomial, Rational]:
        return _scaled(self.terms, factor)

    def __mul__(self, other: Poly | Rational) -> Poly:
        other = _lift(other)
        for x, y in ((self, other), (other, self)):
            constant = y.constant()
            if constant is not None and y.flat:
                if not constant:
                    return Poly({})
                plain = None if x.flat else _scaled(x.plain, constant)  # the bridge distributes a number over a sum
                return Poly(x._scaled(constant), x.estimate, x.flat, plain)
        a, b = (self, other) if len(self.terms) >= len(other.terms) else (other, self)
        single = a.flat and b.flat and len(a.terms) == 1 and len(b.terms) == 1
        estimate = 1.0 if single else _checked(a.estimate * b.estimate)
        terms: dict[Monomial, Rational] = {}
        for m2, c2 in b.terms.items():
            for m1, c1 in a.terms.items():
                monomial = _times(m1, m2)
                total = terms.get(monomial, 0) + c1 * c2
                if total:
                    terms[monomial] = total
                else:
                    del terms[monomial]
        return Poly(terms, estimate, single)

    __rmul__ = __mul__

    def inverse(self) -> Poly:
        """1 / self, for a single nonzero term; a sum below a fraction bar is the bridge's."""
        if len(self.terms) != 1:
            raise Unsupported("division by zero or by a sum")
        ((monomial, coefficient),) = self.terms.items()
        _no_powers(monomial)
        return Poly({frozenset((a, -e) for a, e in monomial): Fraction(1) / coefficient}, 1.0, self.flat)

    def __truediv__(self, other: Poly | Rational) -> Poly:
        return self * _lift(other).inverse()

    def __rtruediv__(self, other: Rational) -> Poly:
        return _lift(other) * self.inverse()

    def power(self, exponent: int) -> Poly:
        if exponent == 0:
            return Poly.number(1)
        if exponent == 1:
            return self
        if len(self.terms) == 1 and self.flat:
            ((monomial, coefficient),) = self.terms.items()
            if not monomial:
                return Poly.number(Fraction(coefficient) ** exponent)
            _no_powers(monomial)
            return Poly({frozenset((a, e * exponent) for a, e in monomial): Fraction(coefficient) ** exponent}, 1.0)
        if exponent < 0:
            if len(self.terms) != 1:
                raise Unsupported("a negative power of a sum")
            return self.inverse().power(-exponent)
        if exponent * math.log(max(self.estimate, 1.0)) > math.log(Limits.current().expression_terms):
            raise Unsupported("past the term limit")
        estimate = _checked(self.estimate**exponent)
        result = self
        for _ in range(exponent - 1):
            result = result * self
        return Poly(result.terms, estimate, False)


_NAMES: dict[str, Poly] = {}
"""One formula per name, so that a name mapped to itself is found by identity."""


def _scaled(terms: dict[Monomial, Rational], factor: Rational) -> dict[Monomial, Rational]:
    if not factor:
        return {}
    if factor == 1:
        return terms
    return {m: c * factor for m, c in terms.items()}


def _lift(value: Poly | Rational) -> Poly:
    return value if isinstance(value, Poly) else Poly.number(value)


def _checked(estimate: float) -> float:
    """Past the term limit the bridge decides (it refuses with KC908 where its own estimate says so)."""
    if estimate > Limits.current().expression_terms:
        raise Unsupported("past the term limit")
    return estimate


def _times(a: Monomial, b: Monomial) -> Monomial:
    if not a:
        return b
    if not b:
        return a
    exponents = dict(a)
    for atom, exponent in b:
        if _is_power(atom):
            _power_apart(atom, exponents)
        total = exponents.get(atom, 0) + exponent
        if total:
            exponents[atom] = total
        else:
            del exponents[atom]
    return frozenset(exponents.items())


def _is_power(atom: Atom) -> TypeGuard[Fn]:
    return type(atom) is Fn and atom.kind == "pow"


def _no_powers(monomial: Monomial) -> None:
    """sympy multiplies the exponent of a symbolic power raised again (`(b**e)**2` is `b**(2*e)`); the core does not."""
    if any(_is_power(atom) for atom, _ in monomial):
        raise Unsupported("a symbolic power raised to a power")


def _power_apart(power: Fn, factors: Mapping[Atom, int]) -> None:
    """sympy joins powers of one sum in a product (`b**e * b**e` is `b**(2*e)`, `b**e * b**f` stays apart);
    the core leaves such products to it."""
    base = power.args[0]
    if any(_is_power(atom) and atom.args[0] == base for atom in factors):
        raise Unsupported("a product of powers of one sum")


# Atoms, evaluated as the bridge evaluates them.


def floor(argument: Poly) -> Poly:
    """floor(argument): a number, or the integer constant taken out and the rest an atom."""
    value = argument.constant()
    if value is not None:
        return Poly.number(math.floor(value))
    for monomial in argument.terms:
        if any(not isinstance(atom, str) for atom, _ in monomial):
            raise Unsupported("floor of a formula holding other functions")
    constant = argument.terms.get(_ONE, 0)
    if Fraction(constant).denominator != 1:
        raise Unsupported("floor of a sum with a fractional constant")
    rest = {m: c for m, c in argument.terms.items() if m}
    return Poly.atom(Fn("floor", (Poly(rest),))) + Poly.number(constant)


def extreme(kind: str, arguments: Iterable[Poly], signs: bool = True) -> Poly:
    """min or max: the numbers reduced to one, each other argument kept once, as the bridge keeps them.

    Of two arguments a number apart only the smaller (min) or larger (max) is
    kept, as sympy does; no other comparison is made (the names carry no sign).
    A function does (`max(b, 1)` is at least 1), and sympy compares it with the
    numbers beside it: with `signs`, as for sympy's `Max` and `Min`, the bridge
    decides those; without, as for the footprint's largest working set
    (`symbolic.Largest`), nothing is compared.
    """
    pick = max if kind == "max" else min
    numbers: list[Rational] = []
    names: set[str] = set()
    formulas: dict[Poly, None] = {}
    pending = list(arguments)
    while pending:
        argument = pending.pop()
        value = argument.constant()
        if value is not None:
            numbers.append(value)
            continue
        atom = argument.single()
        if isinstance(atom, str):
            names.add(atom)
        elif isinstance(atom, Fn) and atom.kind == kind:
            pending.extend(atom.args)
        else:
            formulas[argument.canonical()] = None
    if not names and not formulas:
        return Poly.number(pick(numbers))
    others = [*(Poly.atom(name) for name in sorted(names)), *sorted(formulas, key=_key)]
    # Two arguments are a number apart exactly when their terms other than the
    # constant agree, so each argument meets its one rival by hashing.
    kept: list[Poly] = []
    rivals: dict[frozenset[tuple[Monomial, Rational]], int] = {}
    for argument in others:
        shape = frozenset((m, c) for m, c in argument.terms.items() if m)
        index = rivals.get(shape)
        if index is None:
            rivals[shape] = len(kept)
            kept.append(argument)
            continue
        difference = argument.terms.get(_ONE, 0) - kept[index].terms.get(_ONE, 0)
        if (difference > 0) == (kind == "max"):
            kept[index] = argument
    if not numbers and len(kept) == 1:
        return kept[0]
    if signs and numbers and any(not isinstance(atom, str) for argument in kept for monomial in argument.terms for atom, _ in monomial):
        raise Unsupported("a number beside a formula holding functions: sympy compares them")
    ordered = [Poly.number(pick(numbers))] if numbers else []
    return Poly.atom(Fn(kind, tuple(ordered + kept)))


def _key(poly: Poly) -> str:
    """An order of formulas that does not depend on how they were built."""
    return repr(sorted((sorted((_atom_key(a), e) for a, e in m), str(c)) for m, c in poly.terms.items()))


def _atom_key(atom: Atom) -> str:
    return atom if isinstance(atom, str) else f"{atom.kind}{[_key(a) for a in atom.args]}"


# From IR


def value(expr: ir.Expr, reference: Callable[[ir.Reference], Poly] | None = None) -> Poly:
    """The exact value of `expr`; `reference` gives the value of each reference."""

    def convert(node: ir.Expr) -> Poly:
        match node:
            case ir.Number(value=v):
                return Poly.number(v.numerator if v.denominator == 1 else v)
            case ir.Name(id=name):
                return Poly.atom(name)
            case ir.Unary(op="-", operand=operand):
                return -convert(operand)
            case ir.Binary(op="+" | "-"):
                # a + b - c + ... parses left-deep: walk its spine
                terms = []
                while isinstance(node, ir.Binary) and node.op in ("+", "-"):
                    term = convert(node.right)
                    terms.append(term if node.op == "+" else -term)
                    node = node.left
                terms.append(convert(node))
                return add(reversed(terms))
            case ir.Binary(op="*"):
                factors = []  # a * b * c parses left-deep too
                while isinstance(node, ir.Binary) and node.op == "*":
                    factors.append(node.right)
                    node = node.left
                factors.append(node)
                return multiply(convert(f) for f in reversed(factors))
            case ir.Binary(op="/", left=left, right=right):
                return convert(left) / convert(right)
            case ir.Binary(op="//", left=left, right=right):
                return floor(convert(left) / convert(right))
            case ir.Binary(op="**", left=left, right=right):
                return _power(convert(left), convert(right))
            case ir.Call(function="min" | "max" as function, arguments=arguments):
                return extreme(function, [convert(a) for a in arguments])
            case ir.Call(function="floor", arguments=(argument,)):
                return floor(convert(argument))
            case ir.Reference() if reference is not None:
                return reference(node)
        raise Unsupported(type(node).__name__)

    return convert(expr)


def _power(base: Poly, exponent: Poly) -> Poly:
    n = exponent.constant()
    if n is None:
        return _symbolic_power(base, exponent)
    if Fraction(n).denominator != 1:
        raise Unsupported("a fractional power")
    b = base.constant()
    if b is not None:
        if b == 0:
            if n < 0:
                raise Unsupported("division by zero")
            return Poly.number(1 if n == 0 else 0)
        b = Fraction(b)
        size = max(abs(b.numerator).bit_length(), abs(b.denominator).bit_length())
        if abs(float(n)) * size > Limits.current().number_bits:
            raise Unsupported("a number past the bit limit")
    return base.power(int(n))


def _symbolic_power(base: Poly, exponent: Poly) -> Poly:
    """A sum to a power that is a formula: an atom, as sympy keeps it once expanded.

    Only a sum of two or more plain terms raised to a sum of plain terms with
    positive coefficients: sympy evaluates a number or a product to a symbolic
    power by rules of its own (`1**n`, `(a*b)**n`, `x * x**n`), and the bridge
    answers those."""
    base, exponent = base.canonical(), exponent.canonical()
    if len(base.terms) < 2 or not _plain(base) or not _plain(exponent) or any(c < 0 for c in exponent.terms.values()):
        raise Unsupported("a symbolic power of a number, a product, or with a negative exponent")
    return Poly.atom(Fn("pow", (base, exponent)))


def _plain(poly: Poly) -> bool:
    """Whether every atom of `poly` is a name."""
    return all(type(atom) is str for monomial in poly.terms for atom, _ in monomial)


def add(values: Iterable[Poly]) -> Poly:
    """The sum of `values`, in one pass.

    The bridge's sum flattens: the plain monomials of every value combine
    with like terms, the other terms stay as they are, so the estimate counts
    the combined plain monomials once and adds the rest of each estimate."""
    terms: dict[Monomial, Rational] = {}
    plain: dict[Monomial, Rational] | None = None
    later = 0.0
    values = values if isinstance(values, list | tuple) and all(v.flat for v in values) else sorted(values, key=lambda p: not p.flat)
    for item in values:  # plain sums first, in the order the terms always had
        if not item.flat:
            later += item.estimate - len(item.plain)
            if plain is None:
                plain = dict(terms)  # the flat values: all of them plain
        _combine(terms, item.terms)
        if plain is not None:
            _combine(plain, item.plain)
    if plain is None:
        return Poly(terms, _checked(float(len(terms) or 1)))
    return Poly(terms, _checked(len(plain) + later), False, plain)


def multiply(values: Iterable[Poly]) -> Poly:
    """The product of `values`, as `*` gives it.

    The single terms among them (`x0 * x1 * ... * x199`) are multiplied in
    one pass over their factors; one product at a time would copy the
    monomial built so far. Products commute, in the terms and in the
    estimates, so the other values follow in any order."""
    coefficient: Rational = 1
    exponents: dict[Atom, int] = {}
    others: list[Poly] = []
    for value in values:
        if value.flat and len(value.terms) == 1:
            ((monomial, c),) = value.terms.items()
            if not any(_is_power(atom) for atom, _ in monomial):
                coefficient *= c
                for atom, exponent in monomial:
                    exponents[atom] = exponents.get(atom, 0) + exponent
                continue
        others.append(value)
    result = Poly({frozenset((a, e) for a, e in exponents.items() if e): coefficient} if coefficient else {}, 1.0)
    for value in others:
        result = result * value
    return result


def _combine(into: dict[Monomial, Rational], terms: dict[Monomial, Rational]) -> None:
    for monomial, coefficient in terms.items():
        total = into.get(monomial, 0) + coefficient
        if total:
            into[monomial] = total
        else:
            del into[monomial]


def substitute(expr: Poly, mapping: Mapping[str, Poly]) -> Poly:
    """Replace names simultaneously, in one pass over the terms.

    A name whose value is one plain term (`2 * hidden_size`, `1`) is
    multiplied into its term's monomial and coefficient directly: such a
    factor changes no estimate and commutes with every other, so only the
    values that are sums (or hold powers of sums) are multiplied as `*` does."""
    names = expr.names()
    if not mapping or names.isdisjoint(mapping):
        return expr
    mapping = {name: v for name, v in mapping.items() if name in names and v is not _NAMES.get(name)}
    if not mapping:
        return expr
    singles: dict[str, tuple[Monomial, Rational]] = {}
    for name, value in mapping.items():
        if value.flat and len(value.terms) == 1:
            ((monomial, coefficient),) = value.terms.items()
            if not any(_is_power(atom) for atom, _ in monomial):
                singles[name] = (monomial, coefficient)
    parts: list[Poly] = []
    for monomial, coefficient in expr.terms.items():
        exponents: dict[Atom, int] = {}
        factors: list[tuple[Poly, int]] = []
        changed = False
        for atom, exponent in monomial:
            if isinstance(atom, str):
                single = singles.get(atom)
                if single is not None:
                    changed = True
                    inner, scale = single
                    coefficient *= scale**exponent if exponent > 0 else Fraction(scale) ** exponent
                    for factor, power in inner:
                        total = exponents.get(factor, 0) + power * exponent
                        if total:
                            exponents[factor] = total
                        else:
                            del exponents[factor]
                    continue
                if atom in mapping:
                    factors.append((mapping[atom], exponent))
                    continue
            elif not atom.names().isdisjoint(mapping):
                factors.append((_substitute_atom(atom, mapping), exponent))
                continue
            total = exponents.get(atom, 0) + exponent
            if total:
                exponents[atom] = total
            else:
                del exponents[atom]
        if not changed and not factors:
            parts.append(Poly({monomial: coefficient}, 1.0))
            continue
        term = Poly({frozenset(exponents.items()): coefficient} if coefficient else {}, 1.0)
        for value, exponent in factors:
            term = term * value.power(exponent)
        parts.append(term)
    return add(parts)


def _substitute_atom(atom: Fn, mapping: Mapping[str, Poly]) -> Poly:
    arguments = [substitute(a, mapping) for a in atom.args]
    if atom.kind == "floor":
        return floor(arguments[0])
    if atom.kind == "pow":
        return _power(*arguments)
    return extreme(atom.kind, arguments)


def walk_atoms(expr: Poly) -> Iterator[Atom]:
    for monomial in expr.terms:
        for atom, _ in monomial:
            yield atom

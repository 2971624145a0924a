"""kc's algebra core: exact canonical sums of products, built for what analyses contain.

A `Poly` maps each monomial to its rational coefficient. A monomial is a
frozenset of (atom, exponent) pairs with nonzero integer exponents; an atom
is a name (a `str`) or a `Fn`: `floor`, `min` or `max` of canonical
arguments, `pow`, a sum raised to a formula (the expected experts a
mixture-of-experts layer reads, `(1 - top_k / num_experts) ** (batch_size * seq_len)`),
or `if`, a conditional (the sliding window's cache,
`min(cache_len, sliding_window - 1) if sliding_window > 0 else cache_len`).
Every value is expanded when it is made, so like terms combine by hashing,
equality is structural, and substitution is one pass over the terms.
Conditionals are folded as sympy folds them (`piecewise_fold`): a product
holding one becomes one conditional of the products, once the value is made
canonical.

The core answers exactly what the sympy bridge (`compiler.symbolic`) answers
for the formulas it models, and raises `Unsupported` for every other one
(`%`, `ceil`, `abs`, `sqrt`, `log2`, fractional powers, symbolic powers of
anything but a sum, division by a sum, tests joined by `and`, `or` or `not`
or of other than a number times a name, conditionals of two tests in one
product, a max in a min or a min in a max, any error): the bridge then
computes them.

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
    """`floor(arg)`, `min(args)`, `max(args)` or `pow(base, exponent)` with canonical arguments; a conditional
    `if(test, body, orelse)`, whose test is a relation `op(lhs, rhs)` (kind `>`, `!=`, ...) as sympy keeps it."""

    __slots__ = ("_hash", "_names", "args", "conditional", "kind")

    def __init__(self, kind: str, args: tuple[Poly, ...]) -> None:
        self.kind, self.args = kind, args
        self._hash = hash((kind, args))
        self._names: frozenset[str] | None = None
        self.conditional = kind == "if" or any(a.conditional() for a in args)
        """Whether a conditional is this atom or inside its arguments."""

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

    __slots__ = ("_conditional", "_hash", "_key", "_names", "estimate", "flat", "plain", "terms")
    _conditional: bool

    def __init__(
        self, terms: dict[Monomial, Rational], estimate: float | None = None, flat: bool = True, plain: dict[Monomial, Rational] | None = None
    ) -> None:
        self.terms = terms
        self.estimate = float(len(terms) or 1) if estimate is None else estimate
        self.flat = flat
        self.plain = terms if flat else plain or {}
        self._hash: int | None = None
        self._names: frozenset[str] | None = None
        self._key: str | None = None

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
        if atom.kind == "if":  # the bridge counts a conditional's terms as those of all its branches, and sums it apart
            return Poly({frozenset(((atom, 1),)): 1}, _checked(atom.args[1].estimate + atom.args[2].estimate), False, {})
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
            functions: list[Fn] = []
            for atom in {atom for monomial in self.terms for atom, _ in monomial}:  # terms share atoms: each seen once
                if isinstance(atom, str):
                    found.add(atom)
                else:
                    functions.append(atom)
            found.update(*(f.names() for f in functions))
            self._names, self._conditional = frozenset(found), any(f.conditional for f in functions)
        return self._names

    def conditional(self) -> bool:
        """Whether a conditional is among its atoms or inside them (found with the names, in one pass)."""
        if self._names is None:
            self.names()
        return self._conditional

    def canonical(self) -> Poly:
        """The same value as the bridge holds it once expanded: a flat sum of its terms, its conditionals merged (`merged`)."""
        if self.conditional():
            return merged(self)
        return self if self.flat else Poly(self.terms)

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
                if constant == 1:  # values are immutable: one times a value is the value
                    return x
                plain = None if x.flat else _scaled(x.plain, constant)  # the bridge distributes a number over a sum
                return Poly(x._scaled(constant), x.estimate, x.flat, plain)
        a, b = (self, other) if len(self.terms) >= len(other.terms) else (other, self)
        single = a.flat and b.flat and len(a.terms) == 1 and len(b.terms) == 1
        estimate = 1.0 if single else _checked(a.estimate * b.estimate)
        product = Poly(_expanded(a.terms, b.terms), estimate, single)
        return _powers_folded(product) if self.conditional() and other.conditional() else product

    __rmul__ = __mul__

    def inverse(self) -> Poly:
        """1 / self, for a single nonzero term; a sum below a fraction bar is the bridge's."""
        if len(self.terms) != 1:
            raise Unsupported("division by zero or by a sum")
        ((monomial, coefficient),) = self.terms.items()
        _no_powers(monomial)
        inverse = Poly({frozenset((a, -e) for a, e in monomial): Fraction(1) / coefficient}, 1.0, self.flat)
        return _powers_folded(inverse) if self.conditional() else inverse

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


def _expanded(a: dict[Monomial, Rational], b: dict[Monomial, Rational]) -> dict[Monomial, Rational]:
    """The terms of the product of two sums, each term of `a` times each of `b`."""
    terms: dict[Monomial, Rational] = {}
    for m2, c2 in b.items():
        for m1, c1 in a.items():
            monomial = _times(m1, m2)
            total = terms.get(monomial, 0) + c1 * c2
            if total:
                terms[monomial] = total
            else:
                del terms[monomial]
    return terms


def _term_times(monomial: Monomial, coefficient: Rational, value: Poly) -> Poly:
    """`Poly({monomial: coefficient}) * value` for a monomial that is not 1, a nonzero coefficient and a value that is
    neither a number nor conditional, as `*` makes it, without making the term first: what a substitution does to a term
    whose one name is replaced by a sum."""
    term = {monomial: coefficient}
    if len(value.terms) > 1:
        return Poly(_expanded(value.terms, term), _checked(value.estimate), False)
    single = value.flat and len(value.terms) == 1
    return Poly(_expanded(term, value.terms), 1.0 if single else _checked(value.estimate), single)


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
        elif signs and isinstance(atom, Fn) and atom.kind in ("min", "max"):
            raise Unsupported("a max in a min or a min in a max: sympy collapses their arguments by rules of its own")
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
    if signs and any(argument.conditional() for argument in kept):
        # Two arguments whose difference holds no name outside conditionals: sympy compares them (every
        # branch of a difference may be a number); where another name stays, nothing can be compared.
        shapes = {frozenset((m, c) for m, c in argument.terms.items() if m and not _conditional(m)) for argument in kept}
        if len(shapes) < len(kept):
            raise Unsupported("arguments of min or max apart only in their conditionals: sympy compares them")
    ordered = [Poly.number(pick(numbers))] if numbers else []
    return Poly.atom(Fn(kind, tuple(ordered + kept)))


# Conditionals, as sympy's `Piecewise` keeps and folds them: one test at a time.

_FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
_HOLDS: dict[str, Callable[[Rational, Rational], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

_Side: TypeAlias = tuple[Rational, str | None]
"""A side of a test the core models: a number (`str` None), or a number times one name."""


def relation(op: str, lhs: Poly, rhs: Poly) -> Poly:
    """The test `lhs op rhs` as a conditional holds it: 1 or 0 where sympy decides it, else one atom.

    sympy decides a comparison of two numbers, and an equation whose sides
    are a number apart. The atom is in the form `Piecewise` gives its test
    (sympy's `_canonical_coeff`): a number on the right, two names in order,
    no sign or factor on the left (`0 < -2 * x` is `x < 0`). Only sides that
    are a number or a number times one name are modelled."""
    left, right = lhs.constant(), rhs.constant()
    if left is not None and right is not None:
        return Poly.number(int(_HOLDS[op](left, right)))
    if op in ("==", "!="):
        difference = (lhs - rhs).constant()
        if difference is not None:
            return Poly.number(int((difference == 0) == (op == "==")))
    a, b = _side(lhs), _side(rhs)
    if a[1] is None or (b[1] is not None and _sorts_after(a, b)):  # a number on the right, the simpler side first
        a, b, op = b, a, _FLIPPED[op]
    if a[0] < 0:  # no sign on the left
        a, b, op = (-a[0], a[1]), (-b[0], b[1]), _FLIPPED[op]
    elif b[1] is not None and b[0] < 0 and _sorts_after(a, (-b[0], b[1])):
        a, b = (-b[0], b[1]), (-a[0], a[1])
    if b[1] is None:  # the number on the right divided by the factor on the left
        a, b = (1, a[1]), (Fraction(b[0]) / a[0] if a[0] != 1 else b[0], None)
    sides = tuple(Poly.number(c) if name is None else Poly.number(c) * Poly.atom(name) for c, name in (a, b))
    return Poly.atom(Fn(op, sides))


def _side(poly: Poly) -> _Side:
    value = poly.constant()
    if value is not None:
        return (value, None)
    if len(poly.terms) == 1:
        ((monomial, coefficient),) = poly.terms.items()
        if len(monomial) == 1:
            ((atom, exponent),) = monomial
            if isinstance(atom, str) and exponent == 1:
                return (coefficient, atom)
    raise Unsupported("a test of a formula other than a number or a number times a name")


def _sorts_after(a: _Side, b: _Side) -> bool:
    """Whether sympy's `ordered` puts `b` before `a`: the one of fewer nodes (a name before a product), else by name."""
    if (a[0] == 1) != (b[0] == 1):
        return a[0] != 1
    if a[0] != 1:
        raise Unsupported("two products in a test: sympy orders them by rules of its own")
    assert a[1] is not None and b[1] is not None
    return a[1] > b[1]


def conditional(test: Poly, body: Poly, orelse: Poly) -> Poly:
    """`body if test else orelse` as `Piecewise` evaluates it: a decided test picks its branch, a body that is a
    conditional of the same test is its own body, and equal branches are one value."""
    decided = test.constant()
    if decided is not None:
        return body if decided else orelse
    inner = body.single()
    if isinstance(inner, Fn) and inner.kind == "if" and inner.args[0] == test:
        body = inner.args[1]
    if body == orelse:
        return body
    return Poly.atom(Fn("if", (test, body, orelse)))


def merged(poly: Poly) -> Poly:
    """`poly` as the bridge's canonical form holds its conditionals (`symbolic._merge_pieces`): each product
    holding one folded into a conditional of its branches, the conditionals of one test added branch by branch."""
    plain: dict[Monomial, Rational] = {}
    pieces: dict[Poly, tuple[list[Poly], list[Poly]]] = {}
    for monomial, coefficient in poly.terms.items():
        if not _conditional(monomial) or (coefficient == 1 and len(monomial) == 1 and not _alone(monomial)):
            _combine(plain, {monomial: coefficient})  # sympy folds a product or a conditional, not a function or a power alone
            continue
        folded = _folded(_term(monomial, coefficient))
        atom = folded.single()
        if isinstance(atom, Fn) and atom.kind == "if":
            test, body, orelse = atom.args
            bodies, orelses = pieces.setdefault(test, ([], []))
            bodies.append(body)
            orelses.append(orelse)
        else:
            _combine(plain, folded.terms)
    parts = [conditional(test, add(bodies), add(orelses)) for test, (bodies, orelses) in pieces.items()]
    return add([Poly(plain), *parts])


def _folded(poly: Poly) -> Poly:
    """`poly` as sympy's `piecewise_fold` gives it: one conditional whose branches are `poly` with every
    conditional of its test (the only one: sympy joins two tests with `And`) taken as true, then as false."""
    tests: set[Poly] = set()
    for monomial in poly.terms:
        for atom, _ in monomial:
            if type(atom) is Fn and atom.conditional:
                _tests(atom, tests)
    if not tests:
        return poly
    if len(tests) > 1:
        raise Unsupported("conditionals of two tests in one product: sympy joins their tests")
    (test,) = tests
    return conditional(test, _resolved(poly, test, True).canonical(), _resolved(poly, test, False).canonical())


def fold(poly: Poly) -> Poly:
    """The canonical form of `poly`, its conditionals folded over the whole sum (sympy's `_folded`, the footprint's maximum)."""
    return _folded(poly.canonical()).canonical()


def _tests(atom: Fn, found: set[Poly]) -> None:
    if atom.kind == "if":
        found.add(atom.args[0])
    for argument in atom.args:
        for monomial in argument.terms:
            for inner, _ in monomial:
                if type(inner) is Fn and inner.conditional:
                    _tests(inner, found)


def _resolved(poly: Poly, test: Poly, truth: bool) -> Poly:
    """`poly` with each conditional of `test` replaced by its body (`truth`) or its other branch, wherever it is."""
    if not poly.conditional():
        return poly

    def replace(atom: Fn) -> Poly:
        if atom.kind == "if" and atom.args[0] == test:
            return _resolved(atom.args[1 if truth else 2], test, truth)
        return _evaluated(atom.kind, [_resolved(a, test, truth) for a in atom.args])

    return _mapped(poly, replace)


def _powers_folded(poly: Poly) -> Poly:
    """`poly` with each power of a conditional the conditional of the powers, as sympy makes it at once
    (`Piecewise._eval_power`): a product of a conditional with itself, or one below a fraction bar."""
    if not any(type(atom) is Fn and atom.kind == "if" and exponent != 1 for monomial in poly.terms for atom, exponent in monomial):
        return poly
    parts: list[Poly] = []
    for monomial, coefficient in poly.terms.items():
        kept = [(atom, exponent) for atom, exponent in monomial if not (type(atom) is Fn and atom.kind == "if" and exponent != 1)]
        term = _term(frozenset(kept), coefficient)
        for atom, exponent in monomial:
            if type(atom) is Fn and atom.kind == "if" and exponent != 1:
                test, body, orelse = atom.args
                term = term * conditional(test, body.power(exponent), orelse.power(exponent))
        parts.append(term)
    return add(parts)


def _alone(monomial: Monomial) -> bool:
    """Whether the term is one conditional, not a power of one nor a function holding one."""
    ((atom, exponent),) = monomial
    return exponent == 1 and type(atom) is Fn and atom.kind == "if"


def _conditional(monomial: Monomial) -> bool:
    return any(type(atom) is Fn and atom.conditional for atom, _ in monomial)


def _term(monomial: Monomial, coefficient: Rational) -> Poly:
    """One term; one holding a conditional counts the terms of its branches, as the bridge's estimate does."""
    if not _conditional(monomial):
        return Poly({monomial: coefficient}, 1.0)
    estimate = math.prod(Poly.atom(atom).estimate for atom, _ in monomial)
    return Poly({monomial: coefficient}, _checked(estimate), False, {})


def _mapped(poly: Poly, replace: Callable[[Fn], Poly]) -> Poly:
    """`poly` with each function atom that holds a conditional replaced by `replace`'s value of it."""
    parts: list[Poly] = []
    for monomial, coefficient in poly.terms.items():
        kept: list[tuple[Atom, int]] = []
        factors: list[tuple[Poly, int]] = []
        for atom, exponent in monomial:
            if type(atom) is Fn and atom.conditional:
                factors.append((replace(atom), exponent))
            else:
                kept.append((atom, exponent))
        term = _term(frozenset(kept), coefficient)
        for value, exponent in factors:
            term = term * value.power(exponent)
        parts.append(term)
    return add(parts)


def _evaluated(kind: str, arguments: list[Poly]) -> Poly:
    """The atom `kind(arguments)` evaluated as the bridge evaluates it."""
    if kind == "floor":
        return floor(arguments[0])
    if kind == "pow":
        return _power(*arguments)
    if kind == "if":
        return conditional(*arguments)
    if kind in _HOLDS:
        return relation(kind, *arguments)
    return extreme(kind, arguments)


def _key(poly: Poly) -> str:
    """An order of formulas that does not depend on how they were built (kept: the footprint's nested maxima meet
    the same arguments again)."""
    if poly._key is None:
        poly._key = repr(sorted((sorted((_atom_key(a), e) for a, e in m), str(c)) for m, c in poly.terms.items()))
    return poly._key


def _atom_key(atom: Atom) -> str:
    return atom if isinstance(atom, str) else f"{atom.kind}{[_key(a) for a in atom.args]}"


# From IR


def value(expr: ir.Expr, reference: Callable[[ir.Reference], Poly] | None = None) -> Poly:
    """The exact value of `expr`; `reference` gives the value of each reference."""

    def convert(node: ir.Expr) -> Poly:
        if type(node) is ir.Binary:  # most nodes: sums and products first
            if node.op == "*":
                return product(node)
            if node.op in ("+", "-"):
                return total(node)
        match node:
            case ir.Number(value=v):
                return Poly.number(v.numerator if v.denominator == 1 else v)
            case ir.Name(id=name):
                return Poly.atom(name)
            case ir.Unary(op="-", operand=operand):
                return -convert(operand)
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
            case ir.Conditional(test=test, body=body, orelse=orelse):
                return conditional(truth(test), convert(body), convert(orelse))
            case ir.Binary(op=op, left=left, right=right) if op in _HOLDS:  # a truth value as a number: 1 or 0
                return conditional(relation(op, convert(left), convert(right)), Poly.number(1), Poly.number(0))
            case ir.Reference() if reference is not None:
                return reference(node)
        raise Unsupported(type(node).__name__)

    def total(node: ir.Expr) -> Poly:
        """a + b - c + ... parses left-deep: its spine is walked, and its terms added in one step."""
        terms = []
        while type(node) is ir.Binary and node.op in ("+", "-"):
            right = node.right
            term = product(right) if type(right) is ir.Binary and right.op == "*" else convert(right)
            terms.append(term if node.op == "+" else -term)
            node = node.left
        terms.append(convert(node))
        return add(terms[::-1])

    def product(node: ir.Expr) -> Poly:
        """a * b * c parses left-deep too; its names and numbers, most of an analysis, are multiplied straight
        into one term, as `multiply` would."""
        factors = []
        while type(node) is ir.Binary and node.op == "*":
            factors.append(node.right)
            node = node.left
        factors.append(node)
        coefficient: Rational = 1
        exponents: dict[Atom, int] = {}
        others = []
        for factor in reversed(factors):
            if type(factor) is ir.Name:
                exponents[factor.id] = exponents.get(factor.id, 0) + 1
            elif type(factor) is ir.Number:
                number = factor.value
                coefficient *= number.numerator if number.denominator == 1 else number
            else:
                others.append(convert(factor))
        term = Poly({frozenset(exponents.items()): coefficient} if coefficient else {}, 1.0)
        return multiply((term, *others)) if others else term

    def truth(node: ir.Expr) -> Poly:
        """A test: a comparison, or a number that is true when it is not 0 (`and`, `or` and `not` are sympy's)."""
        if isinstance(node, ir.Binary) and node.op in _HOLDS:
            return relation(node.op, convert(node.left), convert(node.right))
        return relation("!=", convert(node), Poly.number(0))

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
    holds = expr.conditional()
    plain: dict[Monomial, Rational] = {}  # the terms that stay one term, added as they come (without a conditional)
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
        if not factors and not holds:
            key = frozenset(exponents.items()) if changed else monomial
            added = plain.get(key, 0) + coefficient
            if added:
                plain[key] = added
            else:
                del plain[key]
            continue
        kept = frozenset(exponents.items()) if changed or factors else monomial
        if not holds and kept and len(factors) == 1:  # the common case: one name of the term becomes a sum
            value, exponent = factors[0]
            if exponent == 1 and value.terms and value.constant() is None and not value.conditional():
                parts.append(_term_times(kept, coefficient, value))
                continue
        term = _term(kept, coefficient) if holds else Poly({kept: coefficient}, 1.0)
        for value, exponent in factors:
            term = term * value.power(exponent)
        parts.append(term)
    if not parts:
        return Poly(plain, _checked(float(len(plain) or 1)))
    return add([Poly(plain), *parts] if plain else parts)


def _substitute_atom(atom: Fn, mapping: Mapping[str, Poly]) -> Poly:
    return _evaluated(atom.kind, [substitute(a, mapping) for a in atom.args])


def walk_atoms(expr: Poly) -> Iterator[Atom]:
    for monomial in expr.terms:
        for atom, _ in monomial:
            yield atom

"""The core's conditionals are sympy's `Piecewise`, written the same: tests, folding, collapsing, substitution."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.algebra import Algebra, Unsupported, sympy_algebra
from compiler.algebra.fast import CORE
from compiler.algebra.order import Order
from compiler.language.parse import parse
from compiler.language.printer import to_text
from tests.helpers import examples

NAMES = ["a", "b", "x", "y"]


def written(formula: str, algebra: Algebra, substitution: dict[str, str] | None = None) -> str:
    """The formula as `algebra` makes it canonical and writes it, after `substitution` (names to formulas)."""
    value = algebra.value(parse(formula))
    if substitution:
        value = algebra.substitute(value, {n: algebra.value(parse(f)) for n, f in substitution.items()})
    return to_text(algebra.lowering(Order.of(NAMES))(algebra.canonical(value)))


def agree(formula: str, substitution: dict[str, str] | None = None) -> bool:
    """Both algebras write `formula` alike; False when the core declines it."""
    try:
        core = written(formula, CORE, substitution)
    except Unsupported:
        return False
    assert core == written(formula, sympy_algebra(), substitution), formula
    return True


sides = st.one_of(
    st.sampled_from([*NAMES, "0", "1", "2", "-3", "1/2"]),
    st.builds("{} * {}".format, st.sampled_from(["2", "-1", "-2", "1/2"]), st.sampled_from(NAMES)),
)
operators = st.sampled_from([">", "<", ">=", "<=", "==", "!="])


@settings(max_examples=examples(100), deadline=None)
@given(left=sides, op=operators, right=sides)
def test_tests_are_written_as_piecewise_writes_them(left: str, op: str, right: str) -> None:
    """A number on the right, two names in order, no sign or factor on the left; decided where sympy decides.
    The core writes every such test but one of two products, which sympy orders by rules of its own."""
    assert agree(f"a + b if {left} {op} {right} else a * b") or ("*" in left and "*" in right)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("a if 0 < x else b", "a if x > 0 else b"),
        ("a if -2 * x > 3 else b", "a if x < -(3/2) else b"),
        ("a if y > x else b", "a if x < y else b"),
        ("a if -x > y else b", "a if x < -y else b"),
        ("a if x > x else b", "a if x > x else b"),  # sympy leaves it: the names carry no sign
        ("a if x == x else b", "a"),
        ("a if x + 1 != x else b", "a"),
        ("a if x else b", "a if x else b"),  # a value is true when it is not 0
        ("2 * (a if x > 0 else b) + 3 * (b if x > 0 else a)", "2 * a + 3 * b if x > 0 else 3 * a + 2 * b"),
        ("a if x > 0 else a", "a"),
        ("((a if x > 0 else b) if x > 0 else x) + 1", "(a if x > 0 else x) + 1"),
        ("2 * min(y + (a if x > 0 else b), a)", "2 * min(a, a + y) if x > 0 else 2 * min(a, b + y)"),
        ("(x > y) * 3", "3 if x > y else 0"),
        ("(a if y != 0 else b) + (a if x > 0 else b) + 1", "(a if y else b) + (a if x > 0 else b) + 1"),  # Ne(y, 0) before x > 0 in sympy's text of each
    ],
)
def test_conditionals_fold_and_collapse_as_sympy_does(formula: str, expected: str) -> None:
    assert agree(formula)
    assert written(formula, CORE) == expected


@pytest.mark.parametrize("substitution", [{"w": "4096"}, {"w": "0"}, {"w": "2 * v"}, {"w": "-v"}, {"c": "a + b"}, {"c": "min(c, w - 1) if w > 0 else c"}])
def test_substitution_decides_and_rewrites_tests(substitution: dict[str, str]) -> None:
    assert agree("2 * (min(c, w - 1) if w > 0 else c) * h + a", substitution)


@pytest.mark.parametrize(
    "formula",
    [
        "a if x > 0 and y > 0 else b",  # sympy joins tests
        "(a if x > 0 else b) * (a if y > 0 else b)",  # conditionals of two tests in one product
        "a if x + y > 0 else b",  # a test of a sum
        "a if 2 * x > 3 * y else b",  # two products: sympy orders them by rules of its own
        "(a * b + a if x > 0 else b) + (a * b + b if y > 0 else b)",  # side by side, ordered by sympy's text of sums of products
    ],
)
def test_what_the_core_leaves_to_sympy(formula: str) -> None:
    assert not agree(formula)
    assert written(formula, sympy_algebra())


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.tuples(sides, operators, sides), min_size=1, max_size=3), st.data())
def test_sums_and_products_of_conditionals(tests: list[tuple[str, str, str]], data: st.DataObject) -> None:
    """Sums and products of conditionals, each of one of a few tests, inside min and max too; the core writes
    every one of a single test but a test of two products (several tests may take sympy's rules of order)."""
    conditionals = [f"({data.draw(sides)} if {left} {op} {right} else {data.draw(sides)})" for left, op, right in tests]
    factor = data.draw(st.sampled_from(["", "2 * ", "a * ", "-1 * "]))
    shape = data.draw(st.sampled_from(["{0}{1}", "{0}max({1}, a)", "{0}min(x + {1}, y)", "{0}({1}) ** 2"]))
    answered = agree(" + ".join(shape.format(factor, c) for c in conditionals))
    (left, _, right), *others = tests
    assert answered or others or ("*" in left and "*" in right)

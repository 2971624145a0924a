"""The core's text of an atom, where an order falls back on it, is the text sympy prints (`sstr(order="none")`)."""

from __future__ import annotations

import sympy
from hypothesis import given
from hypothesis import strategies as st

from compiler.algebra.core import Fn, Poly, extreme
from compiler.algebra.lower import _atom_text, _poly_text

NAMES = ("a", "b", "num_layers", "num_sliding_layers", "x2")
coefficients = st.sampled_from([-3, -2, -1, 1, 2, 3, 5])


@st.composite
def sums(draw: st.DrawFn) -> dict[str, int]:
    """Integer multiples of names and a constant (key ""): a sum, or one product of a name."""
    chosen = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    terms = {name: draw(coefficients) for name in chosen}
    if draw(st.booleans()):
        terms[""] = draw(st.integers(-5, 5).filter(bool))
    return terms


def core(terms: dict[str, int]) -> Poly:
    return sum((Poly.atom(n) * Poly.number(c) if n else Poly.number(c) for n, c in terms.items()), Poly.number(0))


def sympy_of(terms: dict[str, int]) -> sympy.Expr:
    return sympy.Add(*(c * sympy.Symbol(n) if n else sympy.Integer(c) for n, c in terms.items()))


@given(sums())
def test_a_sum_prints_as_sympy_prints_it_or_is_left_to_sympy(terms: dict[str, int]) -> None:
    """A product of a name too, which `_monomial_text` prints."""
    text = _poly_text(core(terms))
    if text is not None:
        assert text == sympy.sstr(sympy_of(terms), order="none")


@given(st.lists(sums(), min_size=1, max_size=2), st.sampled_from(["min", "max"]), st.sampled_from([None, "a", "b"]), st.sampled_from([None, 1, 7]))
def test_min_and_max_of_a_sum_print_as_sympy_prints_them(formulas: list[dict[str, int]], kind: str, name: str | None, number: int | None) -> None:
    """Beside names, a number, a product of a name (`{"a": 2}`) or another sum."""
    arguments = [*formulas, *([{name: 1}] if name else []), *([{"": number}] if number is not None else [])]
    atom = extreme(kind, map(core, arguments)).single()
    if not isinstance(atom, Fn):
        return  # reduced to one argument
    text = _atom_text(atom)
    if text is not None:
        function = sympy.Min if kind == "min" else sympy.Max
        assert text == sympy.sstr(function(*map(sympy_of, arguments)), order="none")


def test_the_tie_of_gemma3s_layers_is_decided_by_that_text() -> None:
    difference = _poly_text(core({"num_layers": 1, "num_sliding_layers": -1}))
    assert difference == "num_layers - num_sliding_layers"
    assert _poly_text(core({"a": -2, "b": 3})) is None  # two products: left to sympy

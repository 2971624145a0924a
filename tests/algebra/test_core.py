"""The core's one-pass product is the left-to-right product, to the term estimates the bridge's limits follow."""

from __future__ import annotations

import functools
import operator

from hypothesis import given
from hypothesis import strategies as st

from compiler.algebra.core import Poly, multiply

atoms = st.sampled_from(["a", "b", "c"]).map(Poly.atom)
numbers = st.sampled_from([0, 1, -1, 2, 3]).map(Poly.number)
singles = st.tuples(numbers, st.lists(atoms, max_size=3)).map(lambda pair: functools.reduce(operator.mul, pair[1], pair[0]))
sums = st.lists(st.one_of(atoms, singles), min_size=2, max_size=3).map(lambda terms: functools.reduce(operator.add, terms))
values = st.one_of(atoms, numbers, singles, sums)


@given(st.lists(values, min_size=1, max_size=8))
def test_multiply_is_the_product_taken_one_factor_at_a_time(factors: list[Poly]) -> None:
    expected, got = functools.reduce(operator.mul, factors), multiply(factors)
    assert (got.terms, got.estimate, got.flat, got.plain) == (expected.terms, expected.estimate, expected.flat, expected.plain)

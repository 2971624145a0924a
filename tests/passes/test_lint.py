"""The index behind "did you mean": the names one edit away, found without comparing every pair."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from compiler.passes.lint import _Near, one_edit

ALPHABET = "ab1_2"
"""A small alphabet with digits, so that names one edit apart, and names a digit sets apart, are common."""
names = st.text(alphabet=ALPHABET, min_size=3, max_size=7)


@st.composite
def edited(draw: st.DrawFn, name: str) -> str:
    """`name` after one insertion, deletion, substitution or swap of neighbours."""
    i = draw(st.integers(0, len(name) - 1))
    letter = draw(st.sampled_from(ALPHABET))
    return draw(st.sampled_from([
        name[:i] + letter + name[i:],
        name[:i] + name[i + 1 :],
        name[:i] + letter + name[i + 1 :],
        name[:i] + name[i + 1 : i + 2] + name[i] + name[i + 2 :],
    ]))


@given(names.flatmap(lambda name: st.tuples(st.just(name), st.lists(st.one_of(names, edited(name)), max_size=20))))
def test_the_index_finds_what_comparing_every_pair_finds(case: tuple[str, list[str]]) -> None:
    name, known = case
    pairwise = [other for other in dict.fromkeys(known) if one_edit(name, other)]
    assert _Near(known).of(name) == pairwise


def test_names_a_digit_sets_apart_are_not_near() -> None:
    known = [f"x{i}" for i in range(200)]
    assert _Near(known).of("x150") == []
    assert _Near([*known, "y150"]).of("x150") == ["y150"]

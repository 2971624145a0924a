"""Printing: output formulas are valid formula text, ordered as SEMANTICS §6 says, and parse back."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from compiler import symbolic
from compiler.language import printer
from compiler.language.parse import parse

SIGNATURE = ["batch_size", "seq_len", "hidden_size", "num_heads", "head_dim"]


def simplified(text: str, signature: list[str] = SIGNATURE) -> str:
    lowering = symbolic.Lowering(symbolic.Order.of(signature))
    return printer.to_text(lowering(symbolic.canonical(symbolic.to_sympy(parse(text)))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The seed's orderings: number first, unified names, signature order, precision last.
        ("hidden_size * w_bytes + batch_size * seq_len * a_bytes + a_bytes * hidden_size * seq_len * batch_size",
         "batch_size * seq_len * hidden_size * a_bytes + batch_size * seq_len * a_bytes + hidden_size * w_bytes"),
        ("head_dim * num_heads * hidden_size * seq_len * batch_size * 2", "2 * batch_size * seq_len * hidden_size * num_heads * head_dim"),
        ("x * cache_len * seq_len", "seq_len * cache_len * x"),
        ("batch_size * num_heads * (cache_len + seq_len) * head_dim * a_bytes",
         "batch_size * seq_len * num_heads * head_dim * a_bytes + batch_size * cache_len * num_heads * head_dim * a_bytes"),
        ("batch_size * seq_len + batch_size * seq_len * hidden_size", "batch_size * seq_len * hidden_size + batch_size * seq_len"),
        ("5 + batch_size", "batch_size + 5"),
        ("hidden_size / 2 + 1.5 * seq_len", "3 * seq_len / 2 + hidden_size / 2"),
        ("hidden_size / num_heads * seq_len", "seq_len * hidden_size / num_heads"),
        ("{hidden_size // 2}", "hidden_size // 2"),
        ("(x if has_bias else 0) * batch_size", "batch_size * x if has_bias else 0"),
        ("x - x", "0"),
        ("a - 2 * b", "a - 2 * b"),
        ("-2 * b + a * 0", "-2 * b"),
        ("max(2 * x, y) + min(y, x)", "max(y, 2 * x) + min(x, y)"),
        ("floor((a + b) / 2)", "floor(a / 2 + b / 2)"),
        ("(a + b) ** 2", "a**2 + 2 * a * b + b**2"),
        ("1 / (a + b)", "1 / (a + b)"),
        ("-(a // b)", "-(a // b)"),
        ("log2(8) * x + sqrt(4)", "3 * x + 2"),
    ],
)
def test_order_and_form(text: str, expected: str) -> None:
    assert simplified(text) == expected


_names = st.sampled_from(["batch_size", "seq_len", "cache_len", "hidden_size", "x", "y", "a_bytes", "w_bytes"])
_leaf = st.one_of(_names, st.integers(0, 9).map(str), st.sampled_from(["1.5", "1/2", "3/4"]))


def _formula(depth: int = 3) -> st.SearchStrategy[str]:
    if depth == 0:
        return _leaf
    inner = _formula(depth - 1)
    return st.one_of(
        _leaf,
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(["+", "-", "*"]), inner),
        st.builds(lambda a, b: f"({a}) / ({b} + 1)", inner, _names),
        st.builds(lambda a, b: f"max({a}, {b})", inner, inner),
        st.builds(lambda a: f"floor({a} / 3)", inner),
        st.builds(lambda a, b, c: f"({a} if {b} > 2 else {c})", inner, _names, inner),
        st.builds(lambda a: f"({a}) ** 2", _leaf),
    )


@settings(max_examples=150, deadline=None)
@given(_formula())
@example("(max(1.5, (0 if batch_size > 2 else 1))) / (batch_size + 1)")  # a number that appears while expanding, below a fraction bar
def test_printed_formulas_parse_back_to_the_same_value(text: str) -> None:
    expr = symbolic.canonical(symbolic.to_sympy(parse(text)))
    printed = printer.to_text(symbolic.Lowering(symbolic.Order.of(SIGNATURE))(expr))
    assert symbolic.canonical(symbolic.to_sympy(parse(printed))) == expr
    assert simplified(printed) == printed  # printing is a fixed point

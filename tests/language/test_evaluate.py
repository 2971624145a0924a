"""The IR evaluator: exact values at a point, agreeing with the compiler's own algebra."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.input.library import Library
from compiler.language import ir
from compiler.language import parse as frontend
from compiler.language.evaluate import evaluate, with_defaults
from compiler.pipeline import compile_tree
from compiler.symbolic import SymbolicError, symbol, to_sympy
from tests.helpers.evaluator import sums_by_compute


def value(text: str, **values: int | Fraction) -> Fraction | float:
    return evaluate(frontend.parse(text), values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("7 % -3", -2),
        ("-7 % 3", 2),
        ("7 / 2", Fraction(7, 2)),
        ("2 ** 10", 1024),
        ("2 ^ -2", Fraction(1, 4)),
        ("4 ** 0.5", 2),
        ("(8 / 27) ** (2 / 3)", Fraction(4, 9)),
        ("1.5e3", 1500),
        ("min(3, 1, 2) + max(3, 1, 2)", 4),
        ("floor(7 / 2) + ceil(7 / 2) + abs(-5)", 12),
        ("sqrt(49 / 4)", Fraction(7, 2)),
        ("log2(1024) + log2(1 / 8)", 7),
        ("(1 if 3 > 2 else 0) + (5 if 0 else 6)", 7),
        ("(2 < 3) + (2 == 3) + (2 != 3) + (3 >= 3) + (3 <= 2)", 3),
        ("(2 and 0) + (2 or 0) + (not 0) + (not 5)", 2),
        ("-(3 - 5)", 2),
    ],
)
def test_exact_values(text: str, expected: int | Fraction) -> None:
    result = value(text)
    assert isinstance(result, Fraction)
    assert result == expected


def test_names_and_irrational_results() -> None:
    assert value("batch_size * seq_len // 3", batch_size=4, seq_len=5) == 6
    assert value("sqrt(2)") == pytest.approx(math.sqrt(2))
    assert isinstance(value("log2(3)"), float)
    assert value("x ** 0.5", x=Fraction(9, 4)) == Fraction(3, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x + 1", "no value for 'x'"),
        ("1 / 0", "division by zero"),
        ("1 // (2 - 2)", "division by zero"),
        ("sqrt(-1)", "negative"),
        ("log2(0)", "not positive"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        value(text)


def test_a_reference_is_not_evaluated() -> None:
    with pytest.raises(ValueError, match="compile the module first"):
        value("${torch.nn.modules.linear.Linear}(1, 2, 3, 4)")


def test_point_fills_in_defaults_in_order() -> None:
    parameters = (
        ir.Parameter("hidden_size"),
        ir.Parameter("num_heads"),
        ir.Parameter(
            "head_dim", ir.Formula("hidden_size // num_heads", frontend.parse("hidden_size // num_heads"), ())
        ),
    )
    assert with_defaults(parameters, {"hidden_size": 4096, "num_heads": 32}) == {
        "hidden_size": 4096,
        "num_heads": 32,
        "head_dim": 128,
    }
    assert with_defaults(parameters, {"hidden_size": 4096, "num_heads": 32, "head_dim": 64})["head_dim"] == 64
    with pytest.raises(ValueError, match="'num_heads'"):
        with_defaults(parameters, {"hidden_size": 1})


def test_sums_by_compute_multiplies_repeats() -> None:
    tree = compile_tree(
        Library.from_path(environment=False), "transformers.models.llama.modeling_llama.LlamaModel"
    ).tree
    assert tree is not None
    values = {
        "batch_size": 2,
        "seq_len": 3,
        "cache_len": 4,
        "hidden_size": 16,
        "intermediate_size": 24,
        "num_heads": 4,
        "num_kv_heads": 2,
        "num_layers": 5,
        "vocab_size": 10,
        "a_bytes": 2,
        "w_bytes": 1,
    }
    sums = sums_by_compute(tree, values)
    tokens, keys, hidden, inner, heads, kv_heads, head_dim, layers = 2 * 3, 4 + 3, 16, 24, 4, 2, 4, 5
    projections = 2 * tokens * hidden * (2 * heads * head_dim + 2 * kv_heads * head_dim) + 6 * tokens * hidden * inner
    attention = 4 * tokens * heads * keys * head_dim
    assert sums["matmul"]["flops"] == layers * (projections + attention)
    assert set(sums) == {"matmul", "vector", "none"}


names = st.sampled_from(["a", "b", "c"])
numbers = st.integers(min_value=-20, max_value=20).map(str)
atoms = st.one_of(names, numbers)


def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "//", "%", "<", "=="]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    calls = st.tuples(st.sampled_from(["min", "max"]), children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
    conditional = st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
    return st.one_of(binary, calls, conditional, children.map(lambda c: f"abs({c})"))


formulas = st.recursive(atoms, combine, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(formulas, st.integers(-9, 9), st.integers(-9, 9), st.integers(1, 9))
def test_agrees_with_the_compilers_algebra(text: str, a: int, b: int, c: int) -> None:
    """Where the sympy form is defined, both give the same exact number."""
    expr = frontend.parse(text)
    try:
        expected = evaluate(expr, {"a": a, "b": b, "c": c})
    except ValueError:
        return  # a division by zero at this point
    try:
        converted = to_sympy(expr).subs({symbol("a"): a, symbol("b"): b, symbol("c"): c})
    except (ZeroDivisionError, SymbolicError):
        return  # a division by zero in a branch that is not taken
    if converted.has(sympy.nan, sympy.zoo):
        return
    assert sympy.Rational(expected.numerator, expected.denominator) == sympy.nsimplify(converted)

"""The formula printer: printed text parses back to a formula with the same value.

`to_text` drops parentheses it does not need and prints -(a * b) as -a * b,
so the parsed IR may differ in shape; its value may not.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from compiler.language import ir
from compiler.language import parse as frontend
from compiler.language.printer import to_text
from tests.helpers.formulas import ARITHMETIC_FORMULAS, NAMES
from tests.helpers.pyeval import Evaluator

pytestmark = pytest.mark.slow  # a long hypothesis run

X, Z = ir.Name("x"), ir.Name("z")
NEGATED_FLOOR_PRODUCT = ir.Unary("-", ir.Binary("*", ir.Binary("//", X, Z), X))
FLOOR_BY_NEGATED_PRODUCT = ir.Binary("//", X, ir.Unary("-", ir.Binary("*", X, X)))

@settings(max_examples=500, deadline=None)
@given(ARITHMETIC_FORMULAS, st.fixed_dictionaries({n: st.integers(-9, 9) for n in NAMES}))
@example(NEGATED_FLOOR_PRODUCT, {"x": 1, "y": 0, "z": 2})
@example(FLOOR_BY_NEGATED_PRODUCT, {"x": 2, "y": 0, "z": 0})
def test_printed_formulas_keep_their_value(expr: ir.Expr, env: dict[str, Any]) -> None:
    try:
        expected = Evaluator(env)(expr)
    except ZeroDivisionError:
        return
    assert Evaluator(env)(frontend.parse(to_text(expr))) == expected, to_text(expr)

"""The expression printer of `--emit py`, on random formulas: parentheses and semantics.

Random IR (every node kind: arithmetic, `//`, `%`, powers, comparisons,
`and`/`or`/`not`, the functions, conditionals) is written into a module by
the Python backend and evaluated there, against the independent evaluator of
tests/pyeval.py: exactly on ints and Fractions, and exactly on float arrays
where every value is a dyadic rational (so no float rounding can flip a
comparison or a floor).
"""

from __future__ import annotations

import types
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from compiler.backends import emit
from compiler.language import ir
from compiler.tree import Leaf, Totals, Tree
from tests.helpers.formulas import ARITHMETIC_FORMULAS, DYADIC, DYADIC_FORMULAS, NAMES, SCALAR_FORMULAS, ZERO, number
from tests.helpers.pyeval import Evaluator, same


def _module(expr: ir.Expr) -> types.ModuleType:
    """A generated module whose `flops` is `expr`."""
    parameters = tuple(ir.Parameter(name) for name in NAMES)
    tree: Tree[ir.Expr] = Tree("random.Formula", parameters, Totals(expr, ZERO, ZERO), (Leaf("k", None, expr, ZERO, ZERO),))
    source = emit(tree, "py")
    module = types.ModuleType("random_formula")
    exec(compile(source, "<random formula>", "exec"), module.__dict__)
    return module


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(SCALAR_FORMULAS, st.fixed_dictionaries({n: st.integers(-6, 20) | st.fractions(-5, 5, max_denominator=4) for n in NAMES}))
def test_scalar_flavor_equals_the_evaluator(expr: ir.Expr, env: dict[str, Any]) -> None:
    module = _module(expr)
    evaluator = Evaluator(env)
    try:
        expected = evaluator(expr)
    except (ArithmeticError, ValueError):
        with pytest.raises((ArithmeticError, ValueError)):
            module.flops(**env)
        return
    assume(not isinstance(expected, complex))
    assert same(module.flops(**env), expected), (expr, env)
    assert same(module.kernels(**env)[0]["flops"], expected)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(ARITHMETIC_FORMULAS, st.fixed_dictionaries({n: st.integers(-9, 9) for n in NAMES}))
@example(ir.Unary("-", ir.Binary("*", ir.Binary("//", ir.Name("x"), ir.Name("z")), ir.Name("x"))), {"x": 1, "y": 0, "z": 2})
@example(ir.Binary("//", ir.Name("x"), ir.Unary("-", ir.Binary("*", ir.Name("x"), ir.Name("x")))), {"x": 2, "y": 0, "z": 0})
def test_arithmetic_keeps_its_grouping(expr: ir.Expr, env: dict[str, Any]) -> None:
    try:
        expected = Evaluator(env)(expr)
    except ZeroDivisionError:
        return
    assert same(_module(expr).flops(**env), expected), expr


numpy = pytest.importorskip("numpy")


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(DYADIC_FORMULAS, st.lists(st.fixed_dictionaries({n: DYADIC for n in NAMES}), min_size=1, max_size=6))
def test_array_flavor_equals_the_evaluator(expr: ir.Expr, points: list[dict[str, Fraction]]) -> None:
    module = _module(expr)
    expected = []
    for env in points:
        evaluator = Evaluator(env)
        try:
            value = evaluator(expr)
        except (ArithmeticError, ValueError):
            return
        assume(evaluator.largest < 2**40)
        assume(all(v == 0 or abs(v) > Fraction(1, 2**40) for v in [value]))
        expected.append(value)
    arrays = {n: numpy.array([float(env[n]) for env in points]) for n in NAMES}
    values = module.flops(**arrays)
    assert values.shape == (len(points),)
    assert [float(v) for v in values] == [float(v) for v in expected], expr


def test_array_powers_with_negative_exponents() -> None:
    x, y = ir.Name("x"), ir.Name("y")
    module = _module(ir.Binary("+", ir.Binary("**", x, number(-2)), ir.Binary("**", y, ir.Name("z"))))
    values = module.flops(x=numpy.array([1, 2, 4]), y=numpy.array([2, 3, 4]), z=numpy.array([-1, 2, 0]))
    assert values.tolist() == [1.5, 9.25, 1.0625]
    assert module.flops(x=2, y=2, z=-1) == Fraction(3, 4)


def test_parentheses_follow_python_precedence() -> None:
    x, y = ir.Name("x"), ir.Name("y")
    cases = {
        ir.Binary("-", x, ir.Binary("-", y, x)): "x - (y - x)",
        ir.Binary("**", ir.Unary("-", x), number(2)): "(-x) ** 2",
        ir.Unary("-", ir.Binary("**", x, number(2))): "-x ** 2",
        ir.Binary("**", ir.Binary("**", x, number(2)), number(3)): "(x ** 2) ** 3",
        ir.Unary("-", ir.Binary("//", x, y)): "-(x // y)",
        ir.Binary("*", x, ir.Binary("%", y, x)): "x * (y % x)",
        ir.Binary("<", ir.Binary("<", x, y), number(1)): "1 if (1 if x < y else 0) < 1 else 0",
        ir.Binary("**", number(-2), number(2)): "(-2) ** 2",
        ir.Binary("//", x, ir.Unary("-", ir.Binary("*", x, y))): "x // (-x * y)",
        ir.Binary("*", ir.Unary("-", ir.Binary("*", x, y)), x): "-x * y * x",
        ir.Unary("-", ir.Binary("*", ir.Binary("//", x, y), x)): "-(x // y * x)",
    }
    from compiler.backends.py.expressions import python

    for expr, text in cases.items():
        assert python(expr).scalar == text

"""Random formulas for property tests: hypothesis strategies over the IR."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from compiler.language import ir

NAMES = ("x", "y", "z")
ZERO = ir.Number(Fraction(0))


def number(value: Fraction | int) -> ir.Number:
    return ir.Number(Fraction(value))


def formulas(leaves: st.SearchStrategy[ir.Expr], divisors: st.SearchStrategy[ir.Expr] | None, exact_only: bool, exponents: tuple[int, int] = (-2, 3)) -> st.SearchStrategy[ir.Expr]:
    def extend(children: st.SearchStrategy[ir.Expr]) -> st.SearchStrategy[ir.Expr]:
        options = [
            st.builds(ir.Binary, st.sampled_from(["+", "-", "*", "//", "%"]), children, children),
            st.builds(ir.Binary, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "and", "or"]), children, children),
            st.builds(ir.Unary, st.sampled_from(["-", "not"]), children),
            st.builds(lambda base, exponent: ir.Binary("**", base, number(exponent)), children, st.integers(*exponents)),
            st.builds(lambda f, args: ir.Call(f, tuple(args)), st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)),
            st.builds(lambda f, arg: ir.Call(f, (arg,)), st.sampled_from(["floor", "ceil", "abs"]), children),
            st.builds(ir.Conditional, children, children, children),
        ]
        if divisors is None:
            options.append(st.builds(ir.Binary, st.just("/"), children, children))
        else:
            options.append(st.builds(ir.Binary, st.just("/"), children, divisors))
        if not exact_only:
            options.append(st.builds(lambda f, arg: ir.Call(f, (arg,)), st.sampled_from(["sqrt", "log2"]), children))
        return st.one_of(options)

    return st.recursive(leaves, extend, max_leaves=16)


NAME_LEAVES = st.sampled_from(NAMES).map(ir.Name)
SCALAR_FORMULAS = formulas(
    st.one_of(NAME_LEAVES, st.integers(0, 12).map(number), st.fractions(-3, 3, max_denominator=7).map(ir.Number)), None, exact_only=False
)
DYADIC = st.builds(lambda n, k: Fraction(n, 2**k), st.integers(-7, 7), st.integers(0, 3))
DYADIC_FORMULAS = formulas(
    st.one_of(NAME_LEAVES, st.builds(lambda c, n: ir.Binary("*", ir.Number(c), n), DYADIC, NAME_LEAVES)),
    st.sampled_from([2, 4, Fraction(1, 2)]).map(number),
    exact_only=True,
    exponents=(0, 3),
)
"""Every leaf holds a name, as in compiled formulas, where sympy has folded the constant parts;
divisors are powers of two and exponents natural, so float arithmetic stays exact."""


ARITHMETIC_FORMULAS = st.recursive(
    st.one_of(NAME_LEAVES, st.integers(0, 12).map(number)),
    lambda children: st.one_of(
        st.builds(ir.Binary, st.sampled_from(["+", "-", "*", "/", "//", "%"]), children, children),
        st.builds(ir.Unary, st.just("-"), children),
        st.builds(lambda base, exponent: ir.Binary("**", base, number(exponent)), children, st.integers(-1, 2)),
    ),
    max_leaves=20,
)
"""Arithmetic only, nested deeply: where parenthesization mistakes show."""

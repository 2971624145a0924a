"""The frontend: every construct of the formula language, and every syntax problem with its span."""

from __future__ import annotations

from fractions import Fraction

import pytest

from compiler.language import ir
from compiler.language.parse import FormulaError, parse
from compiler.limits import Limits


def n(value: int | str) -> ir.Number:
    return ir.Number(Fraction(value))


def x(name: str) -> ir.Name:
    return ir.Name(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("batch_size", x("batch_size")),
        ("{batch_size}", x("batch_size")),
        ("{d // 2}", ir.Binary("//", x("d"), n(2))),
        ("1.5e3", n(1500)),
        ("2.5E-1", n("1/4")),
        (".5", n("1/2")),
        ("7.", n(7)),
        ("a - b - c", ir.Binary("-", ir.Binary("-", x("a"), x("b")), x("c"))),
        ("a / b * c", ir.Binary("*", ir.Binary("/", x("a"), x("b")), x("c"))),
        ("a % 4 + 1", ir.Binary("+", ir.Binary("%", x("a"), n(4)), n(1))),
        ("2 ** 3 ** 2", ir.Binary("**", n(2), ir.Binary("**", n(3), n(2)))),
        ("2 ^ 3", ir.Binary("**", n(2), n(3))),
        ("-x ** 2", ir.Unary("-", ir.Binary("**", x("x"), n(2)))),
        ("x ** -1", ir.Binary("**", x("x"), ir.Unary("-", n(1)))),
        ("+x", x("x")),
        ("min(a, b, c)", ir.Call("min", (x("a"), x("b"), x("c")))),
        ("sqrt(log2(x))", ir.Call("sqrt", (ir.Call("log2", (x("x"),)),))),
        ("a if c else b", ir.Conditional(x("c"), x("a"), x("b"))),
        ("a if c else b if d else e", ir.Conditional(x("c"), x("a"), ir.Conditional(x("d"), x("b"), x("e")))),
        ("a if x >= 1 and not y or z else b",
         ir.Conditional(ir.Binary("or", ir.Binary("and", ir.Binary(">=", x("x"), n(1)), ir.Unary("not", x("y"))), x("z")), x("a"), x("b"))),
        ("${torch.nn.Linear}", ir.Reference("torch.nn.Linear", called=False)),
        ("${M}()", ir.Reference("M")),
        ("${M}(a, 2 * b, w_bytes=4)", ir.Reference("M", (x("a"), ir.Binary("*", n(2), x("b"))), (ir.Keyword("w_bytes", n(4)),))),
        ("3 * ${M}(a) + x", ir.Binary("+", ir.Binary("*", n(3), ir.Reference("M", (x("a"),))), x("x"))),
    ],
)
def test_parses(text: str, expected: ir.Expr) -> None:
    assert parse(text) == expected


def test_spans_point_into_the_text() -> None:
    text = "2 * ${torch.nn.Linear}(b, s)"
    expr = parse(text)
    assert isinstance(expr, ir.Binary)
    reference = expr.right
    assert reference.span is not None
    assert text[reference.span.start : reference.span.end] == "${torch.nn.Linear}(b, s)"


@pytest.mark.parametrize(
    ("text", "code", "message", "caret"),
    [
        ("a +", "KC101", "unexpected end of formula", 3),
        ("a + * b", "KC101", "unexpected '*'", 4),
        ("(a", "KC101", "expected ')'", 2),
        ("a @ b", "KC101", "unexpected '@'", 2),
        ("a if b", "KC101", "expected 'else'", 6),
        ("${M}(a=1, 2)", "KC101", "positional argument follows keyword argument", 10),
        ("x = 3", "KC101", "unexpected '='", 2),
        ("foo(x) + 1", "KC102", "unknown function 'foo'", 0),
        ("max(x)", "KC103", "at least 2 arguments", 0),
        ("sqrt(x, y)", "KC103", "exactly 1 argument", 0),
        ("1e999", "KC902", "too large", 0),
    ],
)
def test_problems_have_codes_and_carets(text: str, code: str, message: str, caret: int) -> None:
    with pytest.raises(FormulaError) as raised:
        parse(text)
    problem = raised.value.problems[0]
    assert problem.code == code
    assert message in problem.message
    assert problem.span is not None and problem.span.start == caret


def test_every_problem_of_a_formula_is_reported() -> None:
    with pytest.raises(FormulaError) as raised:
        parse("foo(1) + bar(2) + max(3)")
    assert [p.code for p in raised.value.problems] == ["KC102", "KC102", "KC103"]


def test_limits_refuse_long_and_deep_formulas() -> None:
    with Limits(formula_length=50).applied(), pytest.raises(FormulaError) as long:
        parse("a + " * 20 + "a")
    with Limits(nesting_depth=10).applied(), pytest.raises(FormulaError) as deep:
        parse("(" * 12 + "a" + ")" * 12 + " + -" * 12 + "b")
    assert long.value.problems[0].code == "KC901"
    assert deep.value.problems[0].code == "KC903"


def test_deep_nesting_within_the_default_limit_parses_without_recursion() -> None:
    depth = Limits().nesting_depth - 5
    assert parse("(" * depth + "a" + ")" * depth) == x("a")

"""Printing IR formulas as MathML (Core, which browsers render without a math library).

A formula becomes one `<math>` element per top-level term of its sum, so
that a page may wrap a long closed form between terms; each term is
printed with the shared precedence ladder, a `/` as a fraction, `//` as the
floor of one, conditionals as cases. Names are the only text from the
input, and they are HTML-escaped.
"""

from __future__ import annotations

from html import escape

from compiler.language import ir
from compiler.language.precedence import (
    ATOM,
    BINARY,
    COMPARE,
    FRACTION,
    NOT,
    POWER,
    PRODUCT,
    SUM,
    UNARY,
    sign_commutes,
)

_RELATIONS = {"==": "=", "!=": "≠", "<": "&lt;", "<=": "≤", ">": "&gt;", ">=": "≥"}
_DELIMITERS = {"floor": ("⌊", "⌋"), "ceil": ("⌈", "⌉"), "abs": ("|", "|")}


def terms(expr: ir.Expr) -> list[str]:
    """`expr` as MathML, one `<math>` element per top-level term, each after the first led by its sign."""
    parts: list[tuple[str, ir.Expr]] = []
    _split(expr, "+", parts)
    out = []
    for index, (sign, term) in enumerate(parts):
        body = _print(term, SUM + (index > 0))
        lead = "" if index == 0 and sign == "+" else f"<mo form=\"infix\">{'+' if sign == '+' else '−'}</mo>"
        out.append(f'<math display="inline">{lead}{body}</math>')
    return out


def _split(expr: ir.Expr, sign: str, parts: list[tuple[str, ir.Expr]]) -> None:
    if isinstance(expr, ir.Binary) and expr.op in ("+", "-"):
        _split(expr.left, sign, parts)
        _split(expr.right, sign if expr.op == "+" else ("-" if sign == "+" else "+"), parts)
        return
    parts.append((sign, expr))


def _print(node: ir.Expr, context: int) -> str:
    text, level = _bare(node)
    if level < context:
        return f"<mrow><mo>(</mo>{text}<mo>)</mo></mrow>"
    single = text.startswith(("<mn>", "<mi>")) and text.count("<m") == 1
    return text if single else f"<mrow>{text}</mrow>"


def _bare(node: ir.Expr) -> tuple[str, int]:
    match node:
        case ir.Number(value=value):
            if value < 0:
                inner, _ = _bare(ir.Number(-value))
                return f"<mo>−</mo>{inner}", UNARY
            if value.denominator == 1:
                return f"<mn>{value.numerator}</mn>", ATOM
            return f"<mfrac><mn>{value.numerator}</mn><mn>{value.denominator}</mn></mfrac>", FRACTION
        case ir.Name(id=name):
            return f"<mi>{escape(name)}</mi>", ATOM
        case ir.Unary(op="not", operand=operand):
            return f"<mo>¬</mo>{_print(operand, NOT)}", NOT
        case ir.Unary(operand=operand):
            loose = sign_commutes(operand)
            return f"<mo>−</mo>{_print(operand, PRODUCT if loose else UNARY)}", PRODUCT if loose else UNARY
        case ir.Binary(op="/", left=left, right=right):
            return f"<mfrac>{_print(left, 0)}{_print(right, 0)}</mfrac>", FRACTION
        case ir.Binary(op="//", left=left, right=right):
            return f"<mo>⌊</mo><mfrac>{_print(left, 0)}{_print(right, 0)}</mfrac><mo>⌋</mo>", ATOM
        case ir.Binary(op="**", left=left, right=right):
            return f"<msup>{_print(left, ATOM)}{_print(right, 0)}</msup>", POWER
        case ir.Binary(op=op, left=left, right=right):
            level = BINARY[op]
            if level == COMPARE:
                return f"{_print(left, SUM)}<mo>{_RELATIONS[op]}</mo>{_print(right, SUM)}", COMPARE
            symbol = {"+": "+", "-": "−", "*": "⋅", "%": "mod", "and": "∧", "or": "∨"}[op]
            return f"{_print(left, level)}<mo>{symbol}</mo>{_print(right, level + 1)}", level
        case ir.Call(function=function, arguments=arguments):
            inner = "<mo>,</mo>".join(_print(a, 0) for a in arguments)
            if function in _DELIMITERS:
                opening, closing = _DELIMITERS[function]
                return f"<mo>{opening}</mo>{inner}<mo>{closing}</mo>", ATOM
            if function == "sqrt":
                return f"<msqrt>{inner}</msqrt>", ATOM
            name = "<msub><mi>log</mi><mn>2</mn></msub>" if function == "log2" else f"<mi>{escape(function)}</mi>"
            return f"{name}<mo>(</mo>{inner}<mo>)</mo>", ATOM
        case ir.Conditional(test=test, body=body, orelse=orelse):
            rows = (
                f"<mtr><mtd>{_print(body, 0)}</mtd><mtd><mtext>if </mtext>{_print(test, 0)}</mtd></mtr>"
                f"<mtr><mtd>{_print(orelse, 0)}</mtd><mtd><mtext>otherwise</mtext></mtd></mtr>"
            )
            return f'<mo>{{</mo><mtable columnalign="left">{rows}</mtable>', ATOM
    raise TypeError(f"cannot print {type(node).__name__} as MathML: {node!r}")

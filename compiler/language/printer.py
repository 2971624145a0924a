"""Printing IR as formula-language text, with exactly the parentheses it needs."""

from __future__ import annotations

from compiler.language import ir
from compiler.language.precedence import (
    ATOM,
    BINARY,
    COMPARE,
    CONDITIONAL,
    NOT,
    OR,
    PRODUCT,
    SUM,
    UNARY,
    sign_commutes,
)


def precedence(node: ir.Expr) -> int:
    match node:
        case ir.Number(value=value):
            return ATOM if value.denominator == 1 else PRODUCT
        case ir.Binary(op=op):
            return BINARY[op]
        case ir.Unary(op="not"):
            return NOT
        case ir.Unary(op="-", operand=operand) if sign_commutes(operand):
            return PRODUCT  # printed as -a * b, which is a product
        case ir.Unary():
            return UNARY
        case ir.Conditional():
            return CONDITIONAL
    return ATOM


def to_text(node: ir.Expr) -> str:
    """`node` as formula text that parses back to the same IR."""
    return _print(node, 0)


def _print(node: ir.Expr, context: int) -> str:
    text = _bare(node)
    return f"({text})" if precedence(node) < context else text


def _bare(node: ir.Expr) -> str:
    match node:
        case ir.Number(value=value):
            return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
        case ir.Name(id=name):
            return name
        case ir.Binary(op="**", left=left, right=right):
            return f"{_print(left, ATOM)}**{_print(right, UNARY)}"
        case ir.Binary(op=op, left=left, right=right):
            level = BINARY[op]
            if level == COMPARE:
                return f"{_print(left, SUM)} {op} {_print(right, SUM)}"
            # A chain a + b - c + ... nests to the left: walk its spine instead of recursing
            # down it, so that a sum of thousands of terms prints within Python's stack.
            rights = [f" {op} {_print(right, level + 1)}"]
            while isinstance(left, ir.Binary) and left.op != "**" and BINARY[left.op] == level:
                rights.append(f" {left.op} {_print(left.right, level + 1)}")
                left = left.left
            return _print(left, level) + "".join(reversed(rights))
        case ir.Unary(op="not", operand=operand):
            return f"not {_print(operand, NOT)}"
        case ir.Unary(operand=operand):
            return "-" + _print(operand, PRODUCT if sign_commutes(operand) else UNARY)
        case ir.Call(function=function, arguments=arguments):
            return f"{function}({', '.join(_print(a, 0) for a in arguments)})"
        case ir.Conditional(test=test, body=body, orelse=orelse):
            return f"{_print(body, OR)} if {_print(test, OR)} else {_print(orelse, CONDITIONAL)}"
        case ir.Keyword(name=name, value=value):
            return f"{name}={_print(value, 0)}"
        case ir.Reference(module=module, arguments=arguments, keywords=keywords, called=called):
            if not called:
                return f"${{{module}}}"
            return f"${{{module}}}({', '.join(_print(a, 0) for a in (*arguments, *keywords))})"
    raise TypeError(f"not an IR node: {node!r}")

"""Printing IR as formula-language text, with exactly the parentheses it needs."""

from __future__ import annotations

from collections.abc import Callable

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
    if isinstance(node, ir.Binary):
        return BINARY[node.op]
    if isinstance(node, ir.Number):
        return ATOM if node.value.denominator == 1 else PRODUCT
    if isinstance(node, ir.Unary):
        if node.op == "not":
            return NOT
        return PRODUCT if sign_commutes(node.operand) else UNARY  # printed as -a * b, which is a product
    if isinstance(node, ir.Conditional):
        return CONDITIONAL
    return ATOM


def to_text(node: ir.Expr) -> str:
    """`node` as formula text that parses back to the same IR."""
    return _print(node, 0)


def _print(node: ir.Expr, context: int) -> str:
    """`node` in parentheses where its level binds looser than `context` needs."""
    kind = type(node)
    if kind is ir.Name:  # the most common node by far: an atom, never in parentheses
        return node.id  # type: ignore[attr-defined, no-any-return]
    printer = _PRINTERS.get(kind)
    if printer is None:
        raise TypeError(f"not an IR node: {node!r}")
    text = printer(node)
    return f"({text})" if context and precedence(node) < context else text


def _number(node: ir.Number) -> str:
    value = node.value
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _name(node: ir.Name) -> str:
    return node.id


def _binary(node: ir.Binary) -> str:
    op, left, right = node.op, node.left, node.right
    if op == "**":
        return f"{_print(left, ATOM)}**{_print(right, UNARY)}"
    level = BINARY[op]
    if level == COMPARE:
        return f"{_print(left, SUM)} {op} {_print(right, SUM)}"
    # A chain a + b - c + ... nests to the left: walk its spine instead of recursing
    # down it, so that a sum of thousands of terms prints within Python's stack.
    tighter = level + 1
    rights = [f" {op} {_print(right, tighter)}"]
    while type(left) is ir.Binary and left.op != "**" and BINARY[left.op] == level:
        rights.append(f" {left.op} {_print(left.right, tighter)}")
        left = left.left
    rights.append(_print(left, level))
    rights.reverse()
    return "".join(rights)


def _unary(node: ir.Unary) -> str:
    if node.op == "not":
        return f"not {_print(node.operand, NOT)}"
    return "-" + _print(node.operand, PRODUCT if sign_commutes(node.operand) else UNARY)


def _call(node: ir.Call) -> str:
    return f"{node.function}({', '.join(_print(a, 0) for a in node.arguments)})"


def _conditional(node: ir.Conditional) -> str:
    return f"{_print(node.body, OR)} if {_print(node.test, OR)} else {_print(node.orelse, CONDITIONAL)}"


def _keyword(node: ir.Keyword) -> str:
    return f"{node.name}={_print(node.value, 0)}"


def _reference(node: ir.Reference) -> str:
    if not node.called:
        return f"${{{node.module}}}"
    return f"${{{node.module}}}({', '.join(_print(a, 0) for a in (*node.arguments, *node.keywords))})"


_PRINTERS: dict[type, Callable[..., str]] = {
    ir.Number: _number,
    ir.Name: _name,
    ir.Binary: _binary,
    ir.Unary: _unary,
    ir.Call: _call,
    ir.Conditional: _conditional,
    ir.Keyword: _keyword,
    ir.Reference: _reference,
}
"""One printer per node type: a lookup, where a `match` would test the cases in turn."""

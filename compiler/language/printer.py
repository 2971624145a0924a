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


def to_text(node: ir.Expr) -> str:
    """`node` as formula text that parses back to the same IR."""
    return _print(node, 0)


def _print(node: ir.Expr, context: int) -> str:
    """`node` in parentheses where its level binds looser than `context` needs.

    Each printer puts in the parentheses itself, knowing the level of what it
    printed: names, calls, references and whole numbers are atoms, never in
    parentheses."""
    kind = type(node)
    if kind is ir.Name:  # the most common node by far
        return node.id  # type: ignore[attr-defined, no-any-return]
    printer = _PRINTERS.get(kind)
    if printer is None:
        raise TypeError(f"not an IR node: {node!r}")
    return printer(node, context)


def _number(node: ir.Number, context: int) -> str:
    text = str(node.value)  # n, or n/d: a quotient, which binds as a product does
    return f"({text})" if context > PRODUCT and node.value.denominator != 1 else text


def _binary(node: ir.Binary, context: int) -> str:
    op = node.op
    level = BINARY[op]
    if op == "**":
        text = f"{_print(node.left, ATOM)}**{_print(node.right, UNARY)}"
    elif level == COMPARE:
        text = f"{_print(node.left, SUM)} {op} {_print(node.right, SUM)}"
    else:
        # A chain a + b - c + ... nests to the left: walk its spine instead of recursing
        # down it, so that a sum of thousands of terms prints within Python's stack.
        tighter = level + 1
        parts: list[str] = []
        left: ir.Expr = node
        while type(left) is ir.Binary and BINARY[left.op] == level:
            right = left.right
            parts.append(right.id if type(right) is ir.Name else _print(right, tighter))
            parts.append(_SPACED[left.op])
            left = left.left
        parts.append(_print(left, level))
        parts.reverse()
        text = "".join(parts)
    return f"({text})" if level < context else text


def _unary(node: ir.Unary, context: int) -> str:
    if node.op == "not":
        level, text = NOT, f"not {_print(node.operand, NOT)}"
    else:
        level = PRODUCT if sign_commutes(node.operand) else UNARY  # printed as -a * b, which is a product
        text = "-" + _print(node.operand, level)
    return f"({text})" if level < context else text


def _call(node: ir.Call, context: int) -> str:
    return f"{node.function}({', '.join(_print(a, 0) for a in node.arguments)})"


def _conditional(node: ir.Conditional, context: int) -> str:
    text = f"{_print(node.body, OR)} if {_print(node.test, OR)} else {_print(node.orelse, CONDITIONAL)}"
    return f"({text})" if context > CONDITIONAL else text


def _keyword(node: ir.Keyword, context: int) -> str:
    return f"{node.name}={_print(node.value, 0)}"


def _reference(node: ir.Reference, context: int) -> str:
    if not node.called:
        return f"${{{node.module}}}"
    return f"${{{node.module}}}({', '.join(_print(a, 0) for a in (*node.arguments, *node.keywords))})"


_SPACED = {op: f" {op} " for op in BINARY}
"""Each binary operator as a chain writes it, between spaces."""

_PRINTERS: dict[type, Callable[..., str]] = {
    ir.Number: _number,
    ir.Binary: _binary,
    ir.Unary: _unary,
    ir.Call: _call,
    ir.Conditional: _conditional,
    ir.Keyword: _keyword,
    ir.Reference: _reference,
}
"""One printer per node type: a lookup, where a `match` would test the cases in turn."""

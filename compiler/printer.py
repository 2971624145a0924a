"""Printing IR as formula-language text, with exactly the parentheses it needs."""

from __future__ import annotations

from compiler import ir

_CONDITIONAL, _OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _POWER, _ATOM = range(1, 11)
_BINARY = {
    "or": _OR,
    "and": _AND,
    "+": _SUM,
    "-": _SUM,
    "*": _PRODUCT,
    "/": _PRODUCT,
    "//": _PRODUCT,
    "%": _PRODUCT,
    "**": _POWER,
    **dict.fromkeys(("==", "!=", "<", "<=", ">", ">="), _COMPARE),
}


def precedence(node: ir.Expr) -> int:
    match node:
        case ir.Number(value=value):
            return _ATOM if value.denominator == 1 else _PRODUCT
        case ir.Binary(op=op):
            return _BINARY[op]
        case ir.Unary(op="not"):
            return _NOT
        case ir.Unary():
            return _UNARY
        case ir.Conditional():
            return _CONDITIONAL
    return _ATOM


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
            return f"{_print(left, _ATOM)}**{_print(right, _UNARY)}"
        case ir.Binary(op=op, left=left, right=right):
            level = _BINARY[op]
            if level == _COMPARE:
                return f"{_print(left, _SUM)} {op} {_print(right, _SUM)}"
            return f"{_print(left, level)} {op} {_print(right, level + 1)}"
        case ir.Unary(op="not", operand=operand):
            return f"not {_print(operand, _NOT)}"
        case ir.Unary(operand=operand):
            # -(a * b) reads as -a * b, but the sign binds to the first factor, and
            # // and % do not commute with it: -(a // 2) * b needs its parentheses.
            first = operand
            while isinstance(first, ir.Binary) and first.op in ("*", "/"):
                first = first.left
            loose = first is not operand and not (isinstance(first, ir.Binary) and first.op in ("//", "%"))
            return "-" + _print(operand, _PRODUCT if loose else _UNARY)
        case ir.Call(function=function, arguments=arguments):
            return f"{function}({', '.join(_print(a, 0) for a in arguments)})"
        case ir.Conditional(test=test, body=body, orelse=orelse):
            return f"{_print(body, _OR)} if {_print(test, _OR)} else {_print(orelse, _CONDITIONAL)}"
        case ir.Keyword(name=name, value=value):
            return f"{name}={_print(value, 0)}"
        case ir.Reference(module=module, arguments=arguments, keywords=keywords, called=called):
            if not called:
                return f"${{{module}}}"
            return f"${{{module}}}({', '.join(_print(a, 0) for a in (*arguments, *keywords))})"
    raise TypeError(f"not an IR node: {node!r}")

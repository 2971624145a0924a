"""The precedence ladder every printer shares: which operator binds tighter, and where the sign may go.

Levels run loosest first; a piece printed where a tighter level is expected
gets parentheses. `FRACTION` is a level of typeset output only (a `\\frac`
binds tighter than a product, looser than a power); text and code printers
never produce it, and `level + 1` of a binary operator is the level of its
right operand in every printer.
"""

from __future__ import annotations

from compiler.language import ir

CONDITIONAL, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, FRACTION, POWER, ATOM = range(1, 12)

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
LOGICAL = ("and", "or")

BINARY: dict[str, int] = {
    "or": OR,
    "and": AND,
    "+": SUM,
    "-": SUM,
    "*": PRODUCT,
    "/": PRODUCT,
    "//": PRODUCT,
    "%": PRODUCT,
    "**": POWER,
    **dict.fromkeys(COMPARISONS, COMPARE),
}


def sign_commutes(operand: ir.Expr, products: tuple[str, ...] = ("*", "/")) -> bool:
    """Whether -(operand) may print as -a * b: a product whose leftmost factor takes the sign.

    `products` are the operators the sign commutes with in the target (`/` is
    exact division in the formula language and in float code, not in code
    that divides integers exactly through a helper). `//` and `%` never
    commute with the sign, so none may stand on the left spine of the
    product: -(a // b * c) is not (-a) // b * c.
    """
    if not (isinstance(operand, ir.Binary) and operand.op in products):
        return False
    node: ir.Expr = operand
    while isinstance(node, ir.Binary) and node.op in (*products, "//", "%"):
        if node.op in ("//", "%"):
            return False
        node = node.left
    return True

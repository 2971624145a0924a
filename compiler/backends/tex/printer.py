"""Printing formula IR as LaTeX math: a rule table plus precedence, and line breaking.

Names print as `symbols` decides. Every printed piece carries an estimate of
its width (`metrics`), so that a long formula can be broken at its top-level
`+` before it reaches the margin: the display printer returns lines for an
`align*`, the inline printer leaves break points for TeX in table cells.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from fractions import Fraction

from compiler.backends.tex import metrics
from compiler.backends.tex.metrics import Math
from compiler.backends.tex.symbols import long_name
from compiler.language import ir
from compiler.language.precedence import AND, ATOM, COMPARE, CONDITIONAL, FRACTION, NOT, OR, POWER, PRODUCT, SUM, UNARY


def _is_boolean(expr: ir.Expr) -> bool:
    """Whether `expr` is a truth value as written (a comparison, and/or/not) rather than a number tested for zero."""
    match expr:
        case ir.Binary(op=op):
            return op in ("and", "or", "==", "!=", "<", "<=", ">", ">=")
        case ir.Unary(op="not"):
            return True
    return False


_RELATIONS = {"==": "=", "!=": r"\neq", "<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq"}
_LOGIC = {"and": (r"\land", AND), "or": (r"\lor", OR)}
_FUNCTIONS = {"min": (r"\min", 16.74), "max": (r"\max", 18.77)}
_DELIMITERS = {"ceil": (r"\lceil", r"\rceil"), "floor": (r"\lfloor", r"\rfloor"), "abs": (r"\lvert", r"\rvert")}


def _product_parts(expr: ir.Expr) -> tuple[Fraction, list[ir.Expr], list[ir.Expr]]:
    """A chain of `*` and exact `/` as coefficient, numerator factors and denominator factors."""
    coefficient = Fraction(1)
    numerator: list[ir.Expr] = []
    denominator: list[ir.Expr] = []

    def visit(node: ir.Expr, below: bool) -> None:
        nonlocal coefficient
        match node:
            case ir.Binary(op="*", left=left, right=right):
                visit(left, below)
                visit(right, below)
            case ir.Binary(op="/", left=left, right=right):
                visit(left, below)
                visit(right, not below)
            case ir.Unary(op="-", operand=operand):
                coefficient = -coefficient
                visit(operand, below)
            case ir.Number(value=value) if value != 0:
                coefficient = coefficient / value if below else coefficient * value
            case _:
                (denominator if below else numerator).append(node)

    visit(expr, False)
    return coefficient, numerator, denominator


def _is_product(expr: ir.Expr) -> bool:
    return isinstance(expr, ir.Binary) and expr.op in ("*", "/")


class TexPrinter:
    """IR to LaTeX math, one `_print_<Class>` rule per node kind.

    `display` chooses display style: `\\left( \\right)` that grow with their
    contents and full-size fractions. Inline (for table cells `cell` points
    wide), parentheses stay plain so that TeX may break a line inside them,
    and a fraction too wide for the cell is written with a slash. In a
    display `line` points wide, a `min` or `max` too wide for it gets one
    argument a line.
    """

    def __init__(
        self, names: Mapping[str, Math], *, display: bool = True, cell: float | None = None, line: float | None = None
    ) -> None:
        self.names = names
        self.display = display
        self.cell = cell
        self.line = line
        self.short = any(piece.kind == "symbol" and len(name) > 1 for name, piece in names.items())
        self.script = 1.0 if display else metrics.SCRIPT

    # Entry points.

    def math(self, expr: ir.Expr) -> str:
        """`expr` on one line."""
        return self.print(expr).text

    def lines(self, expr: ir.Expr, width: float) -> list[str]:
        """`expr` broken into lines of at most `width` points (estimated), before top-level `+` and `-`.

        A term too wide for a line of its own is broken before a `\\cdot` of
        its product, or, for a conditional, inside its cases. Every line
        after the first starts with its operator.
        """
        lines: list[str] = []
        current, used = "", 0.0
        terms = self._terms(expr)
        for index, (sign, term) in enumerate(terms):
            operator = "" if index == 0 and sign == "+" else sign
            for number, (text, piece_width) in enumerate(
                self._break_term(term, width - metrics.SPACE["sum"], len(terms) == 1)
            ):
                if number == 0 and operator:
                    text, piece_width = f"{operator} {text}", piece_width + metrics.SPACE["sum"]
                if current and (number > 0 or used + piece_width > width):
                    lines.append(current)
                    current, used = text, piece_width
                else:
                    current, used = (f"{current} {text}" if current else text), used + piece_width
        lines.append(current)
        return lines

    def inline(self, expr: ir.Expr) -> str:
        """`expr` for a table cell: TeX may break it before each top-level `+` and `-`, and at conditionals."""
        parts = []
        for index, (sign, term) in enumerate(self._terms(expr)):
            piece = self._term(term, SUM + (index > 0))
            operator = "" if index == 0 and sign == "+" else f"{sign} "
            parts.append(operator + piece.text)
        return r" \allowbreak ".join(parts)

    def width(self, expr: ir.Expr) -> float:
        return self.print(expr).width

    # Precedence.

    def print(self, expr: ir.Expr, context: int = 0) -> Math:
        rule: Callable[[ir.Expr], Math] | None = getattr(self, f"_print_{type(expr).__name__}", None)
        if rule is None:
            raise TypeError(f"cannot print {type(expr).__name__} as LaTeX: not a node of a compiled formula")
        piece = rule(expr)
        return self._parenthesize(piece) if piece.level < context else piece

    def _parenthesize(self, piece: Math) -> Math:
        if self.display or piece.tall:
            width = metrics.BIG_PARENTHESES if piece.tall else metrics.PARENTHESES
            return Math(rf"\left({piece.text}\right)", piece.width + width, tall=piece.tall)
        return Math(f"({piece.text})", piece.width + metrics.PARENTHESES)

    # Rules.

    def _print_Number(self, expr: ir.Number) -> Math:  # noqa: N802 - dispatch by class name
        value = expr.value
        if value < 0:
            positive = self._print_Number(ir.Number(-value))
            return Math("-" + positive.text, positive.width + metrics.SPACE["sum"] / 2, UNARY)
        if value.denominator == 1:
            digits = str(value.numerator)
            groups = [digits[max(0, end - 3) : end] for end in range(len(digits), 0, -3)][::-1]
            text = r"\,".join(groups) if len(digits) > 4 else digits
            width = 5.0 * len(digits) + (metrics.SPACE["thin"] * (len(groups) - 1) if len(digits) > 4 else 0.0)
            return Math(text, width, kind="number")
        return self._fraction(
            self._print_Number(ir.Number(Fraction(value.numerator))),
            self._print_Number(ir.Number(Fraction(value.denominator))),
        )

    def _print_Name(self, expr: ir.Name) -> Math:  # noqa: N802 - dispatch by class name
        return self.names.get(expr.id) or long_name(expr.id)

    def _print_Unary(self, expr: ir.Unary) -> Math:  # noqa: N802 - dispatch by class name
        if expr.op == "not":
            operand = self.print(expr.operand, NOT)
            return Math(r"\lnot " + operand.text, operand.width + 6.67, NOT)
        if _is_product(expr.operand) or isinstance(expr.operand, ir.Number):
            return self._product(expr)
        operand = self.print(expr.operand, UNARY)
        return Math("-" + operand.text, operand.width + 7.78, UNARY, tall=operand.tall)

    def _print_Binary(self, expr: ir.Binary) -> Math:  # noqa: N802 - dispatch by class name
        op = expr.op
        if op in ("+", "-"):
            return self._sum(expr)
        if op in ("*", "/"):
            return self._product(expr)
        if op == "//":
            inner = self._fraction(self.print(expr.left), self.print(expr.right))
            return self._delimit(r"\lfloor", r"\rfloor", inner)
        if op == "%":
            left, right = self.print(expr.left, PRODUCT), self.print(expr.right, FRACTION)
            return Math(
                rf"{left.text} \bmod {right.text}",
                left.width + right.width + 24.7,
                PRODUCT,
                tall=left.tall or right.tall,
            )
        if op == "**":
            base, exponent = self.print(expr.left, ATOM), self.print(expr.right)
            return Math(
                f"{base.text}^{{{exponent.text}}}", base.width + metrics.SCRIPT * exponent.width + 0.5, POWER, tall=base.tall
            )
        if op in _RELATIONS:
            left, right = self.print(expr.left, SUM), self.print(expr.right, SUM)
            return Math(
                f"{left.text} {_RELATIONS[op]} {right.text}", left.width + right.width + metrics.SPACE["relation"], COMPARE
            )
        symbol, level = _LOGIC[op]
        left, right = self.print(expr.left, level), self.print(expr.right, level + 1)
        return Math(f"{left.text} {symbol} {right.text}", left.width + right.width + metrics.SPACE["logic"], level)

    def _print_Call(self, expr: ir.Call) -> Math:  # noqa: N802 - dispatch by class name
        arguments = [self.print(argument) for argument in expr.arguments]
        tall = any(a.tall for a in arguments)
        comma = ", " if self.display else r", \allowbreak "  # TeX breaks no line after a comma by itself
        inner = Math(
            comma.join(a.text for a in arguments),
            sum(a.width for a in arguments) + metrics.SPACE["comma"] * (len(arguments) - 1),
            tall=tall,
        )
        if expr.function in _DELIMITERS:
            return self._delimit(*_DELIMITERS[expr.function], inner)
        if expr.function == "sqrt":
            return Math(rf"\sqrt{{{inner.text}}}", inner.width + 8.4, tall=tall)
        if expr.function == "log2":
            name, width = r"\log_2", 17.39
        elif expr.function in _FUNCTIONS:
            name, width = _FUNCTIONS[expr.function]
        else:
            raise TypeError(f"cannot print function {expr.function!r} as LaTeX")
        if self.display and self.line is not None and width + inner.width > self.line and expr.function in _FUNCTIONS:
            # Too wide for a line of a display: one argument a line.
            rows = [self._aligned(argument, self.line - 2 * metrics.SPACE["quad"]).text for argument in expr.arguments]
            inner = Math(
                r"\begin{aligned} & " + r", \\ & ".join(rows) + r" \end{aligned}", self.line - width, tall=True
            )
        argument = (
            self._parenthesize(inner)
            if inner.tall or self.display
            else Math(f"({inner.text})", inner.width + metrics.PARENTHESES)
        )
        return Math(f"{name}{argument.text}", width + argument.width, tall=tall or inner.tall)

    def _print_Conditional(self, expr: ir.Conditional) -> Math:  # noqa: N802 - dispatch by class name
        if self.display:
            return self._conditional(expr, None)
        # In a table cell `cases` would be one unbreakable box: read it out instead.
        text, width, tall = "", 0.0, False
        node: ir.Expr = expr
        while isinstance(node, ir.Conditional):
            body, test = self.print(node.body, OR), self._test(node.test)
            text += rf"{body.text} \allowbreak\ \text{{if}}\ {test.text}, \allowbreak\ \text{{else}}\ "
            width += body.width + test.width + 2 * metrics.TEXT_IF + 8.0
            tall = tall or body.tall or test.tall
            node = node.orelse
        orelse = self.print(node, CONDITIONAL)
        return Math(text + orelse.text, width + orelse.width, CONDITIONAL, tall=tall or orelse.tall)

    def _test(self, test: ir.Expr) -> Math:
        """A condition as written when it is a truth value, else the number it tests compared with 0."""
        piece = self.print(test, OR)
        if _is_boolean(test):
            return piece
        return Math(rf"{piece.text} \neq 0", piece.width + metrics.SPACE["relation"] + 5.0, COMPARE)

    # Sums, products and the pieces they are made of.

    def _terms(self, expr: ir.Expr) -> list[tuple[str, ir.Expr]]:
        """The signed terms of a top-level sum (one term when `expr` is no sum)."""
        match expr:
            case ir.Binary(op="+" | "-" as op, left=left, right=right):
                sign, term = self._sign(right)
                if op == "-":
                    sign = "+" if sign == "-" else "-"
                return [*self._terms(left), (sign, term)]
        sign, term = self._sign(expr)
        return [(sign, term)]

    def _sign(self, expr: ir.Expr) -> tuple[str, ir.Expr]:
        """A term's sign and the term to print without it (`_term` prints a product's magnitude)."""
        match expr:
            case ir.Unary(op="-", operand=operand):
                sign, inner = self._sign(operand)
                return ("+" if sign == "-" else "-"), inner
            case ir.Number(value=value) if value < 0:
                return "-", ir.Number(-value)
            case ir.Binary(op="*" | "/"):
                coefficient, _, _ = _product_parts(expr)
                return ("-" if coefficient < 0 else "+"), expr
        return "+", expr

    def _term(self, term: ir.Expr, context: int) -> Math:
        """A term whose sign `_sign` took out."""
        return self._product(term, positive=True) if _is_product(term) else self.print(term, context)

    def _sum(self, expr: ir.Expr) -> Math:
        text, width, tall = "", 0.0, False
        for index, (sign, term) in enumerate(self._terms(expr)):
            piece = self._term(term, SUM + (index > 0))
            tall = tall or piece.tall
            if index == 0:
                text, width = ("-" if sign == "-" else "") + piece.text, piece.width + (7.78 if sign == "-" else 0.0)
            else:
                text, width = f"{text} {sign} {piece.text}", width + metrics.SPACE["sum"] + piece.width
        return Math(text, width, SUM, tall=tall)

    def _factors(self, expr: ir.Expr) -> tuple[bool, list[Math]]:
        """A product's sign, and the factors it prints as: `\\frac{a}{2}`, or `\\frac{1}{2}` and the factors of a long product.

        A numerator too wide to sit above a fraction bar stays a product that can
        be broken, after the fraction of its coefficient and denominator.
        """
        coefficient, numerator, denominator = _product_parts(expr)
        negative = coefficient < 0
        p, q = abs(coefficient).numerator, abs(coefficient).denominator
        above = [self.print(f, FRACTION) for f in numerator]
        below = [self._print_Number(ir.Number(Fraction(q)))] if q != 1 else []
        below += [self.print(f, FRACTION) for f in denominator]
        number = self._print_Number(ir.Number(Fraction(p)))
        if not below:
            return negative, ([number] if p != 1 or not above else []) + above
        limit = metrics.NARROW if not denominator else metrics.WIDE
        if above and self._join(above).width > limit:
            return negative, [self._fraction(number, self._join(below)), *above]
        return negative, [
            self._fraction(self._join(([number] if p != 1 or not above else []) + above), self._join(below))
        ]

    def _joiner(self, left: Math, right: Math) -> tuple[str, float]:
        """What goes between two factors: nothing between symbols (`2BS`), else `\\cdot`."""
        if not self.short or "word" in (left.kind, right.kind) or right.kind == "number":
            return r" \cdot ", metrics.SPACE["cdot"]
        if right.kind == "fraction" and left.kind != "symbol":
            return r" \cdot ", metrics.SPACE["cdot"]
        # Letters run together (2BSH); anything longer is set apart in the source, and a
        # control word must not swallow the letter after it.
        letters = left.text.isalnum() and right.text.isalpha() and len(right.text) == 1
        return ("" if letters else " "), 0.3

    def _join(self, factors: list[Math]) -> Math:
        text, width = factors[0].text, factors[0].width
        for left, right in itertools.pairwise(factors):
            joiner, space = self._joiner(left, right)
            text, width = text + joiner + right.text, width + space + right.width
        kind = factors[0].kind if len(factors) == 1 else "group"
        return Math(
            text, width, PRODUCT if len(factors) > 1 else factors[0].level, kind, tall=any(f.tall for f in factors)
        )

    def _product(self, expr: ir.Expr, positive: bool = False) -> Math:
        negative, factors = self._factors(expr)
        piece = self._join(factors)
        if negative and not positive:
            return Math("-" + piece.text, piece.width + 7.78, UNARY, tall=piece.tall)
        return piece

    def _fraction(self, numerator: Math, denominator: Math) -> Math:
        width = max(numerator.width, denominator.width) * self.script + metrics.FRACTION_RULE
        if not self.display and self.cell is not None and width > self.cell:
            above, below = (self._parenthesize(p) if p.level < FRACTION else p for p in (numerator, denominator))
            return Math(
                rf"{above.text} \allowbreak /{below.text}",
                above.width + below.width + 5.0,
                PRODUCT,
                tall=above.tall or below.tall,
            )
        return Math(rf"\frac{{{numerator.text}}}{{{denominator.text}}}", width, FRACTION, "fraction", tall=True)

    def _delimit(self, opening: str, closing: str, inner: Math) -> Math:
        if self.display or inner.tall:
            return Math(rf"\left{opening} {inner.text} \right{closing}", inner.width + 8.9, tall=inner.tall)
        return Math(f"{opening} {inner.text} {closing}", inner.width + 8.9)

    def _break_term(self, term: ir.Expr, width: float, alone: bool) -> list[tuple[str, float]]:
        """A term (its sign taken out) as pieces of at most `width` where it can be broken; later pieces start with `\\cdot`."""
        if isinstance(term, ir.Conditional):
            piece = self._conditional(term, width - (0 if alone else metrics.BIG_PARENTHESES))
            piece = piece if alone else self._parenthesize(piece)
            return [(piece.text, piece.width)]
        piece = self._term(term, SUM + 1)
        if piece.width <= width or not _is_product(term):
            return [(piece.text, piece.width)]
        _, above = self._factors(term)
        pieces: list[tuple[str, float]] = []
        current: list[Math] = []
        for factor in above:
            if current and self._join([*current, factor]).width + metrics.SPACE["cdot"] + metrics.SPACE["quad"] > width:
                joined = self._join(current)
                pieces.append(
                    (
                        (r"\quad \cdot " if pieces else "") + joined.text,
                        joined.width + (metrics.SPACE["cdot"] + metrics.SPACE["quad"] if pieces else 0.0),
                    )
                )
                current = []
            current.append(factor)
        joined = self._join(current)
        pieces.append(
            (
                (r"\quad \cdot " if pieces else "") + joined.text,
                joined.width + (metrics.SPACE["cdot"] + metrics.SPACE["quad"] if pieces else 0.0),
            )
        )
        return pieces

    def _conditional(self, expr: ir.Conditional, width: float | None) -> Math:
        """`cases`, one row per branch; with a `width`, a value too wide for its row is broken into aligned lines.

        When even that leaves too little room beside its condition, the
        condition goes on a row of its own under the value.
        """
        branches: list[tuple[ir.Expr, Math | None]] = []
        node: ir.Expr = expr
        while isinstance(node, ir.Conditional):
            branches.append((node.body, self._test(node.test)))
            node = node.orelse
        branches.append((node, None))
        conditions = [
            Math(rf"\text{{if }} {test.text}", metrics.TEXT_IF + test.width)
            if test is not None
            else Math(r"\text{otherwise}", metrics.TEXT_OTHERWISE)
            for _, test in branches
        ]
        beside = max(condition.width for condition in conditions)
        rows, widest = [], 0.0
        for (value, _), condition in zip(branches, conditions, strict=True):
            piece = self.print(value)
            if width is None or piece.width + beside + metrics.CASES <= width:
                rows.append(f"{piece.text} & {condition.text}")
                widest = max(widest, piece.width + beside)
            elif width - beside - metrics.CASES >= 0.4 * width:
                piece = self._aligned(value, width - beside - metrics.CASES)
                rows.append(f"{piece.text} & {condition.text}")
                widest = max(widest, piece.width + beside)
            else:
                piece = self._aligned(value, width - metrics.CASES)
                rows.append(rf"{piece.text} \\ \qquad {condition.text}")
                widest = max(widest, piece.width, condition.width + 2 * metrics.SPACE["quad"])
        body = r" \\ ".join(rows)
        return Math(rf"\begin{{cases}} {body} \end{{cases}}", widest * self.script + metrics.CASES, CONDITIONAL, tall=True)

    def _aligned(self, expr: ir.Expr, width: float) -> Math:
        """`expr` as aligned lines at most `width` wide (one plain line when it fits)."""
        lines = self.lines(expr, width - metrics.SPACE["quad"])
        if len(lines) == 1:
            return self.print(expr)
        text = r"\begin{aligned}[t] & " + r" \\ & \quad ".join(lines) + r" \end{aligned}"
        return Math(text, width, tall=True)

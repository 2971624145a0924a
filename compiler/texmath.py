"""Printing formula IR as LaTeX math: a rule table plus precedence, and line breaking.

Names print as words (`\\mathit{batch\\_size}`) or, with short symbols, through
`SHORT_SYMBOLS` (`B`, `S`, `n_{\\mathrm{h}}`). Every printed piece carries an
estimate of its width in points at 10pt, from the metrics of the Latin Modern
fonts the documents use, so that a long formula can be broken at its top-level
`+` before it reaches the margin: the display printer returns lines for an
`align*`, the inline printer leaves break points for TeX in table cells.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from compiler import ir
from compiler.texescape import escape

# The precedence ladder, loosest first: a piece printed where a tighter level is
# expected gets parentheses.
CONDITIONAL, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, FRACTION, POWER, ATOM = range(1, 12)

SHORT_SYMBOLS: dict[str, tuple[str, str]] = {
    "batch_size": ("B", ""),
    "seq_len": ("S", ""),
    "cache_len": ("C", ""),
    "hidden_size": ("H", ""),
    "intermediate_size": ("I", ""),
    "num_layers": ("L", ""),
    "num_hidden_layers": ("L", ""),
    "vocab_size": ("V", ""),
    "num_heads": ("n", "h"),
    "num_attention_heads": ("n", "h"),
    "num_key_value_heads": ("n", "kv"),
    "num_kv_heads": ("n", "kv"),
    "head_dim": ("d", "h"),
    "max_position_embeddings": ("P", ""),
    "num_experts": ("E", ""),
    "num_experts_per_tok": ("k", ""),
    "top_k": ("k", ""),
    "in_features": ("d", "in"),
    "out_features": ("d", "out"),
    "features": ("d", ""),
    "in_channels": ("c", "in"),
    "out_channels": ("c", "out"),
    "kernel_size": ("K", ""),
    "num_embeddings": ("N", "e"),
    "embedding_dim": ("d", "e"),
    "a_bytes": ("b", "a"),
    "w_bytes": ("b", "w"),
}
"""`--symbols short`: a name's symbol, as (math-italic letter, upright subscript).

Two names of one document never share a symbol: when two would, each of them
is written in full instead, as is every name not in this table.
"""

# Widths in points at 10pt, measured with pdflatex in the document's fonts
# (T1, Latin Modern): letters of \mathit words, math-italic letters, upright
# letters of \mathrm and subscripts, and the space an operator takes with its
# spacing on both sides.
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _widths(letters: str, digits: float, values: str, underscore: float = 0.0) -> dict[str, float]:
    table = dict(zip(letters, map(float, values.split()), strict=True))
    table.update(dict.fromkeys("0123456789", digits))
    table["_"] = underscore
    return table


_WORD = _widths(
    _LETTERS,
    5.11,
    "5.11 4.09 4.09 5.11 4.09 3.07 4.60 5.11 3.07 3.07 4.60 2.56 8.18 5.62 4.60 4.60 4.60 3.71 4.09 3.32 5.37 4.60 "
    "6.64 4.64 4.86 4.09 6.92 7.04 7.16 7.55 6.78 5.76 7.74 7.43 3.86 5.25 7.18 5.76 8.97 7.43 7.67 6.78 7.67 6.78 "
    "5.62 6.39 6.92 6.67 9.22 7.43 6.67 6.13",
    underscore=7.92,
)
_ITALIC_CORRECTION = 1.5  # after the last letter of a \mathit word
_ITALIC = _widths(
    _LETTERS,
    5.0,
    "5.29 4.29 4.33 5.20 4.66 5.97 5.13 5.76 3.45 4.69 5.52 3.18 8.78 6.00 4.85 5.03 4.82 4.79 4.69 3.61 5.72 5.21 "
    "7.43 5.72 5.26 5.09 7.50 8.09 7.86 8.56 7.96 7.82 7.86 9.12 5.18 6.51 9.21 6.81 10.79 9.12 7.91 7.81 7.91 7.67 "
    "6.71 7.23 7.92 8.06 10.83 9.07 8.03 7.54",
)
_ROMAN = _widths(
    _LETTERS,
    5.0,
    "5.00 5.56 4.44 5.56 4.44 3.06 5.00 5.56 2.78 3.33 5.28 2.78 8.33 5.56 5.00 5.56 5.28 3.92 3.94 3.89 5.56 4.44 "
    "6.67 5.28 4.72 4.44 7.50 7.08 7.22 7.64 6.81 5.69 7.85 7.50 3.61 5.14 7.78 6.25 9.17 7.50 7.78 6.53 7.78 7.36 "
    "5.56 6.39 7.50 6.67 9.44 7.50 6.67 6.11",
)
_SCRIPT = 0.7  # a superscript or subscript is set at 70%
_SPACE = {"cdot": 7.22, "sum": 12.22, "relation": 13.33, "logic": 11.11, "comma": 4.44, "thin": 1.67, "quad": 10.0}
_PARENTHESES = 7.78
_BIG_PARENTHESES = 9.5  # \left( \right) around something taller than a line
_FRACTION_RULE = 2.4  # the null delimiters on both sides of \frac
_CASES = 19.3  # the brace of `cases` and the space between its columns
_TEXT_IF, _TEXT_OTHERWISE = 9.17, 41.19
_NARROW = 80.0  # a product at most this wide goes above the bar of its coefficient: a/2, not ½a
_WIDE = 150.0  # a product wider than this does not go above a fraction bar at all


def text_width(text: str, table: Mapping[str, float] = _ROMAN) -> float:
    """The width of `text` set in the font whose widths `table` holds; unknown characters count as an `M`."""
    return sum(table.get(character, 10.0) for character in text)


@dataclass(frozen=True, slots=True)
class Math:
    """A printed piece: its LaTeX, an estimate of its width in points at 10pt, its precedence level.

    `kind` decides how a factor joins its neighbours in a product: numbers,
    short symbols, words (names written in full), fractions and other groups.
    `tall` marks pieces taller than a line (fractions, cases), whose
    parentheses must grow with them.
    """

    text: str
    width: float
    level: int = ATOM
    kind: str = "group"
    tall: bool = False


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def long_name(name: str) -> Math:
    """`name` written in full: one letter in math italic, a word in `\\mathit` with `\\_`."""
    if not _NAME.fullmatch(name):  # not from a module file, which allows only these: text, escaped
        return Math(r"\text{" + escape(name) + "}", text_width(name) * 1.2, kind="word")
    if len(name) == 1:
        return Math(name, _ITALIC.get(name, 6.0), kind="symbol")
    return Math(r"\mathit{" + name.replace("_", r"\_") + "}", text_width(name, _WORD) + _ITALIC_CORRECTION, kind="word")


def short_name(letter: str, subscript: str) -> Math:
    if not subscript:
        return Math(letter, _ITALIC[letter], kind="symbol")
    width = _ITALIC[letter] + _SCRIPT * text_width(subscript) + 0.5
    return Math(f"{letter}_{{\\mathrm{{{subscript}}}}}", width, kind="symbol")


def symbols(names: Iterable[str], short: bool) -> dict[str, Math]:
    """How each name prints: in full, or by its short symbol where that is unambiguous."""
    names = list(dict.fromkeys(names))
    table = {name: long_name(name) for name in names}
    if not short:
        return table
    chosen = {name: short_name(*SHORT_SYMBOLS[name]) for name in names if name in SHORT_SYMBOLS}
    taken: dict[str, list[str]] = {}
    for name in names:
        taken.setdefault((chosen.get(name) or table[name]).text, []).append(name)
    for name, symbol in chosen.items():
        if len(taken[symbol.text]) == 1:
            table[name] = symbol
    return table


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
        self.script = 1.0 if display else _SCRIPT

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
                self._break_term(term, width - _SPACE["sum"], len(terms) == 1)
            ):
                if number == 0 and operator:
                    text, piece_width = f"{operator} {text}", piece_width + _SPACE["sum"]
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
            width = _BIG_PARENTHESES if piece.tall else _PARENTHESES
            return Math(rf"\left({piece.text}\right)", piece.width + width, tall=piece.tall)
        return Math(f"({piece.text})", piece.width + _PARENTHESES)

    # Rules.

    def _print_Number(self, expr: ir.Number) -> Math:  # noqa: N802 - dispatch by class name
        value = expr.value
        if value < 0:
            positive = self._print_Number(ir.Number(-value))
            return Math("-" + positive.text, positive.width + _SPACE["sum"] / 2, UNARY)
        if value.denominator == 1:
            digits = str(value.numerator)
            groups = [digits[max(0, end - 3) : end] for end in range(len(digits), 0, -3)][::-1]
            text = r"\,".join(groups) if len(digits) > 4 else digits
            width = 5.0 * len(digits) + (_SPACE["thin"] * (len(groups) - 1) if len(digits) > 4 else 0.0)
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
                f"{base.text}^{{{exponent.text}}}", base.width + _SCRIPT * exponent.width + 0.5, POWER, tall=base.tall
            )
        if op in _RELATIONS:
            left, right = self.print(expr.left, SUM), self.print(expr.right, SUM)
            return Math(
                f"{left.text} {_RELATIONS[op]} {right.text}", left.width + right.width + _SPACE["relation"], COMPARE
            )
        symbol, level = _LOGIC[op]
        left, right = self.print(expr.left, level), self.print(expr.right, level + 1)
        return Math(f"{left.text} {symbol} {right.text}", left.width + right.width + _SPACE["logic"], level)

    def _print_Call(self, expr: ir.Call) -> Math:  # noqa: N802 - dispatch by class name
        arguments = [self.print(argument) for argument in expr.arguments]
        tall = any(a.tall for a in arguments)
        comma = ", " if self.display else r", \allowbreak "  # TeX breaks no line after a comma by itself
        inner = Math(
            comma.join(a.text for a in arguments),
            sum(a.width for a in arguments) + _SPACE["comma"] * (len(arguments) - 1),
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
            rows = [self._aligned(argument, self.line - 2 * _SPACE["quad"]).text for argument in expr.arguments]
            inner = Math(
                r"\begin{aligned} & " + r", \\ & ".join(rows) + r" \end{aligned}", self.line - width, tall=True
            )
        argument = (
            self._parenthesize(inner)
            if inner.tall or self.display
            else Math(f"({inner.text})", inner.width + _PARENTHESES)
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
            width += body.width + test.width + 2 * _TEXT_IF + 8.0
            tall = tall or body.tall or test.tall
            node = node.orelse
        orelse = self.print(node, CONDITIONAL)
        return Math(text + orelse.text, width + orelse.width, CONDITIONAL, tall=tall or orelse.tall)

    def _test(self, test: ir.Expr) -> Math:
        """A condition as written when it is a truth value, else the number it tests compared with 0."""
        piece = self.print(test, OR)
        if _is_boolean(test):
            return piece
        return Math(rf"{piece.text} \neq 0", piece.width + _SPACE["relation"] + 5.0, COMPARE)

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
                text, width = f"{text} {sign} {piece.text}", width + _SPACE["sum"] + piece.width
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
        limit = _NARROW if not denominator else _WIDE
        if above and self._join(above).width > limit:
            return negative, [self._fraction(number, self._join(below)), *above]
        return negative, [
            self._fraction(self._join(([number] if p != 1 or not above else []) + above), self._join(below))
        ]

    def _joiner(self, left: Math, right: Math) -> tuple[str, float]:
        """What goes between two factors: nothing between symbols (`2BS`), else `\\cdot`."""
        if not self.short or "word" in (left.kind, right.kind) or right.kind == "number":
            return r" \cdot ", _SPACE["cdot"]
        if right.kind == "fraction" and left.kind != "symbol":
            return r" \cdot ", _SPACE["cdot"]
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
        width = max(numerator.width, denominator.width) * self.script + _FRACTION_RULE
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
            piece = self._conditional(term, width - (0 if alone else _BIG_PARENTHESES))
            piece = piece if alone else self._parenthesize(piece)
            return [(piece.text, piece.width)]
        piece = self._term(term, SUM + 1)
        if piece.width <= width or not _is_product(term):
            return [(piece.text, piece.width)]
        _, above = self._factors(term)
        pieces: list[tuple[str, float]] = []
        current: list[Math] = []
        for factor in above:
            if current and self._join([*current, factor]).width + _SPACE["cdot"] + _SPACE["quad"] > width:
                joined = self._join(current)
                pieces.append(
                    (
                        (r"\quad \cdot " if pieces else "") + joined.text,
                        joined.width + (_SPACE["cdot"] + _SPACE["quad"] if pieces else 0.0),
                    )
                )
                current = []
            current.append(factor)
        joined = self._join(current)
        pieces.append(
            (
                (r"\quad \cdot " if pieces else "") + joined.text,
                joined.width + (_SPACE["cdot"] + _SPACE["quad"] if pieces else 0.0),
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
            Math(rf"\text{{if }} {test.text}", _TEXT_IF + test.width)
            if test is not None
            else Math(r"\text{otherwise}", _TEXT_OTHERWISE)
            for _, test in branches
        ]
        beside = max(condition.width for condition in conditions)
        rows, widest = [], 0.0
        for (value, _), condition in zip(branches, conditions, strict=True):
            piece = self.print(value)
            if width is None or piece.width + beside + _CASES <= width:
                rows.append(f"{piece.text} & {condition.text}")
                widest = max(widest, piece.width + beside)
            elif width - beside - _CASES >= 0.4 * width:
                piece = self._aligned(value, width - beside - _CASES)
                rows.append(f"{piece.text} & {condition.text}")
                widest = max(widest, piece.width + beside)
            else:
                piece = self._aligned(value, width - _CASES)
                rows.append(rf"{piece.text} \\ \qquad {condition.text}")
                widest = max(widest, piece.width, condition.width + 2 * _SPACE["quad"])
        body = r" \\ ".join(rows)
        return Math(rf"\begin{{cases}} {body} \end{{cases}}", widest * self.script + _CASES, CONDITIONAL, tall=True)

    def _aligned(self, expr: ir.Expr, width: float) -> Math:
        """`expr` as aligned lines at most `width` wide (one plain line when it fits)."""
        lines = self.lines(expr, width - _SPACE["quad"])
        if len(lines) == 1:
            return self.print(expr)
        text = r"\begin{aligned}[t] & " + r" \\ & \quad ".join(lines) + r" \end{aligned}"
        return Math(text, width, tall=True)

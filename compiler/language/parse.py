"""Frontend: formula text to IR through the LALR grammar in `grammar/formula.lark`.

The transformer runs inside the parser (no parse tree is built, nothing
recurses), and only constructs IR; the checks that follow a successful parse
(known functions, nesting depth, literal sizes) collect every problem of the
formula instead of stopping at the first.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, cast

import lark
from lark import Token, Transformer, v_args

from compiler.errors import KcError
from compiler.language.ir import (
    FUNCTIONS,
    LITERALS,
    Binary,
    Call,
    Conditional,
    Expr,
    Keyword,
    Name,
    Number,
    Reference,
    Span,
    Unary,
    children,
    is_config,
)
from compiler.limits import Limits


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a formula: a diagnostic code, a message and where."""

    code: str
    message: str
    span: Span | None


class FormulaError(KcError):
    """A formula that does not parse; `problems` lists each, with its span."""

    code = "KC101"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def grammar_text() -> str:
    """The grammar, from inside the installed package or from the source tree."""
    packaged = resources.files("compiler") / "grammar" / "formula.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).parents[2] / "grammar" / "formula.lark").read_text(encoding="utf-8")


def _span(item: Any) -> Span:
    if isinstance(item, Token):
        return Span(item.start_pos or 0, item.end_pos or 0)
    span: Span = item.span
    return span


def _cover(first: Any, last: Any) -> Span:
    return Span(_span(first).start, _span(last).end)


@v_args(inline=True)
class _Build(Transformer[Token, Expr]):
    """One method per grammar alias; each builds one IR node and its span."""

    def number(self, token: Token) -> Number:
        return Number(_literal(token), span=_span(token))

    def name(self, token: Token) -> Expr:
        text = str(token)
        if text in LITERALS:
            return Number(Fraction(LITERALS[text]), span=_span(token))
        if "." in text and not is_config(text):
            first = text.split(".", 1)[0]
            message = f"unexpected {text[len(first):]!r}: a dotted name is a configuration value, config.NAME"
            raise _BuildError("KC101", message, Span(_span(token).start + len(first), _span(token).end))
        return Name(text, span=_span(token))

    def binary(self, left: Expr, op: Token, right: Expr) -> Binary:
        return Binary(str(op), left, right, span=_cover(left, right))

    def power(self, left: Expr, op: Token, right: Expr) -> Binary:
        return Binary("**", left, right, span=_cover(left, right))

    def compare(self, left: Expr, op: Token, right: Expr) -> Binary:
        return Binary(str(op), left, right, span=_cover(left, right))

    def logical_and(self, left: Expr, right: Expr) -> Binary:
        return Binary("and", left, right, span=_cover(left, right))

    def logical_or(self, left: Expr, right: Expr) -> Binary:
        return Binary("or", left, right, span=_cover(left, right))

    def logical_not(self, operand: Expr) -> Unary:
        return Unary("not", operand, span=operand.span)

    def negate(self, op: Token, operand: Expr) -> Unary:
        return Unary("-", operand, span=_cover(op, operand))

    def positive(self, op: Token, operand: Expr) -> Expr:
        return operand

    def conditional(self, body: Expr, test: Expr, orelse: Expr) -> Conditional:
        return Conditional(test, body, orelse, span=_cover(body, orelse))

    def call(self, function: Token, *arguments: Expr) -> Call:
        return Call(str(function), arguments, span=_cover(function, arguments[-1]))

    def keyword(self, name: Token, value: Expr) -> Keyword:
        text = str(name)
        if text in LITERALS or ("." in text and not is_config(text)):
            raise _BuildError("KC101", f"{text!r} cannot name a keyword argument", _span(name))
        return Keyword(text, value, span=_cover(name, value))

    def arguments(self, *items: Expr | None) -> tuple[Expr, ...]:
        return tuple(item for item in items if item is not None)

    def reference(self, module: Token, arguments: tuple[Expr, ...] | None = None) -> Reference:
        span = Span((module.start_pos or 2) - 2, (module.end_pos or 0) + 1)
        if arguments is None:
            return Reference(str(module), called=False, span=span)
        positional = tuple(a for a in arguments if not isinstance(a, Keyword))
        keywords = tuple(a for a in arguments if isinstance(a, Keyword))
        first_keyword, last_positional = (keywords[0].span, positional[-1].span) if positional and keywords else (None, None)
        if first_keyword and last_positional and last_positional.start > first_keyword.start:
            raise _BuildError("KC101", "positional argument follows keyword argument", _span(positional[-1]))
        if arguments:
            span = Span(span.start, _span(arguments[-1]).end + 1)
        return Reference(str(module), positional, keywords, span=span)


class _BuildError(Exception):
    """A problem found while building a node, raised out of the parser."""

    def __init__(self, code: str, message: str, span: Span) -> None:
        self.problem = Problem(code, message, span)


def _literal(token: Token) -> Fraction:
    text = str(token)
    mantissa, _, exponent = text.lower().partition("e")
    limits = Limits.current()
    if len(mantissa) > limits.literal_digits or (
        exponent and abs(int(exponent)) > limits.literal_exponent
    ):
        raise _BuildError("KC902", f"number literal {_shorten(text)} is too large", _span(token))
    return Fraction(text)


@functools.cache
def _parser() -> lark.Lark:
    return lark.Lark(grammar_text(), parser="lalr", transformer=_Build(), maybe_placeholders=True, cache=_cache_file())


def _cache_file() -> str | bool:
    """Where lark keeps the built parse tables between runs: the user's own cache
    directory (never a shared one, since the tables are a pickle); off if unwritable.
    Lark checks the grammar's hash on load and rebuilds a stale or broken file."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kc"
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    if not os.access(base, os.W_OK) or (hasattr(os, "getuid") and base.stat().st_uid != os.getuid()):
        return False
    return str(base / f"formula-grammar-lark-{lark.__version__}.pickle")


@dataclass(frozen=True)
class _Driver:
    """The grammar's terminals as one regular expression, tried in the order lark's lexer tries them,
    and lark's LALR table with each reduction's size, target and callback looked up once."""

    pattern: re.Pattern[str]
    types: dict[str, str]
    """Group name to terminal type."""
    keywords: dict[str, str]
    """Words a NAME match becomes (`if`, `and`, …) to their terminal type."""
    ignore: re.Pattern[str]
    module: re.Pattern[str]
    dollar: str
    table: dict[Any, dict[str, tuple[bool, Any]]]
    """State to terminal or rule name to (shift, next state) or (reduce, (size, rule name, callback))."""
    start: Any
    end: Any


@functools.cache
def _driver() -> _Driver:
    parser = _parser()
    terminals = {t.name: t for t in parser.terminals}
    ignored = set(parser.lexer_conf.ignore)
    module = terminals.pop("MODULE")
    regular = [t for t in terminals.values() if t.pattern.type == "re" and t.name not in ignored]
    words = [t for t in terminals.values() if t.pattern.type == "str"]
    keywords: dict[str, str] = {}
    for word in words:  # a word a regular terminal also matches is found by that terminal, then retyped (lark's `unless`)
        for terminal in regular:
            found = re.match(terminal.pattern.to_regexp(), word.pattern.value)
            if found and found.group(0) == word.pattern.value:
                keywords[word.pattern.value] = word.name
    listed = [t for t in (*regular, *words) if t.pattern.value not in keywords]
    listed.sort(key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    types = {f"t{i}": t.name for i, t in enumerate(listed)}
    pattern = re.compile("|".join(f"(?P<t{i}>{t.pattern.to_regexp()})" for i, t in enumerate(listed)))
    ignore = re.compile("|".join(terminals[name].pattern.to_regexp() for name in sorted(ignored)))
    dollar = next(t.name for t in words if t.pattern.value == "${")
    conf = parser.parse_interactive().parser_state.parse_conf
    callbacks = conf.callbacks
    if any(isinstance(key, str) for key in callbacks):
        raise RuntimeError("a terminal callback: the fast driver does not run them")
    table: dict[Any, dict[str, tuple[bool, Any]]] = {}
    for state, actions in conf.states.items():
        row = table[state] = {}
        for symbol, (action, argument) in actions.items():
            if action.name == "Shift":
                row[symbol] = (True, argument)
            else:
                row[symbol] = (False, (len(argument.expansion), argument.origin.name, callbacks[argument]))
    return _Driver(pattern, types, keywords, ignore, re.compile(module.pattern.to_regexp()), dollar, table, conf.start_state, conf.end_state)


def _fast_parse(text: str) -> Expr | None:
    """The IR of `text`, by lark's LALR table and callbacks from tokens cut by one regular expression; None on any problem.

    Lark's contextual lexer tries each terminal by itself and is most of a
    parse's time. Where the tokens cut here are all accepted, they are the
    ones the contextual lexer would cut (the same terminals in the same order;
    a module name only after `${`, the one place the grammar accepts it), and
    the loop below is lark's `ParserState.feed_token`, so the IR is the same.
    Anything else, an error above all, is left to `lark.Lark.parse`, which
    reports it as it always has.
    """
    driver = _driver()
    match_token, skip, types, keywords, table = driver.pattern.match, driver.ignore.match, driver.types, driver.keywords, driver.table
    states: list[Any] = [driver.start]
    values: list[Any] = []
    position, end, kind = 0, len(text), ""
    newlines = "\n" in text
    try:
        while True:
            skipped = skip(text, position)
            if skipped:
                position = skipped.end()
            if position >= end:
                break
            found = driver.module.match(text, position) if kind == driver.dollar else match_token(text, position)
            if found is None:
                return None
            value = found.group(0)
            kind = "MODULE" if kind == driver.dollar else types[found.lastgroup or ""]
            if kind == "NAME":
                kind = keywords.get(value, kind)
            start, position = position, found.end()
            line, column = (text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)) if newlines else (1, start + 1)
            token = Token(kind, value, start, line, column, line, column + len(value), position)
            while True:  # lark's feed_token: reduce until the token shifts
                shift, argument = table[states[-1]][kind]
                if shift:
                    states.append(argument)
                    values.append(token)
                    break
                size, origin, callback = argument
                children = values[-size:] if size else []
                if size:
                    del states[-size:], values[-size:]
                states.append(table[states[-1]][origin][1])
                values.append(callback(children))
        while True:  # the end of the text: reduce to the start symbol
            shift, argument = table[states[-1]]["$END"]
            if shift:
                return None
            size, origin, callback = argument
            children = values[-size:] if size else []
            if size:
                del states[-size:], values[-size:]
            states.append(table[states[-1]][origin][1])
            values.append(callback(children))
            if states[-1] == driver.end:
                return cast(Expr, values[-1])
    except (KeyError, _BuildError, lark.exceptions.LarkError):
        return None


_TERMINALS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "MODULE": "a module name",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "DOLLAR": "'${'",
    "$END": "end of formula",
}


def _describe(terminal: str) -> str:
    if terminal in _TERMINALS:
        return _TERMINALS[terminal]
    pattern = _parser().get_terminal(terminal).pattern
    return repr(pattern.value) if pattern.type == "str" else terminal.lower()


def _syntax_problem(error: lark.exceptions.LarkError, text: str) -> Problem:
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        position = error.pos_in_stream or 0
        return Problem("KC101", f"unexpected character {text[position]!r}", Span(position, position + 1))
    if isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        if token.type == "$END":
            start = len(text.rstrip())
            what = "unexpected end of formula"
            span = Span(start, start + 1)
        else:
            what = f"unexpected {str(token)!r}"
            span = _span(token)
        expected = sorted({_describe(t) for t in error.expected})
        if expected and len(expected) <= 6:
            what += f"; expected {', '.join(expected)}"
        return Problem("KC101", what, span)
    if isinstance(error, lark.exceptions.UnexpectedEOF):
        return Problem("KC101", "unexpected end of formula", Span(len(text), len(text) + 1))
    return Problem("KC101", str(error), None)


def parse(text: str) -> Expr:
    """Parse one formula into IR; raise `FormulaError` with every problem found."""
    return _parse(text, Limits.current())


@functools.lru_cache(maxsize=4096)
def _parse(text: str, limits: Limits) -> Expr:
    # Analyses repeat formulas (one reference in flops, read and write); the IR
    # is immutable, so one parse serves them all. Errors are not cached.
    if len(text) > limits.formula_length:
        raise FormulaError([
            Problem(
                "KC901",
                f"formula is {len(text):,} characters long; the limit is {limits.formula_length:,}",
                Span(limits.formula_length, len(text)),
            )
        ])
    try:
        expr = _fast_parse(text)
        if expr is None:
            expr = cast(Expr, _parser().parse(text))  # the inline transformer builds IR, not a lark Tree
    except _BuildError as error:
        raise FormulaError([error.problem]) from None
    except lark.exceptions.LarkError as error:
        raise FormulaError([_syntax_problem(error, text)]) from None
    problems = check(expr, limits)
    if problems:
        raise FormulaError(problems)
    return expr


def check(expr: Expr, limits: Limits) -> list[Problem]:
    """Unknown functions, wrong function arity, and nesting beyond the limit."""
    problems = []
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    deepest: tuple[Expr, int] = (expr, 1)
    while stack:
        node, depth = stack.pop()
        if depth > deepest[1]:
            deepest = (node, depth)
        if isinstance(node, Call):
            problems.extend(_check_call(node))
        stack.extend((child, depth + 1) for child in children(node))
    if deepest[1] > limits.nesting_depth:
        problems.append(
            Problem(
                "KC903",
                f"formula nests {deepest[1]} levels deep (each operator of a chain such as a + b + c counts); the limit is {limits.nesting_depth}",
                deepest[0].span,
            )
        )
    return sorted(problems, key=lambda p: p.span.start if p.span else 0)


def _check_call(call: Call) -> list[Problem]:
    name_span = Span(call.span.start, call.span.start + len(call.function)) if call.span else None
    arity = FUNCTIONS.get(call.function)
    if arity is None:
        known = ", ".join(sorted(FUNCTIONS))
        return [Problem("KC102", f"unknown function {call.function!r} (known: {known})", name_span)]
    given = len(call.arguments)
    if call.function in ("min", "max"):
        if given < arity:
            return [Problem("KC103", f"{call.function}() takes at least 2 arguments, {given} given", name_span)]
    elif given != arity:
        return [Problem("KC103", f"{call.function}() takes exactly 1 argument, {given} given", name_span)]
    return []


def _shorten(text: str, width: int = 24) -> str:
    return text if len(text) <= width else f"{text[: width // 2]}…{text[-width // 2 :]}"

"""Frontend: formula text to IR through the LALR grammar in `grammar/formula.lark`.

A formula is parsed by the grammar's LALR table (`lalr_table.py`, made by
lark) without importing lark; lark's own parser reads only what that driver
declines, and reports its problems. The builder runs inside the parser (no
parse tree is built, nothing recurses), and only constructs IR; the checks
that follow a successful parse (known functions, nesting depth, literal
sizes) collect every problem of the formula instead of stopping at the first.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from compiler.errors import KcError
from compiler.language import lalr_table
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
from compiler.record import Record

if TYPE_CHECKING:
    import lark


class Problem(Record):
    """One thing wrong with a formula: a diagnostic code, a message and where."""

    __slots__ = _fields = ("code", "message", "span")

    def __init__(self, code: str, message: str, span: Span | None) -> None:
        self.code: Final = code
        self.message: Final = message
        self.span: Final = span


class FormulaError(KcError):
    """A formula that does not parse; `problems` lists each, with its span."""

    code = "KC101"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def grammar_text() -> str:
    """The grammar, from inside the installed package or from the source tree."""
    from importlib import resources

    packaged = resources.files("compiler") / "grammar" / "formula.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).parents[2] / "grammar" / "formula.lark").read_text(encoding="utf-8")


class Token(str):
    """A token of the fast driver: its text, terminal type and place, as lark's `Token` has them."""

    type: str
    start_pos: int
    end_pos: int

    def __new__(cls, kind: str, value: str, start: int, end: int) -> Token:
        token = super().__new__(cls, value)
        token.type, token.start_pos, token.end_pos = kind, start, end
        return token


def _span(item: Any) -> Span:
    if isinstance(item, Expr):
        assert item.span is not None  # every node the parser builds has one
        return item.span
    return Span(item.start_pos or 0, item.end_pos or 0)  # a token, the fast driver's or lark's


def _cover(first: Any, last: Any) -> Span:
    return Span(_span(first).start, _span(last).end)


class _Build:
    """One method per grammar alias, called with the rule's children; each builds one IR node and its span."""

    # number, name and binary make most nodes: their spans are made here rather than by _span and _cover

    def number(self, token: Token) -> Number:
        return Number(_literal(token), span=Span(token.start_pos, token.end_pos))

    def name(self, token: Token) -> Expr:
        text = str(token)
        if text in LITERALS:
            return Number(Fraction(LITERALS[text]), span=_span(token))
        if "." in text and not is_config(text):
            first = text.split(".", 1)[0]
            message = f"unexpected {text[len(first):]!r}: a dotted name is a configuration value, config.NAME"
            raise _BuildError("KC101", message, Span(_span(token).start + len(first), _span(token).end))
        return Name(text, span=Span(token.start_pos, token.end_pos))

    def binary(self, left: Expr, op: Token, right: Expr) -> Binary:
        return Binary(str(op), left, right, span=Span(left.span.start, right.span.end))  # type: ignore[union-attr]  # the parser's nodes have spans

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
    return Fraction(int(text)) if text.isdigit() else Fraction(text)  # an integer's text needs no regular expression


@functools.cache
def _parser() -> lark.Lark:
    """lark's own lexer and parser: the reference the fast driver agrees with, and the reporter of every problem."""
    import lark

    return lark.Lark(grammar_text(), parser="lalr", transformer=_ListCalls(_Build()), maybe_placeholders=True, cache=_cache_file())


class _ListCalls:
    """The builder as lark calls a rule's callback: with the list of its children."""

    def __init__(self, build: _Build) -> None:
        self._build = build

    def __getattr__(self, name: str) -> Callable[[list[Any]], Any]:
        method = getattr(self._build, name)  # a rule without a method: lark builds its Tree
        return lambda children: method(*children)


def _cache_file() -> str | bool:
    """Where lark keeps the built parse tables between runs: the user's own cache
    directory (never a shared one, since the tables are a pickle); off if unwritable.
    Lark checks the grammar's hash on load and rebuilds a stale or broken file."""
    import lark

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kc"
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    if not os.access(base, os.W_OK) or (hasattr(os, "getuid") and base.stat().st_uid != os.getuid()):
        return False
    return str(base / f"formula-grammar-lark-{lark.__version__}.pickle")


def table_source() -> str:
    """The text of `compiler/language/lalr_table.py`, made from the grammar by lark.

    The terminals become one regular expression, in the order lark's lexer
    tries them; the LALR table's states are numbered breadth-first from the
    start state over sorted symbols, so the text is the same on every run; each
    reduction keeps what lark's tree builder does with the rule's children
    (which it keeps, which it splices, where it inserts None, whether a single
    child stands for the rule) and the builder method it calls.
    """
    import lark
    from lark.parse_tree_builder import maybe_create_child_filter

    parser = lark.Lark(grammar_text(), parser="lalr", maybe_placeholders=True)
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

    conf = parser.parse_interactive().parser_state.parse_conf
    number = {conf.start_state: 0}
    queue = [conf.start_state]
    for state in queue:  # grows while it is walked: breadth-first
        for symbol in sorted(conf.states[state]):
            action, target = conf.states[state][symbol]
            if action.name == "Shift" and target not in number:
                number[target] = len(number)
                queue.append(target)
    rules: dict[Any, int] = {}
    actions = []
    for state in number:
        row = {}
        for symbol in sorted(conf.states[state]):
            action, argument = conf.states[state][symbol]
            row[str(symbol)] = number[argument] if action.name == "Shift" else -1 - rules.setdefault(argument, len(rules))
        actions.append(row)
    reductions = []
    for rule in rules:
        method = str(rule.alias or rule.options.template_source or rule.origin.name)
        child_filter = maybe_create_child_filter(rule.expansion, rule.options.keep_all_tokens, False, rule.options.empty_indices)
        if child_filter is None:
            include, append = None, 0
        elif len(child_filter.args) == 2:
            include, append = tuple(child_filter.args[0]), child_filter.args[1]
        else:  # no placeholders to insert
            include, append = tuple((i, splice, 0) for i, splice in child_filter.args[0]), 0
        expand = bool(rule.options.expand1 and not rule.alias)
        reductions.append((len(rule.expansion), str(rule.origin.name), method if hasattr(_Build, method) else None, expand, include, append))

    lines = [
        '"""The fast driver\'s tables for grammar/formula.lark: made by lark, written by `python -m compiler.language.parse`.',
        "",
        "Do not edit: a test makes them again from the grammar and compares the text.",
        '"""',
        "",
        f"TOKENS = {'|'.join(f'(?P<t{i}>{t.pattern.to_regexp()})' for i, t in enumerate(listed))!r}",
        f"TYPES = {({f't{i}': t.name for i, t in enumerate(listed)})!r}",
        f"KEYWORDS = {keywords!r}",
        f"IGNORE = {'|'.join(terminals[name].pattern.to_regexp() for name in sorted(ignored))!r}",
        f"MODULE = {module.pattern.to_regexp()!r}",
        f"DOLLAR = {next(t.name for t in words if t.pattern.value == '${')!r}",
        f"END = {number[conf.end_state]!r}",
        "",
        "# State to symbol to action: a state to shift to (or go to, after a reduction), or -1 - the reduction's index.",
        "ACTIONS: tuple[dict[str, int], ...] = (",
        *(f"    {row!r}," for row in actions),
        ")",
        "",
        "# Size, rule, builder method (None: a list spliced into its parent), whether one child stands for the rule,",
        "# the children kept (index, spliced, Nones inserted before it), Nones appended.",
        "REDUCTIONS: tuple[tuple[int, str, str | None, bool, tuple[tuple[int, bool, int], ...] | None, int], ...] = (",
        *(f"    {reduction!r}," for reduction in reductions),
        ")",
        "",
    ]
    return "\n".join(lines)


class _Spliced:
    """A rule lark builds a Tree of, which its parent always splices: just the children."""

    __slots__ = ("children",)

    def __init__(self, children: list[Any]) -> None:
        self.children = children


_Reduction = tuple[int, str, Callable[..., Any] | None, bool, tuple[tuple[int, bool, int], ...] | None, int]

_UNIT, _NAME, _NUMBER, _BINARY, _OTHER = range(5)
"""How the fast driver takes a reduction: `_UNIT`, one child that stands for its rule, leaves the values as
they are; `_NAME`, `_NUMBER` and `_BINARY`, the builders most nodes come from, are written out in the
driver; `_OTHER` is done as lark's tree builder does it."""

_INLINE = {"name": _NAME, "number": _NUMBER, "binary": _BINARY}
"""The builders written out in the driver, for the rules that keep all their children."""


class _Jumps(dict[tuple[int, int, str], int]):
    """(state below a reduction's children, the reduction, lookahead) to the state the reduction leads to: its
    rule's goto, then those of the run of one-child reductions (sum: product, product: unary, …) the lookahead
    takes from there, which leave the values as they are. Each is found when first needed."""

    def __init__(self, origins: tuple[str, ...], units: tuple[bool, ...]) -> None:
        super().__init__()
        self.origins: Final = origins
        self.units: Final = units

    def __missing__(self, key: tuple[int, int, str]) -> int:
        below, rule, kind = key
        found = lalr_table.ACTIONS[below][self.origins[rule]]
        while (action := lalr_table.ACTIONS[found].get(kind, 0)) < 0 and self.units[-1 - action]:
            found = lalr_table.ACTIONS[below][self.origins[-1 - action]]
        self[key] = found
        return found


class _Driver:
    """The tables of `lalr_table`, compiled, with each reduction's builder looked up once."""

    def __init__(self, token: re.Pattern[str], module: re.Pattern[str], ignore: re.Pattern[str], build: _Build) -> None:
        self.token: Final = token
        """The whitespace before a token, and the token: a named group per terminal."""
        self.module: Final = module
        """The whitespace before a module name, and the name (group 1): the only token after `${`."""
        self.ignore: Final = ignore
        groups = {index: name for name, index in token.groupindex.items()}
        self.kinds: Final = tuple(lalr_table.TYPES.get(groups.get(index, ""), "") for index in range(token.groups + 1))
        """A token's terminal type by the number of its group, `Match.lastindex` (a terminal's group closes after those inside it)."""
        end = lalr_table.END
        self.actions: Final = (*lalr_table.ACTIONS[:end], {"$END": end}, *lalr_table.ACTIONS[end + 1 :])
        """lark's table, where the end state (which lark leaves empty) shifts `$END`: the one shift of `$END`, which ends the parse."""
        self.build: Final = build
        self.reductions: Final[tuple[_Reduction, ...]] = tuple(
            (size, origin, None if method is None else getattr(build, method), expand, include, append)
            for size, origin, method, expand, include, append in lalr_table.REDUCTIONS
        )
        reductions = self.reductions
        origins = tuple(origin for _, origin, *_ in reductions)
        # whether a reduction has one child that stands for its rule (sum: product, product: unary, …)
        units = tuple(size == 1 and expand and include is None for size, _, _, expand, include, _ in reductions)
        self.shapes: Final = tuple(_shape(reduction, unit) for reduction, unit in zip(reductions, units, strict=True))
        self.kept: Final = tuple(tuple((index, False, 0) for index in range(size)) if include is None else include for size, _, _, _, include, _ in reductions)
        """The children each reduction keeps, (index, spliced, Nones inserted before it): `include`, or all of them."""
        self.jumps: Final = _Jumps(origins, units)
        self.shifted: Final = frozenset(target for row in lalr_table.ACTIONS for symbol, target in row.items() if target >= 0 and symbol not in origins)
        """The states a shift enters: their values on the stack are tokens (each state is entered on one symbol, a terminal or a rule)."""


def _shape(reduction: _Reduction, unit: bool) -> int:
    _, _, method, _, include, _ = reduction
    if unit:
        return _UNIT
    return _INLINE.get(method.__name__, _OTHER) if method is not None and include is None else _OTHER


@functools.cache
def _driver() -> _Driver:
    space = f"(?:{lalr_table.IGNORE})?"
    return _Driver(re.compile(f"{space}(?:{lalr_table.TOKENS})"), re.compile(f"{space}({lalr_table.MODULE})"), re.compile(lalr_table.IGNORE), _Build())


def _fast_parse(text: str) -> Expr | None:
    """The IR of `text`, by the LALR table from tokens cut by one regular expression; None on any problem.

    Lark's contextual lexer tries each terminal by itself and is most of a
    parse's time. Where the tokens cut here are all accepted, they are the
    ones the contextual lexer would cut (the same terminals in the same order;
    a module name only after `${`, the one place the grammar accepts it), the
    loop below is lark's `ParserState.feed_token` over lark's table (with a
    run of one-child reductions, `sum: product` and the like, taken in one
    step), and each reduction does what lark's tree builder does (the nodes of
    names, numbers and arithmetic, most of a formula, made in place), so the
    IR is the same.
    Anything else, an error above all, is left to `lark.Lark.parse`, which
    reports it; lark is imported only then.
    """
    driver = _driver()
    match_token, match_module, kinds, keywords, dollar = driver.token.match, driver.module.match, driver.kinds, lalr_table.KEYWORDS, lalr_table.DOLLAR
    actions, reductions, shapes, jumps, shifted, kept, build = driver.actions, driver.reductions, driver.shapes, driver.jumps, driver.shifted, driver.kept, driver.build
    digits = Limits.current().literal_digits
    states: list[int] = [0]
    values: list[Any] = []  # a token waits here as (type, text, start, end): only a builder that takes one gets a `Token`
    position, end, kind = 0, len(text), ""
    try:
        while True:
            found = match_module(text, position) if kind == dollar else match_token(text, position)
            if found is None:
                if position < end and not ((rest := driver.ignore.match(text, position)) and rest.end() == end):
                    return None
                kind, token = "$END", None
            else:
                if kind == dollar:
                    kind, value = "MODULE", found[1]
                else:
                    group = found.lastindex or 0
                    kind, value = kinds[group], found[group]
                    if kind == "NAME":
                        kind = keywords.get(value, kind)
                position = found.end()
                token = (kind, value, position - len(value), position)
            while (action := actions[states[-1]][kind]) < 0:  # lark's feed_token: reduce until the token shifts
                rule = -1 - action
                shape = shapes[rule]
                if shape == _OTHER:  # as lark's tree builder does it
                    size, _, method, expand, _, append = reductions[rule]
                    children: list[Any] = []
                    for index, splice, nones in kept[rule]:
                        if nones:
                            children += [None] * nones
                        child = values[index - size]
                        if splice:
                            children += child.children
                        else:
                            children.append(Token(*child) if states[index - size] in shifted else child)
                    if append:
                        children += [None] * append
                    if size:
                        del states[-size:], values[-size:]
                    node = children[0] if expand and len(children) == 1 else _Spliced(children) if method is None else method(*children)
                    states.append(jumps[states[-1], rule, kind])
                    values.append(node)
                    continue
                if shape == _BINARY:  # left, operator, right: the node `_Build.binary` makes
                    right = values.pop()
                    operator = values.pop()[1]
                    left = values[-1]
                    values[-1] = Binary(operator, left, right, span=Span(left.span.start, right.span.end))
                    del states[-2:]
                elif shape == _NAME:  # `_Build.name`'s node, where the name is neither a literal nor dotted
                    _, name, start, stop = values[-1]
                    plain = name not in LITERALS and "." not in name
                    values[-1] = Name(name, span=Span(start, stop)) if plain else build.name(Token(*values[-1]))
                elif shape == _NUMBER:  # `_Build.number`'s node, where the number is an integer of at most `literal_digits` digits
                    _, number, start, stop = values[-1]
                    small = number.isdigit() and len(number) <= digits
                    values[-1] = Number(Fraction(int(number)), span=Span(start, stop)) if small else build.number(Token(*values[-1]))
                states[-1] = jumps[states[-2], rule, kind]  # (a `_UNIT` reduction leaves the values as they are)
            if token is None:  # `$END`, shifted in the end state only: the formula is read
                return cast(Expr, values[-1])
            states.append(action)
            values.append(token)
    except (KeyError, _BuildError):
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
    import lark

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
    expr = _fast_parse(text) or _reference_parse(text)
    problems = check(expr, limits)
    if problems:
        raise FormulaError(problems)
    return expr


def _reference_parse(text: str) -> Expr:
    """lark's parse of what the fast driver declined: the same IR, or the problem as lark finds it."""
    import lark

    try:
        return cast(Expr, _parser().parse(text))  # the builder runs inside the parser: IR, not a lark Tree
    except _BuildError as error:
        raise FormulaError([error.problem]) from None
    except lark.exceptions.LarkError as error:
        raise FormulaError([_syntax_problem(error, text)]) from None


def check(expr: Expr, limits: Limits) -> list[Problem]:
    """Unknown functions, wrong function arity, and nesting beyond the limit."""
    problems = []
    depth = 1  # of the deepest node
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, level = stack.pop()
        while type(node) is Binary:  # most nodes: down the left side, stacking the right unless it is a leaf, no deeper than the left
            level += 1
            if type(node.right) is not Name and type(node.right) is not Number:
                stack.append((node.right, level))
            node = node.left
        if type(node) is Call:
            problems.extend(_check_call(node))
        below = children(node)
        if below:
            level += 1
            stack.extend((child, level) for child in below)
        if level > depth:
            depth = level
    if depth > limits.nesting_depth:
        deepest = _deepest(expr)
        problems.append(
            Problem(
                "KC903",
                f"formula nests {depth} levels deep (each operator of a chain such as a + b + c counts); the limit is {limits.nesting_depth}",
                deepest.span,
            )
        )
    return sorted(problems, key=lambda p: p.span.start if p.span else 0)


def _deepest(expr: Expr) -> Expr:
    """The node a formula that nests too deep is reported at: of the deepest (leaves all), the last in reading order."""
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    deepest: tuple[Expr, int] = (expr, 1)
    while stack:
        node, depth = stack.pop()
        if depth > deepest[1]:
            deepest = (node, depth)
        stack.extend((child, depth + 1) for child in children(node))
    return deepest[0]


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


if __name__ == "__main__":  # python -m compiler.language.parse: write the fast driver's tables after a change of the grammar
    Path(__file__).with_name("lalr_table.py").write_text(table_source(), encoding="utf-8")

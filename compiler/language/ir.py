"""The formula IR: a closed set of small frozen nodes built by the frontend.

Spans locate a node in its formula's text; they never take part in equality,
so two references written differently but meaning the same compare equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from compiler.record import Record

PRECISION_NAMES = ("a_bytes", "w_bytes", "kv_bytes")
PRECISION_DEFAULTS = {"kv_bytes": "a_bytes"}
"""Precision names that take another one's value where a formula is evaluated and they are not given."""
UNIFIED_NAMES = ("batch_size", "seq_len", "cache_len", "w_bytes", "a_bytes")
FUNCTIONS = {"min": 2, "max": 2, "ceil": 1, "floor": 1, "abs": 1, "sqrt": 1, "log2": 1}
"""Known functions and their arity; `min` and `max` take that many or more."""
WORDS = frozenset({"if", "else", "and", "or", "not"})
"""Words of the formula language: never names."""
LITERALS = {"True": 1, "False": 0}
"""Truth literals later analyses write (`has_bias=True`): numbers, never names."""
CONFIG_PREFIX = "config."
"""`config.NAME`: a value of the model's configuration, global in both dialects (SEMANTICS §8)."""
RUNTIME_NAMES = ("batch_size", "seq_len", "cache_len")
COST_PRECISION = "bytes"
"""The cost dialect's one precision name: bytes per element of every tensor (docs/dialects.md)."""
PRINTED_LAST = (*PRECISION_NAMES, COST_PRECISION)
"""Names printed after all others in a product (SEMANTICS §6), in this order."""
UNKNOWN = "unknown"
"""A formula that is this word states that its writer does not know the cost."""
ANALYSIS, COST = "analysis", "cost"
"""The two input dialects."""


def is_config(name: str) -> bool:
    """Whether `name` is a dotted configuration name such as `config.hidden_size`."""
    return name.startswith(CONFIG_PREFIX) and len(name) > len(CONFIG_PREFIX)


def python_name(name: str) -> str:
    """The keyword argument of generated Python for a formula name: `config.hidden_size` → `config__hidden_size`.

    The global names that are not Python names: in a dotted name each dot
    becomes two underscores, and the cost dialect's `bytes`, a builtin,
    becomes `bytes_` (docs/emit-py.md). Every other name is itself.
    """
    if name == COST_PRECISION:
        return name + "_"
    return name.replace(".", "__")


def written_name(spelled: str) -> str:
    """The inverse of `python_name`: `config__hidden_size` → `config.hidden_size`, `bytes_` → `bytes`."""
    if spelled == python_name(COST_PRECISION):
        return COST_PRECISION
    if spelled.startswith(python_name(CONFIG_PREFIX)):
        return spelled.replace("__", ".")
    return spelled


_GLOBAL_NAMES = {ANALYSIS: frozenset(PRECISION_NAMES), COST: frozenset((*PRECISION_NAMES, *RUNTIME_NAMES, COST_PRECISION))}


def global_names(dialect: str) -> frozenset[str]:
    """The undotted names that pass through every reference of a module of `dialect` unless bound."""
    return _GLOBAL_NAMES.get(dialect, _GLOBAL_NAMES[ANALYSIS])


def is_global(name: str, dialect: str = ANALYSIS) -> bool:
    """Whether `name` is global in a module of `dialect`: never a positional parameter."""
    return is_config(name) or name in global_names(dialect)


def reserved(name: str) -> str | None:
    """Why `name`, a valid identifier, cannot name a parameter; None if it can."""
    if name in WORDS:
        return f"{name!r} is a word of the formula language"
    if name in FUNCTIONS:
        return f"{name!r} is a function of the formula language"
    if name in LITERALS:
        return f"{name!r} is a literal of the formula language ({LITERALS[name]})"
    return None


class Span(Record):
    """Characters [start, end) of a formula's text."""

    __slots__ = ("end", "start")
    _fields = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        self.start: Final = start
        self.end: Final = end


class Expr(Record):
    """A node of a formula; `span`, where it is written, takes no part in equality."""

    __slots__ = ("span",)

    if TYPE_CHECKING:  # each node type sets it, as a final attribute

        @property
        def span(self) -> Span | None: ...


class Number(Expr):
    __slots__ = ("value",)
    _fields = ("value",)

    def __init__(self, value: Fraction, *, span: Span | None = None) -> None:
        self.value: Final = value
        self.span: Final = span


class Name(Expr):
    __slots__ = ("id",)
    _fields = ("id",)

    def __init__(self, id: str, *, span: Span | None = None) -> None:
        self.id: Final = id
        self.span: Final = span


class Unary(Expr):
    __slots__ = ("op", "operand")
    _fields = ("op", "operand")

    def __init__(self, op: str, operand: Expr, *, span: Span | None = None) -> None:
        self.op: Final = op  # "-" or "not"
        self.operand: Final = operand
        self.span: Final = span


class Binary(Expr):
    __slots__ = ("left", "op", "right")
    _fields = ("op", "left", "right")

    def __init__(self, op: str, left: Expr, right: Expr, *, span: Span | None = None) -> None:
        self.op: Final = op  # + - * / // % ** and or == != < <= > >=
        self.left: Final = left
        self.right: Final = right
        self.span: Final = span


class Call(Expr):
    __slots__ = ("arguments", "function")
    _fields = ("function", "arguments")

    def __init__(self, function: str, arguments: tuple[Expr, ...], *, span: Span | None = None) -> None:
        self.function: Final = function
        self.arguments: Final = arguments
        self.span: Final = span


class Conditional(Expr):
    __slots__ = ("body", "orelse", "test")
    _fields = ("test", "body", "orelse")

    def __init__(self, test: Expr, body: Expr, orelse: Expr, *, span: Span | None = None) -> None:
        self.test: Final = test
        self.body: Final = body
        self.orelse: Final = orelse
        self.span: Final = span


class Keyword(Expr):
    __slots__ = ("name", "source", "value")
    _fields = ("name", "value")

    def __init__(self, name: str, value: Expr, source: Formula | None = None, *, span: Span | None = None) -> None:
        self.name: Final = name
        self.value: Final = value
        self.source: Final = source
        """Where the value is written when it is a formula of its own (a cost-dialect binding); None inside a formula."""
        self.span: Final = span


class Reference(Expr):
    """`${module}(arguments, keywords)`; `called` is False for the bare `${module}` form."""

    __slots__ = ("_hash", "arguments", "called", "keywords", "module")
    _fields = ("module", "arguments", "keywords", "called")

    def __init__(
        self, module: str, arguments: tuple[Expr, ...] = (), keywords: tuple[Keyword, ...] = (), called: bool = True, *, span: Span | None = None
    ) -> None:
        self.module: Final = module
        self.arguments: Final = arguments
        self.keywords: Final = keywords
        self.called: Final = called
        self.span: Final = span
        self._hash: int | None = None

    def __hash__(self) -> int:
        """Hashed once: passes group and look up references by value, and hashing one walks its arguments."""
        if self._hash is None:
            self._hash = hash((self.module, self.arguments, self.keywords, self.called))
        return self._hash


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, in source order."""
    get = _CHILDREN.get(type(expr))
    if get is None:
        raise TypeError(f"not an IR node: {expr!r}")
    return get(expr)


_CHILDREN: dict[type, Callable[[Any], tuple[Expr, ...]]] = {
    Number: lambda node: (),
    Name: lambda node: (),
    Unary: lambda node: (node.operand,),
    Binary: lambda node: (node.left, node.right),
    Call: lambda node: node.arguments,
    Conditional: lambda node: (node.body, node.test, node.orelse),
    Keyword: lambda node: (node.value,),
    Reference: lambda node: (*node.arguments, *node.keywords),
}
"""Each node type's children: a lookup, where a `match` would test the cases in turn (twice the time)."""


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of `expr`, parents before children, in source order."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def references(expr: Expr) -> Iterator[Reference]:
    return (node for node in walk(expr) if isinstance(node, Reference))


def names(expr: Expr) -> Iterator[Name]:
    """Names in order of first appearance; keyword names are not `Name` nodes."""
    return (node for node in walk(expr) if isinstance(node, Name))


def rename(expr: Expr, mapping: Mapping[str, str]) -> Expr:
    """Rename every name and keyword name found in `mapping`."""
    if not mapping:
        return expr

    def visit(node: Expr) -> Expr:
        match node:
            case Name(id=identifier) if identifier in mapping:
                return node.replace(id=mapping[identifier])
            case Keyword(name=name, value=value):
                return node.replace(name=mapping.get(name, name), value=visit(value))
        return rebuild(node, visit)

    return visit(expr)


def rebuild(node: Expr, visit: Callable[[Expr], Expr]) -> Expr:
    """`node` with `visit` applied to each direct child."""
    match node:
        case Number() | Name():
            return node
        case Unary(operand=operand):
            return node.replace(operand=visit(operand))
        case Binary(left=left, right=right):
            return node.replace(left=visit(left), right=visit(right))
        case Call(arguments=arguments):
            return node.replace(arguments=tuple(map(visit, arguments)))
        case Conditional(test=test, body=body, orelse=orelse):
            return node.replace(test=visit(test), body=visit(body), orelse=visit(orelse))
        case Keyword(value=value):
            return node.replace(value=visit(value))
        case Reference(arguments=arguments, keywords=keywords):
            return node.replace(arguments=tuple(map(visit, arguments)), keywords=tuple(map(visit, keywords)))
    raise TypeError(f"not an IR node: {node!r}")


# The module IR: what a module file says, once parsed.

FIELDS = ("flops", "read", "write")
FIELD_PATHS: dict[str, tuple[str, ...]] = {
    "flops": ("flops",),
    "read": ("memory_access", "read"),
    "write": ("memory_access", "write"),
}
FOOTPRINT = ("weights", "cache", "activations")
"""The footprint formulas a leaf may carry (SEMANTICS §9), each 0 when absent."""


class Formula(Record):
    """A formula as written (`text`) and parsed (`expr`, None when it did not parse).

    `names` and `references` list every occurrence in reading order, found
    once when the formula is made, so that passes need not walk it again.
    """

    __slots__ = ("expr", "names", "path", "references", "text", "unknown")
    _fields = ("text", "expr")

    def __init__(
        self,
        text: str,
        expr: Expr | None,
        path: tuple[str | int, ...],
        names: tuple[Name, ...] = (),
        references: tuple[Reference, ...] = (),
        unknown: bool = False,
    ) -> None:
        self.text: Final = text
        self.expr: Final = expr
        self.path: Final = path
        self.names: Final = names
        self.references: Final = references
        self.unknown: Final = unknown
        """The formula is the word `unknown`: its writer does not know the cost (`expr` is 0)."""

    @classmethod
    def of(cls, text: str, expr: Expr | None, path: tuple[str | int, ...]) -> Formula:
        names: list[Name] = []
        references: list[Reference] = []
        stack = [] if expr is None else [expr]
        while stack:  # `walk`, with its most common nodes written out: a formula may hold tens of thousands
            node = stack.pop()
            if type(node) is Binary:
                stack += (node.right, node.left)
            elif type(node) is Name:
                names.append(node)
            elif type(node) is not Number:
                if type(node) is Reference:
                    references.append(node)
                stack.extend(reversed(children(node)))
        return cls(text, expr, path, tuple(names), tuple(references))


class Place(Record):
    """Where a name is written in its module's file: a JSON path, and in a formula its text and the name's span."""

    __slots__ = ("path", "span", "text")
    _fields = ("path", "text", "span")

    def __init__(self, path: tuple[str | int, ...], text: str | None = None, span: Span | None = None) -> None:
        self.path: Final = path
        self.text: Final = text
        self.span: Final = span


class Parameter(Record):
    __slots__ = ("default", "description", "name", "place")
    _fields = ("name", "default", "description")

    def __init__(self, name: str, default: Formula | None = None, description: str | None = None, place: Place | None = None) -> None:
        self.name: Final = name
        self.default: Final = default
        self.description: Final = description
        self.place: Final = place
        """Where its module's file declares it, or (in a compiled tree) where the root's file first writes it; None where neither is known."""


class Kernel(Record):
    __slots__ = ("analysis", "bindings", "extras", "fields", "footprint", "label", "module", "operation", "path", "repeat", "sub_kernels")
    _fields = ("operation", "analysis", "path", "fields", "sub_kernels", "repeat", "label", "module", "extras", "bindings", "footprint")

    def __init__(
        self,
        operation: str,
        analysis: str | None,
        path: tuple[str | int, ...],
        fields: dict[str, Formula] | None = None,
        sub_kernels: tuple[Kernel, ...] = (),
        repeat: Formula | None = None,
        label: str | None = None,
        module: str | None = None,
        extras: tuple[tuple[str, object], ...] = (),
        bindings: tuple[Formula, ...] = (),
        footprint: dict[str, Formula] | None = None,
    ) -> None:
        self.operation: Final = operation
        self.analysis: Final = analysis
        self.path: Final = path
        self.fields: Final = fields
        """flops, read and write of a leaf; None for a kernel with sub_kernels."""
        self.sub_kernels: Final = sub_kernels
        self.repeat: Final = repeat
        """How many times the kernel runs: it multiplies the sub-kernels, or the kernel's own fields."""
        self.label: Final = label
        """`kernel_type` as written; informational only."""
        self.module: Final = module
        """The callee a composite was expanded from, in compiled input."""
        self.extras: Final = extras
        """Keys kc does not interpret, carried to the output unchanged, in input order."""
        self.bindings: Final = bindings
        """A cost-dialect child's bindings, each a formula of its own: its fields are the call they make."""
        self.footprint: Final = footprint
        """The leaf's weights, cache and activations formulas that are given (SEMANTICS §9)."""

    def formulas(self) -> Iterator[Formula]:
        """Every formula of this kernel and its sub-kernels, in reading order (footprint after the fields)."""
        if self.repeat is not None:
            yield self.repeat
        if self.fields is not None:
            yield from (self.fields[name] for name in FIELDS)
        yield from self.bindings
        if self.footprint is not None:
            yield from (self.footprint[name] for name in FOOTPRINT if name in self.footprint)
        for kernel in self.sub_kernels:
            yield from kernel.formulas()


def leaves(kernels: Iterable[Kernel]) -> Iterator[Kernel]:
    """The kernels with fields among `kernels` and their sub-kernels, in reading order."""
    for kernel in kernels:
        if kernel.fields is not None:
            yield kernel
        yield from leaves(kernel.sub_kernels)


def child_call(
    callee: str, text: str, path: tuple[str | int, ...], bindings: tuple[Formula, ...], rename: Mapping[str, str] | None = None
) -> Formula:
    """The call a cost-dialect child makes, as a formula: `${callee}(key=value, ...)`, one keyword per binding.

    `text` is the `kernel` value as written and `path` its place, so that
    problems of the reference point at it; the bindings keep their own places,
    and each is named by its key (`path[-1]`), renamed with `rename`.
    """
    table = rename or {}
    keywords = tuple(
        Keyword(table.get(str(f.path[-1]), str(f.path[-1])), f.expr, f, span=f.expr.span) for f in bindings if f.expr is not None
    )
    reference = Reference(callee, (), keywords, True, span=Span(0, len(text)))
    return Formula(text, reference, path, (), (reference,))


class Module(Record):
    __slots__ = ("_formulas", "class_name", "dialect", "file", "kernels", "name", "parameters")
    _fields = ("name", "file", "kernels", "parameters", "class_name", "dialect")

    def __init__(
        self,
        name: str,
        file: str,
        kernels: tuple[Kernel, ...],
        parameters: tuple[Parameter, ...] | None = None,
        class_name: str | None = None,
        dialect: str = ANALYSIS,
    ) -> None:
        self.name: Final = name
        self.file: Final = file
        self.kernels: Final = kernels
        self.parameters: Final = parameters
        """The declared signature, or None when it is inferred."""
        self.class_name: Final = class_name
        self.dialect: Final = dialect
        """The dialect of the file it was read from: which names are global in it."""
        self._formulas: tuple[Formula, ...] | None = None

    def formulas(self) -> tuple[Formula, ...]:
        """Every formula of every kernel, in reading order; found once per module, since every pass reads them."""
        if self._formulas is None:
            self._formulas = tuple(f for kernel in self.kernels for f in kernel.formulas())
        return self._formulas

"""The formula IR: a closed set of small frozen nodes built by the frontend.

Spans locate a node in its formula's text; they never take part in equality,
so two references written differently but meaning the same compare equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

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


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Expr:
    span: Span | None = field(default=None, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Number(Expr):
    value: Fraction


@dataclass(frozen=True, slots=True)
class Name(Expr):
    id: str


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str  # "-" or "not"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: str  # + - * / // % ** and or == != < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call(Expr):
    function: str
    arguments: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True)
class Keyword(Expr):
    name: str
    value: Expr
    source: Formula | None = field(default=None, compare=False, repr=False)
    """Where the value is written when it is a formula of its own (a cost-dialect binding); None inside a formula."""


@dataclass(frozen=True, slots=True)
class Reference(Expr):
    """`${module}(arguments, keywords)`; `called` is False for the bare `${module}` form."""

    module: str
    arguments: tuple[Expr, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    called: bool = True
    _hash: int | None = field(default=None, init=False, compare=False, repr=False)

    def __hash__(self) -> int:
        """Hashed once: passes group and look up references by value, and hashing one walks its arguments."""
        if self._hash is None:
            object.__setattr__(self, "_hash", hash((self.module, self.arguments, self.keywords, self.called)))
        assert self._hash is not None
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
                return replace(node, id=mapping[identifier])
            case Keyword(name=name, value=value):
                return replace(node, name=mapping.get(name, name), value=visit(value))
        return rebuild(node, visit)

    return visit(expr)


def rebuild(node: Expr, visit: Callable[[Expr], Expr]) -> Expr:
    """`node` with `visit` applied to each direct child."""
    match node:
        case Number() | Name():
            return node
        case Unary(operand=operand):
            return replace(node, operand=visit(operand))
        case Binary(left=left, right=right):
            return replace(node, left=visit(left), right=visit(right))
        case Call(arguments=arguments):
            return replace(node, arguments=tuple(map(visit, arguments)))
        case Conditional(test=test, body=body, orelse=orelse):
            return replace(node, test=visit(test), body=visit(body), orelse=visit(orelse))
        case Keyword(value=value):
            return replace(node, value=visit(value))
        case Reference(arguments=arguments, keywords=keywords):
            return replace(
                node,
                arguments=tuple(map(visit, arguments)),
                keywords=tuple(visit(k) for k in keywords),  # type: ignore[misc]
            )
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


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula as written (`text`) and parsed (`expr`, None when it did not parse).

    `names` and `references` list every occurrence in reading order, found
    once when the formula is made, so that passes need not walk it again.
    """

    text: str
    expr: Expr | None
    path: tuple[str | int, ...] = field(compare=False)
    names: tuple[Name, ...] = field(default=(), compare=False, repr=False)
    references: tuple[Reference, ...] = field(default=(), compare=False, repr=False)
    unknown: bool = field(default=False, compare=False)
    """The formula is the word `unknown`: its writer does not know the cost (`expr` is 0)."""

    @classmethod
    def of(cls, text: str, expr: Expr | None, path: tuple[str | int, ...]) -> Formula:
        nodes = list(walk(expr)) if expr is not None else []
        return cls(
            text,
            expr,
            path,
            tuple(n for n in nodes if isinstance(n, Name)),
            tuple(n for n in nodes if isinstance(n, Reference)),
        )


@dataclass(frozen=True, slots=True)
class Place:
    """Where a name is written in its module's file: a JSON path, and in a formula its text and the name's span."""

    path: tuple[str | int, ...]
    text: str | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    default: Formula | None = None
    description: str | None = None
    place: Place | None = field(default=None, compare=False, repr=False)
    """Where its module's file declares it, or (in a compiled tree) where the root's file first writes it; None where neither is known."""


@dataclass(frozen=True, slots=True)
class Kernel:
    operation: str
    analysis: str | None
    path: tuple[str | int, ...]
    fields: dict[str, Formula] | None = None
    """flops, read and write of a leaf; None for a kernel with sub_kernels."""
    sub_kernels: tuple[Kernel, ...] = ()
    repeat: Formula | None = None
    """How many times the kernel runs: it multiplies the sub-kernels, or the kernel's own fields."""
    label: str | None = None
    """`kernel_type` as written; informational only."""
    module: str | None = None
    """The callee a composite was expanded from, in compiled input."""
    extras: tuple[tuple[str, object], ...] = ()
    """Keys kc does not interpret, carried to the output unchanged, in input order."""
    bindings: tuple[Formula, ...] = ()
    """A cost-dialect child's bindings, each a formula of its own: its fields are the call they make."""
    footprint: dict[str, Formula] | None = None
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


@dataclass(frozen=True, slots=True)
class Module:
    name: str
    file: str
    kernels: tuple[Kernel, ...]
    parameters: tuple[Parameter, ...] | None = None
    """The declared signature, or None when it is inferred."""
    class_name: str | None = None
    dialect: str = ANALYSIS
    """The dialect of the file it was read from: which names are global in it."""
    _formulas: tuple[Formula, ...] | None = field(default=None, init=False, compare=False, repr=False)

    def formulas(self) -> tuple[Formula, ...]:
        """Every formula of every kernel, in reading order; found once per module, since every pass reads them."""
        if self._formulas is None:
            object.__setattr__(self, "_formulas", tuple(f for kernel in self.kernels for f in kernel.formulas()))
        assert self._formulas is not None
        return self._formulas

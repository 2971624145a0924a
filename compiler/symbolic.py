"""The edge between the IR and sympy: the only module that imports sympy.

`to_sympy` turns IR into exact sympy expressions (never by parsing text),
`canonical` expands them under a bound on the work, and `Lowering` turns them
back into IR whose sums and products follow the order of SEMANTICS §6.
`SYMPY` offers all of it as an `Algebra`; the pipeline imports this module
only for formulas kc's own core (`compiler.algebra`) declines.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import sympy
from sympy.core.relational import Relational
from sympy.logic.boolalg import Boolean, BooleanAtom, BooleanFalse, BooleanFunction, BooleanTrue

from compiler.algebra import SymbolicError
from compiler.algebra.order import Order, product
from compiler.language import ir
from compiler.language.printer import to_text
from compiler.limits import Limits

Expr: TypeAlias = sympy.Expr


class log2(sympy.Function):  # type: ignore[misc]  # noqa: N801 - named as the formula language spells it
    """Base-2 logarithm, exact on powers of two."""

    @classmethod
    def eval(cls, x: Any) -> Any:
        if x.is_Rational and x.is_positive:
            p, q = int(x.p), int(x.q)
            if p & (p - 1) == 0 and q & (q - 1) == 0:
                return sympy.Integer(p.bit_length() - q.bit_length())
        return None


class Largest(sympy.Function):  # type: ignore[misc]
    """The footprint's largest working set: max, reduced by the core's rule (`compiler.algebra.core.extreme`).

    Nested maxima flatten, repeated arguments go, of numbers only the largest
    stays, and of two arguments a number apart only the larger; nothing else
    is compared. sympy's `Max` also compares every pair of arguments by
    factoring their difference, which took seconds on the sums of
    conditionals of sliding-window layers and never decided anything here
    (the names carry no sign).
    """

    @classmethod
    def eval(cls, *args: Any) -> Any:
        flat: list[Any] = []
        for argument in args:
            flat.extend(argument.args if isinstance(argument, (cls, sympy.Max)) else (argument,))
        numbers = [a for a in flat if a.is_Number]
        # Two arguments are a number apart exactly when their expanded forms agree but
        # for the constant term, so each argument meets its one rival by hashing.
        kept: list[Any] = []
        constants: list[Any] = []
        rivals: dict[Any, int] = {}
        for argument in sorted(dict.fromkeys(a for a in flat if not a.is_Number), key=sympy.default_sort_key):
            constant, rest = sympy.expand(argument).as_coeff_Add()
            index = rivals.get(rest)
            if index is None:
                rivals[rest] = len(kept)
                kept.append(argument)
                constants.append(constant)
            elif constant - constants[index] > 0:
                kept[index], constants[index] = argument, constant
        if numbers:
            kept.insert(0, max(numbers))
        if len(kept) == 1:
            return kept[0]
        if tuple(kept) == args:
            return None
        return cls(*kept, evaluate=False)


def symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name)


def number(value: Fraction | int) -> Expr:
    value = Fraction(value)
    return sympy.Rational(value.numerator, value.denominator)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": sympy.Min,
    "max": sympy.Max,
    "ceil": sympy.ceiling,
    "floor": sympy.floor,
    "abs": sympy.Abs,
    "sqrt": sympy.sqrt,
    "log2": log2,
}
_DOMAINS: dict[str, Callable[[Any], bool]] = {"sqrt": lambda x: bool(x >= 0), "log2": lambda x: bool(x > 0)}
"""Where the functions that are not defined everywhere have a (real) value."""
_RELATIONS: dict[str, Callable[..., Any]] = {
    "==": sympy.Eq,
    "!=": sympy.Ne,
    "<": sympy.Lt,
    "<=": sympy.Le,
    ">": sympy.Gt,
    ">=": sympy.Ge,
}


def _is_truth(x: Any) -> bool:
    # Symbols are sympy Booleans too; only these are truth values here.
    return isinstance(x, (Relational, BooleanFunction, BooleanAtom))


def _value(x: Any) -> Expr:
    """A truth value used as a number is 1 or 0."""
    if _is_truth(x):
        if x is sympy.true:
            return sympy.Integer(1)
        if x is sympy.false:
            return sympy.Integer(0)
        return sympy.Piecewise((1, x), (0, True))
    return x


def _truth(x: Any) -> Boolean:
    """A number used as a condition is true when it is not zero."""
    return x if _is_truth(x) else sympy.Ne(x, 0)


def _power(base: Expr, exponent: Expr, span: ir.Span | None) -> Expr:
    if base.is_Number and exponent.is_Number and base != 0:
        size = max(abs(base.p).bit_length(), abs(base.q).bit_length()) if base.is_Rational else 64
        bits = abs(float(exponent)) * size
        if bits > Limits.current().number_bits:
            message = f"{base} ** {exponent} has about {_magnitude(bits)} bits; the limit is {Limits.current().number_bits}"
            raise SymbolicError("KC904", message, span)
    return sympy.Pow(base, exponent)


def _magnitude(bits: float) -> str:
    return f"{bits:,.0f}" if bits < 1e15 else f"10^{math.log10(bits):.0f}"


def to_sympy(expr: ir.Expr, reference: Callable[[ir.Reference], Expr] | None = None) -> Expr:
    """The exact value of `expr`; `reference` gives the value of each reference."""
    return _value(_convert(expr, reference))


def _convert(node: ir.Expr, reference: Callable[[ir.Reference], Expr] | None) -> Any:
    def value(child: ir.Expr) -> Expr:
        return _value(_convert(child, reference))

    def truth(child: ir.Expr) -> Boolean:
        return _truth(_convert(child, reference))

    match node:
        case ir.Number(value=v):
            return number(v)
        case ir.Name(id=name):
            return symbol(name)
        case ir.Unary(op="-", operand=operand):
            return -value(operand)
        case ir.Unary(op="not", operand=operand):
            return sympy.Not(truth(operand))
        case ir.Binary(op="and", left=left, right=right):
            return sympy.And(truth(left), truth(right))
        case ir.Binary(op="or", left=left, right=right):
            return sympy.Or(truth(left), truth(right))
        case ir.Binary(op="+" | "-"):
            # a + b - c + ... parses left-deep: walk its spine, and add the terms in one step
            terms = []
            while isinstance(node, ir.Binary) and node.op in ("+", "-"):
                term = value(node.right)
                terms.append(term if node.op == "+" else -term)
                node = node.left
            return sympy.Add(value(node), *reversed(terms))
        case ir.Binary(op=op, left=left, right=right) if op in _RELATIONS:
            return _RELATIONS[op](value(left), value(right))
        case ir.Binary(op=op, left=left, right=right):
            a, b = value(left), value(right)
            if op in ("/", "//", "%") and b == 0:
                raise SymbolicError("KC104", "division by zero", node.span)
            match op:
                case "+":
                    return a + b
                case "-":
                    return a - b
                case "*":
                    return a * b
                case "/":
                    return a / b
                case "//":
                    return sympy.floor(a / b)
                case "%":
                    return sympy.Mod(a, b)
                case "**":
                    return _power(a, b, node.span)
        case ir.Call(function=function, arguments=arguments):
            values = [value(a) for a in arguments]
            if function in _DOMAINS and values[0].is_number and not _DOMAINS[function](values[0]):
                raise SymbolicError("KC105", f"{function}({values[0]}) has no value", node.span)
            if function in ("min", "max") and any(v.has(sympy.I) for v in values):  # sympy's Min and Max refuse it
                raise SymbolicError("KC105", f"{function} of a number that is not real (a square root of a negative number)", node.span)
            return _FUNCTIONS[function](*values)
        case ir.Conditional(test=test, body=body, orelse=orelse):
            try:  # sympy simplifies a test holding a conditional, and may fail on the way
                return sympy.Piecewise((value(body), truth(test)), (value(orelse), True))
            except (TypeError, ValueError) as error:
                raise _failed(error, node.span) from None
        case ir.Reference() if reference is not None:
            return reference(node)
    raise SymbolicError("KC101", f"cannot compute with {type(node).__name__}", node.span)


def substitute(expr: Expr, mapping: Mapping[Any, Any]) -> Expr:
    """Replace symbols simultaneously."""
    try:
        return expr.xreplace(mapping) if mapping else expr
    except (TypeError, ValueError) as error:
        raise _failed(error) from None


def _failed(error: Exception, span: ir.Span | None = None) -> SymbolicError:
    """A refusal of sympy's own as a problem of the formula: one sympy cannot compute (its Min and Max refuse a
    number that is not real, or a nan met while it simplifies a test)."""
    return SymbolicError("KC908", f"cannot compute this formula: sympy failed on it ({error})", span)


def free_names(expr: Expr) -> set[str]:
    return {s.name for s in expr.free_symbols}


def canonical(expr: Expr) -> Expr:
    """Expand products and powers of sums, refusing expansions past the term limit."""
    limit = Limits.current().expression_terms
    estimate = _terms(expr)
    if estimate > limit:
        raise SymbolicError("KC908", f"formula would expand to about {_magnitude(estimate)} terms; the limit is {limit:,}")
    result = sympy.expand(expr)
    if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise SymbolicError("KC104", "formula divides by zero")
    if result.has(sympy.I, log2):
        _check_domains(result)
    if result.has(sympy.Piecewise):
        result = _merge_pieces(result)
    if any(power.base.is_Add and power.exp.is_negative for power in result.atoms(sympy.Pow)):
        # Below a fraction bar one expansion is not always the last: a number that appears on the way
        # (`max(3/2, x if c else 1)`, once its conditional is folded, is 3/2) stays outside the sum it
        # divides, `3/(2*(b + 1))`, where a second expansion, like the same value written out, gives `3/(2*b + 2)`.
        result = sympy.expand(result)
    return result


def _merge_pieces(expr: Expr) -> Expr:
    """One form for sums of conditionals: products folded into the branches,
    nested conditionals flattened, conditionals with the same tests added
    branch by branch, every branch expanded."""
    plain: list[Expr] = []
    pieces: dict[tuple[Any, ...], list[Expr]] = {}
    for term in sympy.Add.make_args(expr):
        if term.has(sympy.Piecewise) and (term.is_Mul or isinstance(term, sympy.Piecewise)):
            with contextlib.suppress(TypeError, ValueError):  # a branch sympy cannot compare (zoo): keep the product
                term = sympy.piecewise_fold(term)
        if not isinstance(term, sympy.Piecewise):
            plain.append(term)
            continue
        tests = tuple(condition for _, condition in term.args)
        values = [value for value, _ in term.args]
        if tests in pieces:
            pieces[tests] = [a + b for a, b in zip(pieces[tests], values, strict=True)]
        else:
            pieces[tests] = values
    merged = (sympy.Piecewise(*((sympy.expand(v), c) for v, c in zip(values, tests, strict=True))) for tests, values in pieces.items())
    return sympy.Add(*plain, *merged)


def _terms(expr: Any) -> float:
    """An upper bound on the terms of `expr` once expanded and its conditionals folded (`_merge_pieces`): a
    product of conditionals becomes one conditional with a branch for each choice of theirs, so a conditional
    counts the terms of all its branches."""
    if isinstance(expr, sympy.Piecewise):
        return float(sum(_terms(value) for value, _ in expr.args))
    if expr.is_Add:
        return float(sum(_terms(a) for a in expr.args))
    if expr.is_Mul:
        return math.prod(_terms(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1 and expr.base.is_Add:
        # the multinomial count of the base's terms once expanded: `(1 - (h + 1) / b)` has three
        n, k = int(expr.exp), int(min(_terms(expr.base), 10**6))
        return float(math.comb(n + k - 1, k - 1)) if n < 10**6 else math.inf
    return 1.0


def _check_domains(expr: Expr) -> None:
    """A square root of a negative number or a log2 of a number that is not positive, met once arguments are bound."""
    if expr.has(sympy.I):
        raise SymbolicError("KC105", "formula takes the square root of a negative number")
    for call in expr.atoms(log2):
        if call.args[0].is_number and not call.args[0] > 0:
            raise SymbolicError("KC105", f"formula takes log2({call.args[0]})")


def equal(a: Expr, b: Expr) -> bool:
    return bool(a == b or canonical(a - b) == 0)


# Back to IR, ordered as SEMANTICS §6 says.

_END = (9,)


class Lowering:
    """Converts canonical sympy expressions to ordered IR, remembering what it did."""

    def __init__(self, order: Order) -> None:
        self.order = order
        self._done: dict[Expr, ir.Expr] = {}

    def __call__(self, expr: Expr) -> ir.Expr:
        if expr not in self._done:
            self._done[expr] = self._lower(expr)
        return self._done[expr]

    def _lower(self, expr: Any) -> ir.Expr:
        if _is_truth(expr):
            return self._condition(expr)
        if expr.is_Rational:
            value = ir.Number(Fraction(abs(int(expr.p)), int(expr.q)))
            return ir.Unary("-", value) if expr.is_negative else value
        if expr.is_Symbol:
            return ir.Name(expr.name)
        if expr.is_Add:
            return self._sum(expr)
        if expr.is_Mul or expr.is_Pow:
            return self._product(expr)
        if isinstance(expr, sympy.floor):
            # A single quotient prints as `a // b`; anything else stays `floor(...)`, so
            # that printing and parsing again reach the same canonical form.
            argument = expr.args[0]
            numerator, denominator = sympy.fraction(argument)
            if not argument.is_Add and denominator != 1:
                return ir.Binary("//", self(numerator), self(denominator))
            return ir.Call("floor", (self(argument),))
        if isinstance(expr, sympy.Mod):
            return ir.Binary("%", self(expr.args[0]), self(expr.args[1]))
        if isinstance(expr, (sympy.Min, sympy.Max, Largest)):
            arguments = sorted(expr.args, key=self._argument_key)
            return ir.Call("min" if isinstance(expr, sympy.Min) else "max", tuple(map(self, arguments)))
        for function, name in ((sympy.ceiling, "ceil"), (sympy.Abs, "abs"), (log2, "log2")):
            if isinstance(expr, function):
                return ir.Call(name, (self(expr.args[0]),))
        if isinstance(expr, sympy.Piecewise):
            return self._piecewise(expr.args)
        raise SymbolicError("KC908", f"cannot write {expr} as a formula")

    def _piecewise(self, pieces: tuple[Any, ...]) -> ir.Expr:
        (value, condition), rest = pieces[0], pieces[1:]
        if condition is sympy.true or not rest:
            return self(value)
        return ir.Conditional(self._condition(condition), self(value), self._piecewise(rest))

    def _condition(self, condition: Any) -> ir.Expr:
        if condition is sympy.true or isinstance(condition, BooleanTrue):
            return ir.Number(Fraction(1))
        if condition is sympy.false or isinstance(condition, BooleanFalse):
            return ir.Number(Fraction(0))
        if isinstance(condition, sympy.Ne) and condition.rhs == 0:
            return self(condition.lhs)
        if isinstance(condition, sympy.Not):
            return ir.Unary("not", self._condition(condition.args[0]))
        if isinstance(condition, (sympy.And, sympy.Or)):
            parts = sorted(condition.args, key=sympy.default_sort_key)
            op = "and" if isinstance(condition, sympy.And) else "or"
            result = self._condition(parts[0])
            for part in parts[1:]:
                result = ir.Binary(op, result, self._condition(part))
            return result
        if isinstance(condition, sympy.ITE):
            test, then, otherwise = condition.args
            return ir.Conditional(self._condition(test), self._condition(then), self._condition(otherwise))
        if isinstance(condition, BooleanFunction) and not isinstance(condition, sympy.Not):
            simpler = sympy.logic.boolalg.to_nnf(condition)
            if simpler != condition:
                return self._condition(simpler)
        if isinstance(condition, Relational):
            op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[condition.rel_op]
            return ir.Binary(op, self(condition.lhs), self(condition.rhs))
        raise SymbolicError("KC908", f"cannot write condition {condition} as a formula")

    # Products: number first, then names by rank, other factors, precision names last.

    def _split(self, expr: Any) -> tuple[Fraction, list[tuple[Any, Any]], list[tuple[Any, Any]]]:
        """Coefficient, numerator factors and denominator factors, each (base, exponent)."""
        coefficient, factors = expr.as_coeff_mul()
        numerator, denominator = [], []
        for factor in factors:
            base, exponent = factor.as_base_exp()
            if exponent.is_Number and exponent.is_negative:
                denominator.append((base, -exponent))
            else:
                numerator.append((base, exponent))
        numerator.sort(key=lambda f: self._factor_key(f[0]))
        denominator.sort(key=lambda f: self._factor_key(f[0]))
        return Fraction(int(coefficient.p), int(coefficient.q)), numerator, denominator

    def _argument_key(self, argument: Any) -> tuple[Any, ...]:
        """A min's or max's arguments: names and numbers as factors, a formula by its printed text (as the core orders them)."""
        if argument.is_Symbol or argument.is_Number:
            return self._factor_key(argument)
        return (2, 0, to_text(self(argument)))

    def _factor_key(self, base: Any) -> tuple[Any, ...]:
        if base.is_Symbol:
            return self.order.key(base.name)
        return (2, 0, sympy.sstr(base, order="none"))

    def _power_ir(self, base: Any, exponent: Any) -> ir.Expr:
        if exponent == 1:
            return self(base)
        if exponent == sympy.Rational(1, 2):
            return ir.Call("sqrt", (self(base),))
        return ir.Binary("**", self(base), self(exponent))

    def _product(self, expr: Any) -> ir.Expr:
        coefficient, numerator, denominator = self._split(expr)
        return product(coefficient, [self._power_ir(b, e) for b, e in numerator], [self._power_ir(b, e) for b, e in denominator])

    def _term_key(self, term: Any) -> tuple[Any, ...]:
        _, numerator, _ = self._split(term)
        ranks: list[tuple[Any, ...]] = []
        for base, exponent in numerator:
            count = int(exponent) if exponent.is_Integer and 0 < exponent < 64 else 1
            ranks.extend([self._factor_key(base)] * count)
        return (*ranks, _END, sympy.sstr(term, order="none"))

    def _sum(self, expr: Any) -> ir.Expr:
        terms = sorted(expr.args, key=self._term_key)
        result = self(terms[0])
        for term in terms[1:]:
            lowered = self(term)
            if isinstance(lowered, ir.Unary) and lowered.op == "-":
                result = ir.Binary("-", result, lowered.operand)
            else:
                result = ir.Binary("+", result, lowered)
        return result


def _folded(value: Expr) -> Expr:
    """A value in canonical form, its conditionals folded over the whole sum and each branch expanded."""
    value = canonical(value)
    return canonical(sympy.piecewise_fold(value)) if value.has(sympy.Piecewise) else value


class _Sympy:
    """The bridge as an `Algebra`: every formula of the language, at sympy's speed."""

    zero = sympy.Integer(0)
    one = sympy.Integer(1)

    def symbol(self, name: str) -> Expr:
        return symbol(name)

    def value(self, expr: ir.Expr, reference: Callable[[ir.Reference], Expr] | None = None) -> Expr:
        return to_sympy(expr, reference)

    def substitute(self, expr: Expr, mapping: Mapping[str, Expr]) -> Expr:
        return substitute(expr, {symbol(name): v for name, v in mapping.items()})

    def canonical(self, expr: Expr) -> Expr:
        return canonical(expr)

    def equal(self, a: Expr, b: Expr) -> bool:
        return equal(a, b)

    def free_names(self, expr: Expr) -> set[str]:
        return free_names(expr)

    def add(self, values: Iterable[Expr]) -> Expr:
        return sympy.Add(*values)

    def maximum(self, values: Iterable[Expr]) -> Expr:
        # Each one in one form first: Max does not look inside its arguments, so two
        # spellings of one value (a sum of conditionals, merged or not) would stay apart.
        given = [c for c in map(_folded, values) if c != 0]
        return Largest(*given) if given else self.zero

    def lowering(self, order: Order) -> Callable[[Expr], ir.Expr]:
        return Lowering(order)

    def text(self, expr: Expr) -> str:
        return str(sympy.sstr(expr))


SYMPY = _Sympy()
__all__ = ["SYMPY", "Expr", "Lowering", "Order", "SymbolicError", "canonical", "equal", "free_names", "substitute", "symbol", "to_sympy"]

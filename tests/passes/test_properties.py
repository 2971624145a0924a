"""Properties on random libraries: the compiled tree means what SEMANTICS §4 says.

Hypothesis builds acyclic libraries of random formulas (sums, products,
quotients, floor division, min/max, conditionals, references scaled by
factors, references inside non-linear expressions, precision keywords,
nested input sub_kernels). A plain recursive evaluator written here computes
each module's cost at random points straight from the generated formulas;
the compiled tree's leaves (times enclosing repeats), its totals, and the
totals of the output compiled again must all agree with it exactly.

Run longer with `KC_FUZZ_SCALE=20 pytest tests/test_properties.py`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

import compiler
from compiler.errors import KcError
from compiler.limits import Limits
from tests.helpers import TooSlow, at_most, examples
from tests.helpers.evaluator import evaluate_text, tree_sums

pytestmark = pytest.mark.slow  # long hypothesis runs over random libraries

FIELDS = ("flops", "read", "write")
PRECISION = ("a_bytes", "w_bytes")


# A tiny AST of the test's own: rendering it gives formula text, evaluating it gives the meaning.

@dataclass(frozen=True)
class Node:
    kind: str
    value: Any = None
    children: tuple[Node, ...] = ()


def render(node: Node, braces: bool) -> str:
    r = lambda child: render(child, braces)  # noqa: E731
    match node.kind:
        case "num":
            return str(node.value)
        case "var":
            return f"{{{node.value}}}" if braces else node.value
        case "+" | "-" | "*" | "/" | "//":
            return f"({r(node.children[0])} {node.kind} {r(node.children[1])})"
        case "max" | "min":
            return f"{node.kind}({r(node.children[0])}, {r(node.children[1])})"
        case "cond":
            a, b, then, other = node.children
            return f"({r(then)} if {r(a)} > {r(b)} else {r(other)})"
        case "ref":
            module, keyword = node.value
            arguments = [r(child) for child in node.children]
            if keyword is not None:
                arguments.append(f"{keyword[0]}={keyword[1]}")
            return f"${{m.M{module}}}({', '.join(arguments)})"
    raise AssertionError(node.kind)


def evaluate(node: Node, values: dict[str, Fraction], field: int, library: Library) -> Fraction:
    e = lambda child: evaluate(child, values, field, library)  # noqa: E731
    match node.kind:
        case "num":
            return Fraction(node.value)
        case "var":
            return values[node.value]
        case "+":
            return e(node.children[0]) + e(node.children[1])
        case "-":
            return e(node.children[0]) - e(node.children[1])
        case "*":
            return e(node.children[0]) * e(node.children[1])
        case "/":
            return e(node.children[0]) / e(node.children[1])
        case "//":
            return Fraction(math.floor(e(node.children[0]) / e(node.children[1])))
        case "max":
            return max(e(node.children[0]), e(node.children[1]))
        case "min":
            return min(e(node.children[0]), e(node.children[1]))
        case "cond":
            a, b, then, other = node.children
            return e(then) if e(a) > e(b) else e(other)
        case "ref":
            module, keyword = node.value
            callee = library.modules[module]
            inner = {p: e(child) for p, child in zip(callee.parameters, node.children, strict=True)}
            for name in PRECISION:
                inner[name] = values[name]
            if keyword is not None:
                inner[keyword[0]] = Fraction(keyword[1])
            return library.cost(module, inner, field)
    raise AssertionError(node.kind)


@dataclass
class Module:
    parameters: list[str]
    kernels: list[dict[str, Any]]
    """Each: {"fields": (Node, Node, Node)} or {"repeat": Node, "sub_kernels": [...]}."""


@dataclass
class Library:
    modules: list[Module]

    def cost(self, index: int, values: dict[str, Fraction], field: int) -> Fraction:
        return sum((self._kernel(k, values, field) for k in self.modules[index].kernels), Fraction(0))

    def _kernel(self, kernel: dict[str, Any], values: dict[str, Fraction], field: int) -> Fraction:
        if "sub_kernels" in kernel:
            inner = sum((self._kernel(k, values, field) for k in kernel["sub_kernels"]), Fraction(0))
            return evaluate(kernel["repeat"], values, field, self) * inner
        return evaluate(kernel["fields"][field], values, field, self)


NAMES = ["batch_size", "seq_len", "hidden_size", "heads", "layers"]


@st.composite
def positive(draw: st.DrawFn, names: list[str]) -> Node:
    """Arguments are positive, so a callee may divide by its parameters."""
    leaves = [Node("var", n) for n in names] + [Node("num", v) for v in (1, 2, 3, "1/2")]
    left = draw(st.sampled_from(leaves))
    kind = draw(st.sampled_from(["leaf", "+", "*", "max"]))
    return left if kind == "leaf" else Node(kind, children=(left, draw(st.sampled_from(leaves))))


@st.composite
def formulas(draw: st.DrawFn, names: list[str], callees: list[int], library_parameters: list[list[str]], depth: int = 3) -> Node:
    leaves = [Node("var", n) for n in names + list(PRECISION)] + [Node("num", v) for v in (0, 1, 2, 3, "1/2", "1.5")]
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(leaves))
    sub = lambda: formulas(names, callees, library_parameters, depth - 1)  # noqa: E731
    choices = ["+", "-", "*", "/", "//", "max", "cond"] + ["ref", "scaled"] * (2 if callees else 0)
    kind = draw(st.sampled_from(choices))
    if kind in ("+", "-", "*", "max"):
        return Node(kind, children=(draw(sub()), draw(sub())))
    if kind == "/":
        return Node("/", children=(draw(sub()), Node("var", draw(st.sampled_from(names))) if names else Node("num", 3)))
    if kind == "//":
        return Node("//", children=(draw(sub()), Node("num", draw(st.integers(1, 4)))))
    if kind == "cond":
        return Node("cond", children=(draw(sub()), draw(sub()), draw(sub()), draw(sub())))
    callee = draw(st.sampled_from(callees))
    arguments = tuple(draw(positive(names)) for _ in library_parameters[callee])
    keyword = draw(st.sampled_from([None, None, ("a_bytes", 4), ("w_bytes", 1)]))
    reference = Node("ref", (callee, keyword), arguments)
    if kind == "ref":
        return reference
    return Node("*", children=(draw(formulas(names, [], library_parameters, 1)), reference))


@st.composite
def libraries(draw: st.DrawFn) -> Library:
    count = draw(st.integers(1, 4))
    parameters = [draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True)) for _ in range(count)]
    modules: list[Module] = [Module([], []) for _ in range(count)]
    def kernel(names: list[str], callees: list[int], nested: bool) -> dict[str, Any]:
        if nested and draw(st.integers(0, 4)) == 0:
            return {"repeat": draw(formulas(names, [], parameters, 1)), "sub_kernels": [kernel(names, callees, False) for _ in range(draw(st.integers(1, 2)))]}
        uniform = draw(st.booleans())
        first = draw(formulas(names, callees, parameters))
        fields = (first, first, first) if uniform else tuple(draw(formulas(names, callees, parameters)) for _ in FIELDS)
        return {"fields": fields}

    for index in reversed(range(count)):
        callees = list(range(index + 1, count))
        modules[index] = Module(parameters[index], [kernel(parameters[index], callees, True) for _ in range(draw(st.integers(1, 3)))])
    return Library(modules)


def write(library: Library, directory: Path, braces: bool) -> None:
    def kernel(k: dict[str, Any], i: int) -> dict[str, Any]:
        if "sub_kernels" in k:
            return {"operation": f"group {i}", "repeat": render(k["repeat"], braces), "sub_kernels": [kernel(s, j) for j, s in enumerate(k["sub_kernels"])]}
        flops, read, write = (render(f, braces) for f in k["fields"])
        return {"kernel_type": "basic", "operation": f"kernel {i}", "flops": flops, "memory_access": {"read": read, "write": write}}

    for index, module in enumerate(library.modules):
        document = {"class_name": f"m.M{index}", "parameters": module.parameters, "kernels": [kernel(k, i) for i, k in enumerate(module.kernels)]}
        (directory / f"m.M{index}.json").write_text(json.dumps(document), encoding="utf-8")


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(library=libraries(), braces=st.booleans(), points=st.lists(st.lists(st.integers(1, 9), min_size=7, max_size=7), min_size=2, max_size=3))
def test_compiled_tree_equals_the_recursive_definition(tmp_path_factory: Any, library: Library, braces: bool, points: list[list[int]]) -> None:
    directory = tmp_path_factory.mktemp("lib")
    write(library, directory, braces)
    try:
        with at_most(30):
            output = json.loads(compiler.compile_module("m.M0", [directory]))
    except KcError as error:
        # Products of many conditionals fold into more terms than the limit allows (KC908): refused, as they should be.
        assert {d.code for d in error.diagnostics.errors} == {"KC908"}, str(error)
        reject()
    except TooSlow:
        reject()  # a bound on the suite's time: a compilation that runs this long is a defect of its own, not this test's subject
    # An output past the input's formula limit is one the evaluator would take minutes over: not this test's subject (the limits have theirs).
    sums = output["totals"]
    assume(all(len(t) <= Limits().formula_length for t in (sums["flops"], sums["memory_access"]["read"], sums["memory_access"]["write"])))
    again_directory = tmp_path_factory.mktemp("again")
    (again_directory / "m.M0.json").write_text(json.dumps(output), encoding="utf-8")
    with Limits(formula_length=10**6).applied():  # kc's output formulas may be longer than the input limit
        again = json.loads(compiler.compile_module("m.M0", [again_directory]))

    for point in points:
        values = {name: Fraction(v) for name, v in zip([*NAMES, *PRECISION], point, strict=True)}
        expected = tuple(library.cost(0, values, field) for field in range(3))
        assert tree_sums(output["kernels"], values) == expected
        for document in (output, again):  # compiling the output again gives the same totals
            totals = document["totals"]
            texts = (totals["flops"], totals["memory_access"]["read"], totals["memory_access"]["write"])
            assert tuple(evaluate_text(t, values) for t in texts) == expected

"""The algebra core answers exactly what the sympy bridge answers, and spares its import.

Every compilation here runs twice: with kc's own core (`compiler.algebra`,
falling back to sympy where it declines) and with the sympy bridge forced.
The output text (json, py, tex) and the diagnostics must be byte-identical.
Random libraries stay inside what the core models (sums, products,
quotients by names and numbers, powers (of sums to formulas too), floor division, min and max,
conditionals, references with arguments and factors, precision keywords), so that the
core, not the bridge, answers most of them; the rest take the bridge's path.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from compiler.algebra import Unsupported, sympy_algebra
from compiler.algebra.fast import CORE
from compiler.backends import emit
from compiler.errors import KcError
from compiler.input.library import Library
from compiler.language import ir
from compiler.limits import Limits
from compiler.pipeline import compile_tree
from tests.helpers import ROOT, SHARED, TooSlow, at_most, examples, requires_shared
from tests.helpers.golden import ROOTS

FORMATS = ("json", "py", "tex")


def outcome(library: Library, name: str, algebra: Any, formats: tuple[str, ...] = ("json",)) -> tuple[str, ...]:
    """What a user sees of one compilation: the output texts and every diagnostic."""
    try:
        compilation = compile_tree(library, name, algebra=algebra)
    except KcError as error:
        return ("error", *map(str, error.diagnostics.items))
    assert compilation.tree is not None
    return (*(emit(compilation.tree, f) for f in formats), *map(str, compilation.diagnostics.items))


def compare(library: Library, name: str, formats: tuple[str, ...] = ("json",)) -> bool:
    """Assert both algebras agree on `name`; True when the core answered without the bridge."""
    expected = outcome(library, name, sympy_algebra(), formats)
    try:
        answered = outcome(library, name, CORE, formats)
    except Unsupported:
        # the pipeline's own choice: the core declines, and it falls back to the bridge (where the core
        # answers, the pipeline's choice is that same computation)
        assert outcome(library, name, None, formats) == expected, name
        return False
    assert answered == expected, name
    return True


# Random libraries inside the core's reach.

NAMES = ["batch_size", "seq_len", "hidden_size", "heads", "layers"]
PRECISION = ["a_bytes", "w_bytes"]
NUMBERS = ["0", "1", "2", "3", "1/2", "1.5", "64"]


@st.composite
def formulas(draw: st.DrawFn, names: list[str], callees: list[tuple[str, int]], depth: int = 3) -> str:
    leaves = st.sampled_from(names + PRECISION + NUMBERS)
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        return draw(leaves)
    sub = formulas(names, callees, depth - 1)
    kinds = ["+", "-", "*", "/", "//", "**", "power", "max", "min", "floor", "neg"] + ["ref", "scaled"] * (2 if callees else 0)
    kinds += ["cond"] * draw(st.integers(0, 1))
    kind = draw(st.sampled_from(kinds))
    if kind in ("+", "-", "*"):
        return f"({draw(sub)} {kind} {draw(sub)})"
    if kind in ("/", "//"):
        divisor = draw(st.sampled_from([*names, "2", "3", "1/2", f"{names[0]} * {names[-1]}"]))
        return f"({draw(sub)} {kind} ({divisor}))"
    if kind == "**":
        return f"({draw(sub)}) ** {draw(st.integers(0, 3))}"
    if kind == "power":  # a symbolic power, as the expected experts of a mixture-of-experts layer
        return f"(1 - {draw(leaves)} / {draw(st.sampled_from(names))}) ** ({draw(sub)})"
    if kind in ("max", "min"):
        arguments = draw(st.lists(st.one_of(leaves, sub), min_size=2, max_size=4))
        return f"{kind}({', '.join(arguments)})"
    if kind == "floor":
        return f"floor({draw(sub)})"
    if kind == "neg":
        return f"-({draw(sub)})"
    if kind == "cond":
        return f"({draw(sub)} if {draw(conditions(names))} else {draw(sub)})"
    callee, arity = draw(st.sampled_from(callees))
    arguments = [draw(st.sampled_from([*names, "2", f"{names[0]} * 2", f"{names[0]} + 1", f"{names[-1]} * {names[0]}"])) for _ in range(arity)]
    if draw(st.booleans()):
        arguments.append(draw(st.sampled_from(["a_bytes=2", "w_bytes=1", "a_bytes=w_bytes"])))
    reference = f"${{m.M{callee}}}({', '.join(arguments)})"
    return reference if kind == "ref" else f"{draw(formulas(names, [], 1))} * {reference}"


@st.composite
def conditions(draw: st.DrawFn, names: list[str]) -> str:
    """A conditional's test: a comparison of numbers and names (some times a number), or a value that is true when not 0."""
    side = st.one_of(st.sampled_from(names + PRECISION + NUMBERS), st.builds("{} * {}".format, st.sampled_from(["2", "-1", "1/2"]), st.sampled_from(names)))
    if draw(st.integers(0, 5)) == 0:
        return draw(side)
    return f"{draw(side)} {draw(st.sampled_from(['>', '<', '>=', '<=', '==', '!=']))} {draw(side)}"


@st.composite
def libraries(draw: st.DrawFn, size: int = 5) -> dict[str, Any]:
    count = draw(st.integers(1, size))
    parameters = [draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True)) for _ in range(count)]
    documents = {}
    for index in reversed(range(count)):
        callees = [(str(i), len(parameters[i])) for i in range(index + 1, count)]
        kernels = []
        for k in range(draw(st.integers(1, 3))):
            first = draw(formulas(parameters[index], callees))
            fields = [first] * 3 if draw(st.booleans()) else [draw(formulas(parameters[index], callees)) for _ in range(3)]
            kernels.append({"operation": f"kernel {k}", "flops": fields[0], "memory_access": {"read": fields[1], "write": fields[2]}})
        documents[f"m.M{index}"] = {"class_name": f"m.M{index}", "parameters": parameters[index], "kernels": kernels}
    return documents


@pytest.mark.slow
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(documents=libraries())
def test_the_core_prints_what_sympy_prints_on_random_libraries(tmp_path_factory: Any, documents: dict[str, Any]) -> None:
    directory = tmp_path_factory.mktemp("lib")
    for name, document in documents.items():
        (directory / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    try:
        with at_most(30):
            compare(Library.from_path([directory], environment=False), "m.M0")
    except TooSlow:
        reject()  # a bound on the suite's time: a compilation that runs this long is a defect of its own, not this test's subject


@pytest.mark.slow
def test_the_core_answers_most_random_libraries(tmp_path_factory: Any) -> None:
    """The comparison above would pass vacuously if the core declined everything."""
    answered = []

    @settings(max_examples=40, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(documents=libraries(size=3))
    def run(documents: dict[str, Any]) -> None:
        directory = tmp_path_factory.mktemp("lib")
        for name, document in documents.items():
            (directory / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
        answered.append(compare(Library.from_path([directory], environment=False), "m.M0"))

    run()
    print(f"the core answered {sum(answered)} of {len(answered)}")
    assert sum(answered) >= len(answered) // 3, f"the core answered {sum(answered)} of {len(answered)}"


@pytest.mark.slow
def test_the_core_prints_what_sympy_prints_on_the_built_in_library() -> None:
    """Every module in JSON, the roots (whose trees hold every leaf) in every format."""
    library = Library.from_path(environment=False)
    answered = {name: compare(library, name, FORMATS if name in ROOTS else ("json",)) for name in library.names()}
    assert all(answered.values()), f"the bridge answered {[name for name, core in answered.items() if not core]}"


@pytest.mark.slow
@requires_shared
@pytest.mark.parametrize("corpus", ["lm-predictor-gpt2", "lm-predictor-llama", "lm-predictor-kernels"])
def test_the_core_prints_what_sympy_prints_on_the_corpora(corpus: str) -> None:
    directory = SHARED / "corpora" / corpus
    library = Library.from_path([directory], environment=False)
    names = [name for name, path in library.names().items() if path.resolve().is_relative_to(directory.resolve())]
    assert names
    for name in names:
        compare(library, name)


def test_terms_whose_factors_rank_alike_are_ordered_as_sympy_orders_them(library: Callable[..., Path]) -> None:
    """Ties in the order of terms fall back on sympy's text of the term, which the core reproduces."""
    formula = "a/b + a/c + a + a**64 + a**65 + 2*a/(b*c**2) - a/(3*b**2) + 1/b + 1/(b*c) - 1/b**2 + c**-2 + 7"
    document = {"class_name": "m.T", "parameters": ["a", "b", "c"], "kernels": [{"operation": "k", "flops": formula, "memory_access": {"read": "a_bytes * a", "write": "0"}}]}
    assert compare(Library.from_path([library({"m.T": document})], environment=False), "m.T", FORMATS)


def test_min_max_and_floor_are_evaluated_as_sympy_evaluates_them(library: Callable[..., Path]) -> None:
    formulas = [
        "max(a, 3, 5, b) + min(a, 3, 5, b) + max(a, a) + max(2, 7) + max(a, max(b, 1/2))",
        "(a + 6) // 2 + floor(a / 2 + 3) + floor(-a / b) + floor(2 * a) + a // (b * c) + (7 // 2) * a + floor(-7 / 2)",
        "max(a, b) * floor(a / b) + max(a, b) ** 2 + b * max(a, b)",
    ]
    document = {
        "class_name": "m.T",
        "parameters": ["a", "b", "c"],
        "kernels": [{"operation": f"k{i}", "flops": f, "memory_access": {"read": "a_bytes * a", "write": "0"}} for i, f in enumerate(formulas)],
    }
    assert compare(Library.from_path([library({"m.T": document})], environment=False), "m.T", FORMATS)


def test_a_number_beside_a_function_in_max_is_left_to_sympy(library: Callable[..., Path]) -> None:
    """sympy knows `max(b, 1) + 4` exceeds 1/2 (the function carries a sign); the core declines to compare."""
    document = {
        "class_name": "m.T",
        "parameters": ["b", "s"],
        "kernels": [{"operation": "k", "flops": "max(1/2, max(b, 1) + 4) + s", "memory_access": {"read": "a_bytes * b", "write": "0"}}],
    }
    assert not compare(Library.from_path([library({"m.T": document})], environment=False), "m.T", FORMATS)


def test_a_sum_of_references_counts_their_plain_terms_once(library: Callable[..., Path]) -> None:
    """Many calls of one module with other arguments: the plain monomials the bridge's sum combines count once,
    so the core answers a sum whose other terms stay within the term limit, and declines past it."""
    linear = {
        "class_name": "m.L",
        "parameters": ["b", "i", "o"],
        "kernels": [{"operation": "mm", "flops": "2 * b * i * o", "memory_access": {"read": "b * i * a_bytes + i * o * w_bytes", "write": "b * o * a_bytes"}}],
    }
    calls = [f"${{m.L}}(b, {k + 1} * h, {k % 3 + 1} * h + {k})" for k in range(40)]
    kernels = [{"operation": f"k{k}", "flops": c, "memory_access": {"read": c, "write": c}} for k, c in enumerate(calls)]
    directory = library({"m.L": linear, "m.T": {"class_name": "m.T", "parameters": ["b", "h"], "kernels": kernels}})
    with Limits(expression_terms=90).applied():  # read: 40 products of two terms and one combined plain term
        assert compare(Library.from_path([directory], environment=False), "m.T")
    with Limits(expression_terms=70).applied():
        assert not compare(Library.from_path([directory], environment=False), "m.T")


def test_a_sum_to_a_symbolic_power_is_one_factor_as_in_sympy(library: Callable[..., Path]) -> None:
    """The experts a mixture-of-experts layer reads, `(1 - k / n) ** (b * s)`, through sums, products, substitution and max."""
    experts = {
        "class_name": "m.E",
        "parameters": ["b", "s", "h", "k", "n"],
        "kernels": [
            {"operation": "up", "flops": "2 * b * s * k * h", "memory_access": {"read": "b * s * h * a_bytes + (n - n * (1 - k / n) ** (b * s)) * h * w_bytes", "write": "b * s * h"}},
            {"operation": "gate", "flops": "b * (1 - k / n) ** (b * s + 1)", "memory_access": {"read": "max(h, h * (1 - k / n) ** (b / 2))", "write": "0"}},
        ],
    }
    calls = "layers * ${m.E}(b, s + c, 2 * h, k, n) + ${m.E}(b, s, h, k, n, w_bytes=1)"
    model = {"class_name": "m.T", "parameters": ["b", "s", "c", "h", "k", "n", "layers"], "kernels": [{"operation": "experts", "flops": calls, "memory_access": {"read": calls, "write": calls}}]}
    assert compare(Library.from_path([library({"m.E": experts, "m.T": model})], environment=False), "m.T", FORMATS)


@pytest.mark.parametrize(
    "formula",
    [
        "(1 - k / n) ** (b * s) * (1 - k / n) ** b",  # sympy keeps these apart, but joins equal powers
        "((1 - k / n) ** (b * s)) ** 2",
        "b / (1 - k / n) ** s",
        "2 ** b + (k * n) ** b",
        "(1 - k / n) ** (-b)",
        "(1 - k / n) ** (max(b, s))",
    ],
)
def test_symbolic_powers_sympy_evaluates_by_its_own_rules_are_left_to_it(library: Callable[..., Path], formula: str) -> None:
    document = {"class_name": "m.T", "parameters": ["b", "s", "k", "n"], "kernels": [{"operation": "k", "flops": formula, "memory_access": {"read": "a_bytes", "write": "0"}}]}
    assert not compare(Library.from_path([library({"m.T": document})], environment=False), "m.T", FORMATS)


def test_formulas_past_the_core_still_compile(library: Callable[..., Path]) -> None:
    """Conditionals, ceil, sqrt and sums below a fraction bar: the bridge answers, the output is the same."""
    document = {
        "class_name": "m.T",
        "parameters": ["a", "b"],
        "kernels": [{"operation": "k", "flops": "(a if a > b else b) + ceil(a / 3) + sqrt(a * b) + a / (a + b) + a % 3", "memory_access": {"read": "a_bytes * a", "write": "0"}}],
    }
    assert not compare(Library.from_path([library({"m.T": document})], environment=False), "m.T", FORMATS)  # the core declined, and the default answer equals sympy's


_NO_SYMPY = """
import sys
from compiler.cli import main
sys.argv = ["kc", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
print("imported:", [name for name in ("sympy", "lark") if name in sys.modules], file=sys.stderr)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "emit_format"),
    [
        *(("transformers.models.llama.modeling_llama.LlamaForCausalLM", f) for f in ("json", "py", "tex")),
        ("transformers.models.gemma3.modeling_gemma3.Gemma3ForCausalLM", "json"),  # its two `min` atoms are ordered by sympy's text of a sum
        ("transformers.models.mistral.modeling_mistral.MistralForCausalLM", "json"),  # conditionals: the sliding window
    ],
)
def test_kc_compile_of_core_models_imports_neither_sympy_nor_lark(tmp_path: Path, model: str, emit_format: str) -> None:
    """The core computes every formula of Llama (Gemma 3, Mistral), and the fast parse driver reads each: neither general library is imported."""
    arguments = ["compile", model, "--emit", emit_format, "-o", str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-c", _NO_SYMPY, *arguments], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("imported: []"), result.stderr


@pytest.mark.slow
def test_a_test_past_the_core_brings_sympy_in(tmp_path: Path) -> None:
    """The core models tests of a number or a number times a name; sympy joins tests with `and`."""
    document = {"class_name": "m.T", "parameters": ["a", "b"], "kernels": [{"operation": "k", "flops": "a if a > b and b > 1 else b", "memory_access": {"read": "a_bytes", "write": "0"}}]}
    (tmp_path / "m.T.json").write_text(json.dumps(document), encoding="utf-8")
    arguments = ["compile", "m.T", "--lib", str(tmp_path), "-o", str(tmp_path / "out.json")]
    result = subprocess.run([sys.executable, "-c", _NO_SYMPY, *arguments], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("imported: ['sympy']"), result.stderr


def test_one_module_imports_sympy() -> None:
    importing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "compiler").rglob("*.py")
        if re.search(r"^\s*(import sympy|from sympy[\s.])", path.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert importing == ["compiler/symbolic.py"]


@pytest.mark.parametrize(
    "fields",
    [
        ("max(b, ${m.R}(b, 2))",) * 3,  # sympy's Max refused a complex argument with a traceback
        ("b", "b", "${m.R}(b, 2)"),  # the square root of a negative number in a factor escaped the tree's assembly without a place
    ],
)
def test_a_square_root_of_a_negative_number_is_a_located_problem(library: Callable[..., Path], fields: tuple[str, str, str]) -> None:
    """Found by the random libraries, both on the sympy bridge's path."""
    leaf = {"class_name": "m.L", "parameters": ["b"], "kernels": [{"operation": "k", "flops": "b", "memory_access": {"read": "b", "write": "b"}}]}
    callee = {
        "class_name": "m.R",
        "parameters": ["b", "s"],
        "kernels": [
            {"operation": "k0", "flops": "b", "memory_access": {"read": "(1 - 3 / s) ** (1/2) * ${m.L}(s)", "write": "b"}},
            {"operation": "k1", "flops": "b", "memory_access": {"read": "s", "write": "b"}},
        ],
    }
    flops, read, write = fields
    model = {"class_name": "m.T", "parameters": ["b"], "kernels": [{"operation": "k", "flops": flops, "memory_access": {"read": read, "write": write}}]}
    modules = Library.from_path([library({"m.L": leaf, "m.R": callee, "m.T": model})], environment=False)
    compare(modules, "m.T")
    with pytest.raises(KcError) as raised:
        compile_tree(modules, "m.T")
    assert raised.value.diagnostics is not None
    (problem,) = raised.value.diagnostics.errors
    assert problem.code == "KC105" and problem.location is not None and problem.location.file is not None, problem
    assert problem.location.pointer.startswith("kernels[0]"), problem


def test_a_test_sympy_fails_on_is_a_located_problem(library: Callable[..., Path]) -> None:
    """Found by the random libraries: sympy simplifies a test that holds a conditional (here a callee's closed
    form), and failed inside with a ValueError, which was an internal error of kc."""
    callee = {"class_name": "m.C", "parameters": ["b", "s"], "kernels": [{"operation": "k", "flops": "b if max(b, b / s) > (b if b > b else w_bytes) else s", "memory_access": {"read": "b", "write": "b"}}]}
    model = {"class_name": "m.T", "parameters": ["b", "h"], "kernels": [{"operation": "k", "flops": "b if b > ${m.C}(b, b + h) else b", "memory_access": {"read": "b", "write": "b"}}]}
    modules = Library.from_path([library({"m.C": callee, "m.T": model})], environment=False)
    compare(modules, "m.T")
    with pytest.raises(KcError) as raised:
        compile_tree(modules, "m.T")
    assert raised.value.diagnostics is not None
    (problem,) = raised.value.diagnostics.errors
    assert problem.code == "KC908" and problem.location is not None and problem.location.pointer == "kernels[0].flops", problem


def test_a_max_in_a_min_is_left_to_sympy(library: Callable[..., Path]) -> None:
    """Found by the random libraries: sympy's Min absorbs a Max that holds one of its own arguments
    (`min(b, max(b, a))` is `b`), and the core had kept it as written."""
    model = {"class_name": "m.T", "parameters": ["b"], "kernels": [{"operation": "k", "flops": "b", "memory_access": {"read": "b * a_bytes", "write": "min(b, max(b, a_bytes))"}}]}
    modules = Library.from_path([library({"m.T": model})], environment=False)
    assert not compare(modules, "m.T")
    assert compile_tree(modules, "m.T").tree.totals.write == ir.Name("b")

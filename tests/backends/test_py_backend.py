"""`--emit py`: golden modules, their values against the JSON totals, numpy, the CLI and the API.

Every generated function of the library's roots and the cases is checked at
random integer points against an independent evaluator (tests/helpers/pyeval.py)
of the JSON backend's formulas, exactly; arrays of 10^6 points against scalar
calls on a sample; every module's arrays broadcast; the golden
files against `compile()`, ruff and mypy --strict; and imports in a fresh
interpreter. Run `pytest --update-golden` to rewrite the golden files.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import compiler
from compiler.backends import emit
from compiler.input.library import Library
from compiler.language import ir
from compiler.language import parse as frontend
from compiler.limits import Limits
from compiler.pipeline import compile_tree
from tests.helpers import GOLDEN, RUFF, leaf, run_kc, uniform
from tests.helpers.golden import BUILTINS, CASES, ROOTS, emitted
from tests.helpers.pyeval import evaluate, same


def _sources(builtins: list[str]) -> Iterator[Any]:
    for name in builtins:
        yield pytest.param(name, (), GOLDEN / "py" / "builtin" / f"{name}.py", id=name)
    for case in CASES:
        directory = GOLDEN / "cases" / case
        root = (directory / "root").read_text().strip()
        yield pytest.param(root, (str(directory / "lib"),), GOLDEN / "py" / f"{case}.py", id=case)


SOURCES = list(_sources(BUILTINS))
ROOT_SOURCES = list(_sources(ROOTS))
"""The long value checks run on the library's roots: their `kernels()` hold every leaf of the modules below them."""


@functools.cache
def _compiled(name: str, lib: tuple[str, ...]) -> tuple[types.ModuleType, dict[str, Any]]:
    """The generated module, imported as `compiler.load_cost_model` imports it, and the JSON backend's document for the same module."""
    return compiler._cost_model(name, emitted(name, lib, "py")), json.loads(emitted(name, lib))


# Golden files


@pytest.mark.parametrize(("name", "lib", "golden"), SOURCES)
def test_golden(name: str, lib: tuple[str, ...], golden: Path, update_golden: bool) -> None:
    text = emitted(name, lib, "py")  # compiler.compile_module(name, lib, emit="py")
    compile(text, str(golden), "exec")
    if update_golden or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{golden} did not exist and was written; review it and run again")
    assert text == golden.read_text(encoding="utf-8")


def _golden_files() -> list[str]:
    return sorted(str(p) for p in (GOLDEN / "py").rglob("*.py"))


def test_goldens_pass_ruff() -> None:
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the test extra)")
    result = subprocess.run([ruff, "check", *RUFF, *_golden_files()], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_goldens_pass_mypy_strict(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the test extra)")
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path), *_golden_files()]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_output_is_the_same_in_every_process(tmp_path: Path) -> None:
    name = "transformers.models.llama.modeling_llama.LlamaMLP"
    texts = set()
    for seed in ("0", "1", "12345"):
        result = run_kc("compile", name, "--emit", "py", env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        texts.add(result.stdout)
    assert len(texts) == 1


# Values at random points, against the JSON backend's formulas


def _parse(text: str) -> ir.Expr:
    return frontend.parse(text)


def _json_kernels(nodes: list[dict[str, Any]], env: dict[str, int], path: tuple[str, ...] = (), scale: Any = 1) -> Iterator[dict[str, Any]]:
    """The records `kernels()` should give, from the JSON tree."""
    for node in nodes:
        here = (*path, node["operation"])
        if node["kernel_type"] == "basic":
            extras = {k: v for k, v in node.items() if k not in ("kernel_type", "operation", "analysis", "flops", "memory_access", "footprint")}
            values = [node["flops"], node["memory_access"]["read"], node["memory_access"]["write"]]
            record = {"path": here, **{k: evaluate(_parse(v), env) * scale for k, v in zip(("flops", "read", "write"), values, strict=True)}}
            if "footprint" in node:
                footprint = node["footprint"]
                record.update(weights=evaluate(_parse(footprint["weights"]), env) * scale, cache=evaluate(_parse(footprint["cache"]), env) * scale)
                record["activations"] = evaluate(_parse(footprint["activations"]), env)
            yield {**record, **extras}
        else:
            inner = scale if "repeat" not in node else scale * evaluate(_parse(node["repeat"]), env)
            yield from _json_kernels(node["sub_kernels"], env, here, inner)


def in_domain(point: dict[str, Any]) -> dict[str, Any]:
    """A configuration a model can have: a token goes to at most every expert."""
    if "top_k" in point and "num_experts" in point:
        k, n = point["top_k"], point["num_experts"]
        point["top_k"] = min(k, n) if isinstance(k, int) else k.clip(max=n)
    return point


def _points(parameters: list[str]) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries({name: st.integers(1, 5000) for name in parameters}).map(in_domain)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "lib", "golden"), ROOT_SOURCES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_functions_equal_the_json_totals(name: str, lib: tuple[str, ...], golden: Path, data: st.DataObject) -> None:
    module, document = _compiled(name, lib)
    env = data.draw(_points(document["parameters"]))
    totals = document["totals"]
    flops = evaluate(_parse(totals["flops"]), env)
    read = evaluate(_parse(totals["memory_access"]["read"]), env)
    write = evaluate(_parse(totals["memory_access"]["write"]), env)
    assert same(module.flops(**env), flops)
    assert same(module.memory_read(**env), read)
    assert same(module.memory_write(**env), write)
    assert same(module.memory_bytes(**env), read + write)
    if read + write != 0:
        assert same(module.arithmetic_intensity(**env), flops / (read + write))
    records = module.kernels(**env)
    expected = list(_json_kernels(document["kernels"], env))
    assert [r["path"] for r in records] == [e["path"] for e in expected]
    for record, want in zip(records, expected, strict=True):
        assert record.keys() == want.keys()
        for key in want:
            if key in ("flops", "read", "write", "weights", "cache", "activations"):
                assert same(record[key], want[key]), (record["path"], key)
            else:
                assert record[key] == want[key]
    # SEMANTICS §4: the leaves add up to the totals, exactly where they are exact (in floats, large leaves of
    # opposite signs, as a negative count of layers gives, would cancel inexactly).
    leaves = sum(Fraction(r["flops"]) for r in records)
    assert leaves == flops if isinstance(flops, Fraction) else math.isclose(float(leaves), flops, rel_tol=1e-9)


def test_exactness_by_input_type() -> None:
    module = compiler.load_cost_model("features.Block", [GOLDEN / "cases" / "py_features" / "lib"])
    point = {"batch_size": 2, "seq_len": 100, "hidden_size": 64, "num_heads": 4, "head_dim": 16, "a_bytes": 2, "w_bytes": 1}
    assert type(module.memory_read(**point)) is int
    assert module.flops(**point) == Fraction(module.flops(**point))
    assert type(module.flops(**{**point, "batch_size": 1, "seq_len": 1})) is Fraction  # 64 / 3 is not integral
    assert type(module.flops(**{**point, "batch_size": 3})) is int
    assert type(module.arithmetic_intensity(**point)) is Fraction
    floats = {k: float(v) for k, v in point.items()}
    for function in (module.flops, module.memory_read, module.memory_write, module.memory_bytes, module.arithmetic_intensity):
        assert type(function(**floats)) is float
        assert math.isclose(function(**floats), float(function(**point)), rel_tol=1e-12)
    fractions = {k: Fraction(v) for k, v in point.items()}
    assert module.memory_read(**fractions) == module.memory_read(**point)
    assert type(module.memory_read(**fractions)) is int


def test_defaults_are_formulas_of_earlier_parameters() -> None:
    module = compiler.load_cost_model("features.Block", [GOLDEN / "cases" / "py_features" / "lib"])
    assert list(module.PARAMETERS) == ["batch_size", "seq_len", "hidden_size", "num_heads", "head_dim", "num_layers", "window", "a_bytes", "w_bytes"]
    assert module.PARAMETERS["head_dim"] == {"description": "Width of one head", "default": "hidden_size // num_heads"}
    assert module.PARAMETERS["a_bytes"] == {"description": None, "default": None}
    given_point = {"batch_size": 2, "seq_len": 5000, "hidden_size": 96, "num_heads": 3, "a_bytes": 2, "w_bytes": 2}
    defaults = {"head_dim": evaluate(_parse(module.PARAMETERS["head_dim"]["default"] or ""), given_point), "num_layers": 2, "window": 4096}
    full = {**given_point, **{k: int(v) for k, v in defaults.items()}}
    for function in ("flops", "memory_read", "memory_write", "memory_bytes", "arithmetic_intensity", "kernels"):
        assert getattr(module, function)(**given_point) == getattr(module, function)(**full)
    assert module.flops(**given_point) != module.flops(**{**given_point, "head_dim": 64})


def test_missing_and_unknown_keywords_raise_type_error() -> None:
    module = compiler.load_cost_model("transformers.models.llama.modeling_llama.LlamaMLP")
    with pytest.raises(TypeError, match="seq_len"):
        module.flops(batch_size=1, hidden_size=2, intermediate_size=3)
    with pytest.raises(TypeError, match="a_bytes"):
        module.memory_read(batch_size=1, seq_len=1, hidden_size=2, intermediate_size=3, w_bytes=2)
    with pytest.raises(TypeError, match="hidden_sise"):
        module.flops(batch_size=1, seq_len=1, hidden_sise=2, intermediate_size=3)
    with pytest.raises(TypeError):
        module.flops(1, 1, 2, 3)  # keyword-only
    # Parameters a formula does not use are accepted and ignored, so one dict serves every function.
    point = {"batch_size": 1, "seq_len": 1, "hidden_size": 2, "intermediate_size": 3}
    assert module.flops(**point) == module.flops(**point, a_bytes=2, w_bytes=2)


# numpy


numpy = pytest.importorskip("numpy")


def _agrees(array_value: Any, scalar_value: Any) -> bool:
    if isinstance(scalar_value, int) and numpy.issubdtype(numpy.asarray(array_value).dtype, numpy.integer):
        return int(array_value) == scalar_value
    return math.isclose(float(array_value), float(scalar_value), rel_tol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "lib", "golden"), ROOT_SOURCES)
def test_a_million_points_in_one_call_equal_scalar_calls(name: str, lib: tuple[str, ...], golden: Path) -> None:
    module, document = _compiled(name, lib)
    generator = numpy.random.default_rng(20261125)
    size = 10**6
    # Small enough that no product of a few parameters overflows numpy's 64-bit integers.
    if not document["parameters"]:
        pytest.skip("no parameters to vary")
    arrays = in_domain({p: generator.integers(1, 128, size=size, dtype=numpy.int64) for p in document["parameters"]})
    sample = generator.choice(size, size=200, replace=False)
    for function in (module.flops, module.memory_read, module.memory_write, module.memory_bytes):
        values = function(**arrays)
        assert isinstance(values, numpy.ndarray) and values.shape == (size,)
        for index in sample:
            scalar = function(**{p: int(a[index]) for p, a in arrays.items()})
            assert _agrees(values[index], scalar), (function.__name__, index)


@pytest.mark.parametrize(("name", "lib", "golden"), SOURCES)
def test_arrays_broadcast(name: str, lib: tuple[str, ...], golden: Path) -> None:
    module, document = _compiled(name, lib)
    parameters = [p for p in document["parameters"] if p not in ("top_k", "num_experts")]
    if not parameters:
        pytest.skip("no parameters to vary")
    generator = numpy.random.default_rng(7)
    point = in_domain({p: int(generator.integers(1, 512)) for p in document["parameters"]})
    rows = numpy.arange(1, 301, dtype=numpy.float64).reshape(300, 1)
    columns = numpy.arange(1, 201, dtype=numpy.float64).reshape(1, 200)
    arrays: dict[str, Any] = {**point, parameters[0]: rows, parameters[-1]: columns}
    for function in (module.flops, module.memory_read, module.memory_write, module.memory_bytes, module.arithmetic_intensity):
        values = function(**arrays)
        assert values.shape == (300, 200), function.__name__  # also where the formula ignores an argument
        for i, j in [(0, 0), (299, 199), (17, 3), (150, 100)]:
            scalar = function(**{**point, parameters[0]: i + 1, parameters[-1]: j + 1})
            assert math.isclose(float(values[i, j]), float(scalar), rel_tol=1e-12)
    records = module.kernels(**arrays)
    scalar_records = module.kernels(**{**point, parameters[0]: 5, parameters[-1]: 7})
    for record, scalar in zip(records, scalar_records, strict=True):
        for key in ("flops", "read", "write"):
            assert record[key].shape == (300, 200)
            assert math.isclose(float(record[key][4, 6]), float(scalar[key]), rel_tol=1e-12)


def test_conditionals_in_arrays_take_the_right_branch_without_warnings() -> None:
    module = compiler.load_cost_model("features.Block", [GOLDEN / "cases" / "py_features" / "lib"])
    point = {"batch_size": 2, "hidden_size": 64, "num_heads": 4, "a_bytes": 2, "w_bytes": 1}
    seq_len = numpy.array([1, 100, 4096, 4097, 9000])
    window = numpy.array([[0], [4096]])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = module.memory_read(**point, seq_len=seq_len, window=window)
    for i, w in enumerate((0, 4096)):
        for j, s in enumerate(seq_len.tolist()):
            assert values[i, j] == module.memory_read(**point, seq_len=s, window=w)


# Fresh interpreters, the CLI and the Python API


_IMPORT_CHECK = """
import importlib.util, sys
for index, path in enumerate(sys.argv[1:]):
    spec = importlib.util.spec_from_file_location(f"generated_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "numpy" not in sys.modules, f"{path}: numpy was imported"
    point = {name: 3 for name in module.PARAMETERS}
    values = [module.flops(**point), module.memory_bytes(**point), len(module.kernels(**point))]
    assert "numpy" not in sys.modules, f"{path}: numpy was imported by a scalar call"
    assert not any(m in sys.modules for m in ("compiler", "sympy", "lark", "jinja2")), f"{path}: kc was imported"
"""


def test_goldens_import_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """Every golden module, one after another in one isolated interpreter: none imports numpy or kc, or writes a file."""
    goldens = [str(p.values[2]) for p in SOURCES]
    result = subprocess.run([sys.executable, "-I", "-B", "-c", _IMPORT_CHECK, *goldens], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_an_importable_module(tmp_path: Path) -> None:
    name = "transformers.models.llama.modeling_llama.LlamaMLP"
    target = tmp_path / "llama_cost.py"
    result = run_kc("compile", name, "--emit", "py", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert f"Command: kc compile {name} --emit py -o {target}" in text
    assert f"generated by kc {compiler.__version__}" in text
    script = "from llama_cost import flops, kernels; print(flops(batch_size=1, seq_len=2, hidden_size=3, intermediate_size=4)); print(len(kernels(batch_size=1, seq_len=2, hidden_size=3, intermediate_size=4, a_bytes=2, w_bytes=2)))"
    used = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert used.returncode == 0, used.stderr
    leaves = compiler.compile_module(name).count('"kernel_type": "basic"')
    assert used.stdout.split() == [str(6 * 1 * 2 * 3 * 4 + 6 * 1 * 2 * 4), str(leaves)]


def test_command_in_the_header_is_escaped(tmp_path: Path) -> None:
    lib = tmp_path / "my lib"
    lib.mkdir()
    (lib / "m.Odd.json").write_text(json.dumps({"class_name": "m.Odd", "kernels": [leaf("k", "n", "n", "n")]}))
    result = run_kc("compile", "m.Odd", "--lib", str(lib), "--emit", "py")
    assert result.returncode == 0, result.stderr
    assert f"--lib '{lib}'" in result.stdout
    compile(result.stdout, "<odd>", "exec")


def test_compile_module_and_load_cost_model() -> None:
    name = "transformers.models.llama.modeling_llama.LlamaRMSNorm"
    text = compiler.compile_module(name, emit="py")
    assert text.startswith('"""Cost functions of transformers.models.llama.modeling_llama.LlamaRMSNorm')
    module = compiler.load_cost_model(name)
    assert isinstance(module, types.ModuleType)
    assert module.__name__ == "kc_cost_transformers_models_llama_modeling_llama_LlamaRMSNorm"
    assert module.__name__ not in sys.modules
    assert module.__doc__ is not None and "Written by compiler.compile_module()" in module.__doc__
    assert module.flops(batch_size=1, seq_len=1, hidden_size=8) > 0
    with pytest.raises(compiler.KcError):
        compiler.load_cost_model("no.such.Module")


def test_lib_may_be_one_directory(tmp_path: Path) -> None:
    (tmp_path / "m.Only.json").write_text(json.dumps({"kernels": [{"operation": "k", "flops": "n", "memory_access": {"read": "0", "write": "0"}}]}))
    for lib in (str(tmp_path), tmp_path, [tmp_path]):
        assert json.loads(compiler.compile_module("m.Only", lib))["totals"]["flops"] == "n"
    assert compiler.load_cost_model("m.Only", tmp_path).flops(n=3) == 3


@pytest.mark.parametrize(
    ("parameters", "place"),
    [
        (None, (("kernels", 1, "sub_kernels", 0, "memory_access", "read"), "4 * n + lambda * a_bytes", ir.Span(8, 14))),
        (["n", {"name": "lambda", "description": "a wavelength"}], (("parameters", 1, "name"), None, None)),
    ],
    ids=["first-written", "declared"],
)
def test_a_refused_name_is_placed_from_the_tree_without_reading_the_file_again(
    parameters: list[Any] | None, place: tuple[Any, ...], library: Callable[..., Path]
) -> None:
    kernels = [leaf("a", "n", "n * a_bytes", "0"), {"operation": "b", "sub_kernels": [leaf("c", "n", "4 * n + lambda * a_bytes", "0")]}]
    directory = library({"evil.Names": {"kernels": kernels} if parameters is None else {"parameters": parameters, "kernels": kernels}})
    tree = compile_tree(Library.from_path([directory], environment=False), "evil.Names").tree
    file = directory / "evil.Names.json"
    file.unlink()  # the backend has the tree only
    with pytest.raises(compiler.KcError) as raised:
        emit(tree, "py")
    assert raised.value.diagnostics is not None
    [error] = raised.value.diagnostics.errors
    assert error.code == "KC601" and error.location is not None
    assert (error.location.file, error.location.path, error.location.text, error.location.span) == (str(file), *place)


def test_kernels_explains_a_tree_too_large_to_build() -> None:
    library = Library.from_path([], environment=False)
    compilation = compile_tree(library, "transformers.models.llama.modeling_llama.LlamaMLP", limits=Limits(tree_nodes=1))
    assert compilation.tree is not None and compilation.tree.kernels is None
    text = emit(compilation.tree, "py")
    module = types.ModuleType("too_large")
    exec(compile(text, "<too large>", "exec"), module.__dict__)
    point = {"batch_size": 1, "seq_len": 2, "hidden_size": 3, "intermediate_size": 4, "a_bytes": 2, "w_bytes": 2}
    assert module.flops(**point) == 6 * 2 * 3 * 4 + 6 * 2 * 4
    with pytest.raises(RuntimeError, match="too large to build"):
        module.kernels(**point)


def test_shared_subtrees_keep_the_file_small(library: Callable[..., Path]) -> None:
    depth = 12
    modules = {}
    for level in range(depth):
        kernels = [leaf("Work", f"{level + 1} * n", "n * a_bytes", "n * a_bytes")]
        if level + 1 < depth:
            kernels += [uniform("Left", f"${{deep.L{level + 1}}}(n)"), uniform("Right", f"${{deep.L{level + 1}}}(n)")]
        modules[f"deep.L{level}"] = {"class_name": f"deep.L{level}", "parameters": ["n"], "kernels": kernels}
    directory = library(modules)
    text = compiler.compile_module("deep.L0", [directory], emit="py")
    module = compiler.load_cost_model("deep.L0", [directory])
    records = module.kernels(n=1, a_bytes=1)
    assert len(records) == 2**depth - 1
    assert sum(r["flops"] for r in records) == module.flops(n=1)
    assert records[-1]["path"] == ("Right", *(f"Right (from L{k})" for k in range(1, depth - 1)), f"Work (from L{depth - 1})")
    assert records[-1]["flops"] == depth
    assert len(text) < 40_000, len(text)

"""The cost dialect (SEMANTICS §8): LM-Predictor's kernel cost files, read into the one IR.

Compiled totals are held to an independent resolver written here (the sum of
children times counts with the bindings substituted, as LM-Predictor's own
phase 2 defines it), which evaluates formulas with Python's `ast`, not kc's
grammar, at random points.
"""

from __future__ import annotations

import ast
import json
import random
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import ROOT, SHARED, assert_clean_failure, requires_shared, run_kc

KERNELS = SHARED / "corpora" / "lm-predictor-kernels"
NAME_MAP = SHARED / "corpora" / "lm-predictor-kernels.name-map.json"
COST_SCHEMA = SHARED / "corpora" / "lm-predictor-kernels.schema.json"
RESOLVED_SCHEMA = json.loads((ROOT / "compiler" / "schemas" / "resolved.schema.json").read_text())
GLOBALS = ("batch_size", "seq_len", "cache_len", "bytes")


# An independent evaluator and resolver.


def evaluate(text: str | int, env: dict[str, Fraction]) -> Fraction:
    """A formula's value by Python's own parser: names, `config.NAME`, True/False, + - * / // % **."""

    def value(node: ast.AST) -> Fraction:
        match node:
            case ast.Constant(value=bool() as v):
                return Fraction(int(v))
            case ast.Constant(value=int() | float() as v):
                return Fraction(v)
            case ast.Name(id=name):
                return env[name]
            case ast.Attribute():
                return env[ast.unparse(node)]
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -value(operand)
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return Fraction(int(value(operand) == 0))
            case ast.IfExp(test=test, body=body, orelse=orelse):
                return value(body) if value(test) != 0 else value(orelse)
            case ast.BoolOp(op=ast.And(), values=values):
                return Fraction(int(all(value(v) != 0 for v in values)))
            case ast.BoolOp(op=ast.Or(), values=values):
                return Fraction(int(any(value(v) != 0 for v in values)))
            case ast.Compare(left=left, ops=[op], comparators=[right]):
                compare = {ast.Eq: "__eq__", ast.NotEq: "__ne__", ast.Lt: "__lt__", ast.LtE: "__le__", ast.Gt: "__gt__", ast.GtE: "__ge__"}
                return Fraction(int(getattr(value(left), compare[type(op)])(value(right))))
            case ast.Call(func=ast.Name(id="min" | "max" as function), args=args):
                return (min if function == "min" else max)(value(a) for a in args)
            case ast.BinOp(left=left, op=op, right=right):
                a, b = value(left), value(right)
                match op:
                    case ast.Add():
                        return a + b
                    case ast.Sub():
                        return a - b
                    case ast.Mult():
                        return a * b
                    case ast.Div():
                        return a / b
                    case ast.FloorDiv():
                        return Fraction(a // b)
                    case ast.Mod():
                        return a % b
                    case ast.Pow():
                        return Fraction(a**b)
        raise AssertionError(f"the test's evaluator does not know {ast.dump(node)}")

    return value(ast.parse(str(text), mode="eval").body)


def resolve(directory: Path, kernel: str, env: dict[str, Fraction]) -> tuple[Fraction, Fraction, Fraction]:
    """FLOPs, bytes read and written of `kernel` in `directory`, by LM-Predictor's definition."""
    aliases = json.loads(next(directory.glob("*name-map.json")).read_text()) if list(directory.glob("*name-map.json")) else {}
    path = directory / f"{kernel}.json"
    data = json.loads((path if path.exists() else directory / f"{aliases[kernel]}.json").read_text())
    if "children" not in data:
        return evaluate(data["flops"], env), evaluate(data["memory_read"], env), evaluate(data["memory_write"], env)
    totals = [Fraction(0)] * 3
    for child in data["children"].values():
        inner = {name: value for name, value in env.items() if name in GLOBALS or name.startswith("config.")}
        inner.update({name: evaluate(text, env) for name, text in child["bindings"].items()})
        count = evaluate(child.get("count", 1), env)
        for index, value in enumerate(resolve(directory, child["kernel"], inner)):
            totals[index] += count * value
    return totals[0], totals[1], totals[2]


def point(names: list[str], rng: random.Random) -> dict[str, Fraction]:
    return {name: Fraction(rng.randint(1, 64)) for name in names}


def compiled_totals(document: dict[str, Any], env: dict[str, Fraction]) -> tuple[Fraction, Fraction, Fraction]:
    totals = document["totals"]
    return tuple(evaluate(t, env) for t in (totals["flops"], totals["memory_access"]["read"], totals["memory_access"]["write"]))  # type: ignore[return-value]


# Libraries written for the tests: a composite MLP, an attention with config.* bindings and a count.

MLP = {
    "kernel_name": "MLP",
    "init_params": ["hidden", "inner"],
    "forward_params": [],
    "children": {
        "up": {"kernel": "torch.nn.Linear", "bindings": {"M": "batch_size * seq_len", "K": "hidden", "N": "inner", "has_bias": "True"}},
        "act": {"kernel": "F.gelu", "bindings": {"num_elements": "batch_size * seq_len * inner"}},
        "down": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "inner", "N": "hidden", "has_bias": "False"}, "count": 1},
    },
}
ATTENTION = {
    "kernel_name": "Attention",
    "init_params": [],
    "forward_params": [],
    "children": {
        "qkv": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "config.hidden_size", "N": "3 * config.hidden_size", "has_bias": "1"}},
        "sdpa": {
            "kernel": "F.scaled_dot_product_attention",
            "bindings": {
                "B": "batch_size", "H": "config.num_attention_heads", "S_q": "seq_len",
                "S_kv": "cache_len + seq_len", "D": "config.hidden_size // config.num_attention_heads",
            },
        },
        "softmax": {"kernel": "F.softmax", "bindings": {"num_elements": "batch_size * config.num_attention_heads * seq_len * (cache_len + seq_len)"}},
        "mlp": {"kernel": "MLP", "bindings": {"hidden": "config.hidden_size", "inner": "4 * config.hidden_size"}, "count": "config.num_hidden_layers"},
        "norms": {"kernel": "F.layer_norm", "bindings": {"num_elements": "batch_size * seq_len * config.hidden_size", "norm_size": "config.hidden_size", "has_affine": "True"}, "count": 2},
    },
}


@pytest.fixture
def cost_library(tmp_path: Path) -> Path:
    """The 24 corpus leaves, their name map, and the composites above."""
    directory = tmp_path / "kernels"
    shutil.copytree(KERNELS, directory)
    shutil.copy(NAME_MAP, directory / NAME_MAP.name)
    for data in (MLP, ATTENTION):
        (directory / f"{data['kernel_name']}.json").write_text(json.dumps(data, indent=2))
    return directory


def leaf_names() -> list[str]:
    return sorted(p.stem for p in KERNELS.glob("*.json")) if KERNELS.is_dir() else []


# The corpus leaves.


@requires_shared
def test_the_corpus_leaves_check_clean() -> None:
    """Clean but for compute tags, which the cost dialect does not have: the matrix multiplies are inferred (KC505), the rest warned about (KC506)."""
    result = run_kc("check", str(KERNELS), "--no-builtin", "--format", "json")
    assert result.returncode == 0, result.stdout
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["code"] for r in records} == {"KC505", "KC506"}
    inferred = sorted(Path(r["file"]).stem for r in records if r["code"] == "KC505")
    assert inferred == ["F.linear", "F.scaled_dot_product_attention", "torch.addmm", "torch.baddbmm", "torch.bmm", "torch.matmul", "torch.mm"]
    assert result.stderr.splitlines()[-1] == "checked 24 modules: 0 errors, 15 warnings, 7 notes"


@requires_shared
@pytest.mark.slow
@pytest.mark.parametrize("name", leaf_names())
def test_each_corpus_leaf_compiles_to_its_own_formulas(name: str) -> None:
    result = run_kc("compile", name, "--lib", str(KERNELS), "--no-builtin")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    data = json.loads((KERNELS / f"{name}.json").read_text())
    declared = [*data["init_params"], *data["forward_params"]]
    assert document["parameters"][: len(declared)] == declared  # the signature first, then the globals it uses
    assert set(document["parameters"][len(declared) :]) <= set(GLOBALS)
    rng = random.Random(name)
    for _ in range(5):
        env = point([*declared, *GLOBALS], rng)
        assert compiled_totals(document, env) == resolve(KERNELS, name, env)


# Composites, at random points, against the independent resolver.


@requires_shared
@pytest.mark.parametrize("root", ["MLP", "Attention"])
def test_composites_compile_to_the_sum_of_children_times_counts(cost_library: Path, root: str) -> None:
    result = run_kc("compile", root, "--lib", str(cost_library), "--no-builtin")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    rng = random.Random(root)
    for _ in range(20):
        env = point(document["parameters"], rng)
        assert compiled_totals(document, env) == resolve(cost_library, root, env)


@requires_shared
def test_a_composite_is_a_tree_of_labels_with_counts(cost_library: Path) -> None:
    document = json.loads(run_kc("compile", "Attention", "--lib", str(cost_library), "--no-builtin").stdout)
    assert document["parameters"] == [
        "batch_size", "seq_len", "cache_len",
        "config.hidden_size", "config.num_attention_heads", "config.num_hidden_layers", "bytes",
    ]
    kernels = {k["operation"]: k for k in document["kernels"]}
    assert list(kernels) == ["qkv", "sdpa", "softmax", "mlp", "norms"]
    assert kernels["mlp"]["module"] == "MLP" and kernels["mlp"]["repeat"] == "config.num_hidden_layers"
    assert [k["operation"] for k in kernels["mlp"]["sub_kernels"]] == ["up", "act", "down"]
    assert kernels["mlp"]["sub_kernels"][0]["module"] == "F.linear"  # torch.nn.Linear through the library's name map
    assert kernels["norms"]["repeat"] == "2"


# A library may mix the dialects.


@pytest.mark.slow
@requires_shared
def test_a_library_mixes_the_dialects(cost_library: Path) -> None:
    (cost_library / "app.Block.json").write_text(json.dumps({
        "class_name": "app.Block",
        "kernels": [
            {"operation": "proj", "flops": "${F.linear}(M=tokens, K=hidden, N=hidden, has_bias=True)",
             "memory_access": {"read": "${F.linear}(M=tokens, K=hidden, N=hidden, has_bias=True)", "write": "${F.linear}(M=tokens, K=hidden, N=hidden, has_bias=True)"}},
            {"operation": "mlp", "flops": "${MLP}(hidden, 4 * hidden)", "memory_access": {"read": "${MLP}(hidden, 4 * hidden)", "write": "${MLP}(hidden, 4 * hidden)"}},
        ],
    }))
    (cost_library / "Top.json").write_text(json.dumps({
        "kernel_name": "Top", "init_params": [], "forward_params": [],
        "children": {"block": {"kernel": "app.Block", "bindings": {"tokens": "batch_size * seq_len", "hidden": "config.hidden_size"}, "count": "config.n_layer"}},
    }))
    result = run_kc("compile", "Top", "--lib", str(cost_library), "--no-builtin")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    rng = random.Random(7)
    for _ in range(10):
        env = point(document["parameters"], rng)
        blocks = evaluate("config.n_layer", env)
        inner = {**env, "tokens": env["batch_size"] * env["seq_len"], "hidden": env["config.hidden_size"]}
        projection = resolve(cost_library, "F.linear", {**inner, "M": inner["tokens"], "K": inner["hidden"], "N": inner["hidden"], "has_bias": Fraction(1)})
        mlp = resolve(cost_library, "MLP", {**inner, "hidden": inner["hidden"], "inner": 4 * inner["hidden"]})
        expected = tuple(blocks * (p + m) for p, m in zip(projection, mlp, strict=True))
        assert compiled_totals(document, env) == expected


# kc check of cost-dialect problems: the same codes, carets and chains.


def _records(directory: Path) -> list[dict[str, Any]]:
    result = run_kc("check", str(directory), "--format", "json", "--no-builtin")
    assert "Traceback" not in result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.slow
@requires_shared
def test_check_reports_cost_dialect_problems_where_they_are_written(cost_library: Path) -> None:
    (cost_library / "Broken.json").write_text(json.dumps({
        "kernel_name": "Broken", "init_params": ["hidden"], "forward_params": [],
        "children": {
            "unbound": {"kernel": "F.linear", "bindings": {"M": "batch_size", "K": "hidden"}},
            "nowhere": {"kernel": "torch.nn.Linearr", "bindings": {}},
            "extra": {"kernel": "F.softmax", "bindings": {"num_elements": "hidden", "dim": "1"}},
            "undeclared": {"kernel": "F.relu", "bindings": {"num_elements": "width"}},
        },
    }, indent=2))
    (cost_library / "Counts.json").write_text(json.dumps({
        "kernel_name": "Counts", "init_params": [], "forward_params": [],
        "children": {"zero": {"kernel": "F.relu", "bindings": {"num_elements": "1"}, "count": 0},
                     "negative": {"kernel": "F.relu", "bindings": {"num_elements": "1"}, "count": "-2"}},
    }, indent=2))
    records = [r for r in _records(cost_library) if r["code"] not in ("KC505", "KC506")]  # compute tags: tests/cli/test_newcomer.py
    found = {(r["code"], Path(r["file"]).name, r["pointer"], r["line"], r["column"]) for r in records}
    assert found == {
        ("KC304", "Broken.json", "children.unbound.kernel", 9, 18),
        ("KC201", "Broken.json", "children.nowhere.kernel", 16, 18),
        ("KC302", "Broken.json", "children.extra.bindings.dim", 23, 16),
        ("KC306", "Broken.json", "children.undeclared.bindings.num_elements", 29, 26),
        ("KC003", "Counts.json", "children.zero.count", 11, 16),
        ("KC003", "Counts.json", "children.negative.count", 18, 16),
    }
    records = {r["pointer"]: r for r in _records(cost_library)}
    assert records["children.unbound.kernel"]["message"] == "parameters 'N', 'has_bias' of F.linear left unbound: 2 of 4 arguments given by keyword"
    assert records["children.extra.bindings.dim"]["message"] == "binding 'dim': F.softmax has no such parameter"
    assert records["children.nowhere.kernel"]["hint"] == "did you mean 'torch.nn.Linear'?"
    assert records["children.unbound.kernel"]["chain"] == ["Broken"]


@requires_shared
def test_a_problem_deep_in_a_composite_shows_its_chain(cost_library: Path) -> None:
    (cost_library / "MLP.json").write_text(json.dumps({**MLP, "children": {**MLP["children"], "act": {"kernel": "F.gelu", "bindings": {}}}}))
    result = run_kc("compile", "Attention", "--lib", str(cost_library), "--no-builtin")
    assert_clean_failure(result, "error[KC304]: parameter 'num_elements' of F.gelu left unbound", "at children.act.kernel", "via Attention → MLP")


def test_a_file_of_neither_dialect_says_what_each_expects(library: Any) -> None:
    directory = library({"x.Y": {"class": "x.Y", "cost": "3"}})
    result = run_kc("compile", "x.Y", "--lib", str(directory))
    assert_clean_failure(result, "error[KC003]: 'kernels' is required", "an analysis has class_name and kernels", "a cost-dialect kernel has kernel_name, init_params, forward_params")


def test_a_cost_file_with_both_shapes_is_refused(library: Any) -> None:
    directory = library({"x.Y": {"kernel_name": "x.Y", "init_params": [], "forward_params": [], "flops": "1", "children": {}}})
    result = run_kc("compile", "x.Y", "--lib", str(directory))
    assert_clean_failure(result, "'flops' is not allowed here: a kernel has either children or flops, memory_read and memory_write")


# --emit resolved.


def _resolved_sum(node: dict[str, Any], env: dict[str, Fraction]) -> tuple[Fraction, ...]:
    """A resolved node's cost, as the sum of its children's costs times their counts (or its own formulas)."""
    if "children" not in node:
        return tuple(evaluate(node[k], env) for k in ("flops", "memory_read", "memory_write"))
    totals = [Fraction(0)] * 3
    for child in node["children"].values():
        count = evaluate(child["count"], env)
        for index, value in enumerate(_resolved_sum(child, env)):
            totals[index] += count * value
    return tuple(totals)


def _every_node(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("children", {}).values() for n in _every_node(child))]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("root", "builtin"),
    [("Attention", False), ("MLP", False), ("transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel", True), ("transformers.models.llama.modeling_llama.LlamaForCausalLM", True)],
)
def test_emit_resolved_is_valid_and_equal_in_value_to_emit_json(request: pytest.FixtureRequest, root: str, builtin: bool) -> None:
    arguments = ["compile", root]
    if not builtin:
        if not SHARED.is_dir():
            pytest.skip("../shared is not present")
        arguments += ["--lib", str(request.getfixturevalue("cost_library")), "--no-builtin"]
    resolved = json.loads(run_kc(*arguments, "--emit", "resolved").stdout)
    document = json.loads(run_kc(*arguments).stdout)
    jsonschema.validate(resolved, RESOLVED_SCHEMA)
    assert resolved["kernel_name"] == root
    rng = random.Random(root)
    for _ in range(3):
        env = {name: Fraction(rng.randint(1, 9)) for name in document["parameters"]}
        expected = compiled_totals(document, env)
        assert tuple(evaluate(resolved[k], env) for k in ("flops", "memory_read", "memory_write")) == expected
        for node in _every_node(resolved):  # each node's formulas are the sum of its children's
            if "children" in node:
                assert tuple(evaluate(node[k], env) for k in ("flops", "memory_read", "memory_write")) == _resolved_sum(node, env)


@requires_shared
def test_a_cost_leaf_resolves_to_its_formulas_without_children() -> None:
    resolved = json.loads(run_kc("compile", "F.linear", "--lib", str(KERNELS), "--no-builtin", "--emit", "resolved").stdout)
    assert resolved == {
        "kernel_name": "F.linear",
        "flops": "2 * M * K * N + M * N * has_bias",
        "memory_read": "M * K * bytes + K * N * bytes + N * has_bias * bytes",
        "memory_write": "M * N * bytes",
    }


def test_kc_schema_prints_the_resolved_schema() -> None:
    result = run_kc("schema", "resolved")
    assert result.returncode == 0 and json.loads(result.stdout) == RESOLVED_SCHEMA


@requires_shared
def test_the_written_composites_are_valid_cost_files() -> None:
    schema = json.loads(COST_SCHEMA.read_text())
    for data in (MLP, ATTENTION):
        jsonschema.validate(data, schema)

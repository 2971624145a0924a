"""The later analysis-dialect variants (SEMANTICS §8), the real analysis sets, and the mends found with them.

Each variant is compiled strict and lenient through the CLI, and its totals
are checked at points against values worked out here by hand.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import SHARED, assert_clean_failure, leaf, requires_shared, run_kc, uniform
from tests.helpers.evaluator import evaluate_text, tree_sums

GPT2 = SHARED / "corpora" / "lm-predictor-gpt2"
LLAMA = SHARED / "corpora" / "lm-predictor-llama"
LLAMA_PREFIX = "transformers.models.llama.modeling_llama"


def compile_json(*arguments: str) -> dict[str, Any]:
    result = run_kc("compile", *arguments)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def totals_at(document: dict[str, Any], values: dict[str, int]) -> tuple[Fraction, ...]:
    totals = document["totals"]
    point = {name: Fraction(value) for name, value in values.items()}
    return tuple(evaluate_text(t, point) for t in (totals["flops"], totals["memory_access"]["read"], totals["memory_access"]["write"]))  # type: ignore[misc]


# Dotted config names, True/False, repeat on a kernel with formulas.

VARIANTS = {
    "m.Proj": {
        "class_name": "m.Proj",
        "kernels": [
            leaf("proj", "2 * {tokens} * {config.hidden_size} ** 2 + {has_bias} * {tokens} * {config.hidden_size}",
                 "{config.hidden_size} ** 2 * {w_bytes}", "{tokens} * {config.hidden_size} * {a_bytes}", repeat="{config.n_layer}"),
        ],
    },
    "m.Top": [
        uniform("layers", "${m.Proj}(batch_size * seq_len, True)"),
        uniform("head", "${m.Proj}(tokens=batch_size, has_bias=False)", repeat=3),
    ],
}


def test_config_names_true_false_and_repeat_on_formulas(library: Callable[..., Path]) -> None:
    directory = library(VARIANTS)
    document = compile_json("m.Top", "--lib", str(directory))
    assert document["parameters"] == ["batch_size", "seq_len", "config.hidden_size", "config.n_layer", "a_bytes", "w_bytes"]
    b, s, h, n = 2, 5, 8, 3
    proj = lambda tokens, bias: (2 * tokens * h * h + bias * tokens * h, h * h * 2, tokens * h * 2)  # noqa: E731 - a formula, per field
    layers, head = proj(b * s, 1), proj(b, 0)
    expected = tuple(n * x + 3 * n * y for x, y in zip(layers, head, strict=True))
    assert totals_at(document, {"batch_size": b, "seq_len": s, "config.hidden_size": h, "config.n_layer": n, "a_bytes": 2, "w_bytes": 2}) == expected
    # the repeat of a kernel with formulas is a composite around it, and the tree sums to the totals
    repeated = document["kernels"][0]["sub_kernels"][0]
    assert repeated["operation"] == "proj (from Proj)" and repeated["repeat"] == "config.n_layer"
    assert repeated["sub_kernels"][0]["kernel_type"] == "basic"
    point = {"batch_size": Fraction(b), "seq_len": Fraction(s), "config.hidden_size": Fraction(h), "config.n_layer": Fraction(n), "a_bytes": Fraction(2), "w_bytes": Fraction(2)}
    assert tree_sums(document["kernels"], point) == expected


def test_true_is_a_number_not_a_parameter(library: Callable[..., Path]) -> None:
    directory = library({"m.Flag": [leaf("k", "n * True + n * False", "0", "0")]})
    for lenient in ((), ("--lenient",)):
        document = compile_json("m.Flag", "--lib", str(directory), *lenient)
        assert document["parameters"] == ["n"] and document["totals"]["flops"] == "n"


def test_a_dotted_name_other_than_config_is_a_syntax_error(library: Callable[..., Path]) -> None:
    directory = library({"m.Bad": [leaf("k", "{model.hidden_size}", "0", "0")]})
    result = run_kc("compile", "m.Bad", "--lib", str(directory))
    assert_clean_failure(result, "error[KC101]: unexpected '.hidden_size': a dotted name is a configuration value, config.NAME")


@pytest.mark.slow
def test_config_names_reach_python_and_kc_eval_without_a_family(library: Callable[..., Path], tmp_path: Path) -> None:
    directory = library(VARIANTS)
    out = tmp_path / "top.py"
    assert run_kc("compile", "m.Top", "--lib", str(directory), "--emit", "py", "-o", str(out)).returncode == 0
    spec = importlib.util.spec_from_file_location("top", out)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert list(module.PARAMETERS) == ["batch_size", "seq_len", "config__hidden_size", "config__n_layer", "a_bytes", "w_bytes"]
    values = {"batch_size": 2, "seq_len": 5, "config__hidden_size": 8, "config__n_layer": 3, "a_bytes": 2, "w_bytes": 2}
    expected = totals_at(compile_json("m.Top", "--lib", str(directory)), {k.replace("__", "."): v for k, v in values.items()})
    assert module.flops(**values) == expected[0]
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": "not-a-family-kc-knows", "hidden_size": 8, "n_layer": 3}))
    result = run_kc("eval", "m.Top", "--lib", str(directory), "--hf-config", str(config), "--set", "batch_size=2", "--set", "seq_len=5", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["parameters"]["config.hidden_size"] == 8 and report["parameters"]["config.n_layer"] == 3  # as formulas write them
    assert report["total"]["flops"] == expected[0]
    tex = run_kc("compile", "m.Top", "--lib", str(directory), "--emit", "tex")
    assert tex.returncode == 0 and r"config.\allowbreak{}hidden\_\allowbreak{}size" in tex.stdout


# PyTorch's short names, and a library's own name map.


def test_a_short_torch_name_resolves_to_the_module_path(library: Callable[..., Path]) -> None:
    directory = library({"m.Short": [uniform("fc", "${torch.nn.Linear}(batch_size, seq_len, 4, 8, True)")]})
    long = library({"m.Long": [uniform("fc", "${torch.nn.modules.linear.Linear}(batch_size, seq_len, 4, 8, True)")]}, "long")
    short = run_kc("compile", "m.Short", "--lib", str(directory))
    assert short.returncode == 0, short.stderr
    assert json.loads(short.stdout)["totals"] == compile_json("m.Long", "--lib", str(long))["totals"]
    assert json.loads(short.stdout)["kernels"][0]["module"] == "torch.nn.modules.linear.Linear"
    assert "warning[KC203]: torch.nn.modules.linear.Linear is not in m.Short's library" in short.stderr


def test_a_library_name_map_is_an_alias_file(library: Callable[..., Path]) -> None:
    directory = library({
        "my.Dense": {"class_name": "my.Dense", "parameters": ["n"], "kernels": [leaf("gemm", "2 * n", "n * a_bytes", "n * a_bytes", compute="matmul")]},  # tagged: KC506 would fail --werror
        "m.Net": [uniform("fc", "${torch.nn.Linear}(7)")],
    })
    (directory / "name-map.json").write_text(json.dumps({"torch.nn.Linear": "my.Dense"}))
    document = compile_json("m.Net", "--lib", str(directory))
    assert document["totals"]["flops"] == "14" and document["kernels"][0]["module"] == "my.Dense"
    result = run_kc("check", str(directory), "--werror")
    assert result.returncode == 0, result.stdout


def test_a_bad_name_map_is_reported(library: Callable[..., Path]) -> None:
    directory = library({"m.Net": [leaf("k", "1", "0", "0")]})
    (directory / "name-map.json").write_text(json.dumps({"torch.nn.Linear": 3}))
    result = run_kc("compile", "m.Net", "--lib", str(directory))
    assert_clean_failure(result, "name-map.json", "error[KC003]: 'torch.nn.Linear': expected a dotted module name")


@pytest.mark.slow
def test_no_builtin_makes_a_builtin_only_reference_unresolved(library: Callable[..., Path]) -> None:
    directory = library({"m.Short": [uniform("fc", "${torch.nn.Linear}(batch_size, seq_len, 4, 8, True)")]})
    for command in (("compile", "m.Short"), ("plan", "m.Short")):
        result = run_kc(*command, "--lib", str(directory), "--no-builtin")
        assert result.returncode == 1 and "error[KC201]: unresolved reference: module 'torch.nn.Linear'" in result.stderr
    checked = run_kc("check", str(directory), "--no-builtin")
    assert checked.returncode == 1 and "error[KC201]" in checked.stdout


# unknown.


def test_unknown_is_an_error_with_its_own_code(library: Callable[..., Path]) -> None:
    directory = library({"m.U": [leaf("mystery", "unknown", "n * a_bytes", "unknown")]})
    result = run_kc("compile", "m.U", "--lib", str(directory))
    assert_clean_failure(result, "error[KC106]: the cost is stated unknown", "at kernels[0].flops", "at kernels[0].memory_access.write")
    assert "'unknown'" not in result.stderr  # never a parameter


def test_unknown_counts_as_zero_and_marks_the_kernel_when_lenient(library: Callable[..., Path]) -> None:
    directory = library({"m.U": [leaf("mystery", "unknown", "n * a_bytes", "unknown"), leaf("known", "n", "0", "0")]})
    result = run_kc("compile", "m.U", "--lib", str(directory), "--lenient")
    assert result.returncode == 0 and result.stderr.count("warning[KC106]") == 2
    document = json.loads(result.stdout)
    assert document["parameters"] == ["n", "a_bytes"]
    assert document["totals"] == {"flops": "n", "memory_access": {"read": "n * a_bytes", "write": "0"}}
    assert document["kernels"][0]["unknown"] == ["flops", "memory_access.write"]
    assert "unknown" not in document["kernels"][1]


# Mends: KC304 counts keywords, --rename on check and plan, plan reports binding problems.


def test_kc304_counts_keyword_arguments(library: Callable[..., Path]) -> None:
    directory = library({
        "m.Callee": {"class_name": "m.Callee", "parameters": ["a", "b", "c"], "kernels": [leaf("k", "a * b * c", "0", "0")]},
        "m.Caller": [uniform("call", "${m.Callee}(1, c=3)")],
    })
    result = run_kc("compile", "m.Caller", "--lib", str(directory))
    assert_clean_failure(result, "parameter 'b' of Callee left unbound: 2 of 3 arguments given (1 by position, 1 by keyword)")


def test_check_and_plan_take_rename(library: Callable[..., Path]) -> None:
    directory = library({"m.R": [leaf("k", "batch_sz * seq_len", "0", "0", compute="vector")]})  # tagged: --werror below is about the name
    assert "warning[KC503]: 'batch_sz' looks like the unified name 'batch_size'" in run_kc("check", str(directory)).stdout
    renamed = run_kc("check", str(directory), "--rename", "batch_sz=batch_size", "--werror")
    assert renamed.returncode == 0, renamed.stdout
    plan = run_kc("plan", "m.R", "--lib", str(directory), "--rename", "batch_sz=batch_size")
    assert plan.returncode == 0 and plan.stderr == ""


def test_plan_reports_binding_problems(library: Callable[..., Path]) -> None:
    directory = library({
        "m.Callee": {"class_name": "m.Callee", "parameters": ["a"], "kernels": [leaf("k", "a", "0", "0")]},
        "m.Caller": [uniform("call", "${m.Callee}(1, 2)")],
    })
    result = run_kc("plan", "m.Caller", "--lib", str(directory))
    assert result.returncode == 1
    assert "None: every reference resolves." in result.stdout
    assert "## Binding problems" in result.stdout and "error KC301: too many arguments: Callee takes 1 parameter, 2 given" in result.stdout
    assert "error[KC301]" in result.stderr


# The real analysis sets: every real mistake, by code and location.


LLAMA_PROBLEMS = {
    # Linear given num_heads and head_dim as two arguments instead of their product (q, k and v projections) ...
    ("KC301", f"{LLAMA_PREFIX}.LlamaAttention.json", "kernels[0].flops", 8, 105),
    ("KC301", f"{LLAMA_PREFIX}.LlamaAttention.json", "kernels[1].flops", 18, 115),
    ("KC301", f"{LLAMA_PREFIX}.LlamaAttention.json", "kernels[2].flops", 28, 115),
    ("KC301", f"{LLAMA_PREFIX}.LlamaSdpaAttention.json", "kernels[0].flops", 8, 105),
    ("KC301", f"{LLAMA_PREFIX}.LlamaSdpaAttention.json", "kernels[1].flops", 18, 115),
    ("KC301", f"{LLAMA_PREFIX}.LlamaSdpaAttention.json", "kernels[2].flops", 28, 115),
    # ... LlamaRotaryEmbedding given batch_size in its dim slot, and one argument too many ...
    ("KC305", f"{LLAMA_PREFIX}.LlamaAttention.json", "kernels[3].flops", 38, 83),
    ("KC301", f"{LLAMA_PREFIX}.LlamaAttention.json", "kernels[3].flops", 38, 131),
    ("KC305", f"{LLAMA_PREFIX}.LlamaSdpaAttention.json", "kernels[3].flops", 38, 83),
    ("KC301", f"{LLAMA_PREFIX}.LlamaSdpaAttention.json", "kernels[3].flops", 38, 131),
    # ... LlamaForCausalLM passing LlamaModel's arguments one slot off ...
    ("KC304", f"{LLAMA_PREFIX}.LlamaForCausalLM.json", "kernels[0].flops", 8, 17),
    ("KC305", f"{LLAMA_PREFIX}.LlamaForCausalLM.json", "kernels[0].flops", 8, 98),
    ("KC305", f"{LLAMA_PREFIX}.LlamaForCausalLM.json", "kernels[0].flops", 8, 126),
    # ... and so do LlamaDecoderLayer (to LlamaAttention) and LlamaModel (to Embedding and LlamaDecoderLayer) ...
    ("KC304", f"{LLAMA_PREFIX}.LlamaDecoderLayer.json", "kernels[1].flops", 18, 17),
    ("KC305", f"{LLAMA_PREFIX}.LlamaDecoderLayer.json", "kernels[1].flops", 18, 142),
    ("KC301", f"{LLAMA_PREFIX}.LlamaModel.json", "kernels[0].flops", 8, 80),
    ("KC304", f"{LLAMA_PREFIX}.LlamaModel.json", "kernels[6].flops", 68, 32),
    # ... and LlamaSdpaAttention references scaled_dot_product_attention, which the set does not contain.
    ("KC201", f"{LLAMA_PREFIX}.LlamaSdpaAttention.json", "kernels[8].flops", 88, 17),
}


def _found(*arguments: str) -> set[tuple[Any, ...]]:
    result = run_kc("check", "--format", "json", *arguments)
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # KC007: the sets shadow built-in modules; KC505/KC506: their kernels carry no compute tags (tests/cli/test_newcomer.py)
    return {(r["code"], Path(r["file"]).name, r["pointer"], r["line"], r["column"]) for r in records if r["code"] not in ("KC007", "KC505", "KC506")}


@pytest.mark.slow
@requires_shared
def test_every_real_mistake_of_the_llama_set_is_found() -> None:
    assert _found(str(LLAMA), "--no-builtin") == LLAMA_PROBLEMS
    # with the built-in library, the missing module is found there, with a warning that says so
    with_builtin = _found(str(LLAMA))
    sdpa = ("KC201", f"{LLAMA_PREFIX}.LlamaSdpaAttention.json", "kernels[8].flops", 88, 17)
    assert ("KC203", *sdpa[1:]) in with_builtin and sdpa not in with_builtin


@pytest.mark.slow
@requires_shared
def test_the_gpt2_set_reads_the_same_with_short_names(tmp_path: Path) -> None:
    """The 2025 GPT-2 set still gives the problems it gave; rewritten with short torch names, the same ones."""
    before = _found(str(GPT2))
    assert {code for code, *_ in before} == {"KC301", "KC304", "KC305"}  # tests/cli/test_check.py holds each one
    copy = tmp_path / "gpt2"
    shutil.copytree(GPT2, copy)
    for path in copy.glob("*.json"):
        text = path.read_text().replace("${torch.nn.modules.linear.Linear}", "${torch.nn.Linear}").replace("${torch.nn.modules.dropout.Dropout}", "${torch.nn.Dropout}")
        path.write_text(text)
    after = {(code, name, pointer) for code, name, pointer, _, _ in _found(str(copy))}
    assert after == {(code, name, pointer) for code, name, pointer, _, _ in before}

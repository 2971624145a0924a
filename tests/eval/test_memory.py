"""`kc eval`'s memory section and `--solve`, through the command line.

Llama-3-8B (its public config, tests/hf_configs) on h100-sxm in bf16 is the
reference: 8,030,261,248 parameters, so 16,060,522,496 bytes of weights; a
decode step after 8,191 cached tokens holds 8,192 tokens of 32 layers × 8 KV
heads × 128 features × 2 (keys and values) × 2 bytes: exactly 1 GiB a sequence.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import compiler
from tests.helpers import CONFIGS, assert_clean_failure, run_kc

LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"
CONFIG = str(CONFIGS / "Meta-Llama-3-8B.json")
DECODE = ("--hf-config", CONFIG, "--phase", "decode", "--set", "cache_len=8191")
H100 = 80 * 10**9


def _json(*args: str) -> dict[str, Any]:
    result = run_kc("eval", LLAMA, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def model() -> Any:
    return compiler.load_cost_model(LLAMA)


def _values(**more: int) -> dict[str, int]:
    from compiler.hf import params_from_hf_config

    values = {k: v for k, v in params_from_hf_config(CONFIG).items()}
    return {**values, "seq_len": 1, "cache_len": 8191, "batch_size": 1, "a_bytes": 2, "w_bytes": 2, **more}


@pytest.mark.slow
def test_llama3_8b_memory_in_json() -> None:
    memory = _json(*DECODE)["memory"]
    assert memory["weights"] == 16_060_522_496
    assert memory["cache"] == 2**30
    assert memory["total"] == memory["weights"] + memory["cache"] + memory["activations"]
    assert memory["capacity"] == H100 and memory["fits"] is True
    assert all(type(memory[k]) is int for k in ("weights", "cache", "activations", "total", "capacity"))


@pytest.mark.slow
def test_solve_batch_size_fits_and_one_more_does_not(model: Any) -> None:
    document = _json(*DECODE, "--solve", "batch_size")
    n = document["solve"]["value"]
    assert document["solve"]["name"] == "batch_size" and document["parameters"]["batch_size"] == n
    assert model.footprint_bytes(**_values(batch_size=n)) <= H100 < model.footprint_bytes(**_values(batch_size=n + 1))
    assert document["memory"]["fits"] is True and document["memory"]["total"] == model.footprint_bytes(**_values(batch_size=n))
    half = _json(*DECODE, "--solve", "batch_size", "--memory-fraction", "0.5")["solve"]["value"]
    assert model.footprint_bytes(**_values(batch_size=half)) <= H100 // 2 < model.footprint_bytes(**_values(batch_size=half + 1))


@pytest.mark.slow
def test_solve_cache_len_and_an_fp8_cache(model: Any) -> None:
    document = _json("--hf-config", CONFIG, "--phase", "decode", "--set", "batch_size=8", "--set", "kv_bytes=1", "--solve", "cache_len")
    n = document["solve"]["value"]
    values = _values(batch_size=8, kv_bytes=1)
    assert model.footprint_bytes(**{**values, "cache_len": n}) <= H100 < model.footprint_bytes(**{**values, "cache_len": n + 1})
    assert model.cache_bytes(**{**values, "cache_len": 8191}) == 8 * 2**29  # an fp8 cache is half the bf16 one


@pytest.mark.slow
def test_solve_explains_what_cannot_be_solved(tmp_path: Path) -> None:
    result = run_kc("eval", LLAMA, *DECODE, "--solve", "batch_size", "--memory-fraction", "0.1")
    assert_clean_failure(result, "even batch_size=1 does not fit")
    result = run_kc("eval", LLAMA, *DECODE, "--set", "batch_size=2", "--solve", "batch_size")
    assert result.returncode != 0 and "solved for" in result.stderr
    result = run_kc("eval", LLAMA, *DECODE, "--memory-fraction", "1.5")
    assert result.returncode != 0 and "--memory-fraction" in result.stderr


def test_nothing_bounds_a_parameter_the_footprint_does_not_grow_with(library: Any) -> None:
    lib = library({"a.B": [{"operation": "op", "flops": "n", "memory_access": {"read": "n * a_bytes", "write": "0"}, "footprint": {"weights": "1000 * w_bytes + 0 * n"}}]})
    model = compiler.load_cost_model("a.B", [lib])
    from compiler.errors import EvalError
    from compiler.eval.memory import solve

    with pytest.raises(EvalError, match="nothing bounds n"):
        solve(model, {"a_bytes": 2, "w_bytes": 2}, "n", 10**6)


def test_solve_is_exact_at_the_boundary(library: Any) -> None:
    lib = library({"a.B": [{"operation": "op", "flops": "0", "memory_access": {"read": "0", "write": "0"}, "footprint": {"cache": "n * (n + 1) / 3 * kv_bytes"}}]})
    model = compiler.load_cost_model("a.B", [lib])
    from compiler.eval.memory import solve

    for capacity in (2, 3, 5, 10**6, 10**15 + 7):
        n = solve(model, {"a_bytes": 3}, "n", capacity)
        assert Fraction(n * (n + 1), 3) * 3 <= capacity < Fraction((n + 1) * (n + 2), 3) * 3


@pytest.mark.slow
def test_sweep_marks_what_does_not_fit_in_every_format(tmp_path: Path) -> None:
    sweep = ("--sweep", "batch_size=1:128:*2")
    result = run_kc("eval", LLAMA, *DECODE, *sweep, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    fits = {int(r["batch_size"]): r["memory_fits"] for r in rows}
    assert fits == {1: "1", 2: "1", 4: "1", 8: "1", 16: "1", 32: "1", 64: "0", 128: "0"}
    assert int(rows[0]["memory_cache"]) == 2**30 and int(rows[0]["memory_weights"]) == 16_060_522_496
    table = run_kc("eval", LLAMA, *DECODE, *sweep)
    assert "2 configurations do not fit" in table.stdout and " NO" in table.stdout
    document = json.loads(run_kc("eval", LLAMA, *DECODE, *sweep, "--format", "json").stdout)
    assert [r["memory_fits"] for r in document["results"]] == [1, 1, 1, 1, 1, 1, 0, 0]
    assert document["memory"]["capacity"] == H100


@pytest.mark.slow
def test_point_table_and_csv_show_the_memory_section() -> None:
    table = run_kc("eval", LLAMA, *DECODE)
    assert "memory: weights 15.0 GiB + cache 1.00 GiB" in table.stdout and "fits" in table.stdout
    rows = list(csv.DictReader(io.StringIO(run_kc("eval", LLAMA, *DECODE, "--format", "csv").stdout)))
    assert rows[-1]["path"] == "total" and rows[-1]["memory_fits"] == "1" and int(rows[-1]["memory_cache"]) == 2**30


def test_a_module_without_footprint_has_no_memory_section(library: Any) -> None:
    lib = library({"a.B": [{"operation": "op", "flops": "n", "memory_access": {"read": "n * a_bytes", "write": "0"}}]})
    result = run_kc("eval", "a.B", "--lib", str(lib), "--set", "n=10", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "memory" not in json.loads(result.stdout)
    result = run_kc("eval", "a.B", "--lib", str(lib), "--solve", "n")
    assert_clean_failure(result, "carries none")

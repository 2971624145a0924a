"""`kc eval` and `kc hardware` on the command line: hand-computed times, real configs, sweeps, generation, every error."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import compiler
from compiler.hf import families, params_from_hf_config
from compiler.input.library import Library
from compiler.pipeline import compile_tree
from tests.helpers import CONFIGS, ROOT, assert_clean_failure, leaf, run_kc
from tests.helpers.evaluator import sums_by_compute

CONFIGS = CONFIGS
LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"
LLAMA_CONFIG = str(CONFIGS / "Meta-Llama-3-8B.json")

ROUND_HARDWARE = """
[round]
name = "Round numbers"
matmul = { bf16 = "1 PFLOP/s", fp32 = "10 TFLOP/s" }
vector = "10 TFLOP/s"
memory_bandwidth = "2 TB/s"
"""


@pytest.fixture
def toy(library: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    """A module with a compute-bound, a memory-bound and a data-movement kernel, and a device of round numbers."""
    directory = library(
        {
            "toy.Block": {
                "class_name": "toy.Block",
                "parameters": ["x"],
                "kernels": [
                    leaf("Projection", "4000 * x", "x", "x", compute="matmul"),
                    leaf("Norm", "x", "3 * x", "x", compute="vector"),
                    leaf("Copy", "0", "x / 2", "x / 2", compute="none"),
                ],
            }
        }
    )
    hardware = tmp_path / "round.toml"
    hardware.write_text(ROUND_HARDWARE, encoding="utf-8")
    return directory, hardware


def kc_json(*args: str) -> dict[str, Any]:
    result = run_kc(*args, "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_hand_computed_times(toy: tuple[Path, Path]) -> None:
    directory, hardware = toy
    # x = 1e9: Projection 4e12 FLOPs / 1e15 = 4 ms (compute; 2e9 bytes = 1 ms), Norm 4e9 bytes / 2e12 = 2 ms
    # (memory; 1e9 FLOPs at 1e13 = 0.1 ms), Copy 1e9 bytes = 0.5 ms. Kernels run one after another: 6.5 ms.
    document = kc_json("eval", "toy.Block", "--lib", str(directory), "--hardware-file", str(hardware), "--set", "x=1000000000")
    kernels = {k["path"][-1]: k for k in document["kernels"]}
    assert kernels["Projection"]["flops"] == 4 * 10**12
    assert kernels["Projection"]["time"] == pytest.approx(4e-3, rel=1e-15)
    assert kernels["Projection"]["bound"] == "compute"
    assert kernels["Projection"]["arithmetic_intensity"] == 2000
    assert kernels["Norm"]["time"] == pytest.approx(2e-3, rel=1e-15)
    assert kernels["Norm"]["compute_time"] == pytest.approx(1e-4, rel=1e-15)
    assert kernels["Norm"]["bound"] == "memory"
    assert kernels["Copy"]["time"] == pytest.approx(5e-4, rel=1e-15)
    assert kernels["Copy"]["arithmetic_intensity"] == 0
    total = document["total"]
    assert total["time"] == pytest.approx(6.5e-3, rel=1e-15)
    assert total["compute_bound_time"] == pytest.approx(4e-3, rel=1e-15)
    assert total["time_by_compute"] == pytest.approx({"matmul": 4e-3, "vector": 2e-3, "none": 5e-4}, rel=1e-15)
    assert sum(k["share"] for k in document["kernels"]) == pytest.approx(1)
    assert document["hardware"] == {
        "id": "round",
        "name": "Round numbers",
        "precision": "bf16",
        "matmul_flops_per_s": 10**15,
        "vector_flops_per_s": 10**13,
        "vector_published": True,
        "memory_bytes_per_s": 2 * 10**12,
        "compute_efficiency": 1.0,
        "memory_efficiency": 1.0,
    }


def test_efficiencies_on_the_command_line(toy: tuple[Path, Path]) -> None:
    directory, hardware = toy
    document = kc_json(
        "eval", "toy.Block", "--lib", str(directory), "--hardware-file", str(hardware), "--set", "x=1e9",
        "--compute-efficiency", "0.5", "--memory-efficiency", "0.8",
    )  # fmt: skip
    kernels = {k["path"][-1]: k for k in document["kernels"]}
    assert kernels["Projection"]["time"] == pytest.approx(8e-3, rel=1e-15)  # 4e12 / 5e14
    assert kernels["Norm"]["time"] == pytest.approx(2.5e-3, rel=1e-15)  # 4e9 / 1.6e12


def test_precision_option_picks_the_peak(toy: tuple[Path, Path]) -> None:
    directory, hardware = toy
    document = kc_json("eval", "toy.Block", "--lib", str(directory), "--hardware-file", str(hardware), "--set", "x=1e9", "--precision", "fp32")
    kernels = {k["path"][-1]: k for k in document["kernels"]}
    assert document["hardware"]["precision"] == "fp32"
    assert kernels["Projection"]["time"] == pytest.approx(0.4, rel=1e-15)  # 4e12 / 1e13


def test_csv_of_one_configuration(toy: tuple[Path, Path]) -> None:
    directory, hardware = toy
    result = run_kc("eval", "toy.Block", "--lib", str(directory), "--hardware-file", str(hardware), "--set", "x=1e9", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["path"] for r in rows] == ["Projection", "Norm", "Copy", "total"]
    assert int(rows[0]["flops"]) == 4 * 10**12
    assert float(rows[-1]["time"]) == pytest.approx(6.5e-3, rel=1e-15)
    assert rows[1]["bound"] == "memory"


def test_table_when_piped(toy: tuple[Path, Path]) -> None:
    directory, hardware = toy
    result = run_kc("eval", "toy.Block", "--lib", str(directory), "--hardware-file", str(hardware), "--set", "x=1e9")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "\x1b[" not in text and "━" not in text  # plain text, no colours or box drawing
    lines = text.splitlines()
    assert lines[0] == "Block on Round numbers (round), prefill"
    row = next(line for line in lines if line.startswith("Projection"))
    assert row.split() == ["Projection", "matmul", "4.00", "TFLOP", "954", "MiB", "954", "MiB", "2,000", "4.00", "ms", "compute", "61.5%"]
    total = next(line for line in lines if line.startswith("total "))
    assert "6.50 ms" in total and "62% compute" in total
    assert "total 6.50 ms: 61.5% of it in compute-bound kernels" in text
    assert "kernels run one after another: the total time is the sum of the kernels' times" in text


@pytest.mark.slow
def test_llama_prefill_and_decode_on_h100() -> None:
    prefill = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=2048")
    decode = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--phase", "decode", "--set", "cache_len=2048")
    assert prefill["parameters"]["cache_len"] == 0 and prefill["parameters"]["batch_size"] == 1
    assert decode["parameters"]["seq_len"] == 1 and decode["parameters"]["cache_len"] == 2048
    assert prefill["hardware"]["id"] == "h100-sxm" and prefill["hardware"]["precision"] == "bf16"
    # A prefill of 2048 tokens is mostly compute-bound, a decode step memory-bound: each reads every weight once.
    assert prefill["total"]["compute_bound_time"] / prefill["total"]["time"] > 0.8
    assert decode["total"]["compute_bound_time"] / decode["total"]["time"] < 0.01
    weights = 8.03e9 * 2  # Llama-3-8B parameters in bf16
    assert decode["total"]["time"] == pytest.approx(weights / 3.35e12, rel=0.05)


@pytest.mark.parametrize("config", sorted(p.name for p in CONFIGS.glob("*.json")))
def test_hf_config_of_every_family(config: str) -> None:
    """kc eval with the real config.json of a public model: the config's values, and FLOPs equal to kc's IR evaluator's."""
    path = CONFIGS / config
    data = json.loads(path.read_text(encoding="utf-8"))
    family = families()[data["model_type"]]
    document = kc_json("eval", family.root, "--hf-config", str(path), "--set", "batch_size=2", "--set", "seq_len=64", "--set", "cache_len=32")
    expected = params_from_hf_config(path)
    for name, value in expected.items():
        assert document["parameters"][name] == value, name
    tree = compile_tree(Library.from_path(environment=False), family.root).tree
    assert tree is not None
    values = {**expected, "batch_size": 2, "seq_len": 64, "cache_len": 32, "a_bytes": 2, "w_bytes": 2}
    sums = sums_by_compute(tree, values)
    for tag in ("matmul", "vector", "none"):
        exact = sums.get(tag, {"flops": 0})["flops"]
        assert document["total"]["flops_by_compute"][tag] == pytest.approx(float(exact), rel=1e-12), tag
    assert document["total"]["read"] == pytest.approx(float(sum(s["read"] for s in sums.values())), rel=1e-12)


def test_set_wins_over_hf_config() -> None:
    document = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=8", "--set", "num_layers=2")
    assert document["parameters"]["num_layers"] == 2
    assert document["parameters"]["hidden_size"] == 4096


@pytest.mark.slow
def test_defaults_of_a_config_follow_set(tmp_path: Path) -> None:
    """A key the config lacks takes transformers' default over the values in effect, --set ones included."""
    assert "head_dim" not in json.loads(Path(LLAMA_CONFIG).read_text())
    document = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=8", "--set", "hidden_size=2048")
    assert document["parameters"]["head_dim"] == 2048 // 32
    config = {k: v for k, v in json.loads(Path(LLAMA_CONFIG).read_text()).items() if k not in ("num_key_value_heads", "vocab_size")}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    document = kc_json("eval", LLAMA, "--hf-config", str(path), "--set", "seq_len=8", "--set", "num_heads=16", "--set", "vocab_size=1000")
    assert (document["parameters"]["num_kv_heads"], document["parameters"]["vocab_size"]) == (16, 1000)
    assert_clean_failure(run_kc("eval", LLAMA, "--hf-config", str(path), "--set", "seq_len=8"), "LlamaForCausalLM needs a value for vocab_size")


def test_a_config_of_another_family_is_used_by_name_with_a_note() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", str(CONFIGS / "gpt2.json"), "--set", "seq_len=4", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["parameters"]["hidden_size"] == 768
    assert "kc: note: --hf-config is a gpt2 config, and LlamaForCausalLM is a llama module" in result.stderr


@pytest.mark.slow
def test_a_swept_parameter_moves_the_defaults_over_it() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=16", "--sweep", "hidden_size=2048,4096", "--format", "csv")
    assert result.returncode == 0, result.stderr
    for row in csv.DictReader(io.StringIO(result.stdout)):
        single = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=16", "--set", f"hidden_size={row['hidden_size']}")
        assert single["parameters"]["head_dim"] == int(row["hidden_size"]) // 32
        assert float(row["flops"]) == pytest.approx(single["total"]["flops"], rel=1e-12)


@pytest.mark.parametrize("values", ["2,0", "0,2"])
def test_a_sweep_through_a_configuration_without_a_value_names_it(values: str) -> None:
    """Float arithmetic would give NaN where exact arithmetic divides by zero: whatever the order, it is an error naming the place."""
    shapes = [f"--set={n}=8" for n in ("seq_len", "hidden_size", "intermediate_size", "vocab_size")]
    result = run_kc("eval", LLAMA, *shapes, "--set", "num_layers=1", "--sweep", f"num_heads={values}", "--sweep", "batch_size=1:3", "--format", "csv")
    assert_clean_failure(result, "at num_heads=0, batch_size=1", "division or modulo by zero")
    assert "RuntimeWarning" not in result.stderr


@pytest.mark.slow
def test_sweep_equals_point_by_point() -> None:
    """The vectorized sweep (float64 arrays) gives each configuration's totals as separate exact evaluations do."""
    result = run_kc(
        "eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--sweep", "seq_len=1,100,2048", "--sweep", "batch_size=1:3",
        "--sweep", "cache_len=0,4096", "--format", "csv",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 * 3 * 2
    assert [(r["seq_len"], r["batch_size"], r["cache_len"]) for r in rows[:3]] == [("1", "1", "0"), ("1", "1", "4096"), ("1", "2", "0")]
    for row in rows[::5]:
        single = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, *(f"--set={n}={row[n]}" for n in ("seq_len", "batch_size", "cache_len")))
        total = single["total"]
        assert float(row["flops"]) == pytest.approx(total["flops"], rel=1e-12)
        assert float(row["read"]) == pytest.approx(total["read"], rel=1e-12)
        assert float(row["time"]) == pytest.approx(total["time"], rel=1e-12)
        assert float(row["compute_bound_time"]) == pytest.approx(total["compute_bound_time"], rel=1e-12)
        assert float(row["time_vector"]) == pytest.approx(total["time_by_compute"]["vector"], rel=1e-12)


def test_sweep_in_process_equals_points_everywhere() -> None:
    from compiler.eval.driver import Request, point, prepare, run_sweep

    model = compiler.load_cost_model(LLAMA)
    base = Request(LLAMA, hf_config=LLAMA_CONFIG)
    swept = prepare(Request(LLAMA, hf_config=LLAMA_CONFIG, sweeps=("seq_len=1:4096:*4", "batch_size=1,3,16", "cache_len=0:8192:4096")), model)
    result = run_sweep(swept)
    assert result.count == 7 * 3 * 3
    for index in range(result.count):
        settings = tuple(f"{axis.name}={int(result.coordinates[axis.name][index])}" for axis in result.axes)
        single = point(prepare(Request(**{**base.__dict__, "settings": settings}), model))
        assert result.total.flops[index] == pytest.approx(single.total.flops, rel=1e-13)
        assert result.total.bytes[index] == pytest.approx(single.total.bytes, rel=1e-13)
        assert result.total.time[index] == pytest.approx(single.total.time, rel=1e-13)
        assert result.total.compute_bound_time[index] == pytest.approx(single.total.compute_bound_time, rel=1e-13)


def test_generation_is_a_prefill_and_growing_decode_steps() -> None:
    """--generate N, vectorized over the steps, against N + 1 separate exact evaluations."""
    from compiler.eval.cost import kernel_costs, totals
    from compiler.eval.driver import Request, point, prepare

    model = compiler.load_cost_model(LLAMA)
    prepared = prepare(Request(LLAMA, hf_config=LLAMA_CONFIG, settings=("seq_len=300", "cache_len=20", "batch_size=2"), generate=50), model)
    result = point(prepared)
    values = dict(prepared.scenario.values)
    prefill = totals(kernel_costs(model.kernels(**values), prepared.peaks))
    steps = [totals(kernel_costs(model.kernels(**{**values, "seq_len": 1, "cache_len": 20 + 300 + i}), prepared.peaks)) for i in range(50)]
    assert result.prefill is not None and result.decode is not None
    assert result.prefill.time == prefill.time
    assert result.decode.flops == pytest.approx(sum(s.flops for s in steps), rel=1e-13)
    assert result.decode.time == pytest.approx(sum(s.time for s in steps), rel=1e-13)
    assert result.total.time == pytest.approx(prefill.time + sum(s.time for s in steps), rel=1e-13)
    # Each step attends over one more cached token than the one before.
    assert steps[1].flops > steps[0].flops


@pytest.mark.slow
def test_generation_in_a_sweep_equals_generation_at_points() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--sweep", "seq_len=16,512", "--generate", "40", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["results"]
    for row in rows:
        single = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", f"seq_len={row['parameters']['seq_len']}", "--generate", "40")
        assert row["time"] == pytest.approx(single["total"]["time"], rel=1e-12)
        assert row["prefill_time"] == pytest.approx(single["prefill"]["time"], rel=1e-12)
        assert row["decode_time"] == pytest.approx(single["decode"]["time"], rel=1e-12)


def test_sweep_table_and_ranges() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--sweep", "seq_len=128:1024:*2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("seq_len"))
    assert header.split()[:3] == ["seq_len", "time", "compute-bound"]
    body = lines[lines.index(header) + 2 :]
    values = [line.split()[0] for line in body[: body.index("")]]
    assert values == ["128", "256", "512", "1024"]
    assert "4 configurations" in result.stdout


def test_hardware_listing() -> None:
    result = run_kc("hardware")
    assert result.returncode == 0, result.stderr
    assert "h100-sxm: NVIDIA H100 SXM5 80 GB" in result.stdout
    assert "matmul (dense): fp32 67 TFLOP/s, tf32 494.5 TFLOP/s, bf16 989.5 TFLOP/s" in result.stdout
    document = json.loads(run_kc("hardware", "--format", "json").stdout)
    assert document["tpu-v5e"]["figures"]["memory_bandwidth"]["value"] == 819e9
    assert all(f["source"]["url"].startswith("https://") for d in document.values() for f in d["figures"].values())


# ---------------------------------------------------------------- errors


def test_unknown_hardware() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=8", "--hardware", "a100")
    assert_clean_failure(result, "kc: error: unknown hardware 'a100' (did you mean a100-40gb, a100-80gb", "kc hardware")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("seq_len", "expected NAME=VALUE, got 'seq_len'"),
        ("seq_len=many", "seq_len: expected a number, got 'many'"),
        ("seq_len=-4", "seq_len: must not be negative"),
        ("seq_len=1e400", "seq_len: 1e400 is too large; values up to 1e18 are taken"),
        ("2x=4", "expected NAME=VALUE"),
    ],
)
def test_malformed_set(setting: str, message: str) -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", setting)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "--set" in result.stderr and message in result.stderr


def test_set_of_an_unknown_parameter() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_length=8")
    assert_clean_failure(result, "LlamaForCausalLM has no parameter 'seq_length' (did you mean seq_len?)")


def test_missing_parameters_without_a_config() -> None:
    result = run_kc("eval", LLAMA, "--set", "seq_len=8")
    assert_clean_failure(
        result,
        "LlamaForCausalLM needs a value for hidden_size, intermediate_size, num_heads, num_layers, vocab_size",
        "num_layers: --set num_layers=N, or config.json key 'num_hidden_layers'",
        "--hf-config config.json, a llama config",
    )


def test_missing_shape_with_a_config() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG)
    assert_clean_failure(result, "LlamaForCausalLM needs a value for seq_len", "seq_len: a shape, not part of a model config")


def test_missing_parameters_of_a_user_module(toy: tuple[Path, Path]) -> None:
    directory, _ = toy
    assert_clean_failure(run_kc("eval", "toy.Block", "--lib", str(directory)), "Block needs a value for x", "x: --set x=N")


def test_bad_hardware_file(tmp_path: Path) -> None:
    path = tmp_path / "gpu.toml"
    path.write_text('[gpu]\nmatmul = { bf16 = "lots" }\nmemory_bandwidth = 1e12\n', encoding="utf-8")
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=8", "--hardware-file", str(path))
    assert_clean_failure(result, f"{path}: gpu.matmul.bf16: expected a quantity in FLOP/s such as \"989.5 TFLOP/s\" or 989.5e12, got 'lots'")


def test_hardware_file_with_two_devices_needs_a_name(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"a": {"matmul": {"bf16": 1e14}, "memory_bandwidth": 1e12}, "b": {"matmul": {"bf16": 2e14}, "memory_bandwidth": 1e12}}))
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=8", "--hardware-file", str(path))
    assert_clean_failure(result, "defines 2 devices (a, b): choose one with --hardware NAME")
    chosen = kc_json("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=8", "--hardware-file", str(path), "--hardware", "b")
    assert chosen["hardware"]["matmul_flops_per_s"] == 2 * 10**14


def test_precision_the_device_lacks() -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--set", "seq_len=8", "--hardware", "a100-80gb", "--precision", "fp8")
    assert_clean_failure(result, "a100-80gb has no fp8 matmul peak")


@pytest.mark.parametrize(
    ("arguments", "message", "status"),
    [
        (("--phase", "decode"), "--phase decode needs the context length, the tokens already in the KV cache: --set cache_len=N", 1),
        (("--phase", "decode", "--set", "seq_len=4096"), "give the context length as cache_len, for example --set cache_len=4096", 2),
        (("--set", "seq_len=8", "--sweep", "seq_len=1,2"), "seq_len is both set and swept", 2),
        (("--set", "seq_len=8", "--generate", "4", "--phase", "decode", "--set", "cache_len=3"), "--generate starts with a prefill", 2),
        (("--set", "seq_len=8", "--compute-efficiency", "1.5"), "the compute efficiency must be greater than 0 and at most 1", 2),
        (("--sweep", "w_bytes=1,2", "--set", "seq_len=8"), "w_bytes is swept: give the matmul precision with --precision", 2),
    ],
)
def test_contradictory_options(arguments: tuple[str, ...], message: str, status: int) -> None:
    """Options that contradict each other are a usage error (2); a value the module still lacks is a problem of the request (1)."""
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, *arguments)
    if status == 1:
        assert_clean_failure(result, message)
    else:
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ("seq_len", "expected NAME=V1,V2,... or NAME=START:STOP[:STEP]"),
        ("seq_len=8:1", "the range '8:1' is empty"),
        ("seq_len=1:8:0", "the step must be positive"),
        ("seq_len=0:8:*2", "a geometric range needs START > 0"),
        ("seq_len=1:2:3:4", "expected START:STOP or START:STOP:STEP"),
        ("seq_len=1,x", "seq_len: expected a number, got 'x'"),
        ("seq_len=1:1e400:*2", "seq_len: 1e400 is too large"),
        ("seq_len=1,1e300", "seq_len: 1e300 is too large"),
    ],
)
def test_malformed_sweep(sweep: str, message: str) -> None:
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--sweep", sweep)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and message in result.stderr


def test_a_module_that_does_not_compile(library: Callable[..., Path]) -> None:
    directory = library({"bad.M": [leaf("K", "2 *", "1", "1")]})
    result = run_kc("eval", "bad.M", "--lib", str(directory))
    assert result.returncode == 1 and "error[KC" in result.stderr and "Traceback" not in result.stderr


def test_plot_needs_one_sweep_and_an_image_name_checked_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    cases = [
        (("--set", "seq_len=8"), "--plot draws time against one swept parameter"),
        (("--sweep", "seq_len=8,16", "--sweep", "batch_size=1,2"), "exactly one --sweep"),
        (("--sweep", "seq_len=8"), "with several values"),
    ]
    for options, message in cases:
        result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, *options, "--plot", str(tmp_path / "t.png"), "--format", "csv", "-o", str(out))
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert not out.exists()
    result = run_kc("eval", LLAMA, "--hf-config", LLAMA_CONFIG, "--sweep", "seq_len=8,16", "--plot", str(tmp_path / "t.pdf"))
    assert result.returncode == 2 and "name the file *.png or *.svg" in result.stderr


@pytest.mark.slow
def test_the_readme_shows_real_output() -> None:
    """The worked example's tables in README.md are what kc prints for its commands."""
    root = ROOT
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Time on hardware") : readme.index("## LaTeX")]
    pairs = re.findall(r"```sh\n(kc eval [^\n]*tests/hf_configs[^\n]*)\n```\n\n[^`]*?```\n(.*?)```", section, flags=re.S)
    assert len(pairs) == 4
    for command, shown in pairs:
        result = run_kc(*shlex.split(command)[1:], cwd=root)
        assert result.returncode == 0, result.stderr
        if "\n…\n" in shown:  # rows left out in the middle: the rest is what kc prints
            head, tail = shown.split("\n…\n")
            assert result.stdout.startswith(head + "\n") and result.stdout.endswith(tail), command
        else:
            assert result.stdout == shown, command


def test_names_show_as_formulas_write_them(tmp_path: Path) -> None:
    """A cost-dialect kernel's `bytes` and `config.NAME` are set, swept and shown as written, not as Python spells them."""
    (tmp_path / "Mul.json").write_text(
        json.dumps({"kernel_name": "Mul", "init_params": [], "forward_params": ["n"], "flops": "n * config.width", "memory_read": "2 * n * bytes", "memory_write": "n * bytes"}),
        encoding="utf-8",
    )
    base = ("eval", "Mul", "--lib", str(tmp_path), "--set", "n=10", "--set", "config.width=3")
    document = kc_json(*base, "--set", "bytes=4")
    assert document["parameters"] == {"n": 10, "config.width": 3, "bytes": 4}
    swept = run_kc(*base, "--sweep", "bytes=1,2", "--format", "csv")
    assert swept.returncode == 0, swept.stderr
    rows = list(csv.DictReader(io.StringIO(swept.stdout)))
    assert [(r["bytes"], r["read"]) for r in rows] == [("1", "20"), ("2", "40")]
    unknown = run_kc(*base, "--set", "byts=1")
    assert "no parameter 'byts' (did you mean bytes?); its parameters: n, config.width, bytes" in unknown.stderr

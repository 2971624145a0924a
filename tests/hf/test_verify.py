"""`kc verify`: kc's matmul FLOPs next to PyTorch's, per module class, from the command line."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from compiler.hf import families
from compiler.hf.verify import parse_settings, verify
from tests.helpers import ROOT, run_kc

LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"
SMALL_LLAMA = {
    "model_type": "llama",
    "hidden_size": 48,
    "intermediate_size": 80,
    "num_attention_heads": 6,
    "num_key_value_heads": 2,
    "num_hidden_layers": 2,
    "vocab_size": 97,
}
SMALL = {
    "llama": SMALL_LLAMA,
    "mistral": {**SMALL_LLAMA, "model_type": "mistral", "sliding_window": 8},
    "qwen2": {**SMALL_LLAMA, "model_type": "qwen2"},
    "qwen3": {**SMALL_LLAMA, "model_type": "qwen3", "head_dim": 8},
    "gemma": {**SMALL_LLAMA, "model_type": "gemma", "head_dim": 16},
    "mixtral": {**SMALL_LLAMA, "model_type": "mixtral", "num_local_experts": 4, "num_experts_per_tok": 2},
    "gpt2": {"model_type": "gpt2", "n_embd": 48, "n_head": 4, "n_layer": 2, "vocab_size": 97},
    "phi3": {**SMALL_LLAMA, "model_type": "phi3", "pad_token_id": 0, "sliding_window": 6},
    "qwen3_moe": {
        **SMALL_LLAMA,
        "model_type": "qwen3_moe",
        "num_hidden_layers": 3,
        "head_dim": 8,
        "moe_intermediate_size": 24,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "mlp_only_layers": [0],
    },
    "gemma3_text": {
        **SMALL_LLAMA,
        "model_type": "gemma3_text",
        "num_hidden_layers": 3,
        "head_dim": 16,
        "sliding_window": 4,
        "sliding_window_pattern": 3,
    },
    "gpt_oss": {
        **SMALL_LLAMA,
        "model_type": "gpt_oss",
        "head_dim": 8,
        "sliding_window": 4,
        "num_local_experts": 4,
        "num_experts_per_tok": 2,
        "pad_token_id": 0,
    },
    "deepseek_v3": {
        **SMALL_LLAMA,
        "model_type": "deepseek_v3",
        "num_hidden_layers": 3,
        "num_key_value_heads": 6,
        "moe_intermediate_size": 24,
        "q_lora_rank": 16,
        "kv_lora_rank": 12,
        "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 4,
        "v_head_dim": 6,
        "first_k_dense_replace": 1,
        "n_routed_experts": 8,
        "num_experts_per_tok": 2,
        "n_group": 2,
        "topk_group": 1,
    },
}


def write_config(directory: Path, config: dict[str, object]) -> Path:
    path = directory / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.mark.parametrize("family", sorted(SMALL))
def test_every_family_and_module_class_matches(family: str) -> None:
    """The causal LM in a decode step, the base model in a prefill."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    shapes = [{"batch_size": 3, "seq_len": 1, "cache_len": 6}, {"batch_size": 2, "seq_len": 5}]
    for module, shape in zip(families()[family].modules.values(), shapes, strict=True):
        result = verify(module, SMALL[family], shape)
        assert result.ok, result.render()
        compared = [row for row in result.rows if row.kc is not None and row.torch is not None]
        assert any(row.module.endswith("Attention") and row.kc for row in compared)
        assert any(
            row.module.endswith("torch.nn.modules.linear.Linear") or row.module.endswith("Conv1D") for row in compared
        )
        assert result.total_kc == result.total_torch > 0


def test_the_command_line(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    config = write_config(tmp_path, SMALL_LLAMA)
    result = run_kc(
        "verify",
        LLAMA,
        "--hf-config",
        str(config),
        "--set",
        "batch_size=2",
        "--set",
        "seq_len=1",
        "--set",
        "cache_len=7",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"kc verify {LLAMA} (llama config, meta device, attention: eager)"
    assert "batch_size=2 seq_len=1 cache_len=7 hidden_size=48" in lines[1]
    rows = {line.split()[0]: line.split() for line in lines[3:] if line.strip()}
    assert rows["LlamaAttention"][-1] == "ok" and rows["Linear"][-1] == "ok"
    assert rows["total"][1] == rows["total"][2]
    assert lines[-1] == "ok: kc's matmul FLOPs equal PyTorch's"


def test_a_wrong_analysis_is_caught(tmp_path: Path) -> None:
    """An overriding Linear that forgets the factor 2 makes every Linear row, and the total, differ."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    config = write_config(tmp_path, SMALL_LLAMA)
    linear = json.loads((ROOT / "compiler" / "library" / "torch.nn.modules.linear.Linear.json").read_text())
    linear["kernels"][0]["flops"] = "batch_size * seq_len * in_features * out_features"
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "torch.nn.modules.linear.Linear.json").write_text(json.dumps(linear))
    result = run_kc(
        "verify", LLAMA, "--hf-config", str(config), "--lib", str(tmp_path / "lib"), "--set", "seq_len=3", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "DIFFERENT" in result.stdout
    linear_row = next(line for line in result.stdout.splitlines() if line.startswith("Linear "))
    assert "<< differs by" in linear_row and "-50.000%" in linear_row
    assert "Traceback" not in result.stderr


def test_without_torch_a_clear_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, SMALL_LLAMA)
    code = "import sys; sys.modules['torch'] = None; sys.argv = ['kc', *sys.argv[1:]]; from compiler.cli.app import main; main()"
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", code, "verify", LLAMA, "--hf-config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        "kc verify needs PyTorch and transformers" in result.stderr
        and "pip install torch transformers" in result.stderr
    )
    assert "Traceback" not in result.stderr


needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None,
    reason="needs PyTorch and transformers (.ci/run installs them)",
)


@pytest.mark.parametrize(
    ("module", "config", "settings", "message"),
    [
        (
            "transformers.models.llama.modeling_llama.LlamaMLP",
            SMALL_LLAMA,
            [],
            "MODULE must be one of: transformers.models.llama.modeling_llama.LlamaForCausalLM",
        ),
        (LLAMA, {"model_type": "bert"}, [], "no built-in family"),
        (LLAMA, {**SMALL_LLAMA, "hidden_act": "relu"}, [], "hidden_act='relu'"),
        (LLAMA, SMALL_LLAMA, ["--set", "wibble=3"], "cannot set 'wibble'"),
        (LLAMA, SMALL_LLAMA, ["--set", "seq_len=0"], "at least 1"),
        (LLAMA, {**SMALL_LLAMA, "num_hidden_layers": -1}, [], "num_hidden_layers is -1, expected a non-negative integer"),
        # Problems only PyTorch and transformers find: without them kc says it needs them.
        pytest.param(
            LLAMA, SMALL_LLAMA, ["--set", "hidden_size=47"], "transformers refuses this llama config: StrictDataclassClassValidationError", marks=needs_torch
        ),
        pytest.param(
            LLAMA, SMALL_LLAMA, ["--set", "num_kv_heads=5"], "the forward pass of LlamaForCausalLM fails on the meta device: RuntimeError", marks=needs_torch
        ),
    ],
)
def test_problems(tmp_path: Path, module: str, config: dict[str, object], settings: list[str], message: str) -> None:
    path = write_config(tmp_path, config)
    result = run_kc("verify", module, "--hf-config", str(path), *settings, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.slow
def test_a_cache_longer_than_the_sliding_window() -> None:
    """cache_len counts every token before the pass; a sliding-window layer applies its window itself."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    mistral = "transformers.models.mistral.modeling_mistral.MistralForCausalLM"
    for cached in (5, 7, 8, 20):
        for length in (1, 3):
            result = verify(mistral, SMALL["mistral"], {"seq_len": length, "cache_len": cached})
            assert result.ok, result.render()


def test_usage_errors(tmp_path: Path) -> None:
    path = write_config(tmp_path, SMALL_LLAMA)
    result = run_kc("verify", LLAMA, "--hf-config", str(path), "--set", "seq_len=abc", cwd=tmp_path)
    assert result.returncode == 2 and "seq_len: expected an integer" in result.stderr
    result = run_kc("verify", LLAMA, cwd=tmp_path)
    assert result.returncode == 2 and "--hf-config" in result.stderr


def test_parse_settings() -> None:
    assert parse_settings(["batch_size=4", " seq_len = 1 "]) == {"batch_size": 4, "seq_len": 1}
    for bad in ["batch_size", "=3", "a b=1", "x=1.5"]:
        with pytest.raises(ValueError):
            parse_settings([bad])


def test_setting_a_model_parameter_changes_both_sides() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    result = verify(
        "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel",
        SMALL["gpt2"],
        {"num_layers": 3, "hidden_size": 64, "seq_len": 4},
    )
    assert result.ok, result.render()
    assert (
        result.values["num_layers"] == 3
        and result.values["head_dim"] == 16
        and result.values["intermediate_size"] == 256
    )

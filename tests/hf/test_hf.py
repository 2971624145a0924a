"""Hugging Face config mapping: real config.json files of public models, defaults, errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import compiler
from compiler.hf import families, family_of, params_from_hf_config
from compiler.input.library import Library
from compiler.pipeline import compile_tree
from tests.helpers import CONFIGS, run_kc

CONFIGS = CONFIGS

EXPECTED = {
    "Meta-Llama-3-8B.json": {
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_heads": 32,
        "num_kv_heads": 8,
        "head_dim": 128,
        "num_layers": 32,
        "vocab_size": 128256,
        "attention_bias": 0,
        "tie_word_embeddings": 0,
    },
    "Mistral-7B-v0.1.json": {
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_heads": 32,
        "num_kv_heads": 8,
        "head_dim": 128,
        "num_layers": 32,
        "vocab_size": 32000,
        "sliding_window": 4096,
        "tie_word_embeddings": 0,
    },
    "Qwen2.5-0.5B-Instruct.json": {
        "hidden_size": 896,
        "intermediate_size": 4864,
        "num_heads": 14,
        "num_kv_heads": 2,
        "head_dim": 64,
        "num_layers": 24,
        "vocab_size": 151936,
        "tie_word_embeddings": 1,
    },
    "Qwen3-8B.json": {
        "hidden_size": 4096,
        "intermediate_size": 12288,
        "num_heads": 32,
        "num_kv_heads": 8,
        "head_dim": 128,
        "num_layers": 36,
        "vocab_size": 151936,
        "attention_bias": 0,
        "tie_word_embeddings": 0,
    },
    "gemma-7b.json": {
        "hidden_size": 3072,
        "intermediate_size": 24576,
        "num_heads": 16,
        "num_kv_heads": 16,
        "head_dim": 256,
        "num_layers": 28,
        "vocab_size": 256000,
        "attention_bias": 0,
        "tie_word_embeddings": 1,
    },
    "gpt2.json": {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_heads": 12,
        "head_dim": 64,
        "num_layers": 12,
        "vocab_size": 50257,
        "max_position_embeddings": 1024,
        "tie_word_embeddings": 1,
    },
    "Mixtral-8x7B-v0.1.json": {
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_heads": 32,
        "num_kv_heads": 8,
        "head_dim": 128,
        "num_layers": 32,
        "vocab_size": 32000,
        "num_experts": 8,
        "top_k": 2,
        "sliding_window": 0,
        "tie_word_embeddings": 0,
    },
    "Phi-3-mini-4k-instruct.json": {
        "hidden_size": 3072,
        "intermediate_size": 8192,
        "num_heads": 32,
        "num_kv_heads": 32,
        "head_dim": 96,
        "num_layers": 32,
        "vocab_size": 32064,
        "sliding_window": 2047,
        "tie_word_embeddings": 0,
    },
    "Qwen3-30B-A3B.json": {
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "moe_intermediate_size": 768,
        "num_heads": 32,
        "num_kv_heads": 4,
        "head_dim": 128,
        "num_layers": 48,
        "vocab_size": 151936,
        "num_experts": 128,
        "num_sparse_layers": 48,
        "top_k": 8,
        "norm_topk_prob": 1,
        "attention_bias": 0,
        "tie_word_embeddings": 0,
    },
    "gemma-3-1b-it.json": {
        "hidden_size": 1152,
        "intermediate_size": 6912,
        "num_heads": 4,
        "num_kv_heads": 1,
        "head_dim": 256,
        "num_layers": 26,
        "num_sliding_layers": 22,
        "sliding_window": 512,
        "vocab_size": 262144,
        "attention_bias": 0,
        "tie_word_embeddings": 1,
    },
    "gpt-oss-20b.json": {
        "hidden_size": 2880,
        "intermediate_size": 2880,
        "num_heads": 64,
        "num_kv_heads": 8,
        "head_dim": 64,
        "num_layers": 24,
        "num_sliding_layers": 12,
        "sliding_window": 128,
        "vocab_size": 201088,
        "num_experts": 32,
        "top_k": 4,
        "attention_bias": 1,
        "tie_word_embeddings": 0,
    },
    "DeepSeek-V3.json": {
        "hidden_size": 7168,
        "intermediate_size": 18432,
        "moe_intermediate_size": 2048,
        "num_heads": 128,
        "q_lora_rank": 1536,
        "q_lora": 1,
        "kv_lora_rank": 512,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
        "num_layers": 61,
        "num_sparse_layers": 58,
        "vocab_size": 129280,
        "num_experts": 256,
        "top_k": 8,
        "n_shared_experts": 1,
        "n_group": 8,
        "norm_topk_prob": 1,
        "attention_bias": 0,
        "absorbed_mla": 0,
        "tie_word_embeddings": 0,
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_configs(name: str) -> None:
    assert params_from_hf_config(CONFIGS / name) == EXPECTED[name]
    assert compiler.params_from_hf_config(json.loads((CONFIGS / name).read_text())) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parameters_fit_the_family_root(name: str) -> None:
    """The mapped parameters and the shapes are exactly what the family's root module needs."""
    family = family_of(json.loads((CONFIGS / name).read_text()))
    tree = compile_tree(Library.from_path(environment=False), family.root).tree
    assert tree is not None
    names = {p.name for p in tree.parameters} - {"a_bytes", "w_bytes", "kv_bytes"}
    assert names == set(EXPECTED[name]) | {"batch_size", "seq_len", "cache_len"}


def test_every_family_has_a_config_here() -> None:
    assert {family_of(json.loads((CONFIGS / n).read_text())).model_type for n in EXPECTED} == set(families())


def test_a_directory_holding_config_json(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text((CONFIGS / "gpt2.json").read_text())
    assert params_from_hf_config(tmp_path) == EXPECTED["gpt2.json"]


def test_family_from_architectures_when_model_type_is_absent() -> None:
    config = {
        "architectures": ["MistralForCausalLM"],
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "vocab_size": 10,
    }
    assert family_of(config).model_type == "mistral"
    assert params_from_hf_config(config)["num_kv_heads"] == 8  # MistralConfig's own default


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"model_type": "llama"}, {"num_kv_heads": 4, "head_dim": 16}),
        ({"model_type": "llama", "num_key_value_heads": None, "head_dim": None}, {"num_kv_heads": 4, "head_dim": 16}),
        ({"model_type": "qwen2"}, {"num_kv_heads": 32, "head_dim": 16}),
        ({"model_type": "qwen2", "num_key_value_heads": None}, {"num_kv_heads": 4, "head_dim": 16}),
        ({"model_type": "qwen3"}, {"num_kv_heads": 32, "head_dim": 128}),
        ({"model_type": "gemma"}, {"num_kv_heads": 16, "head_dim": 256}),
        ({"model_type": "mixtral"}, {"num_kv_heads": 8, "head_dim": 16}),
    ],
)
def test_defaults(config: dict[str, Any], expected: dict[str, int]) -> None:
    base = {
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "vocab_size": 10,
        "num_local_experts": 4,
        "num_experts_per_tok": 2,
    }
    values = params_from_hf_config({**base, **config})
    assert {k: values[k] for k in expected} == expected


def test_gpt2_defaults_and_aliases() -> None:
    values = params_from_hf_config(
        {"model_type": "gpt2", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 3, "vocab_size": 11}
    )
    assert values == {
        "hidden_size": 64,
        "intermediate_size": 256,
        "num_heads": 4,
        "head_dim": 16,
        "num_layers": 3,
        "vocab_size": 11,
        "max_position_embeddings": 1024,
        "tie_word_embeddings": 1,
    }


@pytest.mark.parametrize("model_type", ["llama", "mistral", "qwen2", "qwen3", "gemma", "mixtral", "gpt2", "phi3", "qwen3_moe", "gemma3_text", "gpt_oss"])
def test_defaults_are_those_of_transformers(model_type: str) -> None:
    """With only the required keys given, kc's defaults agree with transformers' config classes."""
    transformers = pytest.importorskip("transformers")
    if model_type == "gpt2":
        given = {"n_embd": 96, "n_head": 6, "n_layer": 2, "vocab_size": 10}
    else:
        given = {
            "hidden_size": 96,
            "intermediate_size": 80,
            "num_attention_heads": 6,
            "num_hidden_layers": 2,
            "vocab_size": 10,
        }
        if model_type == "mixtral":
            given |= {"num_local_experts": 4, "num_experts_per_tok": 2}
    values = params_from_hf_config({"model_type": model_type, **given})
    hf = transformers.AutoConfig.for_model(model_type, **given)
    inner = hf.n_inner if model_type == "gpt2" else hf.intermediate_size
    assert values["intermediate_size"] == (inner if inner is not None else 4 * hf.hidden_size)
    assert values["head_dim"] == (getattr(hf, "head_dim", None) or hf.hidden_size // hf.num_attention_heads)
    if "num_kv_heads" in values:
        assert values["num_kv_heads"] == hf.num_key_value_heads
    for flag in ("attention_bias", "mlp_bias", "tie_word_embeddings"):
        if flag in values:
            assert values[flag] == int(getattr(hf, flag))


_GEMMA3 = {
    "model_type": "gemma3_text",
    "hidden_size": 64,
    "intermediate_size": 96,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "vocab_size": 10,
}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "bert"}, "no built-in family for a config with model_type 'bert'"),
        ({"model_type": "bert"}, "pass it with --lib, and give every parameter with --set instead of --hf-config"),
        ({"architectures": ["T5ForConditionalGeneration"]}, "architectures ['T5ForConditionalGeneration']"),
        (
            {"model_type": "llama", "hidden_size": 64},
            "llama config has no 'intermediate_size' (needed for intermediate_size)",
        ),
        (
            {"model_type": "gpt2", "n_embd": 64, "n_head": 4, "vocab_size": 5},
            "gpt2 config has no 'n_layer' or 'num_hidden_layers'",
        ),
        ({"model_type": "llama", "hidden_size": 64.5}, "hidden_size is 64.5, expected a non-negative integer"),
        ({"model_type": "llama", "hidden_act": "gelu"}, "hidden_act='gelu', expected 'silu'"),
        ({"model_type": "qwen2", "use_sliding_window": True}, "use_sliding_window=True"),
        ({"model_type": "llama", "mlp_bias": True}, "mlp_bias=True, expected False"),
        ({"model_type": "gpt2", "add_cross_attention": True}, "self-attention only"),
        (
            {
                "model_type": "qwen3_moe",
                "hidden_size": 64,
                "num_attention_heads": 4,
                "num_hidden_layers": 4,
                "vocab_size": 10,
                "mlp_only_layers": "0",
            },
            "mlp_only_layers is not a list of layer indices",
        ),
        (
            {**_GEMMA3, "layer_types": ["sliding_attention", "chunked_attention"]},
            "layer_types holds 'chunked_attention'; the built-in analyses model 'sliding_attention', 'full_attention'",
        ),
        ({**_GEMMA3, "layer_types": ["sliding_attention"]}, "layer_types is not a list of 2 layer types"),
        ({**_GEMMA3, "final_logit_softcapping": 30.0}, "do not model logit soft-capping"),
    ],
)
def test_errors(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        params_from_hf_config(config)


@pytest.mark.parametrize(
    ("config", "sparse"),
    [
        ({}, 6),
        ({"decoder_sparse_step": 2}, 3),
        ({"decoder_sparse_step": 2, "mlp_only_layers": [1, 2]}, 2),
        ({"mlp_only_layers": [0, 5]}, 4),
        ({"num_experts": 0}, 0),
    ],
)
def test_mixture_of_experts_layers_are_counted(config: dict[str, Any], sparse: int) -> None:
    """Qwen3-MoE: a layer is sparse if (layer + 1) % decoder_sparse_step == 0 and it is not in mlp_only_layers."""
    base = {"model_type": "qwen3_moe", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 6, "vocab_size": 10}
    values = params_from_hf_config({**base, **config})
    assert values["num_sparse_layers"] == sparse
    assert "decoder_sparse_step" not in values
    transformers = pytest.importorskip("transformers")
    hf = transformers.AutoConfig.for_model("qwen3_moe", **{k: v for k, v in {**base, **config}.items() if k != "model_type"})
    expected = sum(
        1
        for i in range(hf.num_hidden_layers)
        if i not in hf.mlp_only_layers and hf.num_experts > 0 and (i + 1) % hf.decoder_sparse_step == 0
    )
    assert sparse == expected


@pytest.mark.parametrize(
    ("config", "sliding"),
    [
        ({}, 5),
        ({"sliding_window_pattern": 2}, 3),
        ({"layer_types": ["full_attention"] * 6}, 0),
        ({"layer_types": ["sliding_attention", "full_attention"] * 3, "sliding_window_pattern": 6}, 3),
    ],
)
def test_sliding_layers_are_counted(config: dict[str, Any], sliding: int) -> None:
    """Gemma 3: layer_types where the config has it, else every sliding_window_pattern-th layer is global."""
    base = {
        "model_type": "gemma3_text",
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_attention_heads": 4,
        "num_hidden_layers": 6,
        "vocab_size": 10,
    }
    assert params_from_hf_config({**base, **config})["num_sliding_layers"] == sliding
    transformers = pytest.importorskip("transformers")
    hf = transformers.AutoConfig.for_model("gemma3_text", **{k: v for k, v in {**base, **config}.items() if k != "model_type"})
    assert sliding == hf.layer_types.count("sliding_attention")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        params_from_hf_config(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        params_from_hf_config(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ValueError, match="does not hold a JSON object"):
        params_from_hf_config(tmp_path / "list.json")


def test_every_family_file_names_modules_of_the_library() -> None:
    library = Library.from_path(environment=False)
    for family in families().values():
        assert family.root in family.modules.values()
        for module in family.modules.values():
            assert library.find(module) is not None, module


@pytest.mark.slow
def test_a_family_kc_does_not_know(tmp_path: Path) -> None:
    """The message says how to go on, and that way works: analyses with --lib, every parameter with --set."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": "bert", "hidden_size": 64}), encoding="utf-8")
    mlp = "transformers.models.llama.modeling_llama.LlamaMLP"
    result = run_kc("eval", mlp, "--hf-config", str(config), cwd=tmp_path)
    assert result.returncode == 1 and "pass it with --lib" in result.stderr and "Traceback" not in result.stderr
    library = tmp_path / "analyses"
    library.mkdir()
    module = "my.models.TinyBlock"
    block = {
        "class_name": module,
        "parameters": [{"name": "seq_len", "description": "Tokens"}, {"name": "width", "description": "Features"}],
        "kernels": [
            {
                "kernel_type": "composite",
                "operation": "Projection",
                "analysis": "one Linear",
                "flops": "${torch.nn.modules.linear.Linear}(1, seq_len, in_features=width, out_features=width)",
                "memory_access": {
                    "read": "${torch.nn.modules.linear.Linear}(1, seq_len, in_features=width, out_features=width)",
                    "write": "${torch.nn.modules.linear.Linear}(1, seq_len, in_features=width, out_features=width)",
                },
            }
        ],
    }
    (library / f"{module}.json").write_text(json.dumps(block), encoding="utf-8")
    result = run_kc(
        "eval", module, "--lib", str(library), "--set", "seq_len=8", "--set", "width=64", "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"]["flops_by_compute"]["matmul"] == 2 * 8 * 64 * 64

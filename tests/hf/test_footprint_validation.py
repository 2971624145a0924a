"""The footprint of every built-in family against PyTorch itself (SEMANTICS §9).

With the real config of a public model and with small configs, on the meta
device (no weights, no memory): `weight_bytes` at one byte a weight equals
`sum(p.numel() for p in model.parameters())` (PyTorch lists a tied weight
once), and `cache_bytes` at one byte a cache element, after a forward pass
over `cache_len` tokens and then `seq_len` more, equals the elements of the
keys and values the model's own cache holds, sliding-window layers included.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import compiler  # noqa: E402
from compiler.hf import family_of, params_from_hf_config  # noqa: E402
from tests.helpers import CONFIGS  # noqa: E402

REAL = {
    "llama": "Meta-Llama-3-8B.json",
    "mistral": "Mistral-7B-v0.1.json",
    "qwen2": "Qwen2.5-0.5B-Instruct.json",
    "qwen3": "Qwen3-8B.json",
    "gemma": "gemma-7b.json",
    "gpt2": "gpt2.json",
    "mixtral": "Mixtral-8x7B-v0.1.json",
    "phi3": "Phi-3-mini-4k-instruct.json",
    "qwen3_moe": "Qwen3-30B-A3B.json",
    "gemma3_text": "gemma-3-1b-it.json",
    "gpt_oss": "gpt-oss-20b.json",
    "deepseek_v3": "DeepSeek-V3.json",
}
_SMALL = {"hidden_size": 48, "intermediate_size": 80, "num_attention_heads": 6, "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 97}
_DEEPSEEK = {"num_key_value_heads": 6, "moe_intermediate_size": 24, "kv_lora_rank": 12, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 6}
SMALL: dict[str, list[dict[str, Any]]] = {
    "llama": [
        {"model_type": "llama", **_SMALL},
        {"model_type": "llama", **_SMALL, "num_key_value_heads": 6, "attention_bias": True, "head_dim": 12, "tie_word_embeddings": True},
    ],
    "mistral": [{"model_type": "mistral", **_SMALL, "sliding_window": 12}, {"model_type": "mistral", **_SMALL, "sliding_window": None}],
    "qwen2": [{"model_type": "qwen2", **_SMALL, "num_key_value_heads": 3, "tie_word_embeddings": True}],
    "qwen3": [{"model_type": "qwen3", **_SMALL, "head_dim": 10}, {"model_type": "qwen3", **_SMALL, "head_dim": 8, "attention_bias": True}],
    "gemma": [{"model_type": "gemma", **_SMALL, "head_dim": 20}],
    "gpt2": [
        {"model_type": "gpt2", "n_embd": 48, "n_head": 4, "n_layer": 2, "vocab_size": 97, "n_positions": 64},
        {"model_type": "gpt2", "n_embd": 32, "n_head": 2, "n_inner": 40, "n_layer": 3, "vocab_size": 61, "n_positions": 32, "tie_word_embeddings": False},
    ],
    "mixtral": [{"model_type": "mixtral", **_SMALL, "num_local_experts": 4, "num_experts_per_tok": 2}],
    "phi3": [
        {"model_type": "phi3", **_SMALL, "pad_token_id": 0},
        {"model_type": "phi3", **_SMALL, "pad_token_id": 0, "num_key_value_heads": 3, "sliding_window": 5, "tie_word_embeddings": True},
    ],
    "qwen3_moe": [
        {"model_type": "qwen3_moe", **_SMALL, "num_hidden_layers": 4, "head_dim": 8, "moe_intermediate_size": 24, "num_experts": 4, "num_experts_per_tok": 2, "decoder_sparse_step": 2, "mlp_only_layers": [3]},
        {"model_type": "qwen3_moe", **_SMALL, "head_dim": 10, "moe_intermediate_size": 16, "num_experts": 5, "num_experts_per_tok": 3, "attention_bias": True, "tie_word_embeddings": True},
    ],
    "gemma3_text": [
        {"model_type": "gemma3_text", **_SMALL, "num_hidden_layers": 3, "head_dim": 16, "sliding_window": 5, "layer_types": ["sliding_attention", "full_attention", "sliding_attention"]},
        {"model_type": "gemma3_text", **_SMALL, "num_hidden_layers": 5, "num_key_value_heads": 1, "head_dim": 8, "sliding_window": 3, "sliding_window_pattern": 2, "attention_bias": True, "tie_word_embeddings": False},
        {"model_type": "gemma3_text", **_SMALL, "head_dim": 12, "sliding_window": 5, "layer_types": ["full_attention"] * 2},
    ],
    "gpt_oss": [
        {"model_type": "gpt_oss", **_SMALL, "num_hidden_layers": 3, "head_dim": 8, "sliding_window": 5, "num_local_experts": 4, "num_experts_per_tok": 2, "pad_token_id": 0},
        {
            "model_type": "gpt_oss", **_SMALL, "head_dim": 12, "sliding_window": 3, "num_local_experts": 5, "num_experts_per_tok": 3,
            "attention_bias": False, "layer_types": ["full_attention", "sliding_attention"], "pad_token_id": 0, "tie_word_embeddings": True,
        },
    ],
    "deepseek_v3": [
        {"model_type": "deepseek_v3", **_SMALL, **_DEEPSEEK, "num_hidden_layers": 3, "q_lora_rank": 16, "first_k_dense_replace": 1, "n_routed_experts": 8, "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1},
        {
            "model_type": "deepseek_v3", **_SMALL, **_DEEPSEEK, "q_lora_rank": None, "kv_lora_rank": 10, "qk_rope_head_dim": 8, "v_head_dim": 12, "first_k_dense_replace": 0,
            "n_routed_experts": 4, "num_experts_per_tok": 3, "n_shared_experts": 2, "n_group": 1, "topk_group": 1, "attention_bias": True, "tie_word_embeddings": True,
        },
    ],
}
MOE = {"mixtral", "qwen3_moe", "gpt_oss", "deepseek_v3"}
"""Families whose experts run with "batched_mm", which the meta device runs."""


def real_config(family: str) -> dict[str, Any]:
    return json.loads((CONFIGS / REAL[family]).read_text())  # type: ignore[no-any-return]


def kc_values(config: dict[str, Any], batch: int, length: int, cached: int) -> dict[str, int]:
    return {**params_from_hf_config(config), "batch_size": batch, "seq_len": length, "cache_len": cached, "a_bytes": 1, "w_bytes": 1}


def build(config: dict[str, Any]) -> Any:
    """The model of `config` on the meta device (eager attention; batched_mm experts, which run on meta)."""
    family = family_of(config)
    settings = {k: v for k, v in config.items() if k not in ("model_type", "architectures")}
    hf_config = transformers.AutoConfig.for_model(family.model_type, **settings)
    hf_config._attn_implementation = "eager"
    if family.model_type in MOE:
        hf_config._experts_implementation = "batched_mm"
    with torch.device("meta"):
        model = getattr(transformers, next(iter(family.modules)))(hf_config)
    return model.eval()

CACHES = [(2, 7, 0), (1, 1, 2), (1, 1, 5), (2, 4, 6), (1, 3, 17)]
"""(batch_size, seq_len, cache_len): a prefill longer than the small windows (3, 5), decode steps inside
and beyond them, a chunked prefill past them, and one past the small Mistral's window of 12."""


@functools.cache
def cost_model(root: str) -> Any:
    return compiler.load_cost_model(root)


def kc(config: dict[str, Any], function: str, batch: int = 1, length: int = 1, cached: int = 0, **settings: int) -> Any:
    model = cost_model(family_of(config).root)
    values = {**kc_values(config, batch, length, cached), **settings}
    return getattr(model, function)(**{k: v for k, v in values.items() if k in model.PARAMETERS}, kv_bytes=1)


def torch_cache_elements(model: Any, batch: int, length: int, cached: int) -> int:
    """Elements of the keys and values the model's cache holds after `cached` tokens and then `length` more."""
    with torch.no_grad():
        cache = None
        for tokens in (cached, length) if cached else (length,):
            arguments = {"cache": cache} if cache is not None else {}
            out = model(torch.zeros(batch, tokens, dtype=torch.long, device="meta"), use_cache=True, **arguments)
            cache = out.cache if hasattr(out, "cache") else out.past_key_values
    return sum(layer.keys.numel() + layer.values.numel() for layer in cache.layers)


def torch_weight_elements(model: Any) -> int:
    """The model's parameters (a tied one once) and the buffers its checkpoint holds, in w_bytes units.

    What transformers keeps in fp32 whatever the dtype (`_keep_in_fp32_modules_strict`: DeepSeek-V3's
    router weight and its `e_score_correction_bias` buffer) counts 4 bytes an element, as kc counts
    it; a buffer computed at construction (rotary `inv_freq`, not in the checkpoint) is not counted.
    """
    fp32 = getattr(model, "_keep_in_fp32_modules_strict", None) or ()
    parameters = dict(model.named_parameters())
    persistent = [name for name in model.state_dict() if name not in dict(model.named_parameters(remove_duplicate=False))]
    tensors = [*parameters.items(), *((name, model.get_buffer(name)) for name in persistent)]
    return sum(t.numel() * (4 if any(f".{k}" in f".{name}" for k in fp32) else 1) for name, t in tensors)


def beyond_the_window(config: dict[str, Any]) -> list[tuple[int, int, int]]:
    """For a real config with a sliding window: a decode step and a chunked prefill past the window."""
    window = config.get("sliding_window") if config.get("use_sliding_window", True) else None
    return [(1, 1, window + 3), (1, 5, 2 * window)] if window else []


def check(config: dict[str, Any], caches: list[tuple[int, int, int]]) -> None:
    model = build(config)
    assert kc(config, "weight_bytes") == torch_weight_elements(model)
    for batch, length, cached in caches:
        assert kc(config, "cache_bytes", batch, length, cached) == torch_cache_elements(model, batch, length, cached), (batch, length, cached)


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(REAL))
def test_real_config_weights_and_cache(family: str) -> None:
    config = real_config(family)
    check(config, [(1, 1, 5), (2, 3, 4), (1, 6, 0), *beyond_the_window(config)])


@pytest.mark.slow
@pytest.mark.parametrize(("family", "index"), [(f, i) for f, configs in sorted(SMALL.items()) for i in range(len(configs))])
def test_small_config_weights_and_cache(family: str, index: int) -> None:
    check(SMALL[family][index], CACHES)


@pytest.mark.parametrize("config", [real_config("deepseek_v3"), *SMALL["deepseek_v3"]], ids=["DeepSeek-V3", "small0", "small1"])
def test_absorbed_attention_holds_the_latent_cache_and_the_same_weights(config: dict[str, Any]) -> None:
    """Both forms cache kv_lora_rank + qk_rope_head_dim per token and layer, one latent shared by every
    head (transformers 5 caches the latent and expands it each pass, as the cache check above measures),
    and own the same weights: the absorbed form splits kv_b_proj into its key and value halves."""
    latent = config["kv_lora_rank"] + config["qk_rope_head_dim"]
    assert kc(config, "weight_bytes", absorbed_mla=1) == kc(config, "weight_bytes")
    for batch, length, cached in [(1, 1, 0), (2, 1, 9), (3, 4, 6)]:
        tokens = config["num_hidden_layers"] * batch * (cached + length)
        assert kc(config, "cache_bytes", batch, length, cached, absorbed_mla=1) == tokens * latent
        assert kc(config, "cache_bytes", batch, length, cached) == tokens * latent


def test_llama3_8b_weights_and_one_gib_of_cache() -> None:
    config = real_config("llama")
    assert 2 * kc(config, "weight_bytes") == 16_060_522_496
    assert 2 * kc(config, "cache_bytes", 1, 1, 8191) == 2**30

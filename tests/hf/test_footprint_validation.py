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
}
_SMALL = {"hidden_size": 48, "intermediate_size": 80, "num_attention_heads": 6, "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 97}
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
}


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
    if family.model_type == "mixtral":
        hf_config._experts_implementation = "batched_mm"
    with torch.device("meta"):
        model = getattr(transformers, next(iter(family.modules)))(hf_config)
    return model.eval()

CACHES = [(1, 1, 5), (2, 4, 6), (1, 3, 17)]
"""(batch_size, seq_len, cache_len): the last one passes the small Mistral's window of 12."""


@functools.cache
def cost_model(root: str) -> Any:
    return compiler.load_cost_model(root)


def kc(config: dict[str, Any], function: str, batch: int = 1, length: int = 1, cached: int = 0) -> Any:
    model = cost_model(family_of(config).root)
    values = kc_values(config, batch, length, cached)
    return getattr(model, function)(**{k: v for k, v in values.items() if k in model.PARAMETERS}, kv_bytes=1)


def torch_cache_elements(model: Any, batch: int, length: int, cached: int) -> int:
    """Elements of the keys and values the model's cache holds after `cached` tokens and then `length` more."""
    with torch.no_grad():
        out = model(torch.zeros(batch, cached, dtype=torch.long, device="meta"), use_cache=True)
        cache = out.cache if hasattr(out, "cache") else out.past_key_values
        out = model(torch.zeros(batch, length, dtype=torch.long, device="meta"), cache=cache, use_cache=True)
        cache = out.cache if hasattr(out, "cache") else out.past_key_values
    return sum(layer.keys.numel() + layer.values.numel() for layer in cache.layers)


def check(config: dict[str, Any], caches: list[tuple[int, int, int]]) -> None:
    model = build(config)
    assert kc(config, "weight_bytes") == sum(p.numel() for p in model.parameters())
    for batch, length, cached in caches:
        assert kc(config, "cache_bytes", batch, length, cached) == torch_cache_elements(model, batch, length, cached), (batch, length, cached)


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(REAL))
def test_real_config_weights_and_cache(family: str) -> None:
    check(real_config(family), [(1, 1, 5), (2, 3, 4)])


@pytest.mark.slow
@pytest.mark.parametrize(("family", "index"), [(f, i) for f, configs in sorted(SMALL.items()) for i in range(len(configs))])
def test_small_config_weights_and_cache(family: str, index: int) -> None:
    check(SMALL[family][index], CACHES)


def test_llama3_8b_weights_and_one_gib_of_cache() -> None:
    config = real_config("llama")
    assert 2 * kc(config, "weight_bytes") == 16_060_522_496
    assert 2 * kc(config, "cache_bytes", 1, 1, 8191) == 2**30

"""The built-in model families against PyTorch itself.

For every family, with the real config.json of a public model (on the meta
device, no weights) and with small configs: kc's matmul-tagged FLOPs equal
`FlopCounterMode`'s total exactly, for prefill, chunked prefill and decode;
and in one decode step at batch 1, the weight bytes kc says are read equal
the parameters the forward pass touches, counted from the model itself.
The mixture-of-experts family also runs as a tiny real model on the CPU with
the eager experts loop. Attention runs eagerly: see `compiler.hf.verify` for why.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import pytest

from tests.helpers import REAL_CONFIGS, real_config
from tests.helpers.evaluator import sums_by_compute

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from compiler.hf import family_of, params_from_hf_config  # noqa: E402
from compiler.input.library import Library  # noqa: E402
from compiler.language.evaluate import evaluate, with_defaults  # noqa: E402
from compiler.pipeline import compile_tree  # noqa: E402

pytestmark = pytest.mark.slow  # models built with PyTorch

_LLAMA_LIKE = {
    "hidden_size": 48,
    "intermediate_size": 80,
    "num_attention_heads": 6,
    "num_key_value_heads": 2,
    "num_hidden_layers": 2,
    "vocab_size": 97,
}
SMALL: dict[str, list[dict[str, Any]]] = {
    "llama": [
        {"model_type": "llama", **_LLAMA_LIKE},
        {
            "model_type": "llama",
            **_LLAMA_LIKE,
            "num_key_value_heads": 6,
            "attention_bias": True,
            "head_dim": 12,
            "tie_word_embeddings": True,
        },
    ],
    "mistral": [
        {"model_type": "mistral", **_LLAMA_LIKE, "sliding_window": 12},
        {"model_type": "mistral", **_LLAMA_LIKE, "sliding_window": 5},
        {"model_type": "mistral", **_LLAMA_LIKE, "sliding_window": None},
    ],
    "qwen2": [{"model_type": "qwen2", **_LLAMA_LIKE, "num_key_value_heads": 3, "tie_word_embeddings": True}],
    "qwen3": [
        {"model_type": "qwen3", **_LLAMA_LIKE, "head_dim": 10},
        {"model_type": "qwen3", **_LLAMA_LIKE, "head_dim": 8, "attention_bias": True},
    ],
    "gemma": [{"model_type": "gemma", **_LLAMA_LIKE, "head_dim": 20}],
    "gpt2": [
        {"model_type": "gpt2", "n_embd": 48, "n_head": 4, "n_layer": 2, "vocab_size": 97, "n_positions": 64},
        {
            "model_type": "gpt2",
            "n_embd": 32,
            "n_head": 2,
            "n_inner": 40,
            "n_layer": 3,
            "vocab_size": 61,
            "n_positions": 32,
        },
    ],
    "mixtral": [{"model_type": "mixtral", **_LLAMA_LIKE, "num_local_experts": 4, "num_experts_per_tok": 2}],
    "phi3": [
        {"model_type": "phi3", **_LLAMA_LIKE, "pad_token_id": 0},
        {"model_type": "phi3", **_LLAMA_LIKE, "pad_token_id": 0, "num_key_value_heads": 3, "sliding_window": 5},
    ],
    "qwen3_moe": [
        {
            "model_type": "qwen3_moe",
            **_LLAMA_LIKE,
            "num_hidden_layers": 4,
            "head_dim": 8,
            "moe_intermediate_size": 24,
            "num_experts": 4,
            "num_experts_per_tok": 2,
            "decoder_sparse_step": 2,
            "mlp_only_layers": [3],
        },
        {
            "model_type": "qwen3_moe",
            **_LLAMA_LIKE,
            "head_dim": 10,
            "moe_intermediate_size": 16,
            "num_experts": 5,
            "num_experts_per_tok": 3,
            "norm_topk_prob": True,
            "attention_bias": True,
        },
    ],
    "gemma3_text": [
        {
            "model_type": "gemma3_text",
            **_LLAMA_LIKE,
            "num_hidden_layers": 3,
            "head_dim": 16,
            "sliding_window": 5,
            "layer_types": ["sliding_attention", "full_attention", "sliding_attention"],
        },
        {
            "model_type": "gemma3_text",
            **_LLAMA_LIKE,
            "num_hidden_layers": 5,
            "num_key_value_heads": 1,
            "head_dim": 8,
            "sliding_window": 3,
            "sliding_window_pattern": 2,
            "attention_bias": True,
        },
        {"model_type": "gemma3_text", **_LLAMA_LIKE, "head_dim": 12, "sliding_window": 5, "layer_types": ["full_attention"] * 2},
    ],
    "gpt_oss": [
        {
            "model_type": "gpt_oss",
            **_LLAMA_LIKE,
            "num_hidden_layers": 3,
            "head_dim": 8,
            "sliding_window": 5,
            "num_local_experts": 4,
            "num_experts_per_tok": 2,
            "pad_token_id": 0,
        },
        {
            "model_type": "gpt_oss",
            **_LLAMA_LIKE,
            "head_dim": 12,
            "sliding_window": 3,
            "num_local_experts": 5,
            "num_experts_per_tok": 3,
            "attention_bias": False,
            "layer_types": ["full_attention", "sliding_attention"],
            "pad_token_id": 0,
        },
    ],
    "deepseek_v3": [
        {
            "model_type": "deepseek_v3",
            **_LLAMA_LIKE,
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
        {
            "model_type": "deepseek_v3",
            **_LLAMA_LIKE,
            "num_key_value_heads": 6,
            "moe_intermediate_size": 16,
            "q_lora_rank": None,
            "kv_lora_rank": 10,
            "qk_nope_head_dim": 6,
            "qk_rope_head_dim": 8,
            "v_head_dim": 12,
            "first_k_dense_replace": 0,
            "n_routed_experts": 4,
            "num_experts_per_tok": 3,
            "n_shared_experts": 2,
            "n_group": 1,
            "topk_group": 1,
            "norm_topk_prob": False,
            "attention_bias": True,
        },
    ],
}
PREFILL = [(1, 7), (3, 16)]
"""(batch_size, seq_len) of prefills without a cache."""
DECODE = [(2, 1, 9), (1, 1, 5), (2, 4, 6), (1, 3, 2)]
"""(batch_size, seq_len, cache_len): decode steps, and chunked prefills after a cache.

With a sliding window of 5 (the cache keeps 4 tokens) these caches lie
inside the window (2), at its edge (5) and beyond it (6, 9), and the
prefill of 16 tokens is longer than the window.
"""
MOE = {"mixtral", "qwen3_moe", "gpt_oss", "deepseek_v3"}
"""Families whose experts run with "batched_mm" on the meta device (see compiler.verify)."""



@functools.cache
def tree(root: str) -> Any:
    compilation = compile_tree(Library.from_path(environment=False), root)
    assert not compilation.diagnostics.warnings
    return compilation.tree


def kc_values(
    config: dict[str, Any], batch: int, length: int, cached: int, *, a_bytes: int = 2, w_bytes: int = 2
) -> dict[str, int]:
    return {
        **params_from_hf_config(config),
        "batch_size": batch,
        "seq_len": length,
        "cache_len": cached,
        "a_bytes": a_bytes,
        "w_bytes": w_bytes,
    }


def kc_matmul_flops(config: dict[str, Any], batch: int, length: int, cached: int) -> Fraction:
    sums = sums_by_compute(tree(family_of(config).root), kc_values(config, batch, length, cached))
    return Fraction(sums["matmul"]["flops"])


def build(config: dict[str, Any], device: str, experts: str | None = None) -> Any:
    family = family_of(config)
    architecture = next(iter(family.modules))
    settings = {k: v for k, v in config.items() if k not in ("model_type", "architectures")}
    hf_config = transformers.AutoConfig.for_model(family.model_type, **settings)
    hf_config._attn_implementation = "eager"
    if experts:
        hf_config._experts_implementation = experts
    torch.manual_seed(0)
    with torch.device(device):
        model = getattr(transformers, architecture)(hf_config)
    return model.eval()


def torch_flops(model: Any, batch: int, length: int, cached: int, device: str) -> int:
    """FlopCounterMode's total for one forward pass of batch x length tokens after `cached` tokens."""
    vocab = model.config.vocab_size
    generator = torch.Generator().manual_seed(batch * 1000 + length * 10 + cached)

    def tokens(n: int) -> Any:
        return torch.randint(0, vocab, (batch, n), generator=generator).to(device)

    with torch.no_grad():
        arguments: dict[str, Any] = {}
        if cached:
            out = model(tokens(cached), use_cache=True)
            arguments = {"cache": out.cache, "use_cache": True}
        counter = FlopCounterMode(display=False)
        with counter:
            model(tokens(length), **arguments)
    return int(counter.get_total_flops())


def beyond_the_window(config: dict[str, Any]) -> tuple[tuple[int, int, int], ...]:
    """For a real config with a sliding window: a decode step and a chunked prefill past the window."""
    window = config.get("sliding_window")
    return ((1, 1, window + 3), (1, 5, 2 * window)) if window else ()


def check_flops(config: dict[str, Any], model: Any, device: str, extra: tuple[tuple[int, int, int], ...] = ()) -> None:
    for batch, length in PREFILL:
        assert kc_matmul_flops(config, batch, length, 0) == torch_flops(model, batch, length, 0, device), (
            batch,
            length,
        )
    for batch, length, cached in [*DECODE, *extra]:
        assert kc_matmul_flops(config, batch, length, cached) == torch_flops(model, batch, length, cached, device), (
            batch,
            length,
            cached,
        )


@pytest.mark.parametrize("family", sorted(REAL_CONFIGS))
def test_real_config_flops_and_weights(family: str) -> None:
    """A public model's own config, at full size on the meta device."""
    config = real_config(family)
    experts = "batched_mm" if family in MOE else None
    model = build(config, "meta", experts)
    check_flops(config, model, "meta", beyond_the_window(config))
    check_weights(config, model)


@pytest.mark.parametrize(
    ("family", "index"), [(f, i) for f, configs in sorted(SMALL.items()) for i in range(len(configs))]
)
def test_small_config_flops_and_weights(family: str, index: int) -> None:
    config = SMALL[family][index]
    experts = "batched_mm" if family in MOE else None
    model = build(config, "meta", experts)
    check_flops(config, model, "meta")
    check_weights(config, model)


@pytest.mark.parametrize("family", sorted(MOE))
def test_mixture_of_experts_on_a_real_cpu_model(family: str) -> None:
    """The eager experts loop with real routing: every token still goes to top_k experts."""
    config = SMALL[family][0]
    model = build(config, "cpu", "eager")
    assert model.config._experts_implementation == "eager"
    check_flops(config, model, "cpu")


def touched_parameters(model: Any, config: dict[str, Any]) -> int:
    """Parameters one decode step of one token reads, from the model's own parameter count.

    Every parameter once (tied ones once), except: an embedding table is read
    one row per token (the position table too), a tied LM head reads the
    embedding matrix a second time, and a mixture-of-experts layer reads only
    the top_k experts the token is routed to. Parameters transformers keeps
    in fp32 whatever the dtype (DeepSeek-V3's router) are read at 4 bytes,
    not w_bytes: kc counts them as constants, so they are left out here.
    """
    total = sum(p.numel() for p in model.parameters())
    fp32 = getattr(model, "_keep_in_fp32_modules_strict", None) or []
    total -= sum(p.numel() for name, p in model.named_parameters() if any(f".{k}" in f".{name}" for k in fp32))
    embedding = model.get_input_embeddings().weight
    total += -embedding.numel() + embedding.shape[1]
    if model.get_output_embeddings().weight is embedding:
        total += embedding.numel()
    position = getattr(getattr(model, "transformer", None), "wpe", None)
    if position is not None:
        total += -position.weight.numel() + position.weight.shape[1]
    for module in model.modules():
        if type(module).__name__.endswith("Experts"):
            experts = sum(p.numel() for p in module.parameters())
            total -= experts * (module.num_experts - model.config.num_experts_per_tok) // module.num_experts
    return total


def check_weights(config: dict[str, Any], model: Any) -> None:
    """In a decode step at batch 1, kc's weight bytes read (w_bytes = 1) equal the parameters touched."""
    root = tree(family_of(config).root)
    read = root.totals.read
    with_weights = evaluate(read, with_defaults(root.parameters, kc_values(config, 1, 1, 7, a_bytes=0, w_bytes=1)))
    without = evaluate(read, with_defaults(root.parameters, kc_values(config, 1, 1, 7, a_bytes=0, w_bytes=0)))
    assert with_weights - without == touched_parameters(model, config)

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
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import compiler  # noqa: E402
from compiler.hf import family_of  # noqa: E402
from tests.test_validation import REAL, SMALL, build, kc_values, real_config  # noqa: E402

CACHES = [(1, 1, 5), (2, 4, 6), (1, 3, 17)]
"""(batch_size, seq_len, cache_len): the last one passes the small Mistral's window of 12."""


@functools.cache
def cost_model(root: str) -> Any:
    return compiler.load_cost_model(root)


def kc(config: dict[str, Any], function: str, batch: int = 1, length: int = 1, cached: int = 0) -> Any:
    model = cost_model(family_of(config).root)
    values = kc_values(config, batch, length, cached, a_bytes=1, w_bytes=1)
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
    model = build(config, "meta", "batched_mm" if family_of(config).model_type == "mixtral" else None)
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

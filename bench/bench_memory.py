"""Memory: `kc eval --solve` time, and the footprint of a sweep.

- Solve: `compiler.eval.memory.solve` for batch_size and for cache_len on
  Llama-3-8B (its public config) in decode on h100-sxm, the cost functions
  compiled beforehand; each answer is checked (N fits, N + 1 does not).
- Sweep: weight_bytes, cache_bytes and activation_bytes of Mixtral-8x7B (the
  model with the most experts) at 10^6 configurations (random batch_size,
  seq_len, cache_len), one vectorized call each, with the fits test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy
from common import Result, best_of

import compiler
from compiler.eval import memory
from compiler.eval.hardware import lookup
from compiler.hf import params_from_hf_config

CONFIGS = Path(__file__).resolve().parent.parent / "tests" / "hf_configs"
COUNT = 10**6


def run() -> list[Result]:
    llama = compiler.load_cost_model("transformers.models.llama.modeling_llama.LlamaForCausalLM")
    values = {**params_from_hf_config(CONFIGS / "Meta-Llama-3-8B.json"), "a_bytes": 2, "w_bytes": 2, "seq_len": 1}
    values = {k: v for k, v in values.items() if k in llama.PARAMETERS}
    capacity = memory.capacity_of(lookup("h100-sxm").memory_capacity, 1.0)
    assert capacity is not None
    results = []
    for name, fixed in (("batch_size", {"cache_len": 8191}), ("cache_len", {"batch_size": 16})):
        at = {**values, **fixed}
        found = memory.solve(llama, at, name, capacity)
        assert llama.footprint_bytes(**{**at, name: found}) <= capacity < llama.footprint_bytes(**{**at, name: found + 1})
        seconds = best_of(lambda at=at, name=name: memory.solve(llama, at, name, capacity), 20)  # type: ignore[misc]
        results.append(
            Result(
                f"`kc eval --solve {name}` on Llama-3-8B, decode, h100-sxm (after compilation)",
                seconds,
                "s",
                goal="≤ 50 ms",
                met=seconds <= 0.05,
                note=f"answer {name}={found:,}; exact, with ints and Fractions",
            )
        )

    mixtral = compiler.load_cost_model("transformers.models.mixtral.modeling_mixtral.MixtralForCausalLM")
    config = json.loads((CONFIGS / "Mixtral-8x7B-v0.1.json").read_text(encoding="utf-8"))
    fixed = {k: float(v) for k, v in {**params_from_hf_config(config), "a_bytes": 2, "w_bytes": 2}.items() if k in mixtral.PARAMETERS}
    generator = numpy.random.default_rng(20261201)
    shapes = {
        "batch_size": generator.integers(1, 65, COUNT).astype(numpy.float64),
        "seq_len": generator.integers(1, 8193, COUNT).astype(numpy.float64),
        "cache_len": generator.integers(0, 32769, COUNT).astype(numpy.float64),
    }

    def footprint() -> None:
        found = memory.of(mixtral, {**fixed, **shapes}, capacity, 1.0)
        assert found is not None
        found.fits.sum()

    footprint()
    rate = COUNT / best_of(footprint, 3)
    results.append(
        Result(
            "`kc eval --sweep` memory section of MixtralForCausalLM (weights, cache, activations, fits) at 10^6 configurations",
            rate,
            "configurations/s",
            goal="≥ 1,000,000/s",
            met=rate >= 1e6,
            note="random batch_size, seq_len, cache_len; one vectorized call per footprint function",
        )
    )
    return results

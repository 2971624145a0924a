"""`kc eval` speed: sweep throughput of the largest built-in model, and kc against PyTorch's FlopCounterMode.

The model is the family root with the largest expanded tree, with the
proportions of its family's real public config (`tests/hf_configs`).

- Totals: `flops`, `memory_read` and `memory_write` of the generated cost
  functions at 10^6 configurations (random batch_size, seq_len, cache_len),
  one call each with numpy arrays.
- Roofline sweep: the engine of `kc eval --sweep` (every kernel's roofline
  time, summed per configuration) over a 1000 x 1000 Cartesian product.
- Against PyTorch: the model built on the meta device from the same config,
  with fewer layers (4: a small model of real proportions, quick to build),
  its forward pass run under FlopCounterMode once per configuration; kc's
  `kernels()` (matmul-tagged FLOPs per kernel, exact ints) per configuration,
  one call each, and the same configurations in one vectorized sweep. All in
  the same process; the FLOP counts are checked to be equal.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy
from bench_library import largest_model
from common import Result, best_of

import compiler
from compiler.eval import sweep
from compiler.eval.cost import Peaks
from compiler.eval.hardware import lookup
from compiler.hf import families, params_from_hf_config
from compiler.hf.verify import meta_model

CONFIGS = Path(__file__).resolve().parent.parent / "tests" / "hf_configs"
TOTALS = 10**6
PREFILLS = [(1, 128), (4, 512), (2, 64), (1, 1024), (8, 32)]
"""(batch_size, seq_len) of the prefills timed in both."""
TORCH_LAYERS = 4


def _config(root: str) -> dict[str, object]:
    for path in sorted(CONFIGS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if families()[data["model_type"]].root == root:
            return dict(data)
    raise LookupError(f"no config in {CONFIGS} for {root}")


def run() -> list[Result]:
    root = largest_model()
    short = root.rsplit(".", 1)[-1]
    config = _config(root)
    parameters = params_from_hf_config(config)
    model = compiler.load_cost_model(root)
    fixed = {**parameters, "a_bytes": 2, "w_bytes": 2}

    generator = numpy.random.default_rng(20261125)
    shapes = {
        "batch_size": generator.integers(1, 65, TOTALS).astype(numpy.float64),
        "seq_len": generator.integers(1, 8193, TOTALS).astype(numpy.float64),
        "cache_len": generator.integers(0, 32769, TOTALS).astype(numpy.float64),
    }
    arguments = {**fixed, **shapes}

    def totals() -> None:
        model.flops(**arguments)
        model.memory_read(**arguments)
        model.memory_write(**arguments)

    totals()
    totals_rate = TOTALS / best_of(totals, 3)

    peaks = Peaks.of(lookup("h100-sxm"), "bf16")
    axes = [sweep.Axis("seq_len", tuple(range(1, 1001))), sweep.Axis("batch_size", tuple(range(1, 1001)))]
    roofline_fixed = {**fixed, "cache_len": 0}
    sweep.run(model, {**roofline_fixed, "batch_size": 1}, axes[:1], peaks)  # warm
    roofline_seconds = best_of(lambda: sweep.run(model, roofline_fixed, axes, peaks), 3)
    roofline_rate = sweep.size(axes) / roofline_seconds

    results = [
        Result(
            f"`kc eval` sweep totals of {short} (flops, read, write) at 10^6 configurations",
            totals_rate,
            "configurations/s",
            goal="≥ 1,000,000/s",
            met=totals_rate >= 1e6,
            note=f"largest built-in model; random batch_size, seq_len, cache_len; {len(model.PARAMETERS)} parameters",
        ),
        Result(
            f"`kc eval --sweep` roofline time of {short} (every kernel, summed) at 10^6 configurations",
            roofline_rate,
            "configurations/s",
            note="seq_len 1..1000 x batch_size 1..1000 on h100-sxm, chunks of 32768",
        ),
    ]
    results.extend(_against_torch(short, root, config, model, fixed))
    return results


def _against_torch(short: str, root: str, config: dict[str, object], model: object, fixed: dict[str, int]) -> list[Result]:
    try:
        import torch
        import transformers  # noqa: F401 - meta_model builds the model with it
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return [Result(f"FlopCounterMode against kc for {short}", 0, "", note="skipped: torch and transformers are not installed")]
    family = families()[str(config["model_type"])]
    small = {**config, "num_hidden_layers": TORCH_LAYERS}
    values = {**fixed, **params_from_hf_config(small)}
    architecture = next(a for a, m in family.modules.items() if m == root)
    started = time.perf_counter()
    torch_model, _ = meta_model(family, architecture, small)  # attention and experts as FlopCounterMode counts them
    build = time.perf_counter() - started

    def count(batch: int, length: int) -> int:
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            torch_model(torch.zeros(batch, length, dtype=torch.long, device="meta"))
        return int(counter.get_total_flops())

    prefills = PREFILLS
    count(*prefills[0])  # warm
    torch_times = []
    for batch, length in prefills:
        started = time.perf_counter()
        counted = count(batch, length)
        torch_times.append(time.perf_counter() - started)
        records = model.kernels(**values, batch_size=batch, seq_len=length, cache_len=0)  # type: ignore[attr-defined]
        ours = sum(r["flops"] for r in records if r.get("compute") == "matmul")
        assert ours == counted, (batch, length, ours, counted)
    torch_seconds = statistics.median(torch_times)

    kc_scalar = best_of(lambda: [model.kernels(**values, batch_size=b, seq_len=s, cache_len=0) for b, s in prefills * 20], 5) / (len(prefills) * 20)  # type: ignore[attr-defined]
    peaks = Peaks.of(lookup("h100-sxm"), "bf16")
    grid = [sweep.Axis("seq_len", tuple(range(1, 1001))), sweep.Axis("batch_size", tuple(range(1, 101)))]
    kc_sweep = best_of(lambda: sweep.run(model, {**values, "cache_len": 0}, grid, peaks), 3) / sweep.size(grid)  # type: ignore[arg-type]
    return [
        Result(
            f"FlopCounterMode on the meta device, one forward pass of {short} ({TORCH_LAYERS} layers, real widths)",
            torch_seconds,
            "s",
            note=f"median over {len(prefills)} prefill shapes; building the model once took {build * 1000:.0f} ms more; matmul FLOPs equal kc's",
        ),
        Result(
            f"`kernels()` of {short}, one configuration, Python ints (exact)",
            kc_scalar * 1e6,
            "µs",
            baseline=f"FlopCounterMode {torch_seconds * 1000:,.1f} ms per configuration",
            ratio=torch_seconds / kc_scalar,
            note="per-kernel FLOPs and bytes, one call per configuration",
        ),
        Result(
            f"`kc eval --sweep` of {short}, per configuration (roofline time of every kernel)",
            kc_sweep * 1e6,
            "µs",
            baseline=f"FlopCounterMode {torch_seconds * 1000:,.1f} ms per configuration",
            ratio=torch_seconds / kc_sweep,
            note="10^5 configurations, vectorized",
        ),
    ]

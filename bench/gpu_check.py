"""Measured kernel times of Llama-3-8B on a CUDA GPU, beside `kc eval`'s roofline times for the same shapes.

    python bench/gpu_check.py > gpu.json                 # on a CUDA GPU with torch and transformers: measure
    python bench/gpu_check.py --compare gpu.json         # where kc is installed: beside kc's predictions

Not one of the `bench_*` modules that `bench/run.py` runs: it needs a GPU.
Every time is the median of CUDA-event timings after warm-up runs. The
kernels are run on their own in bf16 with the shapes of one layer (kc's
times are divided by num_layers); the whole model is built from the public
config with random weights and run eagerly with transformers' default
"sdpa" attention and dynamic cache.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "hf_configs" / "Meta-Llama-3-8B.json"
CONTEXT = 4096
LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"


def timed(function: object, repeat: int = 10, warmup: int = 3) -> float:
    """Median seconds of `function()` on the GPU."""
    for _ in range(warmup):
        function()  # type: ignore[operator]
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        function()  # type: ignore[operator]
        stop.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(stop) / 1000)
    return statistics.median(times)


def measure() -> dict[str, float]:
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    hidden, inner = config["hidden_size"], config["intermediate_size"]
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = hidden // heads
    device, dtype = torch.device("cuda"), torch.bfloat16
    results: dict[str, float] = {}

    a = torch.randn(8192, 8192, device=device, dtype=dtype)
    results["peak: bf16 matmul 8192^3, FLOP/s"] = 2 * 8192**3 / timed(lambda: a @ a)
    big = torch.empty(2**31, device=device, dtype=torch.uint8)
    copy = torch.empty_like(big)
    results["peak: device copy of 2 GiB, bytes/s (read + write)"] = 2 * big.numel() / timed(lambda: copy.copy_(big))

    weight = torch.randn(inner, hidden, device=device, dtype=dtype)
    prompt = torch.randn(CONTEXT, hidden, device=device, dtype=dtype)
    token = torch.randn(1, hidden, device=device, dtype=dtype)
    results["prefill: gate projection, one layer"] = timed(lambda: torch.nn.functional.linear(prompt, weight))
    results["decode: gate projection, one layer"] = timed(lambda: torch.nn.functional.linear(token, weight), repeat=50)
    activation = torch.randn(CONTEXT, inner, device=device, dtype=dtype)
    results["prefill: SiLU activation, one layer"] = timed(lambda: torch.nn.functional.silu(activation))

    query = torch.randn(1, heads, CONTEXT, head_dim, device=device, dtype=dtype)
    key = torch.randn(1, kv_heads, CONTEXT, head_dim, device=device, dtype=dtype)
    value = torch.randn_like(key)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    results["prefill: attention (sdpa, no mask), one layer"] = timed(lambda: sdpa(query, key, value, enable_gqa=True))
    results["prefill: attention (sdpa, causal), one layer"] = timed(lambda: sdpa(query, key, value, is_causal=True, enable_gqa=True))
    one = query[:, :, :1]
    results["decode: attention (sdpa), one layer"] = timed(lambda: sdpa(one, key, value, enable_gqa=True), repeat=50)

    import transformers

    settings = {k: v for k, v in config.items() if k not in ("model_type", "architectures")}
    hf_config = transformers.LlamaConfig.from_dict(settings)
    torch.set_default_dtype(dtype)
    with torch.device(device):
        model = transformers.LlamaForCausalLM(hf_config).eval()
    ids = torch.randint(0, hf_config.vocab_size, (1, CONTEXT), device=device)
    with torch.no_grad():
        results["model: prefill of 4096 tokens"] = timed(lambda: model(ids), repeat=5, warmup=2)
        cache = model(ids, use_cache=True).past_key_values
        step = torch.randint(0, hf_config.vocab_size, (1, 1), device=device)

        def decode() -> None:
            cache.crop(CONTEXT)  # every step sees the same 4096 cached tokens
            model(step, past_key_values=cache, use_cache=True)

        results["model: decode step after 4096 tokens"] = timed(decode, repeat=20, warmup=5)
    return results


def predictions() -> dict[str, float]:
    """kc's roofline times for the same kernels (per layer) and the whole model, on the h100-sxm preset."""
    sys.path.insert(0, str(ROOT))
    import compiler
    from compiler.eval.driver import Request, point, prepare

    model = compiler.load_cost_model(LLAMA)
    found: dict[str, float] = {}
    for phase, settings in (("prefill", ("seq_len=4096",)), ("decode", ("cache_len=4096",))):
        result = point(prepare(Request(LLAMA, hf_config=str(CONFIG), settings=settings, phase=phase), model))
        layers = result.prepared.parameters["num_layers"]
        for kernel in result.kernels:
            path = " / ".join(kernel.path)
            if "Gate projection" in path and "Matrix" in path:
                found[f"{phase}: gate projection, one layer"] = float(kernel.time) / layers
            if "SiLU activation" in path and phase == "prefill":
                found["prefill: SiLU activation, one layer"] = float(kernel.time) / layers
            if "scaled_dot_product_attention" in path:
                key = f"{phase}: attention (sdpa{', no mask' if phase == 'prefill' else ''}), one layer"
                found[key] = found.get(key, 0.0) + float(kernel.time) / layers
        found["model: prefill of 4096 tokens" if phase == "prefill" else "model: decode step after 4096 tokens"] = float(result.total.time)
    return found


def main() -> None:
    """On the GPU machine: measure and print JSON. Anywhere kc runs: `--compare FILE` prints the table."""
    if sys.argv[1:2] == ["--compare"]:
        document = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        measured, predicted = document["measured"], predictions()
        print(f"{document['device']}, torch {document['torch']}\n")
        print("| kernel | measured | kc eval (h100-sxm) | measured / kc |")
        print("|---|---|---|---|")
        for name, value in measured.items():
            if name.startswith("peak"):
                print(f"| {name} | {value / 1e12:,.2f} T | | |")
                continue
            guess = predicted.get(name)
            kc = f"{guess * 1e6:,.1f} µs" if guess else ""
            ratio = f"{value / guess:.2f}" if guess else ""
            print(f"| {name} | {value * 1e6:,.1f} µs | {kc} | {ratio} |")
        return
    document = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "measured": measure()}
    print(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()

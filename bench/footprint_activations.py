"""kc's activations against the peak of live tensor bytes in eager PyTorch, per built-in family (docs/footprint.md).

    python bench/footprint_activations.py     # needs torch and transformers

Each model is built from its public config (tests/hf_configs) with 2 layers
on the meta device, in bf16, with sdpa attention, and runs one prefill under a
dispatch mode that counts the bytes of every storage created during the pass
while a tensor refers to it (views of parameters and of inputs are not new
storage). The KV cache the pass leaves behind is subtracted: kc counts it as
cache. Mixtral is left out: its batched_mm experts, the implementation that
runs on the meta device, gather every token's expert weights.
"""

import json
import sys
import weakref
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import transformers  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402
from torch.utils._pytree import tree_flatten  # noqa: E402

import compiler  # noqa: E402
from compiler.hf import family_of, params_from_hf_config  # noqa: E402


class Tracker(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.refs = {}   # storage key -> [count, nbytes]
        self.live = 0
        self.peak = 0
    def _release(self, key):
        entry = self.refs[key]
        entry[0] -= 1
        if entry[0] == 0:
            self.live -= entry[1]
            del self.refs[key]
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = {t.untyped_storage()._cdata for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)}
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                storage = t.untyped_storage()
                key = storage._cdata
                if key in inputs and key not in self.refs:
                    continue  # a view of a parameter or of a tensor from before the pass
                if key not in self.refs:
                    self.refs[key] = [0, storage.nbytes()]
                    self.live += storage.nbytes()
                    self.peak = max(self.peak, self.live)
                self.refs[key][0] += 1
                weakref.finalize(t, self._release, key)
        return out

def measure(config, batch, length):
    family = family_of(config)
    settings = {k: v for k, v in config.items() if k not in ("model_type", "architectures")}
    hf = transformers.AutoConfig.for_model(family.model_type, **settings)
    hf._attn_implementation = "sdpa"
    if family.model_type == "mixtral":
        hf._experts_implementation = "batched_mm"
    with torch.device("meta"):
        model = getattr(transformers, next(iter(family.modules)))(hf).to(torch.bfloat16).eval()
    ids = torch.zeros(batch, length, dtype=torch.long, device="meta")
    tracker = Tracker()
    with torch.no_grad(), tracker:
        out = model(ids, use_cache=True)
    cache = out.cache if hasattr(out, "cache") else out.past_key_values
    held = sum(layer.keys.untyped_storage().nbytes() + layer.values.untyped_storage().nbytes() for layer in cache.layers)
    del out
    cost = compiler.load_cost_model(family.root)
    values = {**params_from_hf_config(config), "batch_size": batch, "seq_len": length, "cache_len": 0, "a_bytes": 2, "w_bytes": 2}
    kc = cost.activation_bytes(**{k: v for k, v in values.items() if k in cost.PARAMETERS})
    return tracker.peak - held, kc

CONFIGS = ROOT / "tests" / "hf_configs"
REAL = {"llama": "Meta-Llama-3-8B.json", "mistral": "Mistral-7B-v0.1.json", "qwen2": "Qwen2.5-0.5B-Instruct.json", "qwen3": "Qwen3-8B.json", "gemma": "gemma-7b.json", "gpt2": "gpt2.json", "mixtral": "Mixtral-8x7B-v0.1.json"}
for family, name in REAL.items():
    if family == "mixtral":
        continue
    config = json.loads((CONFIGS / name).read_text())
    config["num_hidden_layers" if family != "gpt2" else "n_layer"] = 2
    for batch, length in ((1, 512), (4, 2048)):
        peak, kc = measure(config, batch, length)
        print(f"{family:8s} b={batch} s={length:5d} measured {peak/2**20:9.1f} MiB  kc {kc/2**20:9.1f} MiB  ratio kc/measured {kc/peak:.2f}", flush=True)

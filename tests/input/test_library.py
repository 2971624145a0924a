"""The built-in library's own rules: tags, byte factors, names, signatures, and exact sums.

Every built-in module compiles without a warning; every leaf kernel has a
`compute` tag; every term of a byte formula has a byte factor; FLOPs never
hold a precision name; the sum of a compiled tree's leaves equals its totals.
"""

from __future__ import annotations

import functools
import json
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from compiler.input.library import BUILTIN, Library
from compiler.input.rename import ALIASES
from compiler.language import ir
from compiler.language import parse as frontend
from compiler.language.evaluate import evaluate, with_defaults
from compiler.pipeline import compile_tree
from compiler.tree import Composite, Leaf, leaves
from tests.helpers.evaluator import sums_by_compute
from tests.helpers.golden import compiled

FILES = sorted(BUILTIN.glob("*.json"))
NAMES = [p.stem for p in FILES]
COMPUTE = {"matmul", "vector", "none"}
BYTE_CONSTANTS = {Fraction(4), Fraction(8)}
FAMILY_ROOTS = [
    "transformers.models.llama.modeling_llama.LlamaForCausalLM",
    "transformers.models.mistral.modeling_mistral.MistralForCausalLM",
    "transformers.models.qwen2.modeling_qwen2.Qwen2ForCausalLM",
    "transformers.models.qwen3.modeling_qwen3.Qwen3ForCausalLM",
    "transformers.models.gemma.modeling_gemma.GemmaForCausalLM",
    "transformers.models.mixtral.modeling_mixtral.MixtralForCausalLM",
    "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel",
    "transformers.models.phi3.modeling_phi3.Phi3ForCausalLM",
    "transformers.models.qwen3_moe.modeling_qwen3_moe.Qwen3MoeForCausalLM",
    "transformers.models.gemma3.modeling_gemma3.Gemma3ForCausalLM",
    "transformers.models.gpt_oss.modeling_gpt_oss.GptOssForCausalLM",
    "transformers.models.deepseek_v3.modeling_deepseek_v3.DeepseekV3ForCausalLM",
]


def kernels(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    stack = list(data["kernels"])
    while stack:
        kernel = stack.pop()
        found.append(kernel)
        stack.extend(kernel.get("sub_kernels", []))
    return found


def terms(expr: ir.Expr) -> list[ir.Expr]:
    """The additive terms of `expr`, looking inside conditionals' branches."""
    match expr:
        case ir.Binary(op="+" | "-", left=left, right=right):
            return terms(left) + terms(right)
        case ir.Unary(op="-", operand=operand):
            return terms(operand)
        case ir.Conditional(body=body, orelse=orelse):
            return terms(body) + terms(orelse)
    return [expr]


def factors(expr: ir.Expr) -> list[ir.Expr]:
    match expr:
        case ir.Binary(op="*" | "/", left=left, right=right):
            return factors(left) + factors(right)
    return [expr]


def has_byte_factor(term: ir.Expr) -> bool:
    if isinstance(term, ir.Number) and term.value == 0:
        return True
    if any(isinstance(f, ir.Reference) for f in factors(term)):
        return True
    return any(
        (isinstance(f, ir.Name) and f.id in ir.PRECISION_NAMES)
        or (isinstance(f, ir.Number) and f.value in BYTE_CONSTANTS)
        for f in factors(term)
    )


@pytest.mark.parametrize("path", FILES, ids=NAMES)
def test_module_file(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["class_name"] == path.stem
    declared = []
    for parameter in data["parameters"]:
        assert set(parameter) <= {"name", "default", "description"}
        assert parameter["description"]
        assert parameter["name"] not in ALIASES, f"non-unified name {parameter['name']}"
        if "default" in parameter:
            names = {n.id for n in ir.names(frontend.parse(parameter["default"]))}
            assert names <= set(declared), f"default of {parameter['name']} uses a later parameter"
        declared.append(parameter["name"])
    for kernel in kernels(data):
        assert kernel.get("analysis"), kernel["operation"]
        formulas = {
            "flops": kernel["flops"],
            "read": kernel["memory_access"]["read"],
            "write": kernel["memory_access"]["write"],
        }
        parsed = {k: frontend.parse(str(v)) for k, v in formulas.items()}
        referenced = any(True for e in parsed.values() for _ in ir.references(e))
        assert kernel["kernel_type"] == ("composite" if referenced else "basic")
        if referenced:
            assert "compute" not in kernel
        else:
            assert kernel["compute"] in COMPUTE
            if kernel["compute"] == "none":
                assert parsed["flops"] == ir.Number(Fraction(0))
        assert not any(n.id in ir.PRECISION_NAMES for n in ir.names(parsed["flops"])), "a precision name in flops"
        for field in ("read", "write"):
            for term in terms(parsed[field]):
                assert has_byte_factor(term), f"{kernel['operation']}: a {field} term without a byte factor"
        for expr in parsed.values():
            assert not any(n.id in ALIASES for n in ir.names(expr))
            for reference in ir.references(expr):
                assert reference.module in NAMES, f"{reference.module} is not in the built-in library"
                assert not any(k.name in ALIASES for k in reference.keywords)


@pytest.mark.parametrize("name", NAMES)
def test_compiles_without_warnings(name: str) -> None:
    compilation = compiled(name)
    assert not compilation.diagnostics.warnings
    assert not compilation.diagnostics.errors


@pytest.mark.parametrize("root", FAMILY_ROOTS)
def test_family_chain(root: str) -> None:
    """ForCausalLM → Model → decoder layer repeated num_layers times → attention, MLP or MoE, norms, rotary embedding."""
    tree = compiled(root).tree
    assert tree is not None and tree.kernels is not None
    modules = {}
    repeats: dict[str, list[ir.Expr]] = {}

    def visit(nodes: Any, outer: bool) -> None:
        for node in nodes:
            if isinstance(node, Composite):
                if node.module:
                    modules[node.module.rsplit(".", 1)[1]] = node
                    if node.repeat is not None and outer:
                        repeats.setdefault(node.module.rsplit(".", 1)[1], []).append(node.repeat)
                visit(node.children, outer and node.repeat is None)

    visit(tree.kernels, True)
    layer = next(n for n in modules if n.endswith(("DecoderLayer", "Block")))
    # Besides the layers, only rotary tables repeat: Gemma 3 computes one per layer type present (0 or 1 times).
    assert set(repeats) <= {layer, *(n for n in modules if n.endswith("RotaryEmbedding"))}
    # Layers of different kinds (sliding and full attention, dense and MoE) are repeated by counts that add up.
    total = functools.reduce(lambda a, b: ir.Binary("+", a, b), repeats[layer])
    values = {name.id: 11 + 7 * index for index, name in enumerate(ir.names(total))}
    assert "num_layers" in values and evaluate(total, values) == values["num_layers"]
    assert any(n.endswith("Model") for n in modules)
    assert any(n.endswith("Attention") for n in modules)
    assert any(n.endswith(("MLP", "SparseMoeBlock")) for n in modules)
    assert any(n.endswith(("RMSNorm", "LayerNorm")) for n in modules)
    # GPT-OSS has no sdpa path (its attention sinks): it runs its own eager attention. DeepSeek-V3's
    # latent attention has query and value head sizes of its own: its attention kernel is a leaf of the module.
    attention = next(node for name, node in modules.items() if name.endswith("Attention"))
    own_kernel = any(isinstance(n, Leaf) and dict(n.extras).get("compute") == "matmul" for n in attention.children)
    assert "Linear" in modules
    assert "scaled_dot_product_attention" in modules or "eager_attention_forward" in modules or own_kernel


def random_point(parameters: tuple[ir.Parameter, ...], rng: random.Random) -> dict[str, int]:
    values = {}
    for parameter in parameters:
        if parameter.name in ("has_bias", "attention_bias", "mlp_bias"):
            values[parameter.name] = rng.randint(0, 1)
        elif parameter.name == "cache_len":
            values[parameter.name] = rng.randint(0, 50)
        elif parameter.default is None or rng.random() < 0.5:
            values[parameter.name] = rng.randint(1, 40)
    values.setdefault("num_experts", 8)
    values["top_k"] = min(values.get("top_k", 2), values["num_experts"])
    return values


@pytest.mark.parametrize("name", NAMES)
def test_leaves_sum_to_totals(name: str) -> None:
    """SEMANTICS §4 on the real library: the leaves times their repeats add up to the totals, exactly."""
    tree = compiled(name).tree
    assert tree is not None
    rng = random.Random(name)
    for _ in range(3):
        at = with_defaults(tree.parameters, random_point(tree.parameters, rng))
        sums = sums_by_compute(tree, at)
        for index, field in enumerate(("flops", "read", "write")):
            total = (tree.totals.flops, tree.totals.read, tree.totals.write)[index]
            assert sum(s[field] for s in sums.values()) == evaluate(total, at)
        assert set(sums) <= COMPUTE


def test_every_leaf_of_every_family_is_tagged() -> None:
    for root in FAMILY_ROOTS:
        tree = compiled(root).tree
        assert tree is not None and tree.kernels is not None
        for _, _, leaf in leaves(tree.kernels):
            assert dict(leaf.extras).get("compute") in COMPUTE


def test_eager_and_sdpa_attention_do_the_same_matmuls() -> None:
    """The validation compares sdpa's analysis with PyTorch's eager path; their matmul FLOPs must agree."""
    library = Library.from_path(environment=False)
    values = {
        "batch_size": 3,
        "seq_len": 5,
        "kv_len": 11,
        "num_heads": 8,
        "num_kv_heads": 2,
        "head_dim": 16,
        "a_bytes": 2,
        "w_bytes": 2,
    }
    sums = {}
    for name in (
        "transformers.models.llama.modeling_llama.eager_attention_forward",
        "transformers.integrations.sdpa_attention.sdpa_attention_forward",
    ):
        tree = compile_tree(library, name).tree
        assert tree is not None
        sums[name] = sums_by_compute(tree, values)["matmul"]["flops"]
    assert len(set(sums.values())) == 1
    assert next(iter(sums.values())) == 4 * 3 * 8 * 5 * 11 * 16


def test_absorbed_latent_attention_by_hand() -> None:
    """The absorbed multi-head latent attention (DeepSeek-V3's inference form): matmul FLOPs counted by hand.

    At DeepSeek-V3's sizes, one layer's GEMMs, written out from the shapes:
    the query compression and expansion, the latent down-projection, W_UK
    applied to the queries, scores over the latent and the rotary key, the
    probabilities times the latent, W_UV, and the output projection.
    """
    library = Library.from_path(environment=False)
    tree = compile_tree(library, "kc.deepseek_v3.DeepseekV3AbsorbedAttention").tree
    assert tree is not None
    b, s, c = 3, 2, 4000
    hidden, heads, q_rank, kv_rank, nope, rope, v = 7168, 128, 1536, 512, 128, 64, 128
    values = {
        "batch_size": b,
        "seq_len": s,
        "cache_len": c,
        "hidden_size": hidden,
        "num_heads": heads,
        "q_lora_rank": q_rank,
        "kv_lora_rank": kv_rank,
        "qk_nope_head_dim": nope,
        "qk_rope_head_dim": rope,
        "v_head_dim": v,
        "a_bytes": 2,
        "w_bytes": 2,
    }
    tokens, keys = b * s, c + s
    by_hand = (
        2 * tokens * hidden * q_rank  # q_a_proj
        + 2 * tokens * q_rank * heads * (nope + rope)  # q_b_proj
        + 2 * tokens * hidden * (kv_rank + rope)  # kv_a_proj_with_mqa
        + 2 * tokens * heads * nope * kv_rank  # W_UK absorbed into the queries
        + 2 * b * heads * s * keys * (kv_rank + rope)  # scores: latent and rotary parts
        + 2 * b * heads * s * keys * kv_rank  # probabilities times the latent
        + 2 * tokens * heads * kv_rank * v  # W_UV
        + 2 * tokens * heads * v * hidden  # o_proj
    )
    assert sums_by_compute(tree, with_defaults(tree.parameters, values))["matmul"]["flops"] == by_hand
    # transformers' form expands the whole latent cache with kv_b_proj in every pass instead.
    expanded = compile_tree(library, "transformers.models.deepseek_v3.modeling_deepseek_v3.DeepseekV3Attention").tree
    assert expanded is not None
    transformers_form = (
        2 * tokens * hidden * q_rank
        + 2 * tokens * q_rank * heads * (nope + rope)
        + 2 * tokens * hidden * (kv_rank + rope)
        + 2 * b * keys * kv_rank * heads * (nope + v)  # kv_b_proj over every cached and new token
        + 2 * b * heads * s * keys * (nope + rope)
        + 2 * b * heads * s * keys * v
        + 2 * tokens * heads * v * hidden
    )
    assert sums_by_compute(expanded, with_defaults(expanded.parameters, values))["matmul"]["flops"] == transformers_form

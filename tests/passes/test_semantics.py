"""One test per rule of SEMANTICS §2–§5, on small libraries written for the test."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import compiler
from compiler.errors import KcError
from tests.helpers import leaf, uniform

LINEAR = [leaf("Matmul", "2 * batch_size * seq_len * in_features * out_features",
               "batch_size * seq_len * in_features * a_bytes + in_features * out_features * w_bytes",
               "batch_size * seq_len * out_features * a_bytes")]


def compile_json(lib: Path, name: str = "root.Root", **options: Any) -> dict[str, Any]:
    return json.loads(compiler.compile_module(name, [lib], **options))


def failure(lib: Path, name: str = "root.Root", **options: Any) -> list[tuple[str, str]]:
    with pytest.raises(KcError) as raised:
        compiler.compile_module(name, [lib], **options)
    return [(d.code, d.message) for d in raised.value.diagnostics.errors]


def codes(lib: Path, name: str = "root.Root", **options: Any) -> set[str]:
    return {code for code, _ in failure(lib, name, **options)}


Library = Callable[..., Path]

# §3 Parameters and binding


def test_inferred_signature_is_first_appearance_kernel_by_kernel_field_by_field(library: Library) -> None:
    lib = library({
        "m.M": [leaf("k0", "b * a", "c * a_bytes", "0"), leaf("k1", "d", "${m.N}(e, x=f)", "0")],
        "m.N": [uniform("n", "e * x")],
        "root.Root": [uniform("call", "${m.M}(1, 2, 3, 4, 5, 6)")],
    })
    # b, a, c from k0 (precision names left out), then d, e, f (names inside reference arguments; not the keyword x)
    totals = compile_json(lib)["totals"]
    assert totals["flops"] == "6"  # b * a + d = 1 * 2 + 4
    assert totals["memory_access"]["read"] == "3 * a_bytes + 30"  # c * a_bytes + e * f


def test_positional_then_keyword_arguments(library: Library) -> None:
    lib = library({
        "m.M": {"parameters": ["p", "q", "r"], "kernels": [leaf("k", "100 * p + 10 * q + r", "0", "0")]},
        "root.Root": [leaf("call", "${m.M}(1, r=3, q=2)", "0", "0")],
    })
    assert compile_json(lib)["totals"]["flops"] == "123"


def test_declared_defaults_may_use_earlier_parameters(library: Library) -> None:
    lib = library({
        "m.M": {"parameters": ["hidden_size", "num_heads", {"name": "head_dim", "default": "hidden_size // num_heads"}],
                "kernels": [leaf("k", "num_heads * head_dim", "0", "0")]},
        "root.Root": [leaf("call", "${m.M}(hidden_size, 8)", "0", "0")],
    })
    assert compile_json(lib)["totals"]["flops"] == "8 * (hidden_size // 8)"


def test_no_argument_list_binds_names_of_the_same_name(library: Library) -> None:
    lib = library({
        "m.M": [leaf("k", "batch_size * hidden_size", "0", "0")],
        "root.Root": [leaf("call", "${m.M} * 2", "0", "0")],
    })
    result = compile_json(lib)
    assert result["totals"]["flops"] == "2 * batch_size * hidden_size"
    assert result["parameters"] == ["batch_size", "hidden_size"]


def test_no_argument_list_in_a_declared_caller_uses_defaults_for_names_it_lacks(library: Library) -> None:
    """A caller that declares its parameters binds only those: the callee's other parameters take their defaults."""
    lib = library({
        "m.M": {"parameters": ["a", {"name": "b", "default": "2 * a"}, {"name": "c", "default": "b + a"}, "d"],
                "kernels": [leaf("k", "a + b + c + d", "0", "0")]},
        "root.Root": {"parameters": ["a", "d"], "kernels": [leaf("call", "${m.M}", "0", "0")]},
        "root.Lacking": {"parameters": ["a"], "kernels": [leaf("call", "${m.M}", "0", "0")]},
    })
    assert compile_json(lib)["totals"]["flops"] == "6 * a + d"
    [(code, message)] = failure(lib, "root.Lacking")
    assert code == "KC304" and "parameter 'd' of M left unbound: Lacking declares no parameter of that name" in message
    assert compile_json(lib, "root.Lacking", lenient=True)["totals"]["flops"] == "6 * a + d"


def test_a_precision_name_cannot_have_a_default(library: Library) -> None:
    lib = library({"root.Root": {"parameters": ["n", {"name": "a_bytes", "default": "4"}], "kernels": [leaf("k", "n", "n * a_bytes", "0")]}})
    assert failure(lib) == [("KC307", "'a_bytes' cannot have a default: precision names pass through every reference")]


def test_substitution_is_simultaneous(library: Library) -> None:
    lib = library({
        "m.M": [leaf("k", "x ** 2 * y", "0", "0")],
        "root.Root": [leaf("call", "${m.M}(y, x)", "0", "0")],
    })
    assert compile_json(lib)["totals"]["flops"] == "y**2 * x"


def test_precision_names_pass_through_every_reference(library: Library) -> None:
    lib = library({
        "m.Inner": [leaf("k", "0", "n * a_bytes + n * w_bytes", "0")],
        "m.Outer": [uniform("call", "${m.Inner}(n)")],
        "root.Root": [uniform("call", "${m.Outer}(n)")],
    })
    assert compile_json(lib)["totals"]["memory_access"]["read"] == "n * a_bytes + n * w_bytes"


def test_precision_names_are_rebound_by_keyword_only(library: Library) -> None:
    lib = library({
        "m.Inner": [leaf("k", "0", "n * a_bytes + n * w_bytes", "0")],
        "m.Outer": [uniform("call", "${m.Inner}(n)")],
        "root.Root": [uniform("fp32 call", "${m.Outer}(n, a_bytes=4)")],
    })
    assert compile_json(lib)["totals"]["memory_access"]["read"] == "n * w_bytes + 4 * n"


def test_too_many_arguments_is_an_error(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0")], "root.Root": [uniform("call", "${m.M}(1, 2)")]})
    assert failure(lib) == [("KC301", "too many arguments: M takes 1 parameter, 2 given")]


def test_unknown_keyword_is_an_error(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0")], "root.Root": [uniform("call", "${m.M}(1, m=2)")]})
    assert codes(lib) == {"KC302"}


def test_duplicate_keyword_is_an_error(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0")], "root.Root": [uniform("call", "${m.M}(1, n=2)")]})
    assert codes(lib) == {"KC303"}


def test_unbound_parameter_is_an_error_unless_lenient(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n * m", "0", "0")], "root.Root": [uniform("call", "${m.M}(2)")]})
    assert codes(lib) == {"KC304"}
    assert compile_json(lib, lenient=True)["totals"]["flops"] == "2 * m"


def test_lenient_drops_extra_arguments(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0")], "root.Root": [uniform("call", "${m.M}(2, 3, extra=4)")]})
    assert codes(lib) == {"KC301", "KC302"}
    assert compile_json(lib, lenient=True)["totals"]["flops"] == "2"


def test_declared_signature_requires_declared_names(library: Library) -> None:
    lib = library({"m.M": {"parameters": ["n"], "kernels": [leaf("k", "n * m", "0", "0")]},
                   "root.Root": [uniform("call", "${m.M}(2)")]})
    assert codes(lib) == {"KC306"}
    assert compile_json(lib, lenient=True)["totals"]["flops"] == "2 * m"


def test_missing_module_and_cycle(library: Library) -> None:
    lib = library({"root.Root": [uniform("call", "${m.Missing}(1)")]})
    assert codes(lib) == {"KC201"}
    cyclic = library({"a.A": [uniform("c", "${b.B}(n)")], "b.B": [uniform("c", "${a.A}(n)")], "root.Root": [uniform("c", "${a.A}(n)")]}, "cyclic")
    assert failure(cyclic) == [("KC202", "reference cycle: A → B → A")]


# §2 Renaming


def test_aliases_are_renamed_everywhere_including_keywords(library: Library) -> None:
    lib = library({
        "m.M": {"parameters": ["bsz", "q_len"], "kernels": [leaf("k", "bsz * q_len", "bsz * dtype_bytes", "0")]},
        "root.Root": [uniform("call", "${m.M}(bsz, q_len=past_len)")],
    })
    result = compile_json(lib)
    assert result["parameters"] == ["batch_size", "cache_len", "a_bytes"]
    assert result["totals"]["flops"] == "batch_size * cache_len"


def test_user_renames_apply_after_the_aliases(library: Library) -> None:
    lib = library({"root.Root": [leaf("k", "tokens * d_model", "0", "0")]})
    result = compile_json(lib, renames={"tokens": "seq_len", "d_model": "hidden_size"})
    assert result["totals"]["flops"] == "seq_len * hidden_size"


def test_two_names_renamed_to_one_is_an_error(library: Library) -> None:
    lib = library({"root.Root": [leaf("k", "bsz * batch_size", "0", "0")]})
    assert failure(lib) == [("KC308", "'batch_size' and 'bsz' both mean 'batch_size' after renaming")]


# §5 The expanded tree


def test_a_kernel_without_references_is_a_basic_leaf(library: Library) -> None:
    lib = library({"root.Root": [leaf("k", "{b} * 2", "b * a_bytes", "0", kernel_type="composite")]})
    (node,) = compile_json(lib)["kernels"]
    assert node == {"kernel_type": "basic", "operation": "k", "flops": "2 * b", "memory_access": {"read": "b * a_bytes", "write": "0"}}


def test_a_lone_reference_becomes_a_composite_of_the_callee_kernels(library: Library) -> None:
    lib = library({"torch.nn.modules.linear.Linear": LINEAR, "root.Root": [uniform("Proj", "${torch.nn.modules.linear.Linear}(batch_size, seq_len, d, 4 * d)")]})
    (node,) = compile_json(lib)["kernels"]
    assert node["kernel_type"] == "composite" and node["module"] == "torch.nn.modules.linear.Linear"
    assert "repeat" not in node
    assert [k["operation"] for k in node["sub_kernels"]] == ["Matmul (from Linear)"]
    assert node["sub_kernels"][0]["flops"] == "8 * batch_size * seq_len * d**2"


def test_a_multiplier_becomes_repeat(library: Library) -> None:
    lib = library({"m.Block": [leaf("k", "2 * n", "n * a_bytes", "n * a_bytes")], "root.Root": [uniform("Layers", "num_layers * ${m.Block}(n)")]})
    (node,) = compile_json(lib)["kernels"]
    assert node["repeat"] == "num_layers" and node["module"] == "m.Block"
    assert node["sub_kernels"][0]["flops"] == "2 * n"
    assert compile_json(lib)["totals"]["flops"] == "2 * num_layers * n"  # the root's signature: num_layers, n


def test_a_multiplier_beside_other_terms_wraps_the_callee(library: Library) -> None:
    lib = library({
        "m.Block": [leaf("k", "2 * n", "n * a_bytes", "n * a_bytes")],
        "root.Root": [leaf("Layers", "3 * ${m.Block}(n) + n", "3 * ${m.Block}(n)", "3 * ${m.Block}(n)")],
    })
    (node,) = compile_json(lib)["kernels"]
    wrapper, direct = node["sub_kernels"]
    assert (wrapper["operation"], wrapper["module"], wrapper["repeat"]) == ("Block", "m.Block", "3")
    assert [k["operation"] for k in wrapper["sub_kernels"]] == ["k (from Block)"]
    assert direct == {"kernel_type": "basic", "operation": "Layers", "flops": "n", "memory_access": {"read": "0", "write": "0"}}


def test_a_factor_that_differs_between_fields_is_multiplied_into_the_leaves(library: Library, tmp_path: Path) -> None:
    lib = library({"m.M": [leaf("k", "n", "n", "n")], "root.Root": [leaf("odd", "2 * ${m.M}(n)", "${m.M}(n)", "0")]})
    result = json.loads(compiler.compile_module("root.Root", [lib]))
    (node,) = result["kernels"]
    assert "repeat" not in node
    assert node["sub_kernels"][0] == {"kernel_type": "basic", "operation": "k (from M)", "flops": "2 * n", "memory_access": {"read": "n", "write": "0"}}


def test_a_reference_inside_max_becomes_a_leaf_of_closed_forms(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "3 * n", "n", "n")], "root.Root": [leaf("clamped", "max(${m.M}(n), 10)", "${m.M}(n)", "0")]})
    (node,) = compile_json(lib)["kernels"]
    assert node == {"kernel_type": "basic", "operation": "clamped", "flops": "max(10, 3 * n)", "memory_access": {"read": "n", "write": "0"}}


def test_references_and_direct_terms_keep_the_order_of_first_appearance(library: Library) -> None:
    lib = library({
        "m.A": [leaf("a", "x", "0", "0")],
        "m.B": [leaf("b", "x", "0", "0")],
        "root.Root": [leaf("both", "${m.B}(n) + n", "${m.A}(n) + ${m.B}(n)", "0")],
    })
    (node,) = compile_json(lib)["kernels"]
    assert [k["operation"] for k in node["sub_kernels"]] == ["b (from B)", "a (from A)", "both"]
    assert "module" not in node


def test_the_same_reference_in_all_fields_is_expanded_once(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "x", "x * a_bytes", "x * a_bytes")], "root.Root": [uniform("call", "${m.M}(n)")]})
    (node,) = compile_json(lib)["kernels"]
    assert len(node["sub_kernels"]) == 1


def test_nested_input_sub_kernels_and_repeat_are_processed(library: Library) -> None:
    lib = library({
        "m.M": [leaf("k", "x", "0", "0")],
        "root.Root": [{"operation": "group", "repeat": "{layers}", "sub_kernels": [uniform("inner", "${m.M}(bsz)"), leaf("own", "2", "0", "0")]}],
    })
    result = compile_json(lib)
    (group,) = result["kernels"]
    assert group["repeat"] == "layers"
    assert group["sub_kernels"][0]["sub_kernels"][0]["flops"] == "batch_size"
    assert result["totals"]["flops"] == "batch_size * layers + 2 * layers"


def test_unknown_kernel_keys_are_carried_to_the_output(library: Library) -> None:
    lib = library({
        "m.M": [leaf("k", "x", "0", "0", compute="matmul", note={"why": [1, 2]})],
        "root.Root": [uniform("call", "${m.M}(n)", compute="mixed")],
    })
    (node,) = compile_json(lib)["kernels"]
    assert node["compute"] == "mixed"
    assert node["sub_kernels"][0]["compute"] == "matmul" and node["sub_kernels"][0]["note"] == {"why": [1, 2]}


def test_parameters_list_signature_then_deeper_names_then_precision(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "z", "z * a_bytes", "0")], "root.Root": [leaf("k", "y + ${m.M}()", "b * w_bytes + ${m.M}()", "0")]})
    result = compile_json(lib, lenient=True)
    assert result["parameters"] == ["y", "b", "z", "a_bytes", "w_bytes"]


def test_no_output_formula_contains_a_reference(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "x", "x", "x")], "root.Root": [leaf("k", "max(${m.M}(n), 1)", "${m.M}(n) ** 2", "${m.M}(n)")]})
    assert "${" not in json.dumps(compile_json(lib))

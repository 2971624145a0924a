"""Footprint (SEMANTICS §9): weights, cache and activations through the compiler and its backends.

The golden case `tests/golden/cases/footprint` holds a repeated layer, a
callee scaled differently per field (KC402), a reference inside `max` (KC401),
a sliding-window cache and a tied LM head. Its expected footprint is written
out here by hand from the input files, independently of the compiler.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compiler
from tests.helpers import GOLDEN, assert_clean_failure, leaf, run_kc
from tests.helpers.evaluator import evaluate_text

CASE = GOLDEN / "cases" / "footprint" / "lib"


def expected(p: dict[str, int]) -> tuple[int, int, int]:
    """The case's footprint from its input files: what a reader of them computes by hand."""
    b, s, c, layers, vocab = p["batch_size"], p["seq_len"], p["cache_len"], p["num_layers"], p["vocab_size"]
    a, w, kv = p["a_bytes"], p["w_bytes"], p.get("kv_bytes", p["a_bytes"])
    qkv_out = 64 + 2 * 2 * 16
    weights = vocab * 64 * w + layers * 64 * qkv_out * w + 64 * 8 * w + 64 * 4 * w  # the tied head owns none
    cache = layers * 2 * b * min(c + s, 4096) * 2 * 16 * kv
    activations = max(
        b * s * (64 + qkv_out) * a,  # qkv projection
        b * (64 // 16) * s * (c + s) * a,  # scores
        b * s * (64 + 8) * a,  # router
        b * s * (64 + 4) * a,  # gate
        b * s * vocab * 4,  # fp32 logits
    )
    return weights, cache, activations


def _tree_footprint(nodes: list[dict[str, Any]], values: dict[str, Fraction]) -> tuple[Any, Any, Any]:
    """Weights and cache summed over the JSON tree's leaves times the repeats, activations the largest."""
    sums: list[Any] = [Fraction(0), Fraction(0)]
    largest: list[Any] = [Fraction(0)]

    def visit(nodes: list[dict[str, Any]], scale: Any) -> None:
        for node in nodes:
            if node["kernel_type"] == "composite":
                visit(node["sub_kernels"], scale * (evaluate_text(node["repeat"], values) if "repeat" in node else 1))
            elif "footprint" in node:
                footprint = node["footprint"]
                sums[0] += scale * evaluate_text(footprint["weights"], values)
                sums[1] += scale * evaluate_text(footprint["cache"], values)
                largest[0] = max(largest[0], evaluate_text(footprint["activations"], values))

    visit(nodes, 1)
    return sums[0], sums[1], largest[0]


POINTS = st.fixed_dictionaries(
    {
        "batch_size": st.integers(1, 64),
        "seq_len": st.integers(1, 5000),
        "cache_len": st.integers(0, 9000),
        "num_layers": st.integers(1, 80),
        "vocab_size": st.integers(1, 200_000),
        "a_bytes": st.sampled_from([1, 2, 4]),
        "w_bytes": st.sampled_from([1, 2, 4]),
    }
)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(compiler.compile_module("fp.Model", [CASE]))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def model() -> Any:
    return compiler.load_cost_model("fp.Model", [CASE])


@settings(max_examples=60, deadline=None)
@given(point=POINTS, kv=st.sampled_from([None, 1, 2]))
def test_totals_tree_and_python_agree_with_the_input(document: dict[str, Any], model: Any, point: dict[str, int], kv: int | None) -> None:
    if kv is not None:
        point = {**point, "kv_bytes": kv}
    weights, cache, activations = expected(point)
    values = {k: Fraction(v) for k, v in {"kv_bytes": point["a_bytes"], **point}.items()}
    totals = document["totals"]["footprint"]
    assert (evaluate_text(totals["weights"], values), evaluate_text(totals["cache"], values), evaluate_text(totals["activations"], values)) == (weights, cache, activations)
    assert _tree_footprint(document["kernels"], values) == (weights, cache, activations)
    got = (model.weight_bytes(**point), model.cache_bytes(**point), model.activation_bytes(**point), model.footprint_bytes(**point))
    assert got == (weights, cache, activations, weights + cache + activations)
    assert all(type(v) is int for v in got)
    records = model.kernels(**point)
    assert sum(r.get("weights", 0) for r in records) == weights
    assert max(r.get("activations", 0) for r in records) == activations


def test_python_functions_broadcast_over_arrays(model: Any) -> None:
    numpy = pytest.importorskip("numpy")
    point = {"batch_size": numpy.array([1, 2, 4]), "seq_len": 7, "cache_len": 100, "num_layers": 3, "vocab_size": 1000, "a_bytes": 2, "w_bytes": 2}
    total = model.footprint_bytes(**point)
    assert total.shape == (3,)
    for index, batch in enumerate((1, 2, 4)):
        assert total[index] == sum(expected({**point, "batch_size": batch}))
    assert model.weight_bytes(**point).shape == (3,)


def test_kv_bytes_defaults_to_a_bytes_and_is_a_precision_name(document: dict[str, Any], model: Any) -> None:
    assert document["parameters"][-3:] == ["a_bytes", "w_bytes", "kv_bytes"]
    assert model.PARAMETERS["kv_bytes"]["default"] == "a_bytes"
    point = {"batch_size": 2, "seq_len": 3, "cache_len": 5, "num_layers": 4, "vocab_size": 10, "a_bytes": 2, "w_bytes": 2}
    assert model.cache_bytes(**point) == 2 * model.cache_bytes(**point, kv_bytes=1)


def test_output_is_input_again(document: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "fp.Model.json").write_text(json.dumps(document), encoding="utf-8")
    again = json.loads(compiler.compile_module("fp.Model", [tmp_path]))
    assert again["totals"]["footprint"] == document["totals"]["footprint"]


def test_modules_without_footprint_say_nothing_of_it(library: Callable[..., Path]) -> None:
    lib = library({"a.B": [leaf("op", "n", "n * a_bytes", "n * a_bytes")]})
    document = json.loads(compiler.compile_module("a.B", [lib]))
    assert "footprint" not in json.dumps(document)
    model = compiler.load_cost_model("a.B", [lib])
    assert not hasattr(model, "weight_bytes") and "kv_bytes" not in model.PARAMETERS


def test_footprint_of_a_composite_and_references_in_it_are_refused(library: Callable[..., Path]) -> None:
    lib = library(
        {
            "a.C": [leaf("op", "n", "n * a_bytes", "n * a_bytes", footprint={"weights": "n * w_bytes"})],
            "a.B": [
                leaf("bad ref", "n", "n * a_bytes", "n * a_bytes", footprint={"weights": "${a.C}(n)", "size": 1}),
                {"operation": "group", "sub_kernels": [], "footprint": {"weights": 1}},
            ],
        }
    )
    result = run_kc("compile", "a.B", "--lib", str(lib))
    assert_clean_failure(result, "KC204", "kernels[0].footprint.weights", "^", "kernels[0].footprint.size", "kernels[1].footprint")


def test_check_warns_of_unowned_weights_and_caches_without_bytes(library: Callable[..., Path]) -> None:
    lib = library(
        {
            "a.B": [
                leaf("owns", "n", "n * w_bytes", "n * a_bytes", footprint={"weights": "n * w_bytes"}),
                leaf("reads weights, owns none", "n", "n * w_bytes", "n * a_bytes"),
                leaf("tied", "n", "n * w_bytes", "n * a_bytes", footprint={"weights": 0, "cache": "2 * n"}),
            ]
        }
    )
    result = run_kc("check", str(lib))
    assert result.returncode == 0, result.stderr
    report = result.stdout + result.stderr
    assert report.count("KC507") == 1 and "kernels[1].memory_access.read" in report
    assert report.count("KC508") == 1 and "kernels[2].footprint.cache" in report


def test_tex_document_has_a_footprint_section() -> None:
    result = run_kc("compile", "fp.Model", "--lib", str(CASE), "--emit", "tex")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert r"\section{Footprint}" in text and r"\text{weights} &=" in text and r"\mathit{kv\_bytes}" in text

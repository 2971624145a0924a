"""`kc convert`: a library rewritten in the other dialect compiles to the same totals.

The conversion runs through the CLI; the two libraries are then compiled in
this process and their totals evaluated at random points with the tests'
independent evaluator.
"""

from __future__ import annotations

import json
import random
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from compiler.input.library import BUILTIN, Library, listing
from compiler.language.printer import to_text
from compiler.pipeline import compile_tree
from tests.helpers import SHARED, assert_clean_failure, requires_shared, run_kc
from tests.helpers.evaluator import evaluate_text

KERNELS = SHARED / "corpora" / "lm-predictor-kernels"
GPT2 = SHARED / "corpora" / "lm-predictor-gpt2"


Totals = dict[str, tuple[list[str], tuple[str, str, str]]]
"""Module name to its parameters and its FLOPs, bytes read and written, as text."""


def totals(directory: Path, names: list[str], *, lenient: bool = False) -> Totals:
    """The totals of every module of `names`, compiled from one library of `directory` (read once)."""
    library = Library.from_path([directory], builtin=False, environment=False)
    found = {}
    for name in names:
        tree = compile_tree(library, name, lenient=lenient).tree
        found[name] = [p.name for p in tree.parameters], (to_text(tree.totals.flops), to_text(tree.totals.read), to_text(tree.totals.write))
    return found


def assert_same_totals(
    before: Path | Totals, after: Path, names: list[str], *, lenient: bool = False, seed: int = 0, left_out: frozenset[str] = frozenset()
) -> None:
    """Same totals; `left_out` names the parameters only the footprint used, which the cost dialect drops."""
    rng = random.Random(seed)
    original = totals(before, names, lenient=lenient) if isinstance(before, Path) else before
    converted = totals(after, names, lenient=lenient)
    for name in names:
        parameters, expected = original[name]
        converted_parameters, got = converted[name]
        assert set(converted_parameters) == set(parameters) - left_out, name
        for _ in range(3):
            point = {p: Fraction(rng.randint(1, 12)) for p in parameters}
            assert [evaluate_text(t, point) for t in got] == [evaluate_text(t, point) for t in expected], name


def convert(source: Path, to: str, out: Path, *more: str) -> Path:
    result = run_kc("convert", str(source), "--to", to, "-o", str(out), *more)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
def test_the_builtin_library_converts_to_the_cost_dialect_and_back(tmp_path: Path) -> None:
    names = sorted(listing(BUILTIN))
    result = run_kc("convert", str(BUILTIN), "--to", "cost", "-o", str(tmp_path / "cost"))
    assert result.returncode == 0, result.stderr
    assert "warning[KC009]: the cost dialect has no footprint" in result.stderr
    cost = tmp_path / "cost"
    assert run_kc("check", str(cost), "--no-builtin").returncode == 0
    original = totals(BUILTIN, names)
    assert_same_totals(original, cost, names, left_out=frozenset({"kv_bytes"}))
    back = convert(cost, "analysis", tmp_path / "back")
    assert_same_totals(original, back, names, seed=1, left_out=frozenset({"kv_bytes"}))


@requires_shared
@pytest.mark.slow
def test_the_cost_corpus_converts_to_the_analysis_dialect_and_back(tmp_path: Path) -> None:
    library = tmp_path / "kernels"
    shutil.copytree(KERNELS, library)
    (library / "Block.json").write_text(json.dumps({
        "kernel_name": "Block", "init_params": [], "forward_params": ["tokens"],
        "children": {
            "fc": {"kernel": "F.linear", "bindings": {"M": "tokens", "K": "config.hidden_size", "N": "config.hidden_size", "has_bias": "True"}, "count": "config.n_layer"},
            "act": {"kernel": "F.silu", "bindings": {"num_elements": "tokens * config.hidden_size"}},
            "attention": {"kernel": "F.scaled_dot_product_attention", "bindings": {"B": "batch_size", "H": "4", "S_q": "seq_len", "S_kv": "cache_len + seq_len", "D": "16", "bytes": "4"}},
        },
    }))
    names = sorted(listing(library))
    analysis = convert(library, "analysis", tmp_path / "analysis")
    assert_same_totals(library, analysis, names)
    data = json.loads((analysis / "Block.json").read_text())
    assert data["parameters"] == ["batch_size", "seq_len", "cache_len", "bytes", "tokens"]  # implicit names first: defaults may use them
    assert data["kernels"][0]["repeat"] == "config.n_layer"
    back = convert(analysis, "cost", tmp_path / "back")
    assert_same_totals(library, back, names, seed=2)


@requires_shared
@pytest.mark.slow
def test_the_gpt2_set_converts_leniently_with_the_same_lenient_totals(tmp_path: Path) -> None:
    strict = run_kc("convert", str(GPT2), "--to", "cost", "-o", str(tmp_path / "strict"))
    assert_clean_failure(strict, "error[KC301]")
    assert not (tmp_path / "strict").exists()  # nothing written on failure
    cost = convert(GPT2, "cost", tmp_path / "cost", "--lenient")
    names = sorted(listing(GPT2))
    assert_same_totals(GPT2, cost, names, lenient=True)


def test_convert_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    (tmp_path / "m.A.json").write_text(json.dumps({"class_name": "m.A", "kernels": [{"operation": "k", "flops": "n", "memory_access": {"read": "0", "write": "0"}}]}))
    result = run_kc("convert", str(tmp_path), "--to", "cost", "-o", str(tmp_path))
    assert result.returncode == 2 and "another directory" in result.stderr


def test_a_kernel_the_cost_dialect_cannot_express_becomes_its_closed_forms(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "m.Leaf.json").write_text(json.dumps({"class_name": "m.Leaf", "kernels": [{"operation": "k", "flops": "n", "memory_access": {"read": "n * a_bytes", "write": "0"}}]}))
    (source / "m.Max.json").write_text(json.dumps({"class_name": "m.Max", "kernels": [
        {"operation": "peak", "flops": "max(${m.Leaf}(n), 4)", "memory_access": {"read": "${m.Leaf}(n)", "write": "0"}},
        {"operation": "uneven", "flops": "2 * ${m.Leaf}(n)", "memory_access": {"read": "3 * ${m.Leaf}(n)", "write": "0"}},
        {"operation": "scaled", "flops": "n + 2 * ${m.Leaf}(m)", "memory_access": {"read": "2 * ${m.Leaf}(m)", "write": "2 * ${m.Leaf}(m)"}},
    ]}))
    cost = convert(source, "cost", tmp_path / "cost")
    data = json.loads((cost / "m.Max.json").read_text())
    assert data["children"]["scaled"] == {"kernel": "m.Leaf", "bindings": {"n": "m"}, "count": 2}
    assert data["children"]["scaled (direct)"]["kernel"] == "m.Max.kernel2"
    assert json.loads((cost / "m.Max.kernel0.json").read_text())["flops"] == "max(n, 4)"
    assert_same_totals(source, cost, ["m.Leaf", "m.Max"])

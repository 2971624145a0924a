"""The pipeline: the passes of `PIPELINE` run in order, each once, with the core algebra first and sympy where it declines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import compiler.pipeline as pipeline
from compiler.algebra import sympy_algebra
from compiler.backends import emit
from compiler.diagnostics import Diagnostics
from compiler.errors import KcError
from compiler.input.library import Library
from compiler.limits import Limits
from compiler.passes.resolve import resolve
from tests.helpers import leaf, uniform

Modules = Callable[..., Path]
NAMES = [step.__name__ for step in pipeline.PIPELINE]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the passes `compile_tree` runs, in the order it runs them."""
    seen: list[str] = []

    def recording(step: Callable[..., Any]) -> Callable[..., Any]:
        def run(*arguments: Any, **options: Any) -> Any:
            seen.append(step.__name__)
            return step(*arguments, **options)

        return run

    for step in pipeline.PIPELINE:
        monkeypatch.setattr(pipeline, step.__name__, recording(step))
    return seen


def test_the_pipeline_lists_the_passes_themselves() -> None:
    assert NAMES == ["resolve", "bind", "lint", "tag", "inline", "footprint", "totals", "assemble", "simplify"]
    assert all(step.__module__ == f"compiler.passes.{module}" for step, module in zip(pipeline.PIPELINE, [*NAMES[:3], "tags", *NAMES[4:]], strict=True))


def test_every_pass_runs_once_in_order(calls: list[str]) -> None:
    tree = pipeline.compile_tree(Library.from_path([], environment=False), "transformers.models.llama.modeling_llama.LlamaMLP").tree
    assert calls == NAMES
    assert tree.kernels is not None and tree.totals.footprint is not None


def test_where_the_core_declines_the_algebraic_passes_run_again_on_sympy(calls: list[str], library: Modules) -> None:
    directory = library({"m.Inner": [uniform("k", "n % 3 + n")], "m.Root": [uniform("call", "2 * ${m.Inner}(n)")]})
    compiled = pipeline.compile_tree(Library.from_path([directory], environment=False), "m.Root")
    static, algebraic = NAMES[:4], NAMES[4:]
    assert calls[:4] == static and calls[-5:] == algebraic
    assert len(calls) > len(NAMES) and set(calls[4:-5]) <= set(algebraic)  # the core's run, up to the pass that declined
    forced = pipeline.compile_tree(Library.from_path([directory], environment=False), "m.Root", algebra=sympy_algebra())
    assert emit(compiled.tree, "json") == emit(forced.tree, "json")
    assert json.loads(emit(compiled.tree, "json"))["totals"]["flops"] == "2 * n + 2 * (n % 3)"


def test_the_static_passes_run_to_the_end_before_an_error_stops(calls: list[str], library: Modules) -> None:
    directory = library({
        "m.Inner": {"parameters": ["n"], "kernels": [leaf("k", "n", "n", "0")]},  # KC501 (lint): a byte count without bytes
        "m.Root": [uniform("call", "${m.Inner}(n, m=2)"), uniform("gone", "${m.Gone}(n)")],  # KC302 (bind), KC201 (resolve)
    })
    with pytest.raises(KcError) as raised:
        pipeline.compile_tree(Library.from_path([directory], environment=False), "m.Root")
    assert raised.value.diagnostics is not None
    found = {d.code for d in raised.value.diagnostics}
    assert {"KC201", "KC302", "KC501"} <= found
    assert calls == NAMES[:4]  # no algebraic pass sees unsound input


def test_resolve_checks_the_limit_on_nesting_references(library: Modules) -> None:
    directory = library({
        "m.A": [leaf("k", "n", "0", "0")],
        "m.B": [uniform("a", "${m.A}(n)")],
        "m.C": [uniform("b", "${m.B}(n)")],
        "m.Root": [uniform("c", "${m.C}(n)")],
    })
    lib = Library.from_path([directory], environment=False)
    for depth, expected in ((3, []), (2, ["references nest 3 levels below m.Root; the limit is 2"])):
        diagnostics = Diagnostics()
        with Limits(reference_depth=depth).applied():
            resolve(lib, "m.Root", diagnostics)
        assert [d.message for d in diagnostics.errors] == expected


def test_assemble_leaves_out_a_tree_past_the_limit_on_nodes() -> None:
    lib = Library.from_path([], environment=False)
    name = "transformers.models.llama.modeling_llama.LlamaMLP"
    full = pipeline.compile_tree(lib, name).tree
    assert full.kernels is not None
    bounded = pipeline.compile_tree(lib, name, limits=Limits(tree_nodes=full.size - 1)).tree
    assert bounded.kernels is None and bounded.size == full.size
    assert bounded.totals == full.totals and bounded.parameters == full.parameters

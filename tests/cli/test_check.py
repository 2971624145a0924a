"""`kc check`: each check on a small library, the JSON format, and every real problem of the GPT-2 corpus."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from compiler.diagnostics import CODES
from tests.helpers import CORPUS, DOCS, leaf, requires_shared, run_kc, uniform
from tests.helpers.evaluator import evaluate_text, tree_sums

Library = Callable[..., Path]


def check_json(*arguments: str) -> tuple[int, list[dict[str, object]]]:
    result = run_kc("check", "--format", "json", *arguments)
    assert "Traceback" not in result.stderr
    return result.returncode, [json.loads(line) for line in result.stdout.splitlines()]


def found(records: list[dict[str, object]]) -> set[tuple[object, ...]]:
    """(code, file name, pointer, line, column) of each diagnostic."""
    return {(r["code"], Path(str(r["file"])).name, r["pointer"], r["line"], r["column"]) for r in records}


def test_the_builtin_library_is_clean() -> None:
    result = run_kc("check", "--werror")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].endswith(": 0 errors, 0 warnings, 0 notes")


@pytest.mark.parametrize(
    ("modules", "code"),
    [
        ({"m.M": [leaf("k", "n", "n * a_bytes", "2 * n")]}, "KC501"),
        ({"m.M": [leaf("k", "n * a_bytes", "n * a_bytes", "n * a_bytes")]}, "KC502"),
        ({"m.M": [leaf("k", "batchsize", "0", "0")]}, "KC503"),
        ({"m.M": [leaf("k", "bsz", "0", "0")]}, "KC503"),
        ({"m.M": {"class_name": "m.Other", "kernels": [leaf("k", "1", "0", "0")]}}, "KC006"),
        ({"m.M": [leaf("k", "1", "0", "0", kernel_type="composite")]}, "KC403"),
        ({"m.M": [uniform("k", "${m.Gone}(1)")]}, "KC201"),
        ({"m.A": [uniform("k", "${m.B}(n)")], "m.B": [uniform("k", "${m.A}(n)")]}, "KC202"),
        ({"m.A": [uniform("k", "${m.B}(y, x)")], "m.B": [leaf("k", "x * y", "0", "0")]}, "KC305"),
    ],
)
def test_each_check(library: Library, modules: dict[str, object], code: str) -> None:
    status, records = check_json(str(library(modules)))
    assert code in {r["code"] for r in records}
    assert all(set(r) >= {"severity", "code", "file", "pointer", "line", "column", "message", "related"} for r in records)
    assert status == (1 if any(r["severity"] == "error" for r in records) else 0)


def test_a_cycle_is_reported_once(library: Library) -> None:
    _, records = check_json(str(library({"m.A": [uniform("k", "${m.B}(n)")], "m.B": [uniform("k", "${m.A}(n)")]})))
    assert [r["code"] for r in records] == ["KC202"]


def test_a_file_no_module_name_can_find_is_reported(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0", compute="vector")]})
    (lib / "my-model.json").write_text("{}")
    _, records = check_json(str(lib))
    assert [(r["code"], r["severity"], Path(r["file"]).name) for r in records] == [("KC004", "warning", "my-model.json")]


def test_werror_fails_on_warnings(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n", "n", "0")]})
    assert run_kc("check", str(lib)).returncode == 0
    assert run_kc("check", str(lib), "--werror").returncode == 1


def test_text_output_is_grouped_by_file_with_a_summary(library: Library) -> None:
    lib = library({"m.A": [leaf("k", "2 *", "0", "0")], "m.B": [leaf("k", "exp(1)", "0", "0")]})
    result = run_kc("check", str(lib))
    assert result.returncode == 1
    blocks = result.stdout.split("\n\n")
    assert "m.A.json" in blocks[0] and "m.B.json" not in blocks[0]
    assert result.stdout.splitlines()[-1] == "checked 2 modules: 2 errors, 0 warnings, 0 notes"


def test_lib_directories_resolve_but_are_not_checked(library: Library) -> None:
    helper = library({"m.Helper": [leaf("k", "2 *", "0", "0")]}, "helper")
    mine = library({"m.Mine": [uniform("k", "${m.Helper}()")]}, "mine")
    status, records = check_json(str(mine), "--lib", str(helper))
    assert status == 0 and records == []


def test_every_code_is_documented() -> None:
    page = (DOCS / "diagnostics.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"### {code}" in page, code


# The real GPT-2 analyses: every problem, found by reading the files, by code and place.

GPT2 = "transformers.models.gpt2.modeling_gpt2"
CORPUS_PROBLEMS = {
    # GPT2Attention kernel 9 passes (batch_size, seq_len, hidden_size) to Dropout, which takes no parameters.
    ("KC301", f"{GPT2}.GPT2Attention.json", "kernels[9].flops", 98, 53),
    # GPT2Block kernel 1 passes head_dim into GPT2Attention's cache_len slot ...
    ("KC305", f"{GPT2}.GPT2Block.json", "kernels[1].flops", 18, 118),
    # ... and cache_len into its head_dim slot: both arities match, the numbers are silently wrong.
    ("KC305", f"{GPT2}.GPT2Block.json", "kernels[1].flops", 18, 128),
    # GPT2LMHeadModel kernel 1 calls GPT2Model with 8 of its 12 parameters, leaving head_dim, intermediate_size, cache_len, use_cache unbound ...
    ("KC304", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 17),
    # ... and every argument sits in another parameter's slot: batch_size/seq_len swapped, hidden_size where head_mask_processing is, and so on.
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 70),
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 84),
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 95),
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 110),
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 124),
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 137),
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 149),
    ("KC305", f"{GPT2}.GPT2LMHeadModel.json", "kernels[1].flops", 18, 170),
    # GPT2LMHeadModel kernel 4 calls Linear without has_bias, which Linear's formulas use in a conditional.
    ("KC304", f"{GPT2}.GPT2LMHeadModel.json", "kernels[4].flops", 48, 17),
    # GPT2MLP kernels 0 and 2 fold batch_size * seq_len into one argument, so Conv1D's output_dim is never bound.
    ("KC304", f"{GPT2}.GPT2MLP.json", "kernels[0].flops", 8, 17),
    ("KC304", f"{GPT2}.GPT2MLP.json", "kernels[2].flops", 28, 17),
    # GPT2MLP kernel 1 passes three shape arguments to NewGELUActivation, which takes num_elements only.
    ("KC301", f"{GPT2}.GPT2MLP.json", "kernels[1].flops", 18, 78),
    # GPT2Model kernel 5 calls Linear with the single argument head_mask_processing.
    ("KC304", f"{GPT2}.GPT2Model.json", "kernels[5].flops", 58, 17),
    # GPT2Model kernels 6 and 7 pass four arguments to Embedding, which takes (num_indices, embedding_dim).
    ("KC301", f"{GPT2}.GPT2Model.json", "kernels[6].flops", 68, 80),
    ("KC301", f"{GPT2}.GPT2Model.json", "kernels[7].flops", 78, 80),
    # GPT2Model kernel 9 passes arguments to Dropout, which takes none.
    ("KC301", f"{GPT2}.GPT2Model.json", "kernels[9].flops", 98, 54),
    # GPT2Model kernel 12 passes 8 arguments to GPT2Block, which takes 7 (use_cache is extra) ...
    ("KC301", f"{GPT2}.GPT2Model.json", "kernels[12].flops", 128, 184),
    # ... with intermediate_size and cache_len in each other's slots.
    ("KC305", f"{GPT2}.GPT2Model.json", "kernels[12].flops", 128, 150),
    ("KC305", f"{GPT2}.GPT2Model.json", "kernels[12].flops", 128, 171),
}


@requires_shared
def test_every_real_problem_of_the_corpus_is_found() -> None:
    status, records = check_json(str(CORPUS))
    assert status == 1
    # KC007: the corpus shadows the built-in GPT-2 modules; KC505/KC506: its kernels carry no compute tags (tests/cli/test_newcomer.py)
    problems = {r for r in found(records) if r[0] not in ("KC007", "KC505", "KC506")}
    assert problems == CORPUS_PROBLEMS


@requires_shared
def test_the_corpus_fails_strict_compilation_with_those_errors() -> None:
    result = run_kc("compile", f"{GPT2}.GPT2LMHeadModel", "--lib", str(CORPUS))
    assert result.returncode == 1 and result.stdout == ""
    errors = {line.split(": error[")[1][:5] for line in result.stderr.splitlines() if ": error[" in line}
    assert errors == {"KC301", "KC304"}
    assert result.stderr.count(": error[") == sum(1 for p in CORPUS_PROBLEMS if p[0] in ("KC301", "KC304"))


def _signature(module: dict[str, object]) -> list[str]:
    """First appearance of free names, as SEMANTICS §3 infers it; written here, not taken from kc."""
    from compiler.language import ir
    from compiler.language.parse import parse

    seen: dict[str, None] = {}
    for kernel in module["kernels"]:  # type: ignore[attr-defined]
        for text in (kernel["flops"], kernel["memory_access"]["read"], kernel["memory_access"]["write"]):
            for node in ir.walk(parse(text)):
                if isinstance(node, ir.Name) and node.id not in ("a_bytes", "w_bytes"):
                    seen.setdefault(node.id)
    return list(seen)


def _lenient_cost(name: str, values: dict[str, Fraction], field: int) -> Fraction:
    """The recursive definition of SEMANTICS §4 with lenient binding: extra arguments
    dropped, an unbound parameter the caller's name of the same name."""
    from compiler.language import ir
    from compiler.language.parse import parse
    from tests.helpers.evaluator import evaluate

    def resolved(expr: ir.Expr) -> ir.Expr:
        if isinstance(expr, ir.Reference):
            callee = json.loads((CORPUS / f"{expr.module}.json").read_text())
            inner = dict(values)
            for parameter, argument in zip(_signature(callee), expr.arguments, strict=False):
                inner[parameter] = evaluate(resolved(argument), values)
            return ir.Number(_lenient_cost(expr.module, inner, field))
        return ir.rebuild(expr, resolved)

    module = json.loads((CORPUS / f"{name}.json").read_text())
    total = Fraction(0)
    for kernel in module["kernels"]:
        text = (kernel["flops"], kernel["memory_access"]["read"], kernel["memory_access"]["write"])[field]
        total += evaluate(resolved(parse(text)), values)
    return total


@requires_shared
def test_the_lenient_result_obeys_the_recursive_definition() -> None:
    result = run_kc("compile", f"{GPT2}.GPT2LMHeadModel", "--lib", str(CORPUS), "--lenient")
    assert result.returncode == 0
    assert result.stderr.count(": warning[KC301]") == 6 and result.stderr.count(": warning[KC304]") == 5
    document = json.loads(result.stdout)
    for seed in range(3):
        values = {name: Fraction(3 + (seed * 7 + i * 5) % 11) for i, name in enumerate(document["parameters"])}
        expected = tuple(_lenient_cost(f"{GPT2}.GPT2LMHeadModel", values, field) for field in range(3))
        assert tree_sums(document["kernels"], values) == expected
        totals = document["totals"]
        texts = (totals["flops"], totals["memory_access"]["read"], totals["memory_access"]["write"])
        assert tuple(evaluate_text(t, values) for t in texts) == expected

"""The command line as users run it: a subprocess, exit codes, stderr, files written or not."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import assert_clean_failure, leaf, run_kc, uniform

Library = Callable[..., Path]
MLP = "transformers.models.llama.modeling_llama.LlamaMLP"


def test_compile_a_builtin_module_to_stdout() -> None:
    result = run_kc("compile", MLP)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["class_name"] == MLP
    assert result.stderr == ""


def test_compile_a_file_path_searches_its_directory_first(library: Library, tmp_path: Path) -> None:
    lib = library({"m.Leaf": [leaf("k", "n", "0", "0")], "my.Root": [uniform("call", "${m.Leaf}(3 * n)")]})
    result = run_kc("compile", str(lib / "my.Root.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["flops"] == "3 * n"


def test_output_file_is_written_and_kc_path_is_searched(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [leaf("k", "n", "0", "0")]})
    out = tmp_path / "out.json"
    result = run_kc("compile", "my.Root", "-o", str(out), env={"KC_PATH": str(lib)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(out.read_text())["totals"]["flops"] == "n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")] == []


@pytest.mark.parametrize("command", [("compile", MLP), ("eval", MLP, "--set", "seq_len=1", "--set", "hidden_size=2", "--set", "intermediate_size=3")])
def test_an_output_that_cannot_be_written_is_a_problem_not_a_bug(command: tuple[str, ...], tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.txt"
    result = run_kc(*command, "-o", str(target))
    assert_clean_failure(result, f"{target}: cannot write: No such file or directory")
    assert not target.parent.exists()


def test_output_onto_a_module_file_it_reads_is_refused(library: Library) -> None:
    lib = library({"m.Leaf": [leaf("k", "n", "0", "0")], "my.Root": [uniform("call", "${m.Leaf}(n)")]})
    before = (lib / "m.Leaf.json").read_text()
    result = run_kc("compile", str(lib / "my.Root.json"), "-o", str(lib / "m.Leaf.json"))
    assert_clean_failure(result, "m.Leaf.json is a module file this compilation reads")
    assert (lib / "m.Leaf.json").read_text() == before


def test_lib_directories_override_the_builtin_library(library: Library) -> None:
    lib = library({"torch.nn.modules.linear.Linear": [leaf("mine", "batch_size * seq_len * in_features * out_features", "0", "0")]})
    result = run_kc("compile", MLP, "--lib", str(lib))
    assert result.returncode == 0, result.stderr
    assert "mine (from Linear)" in result.stdout


def test_rename_option(library: Library) -> None:
    lib = library({"my.Root": [leaf("k", "tokens", "0", "0")]})
    result = run_kc("compile", "my.Root", "--lib", str(lib), "--rename", "tokens=seq_len")
    assert json.loads(result.stdout)["parameters"] == ["seq_len"]


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("tokens", "expected OLD=NEW with two names"),
        ("tokens=not", "'not' is a word of the formula language"),
        ("tokens=max", "'max' is a function of the formula language"),
        ("tokens=é", "'é' is not a name"),
    ],
)
def test_rename_to_what_formulas_cannot_say(library: Library, pair: str, message: str) -> None:
    lib = library({"my.Root": [leaf("k", "tokens", "0", "0")]})
    result = run_kc("compile", "my.Root", "--lib", str(lib), "--rename", pair)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_warnings_go_to_stderr_and_do_not_fail(library: Library) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0")], "my.Root": [uniform("call", "${m.M}(n, 2)")]})
    result = run_kc("compile", "my.Root", "--lib", str(lib), "--lenient")
    assert result.returncode == 0
    assert "warning[KC301]" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "needle"),
    [
        (["compile"], "kc compile: error: the following arguments are required: MODULE"),
        (["compile", MLP, "--emit", "yaml"], "kc compile: error: argument --emit: invalid choice: 'yaml'"),
        (["compile", MLP, "--rename", "nonsense"], "kc compile: error: argument --rename: expected OLD=NEW"),
        (["compile", MLP, "--lib", "no/such/dir"], "kc compile: error: argument --lib: directory 'no/such/dir' does not exist"),
        (["frobnicate"], "kc: error: argument COMMAND: invalid choice: 'frobnicate'"),
        (["schema", "middle"], "kc schema: error: argument WHICH: invalid choice: 'middle'"),
        (["--limit", "tree_nodes=0", "list"], "kc: error: argument --limit: expected NAME=N with N ≥ 1"),
    ],
)
def test_usage_errors_exit_2(arguments: list[str], needle: str) -> None:
    result = run_kc(*arguments)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: kc"), result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_help_teaches() -> None:
    result = run_kc("compile", "--help")
    assert result.returncode == 0
    for needle in ("--lib", "--emit", "--lenient", "--rename", "-o, --output"):
        assert needle in result.stdout


def test_plan_lists_references_order_and_missing_modules(library: Library) -> None:
    lib = library({"m.A": [leaf("a", "n", "0", "0")], "my.Root": [uniform("x", "${m.A}(n)"), uniform("y", "${m.Gone}(n)")]})
    result = run_kc("plan", "my.Root", "--lib", str(lib))
    assert result.returncode == 1
    assert "## Expansion order" in result.stdout and "| 1 | `m.A` | 0 |" in result.stdout
    assert "- `m.Gone`, referenced from `Root` (kernels[1].flops)" in result.stdout
    assert "error[KC201]" in result.stderr


def test_plan_reports_references_nested_past_the_limit_as_compile_does(library: Library) -> None:
    lib = library({"m.A": [leaf("a", "n", "0", "0")], "m.B": [uniform("x", "${m.A}(n)")], "my.Root": [uniform("y", "${m.B}(n)")]})
    for command in ("plan", "compile"):
        result = run_kc("--limit", "reference_depth=1", command, "my.Root", "--lib", str(lib))
        assert result.returncode == 1
        assert "error[KC909]: references nest 2 levels below my.Root; the limit is 1" in result.stderr, result.stderr


def test_plan_of_a_complete_library_exits_0() -> None:
    result = run_kc("plan", MLP)
    assert result.returncode == 0, result.stderr
    assert "None: every reference resolves." in result.stdout


def test_list_shows_modules_and_shadowing(library: Library) -> None:
    lib = library({"torch.nn.modules.linear.Linear": [leaf("k", "1", "0", "0")], "my.Thing": [leaf("k", "1", "0", "0")]})
    result = run_kc("list", "--lib", str(lib))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("my.Thing ") for line in lines)
    assert any(line.startswith("torch.nn.modules.linear.Linear ") and "(shadows 1 other)" in line for line in lines)


@pytest.mark.parametrize("which", ["input", "output"])
def test_schema_prints_json_schema(which: str) -> None:
    result = run_kc("schema", which)
    assert json.loads(result.stdout)["$schema"].startswith("https://json-schema.org/")


def test_version() -> None:
    import compiler

    assert run_kc("--version").stdout.strip() == f"kc, version {compiler.__version__}"

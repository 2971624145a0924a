"""Every error kind, through the command line: exit 1, a precise message, no traceback, no file written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import assert_clean_failure, leaf, run_kc, uniform

Library = Callable[..., Path]


def compile_failing(lib: Path, tmp_path: Path, *needles: str, root: str = "my.Root", extra: tuple[str, ...] = ()) -> str:
    """Compile to an existing output file; it must stay untouched."""
    out = tmp_path / "out.json"
    out.write_text("previous contents")
    result = run_kc("compile", root, "--lib", str(lib), "-o", str(out), *extra)
    assert_clean_failure(result, *needles)
    assert out.read_text() == "previous contents"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []
    return result.stderr


def test_missing_root_module(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Rot": [leaf("k", "1", "0", "0")]})
    stderr = compile_failing(lib, tmp_path, "error[KC005]", "module 'my.Root' not found", "did you mean 'my.Rot'?")
    assert f"searched {lib}" in stderr


def test_missing_root_file(tmp_path: Path) -> None:
    result = run_kc("compile", str(tmp_path / "nowhere" / "my.Root.json"))
    assert_clean_failure(result, "error[KC005]")


def test_missing_referenced_module_shows_the_chain(library: Library, tmp_path: Path) -> None:
    lib = library({"m.Mid": [uniform("c", "${m.Gone}(n)")], "my.Root": [uniform("c", "${m.Mid}(n)")]})
    stderr = compile_failing(lib, tmp_path, "error[KC201]", "module 'm.Gone' not found", "via Root → Mid")
    assert "m.Mid.json:" in stderr and "${m.Gone}(n)\n   | ^^^^^^^^^^^^\n" in stderr


def test_cycle(library: Library, tmp_path: Path) -> None:
    lib = library({"m.A": [uniform("c", "${m.B}(n)")], "m.B": [uniform("c", "2 * ${m.A}(n)")], "my.Root": [uniform("c", "${m.A}(n)")]})
    compile_failing(lib, tmp_path, "error[KC202]", "reference cycle: A → B → A")


def test_too_many_arguments(library: Library, tmp_path: Path) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0")], "my.Root": [uniform("c", "${m.M}(n, 2, 3)")]})
    stderr = compile_failing(lib, tmp_path, "error[KC301]", "M takes 1 parameter, 3 given", "signature of m.M (inferred from its formulas): (n)")
    assert "${m.M}(n, 2, 3)\n   |           ^^^^\n" in stderr


def test_unknown_keyword(library: Library, tmp_path: Path) -> None:
    lib = library({"m.M": {"parameters": ["hidden"], "kernels": [leaf("k", "hidden", "0", "0")]}, "my.Root": [uniform("c", "${m.M}(hiden=2)")]})
    compile_failing(lib, tmp_path, "error[KC302]", "unknown keyword argument 'hiden'", "did you mean 'hidden'?", "(declared): (hidden)")


@pytest.mark.parametrize(("lenient", "status"), [(False, 1), (True, 0)])
def test_unbound_parameter_strict_and_lenient(library: Library, tmp_path: Path, lenient: bool, status: int) -> None:
    lib = library({"m.M": [leaf("k", "n * m", "0", "0")], "my.Root": [uniform("c", "${m.M}(2)")]})
    if not lenient:
        compile_failing(lib, tmp_path, "error[KC304]", "parameter 'm' of M left unbound")
        return
    result = run_kc("compile", "my.Root", "--lib", str(lib), "--lenient")
    assert result.returncode == status
    assert "warning[KC304]" in result.stderr and "kept as free names" in result.stderr


def test_unknown_function(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [leaf("k", "2 * exp(n)", "0", "0")]})
    compile_failing(lib, tmp_path, "error[KC102]", "unknown function 'exp'", "2 * exp(n)\n   |     ^^^")


def test_syntax_error_with_caret(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [leaf("k", "2 * (batch_size + ", "0", "0")]})
    stderr = compile_failing(lib, tmp_path, "error[KC101]", "unexpected end of formula", "at kernels[0].flops")
    assert "my.Root.json:7:" in stderr


def test_every_problem_is_reported_at_once(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [leaf("k", "2 *", "exp(1)", "${bad name}")]})
    stderr = compile_failing(lib, tmp_path, "error[KC101]", "error[KC102]")
    assert stderr.count("error[") == 3


def test_bad_json(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": '{"kernels": [ {"operation": "k",, } ]}'})
    compile_failing(lib, tmp_path, "error[KC002]", "invalid JSON", "my.Root.json:1:33")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("NaN", "NaN is not a number in JSON"),
        ("-Infinity", "-Infinity is not a number in JSON"),
        ("1e999", "1e999 is too large for a number"),
        ("9" * 5000, "a number of 5,000 digits; at most 4,000 are read"),
    ],
)
def test_numbers_json_cannot_hold(library: Library, tmp_path: Path, number: str, message: str) -> None:
    lib = library({"my.Root": '{"kernels": [{"operation": "k", "flops": ' + number + ', "memory_access": {"read": 0, "write": 0}}]}'})
    compile_failing(lib, tmp_path, "error[KC002]", f"invalid JSON: {message}", "my.Root.json:1:42")


def test_schema_violation(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": {"kernels": [{"operation": "k", "flops": ["2"], "memory_access": {"read": "0"}}]}})
    compile_failing(lib, tmp_path, "error[KC003]", "expected a string or a number, found a list", "'write' is required")


@pytest.mark.parametrize("name", ["../etc/passwd", "a b", "a..b", "1abc", "a/b"])
def test_invalid_module_name(tmp_path: Path, name: str) -> None:
    result = run_kc("compile", name, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "KC004" in result.stderr or "KC005" in result.stderr


def test_invalid_module_name_in_a_reference(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [uniform("c", "${../../etc/passwd}(n)")]})
    compile_failing(lib, tmp_path, "error[KC004]", "invalid module name '../../etc/passwd'")


def test_module_file_escaping_its_directory_through_a_symlink(library: Library, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text('{"kernels": []}')
    lib = library({"my.Root": [uniform("c", "${m.Link}(n)")]})
    (lib / "m.Link.json").symlink_to(outside / "secret.json")
    compile_failing(lib, tmp_path, "error[KC008]", "resolves outside its library directory")


def test_broken_and_looping_links_are_reported_and_hide_nothing(library: Library) -> None:
    lib = library({"m.Good": [leaf("k", "n", "0", "0")]})
    (lib / "m.A.json").symlink_to("m.B.json")
    (lib / "m.B.json").symlink_to("m.A.json")
    (lib / "m.C.json").symlink_to("missing.json")
    result = run_kc("check", str(lib))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "m.A.json: error[KC001]: cannot read" in result.stdout and "Too many levels of symbolic links" in result.stdout
    assert "m.C.json: error[KC001]: cannot read" in result.stdout and "No such file or directory" in result.stdout
    assert "checked 4 modules: 3 errors" in result.stdout
    assert run_kc("compile", "m.Good", "--lib", str(lib)).returncode == 0


def test_encodings(library: Library, tmp_path: Path) -> None:
    """A UTF-8 byte-order mark is dropped; other bytes that are not UTF-8 are an error saying where."""
    lib = library({"m.Bom": [leaf("k", "n", "0", "0")]})
    bom = lib / "m.Bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    assert run_kc("compile", "m.Bom", "--lib", str(lib)).returncode == 0
    (lib / "m.Latin.json").write_bytes(b'{"class_name": "m.Latin",\n "kernels": ["caf\xe9"]}')
    compile_failing(lib, tmp_path, "error[KC001]", "m.Latin.json is not UTF-8: byte 0xe9 at line 2, column 18", root="m.Latin")


def test_division_by_zero(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [leaf("k", "n / (m - m)", "0", "0")]})
    compile_failing(lib, tmp_path, "error[KC104]", "division by zero")


def test_division_by_zero_found_while_simplifying_points_at_its_formula(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [leaf("a", "n", "0", "0"), leaf("b", "n", "(n - n) ** -2", "0")]})
    stderr = compile_failing(lib, tmp_path, "error[KC104]", "formula divides by zero")
    assert "at kernels[1].memory_access.read" in stderr and "| (n - n) ** -2" in stderr


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        ({"my.Root": [leaf("k", "sqrt(n - n - 4)", "0", "0")]}, "sqrt(-4) has no value"),
        ({"my.Root": [leaf("k", "log2(0)", "0", "0")]}, "log2(0) has no value"),
        ({"m.F": {"parameters": ["n"], "kernels": [leaf("k", "sqrt(n - 8)", "0", "0")]}, "my.Root": [uniform("call", "${m.F}(0)")]},
         "formula takes the square root of a negative number"),
        ({"m.F": {"parameters": ["n"], "kernels": [leaf("k", "log2(n)", "0", "0")]}, "my.Root": [uniform("call", "${m.F}(0)")]},
         "formula takes log2(0)"),
    ],
)
def test_functions_outside_their_domain(library: Library, tmp_path: Path, modules: dict[str, object], message: str) -> None:
    compile_failing(library(modules), tmp_path, "error[KC105]", message)


def test_huge_power_is_refused_quickly(library: Library, tmp_path: Path) -> None:
    lib = library({"my.Root": [leaf("k", "2 ** 2 ** 2 ** 100", "0", "0")]})
    compile_failing(lib, tmp_path, "error[KC904]", "the limit is")


@pytest.mark.parametrize(
    ("kernel", "message"),
    [
        (uniform("c", "${m.M}(${m.M}(n))"), "a reference cannot be an argument of another reference"),
        ({"operation": "g", "repeat": "${m.M}(n)", "sub_kernels": [leaf("k", "1", "0", "0")]}, "a repeat count cannot reference a module"),
    ],
)
def test_references_where_a_number_is_needed(library: Library, tmp_path: Path, kernel: dict[str, object], message: str) -> None:
    lib = library({"m.M": [leaf("k", "n", "0", "0")], "my.Root": [kernel]})
    compile_failing(lib, tmp_path, "error[KC404]", message)

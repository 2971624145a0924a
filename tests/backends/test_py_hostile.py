"""Hostile analyses against `--emit py`: the input is untrusted, the output is imported.

Each hostile input must end in one of two ways: a clear compile error (exit
status 1, a diagnostic, no traceback, no file written), or a module whose
syntax tree holds only standard-library imports, function definitions and
assignments of literals, that keeps every text exactly, and that does nothing
observable when a fresh interpreter imports it and calls its functions.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import compiler
from compiler.backends.py.literals import MAX_NESTING, LiteralError, docstring, literal, name_problem, string
from tests.helpers import GOLDEN, assert_clean_failure, leaf, run_kc, uniform

pytestmark = pytest.mark.slow  # hostile texts and names, each through a subprocess or ruff and mypy

GOLDEN = GOLDEN / "py"

HOSTILE_TEXTS = [
    '"""; __import__("os").system("touch PWNED") #',
    "'''\nimport os\nos.system('touch PWNED')\n'''",
    '\\"""\\',
    "ends with a backslash \\",
    "\\N{BULLET} \\x41 \\u0041 \\n",
    "line\u2028separator\u2029paragraph\x85next",
    "nul\x00 bell\x07 escape\x1b[31m form\x0c feed",
    "carriage\r\nreturn",
    "\u202eright-to-left override\u202c and \u2066isolates\u2069",
    "lone surrogate \ud800",
    "__import__('os').system('touch PWNED')",
    "{{ header }} {% for x in y %}{% endfor %} {# jinja #}",
    "trailing spaces and a tab \t  ",
    "emoji \U0001f600 and accents café ×",
    "#!/bin/sh\n# -*- coding: latin-1 -*-",
    "",
]

HOSTILE_NAMES = [
    "import",
    "lambda",
    "class",
    "None",
    "True",
    "match",
    "case",
    "type",
    "_",
    "__class__",
    "__import__",
    "_private",
    "print",
    "min",
    "abs",
    "len",
    "flops",
    "kernels",
    "Fraction",
    "math",
]

_ALLOWED_ANNOTATION_NAMES = {"Any", "list", "dict", "tuple", "str", "bool", "None"}
_FORBIDDEN_NAMES = {"eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals", "locals", "vars", "breakpoint", "input", "os", "sys", "subprocess", "builtins"}


def check_module_ast(source: str) -> None:
    """Only standard-library imports, function definitions and literal assignments at the top."""
    tree = ast.parse(source)
    for statement in tree.body:
        match statement:
            case ast.Expr(value=ast.Constant(value=str())):
                pass  # a docstring
            case ast.Import(names=names):
                assert all(alias.name.split(".")[0] in sys.stdlib_module_names for alias in names)
            case ast.ImportFrom(module=module, level=0):
                assert module is not None and module.split(".")[0] in sys.stdlib_module_names
            case ast.Assign(targets=targets, value=value):
                assert all(isinstance(t, ast.Name) for t in targets)
                ast.literal_eval(value)
            case ast.AnnAssign(target=ast.Name(), annotation=annotation, value=value):
                _check_annotation(annotation)
                assert value is not None
                ast.literal_eval(value)
            case ast.FunctionDef(decorator_list=[], args=arguments, returns=returns):
                for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
                    ast.literal_eval(default)
                for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]:
                    if argument is not None and argument.annotation is not None:
                        _check_annotation(argument.annotation)
                if returns is not None:
                    _check_annotation(returns)
            case _:
                raise AssertionError(f"unexpected top-level statement: {ast.dump(statement)[:200]}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id not in _FORBIDDEN_NAMES, node.id
        if isinstance(node, ast.Attribute) and node.attr == "import_module":
            call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.func is node)
            assert [ast.literal_eval(a) for a in call.args] == ["numpy"]


def _check_annotation(node: ast.expr) -> None:
    for part in ast.walk(node):
        match part:
            case ast.Name(id=name):
                assert name in _ALLOWED_ANNOTATION_NAMES, name
            case ast.Constant(value=value):
                assert value is None or value is Ellipsis
            case ast.Subscript() | ast.Tuple() | ast.BinOp(op=ast.BitOr()) | ast.Load() | ast.BitOr():
                pass
            case _:
                raise AssertionError(f"unexpected annotation: {ast.dump(node)}")


_HARMLESS_IMPORT = r"""
import importlib.util, json, os, sys

BAD = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.kill", "os.remove", "os.unlink",
       "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.putenv", "os.unsetenv", "subprocess.", "socket.",
       "shutil.", "ctypes.", "webbrowser.", "urllib.", "http.", "pty.", "builtins.input", "sys.settrace")
events = []


def hook(event, arguments):
    if event.startswith(BAD):
        events.append(event)
    elif event == "open" and len(arguments) > 2:
        mode, flags = arguments[1], arguments[2]
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
            events.append(f"open for writing: {arguments[0]}")


sys.addaudithook(hook)
spec = importlib.util.spec_from_file_location("hostile", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
point = {name: 3 for name in module.PARAMETERS}
values = [module.flops(**point), module.memory_read(**point), module.memory_write(**point), module.memory_bytes(**point), module.arithmetic_intensity(**point)]
records = module.kernels(**point)
assert "numpy" not in sys.modules
sys.stdout.write(json.dumps({"events": events, "paths": [list(r["path"]) for r in records]}))
"""


def import_harmlessly(source: str, directory: Path) -> dict[str, Any]:
    """Import `source` in a fresh interpreter that records anything a module should not do."""
    directory.mkdir(exist_ok=True)
    path = directory / "generated.py"
    path.write_text(source, encoding="utf-8")
    before = sorted(p.name for p in directory.iterdir())
    result = subprocess.run([sys.executable, "-I", "-B", "-c", _HARMLESS_IMPORT, str(path)], capture_output=True, text=True, cwd=directory, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sorted(p.name for p in directory.iterdir()) == before
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["events"] == []
    return report


# The escaping path itself


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_string_literals_round_trip(text: str) -> None:
    code = string(text)
    assert ast.literal_eval(code) == text
    assert "\n" not in code and "\r" not in code and "\u2028" not in code
    assert code.isprintable()


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_docstrings_round_trip(text: str) -> None:
    code = docstring("Summary.\n" + text, "    ")
    source = f"def f():\n    {code}\n"
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef) and len(function.body) == 1
    lines = ("Summary.\n" + text).split("\n")
    expected = lines[0] + "".join("\n" + ("    " + line if line else "") for line in lines[1:]) + "\n    "
    assert ast.literal_eval(code) == expected
    assert all(line.isprintable() and line == line.rstrip(" \t") for line in code.split("\n"))


def test_literals_reject_what_python_cannot_write() -> None:
    for bad in (float("nan"), float("inf"), {1: "x"}, object()):
        with pytest.raises(LiteralError):
            literal(bad)
    nested: Any = 0
    for _ in range(60):
        nested = [nested]
    with pytest.raises(LiteralError):
        literal(nested)
    assert ast.literal_eval(literal({"a": [1, 2.5, None, True, "x\u2028"], "b": {"c": -0.0}})) == {"a": [1, 2.5, None, True, "x\u2028"], "b": {"c": -0.0}}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_refused(name: str) -> None:
    assert name_problem(name) is not None


@pytest.mark.parametrize("name", ["batch_size", "seq_len", "d_model", "N", "num_kv_heads2"])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert name_problem(name) is None


# Whole modules


def _hostile_library(library: Callable[..., Path], text: str) -> Path:
    return library(
        {
            "evil.Root": {
                "class_name": "evil.Root",
                "parameters": [{"name": "n", "description": text}, {"name": "m", "description": text, "default": "2 * n"}],
                "kernels": [
                    leaf(text, "n * m", "n * a_bytes", "m * a_bytes", analysis=text, **{text: text, "nested": {text: [text, 1.5, None]}}),
                    {**uniform(text + " composite", "3 * ${evil.Child}(n)"), "analysis": text},
                ],
            },
            "evil.Child": [leaf(text, "n", "n * a_bytes", "n * w_bytes", tag=text)],
        }
    )


@pytest.mark.parametrize("index", range(len(HOSTILE_TEXTS)))
def test_hostile_texts_give_a_harmless_module(index: int, library: Callable[..., Path], tmp_path: Path) -> None:
    text = HOSTILE_TEXTS[index]
    directory = _hostile_library(library, text)
    source = compiler.compile_module("evil.Root", [directory], emit="py")
    check_module_ast(source)
    report = import_harmlessly(source, tmp_path / "run")
    assert report["paths"] == [[text], [text + " composite", text + " (from Child)"]]
    module = compiler.load_cost_model("evil.Root", [directory])
    assert module.PARAMETERS["n"]["description"] == text
    assert module.PARAMETERS["m"] == {"description": text, "default": "2 * n"}
    first = module.kernels(n=5, a_bytes=2, w_bytes=1)[0]
    assert first[text] == text
    assert first["nested"] == {text: [text, 1.5, None]}
    assert module.flops(n=5) == 5 * 10 + 3 * 5


def test_hostile_modules_pass_ruff_and_mypy(library: Callable[..., Path], tmp_path: Path) -> None:
    from tests.helpers import RUFF

    files = []
    for index, text in enumerate(HOSTILE_TEXTS):
        directory = _hostile_library(library, text)
        target = tmp_path / f"hostile_{index}.py"
        target.write_text(compiler.compile_module("evil.Root", [directory], emit="py"), encoding="utf-8")
        files.append(str(target))
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is not None:
        result = subprocess.run([ruff, "check", *RUFF, *files], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout
    if importlib.util.find_spec("mypy") is not None:
        command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), *files]
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout
    if ruff is None and importlib.util.find_spec("mypy") is None:
        pytest.skip("neither ruff nor mypy is installed (both are in the test extra)")


def test_hostile_texts_through_the_cli(library: Callable[..., Path], tmp_path: Path) -> None:
    text = '"""\u2028\\ __import__("os").system("touch PWNED")'
    directory = _hostile_library(library, text)
    weird = tmp_path / 'lib """ \u2028 \\ dir'
    directory.rename(weird)
    target = tmp_path / "out.py"
    result = run_kc("compile", "evil.Root", "--lib", str(weird), "--emit", "py", "-o", str(target))
    assert result.returncode == 0, result.stderr
    source = target.read_text(encoding="utf-8")
    check_module_ast(source)
    module_doc = ast.get_docstring(ast.parse(source), clean=False) or ""
    assert "kc compile evil.Root --lib" in module_doc and str(weird) in module_doc
    import_harmlessly(source, tmp_path / "run")
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "inferred"])
def test_hostile_parameter_names_fail_cleanly(name: str, declared: bool, library: Callable[..., Path], tmp_path: Path) -> None:
    module: dict[str, Any] = {"class_name": "evil.Names", "kernels": [leaf("k", f"2 * {name} * n", "n * a_bytes", "n * a_bytes")]}
    if declared:
        module["parameters"] = [name, "n"]
    directory = library({"evil.Names": module})
    target = tmp_path / "out.py"
    target.write_text("previous contents")
    result = run_kc("compile", "evil.Names", "--lib", str(directory), "--emit", "py", "-o", str(target))
    if name == "True" and not declared:  # in a formula, True is the number 1 (SEMANTICS §8), never a parameter
        assert result.returncode == 0 and "def flops(*, n" in target.read_text()
        return
    assert_clean_failure(result)
    assert "error[KC601]" in result.stderr, result.stderr
    assert repr(name) in result.stderr
    assert ("at parameters[0]" if declared else "at kernels[0].flops") in result.stderr
    assert target.read_text() == "previous contents"
    with pytest.raises(compiler.KcError):
        compiler.compile_module("evil.Names", [directory], emit="py")


@pytest.mark.parametrize(
    "name",
    ["__import__('os').system('touch PWNED')", "x\n", "café", "a-b", "x y", "", "1st", "\u2028"],
)
def test_names_that_are_not_identifiers_fail_cleanly(name: str, library: Callable[..., Path]) -> None:
    module = {"class_name": "evil.Names", "parameters": [name, "n"], "kernels": [leaf("k", "2 * n", "n * a_bytes", "n * a_bytes")]}
    directory = library({"evil.Names": module})
    result = run_kc("compile", "evil.Names", "--lib", str(directory), "--emit", "py")
    assert_clean_failure(result)
    assert "error[KC" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "error[KC002]: invalid JSON: NaN is not a number in JSON"),  # refused when the file is read
        ("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), f"error[KC602]: kernel 'k' carries a value that cannot be written in generated Python: nested more than {MAX_NESTING} levels deep"),
    ],
)
def test_unwritable_kernel_values_fail_cleanly(tmp_path: Path, value: str, message: str) -> None:
    kernel = '{"kernel_type": "basic", "operation": "k", "flops": "n", "memory_access": {"read": "n", "write": "n"}, "weight": ' + value + "}"
    (tmp_path / "evil.Values.json").write_text('{"class_name": "evil.Values", "kernels": [' + kernel + "]}")
    result = run_kc("compile", "evil.Values", "--lib", str(tmp_path), "--emit", "py")
    assert_clean_failure(result, message)


def test_renaming_fixes_a_refused_name(library: Callable[..., Path]) -> None:
    directory = library({"evil.Names": [leaf("k", "2 * lambda", "lambda * a_bytes", "lambda * a_bytes")]})
    failed = run_kc("compile", "evil.Names", "--lib", str(directory), "--emit", "py")
    assert_clean_failure(failed, "KC601", "--rename lambda=NEW_NAME")
    result = run_kc("compile", "evil.Names", "--lib", str(directory), "--emit", "py", "--rename", "lambda=wavelength")
    assert result.returncode == 0, result.stderr
    check_module_ast(result.stdout)


@pytest.mark.parametrize("golden", sorted(GOLDEN.rglob("*.py")), ids=lambda p: p.stem)
def test_golden_modules_have_the_safe_shape(golden: Path) -> None:
    check_module_ast(golden.read_text(encoding="utf-8"))

"""Fuzzing: whatever a module file holds, kc ends with a result or with diagnostics, quickly.

Formulas come from the grammar and are then mutated (truncated, spliced,
given stray braces, unicode, huge numbers); whole files are random JSON and
damaged valid files. Every input must give output from every backend or a
`KcError` (exit status 1 from the command line), never another exception or
a traceback, and within the hypothesis deadline.

The budget here is small (150 examples per test, under a minute); run longer
with `KC_FUZZ_SCALE=20 pytest tests/test_fuzz.py` (3,000 examples per test).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import compiler
from compiler.errors import KcError
from tests.helpers import examples, leaf, run_kc

pytestmark = pytest.mark.slow  # random inputs through the command line, many subprocesses

NAMES = ["batch_size", "seq_len", "hidden_size", "a_bytes", "w_bytes", "x", "if", "lambda", "é", "_"]
HELPER = {"class_name": "f.Helper", "kernels": [leaf("h", "2 * p * q", "p * a_bytes", "q * w_bytes")]}


def _grammar_formulas() -> st.SearchStrategy[str]:
    atoms = st.one_of(
        st.sampled_from(NAMES),
        st.sampled_from(["0", "1", "2.5", "1e3", ".5", "7.", "1e999", "9" * 250, "2 ** 2 ** 2 ** 100"]),
        st.builds(lambda n: f"{{{n}}}", st.sampled_from(NAMES)),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "^", "==", "<", "and", "or"]), inner),
            st.builds(lambda a: f"({a})", inner),
            st.builds(lambda a: f"-{a}", inner),
            st.builds(lambda a: f"not {a}", inner),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max", "sqrt", "log2", "floor", "exp"]), inner, inner),
            st.builds(lambda a, b, c: f"{a} if {b} else {c}", inner, inner, inner),
            st.builds(lambda a, b: f"${{f.Helper}}({a}, {b})", inner, inner),
            st.builds(lambda a, b: f"{a} * ${{f.Helper}}({b}, q=2, a_bytes=4)", inner, inner),
            st.builds(lambda a: f"${{f.Missing}}({a})", inner),
            st.just("${f.Helper}"),
        )

    return st.recursive(atoms, extend, max_leaves=12)


@st.composite
def mutated(draw: st.DrawFn, formula: st.SearchStrategy[str]) -> str:
    text = draw(formula)
    kind = draw(st.sampled_from(["keep", "truncate", "insert", "splice"]))
    if kind == "keep" or not text:
        return text
    position = draw(st.integers(0, len(text)))
    if kind == "truncate":
        return text[:position]
    if kind == "insert":
        return text[:position] + draw(st.sampled_from(["{", "}", "(", ")", "${", ",", "=", "\u2028", "\x00", "💥", "1e400", "\\"])) + text[position:]
    return text[:position] + draw(formula)


def _outcome(lib: Path, name: str) -> None:
    """Every backend gives text, or the compilation fails with diagnostics."""
    try:
        for emit in ("json", "py", "tex"):
            assert compiler.compile_module(name, [lib], emit=emit)
    except KcError as error:
        assert error.diagnostics.errors


SETTINGS = settings(max_examples=examples(150), deadline=5000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@SETTINGS
@given(flops=mutated(_grammar_formulas()), read=mutated(_grammar_formulas()))
def test_formulas(tmp_path_factory: Any, flops: str, read: str) -> None:
    lib = tmp_path_factory.mktemp("lib")
    (lib / "f.Helper.json").write_text(json.dumps(HELPER))
    (lib / "f.Root.json").write_text(json.dumps({"kernels": [leaf("k", flops, read, "0")]}))
    _outcome(lib, "f.Root")


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20), st.sampled_from(["1", "${f.Helper}(1, 2)", "n"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["kernels", "operation", "flops", "memory_access", "read", "write", "sub_kernels", "repeat", "parameters", "name", "default", "class_name", "module"]), inner, max_size=5)),
    max_leaves=25,
)


@SETTINGS
@given(document=_json)
def test_random_json_files(tmp_path_factory: Any, document: Any) -> None:
    lib = tmp_path_factory.mktemp("lib")
    (lib / "f.Helper.json").write_text(json.dumps(HELPER))
    (lib / "f.Root.json").write_text(json.dumps(document))
    _outcome(lib, "f.Root")


VALID = json.dumps({"class_name": "f.Root", "parameters": ["n", {"name": "m", "default": "n // 2"}], "kernels": [
    leaf("k", "2 * n * m", "n * a_bytes", "m * w_bytes"),
    {"operation": "g", "repeat": "n", "sub_kernels": [leaf("s", "${f.Helper}(n, m)", "${f.Helper}(n, m)", "${f.Helper}(n, m)")]},
]}, indent=1)


@SETTINGS
@given(start=st.integers(0, len(VALID)), length=st.integers(0, 40), insert=st.text(max_size=10))
def test_damaged_files(tmp_path_factory: Any, start: int, length: int, insert: str) -> None:
    lib = tmp_path_factory.mktemp("lib")
    (lib / "f.Helper.json").write_text(json.dumps(HELPER))
    (lib / "f.Root.json").write_text(VALID[:start] + insert + VALID[start + length :], encoding="utf-8")
    _outcome(lib, "f.Root")


@settings(max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flops=mutated(_grammar_formulas()))
def test_the_command_line_never_shows_a_traceback(tmp_path_factory: Any, flops: str) -> None:
    lib = tmp_path_factory.mktemp("lib")
    (lib / "f.Helper.json").write_text(json.dumps(HELPER))
    (lib / "f.Root.json").write_text(json.dumps({"kernels": [leaf("k", flops, "0", "0")]}))
    for emit in ("json", "py", "tex"):
        result = run_kc("compile", "f.Root", "--lib", str(lib), "--emit", emit)
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr

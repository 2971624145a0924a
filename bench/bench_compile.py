"""Compile speed: a built-in composite in process and the CLI's cold start (library size and depth: bench_scaling)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import Result, best_of

from compiler.backends import emit
from compiler.input.library import Library
from compiler.pipeline import compile_tree

BUILTIN_COMPOSITE = "transformers.models.llama.modeling_llama.LlamaMLP"


def compile_once(directories: list[Path], name: str) -> str:
    library = Library.from_path(directories, environment=False)
    compilation = compile_tree(library, name)
    assert compilation.tree is not None
    return emit(compilation.tree, "json")


def run() -> list[Result]:
    results = []
    compile_once([], BUILTIN_COMPOSITE)  # warm: grammar and schema built once per process
    seconds = best_of(lambda: compile_once([], BUILTIN_COMPOSITE), 5)
    results.append(Result(f"compile {BUILTIN_COMPOSITE.rsplit('.', 1)[-1]} in process", seconds, "s", note="built-in composite"))

    baseline = best_of(lambda: subprocess.run([sys.executable, "-c", "import sympy, lark, jinja2"], check=True), 5)
    command = [sys.executable, "-m", "compiler", "compile", BUILTIN_COMPOSITE]
    cold = best_of(lambda: subprocess.run(command, check=True, capture_output=True), 5)
    ratio = cold / baseline
    results.append(
        Result(
            "CLI cold start, `kc compile` of a built-in module",
            cold,
            "s",
            goal="≤ 1.5× baseline",
            baseline=f"`python -c \"import sympy, lark, jinja2\"` {baseline * 1000:.0f} ms",
            ratio=ratio,
            met=ratio <= 1.5,
        )
    )
    return results

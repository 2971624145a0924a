"""How compile time grows with library size and reference depth, and the memory a compilation takes."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from common import Result, best_of, synthetic_library

from compiler.backends import emit
from compiler.input.library import Library
from compiler.input.modulefile import _parsed
from compiler.language import parse as frontend
from compiler.pipeline import compile_tree


def _compile(directory: Path, root: str) -> int:
    """A cold compilation (a fresh library, empty parse caches); the number of modules it reached."""
    _parsed.cache_clear()
    frontend._parse.cache_clear()
    library = Library.from_path([directory], environment=False)
    compilation = compile_tree(library, root)
    assert compilation.tree is not None
    emit(compilation.tree, "json")
    return len(library.read())


def _timed(modules: int, depth: int, fanout: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as scratch:
        root = synthetic_library(Path(scratch), modules=modules, depth=depth, fanout=fanout)
        return best_of(lambda: _compile(Path(scratch), root), 3), _compile(Path(scratch), root)


def _peak_rss(code: str) -> float:
    """Peak resident memory, in MiB, of a fresh interpreter running `code`.

    VmHWM belongs to the new process image; getrusage's maxrss would carry the
    benchmark process's own peak across fork and exec."""
    script = code + "\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return int(output.split()[-1]) / 1024


def run() -> list[Result]:
    results = []
    baseline, _ = _timed(10, 10, 2)
    for modules in (10, 100, 1_000, 10_000):
        seconds, reached = _timed(modules, 10, 2)
        results.append(
            Result(
                f"compile a synthetic library of {modules:,} modules, depth 10",
                seconds,
                "s",
                baseline=f"10 modules: {baseline * 1000:.0f} ms",
                ratio=seconds / baseline,
                note=f"the root reaches {reached:,} modules; cold parse caches",
                **({"goal": "≤ 2 s", "met": seconds <= 2.0} if modules == 1_000 else {}),
            )
        )
    shallow, _ = _timed(1, 1, 1)
    for depth in (1, 10, 25, 50):
        seconds, _ = _timed(depth, depth, 1)
        results.append(
            Result(
                f"compile a chain of references {depth} deep",
                seconds,
                "s",
                baseline=f"depth 1: {shallow * 1000:.0f} ms",
                ratio=seconds / shallow,
            )
        )
    imports = _peak_rss("import sympy, lark, jinja2")
    with tempfile.TemporaryDirectory() as scratch:
        root = synthetic_library(Path(scratch), modules=1_000, depth=10)
        code = textwrap.dedent(f"""
            import sys
            sys.argv = ["kc", "compile", {root!r}, "--lib", {scratch!r}, "-o", {scratch + "/out.json"!r}]
            from compiler.cli.app import main
            try:
                main()
            except SystemExit as exit:
                assert not exit.code, exit.code
        """)
        peak = _peak_rss(code)
    results.append(
        Result(
            "memory peak of `kc compile`, 1,000-module library",
            peak,
            "MiB",
            baseline=f"`import sympy, lark, jinja2`: {imports:.0f} MiB",
            ratio=peak / imports,
        )
    )
    return results

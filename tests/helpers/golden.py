"""Golden files: compare with or rewrite them (`pytest --update-golden`), and the round trip of compiled output."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import compiler
from compiler.backends import emit
from compiler.input.library import BUILTIN, Library
from compiler.pipeline import Compiled, compile_tree
from tests.helpers import GOLDEN

CASES = sorted(p.name for p in (GOLDEN / "cases").iterdir() if p.is_dir())
BUILTINS = sorted(p.stem for p in BUILTIN.glob("*.json"))


def _roots() -> list[str]:
    referenced: set[str] = set()
    for name in BUILTINS:
        referenced.update(re.findall(r"\$\{([^}]+)\}", (BUILTIN / f"{name}.json").read_text(encoding="utf-8")))
    return [name for name in BUILTINS if name not in referenced]


ROOTS = _roots()
"""The built-in modules no other built-in module references: between them, their trees hold every leaf of the library."""
OUTPUT_SCHEMA = json.loads((resources.files("compiler") / "schemas" / "output.schema.json").read_text())


@functools.cache
def compiled(name: str, lib: tuple[str, ...] = ()) -> Compiled:
    """Module `name` compiled once per test process (the built-in library, or the directories `lib` before it):
    every backend's goldens and the value checks read the same immutable tree."""
    return compile_tree(Library.from_path([Path(p) for p in lib], environment=False), name)


@functools.cache
def emitted(name: str, lib: tuple[str, ...] = (), format: str = "json") -> str:
    """`compiler.compile_module(name, lib, emit=format)` without $KC_PATH, from the tree `compiled` keeps."""
    return emit(compiled(name, lib).tree, format)


def check_golden(text: str, golden: Path, update: bool) -> None:
    if update or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"{golden} did not exist and was written; review it and run again")
    assert text == golden.read_text(encoding="utf-8")


def check_round_trip(text: str, tmp_path: Path) -> None:
    """The output is valid input, and compiling it again gives the same totals."""
    document = json.loads(text)
    jsonschema.validate(document, OUTPUT_SCHEMA)
    name = document["class_name"]
    (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
    again = json.loads(compiler.compile_module(name, [tmp_path]))
    assert again["totals"] == document["totals"]

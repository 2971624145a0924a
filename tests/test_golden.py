"""Golden files of the JSON backend: the seed's examples, hand-written cases, every built-in module.

Each output must match its golden file byte for byte, validate against the
shipped output schema, and compile again (as input) to the same totals.
Run `pytest --update-golden` to rewrite them, then review the diff.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import compiler
from compiler.input.library import BUILTIN

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in (GOLDEN / "cases").iterdir() if p.is_dir())
BUILTINS = sorted(p.stem for p in BUILTIN.glob("*.json"))
OUTPUT_SCHEMA = json.loads((resources.files("compiler") / "schemas" / "output.schema.json").read_text())


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


@pytest.mark.parametrize("case", CASES)
def test_case(case: str, update_golden: bool, tmp_path: Path) -> None:
    directory = GOLDEN / "cases" / case
    root = (directory / "root").read_text().strip()
    text = compiler.compile_module(root, [directory / "lib"])
    check_golden(text, GOLDEN / "json" / f"{case}.json", update_golden)
    check_round_trip(text, tmp_path)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin(name: str, update_golden: bool, tmp_path: Path) -> None:
    text = compiler.compile_module(name, environment_free := [])  # noqa: F841 - only the built-in library
    check_golden(text, GOLDEN / "json" / "builtin" / f"{name}.json", update_golden)
    check_round_trip(text, tmp_path)

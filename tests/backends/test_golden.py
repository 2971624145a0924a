"""Golden files of the JSON backend: the seed's examples, hand-written cases, every built-in module.

Each output must match its golden file byte for byte, validate against the
shipped output schema, and compile again (as input) to the same totals.
Run `pytest --update-golden` to rewrite them, then review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import compiler
from tests.helpers import GOLDEN
from tests.helpers.golden import BUILTINS, CASES, check_golden, check_round_trip, emitted


@pytest.mark.parametrize("case", CASES)
def test_case(case: str, update_golden: bool, tmp_path: Path) -> None:
    directory = GOLDEN / "cases" / case
    root = (directory / "root").read_text().strip()
    text = compiler.compile_module(root, [directory / "lib"])
    check_golden(text, GOLDEN / "json" / f"{case}.json", update_golden)
    check_round_trip(text, tmp_path)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin(name: str, update_golden: bool, tmp_path: Path) -> None:
    text = emitted(name)  # compiler.compile_module(name), from the tree the other backends' goldens read too
    check_golden(text, GOLDEN / "json" / "builtin" / f"{name}.json", update_golden)
    check_round_trip(text, tmp_path)

"""kc's own code passes the linters it holds generated modules to (ruff with the
rules in pyproject.toml, mypy --strict on the package), and keeps its layout:
the eval wing uses the compiler through its public API, and tests import
what they share from tests.helpers, never from one another."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT


@pytest.mark.slow
def test_ruff() -> None:
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the test extra)")
    result = subprocess.run([ruff, "check", "compiler", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the test extra)")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> list[str]:
    """The modules `path` imports, absolute names as written."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_tests_import_helpers_one_way() -> None:
    for path in sorted(p for p in (ROOT / "tests").rglob("*.py") if "golden" not in p.parts):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top not in ("conftest", "pyeval", "evaluator", "texrun") and not top.startswith("test_"), f"{path}: imports {name}"
            if name.startswith("tests."):
                assert name == "tests.helpers" or name.startswith("tests.helpers."), f"{path}: imports {name}"


def test_the_eval_wing_uses_the_public_api() -> None:
    """compiler/eval reaches the compiler through `compiler` itself, its errors, settings, outputs and Hugging Face configs."""
    allowed = ("compiler", "compiler.errors", "compiler.settings", "compiler.output", "compiler.hf")
    for path in sorted((ROOT / "compiler" / "eval").glob("*.py")):
        for name in _imports(path):
            if name.startswith("compiler") and not name.startswith("compiler.eval"):
                assert name in allowed, f"{path}: imports {name}"

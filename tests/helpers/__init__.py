"""What the tests share: paths, module-file builders, the CLI as a subprocess, ../shared."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
GOLDEN = TESTS / "golden"
CONFIGS = TESTS / "hf_configs"
DOCS = ROOT / "docs"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpora" / "lm-predictor-gpt2"
SEED = SHARED / "seeds" / "expand_module_references.md"


def leaf(operation: str, flops: Any, read: Any, write: Any, **more: Any) -> dict[str, Any]:
    """A kernel of a module file, labelled as kc would label it."""
    kind = "composite" if "${" in f"{flops}{read}{write}" else "basic"
    return {"kernel_type": kind, "operation": operation, "flops": flops, "memory_access": {"read": read, "write": write}, **more}


def uniform(operation: str, formula: str, **more: Any) -> dict[str, Any]:
    """A kernel with the same formula in all three fields, as real analyses write references."""
    return leaf(operation, formula, formula, formula, **more)


def run_kc(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `kc` command line in a fresh interpreter."""
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environment.pop("KC_PATH", None) if env is None or "KC_PATH" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        input=input,
        timeout=120,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 1, every needle in stderr, no traceback, nothing on stdout."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for needle in needles:
        assert needle in result.stderr, f"{needle!r} not in:\n{result.stderr}"


RUFF = ["--isolated", "--target-version", "py310", "--select", "E,F,W,I,B,UP,N,SIM,RUF", "--ignore", "E501,N803,N806,RUF001,RUF002,RUF003"]
"""The ruff settings generated modules are held to: everything but line length and the case of names from analyses."""


requires_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")


def examples(count: int) -> int:
    """A property test's number of examples, times `KC_FUZZ_SCALE` (default 1) to run longer."""
    return count * max(1, int(os.environ.get("KC_FUZZ_SCALE", "1")))

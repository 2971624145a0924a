"""What the tests share: paths, module-file builders, the CLI as a subprocess, ../shared."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
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


REAL_CONFIGS = {
    "llama": "Meta-Llama-3-8B.json",
    "mistral": "Mistral-7B-v0.1.json",
    "qwen2": "Qwen2.5-0.5B-Instruct.json",
    "qwen3": "Qwen3-8B.json",
    "gemma": "gemma-7b.json",
    "gpt2": "gpt2.json",
    "mixtral": "Mixtral-8x7B-v0.1.json",
    "phi3": "Phi-3-mini-4k-instruct.json",
    "qwen3_moe": "Qwen3-30B-A3B.json",
    "gemma3_text": "gemma-3-1b-it.json",
    "gpt_oss": "gpt-oss-20b.json",
    "deepseek_v3": "DeepSeek-V3.json",
}
"""Each built-in family's public model whose config.json is in tests/hf_configs."""


def real_config(family: str) -> dict[str, Any]:
    """The public config of `family`'s model (REAL_CONFIGS), parsed."""
    config: dict[str, Any] = json.loads((CONFIGS / REAL_CONFIGS[family]).read_text(encoding="utf-8"))
    return config


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


class TooSlow(BaseException):
    """Raised into code that ran past the time `at_most` gave it (a BaseException, so no `except Exception` swallows it)."""


@contextlib.contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Interrupt the block with `TooSlow` after `seconds` (the main thread only, where signals arrive)."""

    def expire(signum: int, frame: object) -> None:
        raise TooSlow(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

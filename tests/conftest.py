"""Fixtures: golden-file updates, temporary libraries. What tests share besides fixtures is in tests/helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def library(tmp_path: Path) -> Callable[..., Path]:
    """Write modules into a fresh directory: `library({"a.B": [kernels...] or {module...} or "raw text"})`."""

    def write(modules: Mapping[str, Any], directory: str = "lib") -> Path:
        root = tmp_path / directory
        root.mkdir(exist_ok=True)
        for name, body in modules.items():
            if isinstance(body, str):  # raw text, for malformed files
                text = body
            else:
                data = body if isinstance(body, dict) else {"class_name": name, "kernels": body}
                text = json.dumps(data, indent=2)
            (root / f"{name}.json").write_text(text, encoding="utf-8")
        return root

    return write

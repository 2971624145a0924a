"""Fixtures: golden-file updates, temporary libraries. What tests share besides fixtures is in tests/helpers."""

from __future__ import annotations

import compileall
import contextlib
import inspect
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Bytecode, written even where PYTHONDONTWRITEBYTECODE is set: kc's once, by the controlling process, so that
    no `kc` process of the suite compiles its source; the test modules' as pytest rewrites their asserts, so that
    each worker's collection reads them instead of rewriting them (8 s a worker without, 5 s with, on 2 cores)."""
    sys.dont_write_bytecode = False
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(Path(__file__).resolve().parent.parent / "compiler", quiet=1)


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


_SPAWNS = ("run_kc(", "subprocess.", "Popen(")


def _spawning_names(module: Any) -> set[str]:
    """The functions of a test module that start a process, directly or through another of its functions."""
    sources = {}
    for name, value in vars(module).items():
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            with contextlib.suppress(OSError, TypeError):
                sources[name] = inspect.getsource(value)
    spawning = {name for name, source in sources.items() if any(marker in source for marker in _SPAWNS)}
    while True:
        more = {name for name, source in sources.items() if name not in spawning and any(f"{other}(" in source for other in spawning)}
        if not more:
            return spawning
        spawning |= more


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start processes (the command line, pdflatex, a browser) are `slow`: the fast loop runs in process."""
    cache: dict[str, set[str]] = {}
    for item in items:
        function = getattr(item, "function", None)
        module = getattr(item, "module", None)
        if function is None or module is None:
            continue
        if module.__name__ not in cache:
            cache[module.__name__] = _spawning_names(module)
        if function.__name__ in cache[module.__name__]:
            item.add_marker(pytest.mark.slow)

"""Backends: a compiled tree written in one output format."""

from __future__ import annotations

import importlib
from typing import Any

from compiler.language import ir
from compiler.limits import collector_paused
from compiler.tree import Tree

FORMATS = ("json", "tex", "py", "html", "resolved")


def emit(tree: Tree[ir.Expr], format: str, **options: Any) -> str:
    """`tree` as text in `format`; each backend is a module with an `emit(tree, **options)` function.

    The cycle collector waits, as during the compilation: a collection here
    walks the whole tree and finds nothing (a third of the time of writing
    the JSON of 1,000 kernels, timed with and without it).
    """
    if format not in FORMATS:
        raise ValueError(f"unknown output format {format!r}; choose from {', '.join(FORMATS)}")
    backend = importlib.import_module(f"compiler.backends.{format}")
    with collector_paused():
        text: str = backend.emit(tree, **options)
    return text

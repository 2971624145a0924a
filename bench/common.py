"""Shared pieces of the benchmarks: results, timing, and synthetic libraries."""

from __future__ import annotations

import compileall
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    """One measured figure; `ratio` compares it with a baseline measured in the same run."""

    name: str
    value: float
    unit: str
    goal: str = ""
    baseline: str = ""
    ratio: float | None = None
    met: bool | None = None
    note: str = ""


def write_bytecode() -> None:
    """Compile kc's modules to bytecode, as `pip install` does, so that no process of a benchmark compiles source.

    An editable install writes the bytecode on first import, unless
    PYTHONDONTWRITEBYTECODE is set (as it is on some shared machines): then
    every `kc` process would compile about eighty modules first.
    """
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "compiler", quiet=1)


def best_of(function: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds: the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def median_of(function: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def leaf(operation: str, flops: str, read: str, write: str) -> dict[str, object]:
    kind = "composite" if "${" in flops + read + write else "basic"
    return {"kernel_type": kind, "operation": operation, "flops": flops, "memory_access": {"read": read, "write": write}}


def synthetic_library(directory: Path, modules: int, depth: int, fanout: int = 2) -> str:
    """Write `modules` modules in `depth` levels, each calling `fanout` modules of the next level.

    Every module has a direct kernel and references with bare-name and
    product arguments, as real analyses do. Returns the root's name.
    """
    directory.mkdir(parents=True, exist_ok=True)
    per_level = max(1, modules // depth)
    names = [[f"synthetic.level{level}.M{i}" for i in range(per_level)] for level in range(depth)]
    for level, row in enumerate(names):
        for index, name in enumerate(row):
            kernels = [
                leaf(
                    "Element-wise work",
                    f"{level + 2} * batch_size * seq_len * hidden_size",
                    "batch_size * seq_len * hidden_size * a_bytes + hidden_size * w_bytes",
                    "batch_size * seq_len * hidden_size * a_bytes",
                )
            ]
            if level + 1 < depth:
                below = names[level + 1]
                for k in range(fanout):
                    callee = below[(index * fanout + k) % len(below)]
                    reference = f"${{{callee}}}(batch_size, seq_len, hidden_size, {k + 1} * heads)"
                    kernels.append(leaf(f"Call {k}", reference, reference, reference))
            else:
                kernels.append(
                    leaf(
                        "Projection",
                        "2 * batch_size * seq_len * hidden_size * heads",
                        "batch_size * seq_len * hidden_size * a_bytes + hidden_size * heads * w_bytes",
                        "batch_size * seq_len * heads * a_bytes",
                    )
                )
            document = {"class_name": name, "parameters": ["batch_size", "seq_len", "hidden_size", "heads"], "kernels": kernels}
            (directory / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    return names[0][0]

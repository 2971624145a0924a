"""Sweep: many configurations at once through a module's generated cost functions, and token generation.

A sweep is the Cartesian product of its axes (`--sweep NAME=V1,V2,…` or
`NAME=START:STOP[:STEP]`, STOP included, STEP `*F` for a geometric range).
Configurations are evaluated in chunks: one call of the generated
`kernels()` per chunk with numpy float64 arrays, then the roofline of every
kernel, all vectorized; nothing is evaluated one point at a time.

Generation (`--generate N`) is one prefill of `seq_len` tokens and N decode
steps, step i having `seq_len = 1` and `cache_len = cache_len₀ + seq_len₀ + i`,
the cache growing by one token per step; the steps are one more array axis,
summed.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from compiler.errors import EvalError
from compiler.eval.cost import CATEGORIES, KernelCost, Peaks, TotalCost, accumulate, kernel_costs
from compiler.eval.values import Number, parse_number, python_name

CHUNK = 32768
"""Array elements (configurations times decode steps) per call of `kernels()`: big enough to amortize Python, small enough for the cache."""
MAX_CONFIGURATIONS = 10**7
MAX_AXIS = 10**7

Progress = Callable[[int], None]
"""Called with the number of configurations finished since the last call."""


@dataclass(frozen=True)
class Axis:
    """One swept parameter and its values, in order."""

    name: str
    values: tuple[Number, ...]


def parse_axis(text: str) -> Axis:
    """`NAME=V1,V2,…` or `NAME=START:STOP[:STEP]` (STOP included; STEP `*F` multiplies); EvalError if malformed."""
    written, equals, spec = text.partition("=")
    name = python_name(written.strip())  # `config.n_embd` and `bytes` are swept as the generated code spells them
    if not equals or not name.isidentifier() or not spec.strip():
        raise EvalError(f"expected NAME=V1,V2,... or NAME=START:STOP[:STEP], got {text!r}")
    if ":" not in spec:
        values = [parse_number(item, name) for item in spec.split(",")]
        return Axis(name, tuple(values))
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise EvalError(f"{name}: expected START:STOP or START:STOP:STEP, got {spec!r}")
    start, stop = parse_number(parts[0], name), parse_number(parts[1], name)
    step_text = parts[2].strip() if len(parts) == 3 else "1"
    if stop < start:
        raise EvalError(f"{name}: the range {spec!r} is empty (STOP is less than START)")
    if step_text.startswith("*"):
        factor = parse_number(step_text[1:], f"{name} (step)")
        if factor <= 1 or start <= 0:
            raise EvalError(f"{name}: a geometric range needs START > 0 and a factor > 1, got {spec!r}")
        count = 1 + math.floor(math.log(stop / start) / math.log(factor) + 1e-9)
        values = _bounded(name, count, lambda i: start * Fraction(factor) ** i, stop)
    else:
        step = parse_number(step_text, f"{name} (step)")
        if step <= 0:
            raise EvalError(f"{name}: the step must be positive, got {step_text!r}")
        count = (stop - start) // step + 1
        values = _bounded(name, count, lambda i: start + i * step, stop)
    return Axis(name, tuple(values))


def _bounded(name: str, count: int, value: Callable[[int], Any], stop: Number) -> list[Number]:
    if count > MAX_AXIS:
        raise EvalError(f"{name}: the range has {count:,} values; at most {MAX_AXIS:,} are allowed")
    values = []
    for index in range(int(count) + 1):
        item = Fraction(value(index))
        if item > stop:
            break
        values.append(item.numerator if item.denominator == 1 else item)
    return values


def size(axes: Sequence[Axis]) -> int:
    return math.prod(len(axis.values) for axis in axes)


@dataclass(frozen=True)
class SweepResult:
    """TotalCost per configuration (flattened Cartesian product, the last axis varying fastest)."""

    axes: tuple[Axis, ...]
    coordinates: dict[str, Any]
    """Each swept parameter's value per configuration, as a float64 array."""
    total: TotalCost
    prefill: TotalCost | None = None
    decode: TotalCost | None = None
    """With generation: the prefill's totals and the decode steps' totals, summed over the steps."""
    steps: int = 0
    memory: Any = None
    """The footprint of every configuration (`compiler.eval.memory.Memory` of arrays); None without one."""

    @property
    def count(self) -> int:
        return size(self.axes)


def _floats(values: Mapping[str, Number]) -> dict[str, float]:
    """Values as floats, so that numpy computes in float64 throughout (ints mixed in could overflow int64)."""
    return {name: float(value) for name, value in values.items()}


def _decode_steps(values: Mapping[str, Any], steps: int) -> Iterator[dict[str, Any]]:
    """The arguments of the `steps` decode steps after a prefill of `values`, in blocks of steps.

    Values may be numbers or one-dimensional arrays (of configurations): each
    becomes a column, one row per configuration, and each block adds one
    column per step, step i having seq_len = 1 and cache_len = cache_len + seq_len + i.
    """
    import numpy

    columns = {name: (numpy.asarray(v, dtype=float).reshape(-1, 1) if numpy.ndim(v) else float(v)) for name, v in values.items()}
    context = columns.get("cache_len", 0.0) + columns["seq_len"]
    block = max(1, min(steps, CHUNK))
    for first in range(0, steps, block):
        offsets = numpy.arange(first, min(steps, first + block), dtype=float).reshape(1, -1)
        yield {**columns, "seq_len": numpy.ones_like(offsets), "cache_len": context + offsets}


def decode_costs(model: types.ModuleType, values: Mapping[str, Any], peaks: Peaks, steps: int) -> list[KernelCost]:
    """The `steps` decode steps after a prefill of `values`, each kernel summed over the steps (float64)."""
    import numpy

    configurations = numpy.broadcast_shapes(*(numpy.shape(v) for v in values.values()))
    result: list[KernelCost] | None = None
    for arguments in _decode_steps(values, steps):
        costs = [cost.reduce(lambda array: numpy.sum(array, axis=-1).reshape(configurations)) for cost in kernel_costs(model.kernels(**arguments), peaks)]
        result = costs if result is None else [a + b for a, b in zip(result, costs, strict=True)]
    assert result is not None
    return result


def decode_totals(model: types.ModuleType, values: Mapping[str, Any], peaks: Peaks, steps: int) -> TotalCost:
    """The totals of `decode_costs`, for one-dimensional arrays of configurations, summed in place."""
    import numpy

    count = numpy.broadcast_shapes(*(numpy.shape(v) for v in values.values()))[0]
    result: TotalCost | None = None
    for arguments in _decode_steps(values, steps):
        shape = (count, arguments["seq_len"].shape[1])
        summed = accumulate(model.kernels(**arguments), peaks, shape).reduce(lambda array: array.sum(axis=-1))
        result = summed if result is None else result + summed
    assert result is not None
    return result


def run(
    model: types.ModuleType,
    fixed: Mapping[str, Number],
    axes: Sequence[Axis],
    peaks: Peaks,
    *,
    steps: int = 0,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> SweepResult:
    """Every configuration of the Cartesian product of `axes` (with `fixed` values), vectorized in chunks."""
    import numpy

    count = size(axes)
    if count > MAX_CONFIGURATIONS:
        raise EvalError(f"the sweep has {count:,} configurations; at most {MAX_CONFIGURATIONS:,} are allowed")
    shape = tuple(len(axis.values) for axis in axes)
    grids = [numpy.array([float(v) for v in axis.values]) for axis in axes]
    scalars = _floats(fixed)
    per_chunk = max(1, chunk // max(1, min(steps, chunk))) if steps else chunk
    fields = ("flops", "read", "write", "time", "compute_bound_time")
    parts = ("total", "prefill", "decode") if steps else ("total",)
    out = {part: {f: numpy.empty(count) for f in (*fields, *(f"time:{c}" for c in CATEGORIES), *(f"flops:{c}" for c in CATEGORIES))} for part in parts}
    coordinates = {axis.name: numpy.empty(count) for axis in axes}
    for start in range(0, count, per_chunk):
        stop = min(count, start + per_chunk)
        indices = numpy.unravel_index(numpy.arange(start, stop), shape) if axes else ()
        arrays = {axis.name: grid[index] for axis, grid, index in zip(axes, grids, indices, strict=True)}
        values: dict[str, Any] = {**scalars, **arrays}
        if not axes:  # one configuration, still computed with arrays, as every sweep is
            values = {name: numpy.full(1, value) for name, value in scalars.items()}
        prefill = accumulate(model.kernels(**values), peaks, (stop - start,))
        sums = {"total": prefill}
        if steps:
            decode = decode_totals(model, values, peaks, steps)
            sums = {"prefill": prefill, "decode": decode, "total": prefill + decode}
        for part, sum_ in sums.items():
            target = out[part]
            for f in fields:
                target[f][start:stop] = getattr(sum_, f)
            for c in CATEGORIES:
                target[f"time:{c}"][start:stop] = sum_.time_by_category[c]
                target[f"flops:{c}"][start:stop] = sum_.flops_by_category[c]
        for name, array in arrays.items():
            if name in coordinates:
                coordinates[name][start:stop] = array
        if progress is not None:
            progress(stop - start)
    made = {part: _totals(out[part]) for part in parts}
    return SweepResult(tuple(axes), coordinates, made["total"], made.get("prefill"), made.get("decode"), steps)


def _totals(arrays: Mapping[str, Any]) -> TotalCost:
    return TotalCost(
        arrays["flops"],
        arrays["read"],
        arrays["write"],
        arrays["time"],
        arrays["compute_bound_time"],
        {c: arrays[f"time:{c}"] for c in CATEGORIES},
        {c: arrays[f"flops:{c}"] for c in CATEGORIES},
    )

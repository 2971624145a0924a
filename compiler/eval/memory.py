"""Memory: does a configuration fit on the device, and the largest value of a parameter that does.

The footprint is the compiled module's `weight_bytes`, `cache_bytes` and
`activation_bytes` (SEMANTICS §9), exact at one configuration and float64
arrays over a sweep. The capacity is the device's memory times
`--memory-fraction` (an inference engine's `gpu_memory_utilization`). With
`--generate`, the footprint is the largest of the run: the cache after the
last decode step, the larger of the prefill's and that step's working sets.

`solve` finds the largest integer value of one parameter that fits, on the
closed form: the footprint grows with the parameter (a batch, a context
length), so an exponential search brackets the answer and a binary search
finds it, each step one exact evaluation with integers and Fractions.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from compiler.errors import EvalError
from compiler.eval.units import binary

FUNCTIONS = ("weight_bytes", "cache_bytes", "activation_bytes")
SOLVE_LIMIT = 2**62
"""The largest value `solve` tries: past it, nothing bounds the parameter."""


@dataclass(frozen=True)
class Memory:
    """The footprint of one configuration (ints) or of every configuration of a sweep (float64 arrays)."""

    weights: Any
    cache: Any
    activations: Any
    capacity: int | None
    """Usable bytes: the device's capacity times the memory fraction; None when the device gives none."""
    fraction: float = 1.0

    @property
    def total(self) -> Any:
        return self.weights + self.cache + self.activations

    @property
    def fits(self) -> Any:
        """Whether the total is at most the capacity; None without a capacity."""
        return None if self.capacity is None else self.total <= self.capacity

    def record(self) -> dict[str, Any]:
        """The `memory` object of `kc eval --format json`: bytes as integers, `fits` a boolean."""
        return {
            "weights": _integer(self.weights),
            "cache": _integer(self.cache),
            "activations": _integer(self.activations),
            "total": _integer(self.total),
            "capacity": self.capacity,
            "fits": None if self.fits is None else bool(self.fits),
            "memory_fraction": self.fraction,
        }

    def lines(self, device: str) -> list[str]:
        """The memory section under a point's table."""
        parts = f"weights {binary(self.weights)} + cache {binary(self.cache)} + activations {binary(self.activations)} = {binary(self.total)}"
        if self.capacity is None:
            return [f"memory: {parts}; {device} gives no memory capacity"]
        share = "" if self.fraction == 1 else f" ({self.fraction:g} of the device)"
        headroom = self.capacity - self.total
        verdict = f"fits, {binary(headroom)} to spare" if headroom >= 0 else f"does NOT fit: {binary(-headroom)} too much"
        return [f"memory: {parts} of {binary(self.capacity)} on {device}{share}: {verdict}"]


def _integer(value: Any) -> Any:
    """An exact byte count as an int (a Fraction rounds up: a partial byte is a byte)."""
    if isinstance(value, Fraction):
        return value.numerator // value.denominator + (value.denominator != 1)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def available(model: types.ModuleType) -> bool:
    """Whether the compiled module carries a footprint."""
    return all(hasattr(model, name) for name in FUNCTIONS)


def capacity_of(device_capacity: float | None, fraction: float) -> int | None:
    if device_capacity is None:
        return None
    return int(Fraction(device_capacity) * Fraction(str(fraction)))


def check_fraction(fraction: float) -> None:
    if not 0 < fraction <= 1:
        raise EvalError(f"--memory-fraction must be in (0, 1], not {fraction:g}")


def footprint(model: types.ModuleType, values: Mapping[str, Any], steps: int = 0) -> tuple[Any, Any, Any]:
    """Weights, cache and activations at `values`; with `steps` decode steps after it, the largest of the run."""
    weights, cache, activations = (getattr(model, name)(**values) for name in FUNCTIONS)
    if steps:
        last = {**values, "seq_len": 1, "cache_len": values.get("cache_len", 0) + values["seq_len"] + steps - 1}
        cache = _larger(cache, model.cache_bytes(**last))
        activations = _larger(activations, model.activation_bytes(**last))
    return weights, cache, activations


def _larger(a: Any, b: Any) -> Any:
    if hasattr(a, "shape") or hasattr(b, "shape"):
        import numpy

        return numpy.maximum(a, b)
    return max(a, b)


def of(model: types.ModuleType, values: Mapping[str, Any], capacity: int | None, fraction: float, steps: int = 0) -> Memory | None:
    """The memory of one configuration or of arrays of them; None when the module has no footprint."""
    if not available(model):
        return None
    try:
        weights, cache, activations = footprint(model, values, steps)
    except (ZeroDivisionError, ValueError, OverflowError) as error:
        raise EvalError(f"the footprint cannot be evaluated at these values: {error}") from None
    return Memory(weights, cache, activations, capacity, fraction)


def solve(model: types.ModuleType, values: Mapping[str, Any], name: str, capacity: int | None, steps: int = 0) -> int:
    """The largest integer value of `name` at which the footprint fits in `capacity`, at the other `values`."""
    if not available(model):
        raise EvalError("--solve needs a footprint, and this module carries none (docs/footprint.md)")
    if capacity is None:
        raise EvalError("--solve needs the device's memory capacity, and this device gives none (set memory_capacity in a --hardware-file)")

    def total(value: int) -> Any:
        try:
            return sum(footprint(model, {**values, name: value}, steps))
        except (ZeroDivisionError, ValueError, OverflowError) as error:
            raise EvalError(f"the footprint cannot be evaluated at {name}={value}: {error}") from None

    fits: Callable[[int], bool] = lambda value: bool(total(value) <= capacity)  # noqa: E731
    if not fits(1):
        raise EvalError(
            f"even {name}=1 does not fit: the footprint is {binary(total(1))} ({_integer(total(1)):,} bytes), "
            f"the capacity {binary(capacity)} ({capacity:,} bytes)"
        )
    low = 1
    while fits(low * 2):
        low *= 2
        if low >= SOLVE_LIMIT:
            raise EvalError(
                f"nothing bounds {name}: the footprint at {name}={low:,} still fits ({binary(total(low))}); "
                f"it does not grow with {name}"
            )
    high = low * 2  # low fits, high does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low

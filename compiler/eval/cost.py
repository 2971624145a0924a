"""Roofline: the time of each kernel on a device, from its FLOPs by kind and the bytes it moves.

A kernel takes `max(matmul_flops / P_matmul + vector_flops / P_vector, bytes / bandwidth)`:
its matrix-multiply and vector work run one after the other on their units,
and overlap perfectly with its memory traffic. Efficiencies scale the peaks
down (`P * compute_efficiency`, `bandwidth * memory_efficiency`). Kernels run
one after another, so a module's time is the sum of its kernels' times.

Every function here takes Python numbers (ints stay exact where no division
happens) or numpy arrays, which broadcast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from compiler.eval.hardware import Device

CATEGORIES = ("matmul", "vector", "none")
"""Compute tags of the built-in library; a kernel without a tag is costed as `vector` (see `split`)."""


@dataclass(frozen=True)
class Peaks:
    """The rates a run is costed at, efficiencies applied: FLOP/s and bytes/s."""

    device: Device
    precision: str
    matmul: float
    vector: float
    bandwidth: float
    compute_efficiency: float = 1.0
    memory_efficiency: float = 1.0
    vector_published: bool = True
    """False where the device lists no vector rate and the matmul peak stands in for it."""

    @classmethod
    def of(cls, device: Device, precision: str, compute_efficiency: float = 1.0, memory_efficiency: float = 1.0) -> Peaks:
        check_efficiencies(compute_efficiency, memory_efficiency)
        matmul = device.matmul[precision]
        vector = device.vector if device.vector is not None else matmul
        return cls(
            device,
            precision,
            matmul * compute_efficiency,
            vector * compute_efficiency,
            device.memory_bandwidth * memory_efficiency,
            compute_efficiency,
            memory_efficiency,
            device.vector is not None,
        )


def check_efficiencies(compute: float, memory: float) -> None:
    """ValueError unless both efficiencies are in (0, 1]."""
    for name, value in (("compute", compute), ("memory", memory)):
        if not 0 < value <= 1:
            raise ValueError(f"the {name} efficiency must be greater than 0 and at most 1, got {value}")


def split(flops: Any, compute: str) -> tuple[Any, Any]:
    """(matmul FLOPs, vector FLOPs) of a kernel with compute tag `compute`.

    `matmul` kernels run on the matrix units; everything else, including
    untagged kernels and FLOPs of a kernel tagged `none`, at the vector rate:
    the slower peak, so an untagged kernel is never made to look fast.
    """
    return (flops, 0) if compute == "matmul" else (0, flops)


def _maximum(a: Any, b: Any) -> Any:
    if hasattr(a, "ndim") or hasattr(b, "ndim"):
        import numpy

        return numpy.maximum(a, b)
    return a if a >= b else b


def _where(test: Any, a: Any, b: Any) -> Any:
    if hasattr(test, "ndim"):
        import numpy

        return numpy.where(test, a, b)
    return a if test else b


@dataclass(frozen=True)
class KernelCost:
    """A kernel's costs and times (numbers, or arrays of one shape), summed over the runs it stands for."""

    path: tuple[str, ...]
    compute: str
    """The kernel's compute tag: matmul, vector, none, or untagged."""
    flops: Any
    read: Any
    write: Any
    compute_time: Any
    memory_time: Any
    time: Any
    compute_bound_time: Any
    """The part of `time` spent in runs where compute binds (compute time ≥ memory time, and not zero)."""

    @property
    def bytes(self) -> Any:
        return self.read + self.write

    @property
    def category(self) -> str:
        """matmul, vector or none: what the stacked plots and per-category sums group by."""
        return self.compute if self.compute in CATEGORIES else "vector"

    def bound(self) -> str:
        """`compute` or `memory`: the limit that binds for most of the kernel's time; `none` when it takes none."""
        if not self.time:
            return "none"
        return "compute" if 2 * self.compute_bound_time >= self.time else "memory"

    def __add__(self, other: KernelCost) -> KernelCost:
        if other.path != self.path or other.compute != self.compute:
            raise ValueError(f"cannot add the costs of different kernels: {self.path} and {other.path}")
        return replace(self, **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self) if f.name not in ("path", "compute")})

    def reduce(self, function: Any) -> KernelCost:
        """Every number of the kernel passed through `function` (a sum over an axis, say)."""
        return replace(self, **{f.name: function(getattr(self, f.name)) for f in fields(self) if f.name not in ("path", "compute")})


def kernel_cost(record: Mapping[str, Any], peaks: Peaks) -> KernelCost:
    """The cost of one record of a generated module's `kernels()`."""
    tag = record.get("compute")
    compute = tag if isinstance(tag, str) and tag in CATEGORIES else "untagged"
    flops, read, write = record["flops"], record["read"], record["write"]
    matmul, vector = split(flops, compute)
    compute_time = matmul / peaks.matmul + vector / peaks.vector
    memory_time = (read + write) / peaks.bandwidth
    time = _maximum(compute_time, memory_time)
    compute_bound_time = _where((compute_time >= memory_time) & (compute_time > 0), time, 0.0 * time)
    return KernelCost(tuple(record["path"]), compute, flops, read, write, compute_time, memory_time, time, compute_bound_time)


def kernel_costs(records: Iterable[Mapping[str, Any]], peaks: Peaks) -> list[KernelCost]:
    return [kernel_cost(record, peaks) for record in records]


@dataclass(frozen=True)
class TotalCost:
    """Sums over kernels; each value a number or an array."""

    flops: Any
    read: Any
    write: Any
    time: Any
    compute_bound_time: Any
    time_by_category: dict[str, Any]
    flops_by_category: dict[str, Any]

    @property
    def bytes(self) -> Any:
        return self.read + self.write

    def __add__(self, other: TotalCost) -> TotalCost:
        return self.combine(other, lambda a, b: a + b)

    def reduce(self, function: Any) -> TotalCost:
        """Every number passed through `function` (a sum over an axis, say)."""
        return self.combine(self, lambda a, _: function(a))

    def combine(self, other: TotalCost, function: Any) -> TotalCost:
        """`function(mine, other's)` for every number, per category too."""
        return TotalCost(
            function(self.flops, other.flops),
            function(self.read, other.read),
            function(self.write, other.write),
            function(self.time, other.time),
            function(self.compute_bound_time, other.compute_bound_time),
            {c: function(v, other.time_by_category[c]) for c, v in self.time_by_category.items()},
            {c: function(v, other.flops_by_category[c]) for c, v in self.flops_by_category.items()},
        )


def totals(kernels: Sequence[KernelCost]) -> TotalCost:
    """The sums of `kernels`: costs, time (kernels run one after another), and time per compute category."""
    by_time: dict[str, Any] = dict.fromkeys(CATEGORIES, 0)
    by_flops: dict[str, Any] = dict.fromkeys(CATEGORIES, 0)
    flops: Any = 0
    read: Any = 0
    write: Any = 0
    time: Any = 0
    bound: Any = 0
    for kernel in kernels:
        flops = flops + kernel.flops
        read = read + kernel.read
        write = write + kernel.write
        time = time + kernel.time
        bound = bound + kernel.compute_bound_time
        by_time[kernel.category] = by_time[kernel.category] + kernel.time
        by_flops[kernel.category] = by_flops[kernel.category] + kernel.flops
    return TotalCost(flops, read, write, time, bound, by_time, by_flops)


def intensity(flops: Any, moved: Any) -> Any:
    """FLOPs per byte: None (a number) or inf (in an array) where no byte moves."""
    if hasattr(moved, "ndim"):
        import numpy

        with numpy.errstate(divide="ignore", invalid="ignore"):
            return numpy.where(moved > 0, numpy.asarray(flops, dtype=float) / numpy.where(moved > 0, moved, 1), numpy.inf)
    return flops / moved if moved else None


def accumulate(records: Iterable[Mapping[str, Any]], peaks: Peaks, shape: tuple[int, ...]) -> TotalCost:
    """The totals of `kernels()` records computed on arrays of `shape`, without keeping each kernel's costs.

    The same arithmetic as `totals(kernel_costs(records, peaks))`, value for
    value, done in place into a few arrays: the inner loop of sweeps.
    """
    import numpy

    def zeros() -> Any:
        return numpy.zeros(shape)

    flops, read, write, time, bound = zeros(), zeros(), zeros(), zeros(), zeros()
    by_time = {c: zeros() for c in CATEGORIES}
    by_flops = {c: zeros() for c in CATEGORIES}
    compute, memory, kernel_time = numpy.empty(shape), numpy.empty(shape), numpy.empty(shape)
    binds = numpy.empty(shape, dtype=bool)
    for record in records:
        tag = record.get("compute")
        category = tag if isinstance(tag, str) and tag in CATEGORIES else "vector"
        kernel_flops = record["flops"]
        numpy.divide(kernel_flops, peaks.matmul if category == "matmul" else peaks.vector, out=compute)
        numpy.add(record["read"], record["write"], out=memory)
        numpy.divide(memory, peaks.bandwidth, out=memory)
        numpy.maximum(compute, memory, out=kernel_time)
        numpy.greater_equal(compute, memory, out=binds)  # where both are 0 the kernel adds no time anyway
        numpy.add(bound, kernel_time, out=bound, where=binds)
        time += kernel_time
        by_time[category] += kernel_time
        flops += kernel_flops
        by_flops[category] += kernel_flops
        read += record["read"]
        write += record["write"]
    return TotalCost(flops, read, write, time, bound, by_time, by_flops)

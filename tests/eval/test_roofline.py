"""The roofline arithmetic, against times computed by hand."""

from __future__ import annotations

from fractions import Fraction

import numpy
import pytest

from compiler.eval.cost import Peaks, kernel_cost, kernel_costs, totals
from compiler.eval.hardware import Device

# A device with round figures: 1 PFLOP/s bf16 matmul, 10 TFLOP/s vector, 2 TB/s.
DEVICE = Device("round", "Round numbers", {"bf16": 1e15, "fp32": 1e13}, 1e13, 2e12)
PEAKS = Peaks.of(DEVICE, "bf16")


def record(path: str, compute: str | None, flops: int, read: int, write: int) -> dict[str, object]:
    entry: dict[str, object] = {"path": (path,), "flops": flops, "read": read, "write": write}
    if compute is not None:
        entry["compute"] = compute
    return entry


def test_compute_bound_matmul() -> None:
    # 4e12 FLOPs at 1e15 FLOP/s = 4 ms; 2e9 bytes at 2e12 B/s = 1 ms: compute binds, 4 ms.
    cost = kernel_cost(record("gemm", "matmul", 4 * 10**12, 10**9, 10**9), PEAKS)
    assert cost.compute_time == pytest.approx(4e-3, rel=1e-15)
    assert cost.memory_time == pytest.approx(1e-3, rel=1e-15)
    assert cost.time == pytest.approx(4e-3, rel=1e-15)
    assert cost.bound() == "compute"
    assert cost.compute_bound_time == cost.time


def test_memory_bound_vector() -> None:
    # 1e9 FLOPs at the vector rate 1e13 = 0.1 ms; 4e9 bytes at 2e12 = 2 ms: memory binds, 2 ms.
    cost = kernel_cost(record("norm", "vector", 10**9, 3 * 10**9, 10**9), PEAKS)
    assert cost.compute_time == pytest.approx(1e-4, rel=1e-15)
    assert cost.time == pytest.approx(2e-3, rel=1e-15)
    assert cost.bound() == "memory"
    assert cost.compute_bound_time == 0


def test_mixed_module_sums_kernel_times() -> None:
    # Kernels run one after another: 4 ms (compute) + 2 ms (memory) + 0.5 ms (a copy, memory) = 6.5 ms.
    kernels = kernel_costs(
        [
            record("gemm", "matmul", 4 * 10**12, 10**9, 10**9),
            record("norm", "vector", 10**9, 3 * 10**9, 10**9),
            record("copy", "none", 0, 5 * 10**8, 5 * 10**8),
        ],
        PEAKS,
    )
    total = totals(kernels)
    assert total.time == pytest.approx(6.5e-3, rel=1e-15)
    assert total.compute_bound_time == pytest.approx(4e-3, rel=1e-15)
    assert total.time_by_category == pytest.approx({"matmul": 4e-3, "vector": 2e-3, "none": 5e-4}, rel=1e-15)
    assert total.flops == 4 * 10**12 + 10**9  # exact: ints stay ints
    assert total.read == 45 * 10**8 and total.write == 25 * 10**8
    # Not the roofline of the sums: max(4.001e12 / P, 7e9 / B) would be 4 ms, ignoring that the kernels take turns.
    assert total.time > max(total.flops / 1e15, total.bytes / 2e12)


def test_a_kernel_at_the_ridge_point_is_compute_bound() -> None:
    # Ridge of matmul: 1e15 / 2e12 = 500 FLOP per byte. 1e12 FLOPs, 2e9 bytes: both take 1 ms.
    cost = kernel_cost(record("gemm", "matmul", 10**12, 10**9, 10**9), PEAKS)
    assert cost.compute_time == cost.memory_time == pytest.approx(1e-3)
    assert cost.bound() == "compute"


def test_efficiencies_divide_the_peaks() -> None:
    peaks = Peaks.of(DEVICE, "bf16", compute_efficiency=0.5, memory_efficiency=0.8)
    cost = kernel_cost(record("gemm", "matmul", 4 * 10**12, 10**9, 10**9), peaks)
    assert cost.compute_time == pytest.approx(8e-3, rel=1e-15)  # 4e12 / 5e14
    assert cost.memory_time == pytest.approx(1.25e-3, rel=1e-15)  # 2e9 / 1.6e12
    assert cost.time == pytest.approx(8e-3, rel=1e-15)


@pytest.mark.parametrize("efficiency", [0, -0.5, 1.5])
def test_efficiency_out_of_range(efficiency: float) -> None:
    with pytest.raises(ValueError, match="efficiency"):
        Peaks.of(DEVICE, "bf16", compute_efficiency=efficiency)


def test_precision_picks_the_matmul_peak() -> None:
    cost = kernel_cost(record("gemm", "matmul", 10**13, 0, 0), Peaks.of(DEVICE, "fp32"))
    assert cost.time == pytest.approx(1.0)  # 1e13 FLOPs at the fp32 peak 1e13


def test_untagged_and_none_flops_run_at_the_vector_rate() -> None:
    untagged = kernel_cost(record("custom", None, 10**13, 0, 0), PEAKS)
    assert untagged.compute == "untagged"
    assert untagged.time == pytest.approx(1.0)  # 1e13 at the vector rate, not 10 ms at the matmul rate
    odd = kernel_cost(record("odd", "none", 10**13, 0, 0), PEAKS)
    assert odd.time == pytest.approx(1.0)


def test_vector_rate_falls_back_to_the_matmul_peak_where_none_is_published() -> None:
    device = Device("tpu", "no vector figure", {"bf16": 2e14}, None, 1e12)
    peaks = Peaks.of(device, "bf16")
    assert not peaks.vector_published and peaks.vector == 2e14
    assert kernel_cost(record("norm", "vector", 2 * 10**14, 0, 0), peaks).time == pytest.approx(1.0)


def test_a_kernel_that_costs_nothing() -> None:
    cost = kernel_cost(record("bias", "vector", 0, 0, 0), PEAKS)
    assert cost.time == 0 and cost.bound() == "none"


def test_arrays_broadcast_and_match_numbers() -> None:
    flops = numpy.array([4e12, 1e12, 1e9])
    cost = kernel_cost({"path": ("gemm",), "compute": "matmul", "flops": flops, "read": numpy.full(3, 1e9), "write": numpy.full(3, 1e9)}, PEAKS)
    for index, value in enumerate([4 * 10**12, 10**12, 10**9]):
        single = kernel_cost(record("gemm", "matmul", value, 10**9, 10**9), PEAKS)
        assert cost.time[index] == single.time
        assert cost.compute_bound_time[index] == single.compute_bound_time


def test_fractions_are_accepted() -> None:
    cost = kernel_cost(record("moe", "matmul", Fraction(10**15, 3), 0, 0), PEAKS)  # type: ignore[arg-type]
    assert cost.time == pytest.approx(1 / 3)


def test_accumulate_equals_the_sum_of_kernel_costs_exactly() -> None:
    """The in-place totals of sweeps give the very floats that costing each kernel and summing gives."""
    from compiler.eval.cost import accumulate

    generator = numpy.random.default_rng(7)
    records = []
    for index, compute in enumerate(["matmul", "vector", "none", None, "matmul", "vector"]):
        entry: dict[str, object] = {
            "path": (f"k{index}",),
            "flops": generator.uniform(0, 1e13, 500) * (compute != "none"),
            "read": generator.uniform(0, 1e10, 500),
            "write": generator.uniform(0, 1e9, 500) * (index % 2),
        }
        if compute is not None:
            entry["compute"] = compute
        records.append(entry)
    fast = accumulate(records, PEAKS, (500,))
    slow = totals(kernel_costs(records, PEAKS))
    for name in ("flops", "read", "write", "time", "compute_bound_time"):
        assert numpy.array_equal(getattr(fast, name), getattr(slow, name)), name
    for category in ("matmul", "vector", "none"):
        assert numpy.array_equal(fast.time_by_category[category], slow.time_by_category[category])
        assert numpy.array_equal(fast.flops_by_category[category], slow.flops_by_category[category])

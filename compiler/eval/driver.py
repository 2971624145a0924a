"""Estimate: one `kc eval` or `kc roofline` run, from its options to kernel times.

`prepare` compiles the module into its cost functions (`load_cost_model`),
picks the device and precision, and gathers the parameter values;
`point` evaluates one configuration per kernel, exactly where no division
is involved; `sweep` evaluates the Cartesian product of the sweep axes,
vectorized (`compiler.eval.sweep`).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from compiler.errors import EvalError, HardwareError, OptionError
from compiler.eval import cost as roofline
from compiler.eval import hardware, memory, sweep
from compiler.eval import values as scenario
from compiler.eval.cost import KernelCost, Peaks, TotalCost
from compiler.eval.values import Number, Scenario


@dataclass(frozen=True)
class Request:
    """What the user asked for, as the command line gives it."""

    module: str
    lib: Sequence[str] = ()
    settings: Sequence[str] = ()
    sweeps: Sequence[str] = ()
    hf_config: str | None = None
    phase: str = "prefill"
    hardware: str | None = None
    hardware_files: Sequence[str] = ()
    precision: str | None = None
    compute_efficiency: float = 1.0
    memory_efficiency: float = 1.0
    generate: int = 0
    memory_fraction: float = 1.0
    """The share of the device's memory the run may use (an engine's gpu_memory_utilization)."""
    solve: str | None = None
    """A parameter to set to the largest integer at which the footprint fits."""


@dataclass(frozen=True)
class Prepared:
    request: Request
    model: types.ModuleType
    scenario: Scenario
    peaks: Peaks
    axes: tuple[sweep.Axis, ...]
    parameters: dict[str, Any]
    """The fixed values with the module's defaults computed (for display)."""
    solved: int | None = None
    """With `--solve NAME`: the value found, which `scenario` holds for NAME."""

    @property
    def capacity(self) -> int | None:
        """Usable bytes of device memory: its capacity times --memory-fraction."""
        return memory.capacity_of(self.peaks.device.memory_capacity, self.request.memory_fraction)

    @property
    def short(self) -> str:
        return self.request.module.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class PointResult:
    """One configuration: every kernel's cost and time (summed over the whole generation with `--generate`)."""

    prepared: Prepared
    kernels: list[KernelCost]
    total: TotalCost
    prefill: TotalCost | None = None
    decode: TotalCost | None = None
    notes: list[str] = field(default_factory=list)
    memory: memory.Memory | None = None
    """The footprint against the device's capacity; None when the module carries no footprint."""


@dataclass(frozen=True)
class Options:
    """The options of a request that make sense without the module: parsed values, sweep axes, the device."""

    settings: dict[str, Number]
    axes: tuple[sweep.Axis, ...]
    device: hardware.Device


def parse(request: Request) -> Options:
    """Parse and check what does not need the module (so that mistakes show before it is compiled).

    OptionError (a usage error, exit status 2) where the command line is
    malformed or contradicts itself, whatever the module; EvalError (exit
    status 1) where it is well-formed but names what kc cannot use: a
    device or a hardware file, a precision the device lacks.
    """
    try:
        settings = scenario.parse_settings(request.settings)
    except EvalError as error:
        raise OptionError("--set", str(error)) from None
    try:
        axes = tuple(sweep.parse_axis(text) for text in request.sweeps)
    except EvalError as error:
        raise OptionError("--sweep", str(error)) from None
    names = [axis.name for axis in axes]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate:
        raise OptionError("--sweep", f"{duplicate} is swept twice")
    if request.generate < 0:
        raise OptionError("--generate", "--generate needs a number of decode steps, 0 or more")
    if request.generate and request.phase == "decode":
        raise OptionError("--generate", "--generate starts with a prefill: leave out --phase decode")
    if request.phase == "decode" and ("seq_len" in names or settings.get("seq_len", 1) != 1):
        raise OptionError(
            "--phase",
            "--phase decode processes one token per sequence (seq_len=1): give the context length as cache_len, for example --set cache_len=4096",
        )
    for name in names:
        if name in settings:
            raise OptionError("--sweep", f"{name} is both set and swept: give it with --set or --sweep, not both")
    swept_widths = [name for name in names if name in ("a_bytes", "w_bytes")]
    if swept_widths and request.precision is None:
        raise OptionError("--sweep", f"{swept_widths[0]} is swept: give the matmul precision with --precision")
    try:
        memory.check_fraction(request.memory_fraction)
    except EvalError as error:
        raise OptionError("--memory-fraction", str(error)) from None
    if request.solve is not None:
        if request.solve in settings:
            raise OptionError("--solve", f"{request.solve} is solved for: leave out --set {request.solve}=...")
        if names:
            raise OptionError("--solve", "--solve finds one value at one configuration: leave out --sweep")
    efficiencies = (("--compute-efficiency", request.compute_efficiency, 1.0), ("--memory-efficiency", 1.0, request.memory_efficiency))
    for option, compute, memory_rate in efficiencies:
        try:
            roofline.check_efficiencies(compute, memory_rate)
        except ValueError as error:
            raise OptionError(option, str(error)) from None
    try:
        devices: dict[str, hardware.Device] = {}
        for path in request.hardware_files:
            devices.update(hardware.load_file(path))
        device = hardware.lookup(request.hardware, devices)
        if request.precision is not None:
            hardware.choose_precision(device, 0, 0, request.precision)
    except (EvalError, HardwareError, ValueError) as error:
        raise EvalError(str(error)) from None
    return Options(settings, axes, device)


def prepare(request: Request, model: types.ModuleType, options: Options | None = None) -> Prepared:
    """Check the options against `model` (the module's cost functions); EvalError on any problem."""
    options = options or parse(request)
    axes = options.axes
    try:
        if request.generate:
            missing = [name for name in ("seq_len", "cache_len") if name not in model.PARAMETERS]
            if missing:
                raise EvalError(f"--generate needs seq_len and cache_len, and this module has no {' or '.join(missing)}")
        values = scenario.gather(
            model.PARAMETERS,
            request.module,
            settings=options.settings,
            swept=[axis.name for axis in axes] + ([request.solve] if request.solve else []),
            hf_config=request.hf_config,
            phase=request.phase,
            precision=request.precision,
        )
        a_bytes = values.values.get("a_bytes", hardware.PRECISIONS[hardware.DEFAULT_PRECISION])
        w_bytes = values.values.get("w_bytes", a_bytes)
        precision = hardware.choose_precision(options.device, a_bytes, w_bytes, request.precision)
        peaks = Peaks.of(options.device, precision, request.compute_efficiency, request.memory_efficiency)
    except (EvalError, HardwareError, ValueError) as error:
        raise EvalError(str(error)) from None
    solved = None
    if request.solve is not None:
        capacity = memory.capacity_of(options.device.memory_capacity, request.memory_fraction)
        solved = memory.solve(model, values.values, request.solve, capacity, request.generate)
        ordered = {name: ({**values.values, request.solve: solved}[name]) for name in model.PARAMETERS if name in values.values or name == request.solve}
        values = dataclasses.replace(values, values=ordered, swept=tuple(n for n in values.swept if n != request.solve))
    parameters = scenario.resolve_defaults(model.PARAMETERS, values.values)
    return Prepared(request, model, values, peaks, axes, parameters, solved)


def _kernels(model: types.ModuleType, values: dict[str, Number]) -> list[dict[str, Any]]:
    try:
        records: list[dict[str, Any]] = model.kernels(**values)
    except RuntimeError as error:  # the tree was too large to build: only totals are known
        raise EvalError(f"{error}; kc eval costs each kernel and cannot run without them") from None
    except (ZeroDivisionError, ValueError, OverflowError) as error:
        raise EvalError(f"the formulas cannot be evaluated at these values: {error}") from None
    return records


def point(prepared: Prepared) -> PointResult:
    """Every kernel at the one configuration of `prepared` (which has no sweep)."""
    model, values, peaks = prepared.model, prepared.scenario.values, prepared.peaks
    said = notes(prepared)
    prefill = roofline.kernel_costs(_kernels(model, values), peaks)
    memory_at = memory.of(model, values, prepared.capacity, prepared.request.memory_fraction, prepared.request.generate)
    if not prepared.request.generate:
        return PointResult(prepared, prefill, roofline.totals(prefill), notes=said, memory=memory_at)
    decode = [cost.reduce(float) for cost in sweep.decode_costs(model, values, peaks, prepared.request.generate)]
    kernels = [a + b for a, b in zip(prefill, decode, strict=True)]
    return PointResult(prepared, kernels, roofline.totals(kernels), roofline.totals(prefill), roofline.totals(decode), said, memory_at)


def run_sweep(prepared: Prepared, progress: sweep.Progress | None = None) -> sweep.SweepResult:
    """The totals of every configuration of the sweep; EvalError naming a configuration where they have no value."""
    import numpy

    _evaluable(prepared, {axis.name: axis.values[0] for axis in prepared.axes})  # before any work: the common mistakes
    try:
        with numpy.errstate(all="ignore"):  # a configuration without a value is reported below, by name
            result = sweep.run(prepared.model, prepared.scenario.values, prepared.axes, prepared.peaks, steps=prepared.request.generate, progress=progress)
    except EvalError as error:
        raise EvalError(str(error)) from None
    _check_finite(prepared, result)
    if memory.available(prepared.model):
        import numpy

        fixed = {name: float(value) for name, value in prepared.scenario.values.items()}
        with numpy.errstate(all="ignore"):
            found = memory.of(prepared.model, {**fixed, **result.coordinates}, prepared.capacity, prepared.request.memory_fraction, prepared.request.generate)
        result = dataclasses.replace(result, memory=found)
    return result


def _evaluable(prepared: Prepared, where: dict[str, Number], more: str = "") -> None:
    """Exact evaluation at one configuration of the sweep raises no error; else EvalError saying where."""
    try:
        _kernels(prepared.model, {**prepared.scenario.values, **where})
    except EvalError as error:
        raise EvalError(f"at {_described(where)}{more}: {error}") from None


def _check_finite(prepared: Prepared, result: sweep.SweepResult) -> None:
    """Float arithmetic gives inf or NaN where exact arithmetic fails (a division by zero): report the first such configuration."""
    import numpy

    bad = numpy.flatnonzero(~numpy.isfinite(result.total.time))
    if not bad.size:
        return
    position = numpy.unravel_index(int(bad[0]), tuple(len(axis.values) for axis in prepared.axes))
    where = {axis.name: axis.values[int(index)] for axis, index in zip(prepared.axes, position, strict=True)}
    more = f" (and {bad.size - 1:,} more configurations)" if bad.size > 1 else ""
    _evaluable(prepared, where, more)
    raise EvalError(f"at {_described(where)}{more}: the time is too large for floating point")


def _described(where: dict[str, Number]) -> str:
    return ", ".join(f"{name}={value}" for name, value in where.items())


def notes(prepared: Prepared) -> list[str]:
    """What the reader of the numbers should know: a device without a vector rate, a config of another family."""
    found = list(prepared.scenario.notes)
    if not prepared.peaks.vector_published:
        found.append(
            f"{prepared.peaks.device.id} has no published vector rate: vector FLOPs are costed at the {prepared.peaks.precision} matmul peak"
        )
    return found

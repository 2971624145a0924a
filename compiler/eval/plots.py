"""Plots: the roofline of a module's kernels on a device, and time against a swept parameter.

Needs matplotlib (kc's optional `plot` extra) and draws with its headless
Agg backend, so it works without a display. PNG or SVG by the file's
extension; the files carry no date, so the same input gives the same file.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compiler.errors import PlotError, install_hint
from compiler.eval.cost import CATEGORIES, KernelCost, intensity
from compiler.eval.driver import PointResult, Prepared
from compiler.eval.report import CATEGORY_NAMES, short_label
from compiler.eval.sweep import Axis, SweepResult
from compiler.eval.units import duration, rate
from compiler.eval.values import written_name
from compiler.output import write_atomic

FORMATS = (".png", ".svg")
COLORS = {"matmul": "#1f5fa8", "vector": "#e08a1e", "none": "#8c8c8c"}
LABELLED = 5


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise PlotError(f"plots need matplotlib: {install_hint('plot', 'matplotlib')}") from None
    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["svg.hashsalt"] = "kc"  # stable element ids in SVG
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG: searchable, and smaller
    import matplotlib.pyplot as pyplot

    return pyplot


def check_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise PlotError(f"{path}: the plot is written as PNG or SVG; name the file *.png or *.svg")
    return path


def require() -> None:
    """PlotError now, before any work, where matplotlib is missing."""
    _pyplot()


def _save(figure: Any, path: Path) -> None:
    """Draw the whole picture in memory, then write it atomically like every output of kc."""
    suffix = path.suffix.lower()
    metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
    picture = io.BytesIO()
    figure.savefig(picture, format=suffix[1:], metadata=metadata)
    try:
        write_atomic(path, picture.getvalue())
    except OSError as error:
        raise PlotError(f"{path}: cannot write: {error.strerror or error}") from None


def kernel_label(kernel: KernelCost, kernels: Sequence[KernelCost]) -> str:
    """The kernel's operation, after its parent's where the operation alone is ambiguous."""
    leaf = short_label(kernel.path[-1])
    same = sum(short_label(other.path[-1]) == leaf for other in kernels)
    if same > 1 and len(kernel.path) > 1:
        return f"{short_label(kernel.path[-2])} › {leaf}"
    return leaf


def _title(prepared: Prepared) -> str:
    request = prepared.request
    phase = f"prefill + {request.generate} decode steps" if request.generate else request.phase
    return f"{prepared.short} on {prepared.peaks.device.name}, {phase}"


def _subtitle(prepared: Prepared, skip: Sequence[str] = ()) -> str:
    shapes = [name for name in ("batch_size", "seq_len", "cache_len", "a_bytes", "w_bytes") if name in prepared.parameters and name not in skip]
    return ", ".join(f"{name}={_number(prepared.parameters[name])}" for name in shapes)


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def roofline(result: PointResult, path: str | Path, labelled: int = LABELLED) -> Path:
    """Ceilings of the device and one point per kernel at (arithmetic intensity, attained FLOP/s)."""
    path = check_path(path)
    pyplot = _pyplot()
    peaks = result.prepared.peaks
    kernels = result.kernels
    total_time = float(result.total.time)
    drawn = [k for k in kernels if float(k.flops) > 0 and float(k.time) > 0]
    moving = [k for k in kernels if float(k.flops) == 0 and float(k.time) > 0]
    points = []
    for kernel in drawn:
        ai = intensity(kernel.flops, kernel.bytes)
        points.append((kernel, math.inf if ai is None else float(ai), float(kernel.flops) / float(kernel.time)))
    finite = [x for _, x, _ in points if math.isfinite(x)]
    ridge_matmul, ridge_vector = peaks.matmul / peaks.bandwidth, peaks.vector / peaks.bandwidth
    low = min([*finite, ridge_vector, ridge_matmul, 1.0]) / 4
    high = max([*finite, ridge_vector, ridge_matmul]) * 8
    edge = high / 1.6  # where kernels that move no byte (infinite intensity) are drawn

    figure, axes = pyplot.subplots(figsize=(8.4, 5.4), dpi=100, layout="constrained")
    xs = [low * (high / low) ** (i / 400) for i in range(401)]
    unit = 1e12
    axes.plot(xs, [min(peaks.bandwidth * x, peaks.matmul) / unit for x in xs], color="#222222", linewidth=1.8)
    axes.plot(xs, [min(peaks.bandwidth * x, peaks.vector) / unit for x in xs], color="#222222", linewidth=1.2, linestyle="--")
    # Roof labels sit left of their ridge points, in the unattainable corner where no kernel can be.
    axes.text(ridge_matmul / 1.25, peaks.matmul / unit, f"{peaks.precision} matmul {rate(peaks.matmul, 'FLOP/s')} ", ha="right", va="center", fontsize=9)
    vector_name = "vector" if peaks.vector_published else "vector (no published rate: matmul peak)"
    if peaks.vector < peaks.matmul:
        axes.text(ridge_vector / 1.25, peaks.vector / unit, f"{vector_name} {rate(peaks.vector, 'FLOP/s')} ", ha="right", va="center", fontsize=9)

    for category in CATEGORIES:
        chosen = [(k, x, y) for k, x, y in points if k.category == category]
        if not chosen:
            continue
        axes.scatter(
            [min(x, edge) for _, x, _ in chosen],
            [y / unit for _, _, y in chosen],
            s=[24 + 500 * float(k.time) / total_time for k, _, _ in chosen],
            color=COLORS[category],
            alpha=0.75,
            edgecolors="white",
            linewidths=0.6,
            marker="o",
            label=f"{CATEGORY_NAMES[category]} kernels",
            zorder=3,
        )
    bottom = _floor(points, unit)
    if any(not math.isfinite(x) for _, x, _ in points):
        axes.axvline(edge, color="#bbbbbb", linewidth=0.8, linestyle=":", zorder=1)
        axes.text(edge, peaks.matmul / unit * 25, "no bytes moved: intensity ∞ ", ha="right", va="top", fontsize=8, color="#777777")

    top = sorted(points, key=lambda p: float(p[0].time), reverse=True)[:labelled]
    groups: list[tuple[float, float, list[int]]] = []  # kernels drawn at (nearly) one spot share one label
    listing = []
    for rank, (kernel, x, y) in enumerate(top, start=1):
        spot = (math.log10(min(x, edge)), math.log10(y / unit))
        group = next((g for g in groups if abs(g[0] - spot[0]) < 0.05 and abs(g[1] - spot[1]) < 0.05), None)
        if group is None:
            groups.append((spot[0], spot[1], [rank]))
        else:
            group[2].append(rank)
        listing.append(f"{rank}  {kernel_label(kernel, kernels)}: {duration(kernel.time)}, {100 * float(kernel.time) / total_time:.1f}%")
    placed: list[tuple[float, float]] = []
    for x_log, y_log, ranks in sorted(groups):
        # Labels of nearby spots stack upwards, each tied to its spot by a thin line.
        level = sum(abs(x - x_log) < 0.6 and abs(y - y_log) < 0.3 for x, y in placed)
        placed.append((x_log, y_log))
        right = 10**x_log < edge / 3
        axes.annotate(
            ", ".join(map(str, ranks)),
            (10**x_log, 10**y_log),
            xytext=(8 if right else -8, 9 + 12 * level),
            textcoords="offset points",
            ha="left" if right else "right",
            va="bottom",
            fontsize=8,
            fontweight="bold",
            color="#222222",
            arrowprops={"arrowstyle": "-", "color": "#888888", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3},
            zorder=4,
        )
    if listing:
        axes.text(
            0.015,
            0.975,
            "most time:\n" + "\n".join(listing),
            transform=axes.transAxes,
            ha="left",
            va="top",
            fontsize=8,
            linespacing=1.35,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#cccccc", "alpha": 0.9},
            zorder=5,
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlim(low, high)
    axes.set_ylim(bottom, peaks.matmul / unit * 40)  # room above the roof for the list of kernels
    axes.set_xlabel("arithmetic intensity (FLOP per byte moved)")
    axes.set_ylabel("attained TFLOP/s")
    axes.grid(True, which="major", color="#e6e6e6", linewidth=0.6)
    axes.set_axisbelow(True)
    moved = sum(float(k.time) for k in moving)
    handles, labels = axes.get_legend_handles_labels()
    from matplotlib.lines import Line2D

    if not peaks.vector_published:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(f"{peaks.device.id} publishes no vector rate: vector work at the matmul peak")
    if moving:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(f"not drawn: {len(moving)} data-movement kernels, no FLOPs ({100 * moved / total_time:.0f}% of time)")
    legend = axes.legend(handles, labels, loc="lower right", fontsize=8, framealpha=0.9, markerscale=0.6)
    for handle in legend.legend_handles:
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([40])
    axes.set_title(f"{_title(result.prepared)}\n{_subtitle(result.prepared)}; total {duration(total_time)}", fontsize=10)
    figure.draw_without_rendering()  # the layout is final now, so the memory roof's angle on screen is known
    slope_x = ridge_matmul / 6  # high on the memory roof, where few kernels sit
    start = axes.transData.transform((slope_x, peaks.bandwidth * slope_x / unit))
    end = axes.transData.transform((slope_x * 10, peaks.bandwidth * slope_x * 10 / unit))
    axes.annotate(
        f"memory {rate(peaks.bandwidth, 'B/s')}",
        (slope_x, peaks.bandwidth * slope_x / unit),
        xytext=(0, 4),
        textcoords="offset points",
        rotation=math.degrees(math.atan2(end[1] - start[1], end[0] - start[0])),
        rotation_mode="anchor",
        ha="center",
        va="bottom",
        fontsize=9,
    )
    _save(figure, path)
    pyplot.close(figure)
    return path


def _floor(points: Sequence[tuple[KernelCost, float, float]], unit: float) -> float:
    lowest = min((y for _, _, y in points), default=unit)
    return float(10 ** math.floor(math.log10(lowest / unit / 2)))


def check_sweep(axes: Sequence[Axis]) -> None:
    """A time plot needs exactly one swept parameter with several values; checked before any work is done."""
    if len(axes) != 1 or len(axes[0].values) < 2:
        raise PlotError("--plot draws time against one swept parameter: give exactly one --sweep NAME=... with several values")


def sweep(prepared: Prepared, result: SweepResult, path: str | Path) -> Path:
    """Time against the one swept parameter, stacked by kernel kind (matmul, vector, data movement)."""
    path = check_path(path)
    check_sweep(result.axes)
    pyplot = _pyplot()
    axis = result.axes[0]
    xs = [float(v) for v in result.coordinates[axis.name]]
    total = result.total
    peak = max(float(t) for t in total.time)
    scale, unit = next(((s, u) for s, u in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")) if peak >= s), (1e-9, "ns"))
    layers = [[float(t) / scale for t in total.time_by_category[c]] for c in CATEGORIES]
    figure, axes = pyplot.subplots(figsize=(8.4, 5.0), dpi=100, layout="constrained")
    axes.stackplot(
        xs,
        *layers,
        labels=[f"{CATEGORY_NAMES[c]} kernels" for c in CATEGORIES],
        colors=[COLORS[c] for c in CATEGORIES],
        alpha=0.85,
        linewidth=0,
    )
    axes.plot(xs, [float(t) / scale for t in total.time], color="#222222", linewidth=1.0, marker="o" if len(xs) <= 40 else None, markersize=3)
    if result.prefill is not None:
        axes.plot(xs, [float(t) / scale for t in result.prefill.time], color="#222222", linewidth=1.0, linestyle="--", label="of which the prefill")
    positive = [x for x in xs if x > 0]
    if positive and len(positive) == len(xs) and max(xs) / min(xs) >= 50:
        from matplotlib.ticker import FuncFormatter

        axes.set_xscale("log", base=2)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    memory = result.memory
    if memory is not None and memory.capacity is not None:
        import numpy

        over = numpy.broadcast_to(~memory.fits, (len(xs),))
        if over.any():
            axes.fill_between(
                xs, 0, 1, where=over.tolist(), step="mid", transform=axes.get_xaxis_transform(),
                color="#d62728", alpha=0.12, linewidth=0, label="does not fit in memory",
            )
    axes.set_xlim(min(xs), max(xs))
    axes.set_ylim(0, peak / scale * 1.05 or 1)  # a sweep where nothing costs anything still gets an axis
    axes.set_xlabel(written_name(axis.name))
    axes.set_ylabel(f"time ({unit})")
    axes.grid(True, color="#e6e6e6", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.legend(loc="upper left", fontsize=9)
    axes.set_title(f"{_title(prepared)}\n{_subtitle(prepared, skip=[axis.name])}; kernels run one after another", fontsize=10)
    _save(figure, path)
    pyplot.close(figure)
    return path

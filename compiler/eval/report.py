"""Cost report: the results of `kc eval` as a table (rich in a terminal, plain text otherwise), JSON or CSV.

Tables use human units (GFLOP, MiB, µs) and show the kernel tree indented,
composites with the sums of their kernels. JSON and CSV carry the numbers
in full: integers as integers, everything else as the shortest float that
reads back to the same value; times in seconds, rates in FLOP/s and B/s.
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from compiler.eval.cost import CATEGORIES, KernelCost, TotalCost, intensity
from compiler.eval.driver import PointResult, Prepared
from compiler.eval.sweep import Progress, SweepResult
from compiler.eval.units import binary, duration, percent, plain, rate, ratio, si
from compiler.eval.values import written_name

CATEGORY_NAMES = {"matmul": "matmul", "vector": "vector", "none": "data movement"}
SUM_NOTE = "kernels run one after another: the total time is the sum of the kernels' times"
TABLE_ROWS = 200
"""A sweep table longer than this shows its first and last rows; JSON and CSV always hold every row."""


# ---------------------------------------------------------------- the kernel tree


@dataclass
class TreeRow:
    """A line of the table: a kernel, or a composite with the sums of the kernels under it."""

    label: str
    depth: int
    kernels: list[KernelCost]
    leaf: bool
    children: list[TreeRow] = field(default_factory=list)


def short_label(operation: str) -> str:
    """An operation without the `(from Module)` that says which analysis it comes from."""
    return re.sub(r" \(from [^()]*\)$", "", operation)


def tree_rows(kernels: Sequence[KernelCost], hide_empty: bool = True, short: bool = True) -> tuple[list[TreeRow], int]:
    """The rows of the kernel tree in order, and how many kernels were hidden for costing nothing.

    Composites are rebuilt from the kernels' paths (consecutive kernels that
    share a prefix share the composite). A composite left with one row under
    it is merged with that row, its label joined with `›`. `short` labels
    leave out the `(from Module)` suffixes.
    """
    root = TreeRow("", -1, [], False)
    hidden = 0
    open_rows: list[TreeRow] = [root]
    for kernel in kernels:
        if hide_empty and not (kernel.flops or kernel.read or kernel.write):
            hidden += 1
            continue
        prefix = kernel.path[:-1]
        shared = 0
        while shared < len(prefix) and shared + 1 < len(open_rows) and open_rows[shared + 1].label == prefix[shared]:
            shared += 1
        del open_rows[shared + 1 :]
        for depth in range(shared, len(prefix)):
            row = TreeRow(prefix[depth], depth, [], False)
            open_rows[-1].children.append(row)
            open_rows.append(row)
        open_rows[-1].children.append(TreeRow(kernel.path[-1], len(prefix), [kernel], True))
        for row in open_rows[1:]:
            row.kernels.append(kernel)
    flat: list[TreeRow] = []

    def visit(row: TreeRow, depth: int, label: str = "") -> None:
        own = short_label(row.label) if short else row.label
        text = label if label.rsplit(" › ", 1)[-1] == own else f"{label} › {own}" if label else own
        if not row.leaf and len(row.children) == 1:
            visit(row.children[0], depth, text)
            return
        flat.append(TreeRow(text, depth, row.kernels, row.leaf))
        for child in row.children:
            visit(child, depth + 1)

    for child in root.children:
        visit(child, 0)
    return flat, hidden


def _sums(kernels: Sequence[KernelCost]) -> dict[str, Any]:
    flops = sum((k.flops for k in kernels), 0)
    read = sum((k.read for k in kernels), 0)
    write = sum((k.write for k in kernels), 0)
    time = sum((k.time for k in kernels), 0.0)
    bound = sum((k.compute_bound_time for k in kernels), 0.0)
    return {"flops": flops, "read": read, "write": write, "time": time, "compute_bound_time": bound}


def _bound_text(row: TreeRow) -> str:
    if row.leaf:
        return row.kernels[0].bound()
    sums = _sums(row.kernels)
    return bound_share(sums["compute_bound_time"], sums["time"])


def bound_share(compute_bound_time: Any, time: Any) -> str:
    """`compute` or `memory` when (nearly) all the time is bound one way, else the compute-bound percentage."""
    if not time:
        return ""
    share = float(compute_bound_time) / float(time)
    if share >= 0.995:
        return "compute"
    if share <= 0.005:
        return "memory"
    return f"{100 * share:.0f}% compute"


# ---------------------------------------------------------------- headers


def header_lines(prepared: Prepared, width: int = 110) -> list[str]:
    request, peaks = prepared.request, prepared.peaks
    device = peaks.device
    phase = f"prefill + {request.generate} decode steps" if request.generate else request.phase
    lines = [f"{prepared.short} on {device.name} ({device.id}), {phase}"]
    efficiency = ""
    if peaks.compute_efficiency != 1 or peaks.memory_efficiency != 1:
        efficiency = f" (at {100 * peaks.compute_efficiency:g}% of peak compute, {100 * peaks.memory_efficiency:g}% of peak bandwidth)"
    vector = rate(peaks.vector, "FLOP/s") + ("" if peaks.vector_published else " (no published figure: the matmul peak)")
    lines.append(f"  {peaks.precision} matmul {rate(peaks.matmul, 'FLOP/s')}, vector {vector}, memory {rate(peaks.bandwidth, 'B/s')}{efficiency}")
    shown = " ".join(f"{written_name(name)}={_value(value)}" for name, value in prepared.parameters.items())
    lines.extend(textwrap.wrap(shown, width=min(width, 110), initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False))
    swept = [f"{written_name(axis.name)} ({len(axis.values)} values)" for axis in prepared.axes]
    if swept:
        lines.append(f"  swept: {', '.join(swept)}")
    if prepared.solved is not None:
        lines.append(f"  solved: {request.solve}={prepared.solved:,}, the largest that fits ({request.solve}={prepared.solved + 1:,} does not)")
    return lines


def _value(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(float(value)) if value.denominator != 1 else str(value.numerator)
    return str(value)


# ---------------------------------------------------------------- one configuration


POINT_COLUMNS = ("kernel", "compute", "FLOPs", "read", "written", "FLOP/B", "time", "bound", "share")


def point_cells(result: PointResult) -> tuple[list[tuple[int, bool, list[str]]], list[str], int]:
    """(depth, is_leaf, cells) per row, the total row's cells, and the number of hidden kernels."""
    total_time = result.total.time
    rows, hidden = tree_rows(result.kernels)
    table = []
    for row in rows:
        sums = _sums(row.kernels)
        moved = sums["read"] + sums["write"]
        compute = row.kernels[0].compute if row.leaf else ""
        cells = [
            row.label,
            compute,
            si(sums["flops"], "FLOP"),
            binary(sums["read"]),
            binary(sums["write"]),
            ratio(intensity(sums["flops"], moved)),
            duration(sums["time"]),
            _bound_text(row),
            percent(sums["time"], total_time),
        ]
        table.append((row.depth, row.leaf, cells))
    total = result.total
    total_cells = [
        "total",
        "",
        si(total.flops, "FLOP"),
        binary(total.read),
        binary(total.write),
        ratio(intensity(total.flops, total.bytes)),
        duration(total.time),
        bound_share(total.compute_bound_time, total.time),
        "100%" if total.time else "-",
    ]
    return table, total_cells, hidden


def footer_lines(result: PointResult, hidden: int) -> list[str]:
    total = result.total
    lines = []
    if total.time:
        categories = ", ".join(f"{CATEGORY_NAMES[c]} {percent(total.time_by_category[c], total.time)}" for c in CATEGORIES)
        lines.append(f"total {duration(total.time)}: {percent(total.compute_bound_time, total.time)} of it in compute-bound kernels; by kernel kind: {categories}")
    if result.prefill is not None and result.decode is not None:
        steps = result.prepared.request.generate
        per_token = float(result.decode.time) / steps
        lines.append(
            f"prefill {duration(result.prefill.time)}, {steps} decode steps {duration(result.decode.time)} "
            f"({duration(per_token)} per token, {1 / per_token:,.1f} tokens/s per sequence)"
        )
    lines.append(SUM_NOTE)
    if hidden:
        lines.append(f"{hidden} kernel{'s' if hidden != 1 else ''} with no FLOPs and no bytes here not shown (--format json lists every kernel)")
    untagged = sum(k.compute == "untagged" for k in result.kernels)
    if untagged:
        lines.append(f"{untagged} kernel{'s' if untagged != 1 else ''} without a compute tag costed at the vector rate")
    if result.memory is not None:
        lines.extend(result.memory.lines(result.prepared.peaks.device.id))
    lines.extend(result.notes)
    return lines


def point_text(result: PointResult) -> str:
    """The table as plain text: aligned columns, the tree indented by two spaces a level."""
    table, total_cells, hidden = point_cells(result)
    lines = header_lines(result.prepared)
    body = [[("  " * depth) + cells[0], *cells[1:]] for depth, _, cells in table]
    lines.append("")
    lines.extend(_align([list(POINT_COLUMNS), *body, total_cells], rule_before_last=True))
    lines.append("")
    lines.extend(footer_lines(result, hidden))
    return "\n".join(lines) + "\n"


def _align(rows: list[list[str]], rule_before_last: bool = False) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for index, row in enumerate(rows):
        if (rule_before_last and index == len(rows) - 1) or index == 1:
            out.append("  ".join("-" * w for w in widths))
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        out.append("  ".join(cells).rstrip())
    return out


def point_rich(result: PointResult, console: Any) -> None:
    """The table on a rich console, fitted to its width: the tree indented, composites bold, the total in a footer."""
    from rich.text import Text

    table_rows, total_cells, hidden = point_cells(result)
    moved = [binary(sum((k.read + k.write for k in row.kernels), 0)) for row in tree_rows(result.kernels)[0]]
    named = [dict(zip(POINT_COLUMNS, cells, strict=True)) | {"bytes": moved[i]} for i, (_, _, cells) in enumerate(table_rows)]
    total = dict(zip(POINT_COLUMNS, total_cells, strict=True)) | {"bytes": binary(result.total.bytes)}
    depths = [depth for depth, _, _ in table_rows]
    columns, labels = fit_point(depths, named, total, console.width)
    table = _rich_table(console, show_footer=True)
    for name in columns:
        table.add_column(name, footer=total[name], justify="left" if name == "kernel" else "right", no_wrap=True, overflow="fold")
    for (_, leaf, cells), row, label in zip(table_rows, named, labels, strict=True):
        style = {"compute": "magenta", "memory": "cyan"}.get(cells[7], "")
        shown: list[Any] = [Text(label, style="" if leaf else "bold")]
        shown += [Text(row[name], style=style) if name == "bound" else row[name] for name in columns[1:]]
        table.add_row(*shown)
    for line in header_lines(result.prepared, console.width):
        console.print(line, highlight=False)
    console.print(table)
    for line in footer_lines(result, hidden):
        console.print(line, highlight=False)
    left_out = [name for name in POINT_COLUMNS if name not in columns]
    if left_out:
        console.print(f"not shown for want of width: {', '.join(left_out)} (a wider terminal, or --format json, shows them)", highlight=False)


POINT_FITS = (
    POINT_COLUMNS,
    ("kernel", "compute", "FLOPs", "read", "written", "time", "bound", "share"),
    ("kernel", "FLOPs", "read", "written", "time", "bound", "share"),
    ("kernel", "FLOPs", "bytes", "time", "bound", "share"),
    ("kernel", "FLOPs", "bytes", "time", "share"),
    ("kernel", "bytes", "time", "share"),
    ("kernel", "time", "share"),
)
"""The point table's columns from the widest terminal to the narrowest: the least telling go first
(arithmetic intensity, then the compute tag; read and written become one `bytes` column)."""

LABEL_ROOM = 28
"""Before a column is dropped, kernel labels are shortened down to this width (whole words, `…` for the rest)."""

GAP = 2


def fit_point(depths: Sequence[int], rows: Sequence[dict[str, str]], total: dict[str, str], width: int) -> tuple[tuple[str, ...], list[str]]:
    """The columns that fit in `width` and the kernel labels, indented, shortened by whole words where needed."""

    def widths(columns: Sequence[str]) -> int:
        shown = [*rows, total, {name: name for name in columns}]
        return sum(max(len(row[name]) for row in shown) for name in columns[1:]) + GAP * (len(columns) - 1)

    labels = [row["kernel"] for row in rows]

    def shortened(indent: int, room: int) -> list[str] | None:
        texts = [shorten(label, room - indent * depth) for depth, label in zip(depths, labels, strict=True)]
        if any(text is None for text in texts):
            return None
        return [" " * (indent * depth) + str(text) for depth, text in zip(depths, texts, strict=True)]

    for columns in POINT_FITS:
        room = width - widths(columns)
        full = max((2 * depth + len(label) for depth, label in zip(depths, labels, strict=True)), default=0)
        short = shortened(2, room) if room >= min(LABEL_ROOM, full) else None
        if short is not None:
            return columns, short
    columns = POINT_FITS[-1]  # a very narrow terminal: one space a level, as short as whole words allow
    room = width - widths(columns)
    return columns, [" " * depth + (shorten(label, room - depth) or label) for depth, label in zip(depths, labels, strict=True)]


def shorten(label: str, room: int) -> str | None:
    """`label` in at most `room` characters: trailing path parts, then trailing words, left out for `…`; None if even one word does not fit."""
    if len(label) <= room:
        return label
    parts = label.split(" › ")
    for keep in range(len(parts) - 1, 0, -1):
        text = " › ".join(parts[:keep]) + " › …"
        if len(text) <= room:
            return text
    words = parts[0].split(" ")
    for keep in range(len(words) - 1, 0, -1):
        text = " ".join(words[:keep]) + " …"
        if len(text) <= room:
            return text
    return None


def fit_columns(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int, drop: Sequence[str]) -> list[int]:
    """The indices of the columns to show in `width`, leaving out those of `drop` in its order until the rest fit."""
    sizes = [max(len(cells[i]) for cells in [headers, *rows]) for i in range(len(headers))]
    kept = list(range(len(headers)))
    for name in ("", *drop):
        if name in headers:
            kept.remove(list(headers).index(name))
        if sum(sizes[i] for i in kept) + GAP * (len(kept) - 1) <= width:
            break
    return kept


def _rich_table(console: Any, show_footer: bool = False) -> Any:
    """A rich table with columns two spaces apart and a rule under the header on a terminal."""
    from rich.table import Table

    return Table(
        show_footer=show_footer,
        box=_box() if console.is_terminal else None,
        show_edge=False,
        header_style="bold",
        footer_style="bold",
        pad_edge=False,
        padding=(0, 1, 0, 0) if console.is_terminal else (0, 1),
    )


def _box() -> Any:
    from rich import box

    return box.SIMPLE_HEAD


def point_json(result: PointResult) -> str:
    prepared = result.prepared
    document: dict[str, Any] = _context(prepared)
    total_time = result.total.time
    document["kernels"] = [_kernel_record(kernel, total_time) for kernel in result.kernels]
    document["total"] = _totals_record(result.total)
    if result.prefill is not None and result.decode is not None:
        document["prefill"] = _totals_record(result.prefill)
        document["decode"] = _totals_record(result.decode)
    if result.memory is not None:
        document["memory"] = result.memory.record()
    if prepared.solved is not None:
        document["solve"] = {"name": prepared.request.solve, "value": prepared.solved}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _context(prepared: Prepared) -> dict[str, Any]:
    peaks = prepared.peaks
    device = peaks.device
    return {
        "module": prepared.request.module,
        "phase": prepared.request.phase,
        "generate": prepared.request.generate,
        "hardware": {
            "id": device.id,
            "name": device.name,
            "precision": peaks.precision,
            "matmul_flops_per_s": plain(peaks.matmul),
            "vector_flops_per_s": plain(peaks.vector),
            "vector_published": peaks.vector_published,
            "memory_bytes_per_s": plain(peaks.bandwidth),
            "compute_efficiency": peaks.compute_efficiency,
            "memory_efficiency": peaks.memory_efficiency,
        },
        "parameters": {written_name(name): plain(value) for name, value in prepared.parameters.items()},
    }


def _kernel_record(kernel: KernelCost, total_time: Any) -> dict[str, Any]:
    return {
        "path": list(kernel.path),
        "compute": kernel.compute,
        "flops": plain(kernel.flops),
        "read": plain(kernel.read),
        "write": plain(kernel.write),
        "bytes": plain(kernel.bytes),
        "arithmetic_intensity": plain(intensity(kernel.flops, kernel.bytes)),
        "compute_time": plain(kernel.compute_time),
        "memory_time": plain(kernel.memory_time),
        "time": plain(kernel.time),
        "bound": kernel.bound(),
        "share": plain(float(kernel.time) / float(total_time)) if total_time else None,
    }


def _totals_record(total: TotalCost) -> dict[str, Any]:
    return {
        "flops": plain(total.flops),
        "read": plain(total.read),
        "write": plain(total.write),
        "bytes": plain(total.bytes),
        "arithmetic_intensity": plain(intensity(total.flops, total.bytes)),
        "time": plain(total.time),
        "compute_bound_time": plain(total.compute_bound_time),
        "time_by_compute": {c: plain(total.time_by_category[c]) for c in CATEGORIES},
        "flops_by_compute": {c: plain(total.flops_by_category[c]) for c in CATEGORIES},
    }


CSV_POINT = ("path", "depth", "compute", "flops", "read", "write", "bytes", "arithmetic_intensity", "compute_time", "memory_time", "time", "bound", "share")


def point_csv(result: PointResult) -> str:
    """One row per kernel (path joined with ` / `), then a `total` row; times in seconds."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    memory = result.memory.record() if result.memory is not None else None
    extra = CSV_MEMORY if memory is not None else ()
    writer.writerow((*CSV_POINT, *extra))
    for kernel in result.kernels:
        record = _kernel_record(kernel, result.total.time)
        writer.writerow([" / ".join(kernel.path), len(kernel.path) - 1, *(_csv(record[c]) for c in CSV_POINT[2:]), *([""] * len(extra))])
    total = _totals_record(result.total)
    footprint = [_csv(memory[c.removeprefix("memory_")] if c != "memory_fits" else _fits(memory["fits"])) for c in extra] if memory is not None else []
    writer.writerow(["total", "", "", *(_csv(total[c]) for c in ("flops", "read", "write", "bytes", "arithmetic_intensity")), "", "", _csv(total["time"]), "", 1 if result.total.time else "", *footprint])
    return buffer.getvalue()


def _csv(value: Any) -> Any:
    return "" if value is None else value


CSV_MEMORY = ("memory_weights", "memory_cache", "memory_activations", "memory_total", "memory_capacity", "memory_fits")
"""Columns of the footprint in CSV (on the total row of a point; on every row of a sweep); fits is 1 or 0."""


def _fits(value: Any) -> Any:
    return "" if value is None else int(bool(value))


# ---------------------------------------------------------------- sweeps


def sweep_columns(result: SweepResult) -> list[str]:
    names = [written_name(axis.name) for axis in result.axes]
    generation = ["prefill", "decode", "per token"] if result.steps else []
    footprint = ["memory", "fits"] if result.memory is not None else []
    return [*names, *generation, "time", "compute-bound", "matmul", "vector", "data movement", "FLOPs", "bytes", *footprint]


def sweep_cells(result: SweepResult, index: int) -> list[str]:
    total = result.total
    time = total.time[index]
    cells = [_value(plain(result.coordinates[axis.name][index])) for axis in result.axes]
    if result.steps and result.prefill is not None and result.decode is not None:
        cells += [duration(result.prefill.time[index]), duration(result.decode.time[index]), duration(result.decode.time[index] / result.steps)]
    cells += [duration(time), percent(total.compute_bound_time[index], time)]
    cells += [percent(total.time_by_category[c][index], time) for c in CATEGORIES]
    cells += [si(total.flops[index], "FLOP"), binary(total.bytes[index])]
    if result.memory is not None:
        fits = result.memory.fits
        cells += [binary(result.memory.total[index]), "?" if fits is None else ("yes" if fits[index] else "NO")]
    return cells


def _sweep_indices(result: SweepResult) -> tuple[list[int], int]:
    """The rows a table shows, and how many it leaves out in the middle."""
    count = result.count
    if count <= TABLE_ROWS:
        return list(range(count)), 0
    half = TABLE_ROWS // 2
    return [*range(half), *range(count - half, count)], count - 2 * half


def sweep_footer(result: SweepResult, omitted: int) -> list[str]:
    lines = [f"{result.count:,} configuration{'s' if result.count != 1 else ''}; shares are of each configuration's time; {SUM_NOTE}"]
    if result.memory is not None and result.memory.capacity is not None:
        over = int((~result.memory.fits).sum())
        lines.append(f"memory: {over:,} configuration{'s' if over != 1 else ''} do not fit in {binary(result.memory.capacity)} (weights + cache + activations)")
    if omitted:
        lines.append(f"{omitted:,} rows in the middle not shown: --format csv or json gives every row")
    return lines


def sweep_text(prepared: Prepared, result: SweepResult) -> str:
    indices, omitted = _sweep_indices(result)
    rows = [sweep_cells(result, i) for i in indices]
    if omitted:
        rows.insert(TABLE_ROWS // 2, ["…"] * len(rows[0]))
    lines = [*header_lines(prepared), ""]
    widths = [max(len(row[i]) for row in [sweep_columns(result), *rows]) for i in range(len(rows[0]))]
    for index, row in enumerate([sweep_columns(result), *rows]):
        lines.append("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", *sweep_footer(result, omitted)]
    return "\n".join(lines) + "\n"


SWEEP_DROPS = ("data movement", "vector", "matmul", "prefill", "decode", "bytes", "FLOPs", "compute-bound")
"""The sweep table's columns a narrow terminal leaves out, first to last; swept values and times stay."""


def sweep_rich(prepared: Prepared, result: SweepResult, console: Any) -> None:
    """The sweep table on a rich console, leaving out columns that do not fit its width."""
    indices, omitted = _sweep_indices(result)
    headers = sweep_columns(result)
    rows = [sweep_cells(result, index) for index in indices]
    if omitted:
        rows.insert(TABLE_ROWS // 2, ["…"] * len(headers))
    kept = fit_columns(headers, rows, console.width, SWEEP_DROPS)
    table = _rich_table(console)
    for i in kept:
        table.add_column(headers[i], justify="right", no_wrap=True)
    for cells in rows:
        table.add_row(*(cells[i] for i in kept))
    for line in header_lines(prepared, console.width):
        console.print(line, highlight=False)
    console.print(table)
    for line in sweep_footer(result, omitted):
        console.print(line, highlight=False)
    left_out = [headers[i] for i in range(len(headers)) if i not in kept]
    if left_out:
        console.print(f"not shown for want of width: {', '.join(left_out)} (a wider terminal, or --format csv, shows them)", highlight=False)


def _sweep_fields(result: SweepResult) -> list[tuple[str, Any]]:
    """(column, array) of every per-configuration number, in output order."""
    total = result.total
    fields: list[tuple[str, Any]] = [(written_name(axis.name), result.coordinates[axis.name]) for axis in result.axes]
    fields += [("flops", total.flops), ("read", total.read), ("write", total.write), ("time", total.time), ("compute_bound_time", total.compute_bound_time)]
    fields += [(f"time_{c}", total.time_by_category[c]) for c in CATEGORIES]
    fields += [(f"flops_{c}", total.flops_by_category[c]) for c in CATEGORIES]
    if result.prefill is not None and result.decode is not None:
        fields += [("prefill_time", result.prefill.time), ("decode_time", result.decode.time)]
    memory = result.memory
    if memory is not None:
        import numpy

        fields += [("memory_weights", numpy.broadcast_to(memory.weights, (result.count,))), ("memory_cache", numpy.broadcast_to(memory.cache, (result.count,)))]
        fields += [("memory_activations", numpy.broadcast_to(memory.activations, (result.count,))), ("memory_total", numpy.broadcast_to(memory.total, (result.count,)))]
        if memory.capacity is not None:
            fields.append(("memory_fits", numpy.broadcast_to(memory.fits, (result.count,)).astype(float)))
    return fields


def _column(array: Any) -> list[Any]:
    """A column of numbers as `plain` writes them, converted a whole column at a time (sweeps are long)."""
    import numpy

    values = numpy.asarray(array, dtype=float)
    if not numpy.isfinite(values).all():
        return [plain(value) for value in values.tolist()]
    whole = (numpy.abs(values) < 2**53) & (values == numpy.round(values))
    if whole.all():
        return values.astype(numpy.int64).tolist()  # type: ignore[no-any-return]
    floats: list[Any] = values.tolist()
    if not whole.any():
        return floats
    ints = numpy.where(whole, values, 0).astype(numpy.int64).tolist()
    return [i if w else f for f, i, w in zip(floats, ints, whole.tolist(), strict=True)]


ROWS_AT_ONCE = 32768
"""Sweep rows converted and written at a time, the progress bar advancing after each batch."""


def _batches(count: int) -> list[tuple[int, int]]:
    return [(start, min(start + ROWS_AT_ONCE, count)) for start in range(0, count, ROWS_AT_ONCE)]


def sweep_csv(result: SweepResult, progress: Progress | None = None) -> str:
    """One row per configuration: swept values, totals, time per kernel kind; times in seconds."""
    fields = _sweep_fields(result)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in fields])
    for start, stop in _batches(result.count):
        columns = [_column(array[start:stop]) for _, array in fields]
        writer.writerows(zip(*columns, strict=True))
        if progress is not None:
            progress(stop - start)
    return buffer.getvalue()


def sweep_json(prepared: Prepared, result: SweepResult, progress: Progress | None = None) -> str:
    document = _context(prepared)
    document["sweep"] = {written_name(axis.name): [plain(v) for v in axis.values] for axis in result.axes}
    if result.memory is not None:
        document["memory"] = {"capacity": result.memory.capacity, "memory_fraction": result.memory.fraction}
    fields = _sweep_fields(result)
    swept = {axis.name for axis in result.axes}

    # One line per configuration, encoded a batch at a time: a sweep of millions of
    # configurations never holds more than its text and one batch of its columns in memory.
    head = json.dumps(document, indent=1, ensure_ascii=False)
    parts: list[str] = []
    for start, stop in _batches(result.count):
        inputs = [(name, _column(array[start:stop])) for name, array in fields if name in swept]
        outputs = [(name, _column(array[start:stop])) for name, array in fields if name not in swept]
        for index in range(stop - start):
            record: dict[str, Any] = {"parameters": {name: values[index] for name, values in inputs}}
            record.update((name, values[index]) for name, values in outputs)
            parts.append(json.dumps(record, ensure_ascii=False))
        if progress is not None:
            progress(stop - start)
    rows = ",\n  ".join(parts)
    return f'{head[:-2]},\n "results": [\n  {rows}\n ]\n}}\n'


def render_point(result: PointResult, output_format: str) -> str:
    if output_format == "json":
        return point_json(result)
    if output_format == "csv":
        return point_csv(result)
    return point_text(result)


def render_sweep(prepared: Prepared, result: SweepResult, output_format: str, progress: Progress | None = None) -> str:
    """The sweep as text; `progress` is told of every batch of rows a CSV or JSON document has written."""
    if output_format == "json":
        return sweep_json(prepared, result, progress)
    if output_format == "csv":
        return sweep_csv(result, progress)
    return sweep_text(prepared, result)

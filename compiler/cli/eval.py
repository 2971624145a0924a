"""The eval wing's commands: eval, roofline, hardware."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler.eval.driver import Prepared, Request

from compiler.cli.app import (
    MODULE,
    Argument,
    check_output,
    command,
    count,
    echo,
    err,
    lib_options,
    repeated,
    search_path,
    write_output,
)
from compiler.errors import OptionError

ESTIMATE = (
    MODULE,
    *lib_options(),
    repeated("--set", dest="settings", metavar="NAME=VALUE", help="A parameter's value (repeatable); wins over --hf-config."),
    Argument("--hf-config", dest="hf_config", metavar="FILE", help="Model parameters from a Hugging Face config.json (or its directory), for the built-in families."),
    Argument("--phase", choices=["prefill", "decode"], default="prefill", help="prefill: cache_len defaults to 0; decode: seq_len=1, the context length given as --set cache_len=N. Default: prefill."),
    Argument("--hardware", metavar="NAME", help="A device preset (`kc hardware` lists them) or one from --hardware-file. Default: h100-sxm."),
    repeated("--hardware-file", dest="hardware_files", metavar="FILE", help="More devices, from a TOML or JSON file (repeatable)."),
    Argument("--precision", choices=["fp32", "tf32", "bf16", "fp16", "fp8", "int8", "int4"], help="The matmul precision; default: from the wider of a_bytes and w_bytes (bf16 when neither is set)."),
    Argument("--compute-efficiency", type=float, default=1.0, metavar="F", help="Fraction of the peak FLOP/s reached (0 < F <= 1). Default: 1."),
    Argument("--memory-efficiency", type=float, default=1.0, metavar="F", help="Fraction of the peak bandwidth reached (0 < F <= 1). Default: 1."),
    Argument("--memory-fraction", type=float, default=1.0, metavar="F", help="Share of the device's memory the footprint may use (0 < F <= 1), like an engine's gpu_memory_utilization. Default: 1."),
)
"""The arguments `kc eval` and `kc roofline` share: where the values come from, and the hardware."""


def _prepare(request: Request, outputs: Sequence[str | None] = (), plot: str | None = None, plot_option: str = "--plot", one_sweep: bool = False) -> Prepared:
    """The module's cost functions and the checked options.

    Everything that can fail without the module is checked before it is
    compiled: the options, the directories of the `outputs`, and for a
    `plot` (given with `plot_option`) its file name and matplotlib
    (`one_sweep`: a time plot's sweep).
    """
    import dataclasses

    import compiler
    from compiler.eval.driver import parse, prepare

    directories, name = search_path(request.module, tuple(request.lib))
    request = dataclasses.replace(request, module=name)
    options = parse(request)  # usage errors first, then what the command line names
    if plot is not None:
        from compiler.errors import PlotError
        from compiler.eval.plots import check_path, check_sweep

        try:
            check_path(plot)
            if one_sweep:
                check_sweep(options.axes)
        except PlotError as error:
            raise OptionError(plot_option, str(error)) from None
    for output in (*outputs, plot):
        check_output(output)
    if plot is not None:
        from compiler.eval.plots import require

        require()
    model = compiler.load_cost_model(name, directories)
    return prepare(request, model, options)


@command(
    "eval",
    *ESTIMATE,
    Argument("--format", dest="output_format", choices=["table", "json", "csv"], default="table", help="A table for people (rich in a terminal), or every number in JSON or CSV. Default: table."),
    repeated("--sweep", dest="sweeps", metavar="NAME=SPEC", help="Vary NAME: V1,V2,... or START:STOP[:STEP] (STOP included; STEP *F multiplies). Repeatable: the Cartesian product."),
    Argument("--generate", type=count, default=0, metavar="N", help="One prefill of seq_len tokens, then N decode steps, the cache growing by one token a step; summed."),
    Argument("--plot", metavar="FILE", help="With one --sweep: draw time against the swept parameter, stacked by kernel kind (PNG or SVG; needs the `plot` extra)."),
    Argument("--solve", metavar="NAME", help="Set NAME (batch_size, cache_len, ...) to the largest integer at which weights + cache + activations fit in the device's memory, then evaluate there."),
    Argument("-o", "--output", metavar="FILE", help="Write the table, JSON or CSV to FILE (atomically) instead of standard output."),
    Argument("--html", metavar="FILE", help="Also write the page of `kc compile --emit html` to FILE, prefilled with this run's values, device and precision."),
)
def eval_command(
    output_format: str, sweeps: tuple[str, ...], generate: int, plot: str | None, output: str | None, html: str | None, **options: Any
) -> None:
    """Time MODULE on a device: the roofline time of every kernel, and the total.

    Each kernel takes max(matmul FLOPs / matmul peak + vector FLOPs / vector
    peak, bytes / bandwidth); kernels run one after another, so the total is
    their sum. Parameters come from --hf-config, then --set and --sweep;
    missing ones are listed. A sweep gives one row of totals per configuration.

    A module with a footprint also shows its memory: weights, KV cache and
    the largest working set against the device's capacity (times
    --memory-fraction), and whether it fits; --solve finds the largest value
    of one parameter that does.

    Examples:
      kc eval transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json --set seq_len=4096
      kc eval ... --hf-config config.json --phase decode --set cache_len=4096 --set batch_size=16 --hardware a100-80gb
      kc eval ... --hf-config config.json --sweep seq_len=128:32768:*2 --plot time.png
      kc eval ... --hf-config config.json --set seq_len=1000 --generate 500 --format json
      kc eval ... --hf-config config.json --set seq_len=4096 --html llama.html
      kc eval ... --hf-config config.json --phase decode --set cache_len=8191 --solve batch_size
    """
    from compiler.eval import report
    from compiler.eval.driver import Request, notes, point, run_sweep

    request = Request(**options, sweeps=sweeps, generate=generate)  # the options are named as Request's fields
    prepared = _prepare(request, outputs=[output], plot=plot, one_sweep=True)
    console = _console(output_format, output)
    if prepared.axes:
        progress = _progress(prepared, rows=output_format in ("csv", "json"))
        result = run_sweep(prepared, progress)
        text = None if console else report.render_sweep(prepared, result, output_format, progress)
        if console:
            report.sweep_rich(prepared, result, console)
    else:
        point_result = point(prepared)
        text = None if console else report.render_point(point_result, output_format)
        if console:
            report.point_rich(point_result, console)
    if text is not None:
        write_output(text, output)
    if prepared.axes or output_format != "table":  # a point's table prints its notes under the totals
        for note in notes(prepared):
            err(f"kc: note: {note}")
    if plot is not None:
        from compiler.eval.plots import sweep

        sweep(prepared, result, plot)
        err(f"kc: wrote {plot}")
    if html is not None:
        write_output(_page(prepared), html)
        err(f"kc: wrote {html}")


@command(
    "roofline",
    *ESTIMATE,
    Argument("-o", "--output", metavar="FILE", required=True, help="The picture: FILE.png or FILE.svg."),
    Argument("--labels", type=count, default=5, metavar="N", help="Label the N kernels that take the most time. Default: 5."),
)
def roofline_command(output: str, labels: int, **options: Any) -> None:
    """Draw MODULE's kernels on the device's roofline (needs the `plot` extra).

    The memory roof and the compute roofs for matmul and for vector work,
    and every kernel with FLOPs as a point at its arithmetic intensity and
    the FLOP/s it attains, sized by its share of the time.
    """
    from compiler.eval.driver import Request, point
    from compiler.eval.plots import roofline

    prepared = _prepare(Request(**options), plot=output, plot_option="-o")
    roofline(point(prepared), output, labels)
    err(f"kc: wrote {output}")


def _page(prepared: Prepared) -> str:
    """The HTML page of the module, prefilled with the run's values (a swept parameter at its first value)."""
    import shlex

    from compiler.backends.html import emit, load_configs
    from compiler.eval import hardware
    from compiler.input.library import Library
    from compiler.pipeline import compile_tree

    request = prepared.request
    directories, name = search_path(request.module, tuple(request.lib))
    library = Library.from_path(directories)
    tree = compile_tree(library, name).tree
    assert tree is not None
    start: dict[str, Any] = dict(prepared.scenario.values)
    for axis in prepared.axes:
        start[axis.name] = axis.values[0]
    devices: dict[str, hardware.Device] = {}
    for path in request.hardware_files:
        devices.update(hardware.load_file(path))
    return emit(
        tree,
        command="kc " + shlex.join(sys.argv[1:]),
        configs=load_configs([request.hf_config]) if request.hf_config else (),
        start=start,
        device=prepared.peaks.device.id,
        devices=devices,
        precision=request.precision,
        compute_efficiency=request.compute_efficiency,
        memory_efficiency=request.memory_efficiency,
        memory_fraction=request.memory_fraction,
    )


def _console(output_format: str, output: str | None) -> Any:
    """A rich console for a table on a terminal; None for plain text (piped, a file, JSON, CSV)."""
    if output_format != "table" or (output not in (None, "-")) or not sys.stdout.isatty():
        return None
    from rich.console import Console

    return Console(no_color="NO_COLOR" in os.environ, highlight=False)


def _progress(prepared: Any, rows: bool = False) -> Any:
    """A progress bar on a terminal's stderr for a sweep of more than one chunk; None otherwise.

    With `rows` (CSV or JSON) the bar goes on while the rows are written,
    which for millions of them takes longer than computing them.
    """
    from compiler.eval import sweep

    count = sweep.size(prepared.axes)
    work = count * max(1, prepared.request.generate)
    if work <= sweep.CHUNK or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    total = count * (2 if rows else 1)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("sweep", total=total)
    bar.start()

    def advance(done: int) -> None:
        bar.advance(task, done)
        state = bar.tasks[0]
        if state.finished:
            bar.stop()
        elif rows and state.completed >= count and state.description == "sweep":
            bar.update(task, description="writing rows")

    return advance


@command(
    "hardware",
    repeated("--hardware-file", dest="hardware_files", metavar="FILE", help="Also list the devices of FILE (TOML or JSON)."),
    Argument("--format", dest="output_format", choices=["table", "json"], default="table", help="Default: table."),
)
def hardware_command(hardware_files: tuple[str, ...], output_format: str) -> None:
    """List the hardware presets (and the devices of hardware files) with every figure and its source.

    Matmul figures are dense (without structured sparsity); vector is the
    peak of the non-tensor-core FP32 path.
    """
    from compiler.eval.hardware import load_file, presets, render

    devices = dict(presets())
    for path in hardware_files:
        devices.update(load_file(path))
    echo(render(devices, output_format), nl=False)



"""The `kc` command line.

Exit status: 0 success, 1 problems in the input (diagnostics on stderr),
2 usage errors, 3 an internal error of kc itself, 130 interrupted.
Heavy modules are imported inside the commands, so `kc --help` stays fast.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from compiler import __version__
from compiler.backends import FORMATS

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostics
    from compiler.input.library import Library

EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130

_RENAME_HELP = "Also spell OLD as NEW in every module (repeatable), after the built-in aliases."
_LIB_HELP = "Add DIR to the search path (repeatable; searched in order, before $KC_PATH and the built-in library)."


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _lib_option(text: str = _LIB_HELP) -> Decorator:
    """`--lib DIR`, repeatable; DIR must be an existing directory. With it, `--no-builtin`."""
    lib = click.option("--lib", "lib", multiple=True, metavar="DIR", type=click.Path(exists=True, file_okay=False), help=text)

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        return lib(_no_builtin(command))

    return decorate


def _use_builtin(context: click.Context, parameter: click.Parameter, value: bool) -> None:
    from compiler.input.library import USE_BUILTIN

    USE_BUILTIN.set(not value)


_no_builtin = click.option(
    "--no-builtin", is_flag=True, expose_value=False, callback=_use_builtin,
    help="Leave kc's built-in library off the search path: a reference only it could resolve is an error.",
)


def _color(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _show(diagnostics: Diagnostics, library: Library) -> None:
    """Errors and warnings on stderr; notes are for `kc check`."""
    from compiler.diagnostics import Severity, render_text

    color = _color(sys.stderr)
    for diagnostic in diagnostics:
        if diagnostic.severity is not Severity.NOTE:
            click.echo(render_text(diagnostic, library.source, color=color), err=True)


def _fail(diagnostics: Diagnostics, library: Library) -> NoReturn:
    from compiler.diagnostics import summary

    _show(diagnostics, library)
    click.echo(f"kc: failed with {summary(diagnostics)}", err=True)
    sys.exit(EXIT_PROBLEMS)


def _renames(pairs: Iterable[str]) -> dict[str, str]:
    from compiler.input.rename import rename_table

    table = {}
    for pair in pairs:
        old, equals, new = pair.partition("=")
        if not equals:
            raise click.BadParameter(f"expected OLD=NEW with two names, got {pair!r}", param_hint="--rename")
        table[old.strip()] = new.strip()
    try:
        rename_table(table)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--rename") from None
    return table


def _search_path(module: str, lib: tuple[str, ...]) -> tuple[list[str], str]:
    """The directories to search for MODULE, and the module's name; a file's directory comes first."""
    directories = list(lib)
    name = module
    if module.endswith(".json") or os.sep in module or "/" in module:
        path = Path(module)
        directories.insert(0, str(path.parent))
        name = path.name.removesuffix(".json")
    return directories, name


def _library(module: str, lib: tuple[str, ...], renames: dict[str, str] | None = None) -> tuple[Library, str]:
    """The search path for MODULE, and the module's name; a file's directory comes first."""
    from compiler.input.library import Library

    directories, name = _search_path(module, lib)
    return Library.from_path(directories, renames=renames), name


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        _print(text, nl=False)
    else:
        from compiler.output import write_atomic

        try:
            write_atomic(output, text)
        except OSError as error:
            _error(f"{output}: cannot write: {error.strerror or error}")


def _backend_options(emit: str, tex_fragment: bool = False, symbols: str = "long") -> dict[str, Any]:
    """Options of the chosen backend, from the command line."""
    if emit == "tex":
        return {"fragment": tex_fragment, "symbols": symbols}
    if emit == "py":
        return {"command": "kc " + shlex.join(sys.argv[1:])}
    return {}


def _guard(command: Callable[..., None]) -> Callable[..., None]:
    """No traceback reaches a user: interrupts and kc's own bugs end with one line."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            try:
                command(*args, **kwargs)
            finally:
                _flush_stdout()
        except BrokenPipeError:  # the reader has gone (kc list | head -1): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_PROBLEMS)
        except KeyboardInterrupt:
            click.echo("kc: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:
            if os.environ.get("KC_DEBUG"):
                traceback.print_exc()
            click.echo(f"kc: internal error: {type(error).__name__}: {error}", err=True)
            click.echo("kc: this is a bug in kc; set KC_DEBUG=1 to see where it happened", err=True)
            sys.exit(EXIT_INTERNAL)

    run.__name__ = command.__name__
    run.__doc__ = command.__doc__
    return run


def _print(text: str = "", nl: bool = True) -> None:
    """Write to standard output: a closed one is a problem of the run, not a bug."""
    if sys.stdout is None:
        _error("standard output is closed: nowhere to write the result (write it to a file with -o FILE)")
    _to_stdout(lambda: sys.stdout.write(text + "\n" if nl else text))


def _flush_stdout() -> None:
    if sys.stdout is not None:
        _to_stdout(sys.stdout.flush)


def _to_stdout(write: Callable[[], object]) -> None:
    """A failing standard output (a full disk) is one line and exit status 1; a closed pipe is left to the guard."""
    try:
        write()
    except BrokenPipeError:
        raise
    except OSError as error:
        _error(f"cannot write to standard output: {error.strerror or error}")


def _limits(pairs: tuple[str, ...]) -> None:
    """Apply `--limit NAME=N` settings to the whole run."""
    from compiler.limits import Limits

    values = {}
    for pair in pairs:
        name, equals, number = pair.partition("=")
        if not equals or name not in Limits.names() or not number.isdigit() or int(number) < 1:
            raise click.BadParameter(f"expected NAME=N with N ≥ 1 and NAME one of {', '.join(Limits.names())}; got {pair!r}", param_hint="--limit")
        values[name] = int(number)
    try:
        Limits.set_default(Limits(**values))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--limit") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="kc")
@click.option("--limit", "limits", multiple=True, metavar="NAME=N", help="Change a resource limit for this run (repeatable); docs/limits.md lists them and their defaults.")
def main(limits: tuple[str, ...]) -> None:
    """kc, the kernel cost compiler: FLOPs and bytes of neural-network modules as exact formulas.

    A library is a search path of directories of module analyses (one JSON
    file per module class). kc expands every ${Module}(args) reference in a
    module, simplifies the formulas exactly, and writes the expanded tree.

    \b
    Examples:
      kc list
      kc compile transformers.models.llama.modeling_llama.LlamaMLP
      kc compile path/to/MyBlock.json --lib more/modules -o block.json
      kc plan transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel --lib gpt2/
      kc verify transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json
      kc --limit tree_nodes=5000000 compile huge.Model
      kc eval transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json --set seq_len=2048
      kc roofline transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json --set seq_len=2048 -o roofline.png
    """
    _limits(limits)


@main.command("compile")
@click.argument("module")
@_lib_option()
@click.option("--emit", type=click.Choice(FORMATS), default="json", show_default=True, help="Output format.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of standard output.")
@click.option("--lenient", is_flag=True, help="Drop extra arguments and keep unbound parameters as free names, with warnings, instead of failing.")
@click.option("--rename", "renames", multiple=True, metavar="OLD=NEW", help=_RENAME_HELP)
@click.option("--tex-fragment", is_flag=True, help="With --emit tex: only the body, for \\input into another document.")
@click.option("--symbols", type=click.Choice(["long", "short"]), default="long", show_default=True, help="With --emit tex: names in full, or as short symbols (B, S, H, ...) with a legend.")
@_guard
def compile_command(
    module: str, lib: tuple[str, ...], emit: str, output: str | None, lenient: bool, renames: tuple[str, ...], tex_fragment: bool, symbols: str
) -> None:
    """Compile MODULE (a class name, or a path to its JSON file) into its expanded tree.

    Every reference is expanded recursively; each formula is simplified
    exactly; `totals` holds the closed forms. Warnings go to stderr; on any
    error nothing is written and the exit status is 1.
    """
    from compiler.backends import emit as emit_tree
    from compiler.diagnostics import KcError
    from compiler.pipeline import compile_tree

    library, name = _library(module, lib, _renames(renames))
    try:
        compilation = compile_tree(library, name, lenient=lenient)
        assert compilation.tree is not None
        text = emit_tree(compilation.tree, emit, **_backend_options(emit, tex_fragment, symbols))
    except KcError as error:
        _fail(error.diagnostics, library)
    _show(compilation.diagnostics, library)
    if output not in (None, "-") and any(_same_file(output, file) for file in library.read()):
        _error(f"{output} is a module file this compilation reads: write the output elsewhere")
    _write(text, output)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@main.command("plan")
@click.argument("module")
@_lib_option()
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@click.option("--rename", "renames", multiple=True, metavar="OLD=NEW", help=_RENAME_HELP)
@click.option("--lenient", is_flag=True, help="Report binding problems as warnings, as kc compile --lenient would.")
@_guard
def plan_command(module: str, lib: tuple[str, ...], output: str | None, renames: tuple[str, ...], lenient: bool) -> None:
    """Show how MODULE would be expanded, as Markdown: references, files, order, depth.

    Every missing module is listed; the exit status is 1 when one is missing
    or another problem stops the expansion.
    """
    from compiler.diagnostics import Diagnostics
    from compiler.passes.bind import bind_graph
    from compiler.passes.resolve import resolve
    from compiler.plan import plan

    library, name = _library(module, lib, _renames(renames))
    diagnostics = Diagnostics()
    graph = resolve(library, name, diagnostics)
    if graph.modules:
        bind_graph(graph, diagnostics, lenient=lenient)
    _write(plan(graph, library, diagnostics), output)
    if diagnostics.errors:
        _fail(diagnostics, library)
    _show(diagnostics, library)


@main.command("check")
@click.argument("directories", nargs=-1, metavar="[LIB_DIR]...", type=click.Path(exists=True, file_okay=False))
@_lib_option("Also search DIR to resolve references (its own modules are not checked).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Text for people, or one JSON object per line for editors and CI.")
@click.option("--werror", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--lenient", is_flag=True, help="Report binding problems that --lenient compiles through as warnings.")
@click.option("--rename", "renames", multiple=True, metavar="OLD=NEW", help=_RENAME_HELP)
@_guard
def check_command(directories: tuple[str, ...], lib: tuple[str, ...], output_format: str, werror: bool, lenient: bool, renames: tuple[str, ...]) -> None:
    """Report every problem of every module in LIB_DIRs (default: the whole search path).

    Checks JSON and schema, formula syntax, unresolved references (with
    suggestions), cycles, binding against each callee's signature, arguments
    in suspicious slots, byte counts without a byte factor, and names.
    Codes are explained in docs/diagnostics.md. Exit status 1 when there are
    errors, or warnings with --werror.
    """
    import json

    from compiler.check import check
    from compiler.diagnostics import Severity, record, render_text, summary
    from compiler.input.library import Library

    library = Library.from_path([*directories, *lib], renames=_renames(renames))
    result = check(library, directories, lenient=lenient)
    diagnostics = list(result.diagnostics)
    if output_format == "json":
        for diagnostic in diagnostics:
            _print(json.dumps(record(diagnostic, library.source), ensure_ascii=False))
    else:
        color = _color(sys.stdout)
        previous = None
        for diagnostic in diagnostics:
            file = diagnostic.location.file if diagnostic.location else None
            if previous is not None and file != previous:
                _print()
            previous = file
            _print(render_text(diagnostic, library.source, color=color))
    notes = sum(d.severity is Severity.NOTE for d in diagnostics)
    line = f"checked {result.modules} module{'s' if result.modules != 1 else ''}: {summary(diagnostics)}, {notes} note{'s' if notes != 1 else ''}"
    if output_format == "json":
        click.echo(line, err=True)
    else:
        _print(line)
    failing = result.diagnostics.errors or (werror and result.diagnostics.warnings)
    sys.exit(EXIT_PROBLEMS if failing else 0)


@main.command("list")
@_lib_option()
@_guard
def list_command(lib: tuple[str, ...]) -> None:
    """List the modules on the search path and the file each comes from."""
    from compiler.input.library import Library

    library = Library.from_path(lib)
    modules = library.names()
    width = max((len(name) for name in modules), default=0)
    for name, path in modules.items():
        shadowed = len(library.files(name)) - 1
        note = f"  (shadows {shadowed} other{'s' if shadowed > 1 else ''})" if shadowed else ""
        _print(f"{name:<{width}}  {path}{note}")


@main.command("verify")
@click.argument("module")
@click.option("--hf-config", "hf_config", required=True, metavar="FILE", help="A Hugging Face config.json (or its directory).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help="A shape (batch_size, seq_len, cache_len) or model parameter (repeatable).")
@_lib_option()
@_guard
def verify_command(module: str, hf_config: str, settings: tuple[str, ...], lib: tuple[str, ...]) -> None:
    """Compare kc's matmul FLOPs of MODULE with PyTorch's FlopCounterMode for a config.

    Builds the model from the config on the meta device (no weights, no
    network; needs the `torch` extra), runs one forward pass of batch_size x
    seq_len tokens after a KV cache of cache_len tokens (defaults 1, 128, 0),
    and prints both counts per module class. Exit status 1 on any difference.
    """
    from compiler.diagnostics import KcError
    from compiler.input.library import Library
    from compiler.verify import VerifyError, parse_settings, verify

    try:
        values = parse_settings(settings)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--set") from None
    library = Library.from_path(lib)
    try:
        result = verify(module, hf_config, values, library)
    except KcError as error:
        _fail(error.diagnostics, library)
    except (VerifyError, ValueError) as error:
        click.echo(f"kc: error: {error}", err=True)
        sys.exit(EXIT_PROBLEMS)
    _print(result.render(), nl=False)
    sys.exit(0 if result.ok else EXIT_PROBLEMS)


def _estimate_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `kc eval` and `kc roofline` share: where the values come from, and the hardware."""
    options: list[Decorator] = [
        click.argument("module"),
        _lib_option(),
        click.option("--set", "settings", multiple=True, metavar="NAME=VALUE", help="A parameter's value (repeatable); wins over --hf-config."),
        click.option("--hf-config", "hf_config", metavar="FILE", help="Model parameters from a Hugging Face config.json (or its directory), for the built-in families."),
        click.option("--phase", type=click.Choice(["prefill", "decode"]), default="prefill", show_default=True, help="prefill: cache_len defaults to 0; decode: seq_len=1, the context length given as --set cache_len=N."),
        click.option("--hardware", metavar="NAME", help="A device preset (`kc hardware` lists them) or one from --hardware-file. Default: h100-sxm."),
        click.option("--hardware-file", "hardware_files", multiple=True, metavar="FILE", help="More devices, from a TOML or JSON file (repeatable)."),
        click.option("--precision", type=click.Choice(["fp32", "tf32", "bf16", "fp16", "fp8", "int8", "int4"]), help="The matmul precision; default: from the wider of a_bytes and w_bytes (bf16 when neither is set)."),
        click.option("--compute-efficiency", type=float, default=1.0, show_default=True, metavar="F", help="Fraction of the peak FLOP/s reached (0 < F <= 1)."),
        click.option("--memory-efficiency", type=float, default=1.0, show_default=True, metavar="F", help="Fraction of the peak bandwidth reached (0 < F <= 1)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _prepare(request: Any) -> Any:
    """The module's cost functions and the checked options, or exit 1 with the problem."""
    import compiler
    from compiler.diagnostics import KcError
    from compiler.eval.driver import EstimateError, OptionError, parse, prepare

    directories, name = _search_path(request.module, tuple(request.lib))
    request = dataclasses.replace(request, module=name)
    try:
        options = parse(request)  # before compiling: mistakes in the options show at once
        try:
            model = compiler.load_cost_model(name, directories)
        except KcError as error:
            from compiler.input.library import Library

            _fail(error.diagnostics, Library.from_path(directories))
        return prepare(request, model, options)
    except OptionError as error:
        raise click.BadParameter(str(error), param_hint=error.option) from None
    except EstimateError as error:
        _error(str(error))


def _error(message: str) -> NoReturn:
    click.echo(f"kc: error: {message}", err=True)
    sys.exit(EXIT_PROBLEMS)


@main.command("eval")
@_estimate_options
@click.option("--format", "output_format", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True, help="A table for people (rich in a terminal), or every number in JSON or CSV.")
@click.option("--sweep", "sweeps", multiple=True, metavar="NAME=SPEC", help="Vary NAME: V1,V2,... or START:STOP[:STEP] (STOP included; STEP *F multiplies). Repeatable: the Cartesian product.")
@click.option("--generate", type=click.IntRange(min=0), default=0, metavar="N", help="One prefill of seq_len tokens, then N decode steps, the cache growing by one token a step; summed.")
@click.option("--plot", metavar="FILE", help="With one --sweep: draw time against the swept parameter, stacked by kernel kind (PNG or SVG; needs the `plot` extra).")
@click.option("-o", "--output", metavar="FILE", help="Write the table, JSON or CSV to FILE (atomically) instead of standard output.")
@_guard
def eval_command(output_format: str, sweeps: tuple[str, ...], generate: int, plot: str | None, output: str | None, **options: Any) -> None:
    """Time MODULE on a device: the roofline time of every kernel, and the total.

    Each kernel takes max(matmul FLOPs / matmul peak + vector FLOPs / vector
    peak, bytes / bandwidth); kernels run one after another, so the total is
    their sum. Parameters come from --hf-config, then --set and --sweep;
    missing ones are listed. A sweep gives one row of totals per configuration.

    \b
    Examples:
      kc eval transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json --set seq_len=4096
      kc eval ... --hf-config config.json --phase decode --set cache_len=4096 --set batch_size=16 --hardware a100-80gb
      kc eval ... --hf-config config.json --sweep seq_len=128:32768:*2 --plot time.png
      kc eval ... --hf-config config.json --set seq_len=1000 --generate 500 --format json
    """
    from compiler.eval import report as costreport
    from compiler.eval.driver import EstimateError, Request, notes, point, run_sweep

    request = Request(**options, sweeps=sweeps, generate=generate)  # the options are named as Request's fields
    prepared = _prepare(request)
    if plot is not None:
        from compiler.eval.plots import PlotError, check_path, check_sweep

        try:
            check_sweep(prepared.axes)
            check_path(plot)
        except PlotError as error:
            raise click.UsageError(str(error)) from None
    console = _console(output_format, output)
    try:
        if prepared.axes:
            result = run_sweep(prepared, _progress(prepared))
            text = None if console else costreport.render_sweep(prepared, result, output_format)
            if console:
                costreport.sweep_rich(prepared, result, console)
        else:
            point_result = point(prepared)
            text = None if console else costreport.render_point(point_result, output_format)
            if console:
                costreport.point_rich(point_result, console)
    except EstimateError as error:
        _error(str(error))
    if text is not None:
        _write(text, output)
    if prepared.axes or output_format != "table":  # a point's table prints its notes under the totals
        for note in notes(prepared):
            click.echo(f"kc: note: {note}", err=True)
    if plot is not None:
        from compiler.eval.plots import PlotError, sweep

        try:
            sweep(prepared, result, plot)
        except PlotError as error:
            _error(str(error))
        click.echo(f"kc: wrote {plot}", err=True)


@main.command("roofline")
@_estimate_options
@click.option("-o", "--output", metavar="FILE", required=True, help="The picture: FILE.png or FILE.svg.")
@click.option("--labels", type=click.IntRange(min=0), default=5, show_default=True, metavar="N", help="Label the N kernels that take the most time.")
@_guard
def roofline_command(output: str, labels: int, **options: Any) -> None:
    """Draw MODULE's kernels on the device's roofline (needs the `plot` extra).

    The memory roof and the compute roofs for matmul and for vector work,
    and every kernel with FLOPs as a point at its arithmetic intensity and
    the FLOP/s it attains, sized by its share of the time.
    """
    from compiler.eval.driver import EstimateError, Request, point
    from compiler.eval.plots import PlotError, check_path, roofline

    try:
        check_path(output)
    except PlotError as error:
        raise click.UsageError(str(error)) from None
    prepared = _prepare(Request(**options))
    try:
        roofline(point(prepared), output, labels)
    except (EstimateError, PlotError) as error:
        _error(str(error))
    click.echo(f"kc: wrote {output}", err=True)


def _console(output_format: str, output: str | None) -> Any:
    """A rich console for a table on a terminal; None for plain text (piped, a file, JSON, CSV)."""
    if output_format != "table" or (output not in (None, "-")) or not sys.stdout.isatty():
        return None
    from rich.console import Console

    return Console(no_color="NO_COLOR" in os.environ, highlight=False)


def _progress(prepared: Any) -> Any:
    """A progress bar on a terminal's stderr for a sweep of more than one chunk; None otherwise."""
    from compiler.eval import sweep

    count = sweep.size(prepared.axes)
    work = count * max(1, prepared.request.generate)
    if work <= sweep.CHUNK or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("sweep", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("sweep", total=count)
    bar.start()

    def advance(done: int) -> None:
        bar.advance(task, done)
        if bar.tasks[0].finished:
            bar.stop()

    return advance


@main.command("hardware")
@click.option("--hardware-file", "hardware_files", multiple=True, metavar="FILE", help="Also list the devices of FILE (TOML or JSON).")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_guard
def hardware_command(hardware_files: tuple[str, ...], output_format: str) -> None:
    """List the hardware presets (and the devices of hardware files) with every figure and its source.

    Matmul figures are dense (without structured sparsity); vector is the
    peak of the non-tensor-core FP32 path.
    """
    from compiler.eval.hardware import HardwareError, load_file, presets, render

    devices = dict(presets())
    try:
        for path in hardware_files:
            devices.update(load_file(path))
    except HardwareError as error:
        _error(str(error))
    _print(render(devices, output_format), nl=False)


@main.command("schema")
@click.argument("which", type=click.Choice(["input", "output", "resolved"]))
@_guard
def schema_command(which: str) -> None:
    """Print the JSON Schema of module files (input), of compiled trees (output), or of --emit resolved (resolved)."""
    from importlib import resources

    _print((resources.files("compiler") / "schemas" / f"{which}.schema.json").read_text(encoding="utf-8"), nl=False)


from compiler.cli.convert import convert_command  # noqa: E402 - the command lives in its own module

main.add_command(convert_command)


if __name__ == "__main__":
    main()

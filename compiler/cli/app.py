"""The `kc` command line: the group, and what every command shares.

Exit status: 0 success, 1 problems in the input (diagnostics on stderr),
2 usage errors, 3 an internal error of kc itself, 130 interrupted.
Heavy modules are imported inside the commands, so `kc --help` stays fast.
"""

from __future__ import annotations

import gc
import os
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from compiler import __version__
from compiler.errors import KcError, OptionError
from compiler.settings import parse_pairs

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostics, Sources
    from compiler.input.library import Library

EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130

_LIB_HELP = "Add DIR to the search path (repeatable; searched in order, before $KC_PATH and the built-in library)."


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


RENAME_HELP = "Also spell OLD as NEW in every module (repeatable), after the built-in aliases."


def lib_option(text: str = _LIB_HELP) -> Decorator:
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


def use_color(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def without_collector() -> None:
    """Python's cycle collector off for the rest of this process: for the compiler's commands.

    They build frozen, acyclic values and keep them to the end, so every
    collection walks all of them and finds nothing; so does the one Python
    runs at exit while the collector is on. A command ends in seconds, and
    the few cycles it leaves go with the process. Off for the whole
    command, `kc check` of 10,000 modules and `kc compile` of 1,000 Linear
    calls each took about a tenth less time. `kc verify` keeps it: PyTorch's
    objects hold cycles, and its models are large.
    """
    gc.disable()


def show_diagnostics(diagnostics: Diagnostics, sources: Sources) -> None:
    """Errors and warnings on stderr; notes are for `kc check`."""
    from compiler.diagnostics import Severity, render_text

    color = use_color(sys.stderr)
    for diagnostic in diagnostics:
        if diagnostic.severity is not Severity.NOTE:
            click.echo(render_text(diagnostic, sources, color=color), err=True)


def fail_with(diagnostics: Diagnostics, sources: Sources) -> NoReturn:
    """Every problem on stderr, a summary line, exit status 1."""
    from compiler.diagnostics import summary

    show_diagnostics(diagnostics, sources)
    click.echo(f"kc: failed with {summary(diagnostics)}", err=True)
    sys.exit(EXIT_PROBLEMS)


def parse_renames(pairs: Iterable[str]) -> dict[str, str]:
    from compiler.input.rename import rename_table

    try:
        table = parse_pairs(pairs, lambda old, new: new, form="OLD=NEW with two names", identifiers=False, once=False)
        rename_table(table)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--rename") from None
    return table


def search_path(module: str, lib: tuple[str, ...]) -> tuple[list[str], str]:
    """The directories to search for MODULE, and the module's name; a file's directory comes first."""
    directories = list(lib)
    name = module
    if module.endswith(".json") or os.sep in module or "/" in module:
        path = Path(module)
        directories.insert(0, str(path.parent))
        name = path.name.removesuffix(".json")
    return directories, name


def open_library(module: str, lib: tuple[str, ...], renames: dict[str, str] | None = None) -> tuple[Library, str]:
    """The search path for MODULE, and the module's name; a file's directory comes first."""
    from compiler.input.library import Library

    directories, name = search_path(module, lib)
    return Library.from_path(directories, renames=renames), name


def write_output(text: str, output: str | None) -> None:
    """`text` to standard output, or atomically to the file `output`."""
    if output is None or output == "-":
        echo(text, nl=False)
    else:
        from compiler.output import write_atomic

        try:
            write_atomic(output, text)
        except OSError as error:
            exit_with(f"{output}: cannot write: {error.strerror or error}")


def check_output(output: str | None) -> None:
    """Before any work: the directory of the output file `output` exists (standard output always does)."""
    if output is None or output == "-":
        return
    path = Path(output)
    directory = path.parent
    if not directory.is_dir():
        exit_with(f"{output}: cannot write: No such file or directory (there is no directory {directory})")
    if path.is_dir():
        exit_with(f"{output}: cannot write: it is a directory")


def backend_options(emit: str, tex_fragment: bool = False, symbols: str = "long") -> dict[str, Any]:
    """Options of the chosen backend, from the command line."""
    if emit == "tex":
        return {"fragment": tex_fragment, "symbols": symbols}
    if emit == "py":
        return {"command": "kc " + shlex.join(sys.argv[1:])}
    return {}


def report(error: KcError) -> NoReturn:
    """A KcError as users see it: every diagnostic with its caret, a usage error (exit 2), or one line."""
    if error.diagnostics is not None:
        fail_with(error.diagnostics, error.sources or _no_sources)
    if isinstance(error, OptionError):
        raise click.BadParameter(str(error), param_hint=error.option) from None
    exit_with(str(error))


def _no_sources(file: str) -> None:
    return None


def guard(command: Callable[..., None]) -> Callable[..., None]:
    """No traceback reaches a user: kc's errors are reported, interrupts and kc's own bugs end with one line."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            try:
                command(*args, **kwargs)
            finally:
                flush_stdout()
        except BrokenPipeError:  # the reader has gone (kc list | head -1): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_PROBLEMS)
        except KeyboardInterrupt:
            click.echo("kc: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KcError as error:
            report(error)
        except Exception as error:
            if os.environ.get("KC_DEBUG"):
                import traceback  # only for kc's own bugs, when asked

                traceback.print_exc()
            click.echo(f"kc: internal error: {type(error).__name__}: {error}", err=True)
            click.echo("kc: this is a bug in kc; set KC_DEBUG=1 to see where it happened", err=True)
            sys.exit(EXIT_INTERNAL)

    run.__name__ = command.__name__
    run.__doc__ = command.__doc__
    return run


def echo(text: str = "", nl: bool = True) -> None:
    """Write to standard output: a closed one is a problem of the run, not a bug."""
    if sys.stdout is None:
        exit_with("standard output is closed: nowhere to write the result (write it to a file with -o FILE)")
    to_stdout(lambda: sys.stdout.write(text + "\n" if nl else text))


def flush_stdout() -> None:
    if sys.stdout is not None:
        to_stdout(sys.stdout.flush)


def to_stdout(write: Callable[[], object]) -> None:
    """A failing standard output (a full disk) is one line and exit status 1; a closed pipe is left to the guard."""
    try:
        write()
    except BrokenPipeError:
        raise
    except OSError as error:
        exit_with(f"cannot write to standard output: {error.strerror or error}")


def apply_limits(pairs: tuple[str, ...]) -> None:
    """Apply `--limit NAME=N` settings to the whole run."""
    from compiler.limits import Limits

    form = f"NAME=N with N ≥ 1 and NAME one of {', '.join(Limits.names())}"

    def limit(name: str, number: str) -> int:
        if name not in Limits.names() or not number.isdigit() or int(number) < 1:
            raise ValueError(f"expected {form}, got {name}={number}")
        return int(number)

    try:
        values = parse_pairs(pairs, limit, form=form, once=False)
        Limits.set_default(Limits(**values))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--limit") from None



class _Group(click.Group):
    """The `kc` group: Ctrl-C anywhere in a command, its imports and options included, ends as the guard ends it."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("kc: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    apply_limits(limits)


def exit_with(message: str) -> NoReturn:
    click.echo(f"kc: error: {message}", err=True)
    sys.exit(EXIT_PROBLEMS)

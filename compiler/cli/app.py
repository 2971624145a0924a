"""The `kc` command line: the parser, the commands' declarations, and what every command shares.

Exit status: 0 success, 1 problems in the input (diagnostics on stderr),
2 usage errors, 3 an internal error of kc itself, 130 interrupted.
The standard library's argparse reads the command line (click took 19 ms of
every start, more than a quarter of compiling a small formula); each command declares
its arguments beside the function that runs it, and imports its heavy
modules inside that function, so `kc --help` stays fast.
"""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from compiler import __version__
from compiler.errors import KcError, OptionError
from compiler.settings import parse_pairs

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostics, Sources
    from compiler.input.library import Library

EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130
WIDTH = 100
"""The width of help text."""

DESCRIPTION = """\
kc, the kernel cost compiler: FLOPs and bytes of neural-network modules as exact formulas.

A library is a search path of directories of module analyses (one JSON
file per module class). kc expands every ${Module}(args) reference in a
module, simplifies the formulas exactly, and writes the expanded tree.
"""

EXAMPLES = """\
examples:
  kc list
  kc compile transformers.models.llama.modeling_llama.LlamaMLP
  kc compile path/to/MyBlock.json --lib more/modules -o block.json
  kc plan transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel --lib gpt2/
  kc verify transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json
  kc --limit tree_nodes=5000000 compile huge.Model
  kc eval transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json --set seq_len=2048
  kc roofline transformers.models.llama.modeling_llama.LlamaForCausalLM --hf-config config.json --set seq_len=2048 -o roofline.png

kc COMMAND --help shows a command's options.
"""


class Argument:
    """One argument of a command: what its parser's `add_argument` is called with."""

    __slots__ = ("flags", "options")

    def __init__(self, *flags: str, **options: Any) -> None:
        self.flags, self.options = flags, options


class Command:
    """A subcommand: its name, its arguments, and the function that runs it with their values as keywords."""

    __slots__ = ("arguments", "name", "run")

    def __init__(self, name: str, arguments: tuple[Argument, ...], run: Callable[..., None]) -> None:
        self.name, self.arguments, self.run = name, arguments, run

    @property
    def description(self) -> str:
        """The function's docstring: its first paragraph is the summary `kc --help` lists."""
        lines = (self.run.__doc__ or "").strip().splitlines()
        return "\n".join(line.removeprefix("    ") for line in lines) + "\n"

    def summary(self) -> str:
        return self.description.split("\n\n", 1)[0].replace("\n", " ").strip()


COMMANDS: dict[str, Command] = {}
"""Every command, in the order `kc --help` lists them."""


def command(name: str, *arguments: Argument) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare the command `name` and its arguments; the decorated function runs it."""

    def declare(run: Callable[..., None]) -> Callable[..., None]:
        COMMANDS[name] = Command(name, arguments, run)
        return run

    return declare


def repeated(*flags: str, dest: str, metavar: str, help: str) -> Argument:
    """An option given any number of times; its values come as a tuple, in order."""
    return Argument(*flags, dest=dest, metavar=metavar, action="append", default=[], help=help)


def flag(*flags: str, help: str) -> Argument:
    return Argument(*flags, action="store_true", help=help)


def directory(value: str) -> str:
    """An existing directory, else a usage error."""
    if not os.path.isdir(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a directory" if os.path.exists(value) else f"directory {value!r} does not exist")
    return value


def count(value: str) -> int:
    """An integer 0 or more, else a usage error."""
    if not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer 0 or more, got {value!r}")
    return int(value)


_LIB_HELP = "Add DIR to the search path (repeatable; searched in order, before $KC_PATH and the built-in library)."

MODULE = Argument("module", metavar="MODULE", help="A module's class name, or the path to its JSON file.")
"""The module a command works on, as `compile`, `plan`, `eval` and `roofline` take it."""


def lib_options(text: str = _LIB_HELP) -> tuple[Argument, Argument]:
    """`--lib DIR`, repeatable, an existing directory; and `--no-builtin`."""
    return (
        Argument("--lib", dest="lib", action="append", default=[], metavar="DIR", type=directory, help=text),
        Argument("--no-builtin", dest="no_builtin", action="store_true", help="Leave kc's built-in library off the search path: a reference only it could resolve is an error."),
    )


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help as kc writes it: descriptions as laid out in the docstrings, an option's metavar once (`-o, --output FILE`)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=min(WIDTH, _columns()), max_help_position=30)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        return f"{', '.join(action.option_strings)} {self._format_args(action, self._get_default_metavar_for_optional(action))}"


def _columns() -> int:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout is not None and sys.stdout.isatty() else WIDTH
    except (OSError, ValueError):
        return WIDTH


class _Parser(argparse.ArgumentParser):
    """A parser whose usage errors end the run with status 2 and a pointer to the command's help."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nTry '{self.prog} --help' for help.\n")


def parser() -> tuple[_Parser, dict[str, _Parser]]:
    """The `kc` parser, and each command's."""
    top = _Parser(prog="kc", description=DESCRIPTION, epilog=EXAMPLES, formatter_class=_Formatter, allow_abbrev=False)
    top.add_argument("-V", "--version", action="version", version=f"kc, version {__version__}")
    top.add_argument(
        "--limit", dest="limits", action="append", default=[], metavar="NAME=N",
        help="Change a resource limit for this run (repeatable); docs/limits.md lists them and their defaults.",
    )
    group = top.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=_Parser)
    commands = {}
    for declared in COMMANDS.values():
        sub = group.add_parser(declared.name, help=declared.summary(), description=declared.description, formatter_class=_Formatter, allow_abbrev=False)
        for argument in declared.arguments:
            sub.add_argument(*argument.flags, **argument.options)
        commands[declared.name] = sub
    return top, commands


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line `argv` (default: the process's); a usage error, a problem, an interrupt or a bug of
    kc ends the process with its exit status, and no traceback reaches the user."""
    try:
        _run(argv)
    except BrokenPipeError:  # the reader has gone (kc list | head -1): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_PROBLEMS)
    except KeyboardInterrupt:
        err("kc: interrupted")
        sys.exit(EXIT_INTERRUPTED)


def run() -> int:
    """`main` as the `kc` program runs it (`compiler.__main__`): its exit status, its output flushed."""
    status = 0
    try:
        main()
    except SystemExit as exit:
        if isinstance(exit.code, int):
            status = exit.code
        elif exit.code is not None:  # sys.exit("message"), ended as Python ends it
            err(str(exit.code))
            status = EXIT_PROBLEMS
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: what it held has nowhere to go
            pass
    return status


def _run(argv: Sequence[str] | None) -> None:
    top, commands = parser()
    given = top.parse_args(argv)
    if given.command is None:
        top.print_help()
        sys.exit(0)
    values = {name: tuple(value) if isinstance(value, list) else value for name, value in vars(given).items() if name != "command"}
    declared, usage = COMMANDS[given.command], commands[given.command]
    try:
        apply_limits(values.pop("limits"))
    except OptionError as error:
        top.error(f"argument {error.option}: {error}")
    try:
        try:
            if "no_builtin" in values:
                from compiler.input.library import USE_BUILTIN

                USE_BUILTIN.set(not values.pop("no_builtin"))
            declared.run(**values)
        finally:
            flush_stdout()
    except OptionError as error:
        usage.error(f"argument {error.option}: {error}")
    except KcError as error:
        report(error)
    except BrokenPipeError:  # main's to handle, as everywhere in the run
        raise
    except Exception as error:
        if os.environ.get("KC_DEBUG"):
            import traceback  # only for kc's own bugs, when asked

            traceback.print_exc()
        err(f"kc: internal error: {type(error).__name__}: {error}")
        err("kc: this is a bug in kc; set KC_DEBUG=1 to see where it happened")
        sys.exit(EXIT_INTERNAL)


def use_color(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def without_collector() -> None:
    """Python's cycle collector off for the rest of this process: for the compiler's commands.

    They build frozen, acyclic values and keep them to the end, so every
    collection walks all of them and finds nothing. The passes pause the
    collector themselves (`limits.collector_paused`), but where a pause
    ends the next allocation starts a collection of everything built so far:
    off for the whole command, `kc compile` of 1,000 Linear calls takes 426
    ms instead of 539 and `kc check` of 10,000 modules 1.96 s instead of
    2.55 (best of 5 cold processes each). A command ends in seconds, and the
    few cycles it leaves go with the process. `kc verify` keeps it:
    PyTorch's objects hold cycles, and its models are large.
    """
    gc.disable()


def err(text: str) -> None:
    """A line on standard error (where there is one)."""
    if sys.stderr is not None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def show_diagnostics(diagnostics: Diagnostics, sources: Sources) -> None:
    """Errors and warnings on stderr; notes are for `kc check`."""
    from compiler.diagnostics import Severity, render_text

    color = use_color(sys.stderr)
    for diagnostic in diagnostics:
        if diagnostic.severity is not Severity.NOTE:
            err(render_text(diagnostic, sources, color=color))


def fail_with(diagnostics: Diagnostics, sources: Sources) -> NoReturn:
    """Every problem on stderr, a summary line, exit status 1."""
    from compiler.diagnostics import summary

    show_diagnostics(diagnostics, sources)
    err(f"kc: failed with {summary(diagnostics)}")
    sys.exit(EXIT_PROBLEMS)


def parse_renames(pairs: Iterable[str]) -> dict[str, str]:
    from compiler.input.rename import rename_table

    try:
        table = parse_pairs(pairs, lambda old, new: new, form="OLD=NEW with two names", identifiers=False, once=False)
        rename_table(table)
    except ValueError as error:
        raise OptionError("--rename", str(error)) from None
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
    """A KcError as users see it: every diagnostic with its caret, or one line."""
    if error.diagnostics is not None:
        fail_with(error.diagnostics, error.sources or _no_sources)
    exit_with(str(error))


def _no_sources(file: str) -> None:
    return None


def echo(text: str = "", nl: bool = True) -> None:
    """Write to standard output: a closed one is a problem of the run, not a bug."""
    if sys.stdout is None:
        exit_with("standard output is closed: nowhere to write the result (write it to a file with -o FILE)")
    to_stdout(lambda: sys.stdout.write(text + "\n" if nl else text))


def flush_stdout() -> None:
    if sys.stdout is not None:
        to_stdout(sys.stdout.flush)


def to_stdout(write: Callable[[], object]) -> None:
    """A failing standard output (a full disk) is one line and exit status 1; a closed pipe is left to `main`."""
    try:
        write()
    except BrokenPipeError:
        raise
    except OSError as error:
        exit_with(f"cannot write to standard output: {error.strerror or error}")


def apply_limits(pairs: Iterable[str]) -> None:
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
        raise OptionError("--limit", str(error)) from None


def exit_with(message: str) -> NoReturn:
    err(f"kc: error: {message}")
    sys.exit(EXIT_PROBLEMS)

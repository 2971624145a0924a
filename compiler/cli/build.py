"""The compiler's commands: compile, plan, check, list, schema."""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

from compiler.backends import FORMATS
from compiler.cli.app import (
    EXIT_PROBLEMS,
    MODULE,
    Argument,
    backend_options,
    check_output,
    command,
    directory,
    echo,
    err,
    exit_with,
    fail_with,
    flag,
    lib_options,
    open_library,
    parse_renames,
    repeated,
    show_diagnostics,
    use_color,
    without_collector,
    write_output,
)
from compiler.errors import OptionError

RENAME = repeated("--rename", dest="renames", metavar="OLD=NEW", help="Also spell OLD as NEW in every module (repeatable), after the built-in aliases.")


@command(
    "compile",
    MODULE,
    *lib_options(),
    Argument("--emit", choices=FORMATS, default="json", help="Output format (json: a summary instead on a terminal, unless -o is given). Default: json."),
    Argument("-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of standard output."),
    flag("--lenient", help="Drop extra arguments and keep unbound parameters as free names, with warnings, instead of failing."),
    RENAME,
    flag("--tex-fragment", help="With --emit tex: only the body, for \\input into another document."),
    Argument("--symbols", choices=["long", "short"], default="long", help="With --emit tex: names in full, or as short symbols (B, S, H, ...) with a legend. Default: long."),
    repeated("--hf-config", dest="hf_configs", metavar="FILE", help="With --emit html: a Hugging Face config.json the page offers in its config selector (repeatable; the first fills the form)."),
    repeated("--set", dest="settings", metavar="NAME=VALUE", help="With --emit html: a parameter's first value on the page (repeatable); wins over --hf-config."),
)
def compile_command(
    module: str,
    lib: tuple[str, ...],
    emit: str,
    output: str | None,
    lenient: bool,
    renames: tuple[str, ...],
    tex_fragment: bool,
    symbols: str,
    hf_configs: tuple[str, ...],
    settings: tuple[str, ...],
) -> None:
    """Compile MODULE (a class name, or a path to its JSON file) into its expanded tree.

    Every reference is expanded recursively; each formula is simplified
    exactly; `totals` holds the closed forms. Warnings go to stderr; on any
    error nothing is written and the exit status is 1.

    On a terminal it shows a summary (parameters, totals, the tree's top
    levels, the commands to try next); a pipe or -o FILE gets the JSON, and
    -o - writes the JSON to a terminal too.

    --emit html writes one self-contained page to explore the costs in a browser:
      kc compile transformers.models.llama.modeling_llama.LlamaForCausalLM --emit html \\
         --hf-config tests/hf_configs/Meta-Llama-3-8B.json --set seq_len=4096 -o llama.html
    """
    without_collector()
    from compiler.backends import emit as emit_tree
    from compiler.errors import KcError
    from compiler.pipeline import compile_tree

    options = backend_options(emit, tex_fragment, symbols)
    if emit == "html":
        options.update(html_options(hf_configs, settings))
    elif hf_configs or settings:
        option = "--hf-config" if hf_configs else "--set"
        raise OptionError(option, f"{option} is an option of --emit html")
    check_output(output)
    library, name = open_library(module, lib, parse_renames(renames))
    compilation = compile_tree(library, name, lenient=lenient)
    try:
        text = emit_tree(compilation.tree, emit, **options)
    except KcError as error:
        error.sources = error.sources or library.source
        raise
    show_diagnostics(compilation.diagnostics, library.source)
    if output not in (None, "-") and any(same_file(output, file) for file in library.read()):
        exit_with(f"{output} is a module file this compilation reads: write the output elsewhere")
    if output is None and emit == "json" and sys.stdout is not None and sys.stdout.isatty():
        import shutil

        from compiler.cli.summary import WIDTH, summary

        echo(summary(compilation.tree, module, lib, min(WIDTH, shutil.get_terminal_size().columns)), nl=False)
        return
    write_output(text, output)


def html_options(hf_configs: tuple[str, ...], settings: tuple[str, ...]) -> dict[str, Any]:
    """The page's configs and first values, from --hf-config and --set; a usage error for a bad one."""
    from compiler.backends.html import load_configs
    from compiler.backends.html.emitter import SHAPE_STARTS
    from compiler.errors import EvalError
    from compiler.eval.values import parse_settings

    try:
        configs = load_configs(hf_configs)
    except ValueError as error:
        raise OptionError("--hf-config", str(error)) from None
    try:
        values = parse_settings(settings)
    except EvalError as error:
        raise OptionError("--set", str(error)) from None
    start: dict[str, Any] = dict(SHAPE_STARTS)
    if configs:
        start.update(configs[0].values)
    start.update(values)
    return {"configs": configs, "start": start, "command": "kc " + shlex.join(sys.argv[1:])}


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False



@command(
    "plan",
    MODULE,
    *lib_options(),
    Argument("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output."),
    RENAME,
    flag("--lenient", help="Report binding problems as warnings, as kc compile --lenient would."),
)
def plan_command(module: str, lib: tuple[str, ...], output: str | None, renames: tuple[str, ...], lenient: bool) -> None:
    """Show how MODULE would be expanded, as Markdown: references, files, order, depth, binding problems.

    Every missing module and every binding problem is listed; the exit status
    is 1 when one of them, or another problem, would stop kc compile.
    """
    without_collector()
    from compiler.diagnostics import Diagnostics
    from compiler.passes.bind import bind
    from compiler.passes.resolve import resolve
    from compiler.plan import plan

    check_output(output)
    library, name = open_library(module, lib, parse_renames(renames))
    diagnostics = Diagnostics()
    graph = resolve(library, name, diagnostics)
    if graph.modules:
        bind(graph, diagnostics, lenient=lenient)
    write_output(plan(graph, library, diagnostics), output)
    if diagnostics.errors:
        fail_with(diagnostics, library.source)
    show_diagnostics(diagnostics, library.source)



@command(
    "check",
    Argument("directories", nargs="*", metavar="LIB_DIR", type=directory, help="A directory of modules to check (any number; default: the whole search path)."),
    *lib_options("Also search DIR to resolve references (its own modules are not checked)."),
    Argument("--format", dest="output_format", choices=["text", "json"], default="text", help="Text for people, or one JSON object per line for editors and CI. Default: text."),
    flag("--werror", help="Exit 1 on warnings too."),
    flag("--lenient", help="Report binding problems that --lenient compiles through as warnings."),
    RENAME,
)
def check_command(directories: tuple[str, ...], lib: tuple[str, ...], output_format: str, werror: bool, lenient: bool, renames: tuple[str, ...]) -> None:
    """Report every problem of every module in LIB_DIRs (default: the whole search path).

    Checks JSON and schema, formula syntax, unresolved references (with
    suggestions), cycles, binding against each callee's signature, arguments
    in suspicious slots, byte counts without a byte factor, and names.
    Codes are explained in docs/diagnostics.md. Exit status 1 when there are
    errors, or warnings with --werror.
    """
    without_collector()
    import json

    from compiler.check import check
    from compiler.diagnostics import Severity, record, render_text, summary
    from compiler.input.library import Library

    library = Library.from_path([*directories, *lib], renames=parse_renames(renames))
    result = check(library, directories, lenient=lenient)
    diagnostics = list(result.diagnostics)
    if output_format == "json":
        for diagnostic in diagnostics:
            echo(json.dumps(record(diagnostic, library.source), ensure_ascii=False))
    else:
        color = use_color(sys.stdout)
        previous = None
        for diagnostic in diagnostics:
            file = diagnostic.location.file if diagnostic.location else None
            if previous is not None and file != previous:
                echo()
            previous = file
            echo(render_text(diagnostic, library.source, color=color))
    notes = sum(d.severity is Severity.NOTE for d in diagnostics)
    line = f"checked {result.modules} module{'s' if result.modules != 1 else ''}: {summary(diagnostics)}, {notes} note{'s' if notes != 1 else ''}"
    if output_format == "json":
        err(line)
    else:
        echo(line)
    failing = result.diagnostics.errors or (werror and result.diagnostics.warnings)
    sys.exit(EXIT_PROBLEMS if failing else 0)



@command("list", *lib_options())
def list_command(lib: tuple[str, ...]) -> None:
    """List the modules on the search path and the file each comes from."""
    from compiler.input.library import Library

    library = Library.from_path(lib)
    modules = library.names()
    width = max((len(name) for name in modules), default=0)
    for name, path in modules.items():
        shadowed = len(library.files(name)) - 1
        note = f"  (shadows {shadowed} other{'s' if shadowed > 1 else ''})" if shadowed else ""
        echo(f"{name:<{width}}  {path}{note}")



@command("schema", Argument("which", metavar="WHICH", choices=["input", "output", "resolved"], help="input, output or resolved."))
def schema_command(which: str) -> None:
    """Print the JSON Schema of module files (input), of compiled trees (output), or of --emit resolved (resolved)."""
    from importlib import resources

    echo((resources.files("compiler") / "schemas" / f"{which}.schema.json").read_text(encoding="utf-8"), nl=False)



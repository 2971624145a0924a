"""`kc convert`: a library rewritten in the other input dialect."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from compiler.cli.app import (
    EXIT_PROBLEMS,
    Argument,
    command,
    directory,
    err,
    fail_with,
    flag,
    lib_options,
    show_diagnostics,
)
from compiler.errors import OptionError


@command(
    "convert",
    Argument("directory", metavar="LIB_DIR", type=directory, help="The directory of modules to convert."),
    Argument("--to", choices=["analysis", "cost"], required=True, help="The dialect to write."),
    Argument("-o", "--output", metavar="OUT_DIR", required=True, help="The directory to write the converted files into (created if needed)."),
    *lib_options("Also search DIR to resolve references (its modules are not converted)."),
    flag("--lenient", help="Convert through binding problems, as kc compile --lenient does, with warnings."),
)
def convert_command(directory: str, to: str, output: str, lib: tuple[str, ...], lenient: bool) -> None:
    """Rewrite the modules of LIB_DIR in the other dialect: the analysis dialect
    (class_name, kernels, ${M}(args)) or LM-Predictor's cost dialect
    (kernel_name, init_params, forward_params, flops/memory_read/memory_write or children).

    Compiling the converted library gives the same totals; docs/dialects.md
    says how each construct is written. Files already in the dialect asked
    for are copied unchanged. On any error nothing is written.

    Example:
      kc convert kernels/ --to analysis -o kernels-analysis/
    """
    from compiler.input.convert import convert
    from compiler.input.library import Library, listing
    from compiler.output import write_atomic

    if os.path.realpath(output) == os.path.realpath(directory):
        raise OptionError("-o", "write the converted library to another directory than LIB_DIR")
    if os.path.exists(output) and not os.path.isdir(output):
        raise OptionError("-o", f"{output!r} is a file, not a directory")
    library = Library.from_path([directory, *lib])
    result = convert(library, listing(Path(directory)), to, lenient=lenient)
    if result.diagnostics.errors:
        fail_with(result.diagnostics, library.source)
    show_diagnostics(result.diagnostics, library.source)
    target = Path(output)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in sorted(result.files.items()):
            write_atomic(target / f"{name}.json", text)
    except OSError as error:
        err(f"kc: {output}: cannot write: {error.strerror or error}")
        sys.exit(EXIT_PROBLEMS)
    err(f"converted {len(result.files)} file{'s' if len(result.files) != 1 else ''} to the {to} dialect in {output}")

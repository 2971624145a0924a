"""`kc check`: every problem of every module in a library, in one run.

It runs the static passes of `kc compile` (loading, resolving, binding, lint)
over all modules at once instead of one root, so each problem is found by
the same code and reported with the same diagnostics as a compilation.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from compiler.diagnostics import Diagnostics, Location
from compiler.input.library import NAME_MAP, Library, listing, valid_name
from compiler.limits import Limits, collector_paused
from compiler.passes import tags
from compiler.passes.bind import bind
from compiler.passes.lint import callee_names, lint_module
from compiler.passes.resolve import resolve_all


class Checked:
    """What `kc check` found: how many modules it checked, and every problem."""

    __slots__ = ("diagnostics", "modules")

    def __init__(self, modules: int, diagnostics: Diagnostics) -> None:
        self.modules: Final = modules
        self.diagnostics: Final = diagnostics


def check(library: Library, directories: Iterable[str | os.PathLike[str]] = (), *, lenient: bool = False) -> Checked:
    """Check the modules in `directories`, or every module on the search path when none is given.

    Modules elsewhere on the path are read only to resolve references; their
    own problems are not reported.
    """
    with collector_paused():
        return _check(library, directories, lenient=lenient)


def _check(library: Library, directories: Iterable[str | os.PathLike[str]], *, lenient: bool) -> Checked:
    diagnostics = Diagnostics()
    chosen = [Path(d) for d in directories]
    names = sorted({name for d in chosen for name in listing(d)}) if chosen else list(library.names())
    limit = Limits.current().library_modules
    if len(names) > limit:
        diagnostics.error("KC907", f"the library has {len(names):,} modules; the limit is {limit:,}", hint="check fewer directories at a time")
        return Checked(0, diagnostics)
    files = {str(path) for name in names if (path := library.find(name)) is not None}
    found = Diagnostics()
    graph = resolve_all(library, names, found)
    signatures = bind(graph, found, lenient=lenient).signatures
    for name in names:
        module = graph.modules.get(name)
        if module is not None:
            lint_module(module, found, callee_names(graph, signatures, name))
            tags.warn_untagged(tags.infer(module, found), found)
        defined = library.files(name)  # the file in use first
        if len(defined) > 1 and str(defined[0]) in files:
            found.note(
                "KC007",
                f"{name} shadows {', '.join(map(str, defined[1:]))}",
                Location(str(defined[0])),
                hint="this is how a library overrides a module; rename the file if it is not meant to",
            )
    diagnostics.extend(d for d in found.items if d.location is None or d.location.file in files)
    for directory in chosen:
        for stray in sorted(p for p in directory.glob("*.json") if not valid_name(p.stem) and not p.name.endswith(NAME_MAP)):
            diagnostics.warning(
                "KC004",
                f"{stray.name} is not read: {stray.stem!r} is not a module name",
                Location(str(stray)),
                hint="name the file after the module's dotted class name, such as torch.nn.modules.linear.Linear.json",
            )
    return Checked(len(names), diagnostics)

"""The expansion plan of a module, as Markdown: what it references, from which files, in which order."""

from __future__ import annotations

from compiler.diagnostics import Diagnostics, format_path
from compiler.input.library import Library, short_name
from compiler.language import printer
from compiler.passes.resolve import Graph


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def plan(graph: Graph, library: Library, diagnostics: Diagnostics | None = None) -> str:
    """The plan; with `diagnostics`, it also lists the binding problems found (kc compile would stop at their errors)."""
    lines = [f"# Expansion plan: `{graph.root}`", ""]
    if graph.root not in graph.modules:
        lines += ["The module itself could not be loaded; see the diagnostics.", ""]
        return "\n".join(lines)
    lines += ["Search path, in order:", ""]
    lines += [f"{i}. `{d}`" for i, d in enumerate(library.directories, 1)]
    lines += ["", "## References", ""]
    lines += ["| In module | Kernel | Reference | Resolves to |", "|---|---|---|---|"]
    count = 0
    for name in graph.modules:
        for site, also in graph.groups[name]:
            count += 1
            callee = site.reference.module
            found = library.find(callee)
            target = f"`{found}`" if found else "**missing**"
            fields = ", ".join(s.location.pointer for s in (site, *also))
            reference = printer.to_text(site.reference)
            lines.append(f"| {short_name(name)} | `{_cell(fields)}` | `{_cell(reference)}` | {target} |")
    if not count:
        lines.append("| | | (none) | |")
    depths = graph.depths()
    lines += ["", "## Expansion order", "", "Callees before callers; depth counts the levels of references below a module.", ""]
    lines += ["| # | Module | Depth | File |", "|---|---|---|---|"]
    for index, name in enumerate(graph.order, 1):
        lines.append(f"| {index} | `{name}` | {depths[name]} | `{graph.modules[name].file}` |")
    lines += ["", f"Nesting depth below the root: {depths.get(graph.root, 0)}.", "", "## Missing modules", ""]
    if not graph.missing:
        lines.append("None: every reference resolves.")
    for callee, sites in sorted(graph.missing.items()):
        callers = ", ".join(sorted({f"`{short_name(s.caller)}` ({s.location.pointer})" for s in sites}))
        lines.append(f"- `{callee}`, referenced from {callers}")
    if diagnostics is not None:
        lines += ["", "## Binding problems", ""]
        binding = [d for d in diagnostics if d.code.startswith("KC3") or d.code == "KC106"]
        if not binding:
            lines.append("None: every reference binds its callee's parameters.")
        for problem in binding:
            where = problem.location
            place = f"`{where.file}` {format_path(where.path)}" if where is not None and where.file else ""
            kind = str(problem.severity)
            lines.append(f"- {kind} {problem.code}: {_cell(problem.message)} ({place})")
    return "\n".join(lines) + "\n"

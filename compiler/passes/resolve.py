"""Resolve: find every module the root reaches, and every reference that cannot be followed.

The result is the reference graph: modules in discovery order, the reference
sites of each, the chain of modules that first led to each one, and the
expansion order (callees before callers). Missing modules and cycles are
reported here, so later passes only ever see a complete, acyclic graph.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Final

from compiler.diagnostics import Diagnostics, Location
from compiler.input.library import Library, short_name, valid_name
from compiler.input.modulefile import Loaded
from compiler.language import ir
from compiler.limits import Limits
from compiler.record import Record


class Site(Record):
    """One reference, where it is written."""

    __slots__ = ("caller", "location", "reference")
    _fields = ("caller", "reference", "location")

    def __init__(self, caller: str, reference: ir.Reference, location: Location) -> None:
        self.caller: Final = caller
        self.reference: Final = reference
        self.location: Final = location


class Graph:
    """The modules the root reaches, filled in as resolve finds them."""

    def __init__(self, root: str, modules: dict[str, ir.Module] | None = None) -> None:
        self.root = root
        self.modules: dict[str, ir.Module] = {} if modules is None else modules
        self.sites: dict[str, list[Site]] = {}
        self.chains: dict[str, tuple[str, ...]] = {}
        self.order: list[str] = []
        """Expansion order: every module after the modules it references."""
        self.missing: dict[str, list[Site]] = {}
        self.groups: dict[str, list[tuple[Site, list[Site]]]] = {}
        """The sites of each module grouped by kernel and reference (`kernel_sites`)."""

    def with_modules(self, modules: dict[str, ir.Module]) -> Graph:
        """The same graph with other modules of the same names (a later pass's versions of them)."""
        graph = Graph(self.root, modules)
        graph.sites, graph.chains, graph.order, graph.missing, graph.groups = self.sites, self.chains, self.order, self.missing, self.groups
        return graph

    def callees(self, name: str) -> list[str]:
        return list(dict.fromkeys(s.reference.module for s in self.sites.get(name, ()) if s.reference.module in self.modules))

    def depths(self) -> dict[str, int]:
        """How many levels of references lie below each module."""
        depth: dict[str, int] = {}
        for name in self.order:
            depth[name] = 1 + max((depth[c] for c in self.callees(name) if c in depth), default=-1)
        return depth


def sites(module: ir.Module) -> Iterator[Site]:
    """Every reference in `module`, in reading order."""
    for formula in module.formulas():
        if formula.expr is None:
            continue
        for reference in formula.references:
            yield Site(module.name, reference, Location(module.file, formula.path, formula.text, reference.span))


def kernel_sites(sites: Iterable[Site]) -> list[tuple[Site, list[Site]]]:
    """Sites with the same reference in one kernel's fields, grouped: the first, and the others.

    Real analyses repeat a reference in flops, read and write; its problems are
    reported once, at the first, instead of three times.
    """
    groups: dict[tuple[object, ...], tuple[Site, list[Site]]] = {}
    for site in sites:
        path = site.location.path
        kernel = path[: -2] if path[-2:-1] == ("memory_access",) else path[:-1]
        key = (kernel, site.reference)
        group = groups.get(key)
        if group is not None:
            group[1].append(site)
        else:
            groups[key] = (site, [])
    return list(groups.values())


def suggestions(name: str, library: Library) -> list[str]:
    """Modules on the search path that `name` was probably meant to be."""
    known = [*library.names(), *(alias for alias in library.aliases() if library.canonical(alias) != alias)]  # aliases that resolve
    same_class = [k for k in known if short_name(k) == short_name(name)]
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.8)
    return list(dict.fromkeys(same_class + close))[:3]


def resolve(library: Library, root: str, diagnostics: Diagnostics) -> Graph:
    """The graph of everything `root` reaches; an error where references nest deeper than the limit."""
    graph = Graph(root)
    diagnostics.extend(library.alias_problems())
    loaded = library.load(root)
    diagnostics.extend(loaded.diagnostics)
    if loaded.module is None:
        if not loaded.diagnostics:
            _report_missing_root(root, library, diagnostics)
        return graph
    _Walker(graph, library, diagnostics).visit(loaded.module)
    depth, limit = graph.depths().get(root, 0), Limits.current().reference_depth
    if depth > limit:
        diagnostics.error("KC909", f"references nest {depth} levels below {root}; the limit is {limit}")
    return graph


def resolve_all(library: Library, names: Iterable[str], diagnostics: Diagnostics) -> Graph:
    """One graph of every module in `names` and all they reach; each cycle is reported once."""
    graph = Graph("")
    diagnostics.extend(library.alias_problems())
    walker = _Walker(graph, library, diagnostics)
    for name in names:
        loaded = walker.load(name)
        if loaded.module is not None and name not in walker.done:
            walker.visit(loaded.module)
    return graph


def _report_missing_root(root: str, library: Library, diagnostics: Diagnostics) -> None:
    guesses = suggestions(root, library)
    diagnostics.error(
        "KC005",
        f"module {root!r} not found: no {root}.json on the search path",
        notes=tuple(f"searched {d}" for d in library.directories),
        hint=f"did you mean {' or '.join(map(repr, guesses))}?" if guesses else "add its directory with --lib DIR or KC_PATH",
    )


class _Walker:
    """Depth-first over references, without recursion, reporting missing modules and cycles."""

    def __init__(self, graph: Graph, library: Library, diagnostics: Diagnostics) -> None:
        self.graph, self.library, self.diagnostics = graph, library, diagnostics
        self.on_stack: list[str] = []
        self.done: set[str] = set()
        self.loaded_once: set[str] = set()
        self.warned: set[tuple[str, str]] = set()

    def load(self, name: str) -> Loaded:
        """Module `name`; the problems of its file are reported the first time only."""
        loaded = self.library.load(name)
        if name not in self.loaded_once:
            self.loaded_once.add(name)
            self.diagnostics.extend(loaded.diagnostics)
        return loaded

    def _enter(self, module: ir.Module) -> Iterator[Site]:
        graph = self.graph
        graph.modules[module.name] = module
        graph.chains[module.name] = (*self.on_stack, module.name)
        graph.sites[module.name] = list(sites(module))
        graph.groups[module.name] = kernel_sites(graph.sites[module.name])
        self.on_stack.append(module.name)
        return iter([first for first, _ in graph.groups[module.name]])

    def visit(self, root: ir.Module) -> None:
        self.loaded_once.add(root.name)
        stack = [self._enter(root)]
        while stack:
            site = next(stack[-1], None)
            if site is None:
                stack.pop()
                name = self.on_stack.pop()
                self.done.add(name)
                self.graph.order.append(name)
                continue
            callee = self._follow(site)
            if callee is not None:
                stack.append(self._enter(callee))

    def _check_builtin(self, site: Site, loaded: Loaded, chain: tuple[str, ...]) -> None:
        """Warn, once per caller and callee, where a user's module reaches into the built-in library."""
        library, caller = self.library, self.graph.modules.get(site.caller)
        if caller is None or library.builtin(caller.file) or not library.builtin(loaded.file):
            return
        if (site.caller, site.reference.module) in self.warned:
            return
        self.warned.add((site.caller, site.reference.module))
        self.diagnostics.warning(
            "KC203",
            f"{site.reference.module} is not in {site.caller}'s library: kc's built-in analysis of it is used",
            site.location.at(site.reference.span),
            chain=chain,
            notes=(f"resolved to {loaded.file}",),
            hint=f"add {site.reference.module}.json to the library to use its own, or pass --no-builtin to refuse the built-in library",
        )

    def _follow(self, site: Site) -> ir.Module | None:
        """The callee of `site` when it still has to be visited; problems reported."""
        diagnostics, callee = self.diagnostics, site.reference.module
        chain = tuple(self.on_stack)
        if not valid_name(callee):
            diagnostics.error("KC004", f"invalid module name {callee!r} in reference", site.location, chain=chain)
            return None
        loaded = self.load(callee)
        if loaded.module is None:
            if not loaded.diagnostics:
                self.graph.missing.setdefault(callee, []).append(site)
                guesses = suggestions(callee, self.library)
                diagnostics.error(
                    "KC201",
                    f"unresolved reference: module {callee!r} not found on the search path",
                    site.location,
                    chain=chain,
                    hint=f"did you mean {' or '.join(map(repr, guesses))}?" if guesses else f"add {callee}.json to a library directory",
                )
            return None
        self._check_builtin(site, loaded, chain)
        if callee in self.on_stack:
            cycle = (*self.on_stack[self.on_stack.index(callee) :], callee)
            diagnostics.error(
                "KC202",
                f"reference cycle: {' → '.join(map(short_name, cycle))}",
                site.location,
                chain=chain,
                notes=(f"cycle: {' → '.join(cycle)}",),
                hint="a module cannot reference itself, directly or through others",
            )
            return None
        return None if callee in self.done else loaded.module

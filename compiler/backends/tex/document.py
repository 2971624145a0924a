"""The LaTeX backend: a compiled tree typeset like a paper's appendix.

A standalone `article` (or, with `fragment`, only its body for `\\input`):
the parameters with their symbols, the totals as display equations broken
at top-level `+`, then the expanded tree, one table per level of kernels and
one section per composite kernel. A composite whose kernels are the same as
those of one already shown is not shown again; the reader is sent to the first.

The templates in `templates/` lay the document out; every value
they print is escaped by `compiler.backends.tex.escape.escape` unless it is `Latex`,
which only this module makes (from the math printer's output and its own
fixed strings).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import jinja2

from compiler.backends.tex.escape import escape
from compiler.backends.tex.metrics import Math, text_width
from compiler.backends.tex.printer import TexPrinter
from compiler.backends.tex.symbols import symbols as symbol_table
from compiler.language import ir
from compiler.limits import Limits
from compiler.tree import Composite, Leaf, Node, Tree

TEXT_WIDTH = 453.0
"""\\linewidth of the standalone document in points: A4 with 2.5 cm margins."""
HEADINGS = ("section", "subsection", "subsubsection", "paragraph")
"""Headings of composites by depth; deeper ones are paragraphs too."""


TABLE_SCALE = 0.9
"""Tables are set in \\small: 9 points instead of 10."""
TAB = 6.0
"""\\tabcolsep in points."""


@dataclass(frozen=True)
class Layout:
    """How the tables of kernels are laid out; formulas in their cells break where TeX needs."""

    name: str
    operation: float
    """The operation column's share of \\linewidth."""
    cell: float
    """The width of a formula's cell, in points at 10pt."""


COLUMNS = Layout("columns", 0.34, (TEXT_WIDTH * (1 - 0.34) - 6 * TAB) / 3 / TABLE_SCALE)
"""Short symbols: the operation and its three formulas side by side."""
STACKED = Layout("stacked", 0.28, (TEXT_WIDTH * (1 - 0.28) - 2 * TAB - 3.6 * 9 - 2 * TAB) / TABLE_SCALE)
"""Names in full: the three formulas stacked beside the operation, each after its label (3.6em wide)."""


class Latex(str):
    """Text that is LaTeX already; templates print it as it is."""

    __slots__ = ()


def _finalize(value: Any) -> str:
    """Every value a template prints passes here: LaTeX as it is, anything else escaped."""
    return value if isinstance(value, Latex) else escape(str(value))


@functools.cache
def environment() -> jinja2.Environment:
    """The jinja2 environment for LaTeX: delimiters TeX does not use, strict, escaping by default."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("compiler.backends.tex"),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_finalize,
    )


@dataclass
class TableRow:
    """One kernel in a level's table: a leaf with its formulas, or a composite shown in its own section."""

    operation: str
    analysis: str | None
    flops: Latex | None = None
    read: Latex | None = None
    write: Latex | None = None
    zero: bool = False
    """All three formulas are 0."""
    multiplier: Latex | None = None
    composite: bool = False


@dataclass
class Section:
    """One level of the tree: the root's kernels, or a composite's."""

    heading: Latex
    title: str
    multiplier: Latex | None = None
    module: str | None = None
    analysis: str | None = None
    rows: list[TableRow] = field(default_factory=list)
    same_as: str | None = None
    """The operation of the composite shown first with the same kernels, when this one repeats it."""


@dataclass
class Parameter:
    symbol: Latex
    name: str
    description: str


@dataclass
class Total:
    label: Latex
    lines: list[Latex]


_ZERO = ir.Number(Fraction(0))


class _Levels:
    """Walks the tree once, printing every formula, and collects its levels in reading order."""

    def __init__(self, printer: TexPrinter, cell: TexPrinter) -> None:
        self.printer = printer
        self.cell = cell
        self.sections: list[Section] = []
        self._shown: dict[Any, str] = {}
        self._keys: dict[int, Any] = {}
        self._cells: dict[ir.Expr, Latex] = {}

    def formula(self, expr: ir.Expr) -> Latex:
        if expr not in self._cells:
            self._cells[expr] = Latex(self.cell.inline(expr))
        return self._cells[expr]

    def multiplier(self, repeat: ir.Expr | None) -> Latex | None:
        return None if repeat is None else Latex(self.printer.math(repeat))

    def key(self, node: Node[ir.Expr]) -> Any:
        """A structural key of `node`, computed once per shared subtree."""
        found = self._keys.get(id(node))
        if found is None:
            if isinstance(node, Leaf):
                found = (node.operation, node.flops, node.read, node.write)
            else:
                found = (node.operation, node.repeat, node.module, tuple(self.key(c) for c in node.children))
            self._keys[id(node)] = (node, found)  # holding `node` keeps its id from being reused
            return found
        return found[1]

    def row(self, node: Node[ir.Expr]) -> TableRow:
        if isinstance(node, Composite):
            return TableRow(node.operation, None, multiplier=self.multiplier(node.repeat), composite=True)
        zero = node.flops == node.read == node.write == _ZERO
        return TableRow(
            node.operation,
            node.analysis,
            self.formula(node.flops),
            self.formula(node.read),
            self.formula(node.write),
            zero,
        )

    def level(
        self,
        heading: str,
        title: str,
        nodes: tuple[Node[ir.Expr], ...],
        depth: int,
        composite: Composite[ir.Expr] | None,
    ) -> None:
        section = Section(Latex("\\" + heading), title)
        self.sections.append(section)
        if composite is not None:
            section.multiplier = self.multiplier(composite.repeat)
            section.module = composite.module
            section.analysis = composite.analysis
            # The same kernels under another name (the second LayerNorm of a block) are shown once.
            same = (composite.module, tuple(self.key(c) for c in composite.children))
            if same in self._shown:
                section.same_as = self._shown[same]
                return
            self._shown[same] = composite.operation
        section.rows = [self.row(node) for node in nodes]
        for node in nodes:
            if isinstance(node, Composite):
                self.level(HEADINGS[min(depth, len(HEADINGS) - 1)], node.operation, node.children, depth + 1, node)


DISPLAY_WIDTH = TEXT_WIDTH - 68.5 - 10.0 - 12.0
"""The width of a line of the totals: the widest label with its `=`, the continuation's \\quad, a margin for the estimate."""


def _totals(tree: Tree[ir.Expr], printer: TexPrinter) -> list[Total]:
    labels = (r"\text{FLOPs}", r"\text{bytes read}", r"\text{bytes written}")
    width = DISPLAY_WIDTH
    formulas = (tree.totals.flops, tree.totals.read, tree.totals.write)
    return [
        Total(Latex(label), [Latex(line) for line in printer.lines(f, width)])
        for label, f in zip(labels, formulas, strict=True)
    ]


def _footprint(tree: Tree[ir.Expr], printer: TexPrinter) -> list[Total]:
    if tree.totals.footprint is None:
        return []
    labels = (r"\text{weights}", r"\text{cache}", r"\text{activations}")
    return [
        Total(Latex(label), [Latex(line) for line in printer.lines(f, DISPLAY_WIDTH)])
        for label, f in zip(labels, tree.totals.footprint.formulas(), strict=True)
    ]


PRECISION_DESCRIPTIONS = {
    "a_bytes": "Bytes per activation element",
    "w_bytes": "Bytes per weight element",
    "kv_bytes": "Bytes per cache element (default: a_bytes)",
}


def _description(parameter: ir.Parameter) -> str:
    """A parameter's declared description; the precision names mean the same everywhere."""
    return parameter.description or PRECISION_DESCRIPTIONS.get(parameter.name, "")


def _parameter_columns(parameters: list[Parameter], names: dict[str, Math]) -> tuple[float, float]:
    """Widths in points of the symbol and name columns of the parameters table."""
    symbol = 1.05 * max([names[p.name].width for p in parameters] + [text_width("Symbol")]) + 4.0
    name = max([5.25 * len(p.name) for p in parameters] + [text_width("Name")]) + 2.0  # \ttfamily: 5.25 points a letter
    return symbol, min(name, 0.3 * TEXT_WIDTH)


def emit(tree: Tree[ir.Expr], *, fragment: bool = False, symbols: str = "long") -> str:
    """`tree` as a LaTeX document, or with `fragment` only its body for `\\input`; `symbols` is "long" or "short"."""
    if symbols not in ("long", "short"):
        raise ValueError(f"symbols must be 'long' or 'short', not {symbols!r}")
    short = symbols == "short"
    names = symbol_table((p.name for p in tree.parameters), short)
    # Four columns only where every name is short enough for a narrow one.
    layout = COLUMNS if short and all(n.width <= 0.45 * COLUMNS.cell for n in names.values()) else STACKED
    printer = TexPrinter(names, display=True, line=DISPLAY_WIDTH)
    parameters = [Parameter(Latex(names[p.name].text), p.name, _description(p)) for p in tree.parameters]
    levels = _Levels(printer, TexPrinter(names, display=False, cell=layout.cell))
    if tree.kernels is not None:
        levels.level("section", "Kernels", tree.kernels, 0, None)
    symbol_column, name_column = _parameter_columns(parameters, names)
    context = {
        "class_name": tree.class_name,
        "short_name": tree.class_name.rsplit(".", 1)[-1],
        "parameters": parameters,
        "symbol_column": Latex(f"{symbol_column:.1f}pt"),
        "name_column": Latex(f"{name_column:.1f}pt"),
        "short": short,
        "fragment": fragment,
        "totals": _totals(tree, printer),
        "footprint": _footprint(tree, printer),
        "sections": levels.sections,
        "too_large": tree.kernels is None,
        "size": f"{tree.size:,}",
        "limit": f"{Limits.current().tree_nodes:,}",
        "layout": layout.name,
        "operation_share": Latex(f"{layout.operation:.2f}"),
    }
    return environment().get_template("body.tex" if fragment else "document.tex").render(context)

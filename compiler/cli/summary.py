"""What `kc compile` shows on a terminal instead of the JSON tree: a summary, and the commands to try next.

The JSON (or `--emit tex`/`py`) is still what a pipe or `-o FILE` gets;
`-o -` writes it to a terminal too.
"""

from __future__ import annotations

import shlex
import textwrap
from pathlib import Path

from compiler.language import ir
from compiler.language.printer import to_text
from compiler.tree import Composite, Leaf, Node, Tree

LEVELS = 2
"""The levels of the kernel tree the summary shows."""

WIDTH = 100
FORMULA_LINES = 6
"""A total longer than this many lines is cut after a whole term, saying how many terms are left out."""


def summary(tree: Tree[ir.Expr], module: str, lib: tuple[str, ...], width: int = WIDTH) -> str:
    """The module, its parameters, the closed-form totals, the tree's top levels, and the next commands."""
    lines = [tree.class_name] + ([f"  compiled from {_where(tree.source)}"] if tree.source else [])
    names = " ".join(p.name for p in tree.parameters)
    lines.append("")
    lines.extend(textwrap.wrap(f"parameters: {names}", width=width, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False))
    lines.append("")
    lines.append("totals:")
    for field, formula in (("flops", tree.totals.flops), ("read", tree.totals.read), ("write", tree.totals.write)):
        lines.extend(_formula(f"  {field:<5} = ", to_text(formula), width))
    lines.append("")
    if tree.kernels is None:
        lines.append(f"kernels: the tree (about {tree.size:,} nodes) is too large to build; the totals are exact")
    else:
        count = sum(1 for _ in _leaves(tree.kernels))
        lines.append(f"kernels: {count:,} leaf kernel{'s' if count != 1 else ''}; the top {LEVELS} levels:")
        lines.extend(_levels(tree.kernels, 1))
    libs = [part for directory in lib for part in ("--lib", directory)]
    here = shlex.join(["kc", "compile", module, *libs])
    short = tree.class_name.rsplit(".", 1)[-1]
    lines += [
        "",
        "next:",
        "  the expanded tree as JSON (what a pipe gets; -o - writes it here):",
        f"    {here} -o {short}.json",
        "  cost functions in Python, to import:",
        f"    {here} --emit py -o {short.lower()}_cost.py",
        "  the formulas as a LaTeX document:",
        f"    {here} --emit tex -o {short.lower()}.tex",
        "  the time of every kernel on a device (kc eval --help tells the options):",
        f"    {shlex.join(['kc', 'eval', module, *libs])} --set NAME=VALUE ...",
    ]
    return "\n".join(lines) + "\n"


def _where(source: str) -> str:
    """The root's file as a reader finds it: the built-in library by name, other files relative to here when inside."""
    path = Path(source).resolve()
    builtin = Path(__file__).resolve().parent.parent / "library"
    if path.parent == builtin:
        return f"kc's built-in library ({path.name})"
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return source


def _formula(head: str, text: str, width: int) -> list[str]:
    """`head` and the formula `text`, broken before top-level ` + ` where the line is full, at most FORMULA_LINES lines."""
    terms = text.split(" + ")
    lines: list[str] = []
    line = head + terms[0]
    indent = " " * len(head)
    for index, term in enumerate(terms[1:], start=1):
        if len(line) + 3 + len(term) <= width:
            line += " + " + term
            continue
        lines.append(line + " +")
        if len(lines) == FORMULA_LINES:
            left = len(terms) - index
            lines.append(f"{indent}… ({left} more term{'s' if left != 1 else ''}: the JSON, -o FILE, has the whole formula)")
            return lines
        line = indent + term
    lines.append(line)
    return lines


def _levels(nodes: tuple[Node[ir.Expr], ...], depth: int) -> list[str]:
    lines = []
    for node in nodes:
        indent = "  " * depth
        if isinstance(node, Leaf):
            lines.append(f"{indent}{node.operation}")
            continue
        repeat = f"  × {to_text(node.repeat)}" if node.repeat is not None else ""
        count = sum(1 for _ in _leaves(node.children))
        lines.append(f"{indent}{node.operation}{repeat}  ({count} kernel{'s' if count != 1 else ''})")
        if depth < LEVELS:
            lines.extend(_levels(node.children, depth + 1))
    return lines


def _leaves(nodes: tuple[Node[ir.Expr], ...]) -> list[Leaf[ir.Expr]]:
    found: list[Leaf[ir.Expr]] = []
    for node in nodes:
        if isinstance(node, Composite):
            found.extend(_leaves(node.children))
        else:
            found.append(node)
    return found

"""The HTML backend: one self-contained page to explore a compiled tree's costs.

The page holds its CSS and JavaScript inline and fetches nothing, so it
works offline from `file://`. Its parts:

- the cost functions, printed from the IR as JavaScript by `js.py` (the
  same formulas as the Python backend, with its exact semantics: see the
  runtime in `templates/runtime.js`);
- every formula as MathML printed by `mathml.py`, in `<template>`
  elements the page shows on demand;
- the data the script needs (parameters, the tree, devices, configs) as
  one JSON document in a `<script type="application/json">` element,
  escaped so that no text can end that element (`json_literal`).

Text from the analyses reaches the page only through the template's HTML
escaping or that JSON document; the script writes it with `textContent`.
Parameters are read by position, so no input text becomes an identifier.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import jinja2
from markupsafe import Markup

from compiler import __version__
from compiler.backends.html.js import javascript
from compiler.backends.html.mathml import terms
from compiler.eval.hardware import BY_WIDTH, DEFAULT_DEVICE, PRECISIONS, Device, presets
from compiler.input.library import short_name
from compiler.language import ir
from compiler.language.printer import to_text
from compiler.tree import Composite, Leaf, Node, Tree

SHAPE_STARTS = {"batch_size": "1", "cache_len": "0", "a_bytes": "2", "w_bytes": "2"}
"""Starting values where nothing else gives one, as `kc eval` fills them in for a prefill in bf16."""

_CODE = re.compile(r"[A-Za-z0-9_ .,()\[\]+\-*%<>=!&|?:]*")
"""The characters printed JavaScript is made of: names of the runtime, numbers, operators."""


@dataclass(frozen=True)
class Config:
    """Parameter values the page offers to fill in at once, under a name (a model's config)."""

    name: str
    values: Mapping[str, int | str]


def load_configs(paths: Sequence[str]) -> list[Config]:
    """The Hugging Face configs at `paths` as page configs, named after their files; ValueError on any problem."""
    from pathlib import Path

    from compiler.hf import config_values, family_of, load_config

    found = []
    for path in paths:
        where = Path(path)
        name = where.name if where.is_dir() else where.parent.name if where.name == "config.json" and where.parent.name else where.stem
        try:
            config = load_config(path)
            values = config_values(config, family_of(config))
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        found.append(Config(name or str(path), values))
    return found


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("compiler.backends.html"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_encodable,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: object) -> object:
    """Text with each lone surrogate (which UTF-8 cannot carry) as U+FFFD, the character a browser shows for it."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _SURROGATE.sub("\ufffd", value)
    return value


def emit(
    tree: Tree[ir.Expr],
    *,
    command: str | None = None,
    configs: Sequence[Config] = (),
    start: Mapping[str, Any] | None = None,
    device: str | None = None,
    devices: Mapping[str, Device] | None = None,
    precision: str | None = None,
    compute_efficiency: float = 1.0,
    memory_efficiency: float = 1.0,
    memory_fraction: float = 1.0,
) -> str:
    """`tree` as one HTML page.

    `configs` fill the config selector; `start` gives the parameters' first
    values (a fragment of the page's address wins over them); `device`,
    `precision`, the efficiencies and the memory fraction (`kc eval
    --memory-fraction`, used only where the tree has a footprint) the device
    panel's first settings; `devices` adds devices (from hardware files) to
    the built-in presets.
    """
    page = _Page(tree)
    known = {**presets(), **(devices or {})}
    chosen = device if device is not None else DEFAULT_DEVICE
    if chosen not in known:
        raise ValueError(f"unknown device {chosen!r}")
    if precision is not None and precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}")
    if not 0 < memory_fraction <= 1:
        raise ValueError(f"the memory fraction must be in (0, 1], not {memory_fraction:g}")
    footprint = tree.totals.footprint
    names = [p.name for p in tree.parameters]
    first = {name: _text(value) for name, value in (start or {}).items() if name in names}
    if start is None:
        first = {name: value for name, value in SHAPE_STARTS.items() if name in names}
        if configs:
            first.update({name: _text(value) for name, value in configs[0].values.items() if name in names})
    data = {
        "module": tree.class_name,
        "short": short_name(tree.class_name),
        "parameters": [
            {
                "name": p.name,
                "description": p.description,
                "default": None if p.default is None or p.default.expr is None else to_text(p.default.expr),
                "formula": page.default_formula(p),
            }
            for p in tree.parameters
        ],
        "start": first,
        "configs": [{"name": c.name, "values": {k: _text(v) for k, v in c.values.items() if k in names}} for c in configs],
        "totals": [page.formula(f) for f in (tree.totals.flops, tree.totals.read, tree.totals.write)],
        "memory": None if footprint is None else [page.formula(f) for f in footprint.formulas()],
        "nodes": page.nodes,
        "roots": None if tree.kernels is None else [page.node(n) for n in tree.kernels],
        "devices": [_device(d) for d in known.values()],
        "precisions": {name: [width.numerator, width.denominator] for name, width in PRECISIONS.items()},
        "byWidth": [[[w.numerator, w.denominator], list(names_)] for w, names_ in BY_WIDTH.items()],
        "settings": {
            "device": chosen,
            "precision": precision or "auto",
            "compute": compute_efficiency,
            "memory": memory_efficiency,
            "fraction": memory_fraction,
        },
    }
    code = page.code()
    return _environment().get_template("page.html.j2").render(
        title=f"{short_name(tree.class_name)}: kernel costs",
        class_name=tree.class_name,
        short=short_name(tree.class_name),
        version=__version__,
        command=command,
        parameters=tree.parameters,
        totals_formulas=data["totals"],
        memory=footprint is not None,
        data=json_literal(data),
        code=code,
        runtime=Markup(_asset("runtime.js")),
        script=Markup(_asset("page.js")),
        style=Markup(_asset("page.css")),
        formulas=[(index, Markup("".join(pieces))) for index, pieces in enumerate(page.mathml)],
        truncated=tree.kernels is None,
    )


def json_literal(data: Any) -> Markup:
    """`data` as JSON that is safe inside a `<script>` element: no `<`, `>`, `&` and no line separators."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # ensure_ascii escaped U+2028, U+2029 and every other non-ASCII character


@functools.cache
def _asset(name: str) -> str:
    text = jinja2.PackageLoader("compiler.backends.html").get_source(_environment(), name)[0]
    if "</script" in text.lower() or "<!--" in text:
        raise AssertionError(f"{name} must not hold </script or <!--")
    return text


def _text(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value)


def _device(device: Device) -> dict[str, Any]:
    return {
        "id": device.id,
        "name": device.name,
        "matmul": dict(device.matmul),
        "vector": device.vector,
        "bandwidth": device.memory_bandwidth,
        "capacity": None if device.memory_capacity is None else _text(Fraction(device.memory_capacity)),
    }


class _Page:
    """The formulas and nodes of one page, each distinct one once."""

    def __init__(self, tree: Tree[ir.Expr]) -> None:
        self.slots = {p.name: index for index, p in enumerate(tree.parameters)}
        self._formulas: dict[ir.Expr, int] = {}
        self.exact: list[str] = []
        self.integral: list[str | None] = []
        self.mathml: list[list[str]] = []
        self.nodes: list[dict[str, Any]] = []
        self._nodes: dict[int, tuple[Node[ir.Expr], int]] = {}

    def formula(self, expr: ir.Expr) -> int:
        if expr not in self._formulas:
            printed = javascript(expr, self.slots)
            for text in (printed.exact, printed.integral or ""):
                if not _CODE.fullmatch(text) or "</" in text or "<!--" in text:
                    raise AssertionError(f"printed JavaScript holds an unexpected character: {text[:80]!r}")
            self._formulas[expr] = len(self.exact)
            self.exact.append(printed.exact)
            self.integral.append(printed.integral)
            self.mathml.append(terms(expr))
        return self._formulas[expr]

    def default_formula(self, parameter: ir.Parameter) -> int | None:
        if parameter.default is None or parameter.default.expr is None:
            return None
        return self.formula(parameter.default.expr)

    def node(self, node: Node[ir.Expr]) -> int:
        """The index of `node` in `nodes`; a subtree shared by several parents is listed once."""
        key = id(node)
        if key in self._nodes:
            return self._nodes[key][1]
        entry: dict[str, Any] = {"op": node.operation}
        if node.analysis is not None:
            entry["analysis"] = node.analysis
        index = len(self.nodes)
        self.nodes.append(entry)
        self._nodes[key] = (node, index)  # holding the node keeps its id from being reused
        if isinstance(node, Leaf):
            tag = dict(node.extras).get("compute")
            entry["compute"] = tag if isinstance(tag, str) else None
            entry["f"] = [self.formula(f) for f in node.formulas()]
        else:
            assert isinstance(node, Composite)
            if node.repeat is not None:
                entry["repeat"] = self.formula(node.repeat)
            if node.module is not None:
                entry["module"] = node.module
            entry["children"] = [self.node(child) for child in node.children]
        return index

    def code(self) -> Markup:
        """The formulas as two arrays of functions of the values `v`: exact, and integral (or null)."""
        exact = ",\n".join(f"v=>{text}" for text in self.exact)
        integral = ",\n".join("null" if text is None else f"v=>{text}" for text in self.integral)
        return Markup(f"const KC_EXACT=[\n{exact}];\nconst KC_INTEGRAL=[\n{integral}];\n")

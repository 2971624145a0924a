"""Evaluation speed of generated cost functions (`--emit py`): a numpy sweep against sympy per point.

The model is the largest built-in module, by expanded tree size, chosen when
the benchmark runs. Its `flops` is evaluated at 10^6 configurations in one
call with numpy arrays; the baseline evaluates the same closed form (the JSON
backend's `totals.flops`) with sympy `subs` and `evalf`, one configuration at
a time, on a sample of configurations, scaled per configuration. Both run in
the same process, on the same machine.
"""

from __future__ import annotations

import json
import time

import numpy
from common import Result, best_of

import compiler
from compiler.input.library import BUILTIN, Library
from compiler.language import parse as frontend
from compiler.pipeline import compile_tree
from compiler.symbolic import to_sympy

CONFIGURATIONS = 10**6
SYMPY_SAMPLE = 200


def largest_builtin() -> str:
    """The built-in module with the largest expanded tree (then the longest flops formula, then the name)."""
    library = Library.from_path([], environment=False)
    sizes = []
    for path in sorted(BUILTIN.glob("*.json")):
        tree = compile_tree(library, path.stem).tree
        assert tree is not None
        sizes.append((tree.size, len(str(tree.totals.flops)), path.stem))
    return max(sizes)[2]


def run() -> list[Result]:
    name = largest_builtin()
    short = name.rsplit(".", 1)[-1]
    module = compiler.load_cost_model(name)
    generator = numpy.random.default_rng(20261125)
    arrays = {p: generator.integers(1, 8192, CONFIGURATIONS).astype(numpy.float64) for p in module.PARAMETERS}
    values = module.flops(**arrays)
    numpy_seconds = best_of(lambda: module.flops(**arrays), 5)
    rate = CONFIGURATIONS / numpy_seconds

    closed_form = json.loads(compiler.compile_module(name))["totals"]["flops"]
    expression = to_sympy(frontend.parse(closed_form))
    symbols = {symbol.name: symbol for symbol in expression.free_symbols}
    sample = generator.choice(CONFIGURATIONS, SYMPY_SAMPLE, replace=False)
    points = [{symbols[p]: int(arrays[p][i]) for p in symbols} for i in sample]
    started = time.perf_counter()
    exact = [expression.subs(point).evalf() for point in points]
    sympy_seconds = (time.perf_counter() - started) / SYMPY_SAMPLE
    for index, value in zip(sample, exact, strict=True):
        assert abs(float(value) - values[index]) <= 1e-9 * abs(float(value)), (index, value, values[index])

    scalar = {p: int(arrays[p][0]) for p in module.PARAMETERS}
    module.flops(**scalar)
    scalar_seconds = best_of(lambda: [module.flops(**scalar) for _ in range(1000)], 5) / 1000

    per_configuration = numpy_seconds / CONFIGURATIONS
    ratio = sympy_seconds / per_configuration
    return [
        Result(
            f"`flops` of {short} at 10^6 configurations, numpy arrays",
            rate,
            "configurations/s",
            goal="≥ 1,000,000/s",
            met=rate >= 1e6,
            note=f"largest built-in module, {len(module.PARAMETERS)} parameters, one call",
        ),
        Result(
            f"`flops` of {short} per configuration, numpy sweep against sympy `subs`/`evalf`",
            per_configuration * 1e9,
            "ns",
            baseline=f"sympy {sympy_seconds * 1e6:,.0f} µs per configuration",
            ratio=ratio,
            note=f"sympy timed on {SYMPY_SAMPLE} configurations of the same sweep, scaled per configuration",
        ),
        Result(
            f"`flops` of {short}, one call with Python ints",
            scalar_seconds * 1e6,
            "µs",
            note="exact integer arithmetic",
        ),
    ]

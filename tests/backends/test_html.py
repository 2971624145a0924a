"""`--emit html`: the page's cost functions against the Python backend, its safety, and the page in a real browser.

The JavaScript of the formulas is checked in two ways: under Node (when
installed), formula by formula against the Python backend's printed code,
on random formulas and values; and in headless Chromium (when installed),
where whole pages of built-in models must show, in every kernel row and
total, the very values the Python backend and `kc eval`'s roofline give.
"""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import compiler
from compiler.backends import html
from compiler.backends.html.emitter import _Page, json_literal
from compiler.backends.html.js import is_integral, javascript
from compiler.backends.py.expressions import python
from compiler.errors import KcError
from compiler.eval import memory
from compiler.eval.cost import Peaks, kernel_cost, totals
from compiler.eval.hardware import choose_precision, presets
from compiler.input.library import Library
from compiler.language import ir
from compiler.language import parse as frontend
from compiler.pipeline import compile_tree
from compiler.tree import Tree, leaves
from tests.helpers import CONFIGS, ROOT, leaf, run_kc, uniform
from tests.helpers.browser import Browser, Page, requires_chromium

RUNTIME = ROOT / "compiler" / "backends" / "html" / "templates" / "runtime.js"
NODE = shutil.which("node")
requires_node = pytest.mark.skipif(NODE is None, reason="node is not installed")
HF = CONFIGS

LLAMA = "transformers.models.llama.modeling_llama.LlamaForCausalLM"
QWEN3 = "transformers.models.qwen3.modeling_qwen3.Qwen3ForCausalLM"
MIXTRAL = "transformers.models.mixtral.modeling_mixtral.MixtralForCausalLM"
GPT2 = "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel"
ROOTS = {LLAMA: "Meta-Llama-3-8B", QWEN3: "Qwen3-8B", MIXTRAL: "Mixtral-8x7B-v0.1", GPT2: "gpt2"}


def compile_builtin(name: str) -> Tree[ir.Expr]:
    tree = compile_tree(Library.from_path([], environment=False), name).tree
    assert tree is not None
    return tree


def compile_in(directory: Path, name: str) -> Tree[ir.Expr]:
    tree = compile_tree(Library.from_path([directory], environment=False), name).tree
    assert tree is not None
    return tree


# ---------------------------------------------------------------- the expression printer


def js_text(formula: str, names: str = "abc") -> tuple[str, str | None]:
    printed = javascript(frontend.parse(formula), {name: index for index, name in enumerate(names)})
    return printed.exact, printed.integral


@pytest.mark.parametrize(
    ("formula", "integral"),
    [
        ("a + b * c", "v[0] + v[1] * v[2]"),
        ("(a + b) * c", "(v[0] + v[1]) * v[2]"),
        ("a - (b - c)", "v[0] - (v[1] - v[2])"),
        ("a - -3", "v[0] - -3n"),
        ("-(a * b)", "-v[0] * v[1]"),
        ("-(a ** 2 * b)", "-(v[0] ** 2n * v[1])"),
        ("-a ** 2", "-(v[0] ** 2n)"),
        ("(-a) ** 2", "(-v[0]) ** 2n"),
        ("-(-a)", "-(-v[0])"),
        ("a // b * c", "R.ifdiv(v[0],v[1]) * v[2]"),
        ("-(a // b)", "-R.ifdiv(v[0],v[1])"),
        ("a if b > c else 2", "v[1] > v[2] ? v[0] : 2n"),
        ("(a if b else c) + 1", "(v[1] !== 0n ? v[0] : v[2]) + 1n"),
        ("not a < b", "!(v[0] < v[1]) ? 1n : 0n"),
        ("a < b and not c", "v[0] < v[1] && !(v[2] !== 0n) ? 1n : 0n"),
        ("min(a, b, c) + floor(a)", "R.imin(v[0],v[1],v[2]) + v[0]"),
        ("a / 2", None),
        ("sqrt(a)", None),
        ("a ** b", None),
    ],
)
def test_integral_flavor_has_the_parentheses_it_needs(formula: str, integral: str | None) -> None:
    assert js_text(formula)[1] == integral


def test_exact_flavor_is_calls_of_the_runtime() -> None:
    exact, _ = js_text("a / 3 + b ** -1 - c % 2")
    assert exact == "R.sub(R.add(R.div(v[0],3n),R.pow(v[1],R.neg(1n))),R.mod(v[2],2n))"
    assert javascript(ir.Number(Fraction(-1)), {}).exact == "-1n"
    assert javascript(ir.Binary("*", ir.Number(Fraction(3, 4)), ir.Name("a")), {"a": 0}).exact == "R.mul(R.q(3n,4n),v[0])"
    assert js_text("a ** 2")[0] == "R.npow(v[0],2n)"  # a natural power is Python's `**`, others its `_pow`
    assert js_text("a ** b")[0] == "R.pow(v[0],v[1])"


def test_integral_is_decided_by_the_operations() -> None:
    for formula in ("a * b", "a // 2 + a % 3", "max(a, 1) ** 3", "a if a > 1 else b", "abs(a - b)", "ceil(a)"):
        assert is_integral(frontend.parse(formula)), formula
    for formula in ("a / 2", "3/4 * a", "a ** b", "a ** -1", "sqrt(a)", "log2(a)"):
        assert not is_integral(frontend.parse(formula)), formula


def _formula(rng: random.Random, depth: int) -> str:
    names = ["a", "b", "c"]
    if depth == 0 or rng.random() < 0.2:
        return rng.choice([*names, *names, str(rng.randint(0, 5)), "3/4"])
    kind = rng.random()
    sub = lambda: _formula(rng, depth - 1)  # noqa: E731
    if kind < 0.45:
        return f"({sub()} {rng.choice(['+', '-', '*', '*', '/', '//', '%'])} {sub()})"
    if kind < 0.55:
        return f"({sub()}) ** {rng.choice(['2', '3', '-1', '-2', '(c % 3)', '1/2'])}"
    if kind < 0.7:
        function = rng.choice(["min", "max", "floor", "ceil", "abs", "sqrt", "log2"])
        return f"{function}({sub()}, {sub()})" if function in ("min", "max") else f"{function}({sub()})"
    if kind < 0.85:
        test = rng.choice([f"{sub()} > {sub()}", f"{sub()} == {sub()}", f"not {sub()}", f"{sub()} <= {sub()} and {sub()}", f"{sub()} or {sub()} != 1"])
        return f"({sub()} if {test} else {sub()})"
    return f"-({sub()})"


def _points(rng: random.Random) -> list[dict[str, Fraction]]:
    values = [Fraction(0), Fraction(1), Fraction(2), Fraction(7), Fraction(1, 2), Fraction(5, 3), Fraction(10**20 + 7), Fraction(4096)]
    points = [{name: rng.choice(values) for name in "abc"} for _ in range(12)]
    points.append({"a": Fraction(6), "b": Fraction(4), "c": Fraction(9)})
    return points


def _python_value(expr: ir.Expr, namespace: dict[str, Any], point: dict[str, Fraction]) -> str:
    values = {name: (v.numerator if v.denominator == 1 else v) for name, v in point.items()}
    try:
        value = eval(python(expr).scalar, {**namespace, **values})  # the Python backend's own code for the formula
    except (ZeroDivisionError, ValueError, OverflowError):
        return "error"
    if isinstance(value, complex):
        return "error"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, float):
        return "float:" + repr(value)
    return str(value)


_NODE_HARNESS = """
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = [];
for (const point of cases.points) {
  const v = point.map((text) => R.parse(text));
  const integral = v.every(R.big);
  out.push(KC_EXACT.map((f, i) => {
    const run = (g) => { try { const x = g(v); return typeof x === "number" ? "float:" + String(x) : R.text(x); } catch (e) { if (e instanceof R.KcError || e instanceof RangeError) return "error"; throw e; } };
    const exact = run(f);
    if (integral && KC_INTEGRAL[i] !== null) { const fast = run(KC_INTEGRAL[i]); if (fast !== exact) return `flavors differ: ${fast} vs ${exact}`; }
    return exact;
  }));
}
console.log(JSON.stringify(out));
"""


def _same(python_value: str, js_value: str) -> bool:
    if python_value.startswith("float:") and js_value.startswith("float:"):
        a, b = float(python_value[6:]), float(js_value[6:])
        return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-13)  # libm's log2 and pow may differ in the last bit
    return python_value == js_value


CURATED = [
    "-a // 3 + -b % 3 + a % -2",
    "a / 7 % (b + 1) + (c + 1/2) // 2",
    "(a + 1) ** -2 + (b + 1/3) ** -1",
    "(1 - 1 / (a + 2)) ** (b * 1000 + 5000)",
    "(1 - 1 / (a + 2)) ** 5",
    "sqrt(a * a) + sqrt(b / 4) + sqrt(c + 2) + log2(a * 8 + 8) + log2(1 / (b + 1)) + log2(c + 3)",
    "min(a, b / 2, c) + max(a / 3, 1/2) + abs(a - b - c)",
    "floor(a / 3) + ceil(b / 3) + floor(sqrt(c + 2)) + ceil(log2(a + 3))",
    "(a / b if b > 0 else 0) + (1 if a == b else 2) + (c if not a else 3)",
    "(a if a > 1 and b < 4 or c != 2 else b) * 2",
    "4 * a * b * c ** 2 + 17 * a * b / 2 + c // 4 * 3",
]


def _check_formulas(library: Callable[..., Path], texts: list[str], rng: random.Random, tag: str) -> None:
    for attempt in range(5):  # drop the formulas kc refuses (a constant division by zero)
        kernels = [leaf(f"k{i}", text, "0", "0") for i, text in enumerate(texts)]
        directory = library({"fuzz.Module": {"class_name": "fuzz.Module", "parameters": ["a", "b", "c"], "kernels": kernels}}, f"{tag}-{attempt}")
        try:
            tree = compile_in(directory, "fuzz.Module")
            break
        except KcError as error:
            assert error.diagnostics is not None
            bad = {d.location.path[1] for d in error.diagnostics.errors if d.location is not None and len(d.location.path) > 1}
            assert bad, error
            texts = [text for i, text in enumerate(texts) if i not in bad]
    else:
        pytest.fail("the formulas do not compile")
    namespace = vars(compiler.load_cost_model("fuzz.Module", [str(directory)]))
    page = _Page(tree)
    formulas = [record.flops for _, _, record in leaves(tree.kernels or ())]
    for expr in formulas:
        page.formula(expr)
    points = _points(rng)
    script = RUNTIME.read_text(encoding="utf-8") + str(page.code()) + _NODE_HARNESS
    names = [p.name for p in tree.parameters]
    cases = {"points": [[str(point[name]) for name in names] for point in points]}
    run = subprocess.run([str(NODE), "-e", script], input=json.dumps(cases), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    compared = 0
    for point, row in zip(points, results, strict=True):
        for expr in formulas:
            expected = _python_value(expr, namespace, point)
            found = row[page._formulas[expr]]
            assert _same(expected, found), f"{expr}\n  at {point}: Python {expected}, JavaScript {found}"
            compared += 1
    assert compared == len(points) * len(formulas)


@requires_node
def test_curated_formulas_give_the_python_backends_values(library: Callable[..., Path]) -> None:
    _check_formulas(library, CURATED, random.Random(0), "curated")


@requires_node
@pytest.mark.slow
def test_random_formulas_give_the_python_backends_values(library: Callable[..., Path]) -> None:
    rng = random.Random(1)
    texts = [_formula(rng, 3) for _ in range(60)]
    _check_formulas(library, texts, rng, "random")
    assert len(texts) >= 40


@requires_node
def test_runtime_parses_numbers_as_kc_eval_does() -> None:
    script = RUNTIME.read_text(encoding="utf-8") + """
console.log(JSON.stringify(["12", "1.5", "1e3", "3/4", "1_000", "0.125", "2.50e-1", "-2", "", "x", "1/0x", "1e-2"].map((t) => { try { const x = R.parse(t); return x === null ? null : R.text(x); } catch (e) { return "error"; } })));
"""
    run = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, timeout=30)
    assert json.loads(run.stdout) == ["12", "3/2", "1000", "3/4", "1000", "1/8", "1/4", "-2", None, None, None, "1/100"]


# ---------------------------------------------------------------- the page as text


def test_json_literal_cannot_end_its_script() -> None:
    text = json_literal({"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "\u2028\u2029", "d": "&amp;"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "\u2028\u2029", "d": "&amp;"}


def test_page_is_self_contained_and_deterministic() -> None:
    tree = compile_builtin("transformers.models.llama.modeling_llama.LlamaMLP")
    page = html.emit(tree)
    assert page == html.emit(compile_builtin("transformers.models.llama.modeling_llama.LlamaMLP"))
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the page must not load anything"
    assert "http://" not in page.replace('"http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2


def page_data(page: str) -> dict[str, Any]:
    return json.loads(page.split('id="kc-data">', 1)[1].split("</script>", 1)[0])  # type: ignore[no-any-return]


def test_memory_section_only_with_a_footprint(library: Callable[..., Path]) -> None:
    tree = compile_builtin("transformers.models.llama.modeling_llama.LlamaMLP")
    assert tree.totals.footprint is not None
    with_footprint = html.emit(tree, memory_fraction=0.9)
    data = page_data(with_footprint)
    assert len(data["memory"]) == 3 and data["settings"]["fraction"] == 0.9
    for key in ("memory-weights", "memory-cache", "memory-activations", "memory-total", "memory-capacity", "memory-fits"):
        assert f'data-kc="{key}"' in with_footprint
    assert 'id="kc-fraction"' in with_footprint
    plain = library({"plain.Module": {"class_name": "plain.Module", "kernels": [leaf("Scale", "n", "n * a_bytes", "n * a_bytes")]}})
    without = html.emit(compile_in(plain, "plain.Module"))
    assert page_data(without)["memory"] is None
    assert 'data-kc="memory-' not in without and 'id="kc-fraction"' not in without and 'class="kc-with-memory"' not in without
    with pytest.raises(ValueError, match="memory fraction"):
        html.emit(tree, memory_fraction=1.5)


HOSTILE_TEXTS = [
    "</script><script>window.kcPwned=1</script>",
    "<img src=x onerror=\"window.kcPwned=1\">",
    "<!-- <script>window.kcPwned=1</script> -->",
    "]]></math><svg onload=window.kcPwned=1>",
    "' + (window.kcPwned=1) + '",
    "${window.kcPwned=1} `backtick` {{ jinja }} {% raw %}",
    "line\u2028separator\u2029paragraph",
    "&lt;escaped&gt; &amp; <b>bold</b>",
    "emoji \U0001f600 café × \u202eright-to-left\u202c",
]
OTHER_BACKENDS_TEXTS = [  # the hostile texts of the Python and LaTeX backends' suites (tests/backends/test_py_hostile.py, test_tex.py)
    '"""; __import__("os").system("touch PWNED") #',
    "'''\nimport os\nos.system('touch PWNED')\n'''",
    '\\"""\\',
    "ends with a backslash \\",
    "\\N{BULLET} \\x41 \\u0041 \\n",
    "line\u2028separator\u2029paragraph\x85next",
    "nul\x00 bell\x07 escape\x1b[31m form\x0c feed",
    "carriage\r\nreturn",
    "\u202eright-to-left override\u202c and \u2066isolates\u2069",
    "lone surrogate \ud800",
    "{{ header }} {% for x in y %}{% endfor %} {# jinja #}",
    "trailing spaces and a tab \t  ",
    "#!/bin/sh\n# -*- coding: latin-1 -*-",
    "\\input{/etc/passwd} \\write18{touch pwned} \\def\\x{y}\\x }{ unbalanced { % comment # hash _ & ^ ~ $ \\\\ < > -- '' `` \\end{document}",
]
HOSTILE = " | ".join(HOSTILE_TEXTS)
HOSTILE_NAMES = [
    "__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "window", "document", "R", "v",
    "import", "lambda", "class", "None", "True", "match", "_", "__class__", "__import__", "flops", "kernels",
]  # fmt: skip


def hostile_library(library: Callable[..., Path]) -> Path:
    inner = {"class_name": "hostile.Inner", "kernels": [leaf(HOSTILE, "n", "n * a_bytes", "0", analysis=HOSTILE, compute=HOSTILE)]}
    names = " + ".join(HOSTILE_NAMES)
    root = {
        "class_name": "hostile.Module",
        "parameters": [{"name": "n", "description": HOSTILE}, *({"name": name, "description": HOSTILE} for name in HOSTILE_NAMES), "a_bytes"],
        "kernels": [
            uniform(HOSTILE, "3 * ${hostile.Inner}(n)", analysis=HOSTILE),
            *(leaf(text, f"{index + 1} * n", "0", "0", analysis=text) for index, text in enumerate(OTHER_BACKENDS_TEXTS)),
            leaf(HOSTILE, f"2 * n + {names}", "n", "n if n > 4 else 0", analysis=HOSTILE),
        ],
    }
    return library({"hostile.Inner": inner, "hostile.Module": root})



def test_hostile_text_is_escaped_in_the_markup(library: Callable[..., Path]) -> None:
    page = html.emit(compile_in(hostile_library(library), "hostile.Module"), command=HOSTILE + " lone surrogate \ud800")
    page.encode("utf-8")  # a lone surrogate, which UTF-8 cannot carry, is U+FFFD in the markup (and \ud800 in the JSON)
    head, data = page.split('<script type="application/json" id="kc-data">', 1)
    assert "<img" not in head and "<svg onload" not in head and "<b>bold" not in head
    assert head.count("<script") == 0
    assert data.count("</script>") == 2  # the data's own end and the code's


# ---------------------------------------------------------------- command line


@pytest.mark.slow
def test_cli_writes_a_page_with_configs(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    result = run_kc("compile", LLAMA, "--emit", "html", "--hf-config", str(HF / "Meta-Llama-3-8B.json"), "--hf-config", str(HF / "Qwen3-8B.json"), "--set", "seq_len=512", "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    data = page_data(page)
    assert [c["name"] for c in data["configs"]] == ["Meta-Llama-3-8B", "Qwen3-8B"]
    assert data["start"]["seq_len"] == "512" and data["start"]["hidden_size"] == "4096" and data["start"]["batch_size"] == "1"


@pytest.mark.slow
def test_cli_html_options_need_html_and_good_values(tmp_path: Path) -> None:
    wrong = run_kc("compile", "transformers.models.llama.modeling_llama.LlamaMLP", "--set", "seq_len=1")
    assert wrong.returncode == 2 and "--emit html" in wrong.stderr
    missing = run_kc("compile", "transformers.models.llama.modeling_llama.LlamaMLP", "--emit", "html", "--hf-config", str(tmp_path / "none.json"), "-o", str(tmp_path / "p.html"))
    assert missing.returncode == 2 and "none.json" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "p.html").exists()


@pytest.mark.slow
def test_eval_writes_the_page_of_its_run(tmp_path: Path) -> None:
    out = tmp_path / "eval.html"
    result = run_kc("eval", LLAMA, "--hf-config", str(HF / "Meta-Llama-3-8B.json"), "--phase", "decode", "--set", "cache_len=2048", "--hardware", "l4", "--precision", "fp8", "--memory-efficiency", "0.8", "--memory-fraction", "0.9", "--html", str(out), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = page_data(out.read_text(encoding="utf-8"))
    assert data["settings"] == {"device": "l4", "precision": "fp8", "compute": 1.0, "memory": 0.8, "fraction": 0.9}
    assert data["start"]["cache_len"] == "2048" and data["start"]["seq_len"] == "1"
    assert json.loads(result.stdout)["hardware"]["id"] == "l4"


@pytest.mark.slow
def test_largest_builtin_page_is_under_400_kb() -> None:
    from compiler.hf import families

    sizes = {family.root: len(html.emit(compile_builtin(family.root)).encode()) for family in families().values()}
    assert len(sizes) >= 7 and max(sizes.values()) < 400_000, sizes


# ---------------------------------------------------------------- in the browser


def expected_costs(name: str, values: dict[str, Any], device: str, precision: str | None, compute: float = 1.0, memory: float = 1.0) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What the page must show: the Python backend's kernels and totals, and kc eval's roofline of them."""
    model = compiler.load_cost_model(name)
    chosen = presets()[device]
    width = choose_precision(chosen, values.get("a_bytes", 2), values.get("w_bytes", values.get("a_bytes", 2)), precision)
    peaks = Peaks.of(chosen, width, compute, memory)
    costs = [kernel_cost(record, peaks) for record in model.kernels(**values)]
    total = totals(costs)
    rows = [{"flops": c.flops, "read": c.read, "write": c.write, "time": c.time} for c in costs]
    return rows, {"flops": model.flops(**values), "read": model.memory_read(**values), "write": model.memory_write(**values), "time": total.time}


def expected_memory(name: str, values: dict[str, Any], device: str, fraction: float) -> memory.Memory:
    """What the memory section must show: the Python backend's footprint against kc eval's capacity."""
    found = memory.of(compiler.load_cost_model(name), values, memory.capacity_of(presets()[device].memory_capacity, fraction), fraction)
    assert found is not None
    return found


_READ_MEMORY = """Object.fromEntries(["weights", "cache", "activations", "total", "capacity", "fits"].map(
  (key) => [key, document.querySelector(`[data-kc="memory-${key}"]`).getAttribute("data-value")]))"""


_READ_PAGE = """(() => {
  const value = (e) => e.getAttribute("data-value");
  const rows = [...document.querySelectorAll('[data-kc="kernel"]')].map((tr) => Object.fromEntries(
    ["flops", "read", "write", "time"].map((key) => [key, value(tr.querySelector(`[data-field="${key}"]`))])));
  const total = Object.fromEntries(["flops", "read", "write", "time"].map((key) => [key, value(document.querySelector(`[data-kc="total-${key}"]`))]));
  return { rows, total, status: document.getElementById("kc-status").hidden ? null : document.getElementById("kc-status").textContent };
})()"""


_ROW_TEXTS = "[...document.querySelectorAll('#kc-rows tr:not(.kc-details)')].map((tr) => tr.textContent)"


def exact_text(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value)


def assert_page_shows(page: Page, name: str, values: dict[str, Any], device: str = "h100-sxm", precision: str | None = None, fraction: float = 1.0, **efficiency: float) -> bool:
    """The page's kernels, totals and memory equal the Python backend's; whether the footprint fits."""
    rows, total = expected_costs(name, values, device, precision, **efficiency)
    shown = page.eval(_READ_PAGE)
    assert shown["status"] is None, shown["status"]
    assert len(shown["rows"]) == len(rows)
    for index, (expected, found) in enumerate(zip(rows, shown["rows"], strict=True)):
        for key in ("flops", "read", "write"):
            assert found[key] == exact_text(expected[key]), (index, key, found[key], expected[key])
        assert float(found["time"]) == float(expected["time"]), (index, found["time"], expected["time"])
    for key in ("flops", "read", "write"):
        assert shown["total"][key] == exact_text(total[key]), (key, shown["total"][key], total[key])
    assert float(shown["total"]["time"]) == float(total["time"])
    expected = expected_memory(name, values, device, fraction)
    found = page.eval(_READ_MEMORY)
    for key in ("weights", "cache", "activations", "total", "capacity"):
        assert found[key] == exact_text(getattr(expected, key)), (key, found[key], getattr(expected, key))
    assert found["fits"] == str(expected.fits).lower()
    return bool(expected.fits)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as running:
        yield running


def write_page(directory: Path, name: str, **options: Any) -> Path:
    path = directory / f"{name.rsplit('.', 1)[-1]}.html"
    if not path.exists():
        configs = html.load_configs([str(HF / f"{ROOTS[name]}.json")]) if name in ROOTS else []
        path.write_text(html.emit(compile_builtin(name), configs=configs, **options), encoding="utf-8")
    return path


def fragment(values: dict[str, Any], **settings: str) -> str:
    parts = [f"{quote(k)}={quote(exact_text(v))}" for k, v in values.items()]
    parts += [f"kc.{k}={quote(v)}" for k, v in settings.items()]
    return "#" + "&".join(parts)


def random_values(rng: random.Random, name: str) -> dict[str, Any]:
    values: dict[str, Any] = dict(html.load_configs([str(HF / f"{ROOTS[name]}.json")])[0].values)
    values.update(batch_size=rng.choice([1, 3, 16]), seq_len=rng.choice([1, 77, 4096]), cache_len=rng.choice([0, 1000, 32768]))
    values.update(a_bytes=rng.choice([2, 1, Fraction(1, 2)]), w_bytes=rng.choice([2, 4, 1]))
    model = compiler.load_cost_model(name)
    return {k: v for k, v in values.items() if k in model.PARAMETERS}


@requires_chromium
@pytest.mark.slow
@pytest.mark.parametrize("name", [LLAMA, QWEN3, MIXTRAL, GPT2])
def test_pages_show_the_python_backends_values(browser: Browser, tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    directory = tmp_path_factory.mktemp("pages")
    rng = random.Random(name)
    path = write_page(directory, name)
    for _ in range(2):
        values = random_values(rng, name)
        device = rng.choice(["h100-sxm", "a100-80gb", "l4", "mi300x"])
        precision = rng.choice([None, "bf16", "fp32"])
        fraction = rng.choice(["1", "0.9", "0.35"])
        settings = {"device": device, "precision": precision or "auto", "compute": "0.75", "memory": "1", "fraction": fraction}
        page = browser.open(path.as_uri() + fragment(values, **settings))
        assert_page_shows(page, name, values, device, precision, float(fraction), compute=0.75, memory=1.0)
        assert page.console_errors() == []


@requires_chromium
@pytest.mark.slow
def test_editing_a_field_recomputes_and_updates_the_address(browser: Browser, tmp_path: Path) -> None:
    path = write_page(tmp_path, QWEN3)
    values = random_values(random.Random(7), QWEN3)
    values.update(a_bytes=2, w_bytes=2)
    page = browser.open(path.as_uri() + fragment(values))
    before = page.eval("document.querySelector('[data-kc=total-flops]').dataset.value")
    page.eval("document.getElementById('kc-expand').click(), document.getElementById('kc-collapse').click()")
    page.type_into('input[data-name="seq_len"]', "8192")
    values["seq_len"] = 8192
    assert page.eval("document.querySelector('[data-kc=total-flops]').dataset.value") != before
    assert_page_shows(page, QWEN3, values)
    # Rows hidden during the edit show its numbers once expanded, as a page opened at these values does.
    page.eval("document.getElementById('kc-expand').click()")
    fresh = browser.open(path.as_uri() + fragment(values))
    fresh.eval("document.getElementById('kc-expand').click()")
    assert page.eval(_ROW_TEXTS) == fresh.eval(_ROW_TEXTS)
    # Hovering a number shows its exact value.
    hover = "(() => { const td = document.querySelector('tr.kc-leaf:not([hidden]) td[data-field=read]'); td.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })); return [td.title, td.dataset.value]; })()"
    title, exact = page.eval(hover)
    assert title == exact and int(exact) > 0
    page.wait("location.hash.includes('seq_len=8192')")
    # The address reproduces the view.
    again = browser.open(page.eval("location.href"))
    assert_page_shows(again, QWEN3, values)
    # Device settings too.
    page.eval("(() => { const s = document.getElementById('kc-device'); s.value = 'l4'; s.dispatchEvent(new Event('change')); })()")
    assert_page_shows(page, QWEN3, values, "l4")
    page.wait("location.hash.includes('kc.device=l4')")
    # An edit past the device's memory flips `fits`; so does a smaller share of it.
    page.type_into('input[data-name="batch_size"]', "1")
    page.type_into('input[data-name="seq_len"]', "128")
    page.type_into('input[data-name="cache_len"]', "0")
    values.update(batch_size=1, seq_len=128, cache_len=0)
    assert assert_page_shows(page, QWEN3, values, "l4")
    assert page.eval("document.getElementById('kc-memory-note').textContent").endswith("to spare")
    page.type_into('input[data-name="batch_size"]', "4")
    page.type_into('input[data-name="cache_len"]', "32768")
    values.update(batch_size=4, cache_len=32768)
    assert not assert_page_shows(page, QWEN3, values, "l4")
    assert page.eval("document.getElementById('kc-memory-note').textContent").endswith("too much")
    page.type_into('input[data-name="cache_len"]', "4096")
    values["cache_len"] = 4096
    assert assert_page_shows(page, QWEN3, values, "l4")
    page.type_into("#kc-fraction", "0.5")
    assert not assert_page_shows(page, QWEN3, values, "l4", fraction=0.5)
    page.wait("location.hash.includes('kc.fraction=0.5')")
    page.type_into("#kc-fraction", "1.5")
    assert "memory fraction" in page.eval("document.getElementById('kc-status').textContent")
    assert page.eval(_READ_MEMORY)["fits"] is None
    page.type_into("#kc-fraction", "1")
    # A config from the selector fills the form.
    page.eval("(() => { const s = document.getElementById('kc-config'); s.value = '0'; s.dispatchEvent(new Event('change')); })()")
    assert page.eval("document.querySelector('input[data-name=\"num_layers\"]').value") == "36"
    # A bad value is pointed out, not computed.
    page.type_into('input[data-name="batch_size"]', "many")
    assert "batch_size" in page.eval("document.getElementById('kc-status').textContent")
    assert page.eval("document.querySelector('input[data-name=\"batch_size\"]').getAttribute('aria-invalid')") == "true"
    assert page.console_errors() == []


@requires_chromium
@pytest.mark.slow
def test_keyboard_reaches_fields_toggles_and_formulas(browser: Browser, tmp_path: Path) -> None:
    path = write_page(tmp_path, "transformers.models.llama.modeling_llama.LlamaMLP")
    page = browser.open(path.as_uri())
    page.eval("document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(40):
        page.press("Tab", "Tab", 9)
        seen.append(page.eval("(() => { const e = document.activeElement; return e.id || e.className || e.tagName; })()"))
    assert "kc-p-0" in seen and "kc-device" in seen and "kc-toggle" in seen and "kc-f" in seen, seen
    # Enter on a toggle collapses its composite; on ƒ it shows MathML formulas.
    page.eval("document.querySelector('.kc-toggle').focus()")
    hidden_before = page.eval("document.querySelectorAll('#kc-rows tr[hidden]').length")
    page.press("Enter", "Enter", 13, text="\r")
    assert page.eval("document.querySelectorAll('#kc-rows tr[hidden]').length") > hidden_before
    assert page.eval("document.querySelector('.kc-toggle').getAttribute('aria-expanded')") == "false"
    page.eval("document.querySelector('tr.kc-leaf:not([hidden]) .kc-f').focus()")
    page.press("Enter", "Enter", 13, text="\r")
    assert page.eval("document.querySelectorAll('.kc-details math').length") > 0
    assert page.eval("document.querySelector('.kc-details math').getBoundingClientRect().width") > 10  # typeset, not empty
    assert page.console_errors() == []


@requires_chromium
@pytest.mark.slow
def test_hostile_page_runs_nothing_and_shows_the_text(browser: Browser, library: Callable[..., Path], tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(html.emit(compile_in(hostile_library(library), "hostile.Module"), command=HOSTILE), encoding="utf-8")
    values = {"n": 5, **dict.fromkeys(HOSTILE_NAMES, 1), "a_bytes": 2}
    page = browser.open(path.as_uri() + fragment(values))
    assert page.eval("window.kcPwned === undefined")
    assert page.eval("document.querySelectorAll('img, iframe, object, embed, svg[onload], b').length") == 0
    assert page.eval("document.scripts.length") == 2
    ops = page.eval("[...document.querySelectorAll('#kc-rows tr')].map((tr) => [...tr.querySelectorAll('.kc-op, .kc-from')].map((e) => e.textContent).join(''))")
    assert ops == [HOSTILE, HOSTILE + " (from Inner)", *OTHER_BACKENDS_TEXTS, HOSTILE]  # exactly, lone surrogate and all
    assert page.eval("document.getElementById('kc-p-0-about').textContent").startswith(HOSTILE)
    assert HOSTILE in page.eval("document.querySelector('.kc-sub').textContent")
    labels = page.eval("[...document.querySelectorAll('.kc-param label')].map((l) => l.textContent)")
    assert all(name in labels for name in HOSTILE_NAMES)
    # Values by name reach the right slots: the sum of the eleven hostile names is 11.
    page.eval("[...document.querySelectorAll('.kc-f')].forEach((b) => b.click())")
    assert HOSTILE in page.eval("document.querySelector('.kc-analysis').textContent")
    assert page.eval("window.kcPwned === undefined")
    shown = page.eval(_READ_PAGE)
    assert shown["status"] is None, shown["status"]
    assert shown["rows"][-1]["flops"] == str(2 * 5 + len(HOSTILE_NAMES))
    assert [row["flops"] for row in shown["rows"][1:-1]] == [str(5 * (i + 1)) for i in range(len(OTHER_BACKENDS_TEXTS))]
    analyses = page.eval("[...document.querySelectorAll('.kc-analysis')].map((p) => p.textContent)")
    assert analyses == [HOSTILE, HOSTILE, *(t for t in OTHER_BACKENDS_TEXTS if t), HOSTILE]
    assert page.console_errors() == []


@requires_chromium
@pytest.mark.slow
def test_readable_at_desktop_and_phone_width(browser: Browser, tmp_path: Path) -> None:
    path = write_page(tmp_path, LLAMA)
    for width, height, mobile in ((1280, 900, False), (390, 844, True)):
        page = browser.open(path.as_uri() + "#seq_len=4096", width=width, height=height, mobile=mobile)
        assert page.eval("document.documentElement.scrollWidth") <= width, "the page must not scroll sideways; only the kernel table may"
        page.screenshot(tmp_path / f"page-{width}.png")
        assert (tmp_path / f"page-{width}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert page.console_errors() == []

"""`--emit tex`: golden documents, the math printer, escaping, and pdflatex on the output.

Golden files: `tests/golden/tex/<module>.tex` (names in full) and
`<module>.short.tex` (short symbols) for every built-in module; run
`pytest --update-golden` to rewrite them, then review the diff. The tests that
typeset need `pdflatex` (and `pdftotext` for reading the text back); they
skip where it is missing, and `.ci/run` installs it.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from compiler.backends.tex import document as tex
from compiler.backends.tex.escape import escape
from compiler.backends.tex.printer import TexPrinter
from compiler.backends.tex.symbols import SHORT_SYMBOLS, short_symbol, symbols
from compiler.input.library import Library
from compiler.language import ir
from compiler.language import parse as frontend
from compiler.limits import Limits
from compiler.pipeline import compile_tree
from compiler.tree import Composite, Leaf, Tree
from tests.helpers import DOCS, GOLDEN, leaf, run_kc, uniform
from tests.helpers.golden import BUILTINS, check_golden, compiled
from tests.helpers.texrun import PDFTOTEXT, pdflatex, requires_pdflatex


def compile_builtin(name: str) -> Tree[ir.Expr]:
    tree = compiled(name).tree
    assert tree is not None
    return tree


def compile_in(directory: Path, name: str, **options: object) -> Tree[ir.Expr]:
    tree = compile_tree(Library.from_path([directory], environment=False), name, **options).tree  # type: ignore[arg-type]
    assert tree is not None
    return tree


def nodes(tree: Tree[ir.Expr]) -> int:
    """Nodes of the expanded tree, shared subtrees counted each time they occur."""

    def count(node: Leaf[ir.Expr] | Composite[ir.Expr]) -> int:
        return 1 if isinstance(node, Leaf) else 1 + sum(count(child) for child in node.children)

    return sum(count(node) for node in tree.kernels or ())


@functools.cache
def largest_builtin() -> str:
    """The built-in module with the largest expanded tree, chosen when the tests run."""
    return max(BUILTINS, key=lambda name: (nodes(compile_builtin(name)), name))


TYPESET = "transformers.models.qwen3.modeling_qwen3.Qwen3ForCausalLM"
"""The largest model whose document typesets without overfull boxes. DeepSeek-V3's
operation labels (`Input norm (from DeepseekV3DecoderLayer)`) overflow their table
cells by up to 19 pt: a known defect of the LaTeX backend's table layout."""


# Golden documents.


@pytest.mark.parametrize("name", BUILTINS)
@pytest.mark.parametrize("symbol_style", ["long", "short"])
def test_builtin_golden(name: str, symbol_style: str, update_golden: bool) -> None:
    text = tex.emit(compile_builtin(name), symbols=symbol_style)
    suffix = ".tex" if symbol_style == "long" else ".short.tex"
    check_golden(text, GOLDEN / "tex" / f"{name}{suffix}", update_golden)


def test_fragment_is_the_body_of_the_document() -> None:
    tree = compile_builtin("transformers.models.llama.modeling_llama.LlamaMLP")
    document, fragment = tex.emit(tree), tex.emit(tree, fragment=True)
    commands = set(control_words(fragment))
    assert not commands & {"documentclass", "usepackage", "begin{document}"} and r"\begin{document}" not in fragment
    body = document.split("\\begin{document}\n", 1)[1].rsplit("\\end{document}", 1)[0]
    # The fragment also names the class, which the standalone title shows.
    assert (
        fragment.replace(
            "The module's class is \\texttt{transformers.\\allowbreak{}models.\\allowbreak{}llama.\\allowbreak{}modeling\\_\\allowbreak{}llama.\\allowbreak{}LlamaMLP}.\n",
            "",
        )
        in body
    )


def test_deterministic_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    name = largest_builtin()
    outputs = []
    for seed in ("0", "1", "12345"):
        target = tmp_path / f"out{seed}.tex"
        result = run_kc("compile", name, "--emit", "tex", "-o", str(target), env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].decode() == tex.emit(compile_builtin(name))


# The math printer.


def latex(text: str, short: bool = False, display: bool = True, names: tuple[str, ...] = ()) -> str:
    expr = frontend.parse(text)
    table = symbols([*names, *(n.id for n in ir.names(expr))], short)
    return TexPrinter(table, display=display).math(expr)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("batch_size", r"\mathit{batch\_size}"),
        ("x", "x"),
        ("2 * batch_size * seq_len", r"2 \cdot \mathit{batch\_size} \cdot \mathit{seq\_len}"),
        ("a - (b + c)", r"a - \left(b + c\right)"),
        ("(a + b) * c", r"\left(a + b\right) \cdot c"),
        ("a / b", r"\frac{a}{b}"),
        ("3 * a / (2 * b)", r"\frac{3 \cdot a}{2 \cdot b}"),
        ("a // b", r"\left\lfloor \frac{a}{b} \right\rfloor"),
        ("ceil(a / 4)", r"\left\lceil \frac{a}{4} \right\rceil"),
        ("a % b", r"a \bmod b"),
        ("max(a, b, 2)", r"\max\left(a, b, 2\right)"),
        ("min(a, b)", r"\min\left(a, b\right)"),
        ("sqrt(a)", r"\sqrt{a}"),
        ("log2(a)", r"\log_2\left(a\right)"),
        ("abs(a - b)", r"\left\lvert a - b \right\rvert"),
        ("a ** 2", "a^{2}"),
        ("(a + 1) ** (b - 1)", r"\left(a + 1\right)^{b - 1}"),
        ("-a * b", r"-a \cdot b"),
        ("a - 2 * b", r"a - 2 \cdot b"),
        ("123456 * a", r"123\,456 \cdot a"),
        ("a if b else 0", r"\begin{cases} a & \text{if } b \neq 0 \\ 0 & \text{otherwise} \end{cases}"),
        (
            "a if b > 2 and not c else 1",
            r"\begin{cases} a & \text{if } b > 2 \land \lnot c \\ 1 & \text{otherwise} \end{cases}",
        ),
        (
            "a + (b if c else 0)",
            r"a + \left(\begin{cases} b & \text{if } c \neq 0 \\ 0 & \text{otherwise} \end{cases}\right)",
        ),
    ],
)
def test_math_rules(formula: str, expected: str) -> None:
    assert latex(formula) == expected


def test_names_are_words_never_subscripts() -> None:
    text = latex("batch_size * seq_len * num_key_value_heads")
    assert r"\mathit{num\_key\_value\_heads}" in text
    assert "batch_{" not in text and "_{size}" not in text


def test_short_symbols_and_juxtaposition() -> None:
    assert latex("2 * batch_size * seq_len * hidden_size * a_bytes", short=True) == r"2BSH b_{\mathrm{a}}"
    # A name without a symbol is written in full, and joined with \cdot.
    assert latex("batch_size * my_width", short=True) == r"B \cdot \mathit{my\_width}"
    assert latex("batch_size / 2", short=True) == r"\frac{B}{2}"


def test_short_symbols_never_collide() -> None:
    """Two names that would print the same keep their long form: `B` (a name) and batch_size."""
    table = symbols(["B", "batch_size", "seq_len", "num_layers", "num_hidden_layers"], short=True)
    assert table["batch_size"].text == r"\mathit{batch\_size}" and table["B"].text == "B"
    assert table["seq_len"].text == "S"
    # Both spellings of the layer count would be L: neither gets it.
    assert table["num_layers"].text == r"\mathit{num\_layers}"
    assert table["num_hidden_layers"].text == r"\mathit{num\_hidden\_layers}"
    printed = [piece.text for piece in table.values()]
    assert len(printed) == len(set(printed))


def test_short_symbol_table_is_documented() -> None:
    docs = (DOCS / "latex.md").read_text(encoding="utf-8")
    for name, (letter, subscript) in SHORT_SYMBOLS.items():
        assert f"`{name}`" in docs, name
        assert f"${short_symbol(letter, subscript).text}$" in docs, name


def test_inline_cells_break_at_sums_and_read_out_conditionals() -> None:
    printer = TexPrinter(symbols(["a", "b", "flag"], False), display=False)
    assert printer.inline(frontend.parse("a + b - 2 * a")) == r"a \allowbreak + b \allowbreak - 2 \cdot a"
    text = printer.inline(frontend.parse("a + (b if flag else 0)"))
    assert r"\text{if}" in text and r"\text{else}" in text and "cases" not in text


def test_display_lines_break_before_plus_and_fit_the_width() -> None:
    names = [f"parameter_{i}" for i in range(12)]
    formula = " + ".join(f"{i + 2} * batch_size * {a} * {b}" for i, (a, b) in enumerate(itertools.pairwise(names)))
    printer = TexPrinter(symbols(["batch_size", *names], False))
    expr = frontend.parse(formula)
    lines = printer.lines(expr, 300.0)
    assert len(lines) > 3
    assert all(line.startswith("+ ") for line in lines[1:])
    for line in lines:
        assert printer.width(frontend.parse(_as_formula(line))) <= 300.0 + 12.3


def _as_formula(line: str) -> str:
    """A printed line of `\\mathit` words and numbers back as formula text (for measuring it)."""
    text = line.removeprefix("+ ").replace(r" \cdot ", " * ")
    return re.sub(r"\\mathit\{([^}]*)\}", lambda m: m.group(1).replace("\\_", "_"), text)


def test_a_product_too_wide_for_a_line_breaks_before_a_cdot() -> None:
    names = [f"an_extremely_long_dimension_name_{i}" for i in range(8)]
    printer = TexPrinter(symbols(names, False))
    lines = printer.lines(frontend.parse(" * ".join(names)), 300.0)
    assert len(lines) > 1 and all(line.startswith(r"\quad \cdot ") for line in lines[1:])


# Escaping.

HOSTILE = (
    "\\input{/etc/passwd} \\write18{touch pwned} \\def\\x{y}\\x \\csname relax\\endcsname }{ unbalanced { "
    "% comment # hash _ & ^ ~ $ \\\\ < > -- --- '' `` ,, [opt] *star | \"quote\" @ "
    "naïve café Größe π → ∞ ≤ 😀 \x07bell \\VAR{x} \\BLOCK{if} \\#{c} {{ jinja }} {% raw %} \\end{document}"
)
"""Every character and command that could break out of text in a LaTeX document or its template."""

_DANGEROUS = {
    "input",
    "include",
    "write",
    "immediate",
    "openout",
    "openin",
    "read",
    "def",
    "edef",
    "gdef",
    "let",
    "csname",
    "endcsname",
    "catcode",
    "VAR",
    "BLOCK",
}


def control_words(source: str) -> list[str]:
    """The control words of `source` as TeX reads them: comments skipped, control symbols (`\\{`) passed over."""
    words, index = [], 0
    while index < len(source):
        character = source[index]
        if character == "%":
            end = source.find("\n", index)
            index = len(source) if end < 0 else end
        elif character == "\\":
            match = re.match(r"[A-Za-z]+", source[index + 1 :])
            if match:
                words.append(match.group(0))
                index += 1 + len(match.group(0))
            else:
                index += 2
        else:
            index += 1
    return words


def braces_balance(source: str) -> bool:
    depth = 0
    source = re.sub(r"%[^\n]*", "", re.sub(r"\\[{}%\\]", "", source))
    for character in source:
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


def test_escape_makes_every_special_character_a_symbol() -> None:
    text = escape(HOSTILE)
    assert not set(control_words(text)) & _DANGEROUS
    assert braces_balance(text)
    assert "%" not in text.replace(r"\%", "") and "#" not in text.replace(r"\#", "")
    assert "\n" not in text and "😀" not in text and "\x07" not in text
    assert "--" not in text and "''" not in text and ",," not in text
    for plain in ("naïve", "café", "Größe"):
        assert plain in text


def test_escape_breaks_long_words_only() -> None:
    assert escape("x.y and a_b") == r"x.y and a\_b"
    assert r"\allowbreak" in escape("transformers.models.llama.modeling_llama.LlamaMLP")
    assert escape("a" * 60).count(r"\allowbreak") == 2


def hostile_library(library: Callable[..., Path]) -> Path:
    inner = {
        "class_name": "hostile.Inner",
        "kernels": [leaf(HOSTILE, "n", "n * a_bytes", "0", analysis=HOSTILE, compute=HOSTILE)],
    }
    root = {
        "class_name": "hostile.Module",
        "parameters": [{"name": "n", "description": HOSTILE}],
        "kernels": [
            uniform(HOSTILE, "3 * ${hostile.Inner}(n)", analysis=HOSTILE),
            leaf(HOSTILE, "2 * n", "n", "n if n > 4 else 0", analysis=HOSTILE),
        ],
    }
    return library({"hostile.Inner": inner, "hostile.Module": root})


@pytest.mark.parametrize("symbol_style", ["long", "short"])
def test_hostile_text_runs_no_command(library: Callable[..., Path], symbol_style: str) -> None:
    tree = compile_in(hostile_library(library), "hostile.Module")
    document = tex.emit(tree, symbols=symbol_style)
    plain = library(
        {
            "hostile.Module": _harmless(),
            "hostile.Inner": {
                "class_name": "hostile.Inner",
                "kernels": [leaf("plain", "n", "n * a_bytes", "0", analysis="plain")],
            },
        },
        "plain",
    )
    harmless = tex.emit(compile_in(plain, "hostile.Module"), symbols=symbol_style)
    expected = set(control_words(harmless)) | set(control_words(escape(HOSTILE)))
    found = control_words(document)
    assert set(found) <= expected, set(found) - expected
    assert not set(found) & _DANGEROUS
    assert found.count("documentclass") == 1 and document.count(r"\end{document}") == 1
    assert braces_balance(document)


def _harmless() -> dict[str, object]:
    """The hostile module with plain words for its text."""
    return {
        "class_name": "hostile.Module",
        "parameters": [{"name": "n", "description": "plain"}],
        "kernels": [
            uniform("plain", "3 * ${hostile.Inner}(n)", analysis="plain"),
            leaf("plain", "2 * n", "n", "n if n > 4 else 0", analysis="plain"),
        ],
    }


@requires_pdflatex
@pytest.mark.parametrize("symbol_style", ["long", "short"])
def test_hostile_document_compiles_and_shows_the_text(
    library: Callable[..., Path], tmp_path: Path, symbol_style: str
) -> None:
    tree = compile_in(hostile_library(library), "hostile.Module")
    run = pdflatex(tex.emit(tree, symbols=symbol_style), tmp_path / "out")
    run.check()
    assert not (tmp_path / "out" / "pwned").exists()
    if PDFTOTEXT is None:
        pytest.skip("pdftotext is not installed")
    # The text as typeset: characters the fonts lack are `?`; T1 sets ' as a closing quote.
    expected = HOSTILE.replace("😀", "?").replace("\x07", "?")
    shown = run.text().replace("’", "'")
    shown = re.sub(r"-\n(?=[a-z])", "", shown)  # words hyphenated at a line end
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert squeeze(shown).count(squeeze(expected)) >= 4, shown


# Typesetting the built-in modules, large and deep trees, fragments.


@requires_pdflatex
@pytest.mark.parametrize("symbol_style", ["long", "short"])
def test_largest_builtin_compiles_without_overfull_boxes(tmp_path: Path, symbol_style: str) -> None:
    run = pdflatex(tex.emit(compile_builtin(TYPESET), symbols=symbol_style), tmp_path)
    run.check()


@requires_pdflatex
def test_fragment_inputs_into_a_minimal_document(tmp_path: Path) -> None:
    fragment = tex.emit(compile_builtin(TYPESET), fragment=True, symbols="short")
    (tmp_path / "costs.tex").write_text(fragment, encoding="utf-8")
    wrapper = "\n".join(
        [
            r"\documentclass{article}",
            r"\usepackage[T1]{fontenc}",
            r"\usepackage{lmodern}",
            r"\usepackage[a4paper,margin=2.5cm]{geometry}",
            r"\usepackage{amsmath,array,booktabs,longtable}",
            r"\begin{document}",
            r"\section{Introduction}",
            r"Text of the paper.",
            r"\appendix",
            r"\input{costs}",
            r"\end{document}",
            "",
        ]
    )
    run = pdflatex(wrapper, tmp_path, "paper")
    run.check()
    if PDFTOTEXT is not None:
        assert "Totals" in run.text() and "Text of the paper." in run.text()


def stress_library(library: Callable[..., Path], depth: int = 6) -> Path:
    """Modules made to reach the margin: long names, wide sums and products, conditionals, deep nesting."""
    names = [
        f"{word}_dimension_of_the_layer"
        for word in ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
    ]
    wide_sum = " + ".join(
        f"{i + 2} * batch_size * {a} * {b} * a_bytes" for i, (a, b) in enumerate(itertools.pairwise(names))
    )
    long_product = " * ".join(names) + " * batch_size * seq_len * w_bytes"
    # Floors, roots and logarithms are not broken inside: their arguments are of a width real formulas have.
    odd = (
        "(batch_size * seq_len + 1) // 64 + ceil(seq_len / 128) + sqrt(seq_len) + log2(seq_len) + seq_len % 7 "
        f"+ max({names[1]} * {names[2]}, {names[3]} * {names[4]}, {names[5]} * {names[6]} * {names[7]}) "
        f"+ batch_size * {names[0]} * {names[1]} * {names[2]} / ({names[3]} * {names[4]})"
    )
    conditional = f"({wide_sum} if {names[0]} > {names[1]} else {names[2]} * a_bytes)"
    modules: dict[str, object] = {}
    for level in range(depth):
        kernels = [
            leaf(f"Wide sum at level {level}", wide_sum, long_product, conditional, analysis="An analysis " * 30),
            leaf("Functions, fractions and floors", odd, odd, "0"),
        ]
        if level + 1 < depth:
            call = f"${{stress.Level{level + 1}}}({', '.join(names)})"
            kernels.append(
                uniform(f"Nested level {level + 1} " + "with a long operation name " * 3, f"{level + 2} * {call}")
            )
            kernels.append(uniform(f"The same level again {level + 1}", call))
        modules[f"stress.Level{level}"] = {
            "class_name": f"stress.Level{level}",
            "parameters": [
                {"name": n, "description": f"The {n.split('_')[0]} extent of a layer, in elements"} for n in names
            ],
            "kernels": kernels,
        }
    return library(modules)


@requires_pdflatex
@pytest.mark.parametrize("symbol_style", ["long", "short"])
def test_wide_and_deep_formulas_stay_inside_the_margins(
    library: Callable[..., Path], tmp_path: Path, symbol_style: str
) -> None:
    tree = compile_in(stress_library(library), "stress.Level0", lenient=True)
    document = tex.emit(tree, symbols=symbol_style)
    assert r"\paragraph{" in document and "they are not listed again" in document
    pdflatex(document, tmp_path).check()


def test_repeated_subtrees_are_shown_once(library: Callable[..., Path]) -> None:
    tree = compile_in(stress_library(library), "stress.Level0", lenient=True)
    document = tex.emit(tree)
    # Level 1 is called twice from level 0, so its tables are printed once: one table per distinct level.
    assert document.count(r"\begin{longtable}") == 1 + 6
    assert document.count("they are not listed again") == 5


def test_a_tree_too_large_to_expand_keeps_totals_and_parameters(library: Callable[..., Path]) -> None:
    directory = library(
        {
            "m.Leafy": [leaf("Work", "2 * n", "n * a_bytes", "n * a_bytes")],
            "m.Root": [uniform("Twice", "4 * ${m.Leafy}(n)"), uniform("Again", "${m.Leafy}(n)")],
        }
    )
    limits = Limits(tree_nodes=1)
    with limits.applied():
        tree = compile_tree(Library.from_path([directory], environment=False), "m.Root", limits=limits).tree
        assert tree is not None and tree.kernels is None
        document = tex.emit(tree)
    assert r"\section{Totals}" in document and r"\section{Parameters}" in document
    assert "would have up to" in document and "limit of 1" in document
    assert r"\begin{longtable}" in document  # the parameters table only
    assert document.count(r"\begin{longtable}") == 1


def test_short_documents_print_the_legend() -> None:
    document = tex.emit(compile_builtin("transformers.models.llama.modeling_llama.LlamaMLP"), symbols="short")
    assert "short symbols of kc's symbol table" in document
    assert r"$B$ & \texttt{batch\_size} & Sequences in the batch \\" in document
    assert r"$b_{\mathrm{w}}$ & \texttt{w\_bytes} & Bytes per weight element \\" in document
    assert (
        "$I$ & \\texttt{intermediate\\_\\allowbreak{}size}" in document
        or "$I$ & \\texttt{intermediate\\_size}" in document
    )


def test_options_are_checked() -> None:
    tree = compile_builtin("torch.nn.modules.activation.SiLU")
    with pytest.raises(ValueError, match="symbols"):
        tex.emit(tree, symbols="tiny")


# The command line.


def test_cli_writes_documents_and_fragments(tmp_path: Path) -> None:
    name = "transformers.models.llama.modeling_llama.LlamaMLP"
    target = tmp_path / "mlp.tex"
    result = run_kc("compile", name, "--emit", "tex", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == tex.emit(compile_builtin(name))
    result = run_kc("compile", name, "--emit", "tex", "--tex-fragment", "--symbols", "short")
    assert result.returncode == 0, result.stderr
    assert result.stdout == tex.emit(compile_builtin(name), fragment=True, symbols="short")
    assert r"\documentclass" not in result.stdout


def test_cli_rejects_an_unknown_symbol_style() -> None:
    result = run_kc("compile", "torch.nn.modules.activation.SiLU", "--emit", "tex", "--symbols", "tiny")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_cli_failure_writes_nothing(tmp_path: Path, library: Callable[..., Path]) -> None:
    directory = library({"bad.M": [uniform("Call", "${bad.Missing}(n)")]})
    target = tmp_path / "out.tex"
    target.write_text("old", encoding="utf-8")
    result = run_kc("compile", "bad.M", "--lib", str(directory), "--emit", "tex", "-o", str(target))
    assert result.returncode == 1
    assert target.read_text(encoding="utf-8") == "old"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_generated_documents_name_no_machine_path(tmp_path: Path, library: Callable[..., Path]) -> None:
    directory = library({"p.M": [leaf("Work", "n", "n", "n")]})
    document = tex.emit(compile_in(directory, "p.M"))
    assert str(directory) not in document and os.sep + "tmp" not in document


def test_tex_options_do_not_reach_the_json_backend() -> None:
    """The CLI passes --symbols to the tex backend only; json output still works with it given."""
    result = run_kc("compile", "torch.nn.modules.activation.SiLU", "--symbols", "short")
    assert result.returncode == 0
    assert json.loads(result.stdout)["class_name"] == "torch.nn.modules.activation.SiLU"


def test_numbers_print_exactly() -> None:
    printer = TexPrinter({}, display=True)
    assert printer.math(ir.Number(Fraction(-3, 4))) == r"-\frac{3}{4}"
    assert printer.math(ir.Number(Fraction(50257))) == r"50\,257"


def test_every_template_value_is_escaped() -> None:
    """Values that are not marked as LaTeX pass through the one escaping function."""
    template = tex.environment().from_string(r"\VAR{text} \VAR{mark}")
    assert template.render(text="50% #1 {x}", mark=tex.Latex(r"\alpha")) == r"50\% \#1 \{x\} \alpha"


WIDTH_SAMPLES = [
    "2 * batch_size * seq_len * hidden_size * intermediate_size",
    "batch_size * seq_len * hidden_size * a_bytes + hidden_size * intermediate_size * w_bytes",
    "4 * batch_size ** 2 * seq_len * cache_len * num_heads * head_dim",
    "batch_size * seq_len * hidden_size / num_heads + 50257 * vocab_size",
    "(batch_size * seq_len + 1) // 64 + ceil(seq_len / 128) + sqrt(hidden_size) + log2(seq_len)",
    "max(batch_size * seq_len, cache_len) + min(hidden_size, 4096) + seq_len % 7",
    "(batch_size * hidden_size if has_bias else 0) + 3 * x",
    "first_dimension_of_the_layer * second_dimension_of_the_layer * QKV_proj_Width",
]


@requires_pdflatex
@pytest.mark.parametrize("symbol_style", ["long", "short"])
def test_width_estimates_match_tex(tmp_path: Path, symbol_style: str) -> None:
    """The printer's widths, which decide the line breaks, are those pdflatex measures, to within a few percent."""
    printers = []
    for formula in WIDTH_SAMPLES:
        expr = frontend.parse(formula)
        printer = TexPrinter(symbols([n.id for n in ir.names(expr)], symbol_style == "short"))
        printers.append(printer.print(expr))
    lines = [
        r"\documentclass[10pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{lmodern}",
        r"\usepackage{amsmath}",
        r"\newsavebox\kcbox",
        r"\begin{document}",
    ]
    for index, piece in enumerate(printers):
        lines.append(rf"\sbox\kcbox{{$\displaystyle {piece.text}$}}\typeout{{WIDTH {index} \the\wd\kcbox}}")
    lines += [r"\end{document}", ""]
    run = pdflatex("\n".join(lines), tmp_path)
    assert run.returncode == 0, run.errors
    measured = {int(i): float(w) for i, w in re.findall(r"^WIDTH (\d+) ([\d.]+)pt", run.log, re.M)}
    for index, piece in enumerate(printers):
        ratio = piece.width / measured[index]
        assert 0.95 <= ratio <= 1.15, (WIDTH_SAMPLES[index], piece.width, measured[index])


def test_a_module_without_kernels_says_so(library: Callable[..., Path]) -> None:
    document = tex.emit(compile_in(library({"e.Empty": []}), "e.Empty"))
    assert "The module has no kernels." in document and r"\begin{longtable}" not in document
    assert r"\text{FLOPs} &= 0" in document

"""The frontend's fast driver of lark's LALR table gives exactly what lark's own lexer and parser give.

`_fast_parse` cuts tokens with one regular expression and runs the table lark
made of the grammar (`lalr_table.py`), without importing lark;
`lark.Lark.parse` is the reference. On every formula of the
built-in library and the corpora, on the constructs of the language, and on
random token soup, the fast driver either answers with the same IR, spans
included, or declines (None), and then the reference decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lark
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.language import ir, lalr_table
from compiler.language import parse as frontend
from tests.helpers import SHARED, examples

BUILTIN = Path(frontend.__file__).parents[1] / "library"


def test_the_tables_are_the_grammars() -> None:
    """`lalr_table.py` is what lark makes of grammar/formula.lark today; after editing the grammar, `python -m compiler.language.parse` writes it again."""
    assert frontend.table_source() == Path(lalr_table.__file__).read_text(encoding="utf-8")


def _same(a: Any, b: Any) -> bool:
    """Equal as IR and in every span, which IR equality leaves out (a reference's cached hash aside)."""
    if isinstance(a, ir.Expr) or isinstance(b, ir.Expr):
        return type(a) is type(b) and all(_same(getattr(a, name), getattr(b, name)) for name in a._arguments)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _reference(text: str) -> ir.Expr | None:
    try:
        return frontend._parser().parse(text)  # type: ignore[no-any-return]
    except (frontend._BuildError, lark.exceptions.LarkError):
        return None


def _agrees(text: str) -> bool:
    fast = frontend._fast_parse(text)
    reference = _reference(text)
    return fast is None or _same(fast, reference)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _library_formulas(directory: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(directory.rglob("*.json")):
        try:
            found.extend(_strings(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, UnicodeDecodeError):
            continue
    return found


CONSTRUCTS = [
    "batch_size", "{batch_size}", "{d // 2}", "1.5e3", "2.5E-1", ".5", "7.", "a - b - c", "a % 4 + 1",
    "2 ** 3 ** 2", "2 ^ 3", "-x ** 2", "x ** -1", "+x", "min(a, b, c)", "sqrt(log2(x))", "a if c else b",
    "a if x >= 1 and not y or z else b", "${torch.nn.Linear}", "${M}()", "${M}(a, 2 * b, w_bytes=4)",
    "3 * ${M}(a) + x", "config.hidden_size * 2", "a\n+ b\n* c", "x == 1", "a != b <= c", "notx + ify",
    "(n * w_bytes if has_bias else 0)", "True * a + False", "${ M }(a)", "${a.b-c}(x)",
    # problems: the fast driver declines, the reference reports
    "a +", "a + * b", "(a", "a @ b", "a if b", "${M}(a=1, 2)", "x = 3", "a + if", "if", "", "  ", "${M", "a.b",
    "${M}(True=1)", "a ** * b", "${}", "${M}}", "1e999",
]


@pytest.mark.parametrize("text", CONSTRUCTS)
def test_constructs_parse_alike(text: str) -> None:
    assert _agrees(text)


def test_valid_constructs_take_the_fast_path() -> None:
    valid = [t for t in CONSTRUCTS if _reference(t) is not None]
    assert len(valid) > 25
    # lark's contextual lexer reads a word as a name where the word cannot stand (the
    # frontend then refuses it); the fast driver declines those and lark decides
    assert [t for t in valid if frontend._fast_parse(t) is None] == ["a + if", "if"]


def test_builtin_library_formulas_parse_alike() -> None:
    texts = _library_formulas(BUILTIN)
    assert len(texts) > 1000
    assert all(_agrees(t) for t in texts)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")
def test_corpus_formulas_parse_alike() -> None:
    texts = _library_formulas(SHARED / "corpora")
    assert texts
    assert [t for t in texts if not _agrees(t)] == []


FRAGMENTS = [
    "a", "b1", "if", "else", "and", "or", "not", "iff", "config.x", "x.y", "True", "0", "12", "1.5", ".5", "3e2", "1e",
    "+", "-", "*", "**", "^", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=", "=", "(", ")", "{", "}", ",",
    "${", "${M}", "${torch.nn.Linear}", "}(", "min(", "max(", "floor(", "foo(", " ", "\n", "\t", "$", "@", "é",
]


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map(lambda parts: "".join(parts)))
def test_token_soup_parses_alike(text: str) -> None:
    assert _agrees(text)


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map(lambda parts: " ".join(parts)))
def test_spaced_token_soup_parses_alike(text: str) -> None:
    assert _agrees(text)

"""How names print: in full (`\\mathit{batch\\_size}`) or as short symbols (`B`, `n_{\\mathrm{h}}`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from compiler.backends.tex.escape import escape
from compiler.backends.tex.metrics import ITALIC, ITALIC_CORRECTION, SCRIPT, WORD, Math, text_width

SHORT_SYMBOLS: dict[str, tuple[str, str]] = {
    "batch_size": ("B", ""),
    "seq_len": ("S", ""),
    "cache_len": ("C", ""),
    "hidden_size": ("H", ""),
    "intermediate_size": ("I", ""),
    "num_layers": ("L", ""),
    "num_hidden_layers": ("L", ""),
    "vocab_size": ("V", ""),
    "num_heads": ("n", "h"),
    "num_attention_heads": ("n", "h"),
    "num_key_value_heads": ("n", "kv"),
    "num_kv_heads": ("n", "kv"),
    "head_dim": ("d", "h"),
    "max_position_embeddings": ("P", ""),
    "num_experts": ("E", ""),
    "num_experts_per_tok": ("k", ""),
    "top_k": ("k", ""),
    "in_features": ("d", "in"),
    "out_features": ("d", "out"),
    "features": ("d", ""),
    "in_channels": ("c", "in"),
    "out_channels": ("c", "out"),
    "kernel_size": ("K", ""),
    "num_embeddings": ("N", "e"),
    "embedding_dim": ("d", "e"),
    "a_bytes": ("b", "a"),
    "w_bytes": ("b", "w"),
}
"""`--symbols short`: a name's symbol, as (math-italic letter, upright subscript).

Two names of one document never share a symbol: when two would, each of them
is written in full instead, as is every name not in this table.
"""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def long_name(name: str) -> Math:
    """`name` written in full: one letter in math italic, a word in `\\mathit` with `\\_`."""
    if not _NAME.fullmatch(name):  # not from a module file, which allows only these: text, escaped
        return Math(r"\text{" + escape(name) + "}", text_width(name) * 1.2, kind="word")
    if len(name) == 1:
        return Math(name, ITALIC.get(name, 6.0), kind="symbol")
    return Math(r"\mathit{" + name.replace("_", r"\_") + "}", text_width(name, WORD) + ITALIC_CORRECTION, kind="word")


def short_symbol(letter: str, subscript: str) -> Math:
    if not subscript:
        return Math(letter, ITALIC[letter], kind="symbol")
    width = ITALIC[letter] + SCRIPT * text_width(subscript) + 0.5
    return Math(f"{letter}_{{\\mathrm{{{subscript}}}}}", width, kind="symbol")


def symbols(names: Iterable[str], short: bool) -> dict[str, Math]:
    """How each name prints: in full, or by its short symbol where that is unambiguous."""
    names = list(dict.fromkeys(names))
    table = {name: long_name(name) for name in names}
    if not short:
        return table
    chosen = {name: short_symbol(*SHORT_SYMBOLS[name]) for name in names if name in SHORT_SYMBOLS}
    taken: dict[str, list[str]] = {}
    for name in names:
        taken.setdefault((chosen.get(name) or table[name]).text, []).append(name)
    for name, symbol in chosen.items():
        if len(taken[symbol.text]) == 1:
            table[name] = symbol
    return table



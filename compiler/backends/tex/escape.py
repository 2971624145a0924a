"""Escaping text for LaTeX: the one way any text (operations, analyses, names) enters a document.

The result typesets the input literally in T1-encoded Latin Modern and can
never run a command: every character with a meaning to TeX becomes a symbol
command, ligatures that would change the text (`--`, `''`, `,,`, `<<`) are
broken, line ends become spaces (a blank line would end a table cell), and
brackets and stars are braced so that no text is read as the optional argument
of a command before it. Accented Latin letters the T1 encoding has stay as
UTF-8 (the documents load `inputenc`); common symbols (Greek letters, arrows,
relations) become their LaTeX commands; any other character becomes `?`.
Long runs without a space get break points, so that no word of a narrow
table cell runs into the margin.
"""

from __future__ import annotations

import unicodedata

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
    "`": r"\textasciigrave{}",
    "[": "{[}",
    "]": "{]}",
    "*": "{*}",
}

# Letters of the T1 encoding (Latin-1 Supplement and Latin Extended-A) that
# inputenc's utf8 maps to glyphs of the document's fonts.
_T1_LETTERS = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİıĲĳĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŊŋŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž"
)

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta", "θ": "theta",
    "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma",
    "ς": "varsigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon",
    "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}  # fmt: skip
_MATH = {
    "→": "rightarrow", "←": "leftarrow", "↔": "leftrightarrow", "⇒": "Rightarrow", "⇐": "Leftarrow",
    "⇔": "Leftrightarrow", "↑": "uparrow", "↓": "downarrow", "↦": "mapsto", "≤": "leq", "≥": "geq", "≠": "neq",
    "≈": "approx", "≡": "equiv", "∼": "sim", "≪": "ll", "≫": "gg", "∞": "infty", "∑": "sum", "∏": "prod",
    "√": "surd", "∂": "partial", "∇": "nabla", "∈": "in", "∉": "notin", "⊂": "subset", "⊆": "subseteq",
    "∪": "cup", "∩": "cap", "∀": "forall", "∃": "exists", "∅": "emptyset", "⊙": "odot", "⊗": "otimes",
    "⊕": "oplus", "∘": "circ", "⌈": "lceil", "⌉": "rceil", "⌊": "lfloor", "⌋": "rfloor", "‖": "|", "′": "prime",
    "∗": "ast", "⋅": "cdot", "∣": "mid", "∝": "propto", "±": "pm",
}  # fmt: skip
_TEXT = {
    "–": r"\textendash{}", "—": r"\textemdash{}", "‐": "-", "‑": "-", "‒": r"\textendash{}", "―": r"\textemdash{}",
    "‘": r"\textquoteleft{}", "’": r"\textquoteright{}", "‚": r"\quotesinglbase{}", "“": r"\textquotedblleft{}",
    "”": r"\textquotedblright{}", "„": r"\quotedblbase{}", "«": r"\guillemotleft{}", "»": r"\guillemotright{}",
    "‹": r"\guilsinglleft{}", "›": r"\guilsinglright{}", "…": r"\dots{}", "•": r"\textbullet{}",
    "·": r"\textperiodcentered{}", "×": r"\texttimes{}", "÷": r"\textdiv{}", "−": r"\textminus{}",
    "°": r"\textdegree{}", "¹": r"\textonesuperior{}", "²": r"\texttwosuperior{}", "³": r"\textthreesuperior{}",
    "µ": r"\textmu{}", "¼": r"\textonequarter{}", "½": r"\textonehalf{}", "¾": r"\textthreequarters{}",
    "€": r"\texteuro{}", "£": r"\textsterling{}", "¢": r"\textcent{}", "¥": r"\textyen{}", "§": r"\textsection{}",
    "¶": r"\textparagraph{}", "©": r"\textcopyright{}", "®": r"\textregistered{}", "™": r"\texttrademark{}",
    "¬": r"\textlnot{}", "¡": r"\textexclamdown{}", "¿": r"\textquestiondown{}", "†": r"\textdagger{}",
    "‡": r"\textdaggerdbl{}", "‰": r"\textperthousand{}", "\u00a0": "~", "\u00ad": "",
}  # fmt: skip
_SUPERSCRIPTS = dict(zip("⁰⁴⁵⁶⁷⁸⁹⁺⁻ⁿ", "0456789+-n", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋", "0123456789+-", strict=True))

_BREAK = r"\allowbreak{}"
_LONG = 16
"""A word longer than this may break after `.`, `/` and `_`, and at least every `_RUN` characters."""
_RUN = 24


def _unicode(character: str) -> str:
    """A character outside ASCII: itself where the fonts have it, else a command, else `?`."""
    if character in _T1_LETTERS:
        return character
    if character in _TEXT:
        return _TEXT[character]
    if character in _GREEK:
        return rf"\ensuremath{{\{_GREEK[character]}}}"
    if character in _MATH:
        command = _MATH[character]
        return rf"\ensuremath{{\{command}}}" if command != "|" else r"\ensuremath{\|}"
    if character in _SUPERSCRIPTS:
        return rf"\textsuperscript{{{_SUPERSCRIPTS[character]}}}"
    if character in _SUBSCRIPTS:
        return rf"\textsubscript{{{_SUBSCRIPTS[character]}}}"
    return "?"


def _character(character: str, previous: str) -> str:
    if character in _SPECIAL:
        return _SPECIAL[character]
    if " " < character < "\x7f":
        # `--`, `''` and `,,` are ligatures (a dash, a quote) in T1: keep them apart.
        return "{}" + character if character == previous and character in "-'," else character
    if character.isascii():
        return "?"  # a control character
    return _unicode(character)


def _word(word: str) -> str:
    out: list[str] = []
    run, previous = 0, ""
    for character in word:
        if len(word) > _LONG and (run >= _RUN or (previous in (".", "/", "_") and character.isalnum())):
            out.append(_BREAK)
            run = 0
        out.append(_character(character, previous))
        run += 1
        previous = character
    return "".join(out)


def escape(text: str) -> str:
    """`text` as LaTeX that typesets it literally and runs no command of it."""
    words = "".join(" " if unicodedata.category(c) == "Zs" else c for c in unicodedata.normalize("NFC", text)).split()
    return " ".join(map(_word, words))

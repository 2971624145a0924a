"""The LaTeX backend: a document or fragment of typeset formulas."""

from compiler.backends.tex.document import emit

__all__ = ["emit"]

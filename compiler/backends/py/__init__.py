"""The Python backend: a module of exact cost functions."""

from compiler.backends.py.emitter import emit

__all__ = ["emit"]

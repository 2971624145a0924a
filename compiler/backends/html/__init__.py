"""The HTML backend: one self-contained page to explore a model's costs in a browser."""

from compiler.backends.html.emitter import Config, emit, load_configs

__all__ = ["Config", "emit", "load_configs"]

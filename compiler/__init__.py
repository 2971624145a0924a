"""kc, the kernel cost compiler: FLOPs and bytes of neural-network modules as exact formulas.

Library use::

    import compiler
    text = compiler.compile_module("transformers.models.llama.modeling_llama.LlamaMLP")
    mlp = compiler.load_cost_model("transformers.models.llama.modeling_llama.LlamaMLP")
    mlp.flops(batch_size=1, seq_len=128, hidden_size=4096, intermediate_size=11008)
"""

from __future__ import annotations

import os
import re
import types
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["KcError", "__version__", "compile_module", "evaluate", "load_cost_model", "params_from_hf_config", "python_name", "written_name"]

from compiler.errors import KcError

if TYPE_CHECKING:
    from fractions import Fraction

# Importing the package stays light (the errors only): `python -m compiler` reaches the
# command line's own handling of Ctrl-C after as little work as possible.


def python_name(name: str) -> str:
    """The keyword argument of generated Python for a formula name: `config.hidden_size` → `config__hidden_size`."""
    from compiler.language.ir import python_name as spelled

    return spelled(name)


def written_name(spelled: str) -> str:
    """A keyword argument of generated Python as formulas write it: `config__hidden_size` → `config.hidden_size`."""
    from compiler.language.ir import written_name as written

    return written(spelled)


def compile_module(
    name: str,
    lib: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] = (),
    *,
    emit: str = "json",
    lenient: bool = False,
    renames: Mapping[str, str] | None = None,
) -> str:
    """Compile module `name` found on `lib`, a directory or a list of them (then $KC_PATH, then the built-in library).

    Returns the output text; raises `KcError`, whose `diagnostics` list every
    problem, when the module cannot be compiled.
    """
    from compiler.backends import emit as emit_tree
    from compiler.input.library import Library
    from compiler.pipeline import compile_tree

    return emit_tree(compile_tree(Library.from_path(lib, renames=renames), name, lenient=lenient).tree, emit)


def load_cost_model(
    name: str,
    lib: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] = (),
    *,
    lenient: bool = False,
    renames: Mapping[str, str] | None = None,
) -> types.ModuleType:
    """The cost functions of module `name` (`--emit py`) as an imported module, without writing a file.

    The module is not added to `sys.modules`; its source is registered with
    `linecache` so that tracebacks show its lines. Raises `KcError` like
    `compile_module`.
    """
    return _cost_model(name, compile_module(name, lib, emit="py", lenient=lenient, renames=renames))


def _cost_model(name: str, source: str) -> types.ModuleType:
    """`source`, the Python backend's module for `name`, imported as `load_cost_model` imports it."""
    import importlib.util
    import linecache

    module_name = "kc_cost_" + re.sub(r"[^0-9A-Za-z_]", "_", name)
    filename = f"<kc {module_name}>"
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=filename)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), module.__dict__)  # kc's own generated code: every name checked, every text a literal
    return module


def params_from_hf_config(path_or_dict: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, int]:
    """The kc parameters of a Hugging Face config: a dict, a `config.json` path, or its directory.

    The family is chosen by `model_type`, else by `architectures`; raises
    ValueError for an unknown family or a missing key without a default.
    """
    from compiler.hf import params_from_hf_config as parameters

    return parameters(path_or_dict)


def evaluate(formula: str, values: Mapping[str, int | Fraction | float]) -> Fraction | float:
    """The exact value of `formula` (formula-language text) at `values`.

    A `Fraction`, or a float where an irrational result (`sqrt`, `log2`)
    forces one. Raises `KcError` for text that does not parse and
    `ValueError` for a name without a value or a division by zero.
    """
    from compiler.language.evaluate import evaluate as evaluate_ir
    from compiler.language.parse import parse

    return evaluate_ir(parse(formula), values)

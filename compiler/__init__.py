"""kc, the kernel cost compiler: FLOPs and bytes of neural-network modules as exact formulas.

Library use::

    import compiler
    text = compiler.compile_module("transformers.models.llama.modeling_llama.LlamaMLP")
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

__version__ = "0.1.0"
__all__ = ["KcError", "__version__", "compile_module", "params_from_hf_config"]

from compiler.diagnostics import KcError


def compile_module(
    name: str,
    lib: Iterable[str | os.PathLike[str]] = (),
    *,
    emit: str = "json",
    lenient: bool = False,
    renames: Mapping[str, str] | None = None,
) -> str:
    """Compile module `name` found on `lib` (then $KC_PATH, then the built-in library).

    Returns the output text; raises `KcError`, whose `diagnostics` list every
    problem, when the module cannot be compiled.
    """
    from compiler.backends import emit as emit_tree
    from compiler.library import Library
    from compiler.pipeline import compile_tree

    compilation = compile_tree(Library.from_path(lib, renames=renames), name, lenient=lenient)
    assert compilation.tree is not None
    return emit_tree(compilation.tree, emit)


def params_from_hf_config(path_or_dict: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, int]:
    """The kc parameters of a Hugging Face config: a dict, a `config.json` path, or its directory.

    The family is chosen by `model_type`, else by `architectures`; raises
    ValueError for an unknown family or a missing key without a default.
    """
    from compiler.hf import params_from_hf_config as parameters

    return parameters(path_or_dict)

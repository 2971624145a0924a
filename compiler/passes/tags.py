"""Compute tags: which unit a leaf kernel's FLOPs run on (`"compute": "matmul"`, `"vector"` or `"none"`).

`kc eval` costs matmul FLOPs at the matrix units' peak and every other FLOP,
untagged ones included, at the vector rate. Analyses written elsewhere carry
no tags, so a leaf of a module that is a known matrix multiply (`Linear`,
`F.linear`, `matmul`, `bmm`, `addmm`, `baddbmm`, `Conv1D`, scaled
dot-product attention) is tagged `matmul` here, with a note (KC505); `kc
check` warns about the leaves whose tag stays unknown (KC506).
"""

from __future__ import annotations

import re

from compiler.diagnostics import Diagnostics, Location
from compiler.language import ir
from compiler.passes.resolve import Graph

TAGS = ("matmul", "vector", "none")

MATMUL_MODULES = frozenset(
    {
        "Linear",
        "linear",
        "matmul",
        "mm",
        "bmm",
        "addmm",
        "baddbmm",
        "Conv1D",
        "scaled_dot_product_attention",
        "sdpa_attention_forward",
    }
)
"""The last part of the dotted names of modules and functions that are matrix multiplies
(`torch.nn.modules.linear.Linear`, `torch.nn.functional.linear` or `F.linear`, `torch.bmm`, ...)."""

A_MATMUL = re.compile(r"matrix mult|matmul|gemm|\bmm\b|bmm|linear|projection|dot.product|attention scores|weighted values", re.IGNORECASE)
NOT_A_MATMUL = re.compile(r"\b(softmax|mask|masking|dropout|scale|scaling|bias|addition|norm|activation)\b", re.IGNORECASE)
"""Operations of such a module that are not its matrix multiply (the bias addition of a Linear,
the softmax of attention) unless they also name one (`matrix multiplication with bias addition`): left untagged."""

SHOWN = 3


def is_matmul_module(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in MATMUL_MODULES


def _leaves(kernels: tuple[ir.Kernel, ...]) -> list[ir.Kernel]:
    found: list[ir.Kernel] = []
    for kernel in kernels:
        if kernel.sub_kernels:
            found.extend(_leaves(kernel.sub_kernels))
        elif kernel.fields is not None and not any(f.references for f in kernel.fields.values()) and not _no_flops(kernel):
            found.append(kernel)
    return found


def _no_flops(kernel: ir.Kernel) -> bool:
    """A kernel whose FLOPs are written as 0 (where they run costs nothing), or cannot be read (an error says so)."""
    assert kernel.fields is not None
    expr = kernel.fields["flops"].expr
    return expr is None or (isinstance(expr, ir.Number) and expr.value == 0)


def untagged(module: ir.Module) -> list[ir.Kernel]:
    """The leaf kernels of `module` (without references) with FLOPs that carry no compute tag."""
    return [kernel for kernel in _leaves(module.kernels) if "compute" not in dict(kernel.extras)]


def tag(graph: Graph, diagnostics: Diagnostics) -> Graph:
    """`graph` with the untagged matrix-multiply leaves of each known matrix multiply tagged `matmul`."""
    return graph.with_modules({name: infer(module, diagnostics) for name, module in graph.modules.items()})


def infer(module: ir.Module, diagnostics: Diagnostics) -> ir.Module:
    """`module` with its untagged matrix-multiply leaves tagged `matmul`, where it is a known matrix multiply."""
    if not is_matmul_module(module.name):
        return module
    chosen = [kernel for kernel in untagged(module) if A_MATMUL.search(kernel.operation) or not NOT_A_MATMUL.search(kernel.operation)]
    if not chosen:
        return module
    paths = {kernel.path for kernel in chosen}

    def tag(kernel: ir.Kernel) -> ir.Kernel:
        if kernel.sub_kernels:
            return kernel.replace(sub_kernels=tuple(map(tag, kernel.sub_kernels)))
        if kernel.path in paths:
            return kernel.replace(extras=(*kernel.extras, ("compute", "matmul")))
        return kernel

    names = ", ".join(repr(k.operation) for k in chosen[:SHOWN]) + (f" and {len(chosen) - SHOWN} more" if len(chosen) > SHOWN else "")
    short = module.name.rsplit(".", 1)[-1]
    diagnostics.note(
        "KC505",
        f"{short} is a matrix multiply: its untagged kernel{'s' if len(chosen) != 1 else ''} {names} {'are' if len(chosen) != 1 else 'is'} costed as \"compute\": \"matmul\"",
        Location(module.file, chosen[0].path),
        hint='write "compute": "matmul" (or "vector", "none") on the kernel to say so yourself',
    )
    return module.replace(kernels=tuple(map(tag, module.kernels)))


def warn_untagged(module: ir.Module, diagnostics: Diagnostics) -> None:
    """One warning for the leaves of `module` whose compute tag stays unknown (they are costed at the vector rate)."""
    left = untagged(module)
    if not left:
        return
    names = ", ".join(repr(k.operation) for k in left[:SHOWN]) + (f" and {len(left) - SHOWN} more" if len(left) > SHOWN else "")
    diagnostics.warning(
        "KC506",
        f"{len(left)} leaf kernel{'s' if len(left) != 1 else ''} without a compute tag, costed by kc eval at the vector rate: {names}",
        Location(module.file, left[0].path),
        hint='add "compute": "matmul" to matrix multiplies, "vector" to element-wise work, "none" to pure data movement',
    )

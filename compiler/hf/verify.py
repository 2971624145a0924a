"""Verify: kc's matmul FLOPs of a built-in model next to what PyTorch counts for the same shapes.

The model is built from a Hugging Face config on the meta device (no
weights, no network) and run under `torch.utils.flop_counter.FlopCounterMode`,
which counts matrix-multiply FLOPs (mm, addmm, bmm, baddbmm, convolution and
some attention kernels). For decode shapes (`cache_len > 0`) a prefill of
`cache_len` tokens fills a KV cache first, outside the count.

Attention runs with transformers' "eager" implementation: FlopCounterMode
counts its two matmuls on every device, while for "sdpa" it counts only the
flash, memory-efficient and cuDNN kernels; on the CPU, sdpa dispatches to a
kernel it does not count at all. Eager's matmuls have exactly the FLOPs of
kc's sdpa analysis, so the comparison checks that analysis too. Mixture-of-
experts models use the "batched_mm" experts implementation: the default
grouped_mm is not counted either, and the eager loop over experts needs real
routing data, which the meta device does not have. batched_mm multiplies
each token by its top_k experts, the same FLOPs as the loop.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from compiler.errors import VerifyError, install_hint
from compiler.hf import Family, family_of, load_config, params_from_hf_config
from compiler.input.library import Library, short_name
from compiler.language import ir
from compiler.language.evaluate import evaluate, with_defaults
from compiler.pipeline import compile_tree
from compiler.settings import parse_pairs
from compiler.tree import Composite, Leaf, Node, Tree

SHAPES = {"batch_size": 1, "seq_len": 128, "cache_len": 0}
"""Shape parameters and their defaults; `--set` overrides them."""
PRECISION = {"a_bytes": 2, "w_bytes": 2}
"""Only needed to evaluate bytes alongside FLOPs; FLOPs never depend on them."""


@dataclass(frozen=True)
class ClassCounts:
    """One module class: kc's matmul FLOPs and PyTorch's (None where that side has no such class)."""

    module: str
    kc: int | None
    torch: int | None
    function: bool = False
    """kc's module is a function (not a PyTorch module): its FLOPs are part of its caller's."""

    @property
    def differs(self) -> bool:
        if self.kc is None or self.torch is None:
            return self.torch is not None and self.torch != 0
        return self.kc != self.torch


@dataclass
class Verification:
    module: str
    model_type: str
    values: dict[str, int]
    attention: str
    experts: str | None
    rows: list[ClassCounts] = field(default_factory=list)
    total_kc: int = 0
    total_torch: int = 0

    @property
    def ok(self) -> bool:
        return self.total_kc == self.total_torch and not any(row.differs for row in self.rows)

    def render(self) -> str:
        """The comparison as a plain-text table."""
        settings = " ".join(f"{k}={v}" for k, v in self.values.items())
        implementation = f"attention: {self.attention}" + (f", experts: {self.experts}" if self.experts else "")
        lines = [
            f"kc verify {self.module} ({self.model_type} config, meta device, {implementation})",
            f"  {settings}",
            "",
        ]
        table = [("module class", "kc matmul FLOPs", "PyTorch FLOPs", "")]
        for row in self.rows:
            table.append((short_name(row.module), _number(row.kc), _number(row.torch), _status(row)))
        table.append(
            (
                "total",
                _number(self.total_kc),
                _number(self.total_torch),
                _status(ClassCounts("", self.total_kc, self.total_torch)),
            )
        )
        widths = [max(len(r[i]) for r in table) for i in range(3)]
        for name, kc, torch, status in table:
            lines.append(f"{name:<{widths[0]}}  {kc:>{widths[1]}}  {torch:>{widths[2]}}  {status}".rstrip())
        lines.append("")
        lines.append(
            "ok: kc's matmul FLOPs equal PyTorch's"
            if self.ok
            else "DIFFERENT: kc's matmul FLOPs do not match PyTorch's (marked above)"
        )
        return "\n".join(lines) + "\n"


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _status(row: ClassCounts) -> str:
    if row.function:
        return "(function: counted in its caller)"
    if row.torch is None:
        return "(no such module in the PyTorch model)"
    if row.kc is None:
        return "<< only in PyTorch" if row.differs else ""
    if row.kc == row.torch:
        return "ok"
    difference = row.kc - row.torch
    relative = f", {difference / row.torch:+.3%}" if row.torch else ""
    return f"<< differs by {difference:+,}{relative}"


def parse_settings(pairs: Iterable[str]) -> dict[str, int]:
    """`NAME=VALUE` pairs as a dict of integers; ValueError for a malformed pair."""
    return parse_pairs(pairs, _integer, once=False)


def _integer(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name}: expected an integer, got {text!r}") from None


def verify(module: str, config_path: Any, settings: Mapping[str, int], library: Library | None = None) -> Verification:
    """Compare kc's matmul FLOPs of `module` with FlopCounterMode's for the model of `config_path`.

    Raises VerifyError for problems the user can fix, ValueError (from the
    config mapping) for configs kc cannot map, and KcError when the module
    does not compile.
    """
    config = load_config(config_path)
    family = family_of(config)
    architecture = _architecture(module, family)
    shapes = dict(SHAPES)
    for name, value in settings.items():
        if name in shapes:
            shapes[name] = value
        else:
            config = _set(config, family, name, value)
    if shapes["batch_size"] < 1 or shapes["seq_len"] < 1 or shapes["cache_len"] < 0:
        raise VerifyError("batch_size and seq_len must be at least 1, cache_len at least 0")
    parameters = params_from_hf_config(config)
    values = {**shapes, **parameters}

    tree = compile_tree(library or Library.from_path(), module).tree
    kc_rows, kc_total = kc_matmul(tree, {**values, **PRECISION})

    torch_rows, torch_total, implementation = torch_matmul(family, architecture, config, shapes)
    verification = Verification(module, family.model_type, values, *implementation)
    verification.total_kc, verification.total_torch = kc_total, torch_total
    seen = set()
    for name, flops in kc_rows.items():
        seen.add(name)
        function = name not in torch_rows and _is_function(name)
        verification.rows.append(ClassCounts(name, flops, torch_rows.get(name), function))
    for name, flops in torch_rows.items():
        if name not in seen and flops:
            verification.rows.append(ClassCounts(name, None, flops))
    return verification


def _architecture(module: str, family: Family) -> str:
    for architecture, name in family.modules.items():
        if name == module:
            return architecture
    choices = ", ".join(family.modules.values())
    raise VerifyError(
        f"kc verify compares whole models; for a {family.model_type} config MODULE must be one of: {choices}"
    )


def _set(config: dict[str, Any], family: Family, name: str, value: int) -> dict[str, Any]:
    """`config` with kc parameter `name` set through the first config key that gives it."""
    keys = family.keys(name)
    if not keys:
        known = ", ".join([*SHAPES, *(p["name"] for p in family.parameters if p["keys"])])
        raise VerifyError(f"cannot set {name!r} for a {family.model_type} config; settable: {known}")
    config = {k: v for k, v in config.items() if k not in keys[1:]}
    config[keys[0]] = value
    return config


def _is_function(name: str) -> bool:
    """A kc module named after a function (lower-case last component), not a module class."""
    return short_name(name)[:1].islower()


def kc_matmul(tree: Tree[ir.Expr], values: Mapping[str, int]) -> tuple[dict[str, int], int]:
    """kc's matmul-tagged FLOPs at `values`: per module class (each class counted once per leaf), and in total."""
    at = with_defaults(tree.parameters, values)
    rows: dict[str, Fraction] = {tree.class_name: Fraction(0)}
    total = Fraction(0)

    def visit(nodes: tuple[Node[ir.Expr], ...], modules: tuple[str, ...], factor: Fraction) -> None:
        nonlocal total
        for node in nodes:
            if isinstance(node, Leaf):
                if dict(node.extras).get("compute") == "matmul":
                    flops = factor * Fraction(evaluate(node.flops, at))
                    total += flops
                    for name in {tree.class_name, *modules}:
                        rows[name] += flops
                continue
            assert isinstance(node, Composite)
            inner = factor if node.repeat is None else factor * Fraction(evaluate(node.repeat, at))
            names = modules
            if node.module is not None and node.module not in modules:
                names = (*modules, node.module)
                rows.setdefault(node.module, Fraction(0))
            visit(node.children, names, inner)

    if tree.kernels is None:
        raise VerifyError(f"the tree of {tree.class_name} is too large to build")
    visit(tree.kernels, (), Fraction(1))
    return {name: _integral(value) for name, value in rows.items()}, _integral(total)


def _integral(value: Fraction) -> int:
    if value.denominator != 1:
        raise VerifyError(f"kc's matmul FLOPs evaluate to a fraction, {value}")
    return int(value)


def torch_matmul(
    family: Family, architecture: str, config: dict[str, Any], shapes: Mapping[str, int]
) -> tuple[dict[str, int], int, tuple[str, str | None]]:
    """FlopCounterMode's FLOPs per module class and in total, for the model built from `config` on the meta device."""
    model, experts = meta_model(family, architecture, config)  # a VerifyError without PyTorch
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    batch, length, cached = shapes["batch_size"], shapes["seq_len"], shapes["cache_len"]
    keyword = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    with torch.no_grad(), _refused(f"the forward pass of {architecture} fails on the meta device"):
        arguments: dict[str, Any] = {}
        if cached:
            out = model(torch.zeros(batch, cached, dtype=torch.long, device="meta"), use_cache=True)
            arguments = {keyword: getattr(out, keyword, None), "use_cache": True}
        counter = FlopCounterMode(display=False)
        with counter:
            model(torch.zeros(batch, length, dtype=torch.long, device="meta"), **arguments)
    return _per_class(model, counter.get_flop_counts()), int(counter.get_total_flops()), ("eager", experts)


def meta_model(family: Family, architecture: str, config: dict[str, Any]) -> tuple[Any, str | None]:
    """The model `architecture` built from `config` on the meta device, with the attention and experts
    implementations FlopCounterMode counts; and the experts implementation chosen (None: the model has none)."""
    try:
        import torch
        import transformers
    except ImportError as error:
        raise VerifyError(
            f"kc verify needs PyTorch and transformers ({error.name or error} is not installed): {install_hint('torch', 'torch transformers')}"
        ) from None
    model_class = getattr(transformers, architecture, None)
    if model_class is None:
        raise VerifyError(f"transformers {transformers.__version__} has no {architecture}")
    config_class = transformers.AutoConfig.for_model(family.model_type).__class__
    settings = {k: v for k, v in config.items() if k not in ("model_type", "architectures")}
    with _refused(f"transformers refuses this {family.model_type} config"):
        hf_config = config_class.from_dict(settings)
    hf_config._attn_implementation = "eager"
    experts = None
    if hasattr(hf_config, "_experts_implementation"):
        experts = "batched_mm" if any(p["name"] == "num_experts" for p in family.parameters) else None
        if experts:
            hf_config._experts_implementation = experts
    with _refused(f"transformers cannot build {architecture} from this config"), torch.device("meta"):
        model = model_class(hf_config)
    model.eval()
    return model, experts


@contextlib.contextmanager
def _refused(what: str) -> Iterator[None]:
    """transformers and PyTorch check configs and shapes with exceptions of their own: each becomes a VerifyError."""
    try:
        yield
    except Exception as error:
        said = " ".join(str(error).split())
        said = said if len(said) <= 300 else said[:299] + "…"
        raise VerifyError(f"{what}: {type(error).__name__}{': ' + said if said else ''}") from None


def _per_class(model: Any, counts: Mapping[str, Mapping[Any, int]]) -> dict[str, int]:
    """FLOPs per module class, each instance counted unless an enclosing module has the same class."""
    prefix = type(model).__name__
    modules = {(prefix if not name else f"{prefix}.{name}"): module for name, module in model.named_modules()}
    classes = {fqn: f"{type(m).__module__}.{type(m).__qualname__}" for fqn, m in modules.items()}
    rows: dict[str, int] = {}
    for fqn, cls in classes.items():
        rows.setdefault(cls, 0)
        parts = fqn.split(".")
        if any(classes.get(".".join(parts[:i])) == cls for i in range(1, len(parts))):
            continue
        rows[cls] += sum(counts.get(fqn, {}).values())
    return rows

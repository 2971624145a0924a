"""Hardware: the built-in device presets, user hardware files, and which matmul precision a run uses.

A device is its peak dense matrix-multiply rate per precision, its vector
(non-tensor-core) rate, its memory bandwidth and capacity, and the public
documents those figures come from. Presets live in
`compiler/hardware/presets.toml`; `--hardware-file` reads more devices in the
same format, as TOML or JSON, and every problem in such a file is reported
with the file, the key and what is wrong (`HardwareError`).
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from compiler.errors import HardwareError
from compiler.eval.units import rate

PRECISIONS: dict[str, Fraction] = {
    "fp32": Fraction(4),
    "tf32": Fraction(4),
    "bf16": Fraction(2),
    "fp16": Fraction(2),
    "fp8": Fraction(1),
    "int8": Fraction(1),
    "int4": Fraction(1, 2),
}
"""Every precision a device may list, and the bytes per element it implies for `a_bytes` and `w_bytes`."""

BY_WIDTH: dict[Fraction, tuple[str, ...]] = {
    Fraction(4): ("fp32",),
    Fraction(2): ("bf16", "fp16"),
    Fraction(1): ("fp8", "int8"),
    Fraction(1, 2): ("int4",),
}
"""The precisions a matmul of operands this wide runs in, first preferred (see `choose_precision`)."""

DEFAULT_DEVICE = "h100-sxm"
DEFAULT_PRECISION = "bf16"

_RATE_UNITS = {"FLOP/s": 1, "FLOPS": 1, "OP/s": 1, "OPS": 1}
_PREFIXES = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_QUANTITY = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)\s*(Ki|Mi|Gi|Ti|[kMGTPE])?(FLOP/s|FLOPS|OP/s|OPS|B/s|B)\s*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_KINDS = {
    "rate": ("FLOP/s", '"989.5 TFLOP/s" or 989.5e12'),
    "bandwidth": ("B/s", '"3.35 TB/s" or 3.35e12'),
    "capacity": ("B", '"80 GB" or 80e9'),
}
_DEVICE_KEYS = ("name", "matmul", "vector", "memory_bandwidth", "memory_capacity", "source", "sources", "note")
_SOURCE_KEYS = ("document", "url")


@dataclass(frozen=True)
class Source:
    """A public document that gives a figure."""

    document: str
    url: str


@dataclass(frozen=True)
class Device:
    """One accelerator: peak rates in FLOP/s (OP/s for integers), bandwidth in B/s, capacity in B."""

    id: str
    name: str
    matmul: Mapping[str, float]
    """Dense matrix-multiply peak per precision."""
    vector: float | None
    """Non-tensor-core FP32 peak; None where the vendor publishes none."""
    memory_bandwidth: float
    memory_capacity: float | None = None
    source: Source | None = None
    sources: Mapping[str, Source] = field(default_factory=dict)
    """Per-figure sources that differ from `source`, by figure key (`memory_bandwidth`, `matmul.fp8`, ...)."""
    note: str = ""
    origin: str = "built-in"
    """Where the device was defined: "built-in", or the hardware file's path."""

    def figures(self) -> dict[str, float]:
        """Every figure by key (`matmul.bf16`, `vector`, `memory_bandwidth`, `memory_capacity`)."""
        found = {f"matmul.{p}": v for p, v in self.matmul.items()}
        if self.vector is not None:
            found["vector"] = self.vector
        found["memory_bandwidth"] = self.memory_bandwidth
        if self.memory_capacity is not None:
            found["memory_capacity"] = self.memory_capacity
        return found

    def source_of(self, figure: str) -> Source | None:
        return self.sources.get(figure, self.source)


@functools.cache
def presets() -> dict[str, Device]:
    """The built-in devices, by id."""
    text = (resources.files("compiler.eval") / "presets.toml").read_text(encoding="utf-8")
    return _devices(tomllib.loads(text), "built-in presets", "built-in")


def load_file(path: str | Path) -> dict[str, Device]:
    """The devices of a hardware file (TOML, or JSON: by extension, else whichever parses); HardwareError on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise HardwareError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise HardwareError(f"{path}: not UTF-8 text") from None
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix != ".toml" and text.lstrip().startswith("{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise HardwareError(f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise HardwareError(f"{path}: not valid TOML: {error}") from None
    if not isinstance(data, dict):
        raise HardwareError(f"{path}: expected a table of devices (device id → its figures), got {_kind(data)}")
    if not data:
        raise HardwareError(f"{path}: defines no device")
    return _devices(data, str(path), str(path))


def lookup(name: str | None, extra: Mapping[str, Device] | None = None) -> Device:
    """The device called `name` among `extra` (from hardware files) and the presets.

    Without a name: the only device of `extra` when it has exactly one, else
    the default preset. HardwareError with the closest names for an unknown one.
    """
    extra = extra or {}
    if name is None:
        if len(extra) == 1:
            return next(iter(extra.values()))
        if len(extra) > 1:
            raise HardwareError(f"the hardware file defines {len(extra)} devices ({', '.join(extra)}): choose one with --hardware NAME")
        name = DEFAULT_DEVICE
    known = {**presets(), **extra}
    if name in known:
        return known[name]
    folded = {key.lower().replace("_", "-"): key for key in known}
    if name.lower().replace("_", "-") in folded:
        return known[folded[name.lower().replace("_", "-")]]
    wanted = name.lower().replace("_", "-")
    close = [key for key in sorted(known) if key.startswith(wanted) or wanted.startswith(key)]  # `h100` → both H100s
    close += [key for key in difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.5) if key not in close]
    close = close[:3]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise HardwareError(f"unknown hardware {name!r}{hint}; known: {', '.join(sorted(known))} (`kc hardware` shows their figures)")


def choose_precision(device: Device, a_bytes: Any, w_bytes: Any, explicit: str | None = None) -> str:
    """The precision whose matmul peak applies.

    `explicit` (from `--precision`) if given; else the wider of `a_bytes` and
    `w_bytes` decides, because a matmul of mixed widths converts the narrower
    operand: 4 bytes → fp32 (as PyTorch, which does not use TF32 unless asked),
    2 → bf16 (fp16 on devices without bf16), 1 → fp8 (int8 on devices without
    fp8), 0.5 → int4. HardwareError when the device has no such peak.
    """
    if explicit is not None:
        if explicit not in PRECISIONS:
            raise HardwareError(f"unknown precision {explicit!r}; known: {', '.join(PRECISIONS)}")
        if explicit not in device.matmul:
            raise HardwareError(f"{device.id} has no {explicit} matmul peak; it has {', '.join(device.matmul)}")
        return explicit
    try:
        width = max(Fraction(a_bytes), Fraction(w_bytes))
    except (TypeError, ValueError):
        raise HardwareError("a_bytes and w_bytes must be numbers to choose a precision; or give --precision") from None
    candidates = BY_WIDTH.get(width)
    if candidates is None:
        raise HardwareError(
            f"no precision is {_bytes(width)} bytes wide (the wider of a_bytes={_bytes(Fraction(a_bytes))} and w_bytes={_bytes(Fraction(w_bytes))}); "
            "give the matmul precision with --precision"
        )
    for precision in candidates:
        if precision in device.matmul:
            return precision
    raise HardwareError(
        f"{device.id} has no matmul peak for {_bytes(width)}-byte operands ({' or '.join(candidates)}); "
        f"it has {', '.join(device.matmul)}: give --precision"
    )


def _bytes(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(float(value))


def _devices(data: Mapping[str, Any], where: str, origin: str) -> dict[str, Device]:
    devices = {}
    for key, body in data.items():
        if not isinstance(key, str) or not _ID.match(key):
            raise HardwareError(f"{where}: {key!r}: a device id is lower-case letters, digits, '.', '-' and '_'")
        devices[key] = _device(key, body, f"{where}: {key}", origin)
    return devices


def _device(key: str, body: Any, where: str, origin: str) -> Device:
    if not isinstance(body, dict):
        raise HardwareError(f"{where}: expected a table of figures, got {_kind(body)}")
    for name in body:
        if name not in _DEVICE_KEYS:
            raise HardwareError(f"{where}.{name}: unknown key{_did_you_mean(name, _DEVICE_KEYS)}; expected {', '.join(_DEVICE_KEYS)}")
    for required in ("matmul", "memory_bandwidth"):
        if required not in body:
            raise HardwareError(f"{where}: missing {required!r}")
    matmul = body["matmul"]
    if not isinstance(matmul, dict) or not matmul:
        raise HardwareError(f"{where}.matmul: expected a table of precision → peak FLOP/s (for example bf16 = \"989.5 TFLOP/s\"), got {'an empty table' if matmul == {} else _kind(matmul)}")
    peaks = {}
    for precision, value in matmul.items():
        if precision not in PRECISIONS:
            raise HardwareError(f"{where}.matmul.{precision}: unknown precision{_did_you_mean(precision, PRECISIONS)}; known: {', '.join(PRECISIONS)}")
        peaks[precision] = _quantity(value, "rate", f"{where}.matmul.{precision}")
    name = body.get("name", key)
    note = body.get("note", "")
    for text_key, text in (("name", name), ("note", note)):
        if not isinstance(text, str):
            raise HardwareError(f"{where}.{text_key}: expected a string, got {_kind(text)}")
    vector = _quantity(body["vector"], "rate", f"{where}.vector") if "vector" in body else None
    capacity = _quantity(body["memory_capacity"], "capacity", f"{where}.memory_capacity") if "memory_capacity" in body else None
    source = _source(body["source"], f"{where}.source") if "source" in body else None
    sources_body = body.get("sources", {})
    if not isinstance(sources_body, dict):
        raise HardwareError(f"{where}.sources: expected a table of figure → source, got {_kind(sources_body)}")
    device = Device(
        id=key,
        name=name,
        matmul=peaks,
        vector=vector,
        memory_bandwidth=_quantity(body["memory_bandwidth"], "bandwidth", f"{where}.memory_bandwidth"),
        memory_capacity=capacity,
        source=source,
        sources={figure: _source(value, f"{where}.sources.{figure}") for figure, value in sources_body.items()},
        note=note,
        origin=origin,
    )
    figures = device.figures()
    for figure in device.sources:
        if figure not in figures:
            raise HardwareError(f"{where}.sources.{figure}: no such figure{_did_you_mean(figure, figures)}; figures: {', '.join(figures)}")
    return device


def _source(value: Any, where: str) -> Source:
    if not isinstance(value, dict) or set(value) != set(_SOURCE_KEYS) or not all(isinstance(v, str) and v for v in value.values()):
        raise HardwareError(f"{where}: expected {{document = \"...\", url = \"https://...\"}} with both strings, got {value!r}")
    if not value["url"].startswith(("https://", "http://")):
        raise HardwareError(f"{where}.url: expected an http(s) address, got {value['url']!r}")
    return Source(value["document"], value["url"])


def _quantity(value: Any, kind: str, where: str) -> float:
    """A positive figure: a number in base units, or a string with a unit (`"3.35 TB/s"`)."""
    unit, example = _KINDS[kind]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise HardwareError(f"{where}: expected a number or a string such as {example}, got {_kind(value)}")
    if isinstance(value, str):
        match = _QUANTITY.match(value)
        found = match.group(3) if match else None
        if found in _RATE_UNITS:
            found = "FLOP/s"
        if match is None or found != unit:
            raise HardwareError(f"{where}: expected a quantity in {unit} such as {example}, got {value!r}")
        number = _float(Fraction(match.group(1)) * _PREFIXES[match.group(2) or ""])  # correctly rounded
    else:
        number = _float(value)
    if not number > 0 or number == float("inf"):
        raise HardwareError(f"{where}: must be a positive finite number, got {value!r}")
    return number


def _float(value: Fraction | int | float) -> float:
    """`value` as a float; infinity where it is too large for one."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _did_you_mean(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def render(devices: Mapping[str, Device], output_format: str = "table") -> str:
    """The devices and their figures: a plain-text listing, or JSON with every figure's source."""
    if output_format == "json":
        document = {}
        for device in devices.values():
            figures = {}
            for figure, value in device.figures().items():
                source = device.source_of(figure)
                figures[figure] = {"value": value, "source": None if source is None else {"document": source.document, "url": source.url}}
            document[device.id] = {"name": device.name, "origin": device.origin, "figures": figures, "note": device.note}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines = []
    for device in devices.values():
        lines.append(f"{device.id}: {device.name}" + ("" if device.origin == "built-in" else f"  (from {device.origin})"))
        peaks = ", ".join(f"{precision} {rate(value, 'OP/s' if precision.startswith('int') else 'FLOP/s')}" for precision, value in device.matmul.items())
        lines.append(f"  matmul (dense): {peaks}")
        lines.append(f"  vector: {rate(device.vector, 'FLOP/s') if device.vector is not None else 'not published'}")
        memory = rate(device.memory_bandwidth, "B/s") + (f", {rate(device.memory_capacity, 'B')}" if device.memory_capacity is not None else "")
        lines.append(f"  memory: {memory}")
        sources = {device.source_of(figure) for figure in device.figures()} - {None}
        for source in sorted(sources, key=lambda s: (s.document, s.url)):  # type: ignore[union-attr]
            assert source is not None
            lines.append(f"  source: {source.document}, {source.url}")
        if device.note:
            lines.append(f"  note: {device.note}")
        lines.append("")
    return "\n".join(lines)

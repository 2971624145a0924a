"""Scenario: the parameter values of one `kc eval` run, gathered from a config, `--set`, the phase and the precision.

Order of precedence, later winning: the Hugging Face config (`--hf-config`,
through the built-in family's mapping), then `--set` and `--sweep`; the
defaults transformers applies for keys a config lacks are computed after
`--set` (a swept parameter leaves them to the module's own defaults). Then
the phase fills in shapes: a prefill has `cache_len = 0` unless given, a
decode step has `seq_len = 1` and takes the context length from
`cache_len`; `batch_size` is 1 unless given. `a_bytes` and `w_bytes`
default to the width of `--precision` (bf16, 2 bytes, without one).
Every parameter the module needs that is still without a value is reported
at once (`EvalError`), with the config keys that would give it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from compiler.errors import EvalError
from compiler.eval.hardware import DEFAULT_PRECISION, PRECISIONS
from compiler.settings import parse_pairs

Number = int | Fraction
PHASES = ("prefill", "decode")


@dataclass(frozen=True)
class Scenario:
    """The values of a run: fixed ones, and the names a sweep varies."""

    values: dict[str, Number]
    """Every fixed value passed to the cost functions, in the module's parameter order."""
    swept: tuple[str, ...] = ()
    defaulted: tuple[str, ...] = ()
    """Parameters whose value came from a default of this module (phase, batch size, precision)."""
    from_config: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


LARGEST = 10**18
"""The largest value `--set` and `--sweep` take: far beyond any real size, small enough that
products of many such values stay finite in the float64 arithmetic of sweeps and times."""


def parse_number(text: str, what: str) -> Number:
    """A non-negative number up to LARGEST: an int, a decimal or a fraction (`0.5`, `1e3`, `1/2`), exact."""
    try:
        value = Fraction(text.strip().replace("_", ""))
    except (ValueError, ZeroDivisionError):
        raise EvalError(f"{what}: expected a number, got {text!r}") from None
    if value < 0:
        raise EvalError(f"{what}: must not be negative, got {text!r}")
    if value > LARGEST:
        raise EvalError(f"{what}: {text.strip()} is too large; values up to 1e18 are taken")
    return value.numerator if value.denominator == 1 else value


def parse_settings(pairs: Sequence[str]) -> dict[str, Number]:
    """`NAME=VALUE` pairs (`--set`) as a dict; EvalError for a malformed pair or a name given twice.

    `--set config.hidden_size=64` sets the generated code's `config__hidden_size`.
    """
    try:
        given = parse_pairs(pairs, lambda name, text: parse_number(text, name), identifiers=False, once=False)
    except ValueError as error:
        raise EvalError(str(error)) from None
    settings: dict[str, Number] = {}
    for pair in pairs:
        name = pair.partition("=")[0].strip()
        spelled = python_name(name)
        if not spelled.isidentifier():
            raise EvalError(f"expected NAME=VALUE, got {pair!r}")
        if spelled in settings:
            raise EvalError(f"{spelled} is set twice")
        settings[spelled] = given[name]
    return settings


def gather(
    parameters: Mapping[str, Mapping[str, Any]],
    module: str,
    *,
    settings: Mapping[str, Number] = {},
    swept: Sequence[str] = (),
    hf_config: str | os.PathLike[str] | None = None,
    phase: str = "prefill",
    precision: str | None = None,
) -> Scenario:
    """The values for the cost functions of `module`, whose `PARAMETERS` are `parameters`.

    `swept` names the parameters a sweep (or generation) will supply, none
    of them in `settings` (`estimate.parse` checks that with the options).
    EvalError for unknown names, contradictions and missing values.
    """
    if phase not in PHASES:
        raise EvalError(f"unknown phase {phase!r}; expected prefill or decode")
    names = list(parameters)
    short = module.rsplit(".", 1)[-1]
    for name in (*settings, *swept):
        if name not in parameters:
            written = [written_name(n) for n in names]
            close = difflib.get_close_matches(written_name(name), written, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise EvalError(f"{short} has no parameter {written_name(name)!r}{hint}; its parameters: {', '.join(written)}")

    values: dict[str, Number] = {}
    from_config: list[str] = []
    notes: list[str] = []
    family = None
    if hf_config is not None:
        from compiler.hf import config_values, family_of, load_config

        try:
            config = load_config(hf_config)
        except ValueError as error:
            raise EvalError(str(error)) from None
        direct = _config_names(parameters, config, settings, swept)
        values.update(direct)
        from_config.extend(direct)
        try:
            family = family_of(config)
            mapped = config_values(config, family, given=settings, varying=swept)
        except ValueError as error:
            # `config.NAME` parameters need no family mapping: without one, only they come from the config
            if not any(n.startswith(CONFIG_PREFIX) for n in parameters):
                raise EvalError(str(error)) from None
            family, mapped = None, {}
        for name, value in mapped.items():
            if name in parameters:
                values[name] = value
                from_config.append(name)
        other = next((f for f in families_of_module(module) if f is not family), None) if family is not None else None
        if other is not None and family is not None:
            notes.append(f"--hf-config is a {family.model_type} config, and {short} is a {other.model_type} module: the config's values are taken by parameter name")
    values.update(settings)
    given = set(values) | set(swept)
    defaulted: list[str] = []

    def default(name: str, value: Number) -> None:
        if name in parameters and name not in given:
            values[name] = value
            defaulted.append(name)

    if phase == "decode":
        if "seq_len" not in parameters:
            raise EvalError(f"--phase decode sets seq_len, but {short} has no seq_len parameter")
        if "seq_len" in swept or values.get("seq_len", 1) != 1:
            raise EvalError(
                "--phase decode processes one token per sequence (seq_len=1): give the context length as cache_len, "
                "for example --set cache_len=4096"
            )
        if "seq_len" not in values:
            values["seq_len"] = 1
            defaulted.append("seq_len")
        if "cache_len" in parameters and "cache_len" not in given:
            raise EvalError("--phase decode needs the context length, the tokens already in the KV cache: --set cache_len=N")
    else:
        default("cache_len", 0)
    default("batch_size", 1)
    width = PRECISIONS[precision or DEFAULT_PRECISION]
    default("a_bytes", width.numerator if width.denominator == 1 else width)
    default("w_bytes", width.numerator if width.denominator == 1 else width)
    default("bytes_", width.numerator if width.denominator == 1 else width)  # the cost dialect's `bytes`, one width for every tensor

    missing = [
        name
        for name, parameter in parameters.items()
        if name not in values and name not in swept and parameter.get("default") is None
    ]
    if missing:
        raise EvalError(_missing_message(short, module, missing, family, hf_config is not None))
    ordered = {name: values[name] for name in names if name in values}
    return Scenario(ordered, tuple(swept), tuple(defaulted), tuple(from_config), notes)


SHAPES = ("batch_size", "seq_len", "cache_len")
CONFIG_PREFIX = "config__"
"""How the generated code spells `config.` (compiler.python_name)."""


def python_name(name: str) -> str:
    """A name as the generated code's keyword argument: `config.hidden_size` → `config__hidden_size`, `bytes` → `bytes_`."""
    from compiler import python_name as spelled

    return spelled(name)


def written_name(spelled: str) -> str:
    """A keyword argument of the generated code as formulas write it: `config__hidden_size` → `config.hidden_size`, `bytes_` → `bytes`."""
    from compiler import written_name as written

    return written(spelled)


def _config_names(
    parameters: Mapping[str, Mapping[str, Any]], config: Mapping[str, Any], settings: Mapping[str, Number], swept: Sequence[str]
) -> dict[str, Number]:
    """The values of the `config.NAME` parameters: key NAME of the config, directly (`config.text_config.x` follows the nesting)."""
    found: dict[str, Number] = {}
    for name in parameters:
        if not name.startswith(CONFIG_PREFIX) or name in settings or name in swept:
            continue
        value: Any = config
        for key in name[len(CONFIG_PREFIX) :].split("__"):
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, bool):
            found[name] = int(value)
        elif isinstance(value, int):
            found[name] = value
        elif isinstance(value, float) and value.is_integer():
            found[name] = int(value)
        elif isinstance(value, float):
            found[name] = Fraction(value)
    return found


def families_of_module(module: str) -> list[Any]:
    """The built-in families whose modules live in the package of `module` (none for a user's own module)."""
    from compiler.hf import families

    return [f for f in families().values() if module.startswith(f.root.rsplit(".", 1)[0] + ".")]


def _missing_message(short: str, module: str, missing: list[str], family: Any, config_given: bool) -> str:
    if family is None:
        family = next(iter(families_of_module(module)), None)
    lines = [f"{short} needs a value for {', '.join(missing)}"]
    for name in missing:
        keys = family.keys(name) if family is not None else ()
        if keys:
            lines.append(f"  {name}: --set {name}=N, or config.json key {' or '.join(repr(k) for k in keys)}")
        elif name in SHAPES:
            lines.append(f"  {name}: a shape, not part of a model config: --set {name}=N or --sweep {name}=...")
        elif name.startswith(CONFIG_PREFIX):
            key = name[len(CONFIG_PREFIX) :].replace("__", ".")
            lines.append(f"  {name}: config.json key {key!r} (--hf-config), or --set config.{key}=N")
        else:
            lines.append(f"  {name}: --set {name}=N")
    if family is not None and not config_given and any(family.keys(name) for name in missing):
        lines.append(f"  (or read the model's values from its Hugging Face config: --hf-config config.json, a {family.model_type} config)")
    return "\n".join(lines)


def resolve_defaults(parameters: Mapping[str, Mapping[str, Any]], values: Mapping[str, Number]) -> dict[str, Any]:
    """`values` with every parameter default computed, in parameter order, for display."""
    from compiler import evaluate

    result: dict[str, Any] = {}
    for name, parameter in parameters.items():
        if name in values:
            result[name] = values[name]
        elif parameter.get("default") is not None:
            try:
                value = evaluate(parameter["default"], result)
            except ValueError:
                continue
            result[name] = value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value
    return result

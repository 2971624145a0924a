"""Hugging Face configs: which `config.json` keys give which kc parameters of a built-in family.

Each family is one data file, `compiler/hf/<model_type>.json`: the kc module
of each architecture, and for each kc parameter the config keys that give it
(the first one present wins) and the default transformers applies when none
is present (`default`), or when the key is present but null where that
differs (`default_if_null`), written as kc formulas over the parameters
before it. `requires` lists config values the family's analyses assume,
with the value transformers uses when the key is absent.

Layers that differ within one model (sliding-window and full attention,
dense and mixture-of-experts feed-forward) become counts, so one formula
holds for every config: a parameter with `count` is the number of decoder
layers of one kind, read from the config's `layer_types` list where it has
one (`layer_types` and `equals`; every entry must be one of `of`), else
the layers `0 <= layer < num_layers` for which the kc condition `layers`
holds, less those listed in the config key `except`. A `helper` parameter
(such as `decoder_sparse_step`) is read for the formulas after it and not
returned.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from compiler.language import ir
from compiler.language import parse as frontend
from compiler.language.evaluate import evaluate


@dataclass(frozen=True)
class Family:
    """A built-in model family and how its configs map to kc parameters."""

    model_type: str
    modules: dict[str, str]
    """Architecture name (as in `architectures`) → the kc module of that class."""
    root: str
    """The kc module of the family's causal language model."""
    parameters: tuple[dict[str, Any], ...]
    requires: tuple[dict[str, Any], ...]

    def module_for(self, architecture: str | None) -> str:
        return self.modules.get(architecture or "", self.root)

    def keys(self, name: str) -> tuple[str, ...]:
        """The config keys that give kc parameter `name`, first preferred."""
        for parameter in self.parameters:
            if parameter["name"] == name:
                return tuple(parameter["keys"])
        return ()


@functools.cache
def families() -> dict[str, Family]:
    """Every built-in family by `model_type`."""
    found = {}
    directory = resources.files("compiler") / "hf"
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        found[data["model_type"]] = Family(
            data["model_type"],
            dict(data["modules"]),
            data["root"],
            tuple(data["parameters"]),
            tuple(data.get("requires", ())),
        )
    return found


def load_config(path_or_dict: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """A config as a dict: given as one, or read from a `config.json` file or a directory holding one."""
    if isinstance(path_or_dict, Mapping):
        return dict(path_or_dict)
    if not isinstance(path_or_dict, (str, os.PathLike)):
        raise TypeError(f"expected a path or a dict, got {type(path_or_dict).__name__}")
    path = Path(path_or_dict)
    if path.is_dir():
        path = path / "config.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def family_of(config: Mapping[str, Any]) -> Family:
    """The built-in family of `config`, by `model_type`, else by `architectures`; ValueError if none."""
    known = families()
    model_type = config.get("model_type")
    if isinstance(model_type, str) and model_type in known:
        return known[model_type]
    architectures = config.get("architectures") or []
    for family in known.values():
        if any(a in family.modules for a in architectures if isinstance(a, str)):
            return family
    what = f"model_type {model_type!r}" if model_type else "no model_type"
    if architectures:
        what += f" and architectures {architectures!r}"
    raise ValueError(
        f"no built-in family for a config with {what}; known model types: {', '.join(sorted(known))}. "
        "To go on, write analyses of its modules (one JSON file per class, as in docs/library.md) in a directory, "
        "pass it with --lib, and give every parameter with --set instead of --hf-config"
    )


def params_from_hf_config(path_or_dict: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, int]:
    """The kc parameters of a Hugging Face config (a dict, a `config.json`, or its directory).

    Shape parameters (`batch_size`, `seq_len`, `cache_len`) are not part of a
    config and are not returned. Raises ValueError for an unknown family, a
    missing key without a default, a value that is not an integer, or a
    config value the family's analyses do not model.
    """
    config = load_config(path_or_dict)
    return config_values(config, family_of(config), complete=True)


def config_values(
    config: Mapping[str, Any],
    family: Family,
    *,
    given: Mapping[str, int | Fraction] = {},
    varying: Collection[str] = (),
    complete: bool = False,
) -> dict[str, int]:
    """The parameters `config` gives, other than those in `given` or `varying`.

    A default transformers applies is computed from the values in effect,
    `given` ones included (`--set hidden_size=2048` without a `head_dim` key
    gives `head_dim = 2048 // num_heads`, as transformers would); a default
    over a `varying` parameter, or over one without a value, is left out.
    With `complete`, a parameter left without a value is a ValueError.
    """
    for requirement in family.requires:
        value = config.get(requirement["key"])
        value = requirement["default"] if value is None else value
        if value not in requirement["values"]:
            allowed = " or ".join(map(repr, requirement["values"]))
            raise ValueError(
                f"{family.model_type} config has {requirement['key']}={value!r}, expected {allowed}: {requirement['why']}"
            )
    values: dict[str, int] = {}
    known: dict[str, int | Fraction] = dict(given)
    for parameter in family.parameters:
        name = parameter["name"]
        if name in given or name in varying:
            continue
        if "count" in parameter:
            counted = _count_layers(config, family, parameter, known, varying)
            if counted is not None:
                known[name] = counted
                if not parameter.get("helper"):
                    values[name] = counted
            elif complete:
                raise ValueError(f"{family.model_type} config: cannot count {name} without num_layers")
            continue
        key = next((k for k in parameter["keys"] if config.get(k) is not None), None)
        present = any(k in config for k in parameter["keys"])
        default = parameter.get("default_if_null") if present else None
        default = default if default is not None else parameter.get("default")
        if key is not None:
            known[name] = _integer(config[key], key, family)
            if not parameter.get("helper"):
                values[name] = int(known[name])
            continue
        formula = frontend.parse(default) if default is not None else None
        needs = {n.id for n in ir.names(formula)} if formula is not None else set()
        if formula is not None and needs <= known.keys() and not needs & set(varying):
            try:
                value = evaluate(formula, known)
            except ValueError as error:
                raise ValueError(f"{family.model_type} config: the default of {name} ({default}): {error}") from None
            if not (isinstance(value, Fraction) and value.denominator == 1):
                raise ValueError(f"{family.model_type} config: the default of {name} ({default}) is not an integer: {value}")
            known[name] = int(value)
            if not parameter.get("helper"):
                values[name] = int(value)
            continue
        if complete:
            keys = " or ".join(repr(k) for k in parameter["keys"])
            raise ValueError(f"{family.model_type} config has no {keys} (needed for {name})")
    return values


def _count_layers(
    config: Mapping[str, Any],
    family: Family,
    parameter: Mapping[str, Any],
    known: Mapping[str, int | Fraction],
    varying: Collection[str],
) -> int | None:
    """The decoder layers of one kind (see the module docstring); None without the values needed."""
    count = parameter["count"]
    if "num_layers" not in known or "num_layers" in varying:
        return None
    layers = int(known["num_layers"])
    types = config.get(count["layer_types"]) if "layer_types" in count else None
    if types is not None:
        key = count["layer_types"]
        if not isinstance(types, list) or len(types) != layers:
            raise ValueError(f"{family.model_type} config: {key} is not a list of {layers} layer types (num_layers)")
        unknown = sorted({str(t) for t in types} - set(count["of"]))
        if unknown:
            allowed = ", ".join(map(repr, count["of"]))
            raise ValueError(
                f"{family.model_type} config: {key} holds {', '.join(map(repr, unknown))}; the built-in analyses model {allowed}"
            )
        return sum(1 for t in types if t == count["equals"])
    condition = frontend.parse(count["layers"])
    needs = {n.id for n in ir.names(condition)} - {"layer"}
    if not needs <= known.keys() or needs & set(varying):
        return None
    excluded = config.get(count["except"]) if "except" in count else None
    excluded = [] if excluded is None else excluded
    if not isinstance(excluded, list) or not all(isinstance(i, int) for i in excluded):
        raise ValueError(f"{family.model_type} config: {count['except']} is not a list of layer indices")
    try:
        return sum(
            1
            for layer in range(layers)
            if layer not in excluded and evaluate(condition, {**known, "layer": Fraction(layer)})
        )
    except ValueError as error:
        raise ValueError(f"{family.model_type} config: counting {parameter['name']} ({count['layers']}): {error}") from None


def _integer(value: Any, key: str, family: Family) -> int:
    """A config value as a non-negative integer (a flag such as attention_bias as 0 or 1)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return int(value)
    raise ValueError(f"{family.model_type} config: {key} is {value!r}, expected a non-negative integer")

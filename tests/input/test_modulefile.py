"""The module reader and the published input schema give the same verdict on every document.

The reader checks module files in code, for speed; `kc schema input` publishes
the same rules as a JSON Schema. Hypothesis builds documents near the valid
ones (wrong types, missing and extra keys, both kinds of kernel at once) and
both must agree on whether each is valid.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.input.modulefile import read_module

SCHEMA = json.loads((resources.files("compiler") / "schemas" / "input.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Python's `re.search` lets `$` match before a final newline, unlike the ECMA
# regexes JSON Schema specifies; names ending in a newline are left out.
_bad_names = st.sampled_from(["1x", "a b", "", "x.", "a..b"])
_names = st.sampled_from(["n", "batch_size", "ok_2"])
_dotted = st.sampled_from(["a.b.C", "Linear"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.just(1.5), st.just("text"), st.just([]), st.just({}))
_formulas = st.one_of(st.sampled_from(["1", "n * 2", "0", "${a.B}(n)"]), st.integers(0, 3), st.just(2.5))
_ABSENT = object()


def _field(key: str, valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly absent or valid, sometimes wrong: documents stay close to valid ones."""
    choice = st.integers(0, 29).flatmap(lambda i: st.just(_ABSENT) if i < 6 else invalid if i == 6 else valid)
    return choice.map(lambda v: {} if v is _ABSENT else {key: v})


def _object(*fields: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(*fields).map(lambda parts: {k: v for part in parts for k, v in part.items()})


def _kernel(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    memory = _object(_field("read", _formulas, _scalars), _field("write", _formulas, _scalars))
    kernel = _object(
        _field("operation", st.just("op"), _scalars),
        _field("analysis", st.just("why"), _scalars),
        _field("kernel_type", st.just("basic"), _scalars),
        _field("flops", _formulas, _scalars),
        _field("memory_access", memory, _scalars),
        _field("repeat", _formulas, _scalars),
        _field("module", _dotted, st.one_of(_bad_names, _scalars)),
        _field("sub_kernels", st.lists(children, min_size=1, max_size=2), _scalars),
        _field("compute", st.just("matmul"), _scalars),
    )
    return st.integers(0, 29).flatmap(lambda i: _scalars if i == 0 else kernel)


_leaf = st.just({"operation": "k", "flops": "1", "memory_access": {"read": "0", "write": "0"}})
_kernels = st.recursive(_leaf, _kernel, max_leaves=6)
_parameter = st.one_of(
    _names,
    _bad_names,
    _object(_field("name", _names, st.one_of(_bad_names, _scalars)), _field("default", _formulas, _scalars), _field("description", st.just("d"), _scalars)),
    _scalars,
)
_documents = st.one_of(
    _object(
        _field("class_name", _dotted, st.one_of(_bad_names, _scalars)),
        _field("parameters", st.lists(_parameter, max_size=3), _scalars),
        _field("kernels", st.lists(_kernels, min_size=1, max_size=3), _scalars),
        _field("extra", _scalars, _scalars),
    ),
    _scalars,
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(_documents)
def test_reader_and_schema_agree(document: Any) -> None:
    loaded = read_module("m.M", "m.M.json", json.dumps(document), {})
    reader_valid = not any(d.code == "KC003" for d in loaded.diagnostics)
    assert reader_valid == VALIDATOR.is_valid(document), (document, [d.message for d in loaded.diagnostics])


@pytest.mark.parametrize(
    ("document", "messages"),
    [
        ({}, ["'kernels' is required"]),
        ({"kernels": "none"}, ['expected a list, found a string "none"']),
        ({"kernels": [{"flops": ["2"], "memory_access": {"read": "0"}}]},
         ["'operation' is required", "expected a string or a number, found a list [\"2\"]", "'write' is required"]),
        ({"kernels": [{"operation": "k", "sub_kernels": [], "flops": "1"}]},
         ["'flops' is not allowed here: a kernel has either sub_kernels (and maybe repeat) or flops and memory_access"]),
        ({"parameters": ["ok", 3, {"name": "bad name"}], "kernels": []},
         ["a parameter is a name or an object with a 'name', found a number 3", 'a string "bad name" is not a valid name']),
        ({"class_name": "../x", "kernels": []}, ['a string "../x" is not a valid name']),
    ],
)
def test_messages_name_the_problem(document: Any, messages: list[str]) -> None:
    loaded = read_module("m.M", "m.M.json", json.dumps(document), {})
    assert loaded.module is None
    assert [d.message for d in loaded.diagnostics] == messages

"""The JSON backend's writer: the text `json.dumps(value, indent=2, ensure_ascii=False)` gives, for every value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from compiler.backends.json import dumps

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=30)


@given(_VALUES)
def test_dumps_writes_what_the_standard_library_writes(value: Any) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_escapes_and_empty_containers() -> None:
    value = {"quote \" and \\ and \n\t\x01": ["\u2028 é ∑ 🙂", {}, [], [[]], {"": None}], "n": [1, -2.5, 1e300, True, False]}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)

"""Records: small immutable values compared by their fields, for what kc makes by the hundred thousand.

A frozen dataclass costs 0.3 to 0.6 ms to create as a class (its methods
are generated and compiled when its module is imported: about 12 ms of a
cold `kc compile`'s imports for the compiler's forty, by `-X importtime`)
and 0.5 µs an instance; a record
class costs microseconds and a record about 0.15 µs. A record class lists its
`__slots__`, writes its `__init__` with every attribute `Final` (mypy refuses
any later assignment), and names in `_fields` what makes two records equal:
those fields are compared, hashed and shown, the others (a node's place in
its text, a cache) are not. `replace` makes a changed copy, as
`dataclasses.replace` does.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, Self


class Record:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    """The fields compared, hashed and shown, in order."""
    _key: ClassVar[attrgetter[Any]]
    _arguments: ClassVar[tuple[str, ...]]
    """The parameters of `__init__`, in order: what `replace` passes."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._fields:  # a base class without fields is never made
            cls._key = attrgetter(*cls._fields)
        code = getattr(cls.__init__, "__code__", None)  # None: a base class without an `__init__` of its own
        cls._arguments = () if code is None else code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self is other or self._key(self) == self._key(other)

    def __hash__(self) -> int:
        return hash(self._key(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._fields)})"

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes` made, as `dataclasses.replace` makes one."""
        values = {name: getattr(self, name) for name in self._arguments}
        values.update(changes)
        return type(self)(**values)

"""Hypothesis strategies for what a backend might send: JSON-like data of any shape.

Besides arbitrary JSON values, :func:`shaped` builds objects from the keys a parser actually
reads (collected from its module's source), so the examples get past the first lookup and
reach the deep corners of the parser: nested objects, odd types, huge and non-finite numbers,
edge-case timestamps and durations.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

ODD_TEXT = (
    "",
    "0",
    "-1",
    "1e400",
    "NaN",
    "Infinity",
    "null",
    "true",
    "2025-06-28T03:59:04.512345678Z",
    "2025-06-28T03:59:04+02:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "1970-01-01T00:00:00Z",
    "00:12:34",
    "1.02:03:04.5",
    "-10675199.02:48:05.4775808",
    "not a date",
    "downloading",
    "running",
    "healthy",
    "ok",
    "failed",
    "\x00",
    "🎵",
)
_KEY = re.compile(r"""(?:\[\s*|\.get\(\s*|\(\s*\w+,\s*)["']([A-Za-z_][\w.-]*)["']""")

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**31), max_value=2**31),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=12),
)
"""Leaves: everything ``json.loads`` can produce (it accepts NaN and Infinity too)."""


@cache
def keys_read_by(*modules: ModuleType) -> tuple[str, ...]:
    """The string keys the modules' source looks up (``x["key"]``, ``.get("key")``, ...)."""
    found: set[str] = set()
    for module in modules:
        assert module.__file__ is not None
        found.update(_KEY.findall(Path(module.__file__).read_text(encoding="utf-8")))
    return tuple(sorted(found))


@cache
def json_values(keys: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """Any JSON-like value; objects use ``keys`` (any subset) and sometimes random keys."""
    names = st.sampled_from(keys) | st.text(max_size=6) if keys else st.text(max_size=6)

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        objects = st.dictionaries(names, children, max_size=6)
        if keys:
            objects |= st.fixed_dictionaries({}, optional=dict.fromkeys(keys, children))
        return st.lists(children, max_size=4) | objects

    return st.recursive(scalars, extend, max_leaves=24)


@cache
def shaped(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """An object with any subset of ``keys``, values of any shape (or a list of such)."""
    value = json_values(keys)
    obj = st.fixed_dictionaries({}, optional=dict.fromkeys(keys, value))
    return obj | st.lists(obj, max_size=3) | value


def bodies(keys: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """Response bodies: JSON of any shape, JSON cut short, or bytes that are no JSON at all."""
    encoded = shaped(keys).map(lambda v: json.dumps(v, allow_nan=True).encode())
    truncated = st.tuples(encoded, st.floats(0, 1)).map(lambda t: t[0][: int(len(t[0]) * t[1])])
    return encoded | truncated | st.binary(max_size=64)

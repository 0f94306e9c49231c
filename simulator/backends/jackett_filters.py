"""Jackett's filter meta-indexers (``status:failing``, ``type:private``, ...) over the world.

As in Jackett v0.24.2440 (``src/Jackett.Common/Utils/FilterFunc*.cs``): a results URL may
name, instead of an indexer, a filter over the configured indexers. Components are
``status:healthy|failing|unknown`` (StatusFilterFunc.cs), ``test:passed|failed``
(TestFilterFunc.cs: the last Test button result), ``type:<type>``, ``tag:<tag>`` and
``lang:<prefix>``; ``,`` is OR, ``+`` is AND and a leading ``!`` is NOT
(FilterFuncExpression.cs). An expression Jackett cannot parse is an unknown indexer.

Live status (BaseIndexer.cs ``IsHealthy``/``IsFailing``): here the world's ``failing`` flag
is what Jackett learnt from its last query (failing, else healthy); the ``unknown`` state
of an indexer not queried since Jackett started is not played.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..model import Indexer

type Predicate = Callable[[Indexer], bool]


def _component(name: str, argument: str, test_errors: Mapping[str, str]) -> Predicate | None:
    argument = argument.lower()
    if name == "status":
        if argument == "failing":
            return lambda i: i.failing
        if argument == "healthy":
            return lambda i: not i.failing
        if argument == "unknown":
            return lambda _: False
        return None
    if name == "test":
        if argument == "failed":
            return lambda i: i.slug in test_errors
        if argument == "passed":
            return lambda i: i.slug not in test_errors
        return None
    if name == "type":
        return lambda i: i.privacy == argument
    if name == "tag":
        return lambda _: False  # the simulated indexers have no tags
    if name == "lang":
        return lambda _: "en-us".startswith(argument)
    return None


def parse_filter(source: str, test_errors: Mapping[str, str]) -> Predicate | None:
    """The predicate of a filter expression (configured indexers only), or None if invalid."""
    if not source.strip():
        return None
    if "," in source:
        parts = [parse_filter(p, test_errors) for p in source.split(",")]
        if any(p is None for p in parts):
            return None
        return lambda i: any(p(i) for p in parts if p is not None)
    if "+" in source:
        parts = [parse_filter(p, test_errors) for p in source.split("+")]
        if any(p is None for p in parts):
            return None
        return lambda i: all(p(i) for p in parts if p is not None)
    if source.startswith("!"):
        inner = parse_filter(source[1:], test_errors)
        return None if inner is None else lambda i: not inner(i)
    name, sep, argument = source.partition(":")
    if not sep or not argument.strip():
        return None
    return _component(name.lower(), argument, test_errors)

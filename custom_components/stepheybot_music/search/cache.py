"""The stack's in-memory search cache: what each result id of a recent search stands for.

Indexer releases keep their magnet and link here (never in a hit), so ``request_download``
can hand them to the download client; other hits keep their names and MusicBrainz ids.
Entries live :data:`RESULT_TTL` seconds; the cache holds at most ``max_entries`` (the
oldest go first) and is lost on restart.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from .models import ResolvedResult

RESULT_TTL = 3600.0
"""Seconds a search result stays resolvable."""
MAX_ENTRIES = 2000
"""Results kept at most (about 1 KB each)."""


def _wall_clock() -> float:
    """Seconds since the epoch, looked up at each call (frozen time in tests moves it)."""
    return time.time()


class SearchCache:
    """Resolved results by id, bounded in size and age."""

    def __init__(
        self,
        *,
        ttl: float = RESULT_TTL,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Keep up to ``max_entries`` results for ``ttl`` seconds of ``clock`` (wall clock)."""
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock or _wall_clock
        self._entries: OrderedDict[str, tuple[float, ResolvedResult]] = OrderedDict()

    def __len__(self) -> int:
        """Entries held (expired ones included until the next ``put``)."""
        return len(self._entries)

    def __repr__(self) -> str:
        return f"SearchCache({len(self._entries)} results)"

    def put(self, results: Iterable[ResolvedResult]) -> None:
        """Remember ``results`` (a result seen again starts a new hour)."""
        now = self._clock()
        for result in results:
            self._entries.pop(result.id, None)
            self._entries[result.id] = (now + self.ttl, result)
        self._prune(now)

    def get(self, result_id: str) -> ResolvedResult | None:
        """The result of ``result_id`` if a search found it less than ``ttl`` ago."""
        entry = self._entries.get(result_id)
        if entry is None:
            return None
        expires, result = entry
        if expires <= self._clock():
            del self._entries[result_id]
            return None
        return result

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()

    def _prune(self, now: float) -> None:
        while self._entries:
            oldest_id, (expires, _) = next(iter(self._entries.items()))
            if expires > now and len(self._entries) <= self.max_entries:
                break
            del self._entries[oldest_id]

"""A download client's torrent counts, kept up to date from what each poll changed.

Both clients' incremental polls say what changed: the torrent mapping is the very same object
when nothing did, and ``changed``/``removed`` name the torrents otherwise. So a poll with
nothing changed reuses the last :class:`Tally` as it is, a partial update summarizes only the
named torrents again (their old contribution subtracted, the new one added), and only a full
update (first poll, new session, periodic full listing) summarizes every torrent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass

from .download_client import TorrentBucket, TorrentSummary, summarize


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    """What the entities read about the torrents (see :func:`summarize`)."""

    counts: dict[TorrentBucket, int]
    """By bucket, every bucket present (do not mutate: shared by the polls that reuse it)."""
    total: int
    music_ids: tuple[str, ...]
    """Sorted."""
    music_active: int
    music_running: int


class TorrentTally[K: Hashable, T]:
    """Counts of one client's torrents, updated in O(changed + removed) per poll.

    Feed it every torrent mapping its client returns, in order (the deltas are relative to the
    previous poll). ``summary`` turns one torrent into its :class:`TorrentSummary`.
    """

    def __init__(self, summary: Callable[[K, T], TorrentSummary]) -> None:
        """Start empty; the first :meth:`update` summarizes every torrent."""
        self._summary = summary
        self._summaries: dict[K, TorrentSummary] = {}
        self._counts: Counter[TorrentBucket] = Counter()
        self._music: set[str] = set()
        self._music_moved = True
        self._active = 0
        self._running = 0
        self._seen: Mapping[K, T] | None = None
        self._tally: Tally | None = None
        self.recounts = 0
        """How many times every torrent was summarized (full updates, safety net)."""

    def update(
        self,
        torrents: Mapping[K, T],
        *,
        changed: Collection[K],
        removed: Collection[K],
        full: bool,
    ) -> Tally:
        """The tally of ``torrents``; ``changed``/``removed`` say what differs from the last."""
        if torrents is self._seen and self._tally is not None:
            return self._tally
        try:
            if full or self._tally is None:
                self._recount(torrents)
            else:
                for key in removed:
                    self._replace(key, None)
                for key in changed:
                    torrent = torrents.get(key)
                    self._replace(key, None if torrent is None else self._summary(key, torrent))
                if len(self._summaries) != len(torrents):
                    # a delta we did not see (never expected): start over rather than drift
                    self._recount(torrents)
            music_ids = (
                tuple(sorted(self._music))
                if self._music_moved or self._tally is None
                else self._tally.music_ids
            )
            self._tally = Tally(
                counts={bucket: self._counts.get(bucket, 0) for bucket in TorrentBucket},
                total=len(self._summaries),
                music_ids=music_ids,
                music_active=self._active,
                music_running=self._running,
            )
        except BaseException:
            self._seen = self._tally = None  # half-applied: the next update counts from scratch
            raise
        self._music_moved = False
        self._seen = torrents
        return self._tally

    def _recount(self, torrents: Mapping[K, T]) -> None:
        self.recounts += 1
        summaries = {key: self._summary(key, torrent) for key, torrent in torrents.items()}
        counts, _total, music, active, running = summarize(summaries.values())
        self._summaries = summaries
        self._counts = Counter({bucket: n for bucket, n in counts.items() if n})
        self._music = set(music)
        self._music_moved = True
        self._active = active
        self._running = running

    def _replace(self, key: K, new: TorrentSummary | None) -> None:
        """Replace one torrent's contribution (``new`` None: the torrent is gone)."""
        old = self._summaries.pop(key, None)
        if old is not None:
            self._count(old, -1)
            if old.music:
                self._music.discard(old.id)
        if new is not None:
            self._summaries[key] = new
            self._count(new, 1)
            if new.music:
                self._music.add(new.id)
        if _music_id(old) != _music_id(new):
            self._music_moved = True

    def _count(self, summary: TorrentSummary, sign: int) -> None:
        if summary.bucket is not None:
            self._counts[summary.bucket] += sign
        if summary.music and summary.bucket is not TorrentBucket.PAUSED:
            self._running += sign
            if not summary.complete and summary.bucket is not TorrentBucket.ERRORED:
                self._active += sign


def _music_id(summary: TorrentSummary | None) -> str | None:
    return summary.id if summary is not None and summary.music else None

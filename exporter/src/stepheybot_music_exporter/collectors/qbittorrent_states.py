"""qBittorrent torrents of one category by exported state, kept up to date from sync changes.

The scrape's cost grows with what changed, not with the number of torrents. The client's
:class:`~stepheybot_music_clients.qbittorrent.MainData` says what changed: ``changed`` and
``removed`` name the hashes (both empty when nothing did). So a scrape with nothing changed
reuses the counts as they are, a partial update re-examines only the named hashes (their old
contribution subtracted, the new one added), and only a full update (first poll, new WebUI
session, stale ``rid``) counts every torrent again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Set

from stepheybot_music_clients.qbittorrent import MainData, Torrent

from .downloads import in_category, normalize_state


def torrent_state(torrent: Torrent, category: str) -> str | None:
    """The exported state a torrent counts under, or None when it is not in ``category``."""
    if not in_category(category, (torrent.category,)):
        return None
    return normalize_state(str(torrent.state))


class CategoryStates:
    """Counts by exported state of the torrents in one category (``*``: every torrent).

    Feed it every :class:`MainData` the client returns, in order (the deltas are relative to
    the previous poll). It remembers each torrent's contribution (its state, or None when out
    of the category), so a changed torrent moves from its old state to its new one.
    """

    def __init__(self, category: str) -> None:
        """Start with nothing counted; the first :meth:`update` counts everything."""
        self.category = category
        self.counts: Counter[str] = Counter()
        """Torrents of the category by exported state (a state never seen is absent)."""
        self.recounts = 0
        """How many times every torrent was counted again (full updates, safety net)."""
        self._state_of: dict[str, str | None] = {}
        self._counted = False
        """Whether ``_state_of`` matches the last update. The torrents themselves are not kept:
        holding the previous poll's 10,000 torrents through a full re-sync would add them to
        the memory peak of building the new ones."""

    def update(self, data: MainData) -> Mapping[str, int]:
        """Bring the counts up to ``data`` and return them; O(changed + removed)."""
        torrents = data.torrents
        try:
            if data.full_update or not self._counted:
                self._recount(torrents)
            else:
                self._apply(torrents, data.changed, data.removed)
                if len(self._state_of) != len(torrents):
                    # a delta we did not see (never expected): start over rather than drift
                    self._recount(torrents)
        except BaseException:
            self._counted = False  # half-applied: the next update counts from scratch
            raise
        self._counted = True
        return self.counts

    def members(self) -> Iterator[str]:
        """Hashes of the torrents in the category (O(all torrents): for per-torrent series)."""
        return (h for h, state in self._state_of.items() if state is not None)

    def _recount(self, torrents: Mapping[str, Torrent]) -> None:
        self.recounts += 1
        category = self.category
        state_of = {h: torrent_state(t, category) for h, t in torrents.items()}
        self._state_of = state_of
        self.counts = Counter(state for state in state_of.values() if state is not None)

    def _apply(self, torrents: Mapping[str, Torrent], changed: Set[str], removed: Set[str]) -> None:
        counts = self.counts
        state_of = self._state_of
        for info_hash in removed:
            old = state_of.pop(info_hash, None)
            if old is not None:
                counts[old] -= 1
        for info_hash in changed:
            old = state_of.get(info_hash)
            if old is not None:
                counts[old] -= 1
            torrent = torrents.get(info_hash)
            if torrent is None:
                state_of.pop(info_hash, None)
                continue
            new = torrent_state(torrent, self.category)
            state_of[info_hash] = new
            if new is not None:
                counts[new] += 1

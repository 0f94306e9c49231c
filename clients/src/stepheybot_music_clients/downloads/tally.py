"""A download client's torrents counted by state, kept up to date from what each poll changed.

Both clients' incremental polls say what changed (qBittorrent's ``sync/maindata`` deltas,
Transmission's ``recently-active`` merges): ``changed`` and ``removed`` name the torrents,
both empty when nothing did. So a poll with nothing changed reuses the last :class:`Tally`
as it is, a partial update looks at the named torrents only (their old contribution
subtracted, the new one added), and only a full update (first poll, new session, periodic full
listing) looks at every torrent: O(changed + removed) per poll, not O(torrents).

The tally keeps no torrent of its own, only what each one contributes (a shared small record,
plus the hash of those in the category): holding the previous poll's torrents through a full
re-sync of 10,000 would add them to the memory peak of building the new ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from stepheybot_music_clients.downloads.states import DownloadState
from stepheybot_music_clients.downloads.view import TorrentSource, is_music
from stepheybot_music_clients.models import MUSIC_FOLDERS


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    """The torrent counts of one poll (shared by the polls that change nothing: do not mutate)."""

    counts: Mapping[DownloadState, int]
    """Every torrent by state; every state present, 0 included."""
    category_counts: Mapping[DownloadState, int]
    """The torrents of the category by state; every state present, 0 included."""
    total: int
    """Every torrent, whatever its state."""
    category_hashes: tuple[str, ...]
    """Info-hashes of the torrents of the category, sorted."""
    category_active: int
    """Torrents of the category still downloading (incomplete, not stopped, not in error)."""
    category_running: int
    """Torrents of the category not stopped."""
    category_unfinished: Mapping[str, DownloadState]
    """The state of each torrent of the category not yet complete, by info-hash: the downloads
    in flight, stopped, queued or stalled ones included (what a request's download is doing)."""


@dataclass(frozen=True, slots=True)
class _Part:
    """What one torrent adds to the counts."""

    state: DownloadState
    in_category: bool
    running: bool
    """In the category and not stopped."""
    active: bool
    """Running, incomplete and not in error."""
    unfinished: bool
    """In the category and incomplete."""


@cache
def _part(state: DownloadState, in_category: bool, complete: bool) -> _Part:
    """One shared record per combination (a few dozen), not one per torrent."""
    running = in_category and state is not DownloadState.STOPPED
    active = running and not complete and state is not DownloadState.ERROR
    return _Part(state, in_category, running, active, in_category and not complete)


class TorrentTally[K: Hashable, T]:
    """Counts of one client's torrents, updated in O(changed + removed) per poll.

    Feed it every torrent mapping its client returns, in order (the deltas are relative to the
    previous poll); ``source`` reads the client's torrents (:data:`QBITTORRENT`,
    :data:`TRANSMISSION`). ``category`` is the music category (qBittorrent) or label
    (Transmission); ``*`` takes in every torrent. A torrent in one of ``folders`` (its download
    folder or below) is music too, whatever its label (:data:`MUSIC_FOLDERS` by default).
    """

    def __init__(
        self,
        source: TorrentSource[T],
        *,
        category: str,
        folders: Iterable[str] = MUSIC_FOLDERS,
    ) -> None:
        """Start empty; the first :meth:`update` looks at every torrent."""
        self.source = source
        self.category = category
        self.folders = tuple(folders)
        self._parts: dict[K, _Part] = {}
        self._hashes: dict[K, str] = {}
        """Info-hash of every torrent of the category, by key."""
        self._unfinished: dict[K, tuple[str, DownloadState]] = {}
        """Info-hash and state of every incomplete torrent of the category, by key."""
        self._unfinished_moved = True
        self._counts: Counter[DownloadState] = Counter()
        self._category_counts: Counter[DownloadState] = Counter()
        self._active = 0
        self._running = 0
        self._category_moved = True
        self._tally: Tally | None = None
        self.recounts = 0
        """How many times every torrent was looked at again (full updates, safety net)."""
        self.looked_at = 0
        """How many torrents were looked at so far (the cost of the updates)."""

    def update(
        self,
        torrents: Mapping[K, T],
        *,
        changed: Collection[K],
        removed: Collection[K],
        full: bool,
    ) -> Tally:
        """The tally of ``torrents``; ``changed``/``removed`` say what differs from the last."""
        last = self._tally
        unchanged = not (full or changed or removed) and len(self._parts) == len(torrents)
        if last is not None and unchanged:
            return last
        try:
            if full or last is None:
                self._recount(torrents)
            else:
                for key in removed:
                    self._replace(key, None)
                for key in changed:
                    torrent = torrents.get(key)
                    self._replace(key, None if torrent is None else self._look(torrent))
                if len(self._parts) != len(torrents):
                    # a delta we did not see (never expected): start over rather than drift
                    self._recount(torrents)
            hashes = (
                tuple(sorted(self._hashes.values()))
                if self._category_moved or last is None
                else last.category_hashes
            )
            unfinished = (
                MappingProxyType(dict(self._unfinished.values()))
                if self._unfinished_moved or last is None
                else last.category_unfinished
            )
            self._tally = Tally(
                counts={state: self._counts[state] for state in DownloadState},
                category_counts={state: self._category_counts[state] for state in DownloadState},
                total=len(self._parts),
                category_hashes=hashes,
                category_active=self._active,
                category_running=self._running,
                category_unfinished=unfinished,
            )
        except BaseException:
            self._tally = None  # half-applied: the next update counts from scratch
            raise
        self._category_moved = self._unfinished_moved = False
        return self._tally

    def category_keys(self) -> Iterator[K]:
        """Keys of the torrents of the category, as of the last update (O(category))."""
        return iter(self._hashes)

    def _look(self, torrent: T) -> tuple[_Part, str]:
        self.looked_at += 1
        info_hash, state, labels, complete, folder = self.source.facts(torrent)
        music = is_music(self.category, self.folders, labels, folder)
        return _part(state, music, complete), info_hash

    def _recount(self, torrents: Mapping[K, T]) -> None:
        self.recounts += 1
        look = self._look
        looked = {key: look(torrent) for key, torrent in torrents.items()}
        self._parts = {key: part for key, (part, _) in looked.items()}
        self._hashes = {key: h for key, (part, h) in looked.items() if part.in_category}
        self._unfinished = {
            key: (h, part.state) for key, (part, h) in looked.items() if part.unfinished
        }
        self._unfinished_moved = True
        self._counts = Counter()
        self._category_counts = Counter()
        self._active = self._running = 0
        self._category_moved = True
        # the parts are a few dozen shared records: count them, then count by them
        for part, times in Counter(self._parts.values()).items():
            self._count(part, times)

    def _replace(self, key: K, new: tuple[_Part, str] | None) -> None:
        """Replace one torrent's contribution (``new`` None: the torrent is gone)."""
        old = self._parts.pop(key, None)
        if old is not None:
            self._count(old, -1)
        old_hash = self._hashes.pop(key, None)
        old_unfinished = self._unfinished.pop(key, None)
        new_hash = new_unfinished = None
        if new is not None:
            part, info_hash = new
            self._parts[key] = part
            self._count(part, 1)
            if part.in_category:
                self._hashes[key] = new_hash = info_hash
            if part.unfinished:
                self._unfinished[key] = new_unfinished = (info_hash, part.state)
        if old_hash != new_hash:
            self._category_moved = True
        if old_unfinished != new_unfinished:
            self._unfinished_moved = True

    def _count(self, part: _Part, times: int) -> None:
        """Add ``part`` to the counts ``times`` times (-1: take it away)."""
        self._counts[part.state] += times
        if part.in_category:
            self._category_counts[part.state] += times
            self._running += times * part.running
            self._active += times * part.active

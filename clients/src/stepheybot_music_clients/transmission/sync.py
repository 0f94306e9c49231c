"""Incremental polling of Transmission's torrent list (``torrent-get`` of ``recently-active``).

Asked for ``"ids": "recently-active"``, the daemon returns only the torrents whose
``date_changed`` lies within the last 60 seconds (``RecentlyActiveSeconds`` in
``libtransmission/rpcimpl.cc``) and a ``removed`` array of the ids removed in that window (RPC
spec, section 3.3). The window is the daemon's clock and the same for every caller, so
:class:`TransmissionSync` merges these replies into its copy of the list only while they cover
the whole time since its previous poll (``max_gap``, measured on the daemon's uptime when the
caller passes it), and otherwise lists every torrent. It also lists everything on the first
poll, after an error, when the RPC session id changes (a restarted daemon numbers its torrents
anew), when ``session-stats`` counts a different number of torrents than the merged list holds,
and every ``full_every`` polls, which bounds drift in fields the daemon changes without bumping
``date_changed``. Stopping a torrent is such a change (``torrentStop`` in ``torrent.cc`` does
not mark it), so the torrents this client starts, stops or removes are fetched by id on the next
poll.

Before 4.1 an edit does not mark a torrent either: labels set by another program (``torrent-set``)
never show in ``recently-active`` (see ``models.RPC_MARKS_EDITS``). On those daemons an *edit
check* lists every torrent's ``labels`` and ``downloadDir`` alone (a few dozen bytes a torrent)
at least every ``edit_check`` seconds and fetches the torrents whose labels or folder differ, so
a relabelled torrent counts as music (or stops counting) within that time, not only at the next
full listing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from stepheybot_music_clients.transmission.listing import list_torrents
from stepheybot_music_clients.transmission.models import (
    RPC_MARKS_EDITS,
    TORRENT_FIELDS,
    Torrent,
    TorrentId,
    TorrentSnapshot,
)
from stepheybot_music_clients.transmission.parse import parse_ids, parse_torrents
from stepheybot_music_clients.transport import parsing

if TYPE_CHECKING:
    from stepheybot_music_clients.transmission.client import TransmissionClient

RECENTLY_ACTIVE = "recently-active"
RECENTLY_ACTIVE_SECONDS = 60.0
"""The daemon's window (``RecentlyActiveSeconds``), counted in whole seconds."""
MAX_GAP = 50.0
"""Seconds from sending one poll to receiving the next reply beyond which a
``recently-active`` reply may have missed a change; a full listing is used instead."""
DEFAULT_FULL_EVERY = 120
"""A full listing every this many polls (30 minutes at Home Assistant's 15 s default)."""
EDIT_CHECK_SECONDS = 120.0
"""Before Transmission 4.1: the longest a relabelling by another program goes unseen."""
EDIT_FIELDS = ("id", "labels", "downloadDir")
"""What an edit check lists of every torrent."""

type Clock = Callable[[], float]
"""Seconds on a monotonic clock."""
type _Delta = tuple[frozenset[int], frozenset[int]]
"""Ids a merge changed and removed."""

_NO_TORRENTS: Mapping[int, Torrent] = MappingProxyType({})
_NO_HASHES: Mapping[str, Torrent] = MappingProxyType({})


class TransmissionSync:
    """A merged copy of one daemon's torrent list, kept current with small requests.

    Each :meth:`poll` returns an immutable :class:`TorrentSnapshot`; torrents that did not
    change keep their objects, and nothing is copied when nothing changed.
    """

    def __init__(
        self,
        client: TransmissionClient,
        *,
        full_every: int = DEFAULT_FULL_EVERY,
        max_gap: float = MAX_GAP,
        edit_check: float = EDIT_CHECK_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        """Sync ``client``'s daemon; ``clock`` measures the gaps between polls."""
        if full_every < 1:
            raise ValueError("full_every must be at least 1")
        if not 0 < max_gap < RECENTLY_ACTIVE_SECONDS:
            raise ValueError(f"max_gap must be between 0 and {RECENTLY_ACTIVE_SECONDS:g} s")
        self.client = client
        self.full_every = full_every
        self.max_gap = max_gap
        self.edit_check = edit_check
        self._edits_checked = 0.0
        self._clock = clock
        self._lock = asyncio.Lock()
        self._torrents = _NO_TORRENTS
        self._by_hash = _NO_HASHES
        self._published = _NO_TORRENTS
        self._valid = False
        self._polls_since_full = 0
        self._last_sent = 0.0
        self._uptime: float | None = None
        self._on_uptime = False
        self._generation = -1
        self._refetch: dict[TorrentId, None] = {}

    def invalidate(self) -> None:
        """List every torrent on the next poll."""
        self._valid = False

    def refetch(self, ids: Iterable[TorrentId]) -> None:
        """Fetch these torrents (ids or hashes) by id on the next poll, whatever they did."""
        for torrent_id in ids:
            self._refetch[torrent_id.lower() if isinstance(torrent_id, str) else torrent_id] = None

    async def poll(
        self, *, torrent_count: int | None = None, uptime: float | None = None
    ) -> TorrentSnapshot:
        """Bring the list up to date and return it.

        Both arguments come from a ``session-stats`` call made just before. ``torrent_count``
        is the daemon's own count: when the merged list holds a different number, it is
        listed again in full. ``uptime`` (``current-stats.secondsActive``) is the daemon's
        clock: when given, the time between polls is measured on it instead of the local
        clock, which stays right when this host sleeps. Any error leaves the previous list
        in place and makes the next poll a full listing.
        """
        async with self._lock:
            previous = self._published
            merged_onto = self._torrents
            self._uptime = uptime
            try:
                delta = await self._update()
                if delta is not None and torrent_count not in (None, len(self._torrents)):
                    delta = None
                    await self._list_all()
            except Exception:
                self._valid = False
                raise
            finally:
                self._uptime = None
            current = self._published = self._torrents
            if delta is not None and merged_onto is previous:
                changed, removed = delta
            elif current is previous:
                changed = removed = frozenset()
            else:
                changed = frozenset(i for i, t in current.items() if previous.get(i) is not t)
                removed = frozenset(previous.keys() - current.keys())
            return TorrentSnapshot(
                torrents=current,
                by_hash=self._by_hash,
                full=delta is None,
                changed=changed,
                removed=removed,
            )

    # ----------------------------------------------------------------- internals

    async def _update(self) -> _Delta | None:
        """Apply one poll: what a merge changed and removed, or None after a full listing."""
        if not self._needs_full():
            delta = await self._merge_recent()
            if delta is not None and await self._edits_unmarked():
                delta = await self._check_edits(delta)
            if delta is not None:
                return delta
        await self._list_all()
        return None

    async def _edits_unmarked(self) -> bool:
        """Whether an edit check is due: a daemon before 4.1 and ``edit_check`` seconds gone."""
        if not 0 <= self._now() - self._edits_checked < self.edit_check:
            return await self.client.rpc_version() < RPC_MARKS_EDITS
        return False

    async def _check_edits(self, delta: _Delta) -> _Delta | None:
        """List every torrent's labels and folder; fetch those that differ (None: not covered)."""
        checked = self._now()
        args = await self.client.rpc("torrent-get", {"fields": list(EDIT_FIELDS)})
        with parsing(self.client.kind, "the torrents' labels"):
            rows = args["torrents"]
            if not isinstance(rows, list):
                raise TypeError("torrents is not a list")
            edited: list[TorrentId] = []
            for row in rows:
                known = self._torrents.get(int(row["id"]))
                labels = tuple(str(label) for label in row.get("labels") or ())
                folder = str(row.get("downloadDir") or "")
                if known is not None and (known.labels, known.download_dir) != (labels, folder):
                    edited.append(known.id)
        if edited:
            args = await self.client.rpc(
                "torrent-get", {"ids": edited, "fields": list(TORRENT_FIELDS)}
            )
            if not self._covered():
                return None
            with parsing(self.client.kind, "the edited torrents"):
                fetched = parse_torrents(args["torrents"])
            changed, removed = self._apply(fetched, self._missing(edited, fetched))
            delta = (delta[0] | changed, (delta[1] | removed) - changed)
        self._edits_checked = checked
        return delta

    def _now(self) -> float:
        """Seconds on the daemon's clock when the caller gave it, else on the local one."""
        return self._clock() if self._uptime is None else self._uptime

    def _within_gap(self) -> bool:
        """Whether the daemon's window still reaches back to the previous poll."""
        return (self._uptime is not None) == self._on_uptime and (
            0 <= self._now() - self._last_sent < self.max_gap
        )

    def _needs_full(self) -> bool:
        return (
            not self._valid
            or self._polls_since_full + 1 >= self.full_every
            or self.client.session_generation != self._generation
            or not self._within_gap()
        )

    def _covered(self) -> bool:
        """Whether the reply just received covers everything since the previous poll."""
        return self.client.session_generation == self._generation and self._within_gap()

    async def _list_all(self) -> None:
        refetch = list(self._refetch)
        sent = self._now()
        listed = await list_torrents(self.client)
        old = self._torrents
        torrents: dict[int, Torrent] = {}
        kept = 0
        for torrent in listed:
            known = old.get(torrent.id)
            if known == torrent:
                torrents[torrent.id] = known
                kept += 1
            else:
                torrents[torrent.id] = torrent
        if kept != len(old) or kept != len(torrents):
            self._torrents = MappingProxyType(torrents)
            self._by_hash = MappingProxyType({t.hash: t for t in torrents.values()})
        self._commit(sent, refetch)
        self._polls_since_full = 0
        self._edits_checked = sent

    async def _merge_recent(self) -> _Delta | None:
        """Merge the recently active torrents (and those to refetch); None if not covered."""
        refetch = list(self._refetch)
        sent = self._now()
        what = "the recently active torrents"
        args = await self.client.rpc(
            "torrent-get", {"ids": RECENTLY_ACTIVE, "fields": list(TORRENT_FIELDS)}
        )
        if not self._covered():
            return None
        with parsing(self.client.kind, what):
            updates = parse_torrents(args["torrents"])
            gone = parse_ids(args["removed"])
        if refetch:
            what = "the torrents asked for by id"
            args = await self.client.rpc(
                "torrent-get", {"ids": refetch, "fields": list(TORRENT_FIELDS)}
            )
            if not self._covered():
                return None
            with parsing(self.client.kind, what):
                fetched = parse_torrents(args["torrents"])
            updates += fetched
            gone += self._missing(refetch, fetched)
        delta = self._apply(updates, gone)
        self._commit(sent, refetch)
        self._polls_since_full += 1
        return delta

    def _missing(self, asked: list[TorrentId], fetched: list[Torrent]) -> list[int]:
        """Ids of known torrents that were asked for by id and are no longer there."""
        ids = {t.id for t in fetched}
        hashes = {t.hash for t in fetched}
        missing = []
        for key in asked:
            if isinstance(key, str):
                known = self._by_hash.get(key)
                if known is not None and key not in hashes:
                    missing.append(known.id)
            elif key in self._torrents and key not in ids:
                missing.append(key)
        return missing

    def _apply(self, updates: list[Torrent], gone: list[int]) -> _Delta:
        """Merge changed and removed torrents; copies the mappings only if something differs."""
        old = self._torrents
        drops = {torrent_id for torrent_id in gone if torrent_id in old}
        puts = [t for t in {t.id: t for t in updates}.values() if old.get(t.id) != t]
        if not drops and not puts:
            return frozenset(), frozenset()
        torrents = dict(old)
        by_hash = dict(self._by_hash)
        for torrent_id in drops:
            dropped = torrents.pop(torrent_id)
            if by_hash.get(dropped.hash) is dropped:
                del by_hash[dropped.hash]
        for torrent in puts:
            replaced = torrents.get(torrent.id)
            if replaced is not None and by_hash.get(replaced.hash) is replaced:
                del by_hash[replaced.hash]
            twin = by_hash.get(torrent.hash)
            if twin is not None and twin.id != torrent.id:
                # the hash is back under a new id, so its old id is gone (reported or not)
                del torrents[twin.id]
                drops.add(twin.id)
            torrents[torrent.id] = torrent
            by_hash[torrent.hash] = torrent
        self._torrents = MappingProxyType(torrents)
        self._by_hash = MappingProxyType(by_hash)
        changed = frozenset(t.id for t in puts)
        return changed, frozenset(drops - changed)

    def _commit(self, sent: float, refetched: list[TorrentId]) -> None:
        for key in refetched:
            self._refetch.pop(key, None)
        self._last_sent = sent
        self._on_uptime = self._uptime is not None
        self._generation = self.client.session_generation
        self._valid = True

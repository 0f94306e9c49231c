"""The incremental ``sync/maindata`` merge.

qBittorrent answers ``sync/maindata?rid=N`` with only what changed since ``rid`` N: torrents
keyed by hash carrying only their changed fields, removed hashes, category and tag deltas,
and the changed ``server_state`` keys. :class:`MainDataStore` merges those field by field
straight into the previous frozen :class:`Torrent` objects (it keeps no raw JSON of the
torrents) and publishes immutable :class:`MainData` snapshots. Publishing costs nothing when
nothing changed: unchanged torrents keep their frozen objects, and the published torrent
mapping is only copied when a torrent was added, changed or removed.

A merge is two steps so that the expensive one can run in a worker thread: :meth:`prepare`
(or :meth:`prepare_body`, which reads a big reply torrent by torrent) computes the next
state without touching the store, and :meth:`commit` installs it in the event loop. A
prepared update that is never committed (the caller was cancelled) changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from stepheybot_music_clients.qbittorrent.models import (
    EMPTY_CATEGORIES,
    EMPTY_TORRENTS,
    Category,
    MainData,
    ServerState,
    Torrent,
)
from stepheybot_music_clients.qbittorrent.parse import (
    Changes,
    Raw,
    new_torrent,
    obj,
    parse_bool,
    parse_category,
    parse_int,
    parse_server_state,
    torrent_changes,
)
from stepheybot_music_clients.qbittorrent.stream import Entry, read_maindata


def _names(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{what} is {value!r:.80}, expected a list of strings")
    return value


def _entries(data: Raw) -> Iterator[Entry]:
    """The torrent deltas of a decoded reply, converted one by one as they are read."""
    for info_hash, fields in obj(data.get("torrents", {}), "'torrents'").items():
        yield info_hash, torrent_changes(obj(fields, f"torrent {info_hash}"))


def _merge(old: Torrent, changes: Changes) -> Torrent:
    """``old`` with ``changes``; ``old`` itself when no attribute really changes."""
    for attr, value in changes.items():
        if getattr(old, attr) != value:
            return dataclasses.replace(old, **changes)
    return old


@dataclass(frozen=True, slots=True)
class PreparedUpdate:
    """A merged snapshot computed by :meth:`MainDataStore.prepare`, not installed yet."""

    data: MainData
    raw_server: Raw
    base: int
    """The store's generation it was computed from."""


class MainDataStore:
    """The client's merged copy of ``sync/maindata`` for one WebUI session."""

    def __init__(self) -> None:
        """Start empty, at ``rid`` 0 (the next poll asks for a full update)."""
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next poll sends ``rid=0``."""
        self.rid = 0
        self._torrents: Mapping[str, Torrent] = EMPTY_TORRENTS
        self._categories: Mapping[str, Category] = EMPTY_CATEGORIES
        self._tags: tuple[str, ...] = ()
        self._raw_server: Raw = {}
        self._server: ServerState = parse_server_state({})
        # last, so a worker thread that sees the new generation also sees the new state
        self._generation += 1

    def apply(self, payload: object) -> MainData:
        """Merge one decoded reply and return the new snapshot.

        The merge is all or nothing: a reply in a shape we do not understand raises
        (``TypeError``/``ValueError``) and leaves the store reset, so the next poll
        starts over with a full update.
        """
        try:
            return self.commit(self.prepare(payload))
        except BaseException:
            self.reset()
            raise

    def prepare(self, payload: object) -> PreparedUpdate:
        """Merge a decoded reply into a new snapshot without changing the store.

        Raises ``TypeError``/``ValueError`` for a reply in a shape we do not understand.
        Only reads the store, so it may run in a worker thread.
        """
        data = obj(payload, "the sync/maindata reply")
        return self._prepare(data, _entries(data))

    def prepare_body(self, body: bytes | Iterable[bytes]) -> PreparedUpdate:
        """Like :meth:`prepare`, from the reply's body (or its pieces), torrent by torrent.

        Raises :class:`~.stream.NotStreamableError` for a body that is not a UTF-8 JSON object
        of torrent objects (decode it with ``json.loads`` and call :meth:`prepare` instead).
        """
        data, torrents = read_maindata(body)
        return self._prepare(data, _entries(data) if torrents is None else torrents)

    def commit(self, update: PreparedUpdate) -> MainData:
        """Install a prepared snapshot and return it.

        An update computed before the store last changed (reset, or another commit) is
        returned but not installed.
        """
        if update.base == self._generation:
            data = update.data
            self.rid = data.rid
            self._torrents = data.torrents
            self._categories = data.categories
            self._tags = data.tags
            self._raw_server = update.raw_server
            self._server = data.server_state
            self._generation += 1
        return update.data

    def _prepare(self, data: Raw, entries: Iterable[Entry]) -> PreparedUpdate:
        base = self._generation
        rid = parse_int(data, "rid", -1)
        if rid < 0:
            raise ValueError(f"the reply has no valid 'rid' ({data.get('rid')!r})")
        full = parse_bool(data, "full_update")
        changed: frozenset[str] = frozenset()
        removed: frozenset[str] = frozenset()

        # Torrents: rebuild only the ones the reply really changes.
        old = self._torrents
        torrents = old
        if full:
            published = {
                info_hash: e if isinstance(e, Torrent) else new_torrent(info_hash, e)
                for info_hash, e in entries
            }
            changed = frozenset(published)
            removed = frozenset(old.keys() - published.keys())
            torrents = MappingProxyType(published)
        else:
            updates: dict[str, Torrent] = {}
            for info_hash, torrent_delta in entries:
                before = updates.get(info_hash) or old.get(info_hash)
                if isinstance(torrent_delta, Torrent):
                    updates[info_hash] = torrent_delta
                elif before is None:
                    updates[info_hash] = new_torrent(info_hash, torrent_delta)
                elif (after := _merge(before, torrent_delta)) is not before:
                    updates[info_hash] = after
            gone = {
                h
                for h in _names(data.get("torrents_removed", []), "'torrents_removed'")
                if h in old or h in updates
            }
            if updates or gone:
                copy = dict(old)
                copy.update(updates)
                for info_hash in gone:
                    del copy[info_hash]
                changed = frozenset(updates.keys() - gone)
                removed = frozenset(gone)
                torrents = MappingProxyType(copy)

        # Categories: full objects per changed name.
        categories = self._categories
        cat_delta = obj(data.get("categories", {}), "'categories'")
        cats_gone = _names(data.get("categories_removed", []), "'categories_removed'")
        if full or cat_delta or cats_gone:
            new_cats = {} if full else dict(categories)
            for name, raw_cat in cat_delta.items():
                new_cats[name] = parse_category(name, raw_cat)
            for name in cats_gone:
                new_cats.pop(name, None)
            categories = MappingProxyType(new_cats)

        # Tags: a list of names added, plus tags_removed.
        tags = self._tags
        tags_added = _names(data.get("tags", []), "'tags'")
        tags_gone = _names(data.get("tags_removed", []), "'tags_removed'")
        if full:
            tags = tuple(tags_added)
        elif tags_added or tags_gone:
            tags = tuple(
                [t for t in tags if t not in tags_gone] + [t for t in tags_added if t not in tags]
            )

        # Server state: changed keys only.
        server = self._server
        raw_server = self._raw_server
        server_delta = obj(data.get("server_state", {}), "'server_state'")
        if full or server_delta:
            raw_server = dict(server_delta) if full else {**raw_server, **server_delta}
            server = parse_server_state(raw_server)

        snapshot = MainData(
            rid=rid,
            full_update=full,
            torrents=torrents,
            categories=categories,
            tags=tags,
            server_state=server,
            changed=changed,
            removed=removed,
        )
        return PreparedUpdate(data=snapshot, raw_server=raw_server, base=base)

"""Parsing of qBittorrent payloads and the incremental ``sync/maindata`` merge.

qBittorrent answers ``sync/maindata?rid=N`` with only what changed since ``rid`` N: torrents
keyed by hash carrying only their changed fields, removed hashes, category and tag deltas,
and the changed ``server_state`` keys. :class:`MainDataStore` merges those field by field and
publishes immutable :class:`MainData` snapshots. Publishing costs nothing when nothing changed:
unchanged torrents keep their frozen objects, and the published torrent mapping is only
copied when a torrent was added, changed or removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from .models import (
    EMPTY_CATEGORIES,
    EMPTY_TORRENTS,
    ETA_INFINITE,
    Category,
    ConnectionStatus,
    MainData,
    ServerState,
    Torrent,
    TorrentState,
    TransferInfo,
)

type Raw = dict[str, Any]


def _obj(value: object, what: str) -> Raw:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is a {type(value).__name__}, expected a JSON object")
    return value


def _int(raw: Raw, key: str, default: int = 0) -> int:
    value = raw.get(key, default)
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise TypeError(f"field {key!r} is {value!r}, expected an integer")


def _float(raw: Raw, key: str, default: float = 0.0) -> float:
    value = raw.get(key, default)
    if type(value) is float or type(value) is int:
        return float(value)
    raise TypeError(f"field {key!r} is {value!r}, expected a number")


def _str(raw: Raw, key: str, default: str = "") -> str:
    value = raw.get(key, default)
    if type(value) is str:
        return value
    if value is None:
        return default
    raise TypeError(f"field {key!r} is {value!r}, expected a string")


def _bool(raw: Raw, key: str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if type(value) is bool:
        return value
    raise TypeError(f"field {key!r} is {value!r}, expected true or false")


def _time(raw: Raw, key: str) -> datetime | None:
    seconds = _int(raw, key, -1)
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def _optional_text(raw: Raw, key: str) -> str | None:
    return _str(raw, key) or None


def parse_torrent(info_hash: str, raw: Raw) -> Torrent:
    """Build a :class:`Torrent` from a complete (merged) torrent object."""
    state = _str(raw, "state", "unknown")
    eta = _int(raw, "eta", ETA_INFINITE)
    tags = _str(raw, "tags")
    return Torrent(
        hash=info_hash,
        name=_str(raw, "name"),
        state=TorrentState.from_api(state),
        state_raw=state,
        category=_optional_text(raw, "category"),
        tags=tuple(tags.split(", ")) if tags else (),
        size=_int(raw, "size"),
        progress=_float(raw, "progress"),
        dlspeed=_int(raw, "dlspeed"),
        upspeed=_int(raw, "upspeed"),
        eta=None if eta >= ETA_INFINITE or eta < 0 else eta,
        added_on=_time(raw, "added_on"),
        completion_on=_time(raw, "completion_on"),
        save_path=_str(raw, "save_path"),
        amount_left=_int(raw, "amount_left"),
        downloaded=_int(raw, "downloaded"),
        uploaded=_int(raw, "uploaded"),
        num_seeds=_int(raw, "num_seeds"),
        num_leechs=_int(raw, "num_leechs"),
        ratio=_float(raw, "ratio"),
    )


def parse_torrent_list(payload: object) -> list[Torrent]:
    """Parse a ``torrents/info`` reply (a JSON list of torrent objects with ``hash``)."""
    if not isinstance(payload, list):
        raise TypeError(f"the torrent list is a {type(payload).__name__}, expected a JSON list")
    torrents = []
    for item in payload:
        raw = _obj(item, "a torrent")
        torrents.append(parse_torrent(_str(raw, "hash"), raw))
    return torrents


def parse_category(name: str, raw: object) -> Category:
    """Build a :class:`Category` from a ``categories`` entry."""
    data = _obj(raw, f"category {name!r}")
    return Category(name=_str(data, "name", name) or name, save_path=_str(data, "savePath"))


def parse_categories(payload: object) -> dict[str, Category]:
    """Parse ``torrents/categories`` (an object keyed by name)."""
    return {
        name: parse_category(name, raw) for name, raw in _obj(payload, "the categories").items()
    }


def _transfer_fields(raw: Raw) -> dict[str, Any]:
    return {
        "dl_info_speed": _int(raw, "dl_info_speed"),
        "up_info_speed": _int(raw, "up_info_speed"),
        "dl_info_data": _int(raw, "dl_info_data"),
        "up_info_data": _int(raw, "up_info_data"),
        "dl_rate_limit": _int(raw, "dl_rate_limit"),
        "up_rate_limit": _int(raw, "up_rate_limit"),
        "dht_nodes": _int(raw, "dht_nodes"),
        "connection_status": ConnectionStatus.from_api(_str(raw, "connection_status", "unknown")),
        "last_external_address_v4": _optional_text(raw, "last_external_address_v4"),
        "last_external_address_v6": _optional_text(raw, "last_external_address_v6"),
    }


def parse_transfer_info(payload: object) -> TransferInfo:
    """Parse ``transfer/info``."""
    return TransferInfo(**_transfer_fields(_obj(payload, "the transfer info")))


def parse_server_state(raw: Raw) -> ServerState:
    """Build a :class:`ServerState` from a complete (merged) ``server_state``."""
    free = _int(raw, "free_space_on_disk", -1)
    ratio = raw.get("global_ratio", "-")
    if isinstance(ratio, str):
        global_ratio = None if ratio in ("-", "") else float(ratio)
    else:
        global_ratio = _float(raw, "global_ratio")
    return ServerState(
        **_transfer_fields(raw),
        alltime_dl=_int(raw, "alltime_dl"),
        alltime_ul=_int(raw, "alltime_ul"),
        free_space_on_disk=free if free >= 0 else None,
        use_alt_speed_limits=_bool(raw, "use_alt_speed_limits"),
        global_ratio=global_ratio,
        total_peer_connections=_int(raw, "total_peer_connections"),
        queueing=_bool(raw, "queueing"),
    )


def _names(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"{what} is {value!r:.80}, expected a list of strings")
    return value


class MainDataStore:
    """The client's merged copy of ``sync/maindata`` for one WebUI session."""

    def __init__(self) -> None:
        """Start empty, at ``rid`` 0 (the next poll asks for a full update)."""
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next poll sends ``rid=0``."""
        self.rid = 0
        self._raw_torrents: dict[str, Raw] = {}
        self._torrents: Mapping[str, Torrent] = EMPTY_TORRENTS
        self._categories: Mapping[str, Category] = EMPTY_CATEGORIES
        self._tags: tuple[str, ...] = ()
        self._raw_server: Raw = {}
        self._server = parse_server_state({})

    def apply(self, payload: object) -> MainData:
        """Merge one reply and return the new snapshot.

        The merge is all or nothing: a reply in a shape we do not understand raises
        (``TypeError``/``ValueError``) and leaves the store reset, so the next poll
        starts over with a full update.
        """
        try:
            return self._apply(_obj(payload, "the sync/maindata reply"))
        except BaseException:
            self.reset()
            raise

    def _apply(self, data: Raw) -> MainData:
        rid = _int(data, "rid", -1)
        if rid < 0:
            raise ValueError(f"the reply has no valid 'rid' ({data.get('rid')!r})")
        full = _bool(data, "full_update")
        changed: set[str] = set()
        removed: set[str] = set()

        # Torrents: rebuild only the ones the reply mentions.
        raw_torrents = self._raw_torrents
        torrents: Mapping[str, Torrent] = self._torrents
        delta = _obj(data.get("torrents", {}), "'torrents'")
        if full:
            raw_torrents = {}
            published: dict[str, Torrent] = {}
            for info_hash, fields in delta.items():
                raw = _obj(fields, f"torrent {info_hash}")
                raw_torrents[info_hash] = raw
                published[info_hash] = parse_torrent(info_hash, raw)
            changed = set(published)
            removed = set(self._torrents) - changed
            torrents = MappingProxyType(published)
        else:
            gone = _names(data.get("torrents_removed", []), "'torrents_removed'")
            if delta or gone:
                published = dict(self._torrents)
                updates: dict[str, Raw] = {}
                for info_hash, fields in delta.items():
                    merged = {
                        **raw_torrents.get(info_hash, {}),
                        **_obj(fields, f"torrent {info_hash}"),
                    }
                    updates[info_hash] = merged
                    published[info_hash] = parse_torrent(info_hash, merged)
                for info_hash in gone:
                    published.pop(info_hash, None)
                raw_torrents.update(updates)
                for info_hash in gone:
                    raw_torrents.pop(info_hash, None)
                changed = set(updates)
                removed = set(gone)
                torrents = MappingProxyType(published)

        # Categories: full objects per changed name.
        categories = self._categories
        cat_delta = _obj(data.get("categories", {}), "'categories'")
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
        server_delta = _obj(data.get("server_state", {}), "'server_state'")
        if full or server_delta:
            raw_server = dict(server_delta) if full else {**raw_server, **server_delta}
            server = parse_server_state(raw_server)

        # Commit (nothing above touched the store).
        self.rid = rid
        self._raw_torrents = raw_torrents
        self._torrents = torrents
        self._categories = categories
        self._tags = tags
        self._raw_server = raw_server
        self._server = server
        return MainData(
            rid=rid,
            full_update=full,
            torrents=torrents,
            categories=categories,
            tags=tags,
            server_state=server,
            changed=frozenset(changed),
            removed=frozenset(removed),
        )

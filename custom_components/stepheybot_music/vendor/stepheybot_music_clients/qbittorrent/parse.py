"""Typed parsing of qBittorrent payloads, field by field.

A torrent object is read through :data:`_TORRENT_FIELDS`, a map from each API field we use
to the :class:`Torrent` attributes it sets. :func:`torrent_changes` turns any torrent object,
complete or a ``sync/maindata`` delta, into those attribute values, so a delta can be merged
straight into the previous frozen :class:`Torrent` (``dataclasses.replace``) and nothing else
of the ~55 fields qBittorrent sends per torrent is kept. Repeated strings (states, categories,
save paths, tags) are shared between torrents instead of stored once per torrent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from stepheybot_music_clients.qbittorrent.models import (
    ETA_INFINITE,
    Category,
    ConnectionStatus,
    ServerState,
    Torrent,
    TorrentState,
    TransferInfo,
)

type Raw = dict[str, Any]
type Changes = dict[str, Any]
"""``Torrent`` attribute values read from one torrent object (only the fields it had)."""


def obj(value: object, what: str) -> Raw:
    """Return ``value`` if it is a JSON object, else raise ``TypeError`` naming ``what``."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} is a {type(value).__name__}, expected a JSON object")
    return value


# --- one value --------------------------------------------------------------------------------


def _to_int(key: str, value: object) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise TypeError(f"field {key!r} is {value!r}, expected an integer")


def _to_float(key: str, value: object) -> float:
    if type(value) is float or type(value) is int:
        return float(value)
    raise TypeError(f"field {key!r} is {value!r}, expected a number")


def _to_str(key: str, value: object, default: str = "") -> str:
    if type(value) is str:
        return value
    if value is None:
        return default
    raise TypeError(f"field {key!r} is {value!r}, expected a string")


def _to_time(key: str, value: object) -> datetime | None:
    seconds = _to_int(key, value)
    if seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise ValueError(f"field {key!r} is {seconds}, not a valid time") from err


@lru_cache(maxsize=4096)
def _shared(text: str) -> str:
    """The first equal string seen: one copy of each state, category and save path."""
    return text


@lru_cache(maxsize=1024)
def _tags(text: str) -> tuple[str, ...]:
    return tuple(_shared(tag) for tag in text.split(", ")) if text else ()


def _int(raw: Raw, key: str, default: int = 0) -> int:
    return _to_int(key, raw.get(key, default))


def _str(raw: Raw, key: str, default: str = "") -> str:
    return _to_str(key, raw.get(key, default), default)


def _optional_text(raw: Raw, key: str) -> str | None:
    return _str(raw, key) or None


# --- torrents ---------------------------------------------------------------------------------

type _Convert = Callable[[object, Changes], None]


def _integer(key: str) -> _Convert:
    def convert(value: object, out: Changes) -> None:
        out[key] = _to_int(key, value)

    return convert


def _number(key: str) -> _Convert:
    def convert(value: object, out: Changes) -> None:
        out[key] = _to_float(key, value)

    return convert


def _time(key: str) -> _Convert:
    def convert(value: object, out: Changes) -> None:
        out[key] = _to_time(key, value)

    return convert


def _name(value: object, out: Changes) -> None:
    out["name"] = _to_str("name", value)


def _state(value: object, out: Changes) -> None:
    state = _shared(_to_str("state", value, "unknown"))
    out["state"] = TorrentState.from_api(state)
    out["state_raw"] = state


def _category(value: object, out: Changes) -> None:
    category = _to_str("category", value)
    out["category"] = _shared(category) if category else None


def _tag_list(value: object, out: Changes) -> None:
    out["tags"] = _tags(_to_str("tags", value))


def _eta(value: object, out: Changes) -> None:
    eta = _to_int("eta", value)
    out["eta"] = None if eta >= ETA_INFINITE or eta < 0 else eta


def _save_path(value: object, out: Changes) -> None:
    out["save_path"] = _shared(_to_str("save_path", value))


_TORRENT_FIELDS: dict[str, _Convert] = {
    "name": _name,
    "state": _state,
    "category": _category,
    "tags": _tag_list,
    "size": _integer("size"),
    "progress": _number("progress"),
    "dlspeed": _integer("dlspeed"),
    "upspeed": _integer("upspeed"),
    "eta": _eta,
    "added_on": _time("added_on"),
    "completion_on": _time("completion_on"),
    "save_path": _save_path,
    "amount_left": _integer("amount_left"),
    "downloaded": _integer("downloaded"),
    "uploaded": _integer("uploaded"),
    "num_seeds": _integer("num_seeds"),
    "num_leechs": _integer("num_leechs"),
    "ratio": _number("ratio"),
}
"""API field -> how it sets :class:`Torrent` attributes; every other field is ignored."""

TORRENT_FIELDS = frozenset(_TORRENT_FIELDS)
"""The API fields of a torrent object that :class:`Torrent` reads."""


def torrent_changes(raw: Raw) -> Changes:
    """The ``Torrent`` attribute values that a (complete or delta) torrent object sets."""
    out: Changes = {}
    if len(raw) > len(_TORRENT_FIELDS):
        # a complete object (~55 fields): look up the few we read
        for key, convert in _TORRENT_FIELDS.items():
            if key in raw:
                convert(raw[key], out)
    else:
        for key, value in raw.items():
            convert_one = _TORRENT_FIELDS.get(key)
            if convert_one is not None:
                convert_one(value, out)
    return out


TORRENT_DEFAULTS: Changes = torrent_changes(
    {
        "name": "",
        "state": "unknown",
        "category": "",
        "tags": "",
        "size": 0,
        "progress": 0.0,
        "dlspeed": 0,
        "upspeed": 0,
        "eta": ETA_INFINITE,
        "added_on": -1,
        "completion_on": -1,
        "save_path": "",
        "amount_left": 0,
        "downloaded": 0,
        "uploaded": 0,
        "num_seeds": 0,
        "num_leechs": 0,
        "ratio": 0.0,
    }
)
"""Every attribute but ``hash``, as a torrent object without any of our fields gives it."""


def new_torrent(info_hash: str, changes: Changes) -> Torrent:
    """A torrent seen for the first time: ``changes`` over :data:`TORRENT_DEFAULTS`."""
    return Torrent(hash=info_hash, **(TORRENT_DEFAULTS | changes))


def parse_torrent(info_hash: str, raw: Raw) -> Torrent:
    """Build a :class:`Torrent` from a complete torrent object."""
    return new_torrent(info_hash, torrent_changes(raw))


def parse_torrent_list(payload: object) -> list[Torrent]:
    """Parse a ``torrents/info`` reply (a JSON list of torrent objects with ``hash``)."""
    if not isinstance(payload, list):
        raise TypeError(f"the torrent list is a {type(payload).__name__}, expected a JSON list")
    torrents = []
    for item in payload:
        raw = obj(item, "a torrent")
        torrents.append(parse_torrent(_str(raw, "hash"), raw))
    return torrents


# --- categories, transfer info, server state --------------------------------------------------


def parse_category(name: str, raw: object) -> Category:
    """Build a :class:`Category` from a ``categories`` entry."""
    data = obj(raw, f"category {name!r}")
    return Category(name=_str(data, "name", name) or name, save_path=_str(data, "savePath"))


def parse_categories(payload: object) -> dict[str, Category]:
    """Parse ``torrents/categories`` (an object keyed by name)."""
    return {name: parse_category(name, raw) for name, raw in obj(payload, "the categories").items()}


def _bool(raw: Raw, key: str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if type(value) is bool:
        return value
    raise TypeError(f"field {key!r} is {value!r}, expected true or false")


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
    return TransferInfo(**_transfer_fields(obj(payload, "the transfer info")))


def parse_server_state(raw: Raw) -> ServerState:
    """Build a :class:`ServerState` from a complete (merged) ``server_state``."""
    free = _int(raw, "free_space_on_disk", -1)
    ratio = raw.get("global_ratio", "-")
    if isinstance(ratio, str):
        global_ratio = None if ratio in ("-", "") else float(ratio)
    else:
        global_ratio = _to_float("global_ratio", ratio)
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


def parse_bool(raw: Raw, key: str) -> bool:
    """A JSON ``true``/``false`` field (False when missing)."""
    return _bool(raw, key)


def parse_int(raw: Raw, key: str, default: int) -> int:
    """An integer field (``default`` when missing)."""
    return _int(raw, key, default)

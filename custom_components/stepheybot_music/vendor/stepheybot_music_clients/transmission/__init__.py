"""Transmission RPC client."""

from __future__ import annotations

from stepheybot_music_clients.transmission.client import (
    DEFAULT_RPC_PATH,
    SESSION_HEADER,
    TransmissionClient,
)
from stepheybot_music_clients.transmission.models import (
    TORRENT_FIELDS,
    AddedTorrent,
    ErrorKind,
    FreeSpace,
    RpcStatus,
    SessionInfo,
    SessionStats,
    Torrent,
    TorrentId,
    TorrentSnapshot,
    TorrentState,
    TransferTotals,
)
from stepheybot_music_clients.transmission.parse import parse_torrent
from stepheybot_music_clients.transmission.sync import (
    DEFAULT_FULL_EVERY,
    MAX_GAP,
    RECENTLY_ACTIVE,
    TransmissionSync,
)

__all__ = [
    "DEFAULT_FULL_EVERY",
    "DEFAULT_RPC_PATH",
    "MAX_GAP",
    "RECENTLY_ACTIVE",
    "SESSION_HEADER",
    "TORRENT_FIELDS",
    "AddedTorrent",
    "ErrorKind",
    "FreeSpace",
    "RpcStatus",
    "SessionInfo",
    "SessionStats",
    "Torrent",
    "TorrentId",
    "TorrentSnapshot",
    "TorrentState",
    "TransferTotals",
    "TransmissionClient",
    "TransmissionSync",
    "parse_torrent",
]

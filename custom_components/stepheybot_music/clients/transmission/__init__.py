"""Transmission RPC client."""

from __future__ import annotations

from .client import DEFAULT_RPC_PATH, SESSION_HEADER, TransmissionClient
from .models import (
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
from .parse import parse_torrent
from .sync import DEFAULT_FULL_EVERY, MAX_GAP, RECENTLY_ACTIVE, TransmissionSync

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

"""Transmission RPC client."""

from __future__ import annotations

from .client import DEFAULT_RPC_PATH, SESSION_HEADER, TorrentId, TransmissionClient, parse_torrent
from .models import (
    TORRENT_FIELDS,
    AddedTorrent,
    ErrorKind,
    FreeSpace,
    RpcStatus,
    SessionInfo,
    SessionStats,
    Torrent,
    TorrentState,
    TransferTotals,
)

__all__ = [
    "DEFAULT_RPC_PATH",
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
    "TorrentState",
    "TransferTotals",
    "TransmissionClient",
    "parse_torrent",
]

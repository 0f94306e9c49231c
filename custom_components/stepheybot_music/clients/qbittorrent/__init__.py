"""qBittorrent WebUI API v2 client (qBittorrent 4.5 through 5.3)."""

from __future__ import annotations

from .client import QBittorrentClient
from .models import (
    AddResult,
    Category,
    ConnectionStatus,
    MainData,
    ServerState,
    Torrent,
    TorrentState,
    TransferInfo,
)

__all__ = [
    "AddResult",
    "Category",
    "ConnectionStatus",
    "MainData",
    "QBittorrentClient",
    "ServerState",
    "Torrent",
    "TorrentState",
    "TransferInfo",
]

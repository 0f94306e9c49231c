"""qBittorrent WebUI API v2 client (qBittorrent 4.5 through 5.3)."""

from __future__ import annotations

from stepheybot_music_clients.qbittorrent.client import QBittorrentClient
from stepheybot_music_clients.qbittorrent.models import (
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

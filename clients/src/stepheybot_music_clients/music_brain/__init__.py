"""StepheyBot Music Brain client."""

from __future__ import annotations

from stepheybot_music_clients.music_brain.client import SEARCH_CATEGORIES, SERVICE, MusicBrainClient
from stepheybot_music_clients.music_brain.models import (
    ActiveDownload,
    BrainHealth,
    BrainStats,
    BrainStatus,
    Connection,
    DownloadRequestResult,
    DownloadState,
    DownloadStats,
    DownloadStatus,
    LibraryStats,
    RequestOutcome,
    SearchResult,
    SearchResults,
    SearchSource,
)

__all__ = [
    "SEARCH_CATEGORIES",
    "SERVICE",
    "ActiveDownload",
    "BrainHealth",
    "BrainStats",
    "BrainStatus",
    "Connection",
    "DownloadRequestResult",
    "DownloadState",
    "DownloadStats",
    "DownloadStatus",
    "LibraryStats",
    "MusicBrainClient",
    "RequestOutcome",
    "SearchResult",
    "SearchResults",
    "SearchSource",
]

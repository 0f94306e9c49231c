"""Navidrome / Subsonic / OpenSubsonic client."""

from __future__ import annotations

from stepheybot_music_clients.subsonic.client import (
    API_VERSION,
    CLIENT_NAME,
    MAX_PAGE_SIZE,
    SubsonicClient,
)
from stepheybot_music_clients.subsonic.models import (
    AuthMode,
    LibraryTotals,
    NowPlayingEntry,
    OpenSubsonicExtension,
    ScanStatus,
    SearchAlbum,
    SearchArtist,
    SearchResult,
    SearchSong,
    SubsonicServerInfo,
    TotalsMethod,
)

__all__ = [
    "API_VERSION",
    "CLIENT_NAME",
    "MAX_PAGE_SIZE",
    "AuthMode",
    "LibraryTotals",
    "NowPlayingEntry",
    "OpenSubsonicExtension",
    "ScanStatus",
    "SearchAlbum",
    "SearchArtist",
    "SearchResult",
    "SearchSong",
    "SubsonicClient",
    "SubsonicServerInfo",
    "TotalsMethod",
]

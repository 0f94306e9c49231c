"""Navidrome / Subsonic / OpenSubsonic client."""

from __future__ import annotations

from .client import API_VERSION, CLIENT_NAME, MAX_PAGE_SIZE, SubsonicClient
from .models import (
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

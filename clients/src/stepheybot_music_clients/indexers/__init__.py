"""Jackett and Prowlarr clients with one common model of indexers and search results."""

from __future__ import annotations

from stepheybot_music_clients.indexers.jackett import JackettClient
from stepheybot_music_clients.indexers.models import (
    MUSIC_CATEGORY,
    Indexer,
    IndexerSearchStatus,
    SearchResponse,
    SearchResult,
    strip_secrets,
)
from stepheybot_music_clients.indexers.prowlarr import ProwlarrClient

__all__ = [
    "MUSIC_CATEGORY",
    "Indexer",
    "IndexerSearchStatus",
    "JackettClient",
    "ProwlarrClient",
    "SearchResponse",
    "SearchResult",
    "strip_secrets",
]

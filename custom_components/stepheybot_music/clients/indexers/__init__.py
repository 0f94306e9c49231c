"""Jackett and Prowlarr clients with one common model of indexers and search results."""

from __future__ import annotations

from .jackett import JackettClient
from .models import (
    MUSIC_CATEGORY,
    Indexer,
    IndexerSearchStatus,
    SearchResponse,
    SearchResult,
    strip_secrets,
)
from .prowlarr import ProwlarrClient

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

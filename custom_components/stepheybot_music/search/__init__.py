"""The merged search over the library, Lidarr's lookup, the indexers and the Music Brain.

``async_search`` asks every configured source at once and returns one ranked list;
``resolve_result`` tells ``request_download`` what a result id stands for. Nothing here
imports the runtime at import time (``runtime.py`` imports :mod:`.cache`).
"""

from __future__ import annotations

from .api import MAX_LIMIT, async_search, resolve_result
from .cache import RESULT_TTL, SearchCache
from .models import (
    Availability,
    ExpiredResultError,
    HitKind,
    IdPrefix,
    InvalidResultIdError,
    ResolvedResult,
    SearchError,
    SearchHit,
    SearchKind,
    SearchResponse,
    SearchSource,
    SourceReport,
    SourceStatus,
)

__all__ = [
    "MAX_LIMIT",
    "RESULT_TTL",
    "Availability",
    "ExpiredResultError",
    "HitKind",
    "IdPrefix",
    "InvalidResultIdError",
    "ResolvedResult",
    "SearchCache",
    "SearchError",
    "SearchHit",
    "SearchKind",
    "SearchResponse",
    "SearchSource",
    "SourceReport",
    "SourceStatus",
    "async_search",
    "resolve_result",
]

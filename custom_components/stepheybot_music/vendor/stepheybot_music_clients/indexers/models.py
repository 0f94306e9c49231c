"""One typed model of indexers and search results for both Jackett and Prowlarr.

Both rewrite download links to their own proxy with the API key in the query string
(Jackett ``jackett_apikey=``, Prowlarr ``apikey=``). Secrets never enter a model, so
:func:`strip_secrets` removes those parameters; a magnet link (or one built from the
info-hash) is the way to hand a result to a download client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from yarl import URL

SECRET_PARAMS = frozenset({"apikey", "jackett_apikey", "passkey", "api_key", "token"})
"""Query parameters that carry credentials in indexer links."""
MUSIC_CATEGORY = 3000
"""Newznab/Torznab "Audio"; its subcategories are 3010 MP3, 3040 Lossless, ..."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Indexer:
    """An indexer (tracker) configured in Jackett or Prowlarr."""

    id: str
    """Jackett's slug (``"1337x"``) or Prowlarr's numeric id as text."""
    name: str
    enabled: bool
    configured: bool
    failing: bool
    """Failing now, in the backend's own live view. Jackett: its last query failed and the
    error has not expired yet (10 minutes, doubling with each further failure, at most a
    day). Prowlarr: enabled and blocked after failures (its back-off, 1 minute up to a
    day). An indexer that failed once and is being tried again is not failing."""
    last_error: str | None
    """Why it is failing (None when it is not)."""
    privacy: str | None = None
    """``public``, ``semi-private`` or ``private``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """One release found by an indexer."""

    title: str
    size: int
    """Bytes."""
    seeders: int | None
    leechers: int | None
    magnet: str | None
    """A magnet link (given by the indexer or built from the info-hash)."""
    link: str | None
    """The download link with every credential parameter removed (see the module doc)."""
    info_hash: str | None
    """Lower case (hex, or base32 as some trackers give it)."""
    indexer: str
    indexer_id: str
    publish_date: datetime | None
    categories: tuple[int, ...]
    guid: str | None = None
    info_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexerSearchStatus:
    """How one indexer fared in a search (Jackett reports this; Prowlarr does not)."""

    indexer_id: str
    name: str
    ok: bool
    results: int
    error: str | None
    elapsed: float | None
    """Seconds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResponse:
    """The results of one search, and per-indexer outcomes when the backend reports them."""

    results: tuple[SearchResult, ...]
    indexers: tuple[IndexerSearchStatus, ...] = ()

    @property
    def failed_indexers(self) -> tuple[IndexerSearchStatus, ...]:
        """Indexers that returned an error for this search."""
        return tuple(status for status in self.indexers if not status.ok)


def strip_secrets(link: str | None) -> str | None:
    """``link`` without credential query parameters; None when empty or not a URL."""
    if not link:
        return None
    if link.startswith("magnet:"):
        return link
    try:
        url = URL(link)
    except ValueError:
        return None
    if not url.query:
        return link
    kept = [(k, v) for k, v in url.query.items() if k.lower() not in SECRET_PARAMS]
    return str(url.with_query(kept))


def magnet_for(info_hash: str, title: str) -> str:
    """A magnet link for an info-hash, with the title as display name."""
    return f"magnet:?xt=urn:btih:{info_hash}&dn={quote(title)}"


def best_magnet(magnet: str | None, info_hash: str | None, title: str) -> str | None:
    """The given magnet if it is one, else one built from the info-hash, else None."""
    if magnet and magnet.startswith("magnet:"):
        return magnet
    if info_hash:
        return magnet_for(info_hash, title)
    return None

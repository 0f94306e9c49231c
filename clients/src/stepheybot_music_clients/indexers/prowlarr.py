"""Async client of Prowlarr (API v1): indexers, their failure status, and searches.

Prowlarr is a Servarr application: the API key goes in the ``X-Api-Key`` header only.
An indexer counts as failing while Prowlarr has disabled it after failures
(``indexerstatus.disabledTill`` in the future) or when its last failure is recent
(:data:`RECENT_FAILURE`). Prowlarr rewrites download and magnet links to its own proxy
(with the API key in the query); results keep the link without it and a magnet built
from the info-hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from stepheybot_music_clients.indexers.models import (
    MUSIC_CATEGORY,
    Indexer,
    SearchResponse,
    SearchResult,
    best_magnet,
    strip_secrets,
)
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.servarr import ServarrClient, optional_int, optional_str, parse_time
from stepheybot_music_clients.transport import parsing

RECENT_FAILURE = timedelta(hours=1)
"""A failure newer than this marks an indexer as failing even when it is not disabled."""


def _category_ids(values: Any) -> tuple[int, ...]:
    return tuple(int(v["id"]) if isinstance(v, dict) else int(v) for v in values or ())


def parse_release(data: Any) -> SearchResult:
    """Parse a ReleaseResource of ``/api/v1/search`` (camelCase)."""
    raw_hash = optional_str(data.get("infoHash"))
    info_hash = raw_hash.lower() if raw_hash else None
    title = str(data["title"])
    return SearchResult(
        title=title,
        size=int(data.get("size") or 0),
        seeders=optional_int(data.get("seeders")),
        leechers=optional_int(data.get("leechers")),
        magnet=best_magnet(optional_str(data.get("magnetUrl")), info_hash, title),
        link=strip_secrets(optional_str(data.get("downloadUrl"))),
        info_hash=info_hash,
        indexer=str(data.get("indexer") or ""),
        indexer_id=str(data.get("indexerId") or ""),
        publish_date=parse_time(data.get("publishDate")),
        categories=_category_ids(data.get("categories")),
        guid=optional_str(data.get("guid")),
        info_url=strip_secrets(optional_str(data.get("infoUrl"))),
    )


def _failure(status: Any, now: datetime) -> str | None:
    """Why an indexerstatus entry means failing, or None."""
    if not isinstance(status, dict):
        return None
    disabled_till = parse_time(status.get("disabledTill"))
    recent = parse_time(status.get("mostRecentFailure"))
    since = parse_time(status.get("initialFailure")) or recent
    if disabled_till is not None and disabled_till > now:
        text = f"Disabled by Prowlarr until {disabled_till:%Y-%m-%d %H:%M} UTC after failures"
        return text + (f" since {since:%Y-%m-%d %H:%M} UTC." if since else ".")
    if recent is not None and now - recent < RECENT_FAILURE:
        return f"Last query failed at {recent:%Y-%m-%d %H:%M} UTC."
    return None


class ProwlarrClient(ServarrClient):
    """One Prowlarr server."""

    kind: ClassVar[str] = "Prowlarr"
    app_name: ClassVar[str] = "Prowlarr"
    backend_kind: ClassVar[BackendKind] = BackendKind.PROWLARR

    async def indexers(self) -> list[Indexer]:
        """Every indexer with its failure state (two requests)."""
        data = await self._get("indexer")
        statuses = await self._get("indexerstatus")
        now = datetime.now(UTC)
        with parsing(self.kind, "its indexers"):
            by_indexer = {int(s["indexerId"]): s for s in statuses}
            out: list[Indexer] = []
            for item in data:
                error = _failure(by_indexer.get(int(item["id"])), now)
                out.append(
                    Indexer(
                        id=str(item["id"]),
                        name=str(item["name"]),
                        enabled=bool(item.get("enable")),
                        configured=True,
                        failing=error is not None,
                        last_error=error,
                        privacy=optional_str(item.get("privacy")),
                    )
                )
            return out

    async def search(
        self,
        query: str,
        *,
        type: str = "music",
        categories: Sequence[int] = (MUSIC_CATEGORY,),
        indexer_ids: Sequence[int] = (),
        limit: int = 100,
        timeout: float | None = None,
    ) -> SearchResponse:
        """Search the enabled indexers (or ``indexer_ids``) for releases in ``categories``.

        Prowlarr asks every indexer live: pass a longer ``timeout`` (seconds) than the
        client's default for interactive searches.
        """
        params: list[tuple[str, str | int | float]] = [
            ("query", query),
            ("type", type),
            ("limit", limit),
        ]
        params += [("categories", c) for c in categories]
        params += [("indexerIds", i) for i in indexer_ids]
        resp = await self._call("GET", "search", params=params, timeout=timeout)
        data = resp.json()
        with parsing(self.kind, "search results"):
            return SearchResponse(results=tuple(parse_release(item) for item in data))

"""Async client of Prowlarr (API v1): indexers, their failure status, and searches.

Prowlarr is a Servarr application: the API key goes in the ``X-Api-Key`` header only.
An indexer counts as failing while it is enabled and Prowlarr has blocked it after failures
(its back-off: 1 minute after the first failure, then 5, 15, 30 minutes, ... up to a day),
which is what Prowlarr's own health check reports. ``indexerstatus`` lists exactly the
blocked indexers (``DisabledTill > now`` on the server's clock, enabled or not); once a
back-off ends the row is no longer listed, so "failed recently" cannot be read from it
(``/api/v1/indexerstats`` could, at one more request per poll; not used). Prowlarr rewrites
download and magnet links to its own proxy (with the API key in the query); results keep
the link without it and a magnet built from the info-hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
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
from stepheybot_music_clients.transport import Response, parsing

LONG_TERM = timedelta(hours=6)
"""Failures that started longer ago are "long-term" (Prowlarr's IndexerLongTermStatusCheck,
src/NzbDrone.Core/HealthCheck/Checks/IndexerLongTermStatusCheck.cs @ v2.3.5.5327)."""


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


def server_time(resp: Response) -> datetime:
    """The server's clock at its reply (the ``Date`` header), else ours."""
    try:
        moment = parsedate_to_datetime(resp.headers.get("Date", ""))
    except (TypeError, ValueError):
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _blocked(status: Any, now: datetime) -> str | None:
    """Why an ``indexerstatus`` row means blocked now, or None.

    Prowlarr lists only the rows blocked at the time of the request, so a row is blocked
    unless its ``disabledTill`` is already past on the server's clock ``now`` (a reply kept
    by a cache, say); our own clock plays no part, so a skewed one cannot hide a failure.
    """
    if not isinstance(status, dict):
        return None
    until = parse_time(status.get("disabledTill"))
    if until is not None and until <= now:
        return None
    since = parse_time(status.get("initialFailure")) or parse_time(status.get("mostRecentFailure"))
    text = "Prowlarr stopped using it after failures"
    if since is not None:
        text += f" that started {since:%Y-%m-%d %H:%M} UTC"
        if now - since > LONG_TERM:
            text += " (more than 6 hours ago)"
    if until is not None:
        text += f"; it tries again after {until:%Y-%m-%d %H:%M} UTC"
    return text + "."


class ProwlarrClient(ServarrClient):
    """One Prowlarr server."""

    kind: ClassVar[str] = "Prowlarr"
    app_name: ClassVar[str] = "Prowlarr"
    backend_kind: ClassVar[BackendKind] = BackendKind.PROWLARR

    async def indexers(self) -> list[Indexer]:
        """Every indexer; ``failing`` when enabled and blocked after failures (two requests).

        A disabled indexer is never failing (Prowlarr's health check leaves it out too),
        though ``indexerstatus`` may still list it.
        """
        data = await self._get("indexer")
        resp = await self._call("GET", "indexerstatus")
        statuses = resp.json()
        now = server_time(resp)
        with parsing(self.kind, "its indexers"):
            by_indexer = {int(s["indexerId"]): s for s in statuses}
            out: list[Indexer] = []
            for item in data:
                enabled = bool(item.get("enable"))
                error = _blocked(by_indexer.get(int(item["id"])), now) if enabled else None
                out.append(
                    Indexer(
                        id=str(item["id"]),
                        name=str(item["name"]),
                        enabled=enabled,
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

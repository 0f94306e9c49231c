"""Prowlarr facade: API v1 of Prowlarr 2.3.5.5323 over the world's indexers and releases.

Routes: ``/ping``, ``/api``, ``/api/v1/`` ``system/status``, ``health`` (blocked enabled
indexers give an ``IndexerStatusCheck`` item, or ``IndexerLongTermStatusCheck`` when their
failures started over 6 hours ago), ``indexer`` (list and ``{id}``), ``indexerstatus`` (the
indexers blocked now, by the back-off of :mod:`.prowlarr_backoff`) and ``search``
(``query``, ``type``, ``categories``, ``indexerIds`` with -2 for every torrent indexer,
``limit``, ``offset``). Download and magnet links point at Prowlarr's proxy with the API key
in the query, as the real ones do. Auth as in :mod:`._servarr`.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ..model import Indexer, Release
from . import BackendContext
from ._servarr import auth_middleware, common_routes, ints, iso, json, not_found
from .jackett import CATEGORIES, matches_categories, release_categories
from .prowlarr_backoff import LONG_TERM, Backoff, ProviderStatus

VERSION = "2.3.5.5323"
WIKI = "https://wiki.servarr.com/prowlarr/system"
ALL_TORRENT_INDEXERS = -2
ALL_USENET_INDEXERS = -1


def build_app(ctx: BackendContext) -> web.Application:
    """The Prowlarr API over ``ctx.world``."""
    world = ctx.world
    app = web.Application(middlewares=[auth_middleware(ctx)])
    common_routes(app, "Prowlarr")

    async def server_date(_: web.Request, response: web.StreamResponse) -> None:
        # the Date header tells the server's clock, which here is the world's
        response.headers["Date"] = format_datetime(world.clock.now(), usegmt=True)

    app.on_response_prepare.append(server_date)
    started = world.clock.now()
    added = started - timedelta(days=90)
    process_start = started - timedelta(hours=3)  # system/status startTime
    backoff = Backoff(process_start)

    def blocked_now() -> list[ProviderStatus]:
        now = world.clock.now()
        backoff.catch_up(world.indexers, now)
        return backoff.blocked(now)

    def base() -> str:
        return f"http://127.0.0.1:{ctx.port}"

    def indexer_resource(indexer: Indexer) -> dict[str, Any]:
        return {
            "id": indexer.id,
            "name": indexer.name,
            "sortName": indexer.name.lower(),
            "enable": indexer.enabled,
            "redirect": False,
            "supportsRss": True,
            "supportsSearch": True,
            "supportsRedirect": False,
            "supportsPagination": False,
            "appProfileId": 1,
            "protocol": "torrent",
            "privacy": indexer.privacy.replace("semi-private", "semiPrivate"),
            "capabilities": {
                "id": 0,
                "limitsMax": 100,
                "limitsDefault": 100,
                "categories": [
                    {"id": cid, "name": name, "subCategories": []}
                    for cid, name in CATEGORIES.items()
                ],
                "supportsRawSearch": False,
                "searchParams": ["q"],
                "musicSearchParams": ["q", "album", "artist"],
            },
            "priority": 25,
            "downloadClientId": 0,
            "added": iso(added),
            "definitionName": indexer.slug,
            "implementationName": "Cardigann",
            "implementation": "Cardigann",
            "configContract": "CardigannSettings",
            "infoLink": "https://wiki.servarr.com/prowlarr/supported-indexers",
            "tags": [],
            "fields": [],
        }

    def status_resource(status: ProviderStatus) -> dict[str, Any]:
        # IndexerStatusResource: no id (RestResource.Id is omitted when 0), nulls omitted
        row: dict[str, Any] = {"indexerId": status.indexer_id}
        for key, value in (
            ("disabledTill", status.disabled_till),
            ("mostRecentFailure", status.most_recent_failure),
            ("initialFailure", status.initial_failure),
        ):
            if value is not None:
                row[key] = iso(value)
        return row

    def health_items() -> list[dict[str, Any]]:
        """IndexerStatusCheck and IndexerLongTermStatusCheck (HealthCheck/Checks @ v2.3.5.5327).

        Enabled indexers joined with the blocked ones, split by whether their failures
        started within the last 6 hours; "all" when every enabled indexer is in the split.
        """
        now = world.clock.now()
        enabled = {i.id: i for i in world.indexers if i.enabled}
        rows = [s for s in blocked_now() if s.indexer_id in enabled and s.initial_failure]
        items = []
        for source, long_term, all_text, some_text in (
            (
                "IndexerStatusCheck",
                False,
                "All indexers are unavailable due to failures",
                "Indexers unavailable due to failures: {}",
            ),
            (
                "IndexerLongTermStatusCheck",
                True,
                "All indexers are unavailable due to failures for more than 6 hours",
                "Indexers unavailable due to failures for more than 6 hours: {}",
            ),
        ):
            names = [
                enabled[s.indexer_id].name
                for s in rows
                if s.initial_failure is not None
                and (s.initial_failure < now - LONG_TERM) is long_term
            ]
            if not names:
                continue
            everything = len(names) == len(enabled)
            items.append(
                {
                    "source": source,
                    "type": "error" if everything else "warning",
                    "message": all_text if everything else some_text.format(", ".join(names)),
                    "wikiUrl": f"{WIKI}#indexers-are-unavailable-due-to-failures",
                }
            )
        return items

    def release_resource(release: Release) -> dict[str, Any]:
        indexer = next(i for i in world.indexers if i.id == release.indexer_id)
        proxy = (
            f"{base()}/{indexer.id}/download?apikey={ctx.spec.api_key}"
            f"&link={quote(release.guid)}&file={quote(release.title)}"
        )
        age = world.clock.now() - release.publish_date
        return {
            "id": 0,
            "guid": f"https://{indexer.slug}.example/torrent/{release.guid}",
            "age": age.days,
            "ageHours": round(age.total_seconds() / 3600, 2),
            "ageMinutes": round(age.total_seconds() / 60, 2),
            "size": release.size,
            "files": 12,
            "grabs": release.seeders * 3,
            "indexerId": indexer.id,
            "indexer": indexer.name,
            "title": release.title,
            "sortTitle": release.title.lower(),
            "imdbId": 0,
            "tmdbId": 0,
            "tvdbId": 0,
            "tvMazeId": 0,
            "publishDate": iso(release.publish_date),
            "commentUrl": f"https://{indexer.slug}.example/torrent/{release.guid}",
            "downloadUrl": proxy,
            "infoUrl": f"https://{indexer.slug}.example/torrent/{release.guid}",
            "indexerFlags": [],
            "categories": [
                {"id": cid, "name": CATEGORIES[cid], "subCategories": []}
                for cid in release_categories(release)
            ],
            "magnetUrl": proxy + "&magnet=true",
            "infoHash": release.info_hash.upper(),
            "seeders": release.seeders,
            "leechers": release.leechers,
            "protocol": "torrent",
            "fileName": f"{release.title}.torrent",
        }

    async def system_status(_: web.Request) -> web.Response:
        return json(
            {
                "appName": "Prowlarr",
                "instanceName": "Prowlarr",
                "version": VERSION,
                "buildTime": "2025-11-01T10:00:00Z",
                "isDebug": False,
                "isProduction": True,
                "isAdmin": False,
                "isUserInteractive": False,
                "startupPath": "/app/prowlarr/bin",
                "appData": "/config",
                "osName": "alpine",
                "osVersion": "3.22.1",
                "isNetCore": True,
                "isLinux": True,
                "isOsx": False,
                "isWindows": False,
                "isDocker": True,
                "mode": "console",
                "branch": "master",
                "databaseType": "sqLite",
                "databaseVersion": "3.49.2",
                "authentication": "forms",
                "migrationVersion": 42,
                "urlBase": "",
                "runtimeVersion": "8.0.19",
                "runtimeName": ".NET",
                "startTime": iso(started - timedelta(hours=3)),
                "packageVersion": f"{VERSION}-ls130",
                "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
                "packageUpdateMechanism": "docker",
            }
        )

    async def health(_: web.Request) -> web.Response:
        return json(health_items())  # HealthResource rows have no id (Id 0 is omitted)

    async def indexers(_: web.Request) -> web.Response:
        return json([indexer_resource(i) for i in world.indexers])

    async def indexer(request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        found = next((i for i in world.indexers if raw.isdigit() and i.id == int(raw)), None)
        return json(indexer_resource(found)) if found is not None else not_found()

    async def indexer_status(_: web.Request) -> web.Response:
        # blocked now, whether enabled or not (IndexerStatusController.GetAll)
        return json([status_resource(s) for s in blocked_now()])

    async def search(request: web.Request) -> web.Response:
        query = request.query.get("query", "")
        categories = ints(request, "categories")
        wanted = set(ints(request, "indexerIds"))
        if wanted & {ALL_TORRENT_INDEXERS} or not wanted:
            wanted = {i.id for i in world.indexers}
        now = world.clock.now()
        backoff.catch_up(world.indexers, now)
        for asked in world.indexers:  # a search asks every wanted indexer not blocked
            if asked.enabled and asked.id in wanted:
                backoff.query(asked, now)
        try:
            limit = int(request.query.get("limit", "100"))
            offset = int(request.query.get("offset", "0"))
        except ValueError:
            return json({"message": "limit and offset must be integers"}, status=400)
        releases = [
            r
            for r in world.search_releases(query, limit=500)
            if r.indexer_id in wanted and matches_categories(r, categories)
        ]
        releases.sort(key=lambda r: r.publish_date, reverse=True)
        return json([release_resource(r) for r in releases[offset : offset + limit]])

    api = "/api/v1/"
    app.router.add_get(api + "system/status", system_status)
    app.router.add_get(api + "health", health)
    app.router.add_get(api + "indexer", indexers)
    app.router.add_get(api + "indexer/{id}", indexer)
    app.router.add_get(api + "indexerstatus", indexer_status)
    app.router.add_get(api + "search", search)
    return app

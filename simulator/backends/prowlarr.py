"""Prowlarr facade: API v1 of Prowlarr 2.3.5.5323 over the world's indexers and releases.

Routes: ``/ping``, ``/api``, ``/api/v1/`` ``system/status``, ``health`` (failing indexers
give an ``IndexerStatusCheck`` item), ``indexer`` (list and ``{id}``), ``indexerstatus``
(an entry per failing indexer, disabled for an hour from the facade's start) and ``search``
(``query``, ``type``, ``categories``, ``indexerIds`` with -2 for every torrent indexer,
``limit``, ``offset``). Download and magnet links point at Prowlarr's proxy with the API key
in the query, as the real ones do. Auth as in :mod:`._servarr`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ..model import Indexer, Release
from . import BackendContext
from ._servarr import auth_middleware, common_routes, indexer_health, ints, iso, json, not_found
from .jackett import CATEGORIES, matches_categories, release_categories

VERSION = "2.3.5.5323"
WIKI = "https://wiki.servarr.com/prowlarr/system"
ALL_TORRENT_INDEXERS = -2
ALL_USENET_INDEXERS = -1


def build_app(ctx: BackendContext) -> web.Application:
    """The Prowlarr API over ``ctx.world``."""
    world = ctx.world
    app = web.Application(middlewares=[auth_middleware(ctx)])
    common_routes(app, "Prowlarr")
    started = world.clock.now()
    added = started - timedelta(days=90)

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

    def status_resource(indexer: Indexer) -> dict[str, Any]:
        return {
            "id": indexer.id,
            "indexerId": indexer.id,
            "disabledTill": iso(world.clock.now() + timedelta(hours=1)),
            "mostRecentFailure": iso(world.clock.now() - timedelta(minutes=2)),
            "initialFailure": iso(started - timedelta(minutes=30)),
        }

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
        items = indexer_health(world, WIKI)
        return json([{"id": n + 1, **item} for n, item in enumerate(items)])

    async def indexers(_: web.Request) -> web.Response:
        return json([indexer_resource(i) for i in world.indexers])

    async def indexer(request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        found = next((i for i in world.indexers if raw.isdigit() and i.id == int(raw)), None)
        return json(indexer_resource(found)) if found is not None else not_found()

    async def indexer_status(_: web.Request) -> web.Response:
        return json([status_resource(i) for i in world.indexers if i.enabled and i.failing])

    async def search(request: web.Request) -> web.Response:
        query = request.query.get("query", "")
        categories = ints(request, "categories")
        wanted = set(ints(request, "indexerIds"))
        if wanted & {ALL_TORRENT_INDEXERS} or not wanted:
            wanted = {i.id for i in world.indexers}
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

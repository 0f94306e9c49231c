"""Every body the simulated Lidarr serves validates against Lidarr's own OpenAPI document.

``tests/data/lidarr-openapi.json`` is Lidarr's ``src/Lidarr.Api.V1/openapi.json`` (see
``/work/shared/reference/backend-apis.md`` §2). Each case requests one endpoint of a
simulator whose world has been driven into a varied state (downloads in every queue state,
unknown queue items, history of grabs and imports, failing indexers, low disk space) and
validates the reply with ``OAS30ReadValidator`` against the schema the document gives for
that path and method, ``$ref``s resolved against the document, formats (int32, int64,
double, date-time) checked. Component schemas forbid additional properties, so an invented
or misspelt field fails too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from simulator import Simulator
from simulator.backends import BackendContext, BackendSpec
from simulator.backends.lidarr import build_app
from simulator.faults import FaultState
from simulator.model import TorrentStatus
from simulator.world import GIB, World

KEY = "openapi0123456789abcdef012345678"
DOC: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "lidarr-openapi.json").read_text(encoding="utf-8")
)
BASE = "urn:lidarr-openapi"
REGISTRY: Registry[Any] = Registry().with_resource(
    BASE, Resource.from_contents(DOC, default_specification=DRAFT4)
)
FORMATS = FormatChecker()
FORMATS.checkers.update(oas30_format_checker.checkers)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def response_schema(path: str, method: str) -> dict[str, Any]:
    """A ``$ref`` to the JSON schema of the 200 reply the document gives for an operation."""
    content = DOC["paths"][path][method]["responses"]["200"].get("content", {})
    assert "application/json" in content, f"{method.upper()} {path} documents no JSON reply"
    pointer = "/".join(
        _escape(p)
        for p in ("paths", path, method, "responses", "200", "content", "application/json")
    )
    return {"$ref": f"{BASE}#/{pointer}/schema"}


def component(name: str) -> dict[str, Any]:
    """A ``$ref`` to a component schema."""
    assert name in DOC["components"]["schemas"]
    return {"$ref": f"{BASE}#/components/schemas/{name}"}


def schema_errors(schema: dict[str, Any], body: Any) -> list[str]:
    """Every way ``body`` violates ``schema`` (empty when it is valid)."""
    validator = OAS30ReadValidator(schema, registry=REGISTRY, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]


@dataclass(frozen=True, slots=True)
class Case:
    """One request to the simulated Lidarr and the schema its reply must satisfy."""

    method: str
    path: str
    """The path as written in the OpenAPI document."""
    url: str = ""
    """The concrete path, when it differs (path parameters filled in)."""
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    status: int = 200
    schema: str | None = None
    """A component schema name, for replies the document does not describe."""

    @property
    def id(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.method} {self.url or self.path}" + (f"?{query}" if query else "")


WEBHOOK = {
    "name": "Home Assistant",
    "implementation": "Webhook",
    "configContract": "WebhookSettings",
    "fields": [
        {"name": "url", "value": "http://127.0.0.1:9/api/webhook/x"},
        {"name": "method", "value": 1},
        {"name": "username", "value": "lidarr"},
        {"name": "password", "value": "secret"},
    ],
    "onGrab": True,
    "onReleaseImport": True,
    "tags": [],
}
"""A webhook to a closed port: saved with ``forceSave``, its test fails."""


def _cases() -> list[Case]:
    api = "/api/v1/"
    return [
        Case("GET", "/ping"),
        Case("GET", api + "system/status"),
        Case("GET", api + "health"),
        Case("GET", api + "diskspace"),
        Case("GET", api + "rootfolder"),
        Case("GET", api + "qualityprofile"),
        Case("GET", api + "metadataprofile"),
        Case("GET", api + "queue"),
        Case("GET", api + "queue", params={"page": "2", "pageSize": "3"}),
        Case(
            "GET",
            api + "queue",
            params={
                "includeArtist": "true",
                "includeAlbum": "true",
                "includeUnknownArtistItems": "true",
                "pageSize": "100",
            },
        ),
        Case("GET", api + "queue/status"),
        Case("GET", api + "queue/details"),
        Case(
            "GET",
            api + "queue/details",
            params={"includeArtist": "true", "artistId": "{queued_artist}"},
        ),
        Case("GET", api + "wanted/missing"),
        Case("GET", api + "wanted/missing", params={"includeArtist": "true", "pageSize": "50"}),
        Case("GET", api + "wanted/missing", params={"monitored": "false", "pageSize": "50"}),
        Case("GET", api + "wanted/cutoff", params={"includeArtist": "true", "pageSize": "50"}),
        Case("GET", api + "artist"),
        Case("GET", api + "artist", params={"mbId": "{mbid}"}),
        Case("GET", api + "artist/{id}", url=api + "artist/{artist}"),
        Case("GET", api + "artist/lookup", params={"term": "the"}),
        Case("GET", api + "artist/lookup", params={"term": "mbid:{catalog_mbid}"}),
        Case("GET", api + "album"),
        Case("GET", api + "album", params={"artistId": "{artist}"}),
        Case("GET", api + "album", params={"albumIds": "{album}"}),
        Case("GET", api + "album/{id}", url=api + "album/{album}"),
        Case("GET", api + "album/lookup", params={"term": "{catalog_name}"}),
        Case(
            "PUT",
            api + "album/{id}",
            url=api + "album/{album}",
            body={"id": "{album}", "monitored": False},
            status=202,
        ),
        Case(
            "PUT",
            api + "album/monitor",
            body={"albumIds": ["{album}"], "monitored": True},
            status=202,
            schema="AlbumResource[]",
        ),
        Case(
            "POST",
            api + "artist",
            body={
                "artistName": "{catalog_name}",
                "foreignArtistId": "{catalog_mbid}",
                "qualityProfileId": 2,
                "metadataProfileId": 1,
                "rootFolderPath": "/music",
                "monitored": True,
                "addOptions": {"monitor": "all", "searchForMissingAlbums": True},
            },
            status=201,
        ),
        Case(
            "POST",
            api + "command",
            body={"name": "AlbumSearch", "albumIds": ["{album}"]},
            status=201,
        ),
        Case(
            "POST",
            api + "command",
            body={"name": "RefreshArtist", "artistId": "{artist}"},
            status=201,
        ),
        Case("POST", api + "command", body={"name": "MissingAlbumSearch"}, status=201),
        Case("POST", api + "command", body={"name": "CutoffUnmetAlbumSearch"}, status=201),
        Case("GET", api + "wanted/cutoff", params={"page": "1", "pageSize": "1"}),
        Case("GET", api + "command"),
        Case("GET", api + "command/{id}", url=api + "command/1"),
        Case("GET", api + "history", params={"pageSize": "100"}),
        Case(
            "GET",
            api + "history",
            params={"includeArtist": "true", "includeAlbum": "true", "eventType": "8"},
        ),
        Case("GET", api + "notification/schema"),
        Case("GET", api + "notification"),
        Case("GET", api + "notification/{id}", url=api + "notification/{notification}"),
        Case(
            "POST",
            api + "notification",
            params={"forceSave": "true"},
            body=WEBHOOK,
            status=201,
        ),
        Case(
            "PUT",
            api + "notification/{id}",
            url=api + "notification/{notification}",
            params={"forceSave": "true"},
            body={**WEBHOOK, "id": "{notification}", "onGrab": False},
            status=202,
        ),
        Case(
            "DELETE",
            api + "notification/{id}",
            url=api + "notification/{notification}",
            schema="any",
        ),
        Case(
            "POST",
            api + "notification/test",
            body={**WEBHOOK, "id": "{notification}"},
            status=400,
            schema="ValidationFailure[]",
        ),
        Case("GET", api + "calendar", params={"start": "{today}", "end": "{in_30_days}"}),
        Case(
            "GET",
            api + "calendar",
            params={
                "start": "{today}T00:00:00+00:00",
                "end": "{in_30_days}T23:59:59+00:00",
                "unmonitored": "false",
                "includeArtist": "true",
            },
        ),
        Case(
            "GET",
            api + "calendar",
            params={
                "start": "{today}",
                "end": "{in_30_days}",
                "unmonitored": "true",
                "includeArtist": "true",
            },
        ),
    ]


CASES = _cases()


def _fill(value: Any, names: dict[str, Any]) -> Any:
    """Replace ``"{name}"`` placeholders (whole values keep their type)."""
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", str(replacement))
        return value
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _drive(world: World) -> dict[str, Any]:
    """Put the world into a varied state; return the placeholder values for the cases."""
    world.run_command("MissingAlbumSearch", {})
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    viable = [
        a
        for a in world.artists.values()
        if not a.in_lidarr
        and any(
            r.indexer_id in working and r.seeders > 0
            for i in a.album_ids
            for r in world.releases_for(world.albums[i])
        )
    ]
    spare = viable.pop()
    for artist in viable:
        if len(world.lidarr_queue()) >= 8:
            break
        world.add_artist(artist.mbid, search=True)
        world.lidarr_artist_profiles[artist.mbid] = (2, 1, "/music")
    # a download Lidarr cannot match: an album of an artist it does not manage
    release = next(r for i in spare.album_ids for r in world.releases_for(world.albums[i]))
    world.add_magnet(release.magnet, category=world.music_category)
    return {"spare": spare}


@pytest.fixture
async def sim() -> AsyncIterator[tuple[Simulator, dict[str, Any]]]:
    spec = BackendSpec(name="lidarr", kind="lidarr", api_key=KEY)
    async with Simulator(specs=[spec], speed=0) as simulator:
        world = simulator.world
        extra = _drive(world)
        await simulator.advance(300, step=5)  # the first grabs finish and are imported
        extra |= _drive(world)
        await simulator.advance(3)
        states = (
            TorrentStatus.ERROR,
            TorrentStatus.SEEDING,
            TorrentStatus.STALLED_DOWNLOADING,
            TorrentStatus.STOPPED_DOWNLOADING,
            TorrentStatus.QUEUED,
        )
        for torrent, status in zip(world.lidarr_queue(), states, strict=False):
            torrent.status = status
            if status is TorrentStatus.ERROR:
                torrent.error = "The torrent has errors"
            if status is TorrentStatus.SEEDING:
                torrent.progress = 1.0
        world.indexers[1].failing = True
        world.download_disk_free = 3 * GIB
        world.set_container_state("qbittorrent", "exited", 137)
        world.set_container_state("transmission", "exited", 137)
        queued = world.lidarr_queue()[0]
        assert queued.album_id is not None
        unwanted = next(a for a in world.missing_albums() if world.torrent_for_album(a.id) is None)
        unwanted.monitored = False
        artist = world.lidarr_artists()[2]
        today = world.clock.now().date()
        async with aiohttp.ClientSession() as session:
            made = await session.post(
                simulator.url("lidarr") + "/api/v1/notification",
                params={"forceSave": "true"},
                json=WEBHOOK,
                headers={"X-Api-Key": KEY},
            )
            assert made.status == 201, await made.text()
            notification = (await made.json())["id"]
        names = {
            "notification": notification,
            "artist": artist.lidarr_id,
            "queued_artist": world.artist_of(world.albums[queued.album_id]).lidarr_id,
            "mbid": artist.mbid,
            "album": artist.album_ids[0],
            "catalog_mbid": extra["spare"].mbid,
            "catalog_name": extra["spare"].name,
            "today": today.isoformat(),
            "in_30_days": (today + timedelta(days=30)).isoformat(),
        }
        yield simulator, names


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_reply_matches_lidarrs_openapi_schema(
    sim: tuple[Simulator, dict[str, Any]], case: Case
) -> None:
    simulator, names = sim
    url = simulator.url("lidarr") + _fill(case.url or case.path, names)
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            case.method,
            url,
            params=_fill(case.params, names),
            json=_fill(case.body, names),
            headers={"X-Api-Key": KEY},
        ) as resp,
    ):
        assert resp.status == case.status, await resp.text()
        assert resp.content_type == "application/json"
        body = await resp.json()
    if case.schema == "AlbumResource[]":
        schema: dict[str, Any] = {"type": "array", "items": component("AlbumResource")}
    elif case.schema == "ValidationFailure[]":
        schema = {"type": "array", "items": {"type": "object", "required": ["errorMessage"]}}
        assert "Unable to post to webhook" in body[0]["errorMessage"]
    elif case.schema == "any":
        schema = {"type": "object"}  # DELETE answers {} (ProviderControllerBase.cs)
    else:
        schema = response_schema(case.path, case.method.lower())
    errors = schema_errors(schema, body)
    assert not errors, "\n".join(errors[:20])
    if isinstance(body, list):
        assert body, "an empty list proves nothing; the driven world should fill it"
    if isinstance(body, dict) and "records" in body and case.params.get("page") != "2":
        assert body["records"], "an empty page proves nothing; the driven world should fill it"


async def test_the_cases_cover_every_route_and_only_documented_ones() -> None:
    world = World()
    ctx = BackendContext(
        world=world, spec=BackendSpec(name="l", kind="lidarr", api_key=KEY), faults=FaultState()
    )
    app = build_app(ctx)
    served = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    for method, path in served:
        assert path in DOC["paths"] or path == "/", (method, path)
        if path in DOC["paths"]:
            assert method.lower() in DOC["paths"][path], (method, path)
    covered = {(c.method, c.path) for c in CASES} | {("GET", "/"), ("GET", "/api")}
    assert served <= covered, sorted(served - covered)


async def test_api_and_ui_are_anonymous_and_api_v1_needs_the_key(
    sim: tuple[Simulator, dict[str, Any]],
) -> None:
    simulator, _ = sim
    base = simulator.url("lidarr")
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/api") as resp:
            assert resp.status == 200
            assert await resp.json() == {"current": "v1", "deprecated": []}
        async with session.get(base + "/") as resp:
            assert resp.status == 200
            assert resp.content_type == "text/html"
        async with session.head(base + "/ping") as resp:
            assert resp.status == 200
        for headers, params in (
            ({}, {}),
            ({"X-Api-Key": "nope"}, {}),
            ({"Authorization": "Bearer nope"}, {}),
            ({}, {"apikey": "nope"}),
        ):
            async with session.get(
                base + "/api/v1/system/status", headers=headers, params=params
            ) as resp:
                assert resp.status == 401
                assert await resp.read() == b""
        for headers, params in (
            ({"Authorization": f"Bearer {KEY}"}, {}),
            ({}, {"apikey": KEY}),
        ):
            async with session.get(
                base + "/api/v1/system/status", headers=headers, params=params
            ) as resp:
                assert resp.status == 200
                assert (await resp.json())["appName"] == "Lidarr"


async def test_validation_failures_are_arrays_as_lidarr_sends_them(
    sim: tuple[Simulator, dict[str, Any]],
) -> None:
    simulator, names = sim
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            simulator.url("lidarr") + "/api/v1/artist",
            json={"foreignArtistId": names["mbid"], "qualityProfileId": 0},
            headers={"X-Api-Key": KEY},
        ) as resp,
    ):
        assert resp.status == 400
        errors = await resp.json()
    assert {e["propertyName"] for e in errors} == {
        "QualityProfileId",
        "MetadataProfileId",
        "RootFolderPath",
        "ArtistName",
        "ForeignArtistId",
    }
    assert "This artist has already been added." in {e["errorMessage"] for e in errors}
    assert all(e["severity"] == "error" and e["errorCode"] for e in errors)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"surprise": 1}, "Additional properties are not allowed"),
        ({"status": "resting"}, "is not one of"),
        ({"added": "yesterday"}, "is not a 'date-time'"),
        ({"statistics": {"albumCount": 2**40}}, "is not a 'int32'"),
        ({"artistName": 7}, "is not of type 'string'"),
        ({"monitored": None}, "None for not nullable"),
    ],
)
def test_the_validator_rejects_broken_bodies(change: dict[str, Any], expected: str) -> None:
    good = {
        "id": 1,
        "artistName": "The Owls",
        "foreignArtistId": "a",
        "status": "continuing",
        "monitored": True,
        "added": "2025-01-02T03:04:05Z",
        "statistics": {"albumCount": 2},
    }
    assert schema_errors(component("ArtistResource"), good) == []
    errors = schema_errors(response_schema("/api/v1/artist", "get"), [good | change])
    assert any(expected in e for e in errors), errors

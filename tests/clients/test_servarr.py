"""The Servarr conventions shared by the Lidarr and Prowlarr clients, at their edges.

The simulator plays well-formed Servarr replies; these tests feed the clients the odd
ones a real server (or a proxy in front of it) can send, from a tiny loopback server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    BackendRequestError,
    InvalidAuthError,
    UnexpectedResponseError,
)
from stepheybot_music_clients.indexers import ProwlarrClient
from stepheybot_music_clients.lidarr import (
    DownloadStatus,
    HealthType,
    LidarrClient,
    TrackedDownloadState,
)
from stepheybot_music_clients.servarr import (
    as_bool,
    parse_time,
    parse_timespan,
)

from tests.loopback import serve

KEY = "servarrkey0123456789abcdefghijkl"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def test_timespans() -> None:
    assert parse_timespan("00:12:34") == 754
    assert parse_timespan("1.02:03:04") == 93784
    assert parse_timespan("1.02:03:04.5000000") == pytest.approx(93784.5)
    assert parse_timespan("-00:00:05") == -5
    assert parse_timespan(None) is None
    assert parse_timespan("") is None
    with pytest.raises(ValueError, match="is not a TimeSpan"):
        parse_timespan("soon")
    with pytest.raises(TypeError):
        parse_timespan(12)


def test_timestamps() -> None:
    assert parse_time("2025-09-06T14:47:11.1234567Z") == datetime(
        2025, 9, 6, 14, 47, 11, 123456, tzinfo=UTC
    )
    assert parse_time("2025-09-06T14:47:11") == datetime(2025, 9, 6, 14, 47, 11, tzinfo=UTC)
    assert parse_time("2025-09-06T16:47:11+02:00") == datetime(
        2025, 9, 6, 16, 47, 11, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time(None) is None
    with pytest.raises(TypeError):
        parse_time(1757170031)
    assert as_bool(None) is False
    with pytest.raises(TypeError):
        as_bool("true")


def _odd_lidarr() -> web.Application:
    async def health(_: web.Request) -> web.Response:
        return web.json_response([{"source": "FutureCheck", "type": "catastrophic"}])

    async def queue(_: web.Request) -> web.Response:
        record = {"id": 7, "status": "teleporting", "trackedDownloadState": "levitating"}
        return web.json_response({"totalRecords": 1, "records": [record]})

    async def status(_: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/login?returnUrl=%2F"})

    async def album(request: web.Request) -> web.Response:
        if request.match_info["id"] == "5":
            return web.Response(status=400, text="Album id is not valid")
        return web.Response(status=409, text="")

    async def profiles(_: web.Request) -> web.Response:
        items = [
            {"name": "Lossless", "items": [], "allowed": True},
            {"quality": {"id": 4, "name": "MP3-320"}, "allowed": False},
            {"quality": {"id": 6, "name": "FLAC"}, "allowed": True},
        ]
        return web.json_response([{"id": 3, "name": "Mine", "cutoff": 6, "items": items}])

    seen: list[dict[str, str]] = []

    async def calendar(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        return web.json_response([])

    app = web.Application()
    app["seen"] = seen
    app.router.add_get("/api/v1/health", health)
    app.router.add_get("/api/v1/queue", queue)
    app.router.add_get("/api/v1/system/status", status)
    app.router.add_get("/api/v1/album/{id}", album)
    app.router.add_get("/api/v1/qualityprofile", profiles)
    app.router.add_get("/api/v1/calendar", calendar)
    return app


async def test_unknown_values_are_kept_as_unknown(session: aiohttp.ClientSession) -> None:
    async with serve(_odd_lidarr()) as url:
        client = LidarrClient(session, url, api_key=KEY)
        [item] = await client.health()
        assert (item.type, item.message, item.wiki_url) == (HealthType.UNKNOWN, "", None)
        [record] = (await client.queue()).records
        assert record.status is DownloadStatus.UNKNOWN
        assert record.tracked_download_state is TrackedDownloadState.UNKNOWN
        assert (record.size, record.progress, record.time_left, record.quality) == (
            0,
            0.0,
            None,
            None,
        )
        [profile] = await client.quality_profiles()
        assert profile.allowed == ("Lossless", "FLAC")


async def test_odd_statuses(session: aiohttp.ClientSession) -> None:
    async with serve(_odd_lidarr()) as url:
        client = LidarrClient(session, url, api_key=KEY)
        with pytest.raises(UnexpectedResponseError) as caught:
            await client.system_status()
        assert "redirected /api/v1/system/status (HTTP 302)" in caught.value.message
        assert "no login page is in front of Lidarr" in caught.value.message
        with pytest.raises(BackendRequestError) as refused:
            await client.add_album(5)
        assert refused.value.code == 400
        assert refused.value.message == (
            "Lidarr refused the request (/api/v1/album/5): Album id is not valid"
        )
        with pytest.raises(BackendRequestError) as conflict:
            await client.album(6)
        assert (conflict.value.code, conflict.value.message) == (
            409,
            "Lidarr refused the request (/api/v1/album/6): HTTP 409",
        )


async def test_calendar_sends_timestamps_as_given(session: aiohttp.ClientSession) -> None:
    app = _odd_lidarr()
    async with serve(app) as url:
        client = LidarrClient(session, url, api_key=KEY)
        start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        assert await client.calendar(start, start + timedelta(days=7), unmonitored=True) == []
    assert app["seen"] == [
        {
            "start": "2026-01-01T12:00:00+00:00",
            "end": "2026-01-08T12:00:00+00:00",
            "unmonitored": "true",
            "includeArtist": "true",
        }
    ]


async def test_a_new_api_key_is_used_at_once(session: aiohttp.ClientSession) -> None:
    async def status(request: web.Request) -> web.Response:
        if request.headers.get("X-Api-Key") != KEY:
            return web.Response(status=401)
        return web.json_response({"appName": "Prowlarr", "version": "2.3.5.5323"})

    app = web.Application()
    app.router.add_get("/api/v1/system/status", status)
    async with serve(app) as url:
        client = ProwlarrClient(session, url, api_key="old-key")
        with pytest.raises(InvalidAuthError):
            await client.probe()
        client.set_api_key(KEY)
        assert (await client.probe()).version == "2.3.5.5323"


async def test_prowlarr_failure_states(session: aiohttp.ClientSession) -> None:
    """A row of indexerstatus is the server's verdict, judged on the server's clock.

    Failed before: a server one hour behind our clock (its Date header) had its blocked
    indexers read as working, a disabled indexer with a row counted as failing, and a row
    without disabledTill was judged by a "failed in the last hour" rule Prowlarr never
    serves (indexerstatus lists blocked indexers only).
    """
    server_now = datetime.now(UTC) - timedelta(hours=1)  # the server's clock runs late

    def at(delta: timedelta) -> str:
        return (server_now + delta).isoformat()

    async def indexers(_: web.Request) -> web.Response:
        rows = [{"id": n, "name": f"Indexer {n}", "enable": n != 5} for n in range(1, 7)]
        return web.json_response(rows)

    async def statuses(_: web.Request) -> web.Response:
        rows = [
            # listed without a disabledTill: the server says blocked
            {"indexerId": 1, "mostRecentFailure": at(timedelta(minutes=-10))},
            # disabledTill already past on the server's clock (a reply kept by a cache)
            {
                "indexerId": 2,
                "disabledTill": at(timedelta(hours=-40)),
                "mostRecentFailure": at(timedelta(days=-2)),
            },
            # blocked for another 10 minutes on the server's clock, 50 minutes ago on ours
            {
                "indexerId": 3,
                "disabledTill": at(timedelta(minutes=10)),
                "mostRecentFailure": at(timedelta(minutes=-5)),
                "initialFailure": at(timedelta(hours=-7)),
            },
            # blocked, but the user switched the indexer off: not failing
            {"indexerId": 5, "disabledTill": at(timedelta(hours=1))},
            # blocked, failures started 20 minutes ago
            {
                "indexerId": 6,
                "disabledTill": at(timedelta(minutes=4)),
                "initialFailure": at(timedelta(minutes=-20)),
            },
        ]
        date = format_datetime(server_now, usegmt=True)
        return web.json_response(rows, headers={"Date": date})

    app = web.Application()
    app.router.add_get("/api/v1/indexer", indexers)
    app.router.add_get("/api/v1/indexerstatus", statuses)
    async with serve(app) as url:
        found = await ProwlarrClient(session, url, api_key=KEY).indexers()
    assert [i.failing for i in found] == [True, False, True, False, False, True]
    assert [i.enabled for i in found] == [True, True, True, True, False, True]
    assert found[0].last_error == "Prowlarr stopped using it after failures that started " + (
        f"{server_now - timedelta(minutes=10):%Y-%m-%d %H:%M} UTC."
    )
    three = found[2].last_error
    assert three is not None
    assert "(more than 6 hours ago)" in three
    assert three.endswith(
        f"it tries again after {server_now + timedelta(minutes=10):%Y-%m-%d %H:%M} UTC."
    )
    six = found[5].last_error
    assert six is not None
    assert "more than 6 hours" not in six
    assert found[1].last_error is None
    assert found[4].last_error is None

"""The Jackett and Prowlarr clients against the simulated servers over loopback HTTP.

Indexers and search results are compared with the simulator's world; Jackett's cookie
login (with and without an admin password, expiry, rejection) and every failure are
exercised; API keys never show up in messages, logs or result links.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    ServerError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.indexers import (
    JackettClient,
    ProwlarrClient,
    SearchResult,
    strip_secrets,
)
from stepheybot_music_clients.lidarr import HealthType
from stepheybot_music_clients.models import BackendKind

from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from simulator.model import Release
from simulator.world import World
from tests.compat import SIMULATOR, compat
from tests.loopback import serve

JACKETT_KEY = "jackettkey0123456789abcdefghijkl"
PROWLARR_KEY = "prowlarrkey0123456789abcdefghijk"
LIDARR_KEY = "lidarrkey0123456789abcdefghijklm"
ADMIN_PASSWORD = "s3cret-admin-pw"


def _specs() -> list[BackendSpec]:
    return [
        BackendSpec(name="jackett", kind="jackett", api_key=JACKETT_KEY),
        BackendSpec(
            name="jackett-locked", kind="jackett", api_key=JACKETT_KEY, password=ADMIN_PASSWORD
        ),
        BackendSpec(name="prowlarr", kind="prowlarr", api_key=PROWLARR_KEY),
        BackendSpec(name="lidarr", kind="lidarr", api_key=LIDARR_KEY),
    ]


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(specs=_specs(), speed=0, slow_delay=1.5) as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
async def closing_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A session without keep-alive: a backend that goes down is gone at once.

    (The simulator's ``DOWN`` stops listening; connections kept alive would still work.)
    """
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        yield http


@pytest.fixture
def jackett(sim: Simulator, session: aiohttp.ClientSession) -> JackettClient:
    return JackettClient(session, sim.url("jackett"), api_key=JACKETT_KEY, timeout=5)


@pytest.fixture
def prowlarr(sim: Simulator, session: aiohttp.ClientSession) -> ProwlarrClient:
    return ProwlarrClient(session, sim.url("prowlarr"), api_key=PROWLARR_KEY, timeout=5)


def _query(world: World) -> str:
    """An artist name with releases on several indexers."""
    for artist in world.lidarr_artists():
        indexers = {r.indexer_id for r in world.search_releases(artist.name, limit=500)}
        if len(indexers) >= 2:
            return artist.name
    raise AssertionError("no artist with releases on two indexers")


def _expected(world: World, query: str) -> dict[str, Release]:
    return {r.info_hash: r for r in world.search_releases(query, limit=500)}


def _check_result(world: World, result: SearchResult, release: Release, key: str) -> None:
    indexer = next(i for i in world.indexers if i.id == release.indexer_id)
    assert result.title == release.title
    assert result.size == release.size
    assert result.seeders == release.seeders
    assert result.leechers == release.leechers
    assert result.info_hash == release.info_hash
    assert result.magnet is not None
    assert result.magnet.startswith(f"magnet:?xt=urn:btih:{release.info_hash}&dn=")
    assert result.indexer == indexer.name
    assert result.publish_date == release.publish_date
    assert 3000 in result.categories
    assert (3040 if release.quality.startswith("FLAC") else 3010) in result.categories
    assert result.link is not None
    assert key not in result.link
    assert "apikey" not in result.link
    assert key not in repr(result)


# --- Jackett ------------------------------------------------------------------------------


async def test_jackett_probe_logs_in_without_password(
    sim: Simulator, jackett: JackettClient
) -> None:
    info = await jackett.probe()
    assert info.kind is BackendKind.JACKETT
    assert (info.application, info.version) == ("Jackett", "0.24.2440")
    assert jackett.stats.by_path == {
        "/health": 1,
        "/UI/Login": 1,
        "/api/v2.0/server/config": 1,
    }
    # the session is kept: the next admin call does not log in again
    await jackett.indexers()
    assert jackett.stats.by_path["/UI/Login"] == 1


@compat("jackett", "0.24", proof=SIMULATOR, source="Jackett/Jackett src/ @ v0.24.2440")
async def test_jackett_indexers_mirror_the_world(sim: Simulator, jackett: JackettClient) -> None:
    world = sim.world
    world.indexers[1].failing = True
    world.indexers[1].last_error = "Cloudflare protection detected"
    world.indexers[3].enabled = False
    indexers = await jackett.indexers()
    assert [i.id for i in indexers] == [i.slug for i in world.indexers if i.enabled]
    for indexer in indexers:
        source = next(i for i in world.indexers if i.slug == indexer.id)
        assert indexer.name == source.name
        assert indexer.configured is True
        assert indexer.enabled is True
        assert indexer.privacy == source.privacy
        assert indexer.failing is source.failing
    failing = next(i for i in indexers if i.failing)
    assert failing.last_error is not None
    assert failing.last_error.startswith("Jackett's last query to it failed")
    assert all(i.last_error is None for i in indexers if not i.failing)
    # the admin list and one API-key request through the status:failing filter
    assert jackett.stats.by_path["/api/v2.0/indexers"] == 1
    assert jackett.stats.by_path["/api/v2.0/indexers/status:failing/results"] == 1


@compat("jackett", "0.24", proof=SIMULATOR, source="Jackett/Jackett src/ @ v0.24.2440")
async def test_jackett_failing_means_failing_now_not_the_last_test(
    sim: Simulator, jackett: JackettClient, session: aiohttp.ClientSession
) -> None:
    """Jackett's live status decides; last_error only tells the last Test button result.

    Failed before: failing was "last_error set", so an indexer failing every search since
    its last good test counted as working, and one that failed a test long ago counted as
    failing after it had recovered.
    """
    world = sim.world
    broken = world.indexers[0]
    broken.failing = True
    broken.last_error = "Tracker is down"
    assert [i.id for i in await jackett.indexers() if i.failing] == [broken.slug]
    # the user presses Test while it fails: last_error is set...
    login = sim.url("jackett") + "/UI/Login?cookiesChecked=1"
    async with session.get(login, allow_redirects=False) as resp:
        cookie = {"Cookie": f"Jackett={resp.cookies['Jackett'].value}"}
    test = f"{sim.url('jackett')}/api/v2.0/indexers/{broken.slug}/test"
    async with session.post(test, headers=cookie) as resp:
        assert resp.status == 500
    [failing] = [i for i in await jackett.indexers() if i.failing]
    assert failing.last_error is not None
    assert failing.last_error.endswith("Its last test failed: Tracker is down")
    # ...and stays after the tracker recovers, until the next test: not failing any more
    broken.failing = False
    assert [i for i in await jackett.indexers() if i.failing] == []


async def test_jackett_too_old_for_the_status_filter(session: aiohttp.ClientSession) -> None:
    async def login(_: web.Request) -> web.Response:
        resp = web.Response(status=302, headers={"Location": "Dashboard"})
        resp.set_cookie("Jackett", "token")
        return resp

    async def admin(_: web.Request) -> web.Response:
        return web.json_response([{"id": "x", "name": "X", "configured": True, "last_error": ""}])

    async def results(request: web.Request) -> web.Response:
        name = request.match_info["indexer"]
        return web.json_response(
            {"result": "error", "error": f"Unknown indexer: {name}"}, status=500
        )

    app = web.Application()
    app.router.add_get("/UI/Login", login)
    app.router.add_get("/api/v2.0/indexers", admin)
    app.router.add_get("/api/v2.0/indexers/{indexer}/results", results)
    async with serve(app) as url:
        client = JackettClient(session, url, api_key=JACKETT_KEY)
        with pytest.raises(
            UnexpectedResponseError, match=r"Update Jackett \(0\.18\.379 or newer\)"
        ):
            await client.indexers()


async def test_jackett_search_results_and_indexer_status(
    sim: Simulator, jackett: JackettClient
) -> None:
    world = sim.world
    query = _query(world)
    world.indexers[0].failing = True
    world.indexers[0].last_error = "Tracker is down"
    expected = _expected(world, query)
    assert expected
    response = await jackett.search(query)
    assert {r.info_hash for r in response.results} == set(expected)
    dates = [r.publish_date for r in response.results if r.publish_date is not None]
    assert len(dates) == len(response.results)
    assert dates == sorted(dates, reverse=True)
    for result in response.results:
        release = expected[result.info_hash or ""]
        _check_result(world, result, release, JACKETT_KEY)
        assert result.magnet == release.magnet
        assert result.indexer_id == next(
            i.slug for i in world.indexers if i.id == release.indexer_id
        )
    statuses = {s.indexer_id: s for s in response.indexers}
    assert set(statuses) == {i.slug for i in world.indexers}
    [failed] = response.failed_indexers
    assert (failed.indexer_id, failed.error, failed.results) == (
        world.indexers[0].slug,
        "Tracker is down",
        0,
    )
    for status in response.indexers:
        if status.ok:
            slug = status.indexer_id
            assert status.results == sum(
                1 for r in expected.values() if world.indexers[r.indexer_id - 1].slug == slug
            )
            assert status.elapsed is not None
            assert status.elapsed > 0


async def test_jackett_search_filters(sim: Simulator, jackett: JackettClient) -> None:
    world = sim.world
    query = _query(world)
    expected = _expected(world, query)
    lossless = await jackett.search(query, categories=(3040,))
    assert {r.info_hash for r in lossless.results} == {
        h for h, r in expected.items() if r.quality.startswith("FLAC")
    }
    slug = world.indexers[expected[next(iter(expected))].indexer_id - 1].slug
    only = await jackett.search(query, indexers=[slug], categories=())
    assert {r.indexer_id for r in only.results} == {slug}
    assert [s.indexer_id for s in only.indexers] == [slug]
    assert (await jackett.search("no such release anywhere")).results == ()


async def test_jackett_with_admin_password(sim: Simulator, session: aiohttp.ClientSession) -> None:
    url = sim.url("jackett-locked")
    good = JackettClient(session, url, api_key=JACKETT_KEY, admin_password=ADMIN_PASSWORD)
    assert (await good.probe()).version == "0.24.2440"
    assert good.stats.by_path["/UI/Dashboard"] == 1
    assert "/UI/Login" not in good.stats.by_path

    without = JackettClient(session, url, api_key=JACKETT_KEY)
    with pytest.raises(InvalidAuthError) as caught:
        await without.indexers()
    assert caught.value.message == (
        f"Jackett at {url}/ has an admin password. Enter it (the 'Admin password' on the "
        "Jackett dashboard) so the indexer list can be read."
    )

    wrong = JackettClient(session, url, api_key=JACKETT_KEY, admin_password="guess")
    with pytest.raises(InvalidAuthError) as caught:
        await wrong.probe()
    assert "rejected the admin password" in caught.value.message
    assert "guess" not in caught.value.message
    assert ADMIN_PASSWORD not in caught.value.message

    wrong.set_credentials(api_key=JACKETT_KEY, admin_password=ADMIN_PASSWORD)
    assert len(await wrong.indexers()) == len(sim.world.indexers)


async def test_jackett_logs_in_again_when_the_session_expires(
    sim: Simulator, jackett: JackettClient
) -> None:
    await jackett.indexers()
    await sim.set_fault("jackett", Fault.SESSION_EXPIRED)
    assert len(await jackett.indexers()) == len(sim.world.indexers)
    assert jackett.stats.by_path["/UI/Login"] == 2
    assert jackett.stats.by_path["/api/v2.0/indexers"] == 3  # one redirected, then retried


async def test_jackett_revoked_credentials(sim: Simulator, jackett: JackettClient) -> None:
    await jackett.indexers()
    await sim.set_fault("jackett", Fault.AUTH_REVOKED)
    with pytest.raises(InvalidAuthError, match="has an admin password"):
        await jackett.indexers()
    with pytest.raises(InvalidAuthError, match="rejected the API key"):
        await jackett.search("anything")


async def test_jackett_wrong_api_key(
    sim: Simulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_key = "wrongkey0123456789abcdefghijklmn"
    client = JackettClient(session, sim.url("jackett"), api_key=wrong_key)
    with pytest.raises(InvalidAuthError) as caught:
        await client.search("anything")
    assert caught.value.message == (
        f"Jackett at {sim.url('jackett')}/ rejected the API key (HTTP 401). Copy the API key "
        "shown at the top right of the Jackett dashboard."
    )
    with pytest.raises(InvalidAuthError) as caught:
        await client.probe()
    assert caught.value.message.startswith("The API key does not match the one of Jackett")
    for text in (str(caught.value), caplog.text, repr(client)):
        assert wrong_key not in text
        assert JACKETT_KEY not in text


@pytest.mark.parametrize(
    "case",
    [
        (Fault.HTTP_500, ServerError, "internal error (HTTP 500)"),
        (Fault.MALFORMED_JSON, UnexpectedResponseError, "not valid JSON"),
        (Fault.TRUNCATED_JSON, UnexpectedResponseError, "not valid JSON"),
        (Fault.DOWN, CannotConnectError, "Cannot connect to Jackett"),
    ],
    ids=["500", "malformed", "truncated", "down"],
)
async def test_jackett_faults(
    sim: Simulator,
    closing_session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    case: tuple[Fault, type[Exception], str],
) -> None:
    fault, error, text = case
    caplog.set_level(logging.DEBUG)
    jackett = JackettClient(closing_session, sim.url("jackett"), api_key=JACKETT_KEY, timeout=5)
    await jackett.indexers()
    await sim.set_fault("jackett", fault)
    for call in (jackett.probe, jackett.indexers, lambda: jackett.search("x")):
        with pytest.raises(error) as caught:
            await call()
        assert text in str(caught.value)
        assert JACKETT_KEY not in str(caught.value)
    assert JACKETT_KEY not in caplog.text
    await sim.clear_fault("jackett")
    assert (await jackett.probe()).application == "Jackett"


async def test_jackett_slow_times_out(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = JackettClient(session, sim.url("jackett"), api_key=JACKETT_KEY, timeout=5)
    await sim.set_fault("jackett", Fault.SLOW)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.2 s"):
        await client.search("x", timeout=0.2)


async def test_jackett_client_at_another_application(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = JackettClient(session, sim.url("lidarr"), api_key=JACKETT_KEY)
    with pytest.raises(WrongApplicationError, match="it is not Jackett"):
        await client.probe()
    with pytest.raises(WrongApplicationError, match="no Jackett login page"):
        await client.indexers()


# --- Prowlarr -----------------------------------------------------------------------------


@compat("prowlarr", "2.x", proof=SIMULATOR, source="Prowlarr/Prowlarr src/ @ v2.3.5.5327")
async def test_prowlarr_probe_and_health(sim: Simulator, prowlarr: ProwlarrClient) -> None:
    info = await prowlarr.probe()
    assert info.kind is BackendKind.PROWLARR
    assert (info.application, info.version) == ("Prowlarr", "2.3.5.5323")
    assert await prowlarr.health() == []
    broken = sim.world.indexers[2]
    broken.failing = True
    [item] = await prowlarr.health()
    assert (item.source, item.type) == ("IndexerStatusCheck", HealthType.WARNING)
    assert item.message == f"Indexers unavailable due to failures: {broken.name}"
    # still failing more than 6 hours after the first failure: the long-term check
    await sim.advance(6 * 3600 + 600, step=300)
    [item] = await prowlarr.health()
    assert (item.source, item.type) == ("IndexerLongTermStatusCheck", HealthType.WARNING)
    assert item.message == (
        f"Indexers unavailable due to failures for more than 6 hours: {broken.name}"
    )
    assert [i.name for i in await prowlarr.indexers() if i.failing] == [broken.name]


async def test_prowlarr_indexers_mirror_the_world(sim: Simulator, prowlarr: ProwlarrClient) -> None:
    world = sim.world
    world.indexers[1].failing = True
    world.indexers[3].enabled = False
    indexers = await prowlarr.indexers()
    assert prowlarr.stats.by_path == {"/api/v1/indexer": 1, "/api/v1/indexerstatus": 1}
    assert [i.id for i in indexers] == [str(i.id) for i in world.indexers]
    for indexer, source in zip(indexers, world.indexers, strict=True):
        assert indexer.name == source.name
        assert indexer.enabled is source.enabled
        assert indexer.failing is (source.failing and source.enabled)
    failing = indexers[1]
    assert failing.last_error is not None
    assert failing.last_error.startswith("Prowlarr stopped using it after failures that started ")
    assert indexers[1].privacy == "semiPrivate"


@compat("prowlarr", "2.x", proof=SIMULATOR, source="Prowlarr/Prowlarr src/ @ v2.3.5.5327")
async def test_prowlarr_failing_means_enabled_and_blocked_now(
    sim: Simulator, prowlarr: ProwlarrClient, session: aiohttp.ClientSession
) -> None:
    """Failing = what Prowlarr blocks now, through its back-off; never a disabled indexer.

    Failed before: an indexer blocked and then switched off by the user still counted as
    failing.
    """
    world = sim.world
    down = world.indexers[0]
    url = f"{sim.url('prowlarr')}/api/v1/indexerstatus"

    async def rows() -> list[dict[str, object]]:
        async with session.get(url, headers={"X-Api-Key": PROWLARR_KEY}) as resp:
            data: list[dict[str, object]] = await resp.json()
            return data

    async def failing() -> list[str]:
        return [i.name for i in await prowlarr.indexers() if i.failing]

    down.failing = True
    assert await failing() == [down.name]
    [row] = await rows()
    assert set(row) == {"indexerId", "disabledTill", "mostRecentFailure", "initialFailure"}
    assert row["indexerId"] == down.id
    # blocked one minute after the first failure; then Prowlarr lets it be asked again
    await sim.advance(120, step=60)
    assert await rows() == []
    assert await failing() == []
    # the next query (apps ask every 15 minutes) fails again: five minutes this time
    await sim.advance(14 * 60, step=60)
    assert await failing() == [down.name]
    # the user switches the blocked indexer off: Prowlarr still lists it, it is not failing
    down.enabled = False
    assert [r["indexerId"] for r in await rows()] == [down.id]
    assert await failing() == []
    assert await prowlarr.health() == []


async def test_prowlarr_search(sim: Simulator, prowlarr: ProwlarrClient) -> None:
    world = sim.world
    query = _query(world)
    expected = _expected(world, query)
    response = await prowlarr.search(query)
    assert response.indexers == ()
    assert {r.info_hash for r in response.results} == set(expected)
    for result in response.results:
        release = expected[result.info_hash or ""]
        _check_result(world, result, release, PROWLARR_KEY)
        assert result.indexer_id == str(release.indexer_id)
    some = next(iter(expected.values())).indexer_id
    only = await prowlarr.search(query, indexer_ids=[some], categories=(3000,))
    assert {r.indexer_id for r in only.results} == {str(some)}
    lossy = await prowlarr.search(query, categories=(3010,), limit=1)
    assert len(lossy.results) <= 1
    assert all(3010 in r.categories for r in lossy.results)


async def test_prowlarr_search_timeout(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = ProwlarrClient(session, sim.url("prowlarr"), api_key=PROWLARR_KEY, timeout=0.3)
    query = _query(sim.world)
    await sim.set_fault("prowlarr", Fault.SLOW)  # answers after 1.5 s
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.3 s"):
        await client.search(query)
    patient = await client.search(query, timeout=10)
    assert {r.info_hash for r in patient.results} == set(_expected(sim.world, query))


async def test_prowlarr_errors(
    sim: Simulator, session: aiohttp.ClientSession, closing_session: aiohttp.ClientSession
) -> None:
    wrong = ProwlarrClient(session, sim.url("prowlarr"), api_key="nope-nope-nope")
    with pytest.raises(InvalidAuthError) as caught:
        await wrong.indexers()
    assert caught.value.message.endswith("Check the API key in Prowlarr → Settings → General.")
    assert "nope-nope-nope" not in caught.value.message

    at_lidarr = ProwlarrClient(session, sim.url("lidarr"), api_key=LIDARR_KEY)
    with pytest.raises(WrongApplicationError, match="it is Lidarr, not Prowlarr"):
        await at_lidarr.probe()

    client = ProwlarrClient(closing_session, sim.url("prowlarr"), api_key=PROWLARR_KEY, timeout=0.3)
    await sim.set_fault("prowlarr", Fault.SLOW)
    with pytest.raises(BackendTimeoutError):
        await client.search("x")
    await sim.clear_fault("prowlarr")
    await sim.set_fault("prowlarr", Fault.MALFORMED_JSON)
    with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
        await client.indexers()
    await sim.set_fault("prowlarr", Fault.DOWN)
    with pytest.raises(CannotConnectError, match="Cannot connect to Prowlarr"):
        await client.probe()


def test_strip_secrets() -> None:
    assert strip_secrets(None) is None
    assert strip_secrets("") is None
    assert strip_secrets("magnet:?xt=urn:btih:abc") == "magnet:?xt=urn:btih:abc"
    assert strip_secrets("http://h/dl/x/?jackett_apikey=K&path=p") == "http://h/dl/x/?path=p"
    assert strip_secrets("http://h/1/download?ApiKey=K&link=l") == "http://h/1/download?link=l"
    assert strip_secrets("http://h/t?passkey=K") == "http://h/t"
    assert strip_secrets("http://h/plain") == "http://h/plain"


# --- Jackett at its edges (a loopback server playing odd answers) ----------------------------


def _odd_jackett(admin_location: str, login_status: int = 302) -> web.Application:
    async def login(_: web.Request) -> web.Response:
        if login_status >= 500:
            return web.Response(status=login_status, text="boom")
        resp = web.Response(status=302, headers={"Location": "Dashboard"})
        resp.set_cookie("Jackett", "token")
        return resp

    async def admin(_: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": admin_location})

    async def results(_: web.Request) -> web.Response:
        bare = {"Title": "Bare release", "Size": 1, "Tracker": "T", "TrackerId": "t", "Link": None}
        return web.json_response({"Results": [bare], "Indexers": []})

    app = web.Application()
    app.router.add_get("/UI/Login", login)
    app.router.add_get("/api/v2.0/indexers", admin)
    app.router.add_get("/api/v2.0/indexers/all/results", results)
    return app


async def test_jackett_that_keeps_asking_for_a_login(session: aiohttp.ClientSession) -> None:
    async with serve(_odd_jackett("/UI/Login?ReturnUrl=%2F")) as url:
        client = JackettClient(session, url, api_key=JACKETT_KEY)
        with pytest.raises(InvalidAuthError, match="keeps asking for a login"):
            await client.indexers()
        assert client.stats.by_path["/UI/Login"] == 2


async def test_jackett_redirecting_elsewhere(session: aiohttp.ClientSession) -> None:
    async with serve(_odd_jackett("/jackett/UI/Dashboard")) as url:
        client = JackettClient(session, url, api_key=JACKETT_KEY)
        with pytest.raises(UnexpectedResponseError, match=r"redirected /api/v2\.0/indexers"):
            await client.indexers()


async def test_jackett_login_failing(session: aiohttp.ClientSession) -> None:
    async with serve(_odd_jackett("/", login_status=503)) as url:
        client = JackettClient(session, url, api_key=JACKETT_KEY)
        with pytest.raises(UnexpectedResponseError, match=r"internal error \(HTTP 503\)"):
            await client.indexers()


async def test_jackett_result_without_magnet_or_hash(session: aiohttp.ClientSession) -> None:
    async with serve(_odd_jackett("/")) as url:
        client = JackettClient(session, url, api_key=JACKETT_KEY)
        [result] = (await client.search("bare")).results
    assert (result.magnet, result.info_hash, result.link, result.publish_date) == (
        None,
        None,
        None,
        None,
    )
    assert (result.seeders, result.leechers, result.categories) == (None, None, ())


def test_strip_secrets_of_a_broken_link() -> None:
    assert strip_secrets("http://[::1") is None

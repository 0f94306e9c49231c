"""Protocol details of the Jackett and Prowlarr facades that the clients do not use.

Torznab XML (``t=caps``, ``t=music``, error documents), Jackett's redirects and cookie
handling as a browser sees them, and Prowlarr's special indexer ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from xml.etree import ElementTree as ET

import aiohttp
import pytest

from simulator import Simulator
from simulator.backends import BackendSpec

KEY = "facadekey0123456789abcdefghijklm"
TORZNAB = "{http://torznab.com/schemas/2015/feed}attr"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    specs = [
        BackendSpec(name="jackett", kind="jackett", api_key=KEY),
        BackendSpec(name="prowlarr", kind="prowlarr", api_key=KEY),
    ]
    async with Simulator(specs=specs, speed=0) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


async def _xml(http: aiohttp.ClientSession, url: str, **params: str) -> ET.Element:
    async with http.get(url, params=params) as resp:
        assert resp.status == 200
        return ET.fromstring(await resp.read())  # noqa: S314 - our own simulator's reply


async def test_torznab_caps_and_music_search(sim: Simulator, http: aiohttp.ClientSession) -> None:
    world = sim.world
    api = sim.url("jackett") + "/api/v2.0/indexers/all/results/torznab/api"
    caps = await _xml(http, api, apikey=KEY, t="caps")
    assert caps.tag == "caps"
    music = caps.find("searching/music-search")
    assert music is not None
    assert music.get("available") == "yes"
    assert {c.get("id") for c in caps.iter("subcat")} == {"3010", "3040"}

    artist = world.lidarr_artists()[0].name
    expected = {r.info_hash: r for r in world.search_releases(artist, limit=500)}
    feed = await _xml(http, api, apikey=KEY, t="music", q=artist)
    items = feed.findall("channel/item")
    assert len(items) == len(expected) > 0
    for item in items:
        attrs = {a.get("name"): a.get("value") for a in item.iter(TORZNAB)}
        release = expected[attrs["infohash"] or ""]
        assert item.findtext("title") == release.title
        assert item.findtext("size") == str(release.size)
        assert attrs["seeders"] == str(release.seeders)
        assert attrs["peers"] == str(release.seeders + release.leechers)
        assert attrs["magneturl"] == release.magnet
        enclosure = item.find("enclosure")
        assert enclosure is not None
        assert enclosure.get("type") == "application/x-bittorrent"

    slug = world.indexers[0].slug
    one = await _xml(
        http,
        sim.url("jackett") + f"/api/v2.0/indexers/{slug}/results/torznab/api",
        apikey=KEY,
        t="search",
        q=artist,
    )
    assert {i.find("jackettindexer").get("id") for i in one.iter("item")} <= {slug}  # type: ignore[union-attr]


async def test_torznab_errors(sim: Simulator, http: aiohttp.ClientSession) -> None:
    api = sim.url("jackett") + "/api/v2.0/indexers/all/results/torznab/api"
    error = await _xml(http, api, apikey="wrong", t="caps")
    assert (error.tag, error.get("code"), error.get("description")) == (
        "error",
        "100",
        "Invalid API Key",
    )
    error = await _xml(http, api, apikey=KEY, t="tvsearch")
    assert error.get("code") == "201"
    # an unknown indexer is an unhandled exception: HTTP 500 with Jackett's JSON error
    async with http.get(
        sim.url("jackett") + "/api/v2.0/indexers/nope/results/torznab/api",
        params={"apikey": KEY, "t": "caps"},
    ) as resp:
        assert resp.status == 500
        assert (await resp.json())["error"] == "Unknown indexer: nope"


async def test_jackett_redirects_and_cookies(sim: Simulator, http: aiohttp.ClientSession) -> None:
    base = sim.url("jackett")
    async with http.get(base + "/", allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (302, "/UI/Dashboard")
    async with http.get(base + "/api/v2.0/indexers?configured=true", allow_redirects=False) as resp:
        assert resp.status == 302
        assert resp.headers["Location"] == (
            "/UI/Login?ReturnUrl=%2Fapi%2Fv2.0%2Findexers%3Fconfigured%3Dtrue"
        )
    async with http.get(base + "/UI/Login?cookiesChecked=1", allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (302, "Dashboard")
        cookie = resp.cookies["Jackett"]
        assert cookie["httponly"]
    headers = {"Cookie": f"Jackett={cookie.value}"}
    async with http.get(base + "/UI/Dashboard", headers=headers) as resp:
        assert resp.status == 200
    async with http.get(base + "/api/v2.0/server/config", headers=headers) as resp:
        config = await resp.json()
        assert (config["api_key"], config["app_version"]) == (KEY, "0.24.2440")
    async with http.get(
        base + "/api/v2.0/indexers/all/results", params={"apikey": "wrong", "Query": "x"}
    ) as resp:
        assert resp.status == 401
        assert await resp.read() == b""
    async with http.get(
        base + "/api/v2.0/indexers/unknown/results", params={"apikey": KEY, "Query": "x"}
    ) as resp:
        assert resp.status == 500
    sim.world.indexers[0].enabled = False
    async with http.get(
        base + f"/api/v2.0/indexers/{sim.world.indexers[0].slug}/results",
        params={"apikey": KEY, "Query": "x"},
    ) as resp:
        assert (resp.status, await resp.text()) == (404, "Indexer is not configured")


async def test_jackett_filters_live_status_and_last_test(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    world = sim.world
    base = sim.url("jackett") + "/api/v2.0/indexers"
    broken, healthy = world.indexers[1], world.indexers[2]
    broken.failing = True
    broken.last_error = "Cloudflare protection detected"

    async def block(target: str, **params: str) -> dict[str, int]:
        async with http.get(f"{base}/{target}/results", params={"apikey": KEY, **params}) as resp:
            assert resp.status == 200
            data = await resp.json()
        return {item["ID"]: item["Status"] for item in data["Indexers"]}

    # a search through status:failing asks only the failing ones; in a category nobody has
    # they answer OK at once, without querying their tracker
    assert await block("status:failing", Query="x") == {broken.slug: 1}
    assert await block("status:failing", **{"Category[]": "1"}) == {broken.slug: 2}
    assert broken.slug not in await block("status:healthy", **{"Category[]": "1"})
    assert set(await block("!status:failing+type:public", **{"Category[]": "1"})) == {
        i.slug for i in world.indexers if not i.failing and i.privacy == "public"
    }
    # t=indexers lists every indexer, whatever the filter
    feed = await _xml(http, f"{base}/status:failing/results/torznab/api", apikey=KEY, t="indexers")
    assert [i.get("id") for i in feed.iter("indexer")] == [i.slug for i in world.indexers]
    # last_error: only the Test button sets and clears it; searches do not
    login = sim.url("jackett") + "/UI/Login?cookiesChecked=1"
    async with http.get(login, allow_redirects=False) as resp:
        cookie = {"Cookie": f"Jackett={resp.cookies['Jackett'].value}"}

    async def last_errors() -> dict[str, str]:
        async with http.get(base, params={"configured": "true"}, headers=cookie) as resp:
            return {i["id"]: i["last_error"] for i in await resp.json()}

    assert set((await last_errors()).values()) == {""}
    async with http.post(f"{base}/{broken.slug}/test", headers=cookie) as resp:
        assert resp.status == 500
        assert (await resp.json())["error"] == broken.last_error
    async with http.post(f"{base}/{healthy.slug}/test", headers=cookie) as resp:
        assert resp.status == 204
    assert (await last_errors())[broken.slug] == broken.last_error
    assert await block("test:failed", **{"Category[]": "1"}) == {broken.slug: 2}
    broken.failing = False  # the tracker works again: last_error stays until the next test
    assert (await last_errors())[broken.slug] == broken.last_error
    assert await block("status:failing", **{"Category[]": "1"}) == {}
    async with http.post(f"{base}/{broken.slug}/test", headers=cookie) as resp:
        assert resp.status == 204
    assert (await last_errors())[broken.slug] == ""


async def test_prowlarr_all_torrent_indexers_and_anonymous_ping(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    world = sim.world
    base = sim.url("prowlarr")
    artist = world.lidarr_artists()[0].name
    expected = {r.info_hash.upper() for r in world.search_releases(artist, limit=500)}
    async with http.get(
        base + "/api/v1/search",
        params=[("query", artist), ("indexerIds", "-2"), ("categories", "3000")],
        headers={"X-Api-Key": KEY},
    ) as resp:
        releases = await resp.json()
    assert {r["infoHash"] for r in releases} == expected
    assert all(KEY in r["downloadUrl"] for r in releases)  # the real proxy link carries it
    async with http.get(base + "/ping") as resp:
        assert await resp.json() == {"status": "OK"}
    async with http.get(base + "/api/v1/indexer/99", headers={"X-Api-Key": KEY}) as resp:
        assert resp.status == 404

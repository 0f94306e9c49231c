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
    async with http.get(
        sim.url("jackett") + "/api/v2.0/indexers/nope/results/torznab/api",
        params={"apikey": KEY, "t": "caps"},
    ) as resp:
        assert resp.status == 404
        assert "nope" in await resp.text()


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
        assert resp.status == 404


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

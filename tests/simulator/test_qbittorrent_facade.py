"""The simulated qBittorrent: faults, the world's story, VPN, scale; what the contract suite cannot.

The behaviour shared with real qBittorrent is covered by
``tests/clients/test_qbittorrent_contract.py``, which runs against both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from stepheybot_music_clients.errors import (
    InvalidAuthError,
    IpBannedError,
    NoPasswordSetError,
)
from stepheybot_music_clients.qbittorrent import (
    ConnectionStatus,
    QBittorrentClient,
    TorrentState,
)

from simulator import Fault, Scale, Simulator
from simulator.backends import BackendSpec
from simulator.backends.qbittorrent import generation_of

PASSWORD = "Sim-qb-pw-7"
SMALL = Scale(artists=6, albums=20, tracks=150, catalog_artists=2, upcoming_albums=1)
LOGIN = "/api/v2/auth/login"


def spec(flavor: str = "5.3", password: str = PASSWORD, **extra: str) -> BackendSpec:
    return BackendSpec(
        name="qbittorrent",
        kind="qbittorrent",
        flavor=flavor,
        username="admin",
        password=password,
        extra=dict(extra),
    )


@pytest.fixture(params=["5.3", "4.5"])
async def sim(request: pytest.FixtureRequest) -> AsyncIterator[Simulator]:
    async with Simulator(specs=[spec(request.param)], scale=SMALL, seed=5) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client_for(
    sim: Simulator, http: aiohttp.ClientSession, password: str = PASSWORD
) -> QBittorrentClient:
    return QBittorrentClient(http, sim.url("qbittorrent"), username="admin", password=password)


def modern(sim: Simulator) -> bool:
    return sim.spec("qbittorrent").flavor == "5.3"


async def raw(
    sim: Simulator,
    method: str,
    path: str,
    *,
    cookie: str | None = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, str | None]:
    all_headers = dict(headers or {})
    if cookie:
        all_headers["Cookie"] = cookie
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.request(
            method, sim.url("qbittorrent") + path, data=form, headers=all_headers
        ) as resp,
    ):
        set_cookie = resp.headers.get("Set-Cookie")
        return resp.status, await resp.text(), set_cookie.split(";")[0] if set_cookie else None


async def login(sim: Simulator) -> str:
    status, _, cookie = await raw(
        sim, "POST", LOGIN, form={"username": "admin", "password": PASSWORD}
    )
    assert status in (200, 204)
    assert cookie is not None
    return cookie


def test_flavors() -> None:
    assert generation_of("").name == "5.3"
    assert generation_of("5.3.0").api_version == "2.16.2"
    assert generation_of("4.5.2").version == "v4.5.2"
    with pytest.raises(ValueError, match=r"unknown qBittorrent flavor '6\.0'"):
        generation_of("6.0")


# --- faults ---------------------------------------------------------------------------------


async def test_credentials_revoked(sim: Simulator, http: aiohttp.ClientSession) -> None:
    client = client_for(sim, http)
    await client.sync()
    await sim.set_fault("qbittorrent", Fault.AUTH_REVOKED)
    await client.sync()  # the session survives; only new logins fail
    await sim.set_fault("qbittorrent", Fault.SESSION_EXPIRED)
    with pytest.raises(InvalidAuthError):
        await client.sync()
    with pytest.raises(InvalidAuthError):
        await client.sync()
    assert client.stats.by_path[LOGIN] == 2
    await sim.clear_fault("qbittorrent", Fault.AUTH_REVOKED)
    client.set_credentials("admin", PASSWORD)
    assert (await client.sync()).full_update


async def test_banned_fault(sim: Simulator, http: aiohttp.ClientSession) -> None:
    await sim.set_fault("qbittorrent", Fault.BANNED)
    client = client_for(sim, http)
    with pytest.raises(IpBannedError):
        await client.probe()
    status, text, _ = await raw(
        sim, "POST", LOGIN, form={"username": "admin", "password": PASSWORD}
    )
    assert (status, text) == (
        403,
        "Your IP address has been banned after too many failed authentication attempts.",
    )


async def test_session_expired_fault_relogs_in_once(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    client = client_for(sim, http)
    first = await client.sync()
    assert not (await client.sync()).full_update
    await sim.set_fault("qbittorrent", Fault.SESSION_EXPIRED)
    again = await client.sync()
    assert again.full_update
    assert again.rid == 1
    assert set(again.torrents) == set(first.torrents)
    assert client.stats.by_path[LOGIN] == 2


async def test_no_password_logs_a_temporary_one(
    http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="simulator.backends.qbittorrent")
    async with Simulator(specs=[spec(password="")], scale=SMALL) as sim:
        temporary = sim.spec("qbittorrent").extra["temporary_password"]
        assert f"A temporary password is provided for this session: {temporary}" in caplog.text
        with pytest.raises(NoPasswordSetError):
            await client_for(sim, http, password="").probe()
        assert (await client_for(sim, http, password=temporary).probe()).version == "5.3.0"


# --- the world's story ----------------------------------------------------------------------


async def test_download_story_shows_through_the_api(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    world = sim.world
    client = client_for(sim, http)
    start = await client.sync()
    assert set(start.torrents) == set(world.torrents)
    album = next(
        a
        for a in world.lidarr_albums()
        if world.torrent_for_album(a.id) is None
        and any(r.seeders > 0 for r in world.releases_for(a))
    )
    album.track_files = 0  # lost its files: Lidarr searches again
    grabbed = world.search_album(album.id)
    assert grabbed is not None
    data = await client.sync()
    assert data.changed == {grabbed.hash}
    torrent = data.torrents[grabbed.hash]
    assert torrent.category == world.music_category
    assert torrent.state is TorrentState.DOWNLOADING
    assert torrent.size == grabbed.size

    await sim.advance(2)
    data = await client.sync()
    torrent = data.torrents[grabbed.hash]
    assert 0 < torrent.progress < 1
    assert torrent.dlspeed == world.download_speed
    assert torrent.eta is not None
    assert data.server_state.dl_info_speed >= world.download_speed
    assert data.server_state.dl_info_data > 0

    await sim.advance(grabbed.size / world.download_speed + 2)
    data = await client.sync()
    torrent = data.torrents[grabbed.hash]
    assert torrent.is_complete
    assert torrent.state is TorrentState.SEEDING
    assert torrent.completion_on is not None
    assert torrent.eta == 0

    await client.stop([grabbed.hash])
    assert (await client.sync()).torrents[grabbed.hash].state_raw == (
        "stoppedUP" if modern(sim) else "pausedUP"
    )


async def test_vpn_decides_the_external_address(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    world = sim.world
    client = client_for(sim, http)
    info = await client.transfer_info()
    state = (await client.sync()).server_state
    if not modern(sim):
        assert info.last_external_address_v4 is None
        assert state.last_external_address_v4 is None
        return
    assert info.last_external_address_v4 == world.vpn.public_ip
    assert state.last_external_address_v4 == world.vpn.public_ip
    world.set_vpn(leak=True)
    assert (await client.sync()).server_state.last_external_address_v4 == world.vpn.home_ip
    world.set_vpn(leak=False, up=False)
    down = await client.sync()
    assert down.server_state.last_external_address_v4 is None
    assert down.server_state.connection_status is ConnectionStatus.DISCONNECTED
    assert (await client.transfer_info()).connection_status is ConnectionStatus.DISCONNECTED


async def test_alt_speed_slows_the_world(sim: Simulator, http: aiohttp.ClientSession) -> None:
    client = client_for(sim, http)
    await client.set_alternative_speed_limits(True)
    assert sim.world.alt_speed_limits
    data = await client.sync()
    assert data.server_state.use_alt_speed_limits
    assert data.server_state.dl_rate_limit == 10240


# --- raw protocol details -------------------------------------------------------------------


async def test_partial_replies_carry_only_changed_fields(sim: Simulator) -> None:
    cookie = await login(sim)
    world = sim.world
    _, body, _ = await raw(sim, "GET", "/api/v2/sync/maindata?rid=0", cookie=cookie)
    full = json.loads(body)
    assert full["full_update"] is True
    assert "hash" not in next(iter(full["torrents"].values()))
    _, body, _ = await raw(sim, "GET", "/api/v2/sync/maindata?rid=1", cookie=cookie)
    assert json.loads(body) == {"rid": 2}
    info_hash = next(iter(world.torrents))
    world.stop_torrent(info_hash)
    _, body, _ = await raw(sim, "GET", "/api/v2/sync/maindata?rid=2", cookie=cookie)
    delta = json.loads(body)
    changed = delta["torrents"][info_hash]
    assert changed["state"] == ("stoppedDL" if modern(sim) else "pausedDL")
    assert "name" not in changed
    assert set(delta["torrents"]) == {info_hash}
    world.remove_torrent(info_hash)
    _, body, _ = await raw(sim, "GET", "/api/v2/sync/maindata?rid=3", cookie=cookie)
    assert json.loads(body)["torrents_removed"] == [info_hash]
    # a stale rid gets a full update with the next rid
    _, body, _ = await raw(sim, "GET", "/api/v2/sync/maindata?rid=77", cookie=cookie)
    assert json.loads(body)["full_update"] is True


async def test_empty_collections_per_generation(sim: Simulator) -> None:
    for info_hash in list(sim.world.torrents):
        sim.world.remove_torrent(info_hash)
    sim.world.categories.clear()
    cookie = await login(sim)
    _, body, _ = await raw(sim, "GET", "/api/v2/sync/maindata?rid=0", cookie=cookie)
    keys = set(json.loads(body))
    if modern(sim):
        assert keys == {"full_update", "rid", "server_state"}
    else:
        assert keys == {
            "categories",
            "full_update",
            "rid",
            "server_state",
            "tags",
            "torrents",
            "trackers",
        }


async def test_auth_answers(sim: Simulator) -> None:
    cookie = await login(sim)
    name = cookie.split("=")[0]
    assert name == (f"QBT_SID_{sim.spec('qbittorrent').port}" if modern(sim) else "SID")
    assert await raw(sim, "GET", "/api/v2/app/version") == (403, "Forbidden", None)
    assert (await raw(sim, "GET", LOGIN))[:2] == (405, "Method Not Allowed")
    assert (await raw(sim, "GET", "/api/v2/nope/x", cookie=cookie))[:2] == (404, "Not Found")
    other = "pause" if modern(sim) else "stop"
    assert (await raw(sim, "POST", f"/api/v2/torrents/{other}", cookie=cookie))[0] == 404
    assert (await raw(sim, "GET", "/api/v2/torrents/delete", cookie=cookie))[0] == 405
    # a login that already carries a valid session succeeds whatever the password
    status, _, again = await raw(
        sim, "POST", LOGIN, cookie=cookie, form={"username": "admin", "password": "x"}
    )
    assert status == (204 if modern(sim) else 200)
    assert again is None
    evil = {"Origin": "http://evil.example:1"}
    assert (await raw(sim, "GET", "/api/v2/app/version", cookie=cookie, headers=evil))[0] == 401
    same = {"Origin": sim.url("qbittorrent")}
    assert (await raw(sim, "GET", "/api/v2/app/version", cookie=cookie, headers=same))[0] == 200
    status, page, _ = await raw(sim, "GET", "/")
    assert status == 200
    assert "<form" in page


async def test_sessions_limit_only_on_5_3(sim: Simulator) -> None:
    first = await login(sim)
    for _ in range(15):
        await login(sim)
    expected = 403 if modern(sim) else 200
    assert (await raw(sim, "GET", "/api/v2/app/version", cookie=first))[0] == expected


async def test_torrent_filters(sim: Simulator) -> None:
    world = sim.world
    cookie = await login(sim)
    hashes = list(world.torrents)
    world.stop_torrent(hashes[0])
    world.torrents[hashes[1]].category = ""
    world.touch(world.torrents[hashes[1]])

    async def listed(query: str) -> set[str]:
        _, body, _ = await raw(sim, "GET", f"/api/v2/torrents/info?{query}", cookie=cookie)
        return {row["hash"] for row in json.loads(body)}

    stopped, running = ("stopped", "running") if modern(sim) else ("paused", "resumed")
    assert await listed(f"filter={stopped}") == {hashes[0]}
    assert await listed(f"filter={running}") == set(hashes) - {hashes[0]}
    assert await listed("category=") == {hashes[1]}
    assert await listed("filter=completed") == {
        h for h, t in world.torrents.items() if t.progress >= 1
    }
    assert len(await listed("limit=1&sort=name")) == 1
    _, body, _ = await raw(
        sim, "GET", "/api/v2/torrents/info?sort=name&reverse=true", cookie=cookie
    )
    names = [row["name"] for row in json.loads(body)]
    assert names == sorted(names, reverse=True)


async def test_add_parses_magnets_and_urls(sim: Simulator) -> None:
    cookie = await login(sim)
    info_hash = "ab" * 20
    urls = "\n".join(
        [f"magnet:?xt=urn:btih:{info_hash}&dn=Parsed+Name", "https://example.invalid/x.torrent"]
    )
    status, body, _ = await raw(
        sim, "POST", "/api/v2/torrents/add", cookie=cookie, form={"urls": urls, "tags": "a,b"}
    )
    if modern(sim):
        assert status == 202
        assert json.loads(body) == {
            "added_torrent_ids": [info_hash],
            "failure_count": 0,
            "pending_count": 1,
            "success_count": 1,
        }
    else:
        assert (status, body) == (200, "Ok.")
    torrent = sim.world.torrents[info_hash]
    assert torrent.name == "Parsed Name"
    assert torrent.tags == ["a", "b"]
    _, tags, _ = await raw(sim, "GET", "/api/v2/torrents/tags", cookie=cookie)
    assert json.loads(tags) == ["a", "b"]


# --- scale ----------------------------------------------------------------------------------


async def test_10000_torrents_cost_only_what_changed(http: aiohttp.ClientSession) -> None:
    scale = Scale(artists=4, albums=10, tracks=80, catalog_artists=1, torrents=10_000)
    async with Simulator(specs=[spec()], scale=scale, seed=3) as sim:
        client = client_for(sim, http)
        data = await client.sync()
        assert len(data.torrents) >= 10_000

        before = client.stats.body_bytes
        idle = await client.sync()
        assert client.stats.body_bytes - before < 100
        assert idle.torrents is data.torrents

        target = next(h for h, t in sim.world.torrents.items() if t.name.startswith("Synthetic"))
        sim.world.start_torrent(target)
        before = client.stats.body_bytes
        changed = await client.sync()
        assert changed.changed == {target}
        assert client.stats.body_bytes - before < 400
        assert changed.torrents[target].state is not TorrentState.STOPPED

"""TransmissionSync (``recently-active`` polling) against the simulated daemon over loopback."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    CannotConnectError,
    UnexpectedResponseError,
)
from stepheybot_music_clients.transmission import (
    RECENTLY_ACTIVE,
    SESSION_HEADER,
    TorrentSnapshot,
    TorrentState,
    TransmissionClient,
    TransmissionSync,
)

from simulator import Fault, Scale, Simulator
from simulator.backends import BackendSpec
from simulator.model import TorrentStatus
from tests.loopback import serve

PASSWORD = "tr-sync-Pa55"
MAGNET = "magnet:?xt=urn:btih:{:040x}&dn=Sync+Test+{}"
NO_CHANGE_LIMIT = 100
"""Bytes: a reply with no torrents and no removals is about 60."""


def _sim(extra_torrents: int = 40) -> Simulator:
    spec = BackendSpec(
        name="transmission", kind="transmission", username="admin", password=PASSWORD
    )
    return Simulator(
        seed=11,
        scale=Scale(torrents=extra_torrents),
        specs=[spec],
        speed=0,
        tick_interval=3600,
        docker_socket=False,
    )


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with _sim() as simulator:
        await quiet(simulator)
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def quiet(sim: Simulator) -> None:
    """Stop every torrent that moves data, then let the daemon's 60 s window pass."""
    world = sim.world
    for torrent in list(world.torrents.values()):
        if torrent.dl_speed or torrent.up_speed or torrent.status is TorrentStatus.DOWNLOADING:
            world.stop_torrent(torrent.hash)
    await sim.advance(61, step=61)


def _client(sim: Simulator, session: aiohttp.ClientSession, **options: Any) -> TransmissionClient:
    client = TransmissionClient(
        session, sim.url("transmission"), username="admin", password=PASSWORD
    )
    client.torrent_sync = TransmissionSync(client, clock=sim.clock.elapsed, **options)
    return client


async def _fresh(client: TransmissionClient) -> dict[int, Any]:
    return {t.id: t for t in await client.torrents()}


async def _assert_current(client: TransmissionClient, snapshot: TorrentSnapshot) -> None:
    assert dict(snapshot.torrents) == await _fresh(client)
    assert dict(snapshot.by_hash) == {t.hash: t for t in snapshot.torrents.values()}


async def _body_bytes(client: TransmissionClient) -> tuple[TorrentSnapshot, int]:
    client.stats.reset()
    snapshot = await client.sync()
    return snapshot, client.stats.body_bytes


async def _recently_active(client: TransmissionClient) -> dict[str, Any]:
    return await client.rpc("torrent-get", {"ids": RECENTLY_ACTIVE, "fields": ["id", "status"]})


async def test_a_no_change_poll_costs_the_same_at_any_size(
    session: aiohttp.ClientSession,
) -> None:
    cost: dict[int, tuple[int, int]] = {}
    for extra in (100, 5_000):
        async with _sim(extra) as sim:
            await quiet(sim)
            client = _client(sim, session)
            first, full_bytes = await _body_bytes(client)
            assert first.full
            assert len(first.torrents) == len(sim.world.torrents) > extra
            assert first.changed == frozenset(first.torrents)
            sim.clock.advance(15)
            second, idle_bytes = await _body_bytes(client)
            assert not second.full
            assert second.torrents is first.torrents, "nothing copied when nothing changed"
            assert second.changed == second.removed == frozenset()
            assert client.stats.requests == 1
            cost[extra] = (full_bytes, idle_bytes)
    (full_small, idle_small), (full_large, idle_large) = cost[100], cost[5_000]
    assert idle_small == idle_large < NO_CHANGE_LIMIT
    assert full_large > 20 * full_small  # the full listing grows with N; the idle poll does not


async def test_changed_new_and_removed_torrents_are_merged(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    world = sim.world
    first = await client.sync()
    stopped = min(
        (t for t in world.torrents.values() if t.origin == "lidarr"), key=lambda t: t.progress
    )
    gone = next(t for t in world.torrents.values() if t.name.startswith("Synthetic"))
    world.start_torrent(stopped.hash)
    world.remove_torrent(gone.hash)
    new = world.add_magnet(MAGNET.format(0xABC, 1), category="music")
    assert new is not None
    await sim.advance(10)  # the started and the new torrent download

    snapshot, used = await _body_bytes(client)
    assert not snapshot.full
    assert snapshot.changed == {stopped.transmission_id, new.transmission_id}
    assert snapshot.removed == {gone.transmission_id}
    assert gone.transmission_id not in snapshot.torrents
    assert gone.hash not in snapshot.by_hash
    merged = snapshot.by_hash[stopped.hash]
    assert merged.state is TorrentState.DOWNLOADING
    assert merged.rate_download == stopped.dl_speed > 0
    assert merged.downloaded == stopped.downloaded
    assert merged.progress > first.torrents[merged.id].progress
    assert snapshot.by_hash[new.hash].labels == ("music",)
    unchanged = next(i for i in snapshot.torrents if i not in snapshot.changed)
    assert snapshot.torrents[unchanged] is first.torrents[unchanged]
    assert used < 3_000
    await _assert_current(client, snapshot)


async def test_a_torrent_removed_and_added_again_gets_its_new_id(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    world = sim.world
    magnet = MAGNET.format(0xDEF, 2)
    old = world.add_magnet(magnet, stopped=True)
    assert old is not None
    old_id = old.transmission_id
    await client.sync()
    world.remove_torrent(old.hash)
    again = world.add_magnet(magnet, stopped=True)
    assert again is not None
    assert again.transmission_id != old_id
    snapshot = await client.sync()
    assert snapshot.removed == {old_id}
    assert snapshot.by_hash[old.hash].id == again.transmission_id
    await _assert_current(client, snapshot)


async def test_full_listing_every_n_polls(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session, full_every=3)
    fulls = []
    sizes = []
    for _ in range(7):
        sim.clock.advance(5)
        snapshot, used = await _body_bytes(client)
        fulls.append(snapshot.full)
        sizes.append(used)
        await _assert_current(client, snapshot)
    assert fulls == [True, False, False, True, False, False, True]
    assert min(sizes[i] for i in (0, 3, 6)) > 10 * max(sizes[i] for i in (1, 2, 4, 5))


async def test_a_gap_longer_than_the_window_lists_everything(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    world = sim.world
    await client.sync()
    torrent = next(t for t in world.torrents.values() if t.name.startswith("Synthetic"))
    world.start_torrent(torrent.hash)
    await sim.advance(70)  # the change has left the daemon's window by the next poll
    assert torrent.transmission_id not in {
        t["id"] for t in (await _recently_active(client))["torrents"]
    }
    snapshot = await client.sync()
    assert snapshot.full
    assert snapshot.changed == {torrent.transmission_id}
    await _assert_current(client, snapshot)


async def test_the_daemon_uptime_measures_the_gap(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """With ``uptime`` the gap is the daemon's, whatever the local clock says."""
    client = TransmissionClient(
        session, sim.url("transmission"), username="admin", password=PASSWORD
    )
    frozen = TransmissionSync(client, clock=lambda: 0.0)  # no local time ever passes
    client.torrent_sync = frozen

    async def poll() -> TorrentSnapshot:
        stats = await client.session_stats()
        return await client.sync(
            torrent_count=stats.torrent_count, uptime=stats.current.seconds_active
        )

    assert (await poll()).full
    sim.clock.advance(30)
    assert not (await poll()).full
    torrent = next(t for t in sim.world.torrents.values() if t.name.startswith("Synthetic"))
    sim.world.start_torrent(torrent.hash)
    sim.clock.advance(70)
    snapshot = await poll()
    assert snapshot.full, "70 s of daemon time passed, so the window no longer covers the gap"
    assert snapshot.changed == {torrent.transmission_id}
    await _assert_current(client, snapshot)
    assert (await client.sync()).full, "switching clocks lists everything"
    assert not (await client.sync()).full


async def test_the_simulated_window_and_removed_ids(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """The daemon's own semantics: changes of the last 60 s, ids removed since the cutoff."""
    client = _client(sim, session)
    world = sim.world
    await client.torrents()  # a caller has seen every id
    reply = await _recently_active(client)
    assert reply == {"removed": [], "torrents": []}

    synthetic = [t for t in world.torrents.values() if t.name.startswith("Synthetic")]
    world.remove_torrent(synthetic[0].hash)
    sim.clock.advance(30)
    world.start_torrent(synthetic[1].hash)
    sim.clock.advance(20)
    reply = await _recently_active(client)
    assert reply["removed"] == [synthetic[0].transmission_id]
    assert [t["id"] for t in reply["torrents"]] == [synthetic[1].transmission_id]
    sim.clock.advance(15)  # the removal is 65 s old, the start 35 s
    reply = await _recently_active(client)
    assert reply["removed"] == []
    assert [t["id"] for t in reply["torrents"]] == [synthetic[1].transmission_id]
    sim.clock.advance(30)
    assert await _recently_active(client) == {"removed": [], "torrents": []}

    # a torrent moving data is always recent; a stop by RPC is not a change to the daemon
    seeding = synthetic[2]
    seeding.progress, seeding.status, seeding.up_speed = 1.0, TorrentStatus.SEEDING, 4096
    world.touch(seeding)
    sim.clock.advance(120)
    assert [t["id"] for t in (await _recently_active(client))["torrents"]] == [
        seeding.transmission_id
    ]
    idle = synthetic[3]
    world.start_torrent(idle.hash)
    sim.clock.advance(61)
    await client.rpc("torrent-stop", {"ids": [idle.transmission_id, seeding.transmission_id]})
    assert world.torrents[idle.hash].status is TorrentStatus.STOPPED_DOWNLOADING
    # the seeding one moved data until the stop; the idle one did nothing the daemon marks
    assert (await _recently_active(client))["torrents"] == [
        {"id": seeding.transmission_id, "status": 0}
    ]


async def test_a_stop_through_the_client_is_fetched_by_id(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    world = sim.world
    idle = next(t for t in world.torrents.values() if t.name.startswith("Synthetic"))
    world.start_torrent(idle.hash)  # no seeds: it stalls and stays idle
    await sim.advance(61)
    first = await client.sync()
    assert first.by_hash[idle.hash].state is TorrentState.STALLED_DOWNLOADING
    sim.clock.advance(5)
    await client.stop([idle.hash])
    assert (await _recently_active(client))["torrents"] == []  # the daemon does not flag it
    client.stats.reset()
    snapshot = await client.sync()
    assert client.stats.requests == 2  # recently-active, then the stopped one by id
    assert snapshot.changed == {idle.transmission_id}
    assert snapshot.by_hash[idle.hash].state is TorrentState.STOPPED
    await client.remove([idle.transmission_id])
    snapshot = await client.sync()
    assert snapshot.removed == {idle.transmission_id}
    await _assert_current(client, snapshot)
    client.stats.reset()
    await client.sync()
    assert client.stats.requests == 1, "each refetch happens once"


async def test_a_new_session_id_lists_everything(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    await client.sync()
    generation = client.session_generation
    await sim.set_fault("transmission", Fault.SESSION_EXPIRED)
    sim.clock.advance(5)
    snapshot = await client.sync()
    assert client.session_generation == generation + 1
    assert snapshot.full
    assert snapshot.changed == snapshot.removed == frozenset()
    assert not (await client.sync()).full


async def test_an_error_makes_the_next_poll_a_full_listing(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    first = await client.sync()
    await sim.set_fault("transmission", Fault.HTTP_500)
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.sync()
    await sim.clear_fault("transmission")
    snapshot = await client.sync()
    assert snapshot.full
    assert snapshot.torrents is first.torrents, "a full listing that changes nothing copies nothing"
    assert not (await client.sync()).full


async def test_a_count_mismatch_lists_everything(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    await client.sync()
    count = (await client.session_stats()).torrent_count
    assert not (await client.sync(torrent_count=count)).full
    assert (await client.sync(torrent_count=count + 1)).full


async def test_the_merged_list_always_equals_a_fresh_listing(
    session: aiohttp.ClientSession,
) -> None:
    """Random world changes between polls; after each, the merged view equals a full listing."""
    rng = random.Random(2024)
    async with _sim(60) as sim:
        world = sim.world
        client = _client(sim, session, full_every=10_000)
        fulls = 0
        serial = 0
        for _ in range(80):
            for _ in range(rng.randint(0, 4)):
                torrents = list(world.torrents.values())
                victim = rng.choice(torrents)
                action = rng.randrange(8)
                if action == 0:
                    world.start_torrent(victim.hash)
                elif action == 1:
                    world.stop_torrent(victim.hash)
                elif action == 2:
                    await client.stop([victim.transmission_id])
                elif action == 3:
                    world.remove_torrent(victim.hash)
                elif action == 4:
                    await client.remove([victim.hash])
                elif action == 5:
                    serial += 1
                    world.add_magnet(
                        MAGNET.format(0x5000 + serial, serial),
                        category=rng.choice(("music", "other", "")),
                        stopped=rng.random() < 0.5,
                    )
                elif action == 6:
                    victim.category = rng.choice(("music", "other", "books"))
                    world.touch(victim)
                else:
                    world.set_vpn(up=not world.vpn.up)
            await sim.advance(rng.uniform(1, 45), step=rng.choice((1.0, 5.0)))
            snapshot = await client.sync()
            fulls += snapshot.full
            await _assert_current(client, snapshot)
        assert fulls == 1, "only the first poll lists everything"


def _replying(replies: dict[str, dict[str, Any]], seen: list[Any]) -> web.Application:
    async def rpc(request: web.Request) -> web.Response:
        body = await request.json()
        ids = body["arguments"].get("ids")
        seen.append(ids)
        key = ids if isinstance(ids, str) else "all" if ids is None else "by id"
        reply = {"arguments": replies[key], "result": "success"}
        return web.json_response(reply, headers={SESSION_HEADER: "sid"})

    app = web.Application()
    app.router.add_post("/transmission/rpc", rpc)
    return app


_ONE = {
    "id": 1,
    "hashString": "ab" * 20,
    "name": "One",
    "status": 6,
    "percentDone": 1,
    "totalSize": 10,
}


@pytest.mark.parametrize(
    ("recent", "message"),
    [
        (
            {"torrents": [], "removed": "3"},
            "Transmission sent the recently active torrents in a shape we do not understand "
            "(TypeError: removed is str, not a list)",
        ),
        (
            {"torrents": [], "removed": [1.5]},
            "(TypeError: removed holds 1.5, not a torrent id)",
        ),
        ({"torrents": []}, "(KeyError: 'removed')"),
        ({"torrents": {"1": _ONE}, "removed": []}, "(TypeError: torrents is dict, not a list)"),
        ({"torrents": [{"id": 1}], "removed": []}, "(KeyError: 'status')"),
    ],
)
async def test_replies_we_do_not_understand(
    session: aiohttp.ClientSession, recent: dict[str, Any], message: str
) -> None:
    seen: list[Any] = []
    app = _replying({"all": {"torrents": [_ONE]}, RECENTLY_ACTIVE: recent}, seen)
    async with serve(app) as url:
        client = TransmissionClient(session, url)
        snapshot = await client.sync()
        assert list(snapshot.torrents) == [1]
        with pytest.raises(UnexpectedResponseError) as caught:
            await client.sync()
        assert message in caught.value.message
        assert "may be a version StepheyBot Music does not support yet" in caught.value.message
        again = await client.sync()
        assert again.full
        assert again.torrents is snapshot.torrents
    assert seen == [None, RECENTLY_ACTIVE, None]


async def test_settings_are_checked_and_a_sync_belongs_to_its_client(
    session: aiohttp.ClientSession,
) -> None:
    client = TransmissionClient(session, "http://127.0.0.1:9")
    other = TransmissionClient(session, "http://127.0.0.1:9")
    with pytest.raises(ValueError, match="full_every must be at least 1"):
        TransmissionSync(client, full_every=0)
    with pytest.raises(ValueError, match="max_gap must be between 0 and 60 s"):
        TransmissionSync(client, max_gap=60)
    with pytest.raises(ValueError, match="belongs to another client"):
        client.torrent_sync = TransmissionSync(other)
    with pytest.raises(CannotConnectError, match="Cannot connect to Transmission"):
        await client.sync()

"""The qBittorrent client's ``sync/maindata`` merge: correct after any changes, small, off the loop.

Against the simulator (both API generations): the incrementally merged view equals a fresh full
sync after random changes, whichever path decoded each reply; the store keeps a bounded number of
bytes per torrent; a big reply is decoded in a worker thread and a small delta in the loop; a sync
cancelled while its reply is being decoded leaves the store untouched. Garbage read torrent by
torrent fails with the same messages as garbage read with ``json.loads``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import random
import threading
import tracemalloc
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest
from stepheybot_music_clients.errors import UnexpectedResponseError
from stepheybot_music_clients.qbittorrent import (
    MainData,
    QBittorrentClient,
    Torrent,
    stream,
)
from stepheybot_music_clients.qbittorrent.parse import (
    TORRENT_DEFAULTS,
    TORRENT_FIELDS,
)
from stepheybot_music_clients.qbittorrent.sync import (
    MainDataStore,
    PreparedUpdate,
)

from simulator import Scale, Simulator
from simulator.backends import BackendSpec
from tests.clients.test_qbittorrent_errors import (  # noqa: F401  (fixtures)
    H1,
    H2,
    as_json,
    login_ok,
    make,
    script,
    text,
    torrent,
)

PASSWORD = "Sim-qb-pw-7"
SMALL = Scale(artists=6, albums=20, tracks=150, catalog_artists=2, upcoming_albums=1, torrents=60)
CATEGORIES = ("music", "", "other", "audiobooks")


def spec(flavor: str) -> BackendSpec:
    return BackendSpec(
        name="qbittorrent", kind="qbittorrent", flavor=flavor, username="admin", password=PASSWORD
    )


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client_for(sim: Simulator, http: aiohttp.ClientSession) -> QBittorrentClient:
    return QBittorrentClient(http, sim.url("qbittorrent"), username="admin", password=PASSWORD)


def check_delta(before: MainData, after: MainData) -> None:
    """``changed``/``removed`` describe exactly what differs, and nothing else was rebuilt."""
    assert after.removed == before.torrents.keys() - after.torrents.keys()
    differs = {h for h, t in after.torrents.items() if before.torrents.get(h) != t}
    assert differs <= after.changed <= after.torrents.keys()
    for info_hash in after.torrents.keys() - after.changed:
        assert after.torrents[info_hash] is before.torrents[info_hash]
    if not after.changed and not after.removed:
        assert after.torrents is before.torrents


def random_change(sim: Simulator, rng: random.Random) -> None:
    world = sim.world
    hashes = sorted(world.torrents)
    info_hash = rng.choice(hashes)
    torrent_ = world.torrents[info_hash]
    match rng.randrange(6):
        case 0:
            world.stop_torrent(info_hash)
        case 1:
            world.start_torrent(info_hash)
        case 2 if len(hashes) > 10:
            world.remove_torrent(info_hash)
        case 3:
            torrent_.category = rng.choice(CATEGORIES)
            world.touch(torrent_)
        case 4:
            torrent_.tags = rng.sample(["flac", "mp3", "live", "rare"], rng.randrange(3))
            world.touch(torrent_)
        case _:
            new_hash = f"{rng.getrandbits(160):040x}"
            world.add_magnet(
                f"magnet:?xt=urn:btih:{new_hash}&dn=Random+{new_hash[:6]}",
                category=rng.choice(CATEGORIES),
                stopped=rng.random() < 0.5,
            )


@pytest.mark.parametrize("flavor", ["5.3", "4.5"])
@pytest.mark.parametrize("offload_bytes", [0, QBittorrentClient.offload_bytes])
async def test_merged_view_equals_a_fresh_full_sync(
    http: aiohttp.ClientSession, flavor: str, offload_bytes: int
) -> None:
    rng = random.Random(f"{flavor}-{offload_bytes}")
    async with Simulator(specs=[spec(flavor)], scale=SMALL, seed=11) as sim:
        merged = client_for(sim, http)
        merged.offload_bytes = offload_bytes  # 0: every reply read torrent by torrent, in a thread
        fresh = client_for(sim, http)
        before = await merged.sync()
        assert before.full_update
        for _ in range(40):
            for _ in range(rng.randrange(4)):
                random_change(sim, rng)
            if rng.random() < 0.3:
                await sim.advance(rng.choice([1, 5, 30]))  # downloads progress, speeds change
            after = await merged.sync()
            assert not after.full_update
            check_delta(before, after)
            full = await fresh.sync()
            await fresh.logout()  # the next round's fresh sync is a full one again
            assert full.full_update
            assert dict(after.torrents) == dict(full.torrents)
            assert dict(after.categories) == dict(full.categories)
            assert set(after.tags) == set(full.tags)
            assert after.server_state == full.server_state
            before = after
        assert len(before.torrents) > 20


async def _to_joined_thread[T](func: Callable[..., T], /, *args: Any) -> T:
    """``asyncio.to_thread`` in a thread joined before returning (it holds nothing after)."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return await asyncio.get_running_loop().run_in_executor(worker, func, *args)


async def test_memory_kept_per_torrent_is_bounded(
    http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    scale = Scale(artists=4, albums=10, tracks=80, catalog_artists=1, torrents=5_000)
    async with Simulator(specs=[spec("5.3")], scale=scale, seed=3) as sim:
        warm = client_for(sim, http)
        await warm.sync()  # the simulator caches what it serializes: it is quicker traced
        await warm.logout()
        client = QBittorrentClient(
            http, sim.url("qbittorrent"), username="admin", password=PASSWORD, timeout=120
        )
        await client.probe()  # log in outside the measurement
        # The big reply is parsed in a worker thread, whose finished work item (holding the
        # reply) lives on until the thread runs again: a worker of its own, joined at once.
        monkeypatch.setattr(asyncio, "to_thread", _to_joined_thread)
        gc.collect()
        tracemalloc.start(8)
        try:
            data = await client.sync()
            gc.collect()
            snapshot = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
    # everything still alive that our package (or anything it called) allocated
    ours = snapshot.filter_traces(
        [tracemalloc.Filter(True, "*/clients/qbittorrent/*", all_frames=True)]
    )
    kept = sum(stat.size for stat in ours.statistics("filename"))
    assert len(data.torrents) >= 5_000
    # keeping the raw JSON of every torrent (~60 fields), as before, took about 2,900 B each;
    # the typed view alone takes about 560 B
    per_torrent = kept / len(data.torrents)
    assert per_torrent < 1_200, f"{per_torrent:.0f} B per torrent"


async def test_big_reply_is_parsed_off_the_loop_and_small_delta_in_it(
    http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[tuple[str, threading.Thread]] = []

    def spy(name: str, method: Callable[..., PreparedUpdate]) -> Callable[..., PreparedUpdate]:
        def wrapper(*args: Any) -> PreparedUpdate:
            threads.append((name, threading.current_thread()))
            return method(*args)

        return wrapper

    monkeypatch.setattr(MainDataStore, "prepare", spy("prepare", MainDataStore.prepare))
    monkeypatch.setattr(
        MainDataStore, "prepare_body", spy("prepare_body", MainDataStore.prepare_body)
    )
    scale = Scale(artists=4, albums=10, tracks=80, catalog_artists=1, torrents=2_000)
    async with Simulator(specs=[spec("5.3")], scale=scale, seed=3) as sim:
        client = client_for(sim, http)
        full = await client.sync()
        assert client.stats.body_bytes > QBittorrentClient.offload_bytes
        (name, thread), *_ = threads
        assert name == "prepare_body"
        assert thread is not threading.main_thread()
        assert len(full.torrents) >= 2_000

        threads.clear()
        target = sorted(sim.world.torrents)[0]
        sim.world.start_torrent(target)
        delta = await client.sync()
        assert delta.changed == {target}
        assert threads == [("prepare", threading.main_thread())]


async def test_cancelled_sync_leaves_the_store_untouched(
    http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    prepare_body = MainDataStore.prepare_body

    def slow(self: MainDataStore, body: bytes) -> PreparedUpdate:
        entered.set()
        release.wait(10)
        return prepare_body(self, body)

    monkeypatch.setattr(MainDataStore, "prepare_body", slow)
    async with Simulator(specs=[spec("5.3")], scale=SMALL, seed=3) as sim:
        client = client_for(sim, http)
        task = asyncio.create_task(client.sync())
        assert await asyncio.to_thread(entered.wait, 10)
        task.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.05)  # the worker thread finishes meanwhile
        monkeypatch.setattr(MainDataStore, "prepare_body", prepare_body)
        again = await client.sync()
        assert again.full_update  # the lost reply was not installed: rid 0 again
        assert again.changed == again.torrents.keys()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("[1, 2, 3]", "the sync/maindata reply is a list, expected a JSON object"),
        ('{"full_update": true}', "the reply has no valid 'rid'"),
        ('{"rid": 1, "torrents": []}', "'torrents' is a list, expected a JSON object"),
        (f'{{"rid": 1, "torrents": {{"{H1}": 7}}}}', f"torrent {H1} is a int"),
        (
            json.dumps({"rid": 1, "full_update": True, "torrents": {H1: {"size": "big"}}}),
            "field 'size' is 'big', expected an integer",
        ),
        (
            json.dumps({"rid": 1, "torrents": {H1: {"added_on": 10**20}}}),
            "field 'added_on' is 100000000000000000000, not a valid time",
        ),
        ('{"rid": 1, "full_update": "yes"}', "field 'full_update' is 'yes', expected true"),
        ('{"rid": 1, "server_state": {"global_ratio": "lots"}}', "could not convert string"),
    ],
)
@pytest.mark.parametrize("offload_bytes", [0, QBittorrentClient.offload_bytes])
async def test_garbage_is_reported_alike_on_both_paths(
    script: Any,  # noqa: F811  (the fixture)
    http: aiohttp.ClientSession,
    payload: str,
    expected: str,
    offload_bytes: int,
) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    good = {"rid": 1, "full_update": True, "torrents": {H2: torrent("Good")}}
    scr.on("sync/maindata", as_json(good), text(payload), as_json(good))
    client = make(http, url)
    client.offload_bytes = offload_bytes
    assert set((await client.sync()).torrents) == {H2}
    with pytest.raises(UnexpectedResponseError) as err:
        await client.sync()
    assert "sent sync/maindata in a shape we do not understand" in err.value.message
    assert expected in err.value.message
    assert set((await client.sync()).torrents) == {H2}
    assert scr.rids() == ["0", "1", "0"]


@pytest.mark.parametrize("offload_bytes", [0, QBittorrentClient.offload_bytes])
async def test_invalid_json_is_reported_on_both_paths(
    script: Any,  # noqa: F811  (the fixture)
    http: aiohttp.ClientSession,
    offload_bytes: int,
) -> None:
    scr, url = script
    scr.on("auth/login", login_ok())
    good = {"rid": 1, "full_update": True, "torrents": {H2: torrent("Good")}}
    scr.on("sync/maindata", as_json(good), text('{"rid": 2, "torrents": {"x": {'))
    client = make(http, url)
    client.offload_bytes = offload_bytes
    await client.sync()
    with pytest.raises(UnexpectedResponseError) as err:
        await client.sync()
    assert "sent a response that is not valid JSON" in err.value.message


def test_unmodelled_fields_change_nothing() -> None:
    store = MainDataStore()
    full = store.apply(
        {"rid": 1, "full_update": True, "torrents": {H1: torrent("One"), H2: torrent("Two")}}
    )
    # qBittorrent sends time_active/last_activity of every running torrent on every poll
    idle = store.apply({"rid": 2, "torrents": {H1: {"time_active": 5, "last_activity": 9}}})
    assert idle.torrents is full.torrents
    assert not idle.changed
    moved = store.apply({"rid": 3, "torrents": {H1: {"time_active": 6, "dlspeed": 100}}})
    assert moved.changed == {H1}
    assert moved.torrents[H1] == dataclasses.replace(full.torrents[H1], dlspeed=100)
    assert moved.torrents[H2] is full.torrents[H2]


def test_defaults_cover_every_attribute() -> None:
    attributes = {f.name for f in dataclasses.fields(Torrent)} - {"hash"}
    assert set(TORRENT_DEFAULTS) == attributes
    assert "state" in TORRENT_FIELDS
    assert "time_active" not in TORRENT_FIELDS


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 4096])
def test_body_read_in_chunks_equals_json_loads(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Chunk edges in numbers, keys, escapes and multi-byte characters change nothing."""
    monkeypatch.setattr(stream, "CHUNK_BYTES", chunk)
    rng = random.Random(chunk)
    names = ["Bj\u00f6rk \u2013 Homogenic", 'Say "Hi" \\ back', "\U0001f3b5 Songs", "plain"]
    for full in (True, False):
        torrents = {
            f"{i:040x}": torrent(
                rng.choice(names) + str(i),
                size=rng.randrange(10**12),
                progress=rng.random(),
                tags=rng.choice(["", "a", "a, b"]),
                category=rng.choice(CATEGORIES),
            )
            for i in range(12)
        }
        reply = {
            "full_update": full,
            "rid": 123456789,
            "server_state": {"dl_info_speed": 987654321, "global_ratio": "1.25"},
            "torrents": torrents,
            "trackers": {"udp://t.example:1337": list(torrents)},
            "categories": {"music": {"name": "music", "savePath": "/m\u00fcsik"}},
        }
        for body in (json.dumps(reply), json.dumps(reply, indent=1, ensure_ascii=False)):
            expected = MainDataStore().prepare(json.loads(body)).data
            assert MainDataStore().prepare_body(body.encode()).data == expected


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[1]",
        b'{"rid": 1, "torrents": {"x": {',
        b'{"rid": 1} trailing',
        b'{"rid": 1, "torrents": {"x": 5}}',
        b'{"rid": 1, "name": "\xff"}',
        b'\xef\xbb\xbf{"rid": 1}',
    ],
)
def test_bodies_left_to_json_loads(body: bytes) -> None:
    with pytest.raises(stream.NotStreamableError):
        MainDataStore().prepare_body(body)

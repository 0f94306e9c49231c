"""The download domain: one state table, one torrent view, one incremental tally.

The tally is checked against a count from scratch after every poll, on the real
qbittorrent-nox 5.3 and 4.5.2 (their own ``sync/maindata`` deltas: adds, removals, stops,
starts, category changes, torrents that check their data and seed) and on random deltas.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping

import aiohttp
import pytest
from stepheybot_music_clients import qbittorrent, transmission
from stepheybot_music_clients.downloads import (
    MUSIC_FOLDERS,
    QBITTORRENT,
    STATES,
    TRANSMISSION,
    DownloadState,
    Tally,
    TorrentFacts,
    TorrentSource,
    TorrentTally,
    TorrentView,
    is_music,
    normalize,
)
from stepheybot_music_clients.qbittorrent import MainData, QBittorrentClient

from simulator import Scale, Simulator
from simulator.server import default_specs
from tests.compat import REAL, compat
from tests.servers import qbittorrent as qbt
from tests.servers.qbittorrent import qbt_factory  # noqa: F401  (fixture)
from tests.servers.transmission import make_torrent

# --- the state table ----------------------------------------------------------------------


@pytest.mark.parametrize("client_state", [*qbittorrent.TorrentState, *transmission.TorrentState])
def test_every_client_state_has_one_meaning(
    client_state: qbittorrent.TorrentState | transmission.TorrentState,
) -> None:
    if client_state.value == "unknown":
        assert client_state.value not in STATES
    else:
        assert client_state.value in STATES, "one table for both clients"
    assert normalize(client_state) in DownloadState


def test_stalled_is_an_incomplete_torrent_receiving_nothing() -> None:
    assert normalize(qbittorrent.TorrentState.STALLED_DOWNLOADING) is DownloadState.STALLED
    assert normalize(transmission.TorrentState.STALLED_DOWNLOADING) is DownloadState.STALLED
    # a complete torrent nobody downloads from (most idle seeds) is seeding, not stalled
    assert normalize(qbittorrent.TorrentState.STALLED_UPLOADING) is DownloadState.SEEDING
    assert normalize(transmission.TorrentState.STALLED_UPLOADING) is DownloadState.SEEDING
    assert normalize("somethingNew") is DownloadState.UNKNOWN


# --- the view, from both clients ------------------------------------------------------------


@pytest.fixture
async def both_clients() -> AsyncIterator[tuple[Simulator, aiohttp.ClientSession]]:
    """The simulated qBittorrent and Transmission, playing the same torrents."""
    specs = [s for s in default_specs("5eed") if s.name in ("qbittorrent", "transmission")]
    async with (
        Simulator(
            seed=3, scale=Scale(torrents=40), specs=specs, speed=0, tick_interval=3600
        ) as sim,
        aiohttp.ClientSession() as session,
    ):
        # each simulated client holds its own torrents: hand Transmission qBittorrent's
        # (the same objects), so the two APIs describe one set of torrents
        shared = sim.world.client_torrents("qbittorrent")
        transmission_torrents = sim.world.client_torrents("transmission")
        transmission_torrents.clear()
        transmission_torrents.update(shared)
        yield sim, session


async def test_the_same_torrent_reads_the_same_from_either_client(
    both_clients: tuple[Simulator, aiohttp.ClientSession],
) -> None:
    sim, session = both_clients
    await sim.advance(5)  # the world moves: active downloads get their speed, others stall
    q_spec, t_spec = sim.spec("qbittorrent"), sim.spec("transmission")
    q_client = QBittorrentClient(
        session, sim.url("qbittorrent"), username=q_spec.username, password=q_spec.password
    )
    t_client = transmission.TransmissionClient(
        session, sim.url("transmission"), username=t_spec.username, password=t_spec.password
    )
    q_views = {t.hash: QBITTORRENT.view(t) for t in await q_client.torrents()}
    t_views = {t.hash: TRANSMISSION.view(t) for t in await t_client.torrents()}
    await q_client.logout()
    assert q_views.keys() == t_views.keys()
    music = sim.world.music_category
    states: Counter[DownloadState] = Counter()
    for info_hash, q in q_views.items():
        t = t_views[info_hash]
        assert (t.hash, t.name, t.state) == (q.hash, q.name, q.state), (q, t)
        assert t.progress == pytest.approx(q.progress, abs=1e-4)
        assert (t.download_rate, t.upload_rate) == (q.download_rate, q.upload_rate)
        assert t.in_category(music) == q.in_category(music)
        assert t.in_category("*")
        states[q.state] += 1
    assert {DownloadState.DOWNLOADING, DownloadState.STOPPED} <= set(states), states


def test_view_reports_why_a_torrent_cannot_go_on() -> None:
    missing = QBITTORRENT.view(
        qbittorrent.Torrent(
            hash="ab" * 20,
            name="Album",
            state=qbittorrent.TorrentState.ERROR,
            state_raw="missingFiles",
            category="music",
            tags=(),
            size=10,
            progress=0.5,
            dlspeed=0,
            upspeed=0,
            eta=None,
            added_on=None,
            completion_on=None,
            save_path="/downloads",
            amount_left=5,
            downloaded=5,
            uploaded=0,
            num_seeds=0,
            num_leechs=0,
            ratio=0.0,
        )
    )
    assert missing.state is DownloadState.ERROR
    assert missing.error == "qBittorrent cannot find the downloaded files."
    assert missing.labels == ("music",)
    assert not missing.complete


# --- the tally ----------------------------------------------------------------------------


def _recount[K, T](torrents: Mapping[K, T], source: TorrentSource[T], category: str) -> Tally:
    """Every torrent counted from scratch by a new tally."""
    fresh = TorrentTally[K, T](source, category=category)
    tally = fresh.update(torrents, changed=(), removed=(), full=True)
    assert fresh.looked_at == len(torrents)
    return tally


def _same(tally: Tally, recount: Tally) -> None:
    assert tally == recount
    assert sum(tally.counts.values()) == tally.total


async def _poll(
    client: QBittorrentClient, tallies: dict[str, TorrentTally[str, qbittorrent.Torrent]]
) -> MainData:
    """One ``sync/maindata`` poll fed to every tally, each checked against a recount."""
    data = await client.sync()
    for category, tally in tallies.items():
        looked_at = tally.looked_at
        counted = tally.update(
            data.torrents, changed=data.changed, removed=data.removed, full=data.full_update
        )
        _same(counted, _recount(data.torrents, QBITTORRENT, category))
        if not data.full_update:
            assert tally.looked_at - looked_at == len(data.changed), "only the changed ones"
    return data


async def _until(
    client: QBittorrentClient,
    tallies: dict[str, TorrentTally[str, qbittorrent.Torrent]],
    done: Callable[[MainData], bool],
) -> MainData:
    """Poll (checking every tally each time) until ``done``; real servers publish every ~1.5 s."""
    for _ in range(150):
        data = await _poll(client, tallies)
        if done(data):
            return data
        await asyncio.sleep(0.2)
    raise AssertionError("qBittorrent did not get there in 30 s")


def _raw_states(data: MainData, hashes: list[str]) -> set[str]:
    return {data.torrents[h].state_raw for h in hashes if h in data.torrents}


@compat("qbittorrent", "5.3", proof=REAL, source="qbittorrent-nox 5.3.0 (Debian sid)")
@compat("qbittorrent", "4.5", proof=REAL, source="qbittorrent-nox 4.5.2 (Debian 12)")
@pytest.mark.real_server
@pytest.mark.parametrize("generation", ["5.3", "4.5"])
async def test_tally_follows_real_sync_deltas(
    qbt_factory: Callable[..., qbt.QbtServer],  # noqa: F811
    generation: str,
) -> None:
    server = await asyncio.to_thread(qbt_factory, generation)
    cookie = await asyncio.to_thread(qbt.login_cookie, server)
    magnets = await asyncio.to_thread(
        lambda: qbt.add_synthetic_torrents(server, 12, cookie=cookie, category="music")
    )
    others = await asyncio.to_thread(
        lambda: qbt.add_synthetic_torrents(
            server, 6, cookie=cookie, category="other", name_prefix="Other"
        )
    )
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        client = QBittorrentClient(
            session, server.url, username=server.username, password=server.password
        )
        tallies = {
            category: TorrentTally[str, qbittorrent.Torrent](QBITTORRENT, category=category)
            for category in ("music", "*")
        }
        first = await _poll(client, tallies)
        assert first.full_update
        assert tallies["music"].update(
            first.torrents, changed=(), removed=(), full=False
        ).category_counts[DownloadState.STOPPED] == len(magnets)

        # real data: complete torrents check and seed, incomplete ones wait for peers
        seeds = [make_torrent(server.download_dir, f"Seed {n}") for n in range(3)]
        waiting = [
            make_torrent(server.download_dir, f"Waiting {n}", write_data=False) for n in range(2)
        ]
        await asyncio.to_thread(
            lambda: qbt.add_torrent_files(server, seeds, cookie=cookie, category="music")
        )
        await asyncio.to_thread(
            lambda: qbt.add_torrent_files(server, waiting, cookie=cookie, category="other")
        )
        seed_hashes = [t.info_hash for t in seeds]
        waiting_hashes = [t.info_hash for t in waiting]
        data = await _until(
            client,
            tallies,
            lambda d: (
                _raw_states(d, seed_hashes) == {"stalledUP"}
                and _raw_states(d, waiting_hashes) == {"stalledDL"}
            ),
        )
        music = tallies["music"].update(data.torrents, changed=(), removed=(), full=False)
        assert music.category_counts[DownloadState.SEEDING] == len(seeds)
        assert music.category_counts[DownloadState.STALLED] == 0
        everything = tallies["*"].update(data.torrents, changed=(), removed=(), full=False)
        assert everything.category_counts[DownloadState.STALLED] == len(waiting)

        # starts, stops, a category change, removals
        rng = random.Random(15)
        started = rng.sample(magnets, 4)
        await client.start(started)
        await client.stop(seed_hashes[:1])
        moved = [others[0], waiting_hashes[0]]
        status, body, _ = await asyncio.to_thread(
            qbt.http_request,
            server,
            "POST",
            "/api/v2/torrents/setCategory",
            form={"hashes": "|".join(moved), "category": "music"},
            cookie=cookie,
        )
        assert status == 200, body
        removed = [magnets[-1], others[-1]]
        await client.delete(removed, delete_files=True)
        data = await _until(
            client,
            tallies,
            lambda d: (
                all(h not in d.torrents for h in removed)
                and all(d.torrents[h].category == "music" for h in moved)
                and _raw_states(d, seed_hashes[:1]) <= {"stoppedUP", "pausedUP"}
                and _raw_states(d, started).isdisjoint({"stoppedDL", "pausedDL"})
            ),
        )
        music = tallies["music"].update(data.torrents, changed=(), removed=(), full=False)
        assert music.category_counts[DownloadState.STALLED] == 1, "the waiting one moved in"
        assert music.category_counts[DownloadState.SEEDING] == len(seeds) - 1
        assert music.category_running == len(seeds) - 1 + len(started) + 1
        assert set(music.category_hashes) == {
            h for h, t in data.torrents.items() if t.category == "music"
        }
        assert [tally.recounts for tally in tallies.values()] == [1, 1], "no count from scratch"
        await client.logout()


# --- random deltas ------------------------------------------------------------------------


class Fake:
    """A torrent as much as the tally needs: facts of its own."""

    def __init__(self, facts: TorrentFacts) -> None:
        self.facts = facts


class FakeSource(TorrentSource[Fake]):
    def __init__(self) -> None:
        self.fail_at: int | None = None
        self.calls = 0

    def facts(self, torrent: Fake) -> TorrentFacts:
        self.calls += 1
        if self.calls == self.fail_at:
            raise ValueError("a torrent that cannot be read")
        return torrent.facts

    def view(self, torrent: Fake) -> TorrentView:
        raise NotImplementedError  # the tally never needs a whole view


def _random(rng: random.Random, key: int) -> Fake:
    return Fake(
        TorrentFacts(
            f"{key:040x}",
            rng.choice(list(DownloadState)),
            rng.choice(((), ("music",), ("other",), ("music", "other"))),
            rng.random() < 0.5,
            rng.choice(("/downloads", "/hot_downloads", "/hot_downloads/x")),
        )
    )


def test_tally_equals_a_recount_after_any_deltas() -> None:
    rng = random.Random(2026)
    torrents: dict[int, Fake] = {}
    source = FakeSource()
    tally = TorrentTally[int, Fake](source, category="music")
    next_id = 0
    for round_no in range(300):
        changed: set[int] = set()
        removed: set[int] = set()
        for _ in range(rng.choice((0, 1, 5, 40))):
            action = rng.randrange(3)
            if action == 0 or not torrents:
                next_id += 1
                torrents[next_id] = _random(rng, next_id)
                changed.add(next_id)
            elif action == 1:
                key = rng.choice(list(torrents))
                torrents[key] = _random(rng, key)
                changed.add(key)
            else:
                key = rng.choice(list(torrents))
                del torrents[key]
                removed.add(key)
                changed.discard(key)
        snapshot = dict(torrents)
        counted = tally.update(snapshot, changed=changed, removed=removed, full=round_no == 0)
        _same(counted, _recount(snapshot, FakeSource(), "music"))
        assert dict(counted.category_unfinished) == {
            t.facts.hash: t.facts.state
            for t in snapshot.values()
            # music: the label, or the Music Brain's folder (or one below it)
            if ("music" in t.facts.labels or t.facts.folder.startswith("/hot_downloads"))
            and not t.facts.complete
        }
        if not (changed or removed) and round_no:
            assert tally.update(snapshot, changed=(), removed=(), full=False) is counted
    assert tally.recounts == 1


def test_a_failed_update_counts_from_scratch_next_time() -> None:
    rng = random.Random(1)
    torrents = {n: _random(rng, n) for n in range(20)}
    source = FakeSource()
    tally = TorrentTally[int, Fake](source, category="music")
    tally.update(torrents, changed=(), removed=(), full=True)
    changed = {n: _random(rng, n) for n in range(10)}
    torrents |= changed
    source.fail_at = 25
    with pytest.raises(ValueError, match="cannot be read"):
        tally.update(torrents, changed=changed.keys(), removed=(), full=False)
    counted = tally.update(torrents, changed=(), removed=(), full=False)
    assert tally.recounts == 2, "half-applied: counted again from scratch"
    _same(counted, _recount(torrents, FakeSource(), "music"))


def test_a_delta_that_misses_a_torrent_is_counted_again() -> None:
    rng = random.Random(4)
    torrents = {n: _random(rng, n) for n in range(8)}
    tally = TorrentTally[int, Fake](FakeSource(), category="music")
    tally.update(torrents, changed=(), removed=(), full=True)
    torrents[99] = _random(rng, 99)  # listed, but the delta does not name it
    counted = tally.update(torrents, changed=(), removed=(), full=False)
    assert tally.recounts == 2, "the counts would drift: counted again from scratch"
    _same(counted, _recount(torrents, FakeSource(), "music"))


@pytest.mark.parametrize(
    ("folder", "music"),
    [
        ("/hot_downloads", True),
        ("/hot_downloads/", True),
        ("/hot_downloads/Artist - Album", True),
        ("/hot_downloads2", False),
        ("/downloads", False),
        ("", False),
    ],
)
def test_a_torrent_in_a_music_folder_is_music_without_the_label(folder: str, music: bool) -> None:
    assert is_music("music", MUSIC_FOLDERS, (), folder) is music
    assert is_music("music", (), (), folder) is False
    assert is_music("music", (), ("music",), folder) is True

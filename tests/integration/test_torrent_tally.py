"""The qBittorrent coordinator counts torrents from what each poll changed, not all of them."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from stepheybot_music_clients.downloads import QBITTORRENT, TorrentTally
from stepheybot_music_clients.factory import make_client_as
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.qbittorrent import QBittorrentClient, Torrent

from custom_components.stepheybot_music.backends import client_settings
from custom_components.stepheybot_music.coordinators.download_client import (
    TorrentBucket,
    bucket_counts,
)
from custom_components.stepheybot_music.coordinators.qbittorrent import QBittorrentCoordinator
from simulator import Simulator
from simulator.generate import Scale
from simulator.model import TorrentStatus

from .conftest import backend_data, setup_stack, simulator_specs, subentry_id
from .helpers import poll

TORRENTS = 5000
MAGNET = "magnet:?xt=urn:btih:{:040x}&dn=Tally+{}"
STOPPED = (TorrentStatus.STOPPED_DOWNLOADING, TorrentStatus.STOPPED_SEEDING)


@pytest.fixture
async def big_sim(frozen: FrozenDateTimeFactory) -> AsyncIterator[Simulator]:
    """qBittorrent alone with 5,000 extra torrents (half of them music)."""
    async with Simulator(
        seed=7,
        scale=Scale(torrents=TORRENTS),
        specs=simulator_specs(["qbittorrent"]),
        speed=0,
        tick_interval=3600,
    ) as running:
        yield running


def _assert_matches_world(coordinator: QBittorrentCoordinator, sim: Simulator) -> None:
    """The coordinator's data against a recount of the simulated world."""
    data = coordinator.data
    world = sim.world
    torrents = world.torrents
    music = [h for h, t in torrents.items() if t.category == world.music_category]
    assert data.total == len(torrents)
    assert data.music_ids == tuple(sorted(music))
    assert data.counts[TorrentBucket.PAUSED] == sum(t.status in STOPPED for t in torrents.values())
    assert data.counts[TorrentBucket.DOWNLOADING] == sum(
        t.status in (TorrentStatus.DOWNLOADING, TorrentStatus.METADATA) for t in torrents.values()
    )
    assert data.music_running == sum(torrents[h].status not in STOPPED for h in music)
    assert sum(data.counts.values()) <= data.total


async def _recount(sim: Simulator, coordinator: QBittorrentCoordinator) -> tuple[object, ...]:
    """Every count again from a fresh client's full listing, every torrent looked at."""
    async with aiohttp.ClientSession() as session:
        settings = client_settings(backend_data(sim, "qbittorrent"))
        client = make_client_as(QBittorrentClient, BackendKind.QBITTORRENT, session, settings)
        main = await client.sync()
        await client.logout()
    assert main.full_update
    fresh = TorrentTally[str, Torrent](QBITTORRENT, category=coordinator.music_category)
    tally = fresh.update(main.torrents, changed=main.changed, removed=(), full=True)
    assert fresh.looked_at == len(main.torrents)
    return (
        bucket_counts(tally.counts),
        tally.total,
        tally.category_hashes,
        tally.category_active,
        tally.category_running,
    )


async def test_no_change_poll_summarizes_nothing_and_changes_only_what_changed(
    hass: HomeAssistant,
    big_sim: Simulator,
    frozen: FrozenDateTimeFactory,
) -> None:
    entry = await setup_stack(hass, big_sim, ["qbittorrent"])
    coordinator = entry.runtime_data.backends[subentry_id("qbittorrent")].fast[0]
    assert isinstance(coordinator, QBittorrentCoordinator)
    tally = coordinator.tally
    world = big_sim.world
    assert len(world.torrents) > TORRENTS
    assert tally.looked_at == len(world.torrents), "the first poll looks at every torrent"
    _assert_matches_world(coordinator, big_sim)
    interval = coordinator.update_interval
    assert interval is not None
    seconds = interval.total_seconds()

    before = coordinator.data
    for _ in range(3):
        looked_at = tally.looked_at
        await poll(hass, frozen, seconds)
        assert coordinator.last_update_success
        assert tally.looked_at == looked_at, "nothing changed: no torrent is looked at"
        assert coordinator.data.music_ids is before.music_ids
        assert coordinator.data.counts == before.counts

    rng = random.Random(11)
    for round_ in range(6):
        hashes = sorted(world.torrents)
        touched: set[str] = set()
        for info_hash in rng.sample(hashes, 40):
            torrent = world.torrents[info_hash]
            action = rng.randrange(4)
            if action == 0:
                world.stop_torrent(info_hash)
            elif action == 1:
                world.start_torrent(info_hash)
            elif action == 2:
                torrent.category = (
                    "other" if torrent.category == world.music_category else (world.music_category)
                )
                world.touch(torrent)
            else:
                world.remove_torrent(info_hash)
            touched.add(info_hash)
        for n in range(5):
            added = world.add_magnet(
                MAGNET.format(0xB000 + round_ * 10 + n, n), category=world.music_category
            )
            assert added is not None
            touched.add(added.hash)
        looked_at = tally.looked_at
        await poll(hass, frozen, seconds)
        assert coordinator.last_update_success
        assert 0 < tally.looked_at - looked_at <= len(touched), "only the changed are looked at"
        _assert_matches_world(coordinator, big_sim)
        data = coordinator.data
        assert (
            data.counts,
            data.total,
            data.music_ids,
            data.music_active,
            data.music_running,
        ) == await _recount(big_sim, coordinator)
    assert tally.recounts == 1, "no poll after the first counted every torrent again"

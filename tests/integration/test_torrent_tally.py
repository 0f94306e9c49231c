"""The qBittorrent coordinator counts torrents from what each poll changed, not all of them."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from stepheybot_music_clients.factory import make_client_as
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.qbittorrent import QBittorrentClient, Torrent

from custom_components.stepheybot_music.backends import client_settings
from custom_components.stepheybot_music.coordinators.download_client import (
    TorrentBucket,
    TorrentSummary,
    summarize,
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


class SummarySpy:
    """Counts the calls of the coordinator's per-torrent summary."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Wrap ``QBittorrentCoordinator._summary`` (before any coordinator is built)."""
        self.calls = 0
        original = QBittorrentCoordinator._summary

        def spy(
            coordinator: QBittorrentCoordinator, info_hash: str, torrent: Torrent
        ) -> TorrentSummary:
            self.calls += 1
            return original(coordinator, info_hash, torrent)

        monkeypatch.setattr(QBittorrentCoordinator, "_summary", spy)


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
    """Every count again from a fresh client's full listing, one summary per torrent."""
    async with aiohttp.ClientSession() as session:
        settings = client_settings(backend_data(sim, "qbittorrent"))
        client = make_client_as(QBittorrentClient, BackendKind.QBITTORRENT, session, settings)
        main = await client.sync()
        await client.logout()
    assert main.full_update
    return summarize(coordinator._summary(h, t) for h, t in main.torrents.items())


async def test_no_change_poll_summarizes_nothing_and_changes_only_what_changed(
    hass: HomeAssistant,
    big_sim: Simulator,
    frozen: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = SummarySpy(monkeypatch)
    entry = await setup_stack(hass, big_sim, ["qbittorrent"])
    coordinator = entry.runtime_data.backends[subentry_id("qbittorrent")].fast[0]
    assert isinstance(coordinator, QBittorrentCoordinator)
    world = big_sim.world
    assert len(world.torrents) > TORRENTS
    assert spy.calls == len(world.torrents), "the first poll summarizes every torrent"
    _assert_matches_world(coordinator, big_sim)
    interval = coordinator.update_interval
    assert interval is not None
    seconds = interval.total_seconds()

    before = coordinator.data
    for _ in range(3):
        spy.calls = 0
        await poll(hass, frozen, seconds)
        assert coordinator.last_update_success
        assert spy.calls == 0, "nothing changed: no torrent is summarized"
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
        spy.calls = 0
        await poll(hass, frozen, seconds)
        assert coordinator.last_update_success
        assert 0 < spy.calls <= len(touched), "only the changed torrents are summarized"
        _assert_matches_world(coordinator, big_sim)
        data = coordinator.data
        assert (
            data.counts,
            data.total,
            data.music_ids,
            data.music_active,
            data.music_running,
        ) == await _recount(big_sim, coordinator)

"""The Transmission collector asks only for ``recently-active`` torrents after its first scrape."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from stepheybot_music_clients.transmission import TransmissionClient

from simulator import Fault, Scale, Simulator
from simulator.model import TorrentStatus

from .conftest import Scrape, exporter_config, running_exporter
from .test_values import EXPECTED_STATE

CLIENT = "transmission"


def _assert_music_states(sim: Simulator, scrape: Scrape) -> None:
    world = sim.world
    expected = Counter(
        EXPECTED_STATE[t.status]
        for t in world.client_torrents(CLIENT).values()
        if t.category == world.music_category
    )
    for state in set(EXPECTED_STATE.values()):
        value = scrape.value("stepheybot_music_downloads", client=CLIENT, state=state)
        assert value == expected[state], (state, value, expected)


async def test_later_scrapes_fetch_only_what_changed(tmp_path: Path) -> None:
    async with Simulator(seed=7, scale=Scale(torrents=400), slow_delay=3.0) as sim:
        world = sim.world
        await sim.advance(61)  # the daemon's recently-active window starts after set-up
        path = tmp_path / "stack.yaml"
        sim.write_stack_file(path)
        async with running_exporter(exporter_config(path)) as exporter:
            collector = next(
                c for c in exporter.exporter.stacks[sim.stack_name].collectors if c.name == CLIENT
            )
            client = collector.client()
            assert isinstance(client, TransmissionClient)
            first = await exporter.scrape()
            assert first.up(CLIENT) == 1
            _assert_music_states(sim, first)
            listing = client.stats.body_bytes
            tally = collector._tally
            assert tally is not None
            counted = len(world.client_torrents(CLIENT))
            assert tally.looked_at == counted, "the first scrape looks at every torrent"

            # a new music torrent, one removed, one stopped; the next scrape seconds later
            torrents = world.client_torrents(CLIENT).values()
            music = [t for t in torrents if t.category == world.music_category]
            new = world.add_magnet(
                f"magnet:?xt=urn:btih:{0xFEED:040x}&dn=New+Album",
                category=world.music_category,
                client=CLIENT,
            )
            assert new is not None
            world.remove_torrent(music[0].hash)
            # the generated torrents are all stopped: start one (a state change that travels)
            assert music[1].status is TorrentStatus.STOPPED_DOWNLOADING
            world.start_torrent(music[1].hash)
            await sim.advance(5)
            client.stats.reset()
            second = await exporter.scrape()
            assert second.up(CLIENT) == 1
            _assert_music_states(sim, second)
            assert client.stats.by_path == {client.rpc_path: 3}  # stats, torrents, free space
            assert listing > 50_000  # the full list, as a table (78 KB)
            assert client.stats.body_bytes < 10_000
            # the counts follow from the few torrents that travelled, not from all of them
            assert tally.recounts == 1
            assert 2 <= tally.looked_at - counted < counted // 10


async def test_a_scrape_waits_for_two_round_trips_not_three(tmp_path: Path) -> None:
    """The statistics go alone (a refused login: one failed attempt), then the torrent list
    (it needs their torrent count and uptime) and the free space together. Every request
    here takes 0.5 s."""
    async with Simulator(seed=7, scale=Scale(torrents=20), slow_delay=0.5) as sim:
        path = tmp_path / "stack.yaml"
        sim.write_stack_file(path)
        async with running_exporter(exporter_config(path)) as exporter:
            first = await exporter.scrape()
            assert first.up(CLIENT) == 1
            await sim.set_fault(CLIENT, Fault.SLOW)
            started = time.perf_counter()
            second = await exporter.scrape()
            took = time.perf_counter() - started
            assert second.up(CLIENT) == 1
            assert 1.0 <= took < 1.4, f"{took:.2f} s: not two round trips"

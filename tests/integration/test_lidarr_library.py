"""The Lidarr library coordinator polls small change signals; the artist list only on change."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from stepheybot_music_clients.lidarr import LIBRARY_MAX_AGE, LidarrClient

from custom_components.stepheybot_music.coordinators.lidarr import (
    LidarrLibraryCoordinator,
    LidarrRuntime,
)
from simulator import Simulator
from simulator.generate import Scale
from tests.exporter.conftest import exporter_config, running_exporter

from .conftest import setup_stack, simulator_specs, subentry_id
from .helpers import poll

ARTIST_LIST = "/api/v1/artist"
SIGNAL_BYTES = 6_000
"""Generous bound of one steady poll's body bytes (three one-record pages)."""

SCALES = {
    "small": Scale(),
    "large": Scale(artists=600, albums=2_400, tracks=12_000, catalog_artists=40),
}


async def _steady_poll(coordinator: LidarrLibraryCoordinator) -> tuple[int, int, dict[str, int]]:
    """One refresh of the library alone: (requests, body bytes, requests by path)."""
    client = coordinator.client
    assert isinstance(client, LidarrClient)
    client.stats.reset()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    return client.stats.requests, client.stats.body_bytes, dict(client.stats.by_path)


@pytest.mark.parametrize("size", SCALES)
async def test_steady_polls_cost_the_same_at_any_size_and_see_an_added_artist(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory, size: str
) -> None:
    async with Simulator(
        seed=7, scale=SCALES[size], specs=simulator_specs(["lidarr"]), speed=0, tick_interval=3600
    ) as sim:
        world = sim.world
        entry = await setup_stack(hass, sim, ["lidarr"])
        runtime = entry.runtime_data.backends[subentry_id("lidarr")]
        assert isinstance(runtime, LidarrRuntime)
        coordinator = runtime.library
        assert coordinator.data.artists == len(world.lidarr_artists())

        client = coordinator.client
        client.stats.reset()
        await client.library_stats()
        list_bytes = client.stats.body_bytes

        polls = [await _steady_poll(coordinator) for _ in range(3)]
        for requests, body, by_path in polls:
            assert requests == 3
            assert ARTIST_LIST not in by_path
            assert body < SIGNAL_BYTES
        assert len({body for _, body, _ in polls}) == 1, "the same bytes on every steady poll"
        if size == "large":
            assert list_bytes > 50 * SIGNAL_BYTES, "the list is what the signals save"

        # an artist added without monitoring anything: its released albums are missing,
        # unmonitored, so the next poll sees the signal and downloads the list
        today = world.clock.now().date()
        newcomer = next(
            a
            for a in world.artists.values()
            if not a.in_lidarr and any(world.albums[i].release_date <= today for i in a.album_ids)
        )
        albums_before = coordinator.data.albums
        assert newcomer.album_ids
        world.add_artist(newcomer.mbid, monitored=False, monitor="none")
        interval = coordinator.update_interval
        assert interval is not None
        await poll(hass, frozen, interval.total_seconds())
        assert coordinator.data.artists == len(world.lidarr_artists())
        state = hass.states.get("sensor.lidarr_albums")
        assert state is not None
        assert state.state == str(albums_before + len(newcomer.album_ids))
        assert state.state == str(sum(len(a.album_ids) for a in world.lidarr_artists()))
        assert (await _steady_poll(coordinator))[0] == 3, "steady again"

        # nothing moved for the safety interval: the list is downloaded once more
        frozen.tick(timedelta(seconds=LIBRARY_MAX_AGE + 1))
        _, _, by_path = await _steady_poll(coordinator)
        assert by_path.get(ARTIST_LIST) == 1


async def test_home_assistant_and_the_exporter_show_the_same_artists_after_a_change(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory, tmp_path: Path
) -> None:
    """Issue 17 item 12: one rule (change signals, then a maximum age) on both sides.

    The exporter used to download the list on a 15-minute timer while Home Assistant followed
    the signals, so right after an artist was added they disagreed (24 against 32).
    """
    async with Simulator(seed=7, specs=simulator_specs(["lidarr"]), speed=0) as sim:
        world = sim.world
        entry = await setup_stack(hass, sim, ["lidarr"])
        runtime = entry.runtime_data.backends[subentry_id("lidarr")]
        assert isinstance(runtime, LidarrRuntime)
        stack_file = tmp_path / "stack.yaml"
        sim.write_stack_file(stack_file)
        async with running_exporter(exporter_config(stack_file)) as exporter:
            collector = next(
                c for c in exporter.exporter.stacks[sim.stack_name].collectors if c.name == "lidarr"
            )
            before = (await exporter.scrape()).value("stepheybot_music_lidarr_artists")
            assert before == runtime.library.data.artists == len(world.lidarr_artists())
            steady = await exporter.scrape()
            assert collector.client().stats.by_path.get(ARTIST_LIST) == 1, "steady: no download"
            assert steady.value("stepheybot_music_lidarr_artists") == before

            today = world.clock.now().date()
            newcomer = next(
                a
                for a in world.artists.values()
                if not a.in_lidarr
                and any(world.albums[i].release_date <= today for i in a.album_ids)
            )
            world.add_artist(newcomer.mbid)
            interval = runtime.library.update_interval
            assert interval is not None
            await poll(hass, frozen, interval.total_seconds())
            await exporter.scrape()  # sees the signals move and starts the download
            if collector.refreshing is not None:
                await collector.refreshing
            after = (await exporter.scrape()).value("stepheybot_music_lidarr_artists")
            assert after == runtime.library.data.artists == len(world.lidarr_artists())
            assert after == before + 1
            assert collector.client().stats.by_path.get(ARTIST_LIST) == 2

"""``stepheybot_music_lidarr_upcoming_albums``: Lidarr's calendar of the next 7 days, one
request per scrape whose size does not grow with the library."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from stepheybot_music_exporter.collectors.lidarr import UPCOMING_DAYS, LidarrCollector

from simulator import Simulator
from simulator.generate import Scale
from simulator.world import World

from .conftest import ExporterStarter, RunningExporter, exporter_config, running_exporter

METRIC = "stepheybot_music_lidarr_upcoming_albums"
CALENDAR = "/api/v1/calendar"
CALENDAR_BYTES = 4 * 4_000
"""Generous bound of one calendar answer (a few releases with their artists)."""


def _upcoming(world: World) -> int:
    """Monitored albums of monitored Lidarr artists dated today (UTC) to 6 days later."""
    today = world.clock.now().date()
    last = today + timedelta(days=UPCOMING_DAYS - 1)
    return sum(
        1
        for album in world.lidarr_albums()
        if album.monitored and world.artist_of(album).monitored
        if today <= album.release_date <= last
    )


def _lidarr(exporter: RunningExporter) -> LidarrCollector:
    stack = next(iter(exporter.exporter.stacks.values()))
    collector = next(c for c in stack.collectors if c.name == "lidarr")
    assert isinstance(collector, LidarrCollector)
    return collector


async def test_upcoming_albums_follow_the_calendar(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    world = sim.world
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    expected = _upcoming(world)
    assert expected == 2, "the default world releases albums in 1, 4, 7 and 10 days"
    assert scrape.value(METRIC) == expected

    # an upcoming album no longer monitored drops out, one moved into the week comes in
    today = world.clock.now().date()
    soon = sorted(
        (a for a in world.lidarr_albums() if a.release_date > today), key=lambda a: a.release_date
    )
    soon[0].monitored = False
    soon[-1].release_date = today
    scrape = await exporter.scrape()
    assert scrape.value(METRIC) == _upcoming(world) == expected
    assert _lidarr(exporter).client().stats.by_path.get(CALENDAR) == 2


@pytest.mark.parametrize(
    "scale",
    [Scale(), Scale(artists=600, albums=2_400, tracks=12_000, catalog_artists=40)],
    ids=["small", "large"],
)
async def test_one_calendar_request_per_scrape_at_any_library_size(
    scale: Scale, tmp_path: Path
) -> None:
    async with Simulator(seed=7, scale=scale) as sim:
        stack_file = tmp_path / "stack.yaml"
        sim.write_stack_file(stack_file)
        async with running_exporter(exporter_config(stack_file)) as exporter:
            await exporter.scrape()  # the first scrape also downloads the artist list
            stats = _lidarr(exporter).client().stats
            for _ in range(2):
                stats.reset()
                scrape = await exporter.scrape()
                assert scrape.value(METRIC) == _upcoming(sim.world) == 2
                assert stats.by_path.get(CALENDAR) == 1
                assert "/api/v1/artist" not in stats.by_path
                assert stats.body_bytes < 3 * CALENDAR_BYTES, "every cheap endpoint of a scrape"

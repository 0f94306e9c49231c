"""Every metric against the simulator: the value the simulated world implies."""

from __future__ import annotations

from simulator import Simulator

from .conftest import ExporterStarter


async def test_library_metrics_follow_navidrome(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    world = sim.world
    scrape = await exporter.scrape()
    assert scrape.status == 200
    assert scrape.up("navidrome") == 1
    assert scrape.value("stepheybot_music_library_artists") == world.nav_artists > 0
    assert scrape.value("stepheybot_music_library_albums") == world.nav_albums > 0
    assert scrape.value("stepheybot_music_library_tracks") == world.nav_songs > 0
    assert scrape.value("stepheybot_music_library_scan_in_progress") == 0
    assert world.navidrome_last_scan is not None
    assert scrape.value("stepheybot_music_library_last_scan_timestamp_seconds") == int(
        world.navidrome_last_scan.timestamp()
    )
    assert scrape.value("stepheybot_music_library_now_playing") == len(world.now_playing)

    world.start_scan()
    scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_library_scan_in_progress") == 1

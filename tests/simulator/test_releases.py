"""Releases arrive over simulated time, and upgrade searches replace files below cutoff."""

from __future__ import annotations

from datetime import datetime, time

from simulator.clock import SimClock
from simulator.world import QUALITY_RANK, World, meets_cutoff

START = datetime.fromisoformat("2026-11-24T12:00:00+00:00")


def _world() -> World:
    return World(seed=7, clock=SimClock(start=START, speed=0))


def _advance(world: World, seconds: float, step: float = 60.0) -> None:
    while seconds > 0:
        world.clock.advance(min(step, seconds))
        world.tick()
        seconds -= step


def test_an_upcoming_album_is_released_on_its_day_and_can_then_be_grabbed() -> None:
    world = _world()
    today = world.clock.now().date()
    album = min(
        (a for a in world.lidarr_albums() if a.release_date > today), key=lambda a: a.release_date
    )
    assert album.monitored
    assert album not in world.missing_albums(), "not released: not missing"
    command = world.run_command("AlbumSearch", {"albumIds": [album.id]})
    assert command.status == "completed"
    assert world.torrent_for_album(album.id) is None, "nothing to find before its day"
    assert album.last_search == world.clock.now()

    release_day = datetime.combine(album.release_date, time.min, START.tzinfo)
    _advance(world, (release_day - world.clock.now()).total_seconds() - 1, step=3600)
    assert album not in world.missing_albums(), "one second before its day"
    _advance(world, 2, step=1)
    assert album in world.missing_albums(), "released, wanted"

    world.run_command("AlbumSearch", {"albumIds": [album.id]})
    torrent = world.torrent_for_album(album.id)
    assert torrent is not None
    assert torrent in world.lidarr_queue()
    _advance(world, 3600)
    assert album.has_files
    assert album not in world.missing_albums()
    assert world.history[-1].event_type == "downloadImported"


def test_cutoff_unmet_search_grabs_better_releases_and_the_import_meets_the_cutoff() -> None:
    world = _world()
    below = [a for a in world.cutoff_unmet_albums() if a.monitored]
    assert below
    assert all(a.has_files and not meets_cutoff(a.quality) for a in below)
    working = {i.id for i in world.indexers if i.enabled and not i.failing}

    def upgradable(album_id: int) -> bool:
        album = world.albums[album_id]
        return any(
            r.indexer_id in working
            and r.seeders > 0
            and QUALITY_RANK[r.quality] > QUALITY_RANK[album.quality]
            for r in world.releases_for(album)
        )

    expected = {a.id for a in below if upgradable(a.id)}
    assert expected, "the seeded world has upgrades to find"

    command = world.run_command("CutoffUnmetAlbumSearch", {})
    assert command.status == "completed"
    grabbed = {t.album_id: t for t in world.lidarr_queue() if t.album_id in {a.id for a in below}}
    assert set(grabbed) == expected
    for album_id, torrent in grabbed.items():
        release = world.release_by_hash(torrent.hash)
        assert release is not None
        assert release.quality.startswith("FLAC")
        assert world.albums[album_id].last_search == world.clock.now()

    # a second search while they download grabs nothing more
    world.run_command("CutoffUnmetAlbumSearch", {})
    assert {t.album_id for t in world.lidarr_queue() if t.album_id in expected} == expected

    _advance(world, 3600)
    assert all(t.imported for t in grabbed.values())
    left = {a.id for a in world.cutoff_unmet_albums() if a.monitored}
    assert left == {a.id for a in below} - expected
    for album_id in expected:
        album = world.albums[album_id]
        assert album.has_files
        assert album.cutoff_met
        release = world.release_by_hash(grabbed[album_id].hash)
        assert release is not None
        assert album.quality == release.quality


def test_unmonitored_albums_are_not_upgraded() -> None:
    world = _world()
    album = next(a for a in world.cutoff_unmet_albums() if a.monitored)
    album.monitored = False
    world.run_command("CutoffUnmetAlbumSearch", {})
    assert world.torrent_for_album(album.id) is None
    assert album.last_search is None


def test_upgrade_without_a_better_release_grabs_nothing() -> None:
    world = _world()
    for album in world.cutoff_unmet_albums():
        album.quality = "FLAC 24bit"
    assert world.upgrade_album(world.cutoff_unmet_albums()[0].id) is None
    assert "found no upgrade" in world.events[-1][1]
    assert meets_cutoff("FLAC")
    assert meets_cutoff("unknown")
    assert not meets_cutoff("MP3-320")

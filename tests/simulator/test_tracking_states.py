"""World states request tracking needs: a running search, a failed download, a failed import."""

from __future__ import annotations

from simulator.clock import SimClock
from simulator.model import TorrentStatus
from simulator.world import World


def _missing_with_release(world: World) -> int:
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    for album in world.missing_albums():
        if world.torrent_for_album(album.id) is None and any(
            r.indexer_id in working and r.seeders > 0 for r in world.releases_for(album)
        ):
            return album.id
    raise AssertionError("no missing album with a release")


def test_a_command_runs_for_command_duration_then_acts_and_completes() -> None:
    clock = SimClock(speed=0)
    world = World(seed=7, clock=clock, command_duration=30)
    album_id = _missing_with_release(world)
    command = world.run_command("AlbumSearch", {"albumIds": [album_id]})
    assert (command.status, command.ended) == ("started", None)
    assert world.torrent_for_album(album_id) is None

    clock.advance(29)
    world.tick()
    assert command.status == "started"
    clock.advance(1)
    world.tick()
    assert command.status == "completed"
    assert command.ended == clock.now()
    assert world.torrent_for_album(album_id) is not None


def test_without_command_duration_a_command_acts_at_once() -> None:
    world = World(seed=7)
    album_id = _missing_with_release(world)
    command = world.run_command("AlbumSearch", {"albumIds": [album_id]})
    assert command.status == "completed"
    assert world.torrent_for_album(album_id) is not None


def test_a_failed_torrent_stops_and_keeps_its_error() -> None:
    clock = SimClock(speed=0)
    world = World(seed=7, clock=clock)
    album_id = _missing_with_release(world)
    torrent = world.search_album(album_id)
    assert torrent is not None
    world.fail_torrent(torrent.hash, "No space left on device")
    progress = torrent.progress
    clock.advance(60)
    world.tick()
    assert torrent.status is TorrentStatus.ERROR
    assert torrent.error == "No space left on device"
    assert torrent.progress == progress


def test_a_download_that_cannot_be_imported_stays_in_the_queue() -> None:
    clock = SimClock(speed=0)
    world = World(seed=7, clock=clock)
    album_id = _missing_with_release(world)
    torrent = world.search_album(album_id)
    assert torrent is not None
    torrent.import_error = "Couldn't find similar album"
    clock.advance(3600)
    world.tick()
    assert torrent.progress == 1.0
    assert not torrent.imported
    assert not world.albums[album_id].has_files
    assert torrent in world.lidarr_queue()

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


def test_adding_an_artist_with_a_search_searches_for_command_duration() -> None:
    """As Lidarr does once an artist is added (``searchForMissingAlbums``): a
    ``MissingAlbumSearch`` of that artist, running as long as any search, then grabbing."""
    clock = SimClock(speed=0)
    world = World(seed=7, clock=clock, command_duration=5)
    artist = next(
        a
        for a in world.artists.values()
        if not a.in_lidarr and any(world.releases_for(world.albums[i]) for i in a.album_ids)
    )
    others = len(world.torrents)
    world.add_artist(artist.mbid, monitor="latest", search=True)
    command = world.commands[-1]
    assert (command.name, command.body, command.status) == (
        "MissingAlbumSearch",
        {"artistId": artist.lidarr_id},
        "started",
    )
    assert len(world.torrents) == others, "nothing grabbed while the search runs"
    clock.advance(4)
    world.tick()
    assert command.status == "started"
    clock.advance(1)
    world.tick()
    assert command.status == "completed"
    latest = max((world.albums[i] for i in artist.album_ids), key=lambda a: a.release_date)
    grabbed = [t for t in world.torrents.values() if t.album_id in artist.album_ids]
    assert [t.album_id for t in grabbed] == [latest.id]
    assert len(world.torrents) == others + 1, "only that artist's missing album"


def test_a_missing_album_search_without_an_artist_searches_every_artist() -> None:
    world = World(seed=7)
    missing = [a.id for a in world.missing_albums() if world.torrent_for_album(a.id) is None]
    assert len({world.albums[i].artist_mbid for i in missing}) > 1
    world.run_command("MissingAlbumSearch", {})
    assert all(world.albums[i].last_search is not None for i in missing)

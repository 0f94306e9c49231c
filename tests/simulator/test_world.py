"""The simulated world: deterministic, coherent, and living."""

from __future__ import annotations

from simulator.generate import Scale
from simulator.model import Health, TorrentStatus
from simulator.world import World


def _summary(world: World) -> tuple[object, ...]:
    return (
        sorted(a.name for a in world.artists.values()),
        sorted((a.title, a.track_count, a.has_files) for a in world.albums.values()),
        sorted(world.torrents),
        world.nav_artists,
        world.nav_albums,
        world.nav_songs,
        sorted(c.id for c in world.containers.values()),
    )


def test_same_seed_same_stack_other_seed_other_stack() -> None:
    assert _summary(World(seed=7)) == _summary(World(seed=7))
    assert _summary(World(seed=7)) != _summary(World(seed=8))


def test_scale_knobs_are_exact() -> None:
    scale = Scale(artists=5000, albums=50000, tracks=100000, torrents=10000, catalog_artists=10)
    world = World(seed=2, scale=scale)
    assert len(world.lidarr_artists()) == 5000
    lidarr_albums = [a for a in world.lidarr_albums() if a.release_date <= world.clock.now().date()]
    assert len(lidarr_albums) == 50000
    assert sum(a.track_count for a in lidarr_albums) == 100000
    assert list(world.download_clients) == ["qbittorrent", "transmission"]
    for client in world.download_clients.values():  # that many in each download client
        synthetic = [t for t in client.torrents.values() if t.name.startswith("Synthetic")]
        assert len(synthetic) == 10000
        assert sum(t.category == "music" for t in synthetic) == 5000
        assert all(t.status is TorrentStatus.STOPPED_DOWNLOADING for t in synthetic)
        assert all(t.client == client.name for t in synthetic)
    assert len(world.torrents) == sum(len(c.torrents) for c in world.download_clients.values())
    # the library Navidrome serves is what was imported and scanned
    in_nav = [a for a in world.albums.values() if a.in_navidrome]
    assert world.nav_albums == len(in_nav)
    assert world.nav_songs == sum(a.track_count for a in in_nav)


def test_the_whole_story_plays_out() -> None:
    world = World(seed=5, import_delay=5, scan_delay=5, scan_duration=5)
    album = world.missing_albums()[-1]
    before = (world.nav_albums, world.nav_songs, len(world.missing_albums()))
    torrent = world.search_album(album.id)
    assert torrent is not None
    assert torrent.category == "music"
    assert torrent.album_id == album.id
    assert torrent in world.lidarr_queue()
    rev = torrent.rev
    for _ in range(400):
        world.clock.advance(1)
        world.tick()
        if album.in_navidrome:
            break
    assert torrent.rev > rev
    assert torrent.progress == 1.0
    assert torrent.status is TorrentStatus.SEEDING
    assert torrent.imported
    assert album.has_files
    assert album.in_navidrome
    assert torrent not in world.lidarr_queue()
    assert world.nav_albums > before[0]
    assert world.nav_songs >= before[1] + album.track_count
    assert len(world.missing_albums()) < before[2]
    kinds = [e.event_type for e in world.history if e.album_id == album.id]
    assert kinds == ["grabbed", "downloadImported"]


def test_vpn_drop_stalls_downloads_and_leak_changes_address() -> None:
    world = World(seed=5)
    torrent = world.search_album(world.missing_albums()[-1].id)
    assert torrent is not None
    world.set_vpn(up=False)
    assert world.external_address is None
    progress = torrent.progress
    world.clock.advance(10)
    world.tick()
    assert torrent.status is TorrentStatus.STALLED_DOWNLOADING
    assert torrent.progress == progress
    world.set_vpn(up=True)
    assert world.external_address == world.vpn.public_ip
    world.set_vpn(leak=True)
    assert world.external_address == world.vpn.home_ip != world.vpn.public_ip
    old_ip = world.vpn.public_ip
    world.set_vpn(leak=False)
    assert world.change_vpn_ip() != old_ip


def test_containers_keep_their_name_across_recreation() -> None:
    world = World(seed=5)
    old = world.containers["lidarr"].id
    world.recreate_container("lidarr")
    assert world.containers["lidarr"].id != old
    world.set_container_health("navidrome", Health.UNHEALTHY)
    assert world.containers["navidrome"].failing_streak == 3
    world.set_container_state("qbittorrent", "exited", exit_code=137)
    assert world.containers["qbittorrent"].exit_code == 137


def test_stop_start_remove_and_magnets() -> None:
    world = World(seed=5)
    assert world.add_magnet("http://not-a-magnet") is None
    torrent = world.add_magnet(
        "magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=Some+Album", category="music", stopped=True
    )
    assert torrent is not None
    assert torrent.name == "Some Album"
    assert torrent.status is TorrentStatus.STOPPED_DOWNLOADING
    world.start_torrent(torrent.hash)
    assert torrent.status is TorrentStatus.DOWNLOADING
    world.stop_torrent(torrent.hash)
    assert torrent.status is TorrentStatus.STOPPED_DOWNLOADING
    world.remove_torrent(torrent.hash)
    assert torrent.hash not in world.torrents
    assert world.removed_torrents[-1][1] == torrent.hash


def test_music_brain_request_becomes_a_download() -> None:
    world = World(seed=5)
    request = world.brain_request(
        artist="A", title="B", album=None, magnet="magnet:?xt=urn:btih:" + "cd" * 20, source="t"
    )
    world.clock.advance(1)
    world.tick()
    assert request.status == "downloading"
    assert request.torrent_hash in world.torrents
    for _ in range(200):
        world.clock.advance(5)
        world.tick()
    assert request.status == "completed"


def test_each_download_client_holds_its_own_torrents() -> None:
    """Lidarr grabs into its first client, the Music Brain into Transmission, a magnet into
    the client it is added to: every torrent is in one client, so sums over them are true."""
    world = World(seed=5)
    qbittorrent, transmission = world.download_clients.values()
    grabbed = world.lidarr_queue()
    assert grabbed
    assert {t.client for t in grabbed} == {"qbittorrent"} == {world.lidarr_client}
    added = world.add_magnet(
        "magnet:?xt=urn:btih:" + "ab" * 20, category="music", client="transmission"
    )
    assert added is not None
    world.brain_request(
        artist="A", title="B", album=None, magnet="magnet:?xt=urn:btih:" + "cd" * 20, source="t"
    )
    world.clock.advance(10)
    world.tick()
    assert world.torrents["cd" * 20].client == world.brain_client == "transmission"
    assert set(transmission.torrents) == {"ab" * 20, "cd" * 20}
    assert set(qbittorrent.torrents) == {t.hash for t in grabbed}
    assert sorted(qbittorrent.torrents.keys() | transmission.torrents.keys()) == sorted(
        world.torrents
    )
    for client in (qbittorrent, transmission):
        assert all(t.client == client.name for t in client.torrents.values())
        assert any(t.dl_speed for t in client.torrents.values())
    speeds = [sum(t.dl_speed for t in c.torrents.values()) for c in (qbittorrent, transmission)]
    assert sum(speeds) == sum(t.dl_speed for t in world.torrents.values())
    assert world.alltime_downloaded == qbittorrent.downloaded + transmission.downloaded
    before = (qbittorrent.downloaded, transmission.downloaded)
    world.clock.advance(1)
    world.tick()
    assert qbittorrent.downloaded - before[0] == speeds[0]
    assert transmission.downloaded - before[1] == speeds[1]
    # an info-hash lives in one client: adding it to another gives the held torrent back
    again = world.add_magnet(grabbed[0].magnet, category="music", client="transmission")
    assert again is grabbed[0]
    assert again.hash not in transmission.torrents
    world.remove_torrent(added.hash)
    assert added.hash not in transmission.torrents
    assert added.hash not in world.torrents


def test_the_download_clients_follow_the_stack() -> None:
    """Without Transmission the Music Brain uses the first client; without any client the
    story still plays (Lidarr's grabs are in no client's list)."""
    only_qbittorrent = World(seed=5, download_clients={"qb": "qbittorrent"})
    assert (only_qbittorrent.lidarr_client, only_qbittorrent.brain_client) == ("qb", "qb")
    assert {t.client for t in only_qbittorrent.torrents.values()} == {"qb"}
    transmission_first = World(seed=5, download_clients={"tr": "transmission", "qb": "qbittorrent"})
    assert (transmission_first.lidarr_client, transmission_first.brain_client) == ("tr", "tr")
    none = World(seed=5, download_clients={})
    assert none.lidarr_client == none.brain_client == ""
    assert none.lidarr_queue()
    assert {t.client for t in none.torrents.values()} == {""}
    assert none.client_torrents("qbittorrent") == {}
    # a facade that plays a client the world was not told of gets its own, empty one
    client = none.download_client("qbittorrent", "qbittorrent")
    assert list(none.download_clients) == ["qbittorrent"]
    assert client.torrents == {}
    assert none.download_client("qbittorrent", "qbittorrent") is client

"""The Lidarr client against the simulated Lidarr over loopback HTTP.

Typed results are compared with the simulator's world (the source of truth), the whole
request story is played (lookup → add with search → download → import), counts are
shown to cost the same for a small and a large library, and every failure maps to the
right exception with a message that helps and never contains the API key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    AlreadyExistsError,
    BackendRequestError,
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    ServerError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.lidarr import (
    Album,
    CommandStatus,
    DownloadStatus,
    HealthType,
    HistoryEventType,
    LidarrClient,
    LidarrCommand,
    MonitorOption,
    TrackedDownloadState,
    TrackedDownloadStatus,
)
from stepheybot_music_clients.lidarr.imports import MESSAGES_KEPT, StuckImports, read_stuck_imports
from stepheybot_music_clients.lidarr.models import library_stats
from stepheybot_music_clients.models import BackendKind

from simulator import Fault, Scale, Simulator
from simulator.backends import BackendSpec
from simulator.model import Artist, TorrentStatus
from simulator.world import GIB, World
from tests.loopback import serve

KEY = "lidarr0123456789abcdef0123456789ab"
PROWLARR_KEY = "prowlarr0123456789abcdef012345678"
SPECS = (
    ("lidarr", "lidarr", KEY),
    ("jackett", "jackett", "jackett0123456789abcdef0123456789"),
    ("prowlarr", "prowlarr", PROWLARR_KEY),
)


def _specs() -> list[BackendSpec]:
    return [BackendSpec(name=n, kind=k, api_key=key) for n, k, key in SPECS]


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(specs=_specs(), speed=0, slow_delay=1.5) as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def client(sim: Simulator, session: aiohttp.ClientSession) -> LidarrClient:
    return LidarrClient(session, sim.url("lidarr"), api_key=KEY, timeout=5)


def _viable_catalog_artist(world: World) -> Artist:
    """A MusicBrainz-only artist with at least one album a search can grab."""
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    for artist in world.artists.values():
        if artist.in_lidarr:
            continue
        for album_id in artist.album_ids:
            releases = world.releases_for(world.albums[album_id])
            if any(r.indexer_id in working and r.seeders > 0 for r in releases):
                return artist
    raise AssertionError("the seeded world has no catalog artist with a release")


async def _add(client: LidarrClient, artist: Artist, **options: object) -> None:
    [found] = await client.lookup_artist(f"mbid:{artist.mbid}")
    await client.add_artist(
        found,
        quality_profile_id=1,
        metadata_profile_id=1,
        root_folder_path="/music",
        **options,  # type: ignore[arg-type]
    )


# --- system -------------------------------------------------------------------------------


async def test_probe_and_system_status(client: LidarrClient) -> None:
    info = await client.probe()
    assert info.kind is BackendKind.LIDARR
    assert info.application == "Lidarr"
    assert info.version == "2.14.5.4824"
    assert info.api_version == "v1"
    status = await client.system_status()
    assert status.app_name == "Lidarr"
    assert status.version == "2.14.5.4824"
    assert status.is_docker is True
    assert status.start_time is not None
    assert status.start_time.tzinfo is not None


async def test_health_is_empty_when_the_world_is_fine(client: LidarrClient) -> None:
    assert await client.health() == []


async def test_health_reports_what_goes_wrong_in_the_world(
    sim: Simulator, client: LidarrClient
) -> None:
    world = sim.world
    world.indexers[0].failing = True
    [item] = await client.health()
    assert item.source == "IndexerStatusCheck"
    assert item.type is HealthType.WARNING
    assert item.message == f"Indexers unavailable due to failures: {world.indexers[0].name}"
    assert item.wiki_url is not None
    assert item.wiki_url.startswith("https://wiki.servarr.com/lidarr/")

    for indexer in world.indexers:
        indexer.failing = True
    world.set_container_state("gluetun", "exited", 1)
    world.download_disk_free = 2 * GIB
    items = {item.source: item for item in await client.health()}
    assert items["IndexerStatusCheck"].type is HealthType.ERROR
    assert items["IndexerStatusCheck"].message == "All indexers are unavailable due to failures"
    assert items["DownloadClientCheck"].type is HealthType.ERROR
    assert "Unable to communicate with qBittorrent" in items["DownloadClientCheck"].message
    assert items["RootFolderCheck"].type is HealthType.WARNING
    assert "2.0 GiB free" in items["RootFolderCheck"].message


async def test_disk_space_and_root_folders_come_from_the_world(
    sim: Simulator, client: LidarrClient
) -> None:
    sim.world.download_disk_free = 123 * GIB
    disks = {d.path: d for d in await client.disk_space()}
    assert disks["/music"].free_bytes == 123 * GIB
    assert disks["/music"].total_bytes == sim.world.disk_total
    assert disks["/music"].used_bytes == sim.world.disk_total - 123 * GIB
    [folder] = await client.root_folders()
    assert folder.path == "/music"
    assert folder.accessible is True
    assert folder.free_bytes == 123 * GIB
    assert folder.total_bytes == sim.world.disk_total
    assert folder.default_quality_profile_id == 1


async def test_profiles(client: LidarrClient) -> None:
    quality = {p.id: p for p in await client.quality_profiles()}
    assert quality[1].name == "Lossless"
    assert quality[1].allowed == ("FLAC", "FLAC 24bit")
    assert quality[2].allowed == ("MP3-320", "FLAC", "FLAC 24bit")
    assert [(p.id, p.name) for p in await client.metadata_profiles()] == [
        (1, "Standard"),
        (2, "None"),
    ]


# --- queue --------------------------------------------------------------------------------


async def test_queue_matches_the_world_and_follows_the_downloads(
    sim: Simulator, client: LidarrClient
) -> None:
    world = sim.world
    await sim.advance(3)
    page = await client.queue()
    expected = {t.hash.upper(): t for t in world.lidarr_queue()}
    assert len(expected) == 2
    assert page.total_records == 2
    assert {item.download_id for item in page.records} == set(expected)
    for item in page.records:
        assert item.download_id is not None
        torrent = expected[item.download_id]
        assert torrent.album_id is not None
        album = world.albums[torrent.album_id]
        assert item.album_id == album.id
        assert item.artist_id == world.artist_of(album).lidarr_id
        assert item.title == torrent.name
        assert item.size == torrent.size
        assert item.size_left == torrent.amount_left
        assert item.progress == pytest.approx(torrent.progress, abs=0.01)
        assert item.status is DownloadStatus.DOWNLOADING
        assert item.tracked_download_status is TrackedDownloadStatus.OK
        assert item.tracked_download_state is TrackedDownloadState.DOWNLOADING
        assert item.time_left == torrent.eta
        assert item.estimated_completion == world.clock.now() + timedelta(seconds=torrent.eta or 0)
        assert item.protocol == "torrent"
        assert item.download_client == "qBittorrent"
        assert item.indexer in {i.name for i in world.indexers}
        assert item.quality in {"FLAC", "MP3-320", "FLAC 24bit"}

    # one download stalls (VPN down), the other is paused, then both finish
    first, second = page.records
    world.set_vpn(up=False)
    await sim.advance(1)
    assert second.download_id is not None
    world.stop_torrent(second.download_id.lower())
    items = {item.id: item for item in (await client.queue()).records}
    stalled, paused = items[first.id], items[second.id]
    assert stalled.status is DownloadStatus.WARNING
    assert stalled.tracked_download_status is TrackedDownloadStatus.WARNING
    assert stalled.time_left is None
    assert stalled.status_messages[0].messages == ("The download is stalled with no connections",)
    assert paused.status is DownloadStatus.PAUSED
    status = await client.queue_status()
    assert (status.total_count, status.count, status.warnings, status.errors) == (2, 2, True, False)

    world.set_vpn(up=True)
    world.start_torrent(second.download_id.lower())
    await sim.advance(400, step=5)
    assert (await client.queue()).total_records == 0
    assert (await client.queue_status()).total_count == 0


async def test_queue_reports_completed_and_failed_downloads(
    sim: Simulator, client: LidarrClient
) -> None:
    done, broken = sim.world.lidarr_queue()
    done.progress = 1.0
    done.status = TorrentStatus.SEEDING
    broken.status = TorrentStatus.ERROR
    broken.error = "No space left on device"
    items = {item.download_id: item for item in (await client.queue()).records}
    completed = items[done.hash.upper()]
    assert completed.status is DownloadStatus.COMPLETED
    assert completed.tracked_download_state is TrackedDownloadState.IMPORT_PENDING
    assert completed.size_left == 0
    failed = items[broken.hash.upper()]
    assert failed.status is DownloadStatus.FAILED
    assert failed.tracked_download_status is TrackedDownloadStatus.ERROR
    assert failed.tracked_download_state is TrackedDownloadState.DOWNLOAD_FAILED
    assert failed.error_message == "No space left on device"
    assert (await client.queue_status()).errors is True


async def test_queue_pages(client: LidarrClient) -> None:
    first = await client.queue(page=1, page_size=1)
    second = await client.queue(page=2, page_size=1)
    assert (first.page, first.page_size, first.total_records) == (1, 1, 2)
    assert (second.page, len(second.records)) == (2, 1)
    assert first.records[0].id != second.records[0].id
    assert (await client.queue(page=3, page_size=1)).records == ()
    with pytest.raises(ValueError, match="page_size"):
        await client.queue(page_size=0)


# --- wanted and library ---------------------------------------------------------------------


async def test_wanted_counts_and_pages_match_the_world(
    sim: Simulator, client: LidarrClient
) -> None:
    world = sim.world
    missing = world.missing_albums()
    assert await client.missing_count() == len(missing) > 0
    assert await client.cutoff_unmet_count() == len(world.cutoff_unmet_albums()) > 0
    seen: list[Album] = []
    page_number = 1
    while True:
        page = await client.missing(page_number, page_size=3)
        assert page.total_records == len(missing)
        if not page.records:
            break
        seen.extend(page.records)
        page_number += 1
    assert {a.id for a in seen} == {a.id for a in missing}
    dates = [a.release_date for a in seen if a.release_date is not None]
    assert len(dates) == len(seen)
    assert dates == sorted(dates, reverse=True)
    for album in seen:
        source = world.albums[album.id]
        assert album.title == source.title
        assert album.foreign_album_id == source.mbid
        assert album.artist_name == world.artist_of(source).name
        assert album.monitored is True
        assert album.track_file_count == 0
        assert album.track_count == source.track_count
    cutoff = await client.cutoff_unmet(1, page_size=1000)
    assert {a.id for a in cutoff.records} == {a.id for a in world.cutoff_unmet_albums()}


async def test_artists_are_typed_views_of_the_world(sim: Simulator, client: LidarrClient) -> None:
    world = sim.world
    artists = await client.artists()
    assert [a.id for a in artists] == [a.lidarr_id for a in world.lidarr_artists()]
    for artist in artists:
        source = world.artists_by_lidarr_id[artist.id]
        albums = [world.albums[i] for i in source.album_ids]
        assert artist.name == source.name
        assert artist.foreign_artist_id == source.mbid
        assert artist.monitored is source.monitored
        assert artist.genres == tuple(source.genres)
        assert artist.path == f"/music/{source.name}"
        assert artist.in_library
        assert artist.added == source.added
        assert artist.statistics is not None
        assert artist.statistics.album_count == len(albums)
        assert artist.statistics.total_track_count == sum(a.track_count for a in albums)
        assert artist.statistics.track_file_count == sum(a.track_files for a in albums)
    one = artists[3]
    assert await client.artist(one.id) == one
    typed = await client.albums(artist_id=one.id)
    assert {a.id for a in typed} == set(world.artists_by_lidarr_id[one.id].album_ids)
    assert await client.album(typed[0].id) == typed[0]


async def test_library_counts_come_from_one_artist_list(
    sim: Simulator, client: LidarrClient
) -> None:
    world = sim.world
    world.lidarr_artists()[0].monitored = False
    lidarr_albums = list(world.lidarr_albums())
    stats = await client.library_stats()
    assert client.stats.by_path == {"/api/v1/artist": 1}
    assert stats.artists == len(world.lidarr_artists())
    assert stats.monitored_artists == stats.artists - 1
    assert stats.albums == len(lidarr_albums)
    assert stats.tracks == sum(a.track_count for a in lidarr_albums)
    assert stats.track_files == sum(a.track_files for a in lidarr_albums)
    assert stats.size_on_disk == sum(a.size for a in lidarr_albums if a.has_files)
    client.stats.reset()
    assert await client.artist_counts() == (stats.artists, stats.monitored_artists)
    assert await client.album_count_estimate() == stats.albums
    assert client.stats.by_path == {"/api/v1/artist": 2}
    assert library_stats(await client.artists()) == stats


async def test_the_artist_list_is_parsed_off_the_event_loop(client: LidarrClient) -> None:
    """Megabytes of JSON on big libraries: the loop's thread must not parse them."""
    worker = await client._artist_list(lambda _: threading.get_ident())
    assert worker != threading.get_ident()


async def test_cheap_counts_cost_the_same_for_a_small_and_a_large_library(
    session: aiohttp.ClientSession,
) -> None:
    """The counts read one small page; only the artist list grows with the library."""
    costs = []
    large = Scale(artists=5000, albums=50_000, tracks=600_000)
    for scale in (Scale(), large):
        spec = BackendSpec(name="lidarr", kind="lidarr", api_key=KEY)
        async with Simulator(specs=[spec], scale=scale) as sim:
            client = LidarrClient(session, sim.url("lidarr"), api_key=KEY, timeout=30)
            assert await client.missing_count() == len(sim.world.missing_albums())
            assert await client.cutoff_unmet_count() == len(sim.world.cutoff_unmet_albums())
            status = await client.queue_status()
            assert status.total_count == len(sim.world.lidarr_queue())
            counts = (client.stats.requests, client.stats.body_bytes, dict(client.stats.by_path))
            client.stats.reset()
            assert (await client.artist_counts())[0] == scale.artists
            costs.append((*counts, client.stats.body_bytes))
    (
        (small_requests, small_bytes, small_paths, small_list),
        (big_requests, big_bytes, big_paths, big_list),
    ) = costs
    assert small_requests == big_requests == 3
    assert small_paths == big_paths
    assert abs(big_bytes - small_bytes) < 200, (small_bytes, big_bytes)
    assert big_bytes < 4000
    assert big_list > 100 * small_list


async def test_lookups(sim: Simulator, client: LidarrClient) -> None:
    world = sim.world
    library = world.lidarr_artists()[0]
    catalog = next(a for a in world.artists.values() if not a.in_lidarr)
    [found] = await client.lookup_artist(f"mbid:{catalog.mbid}")
    assert (found.id, found.name, found.in_library, found.statistics) == (
        0,
        catalog.name,
        False,
        None,
    )
    [found] = await client.lookup_artist(f"lidarr:{library.mbid}")
    assert (found.id, found.in_library) == (library.lidarr_id, True)
    by_name = await client.lookup_artist(catalog.name.split()[-1].lower())
    assert catalog.name in {a.name for a in by_name}
    assert await client.lookup_artist("no such band at all") == []

    album = world.albums[catalog.album_ids[0]]
    results = await client.lookup_album(catalog.name)
    match = next(a for a in results if a.foreign_album_id == album.mbid)
    assert (match.id, match.in_library, match.artist_name) == (0, False, catalog.name)


# --- the request story ---------------------------------------------------------------------


async def test_lookup_add_search_download_import(sim: Simulator, client: LidarrClient) -> None:
    world = sim.world
    artist = _viable_catalog_artist(world)
    missing_before = await client.missing_count()

    [found] = await client.lookup_artist(artist.name)
    added = await client.add_artist(
        found, quality_profile_id=2, metadata_profile_id=1, root_folder_path="/music"
    )
    assert added.in_library
    assert added.id == artist.lidarr_id > 0
    assert (added.quality_profile_id, added.metadata_profile_id) == (2, 1)
    assert added.path == f"/music/{artist.name}"
    assert added.monitored is True

    # the search grabbed releases into the download client, in the music category
    grabbed = [t for t in world.torrents.values() if t.album_id in artist.album_ids]
    assert grabbed
    assert all(t.category == world.music_category for t in grabbed)
    missing_after_add = await client.missing_count()
    assert missing_after_add == missing_before + len(artist.album_ids)

    await sim.advance(5)
    queue = {item.download_id: item for item in (await client.queue()).records}
    for torrent in grabbed:
        item = queue[torrent.hash.upper()]
        assert item.artist_id == added.id
        assert 0 < item.progress < 1
        assert item.size_left == torrent.amount_left
        assert item.time_left is not None
        assert item.time_left > 0

    await sim.advance(600, step=5)
    remaining = {item.download_id for item in (await client.queue()).records}
    assert not remaining & {t.hash.upper() for t in grabbed}
    for torrent in grabbed:
        assert torrent.album_id is not None
        assert world.albums[torrent.album_id].has_files
    missing_now = await client.missing_count()
    assert missing_now == len(world.missing_albums())
    assert missing_now <= missing_after_add - len(grabbed)
    imported = await client.history(event_type=HistoryEventType.DOWNLOAD_IMPORTED, page_size=100)
    assert {t.hash.upper() for t in grabbed} <= {r.download_id for r in imported.records}
    assert all(r.event_type is HistoryEventType.DOWNLOAD_IMPORTED for r in imported.records)


async def test_adding_an_artist_twice_is_already_exists(
    sim: Simulator, client: LidarrClient
) -> None:
    [found] = await client.lookup_artist(f"mbid:{sim.world.lidarr_artists()[0].mbid}")
    with pytest.raises(AlreadyExistsError) as caught:
        await client.add_artist(
            found, quality_profile_id=1, metadata_profile_id=1, root_folder_path="/music"
        )
    assert caught.value.code == 400
    assert "This artist has already been added." in caught.value.message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"quality_profile_id": 9}, "Quality Profile does not exist"),
        ({"quality_profile_id": 0}, "'Quality Profile Id' must be greater than '0'."),
        ({"metadata_profile_id": 7}, "Metadata Profile does not exist"),
        ({"root_folder_path": "/films"}, "Root folder '/films' does not exist"),
    ],
)
async def test_add_artist_validation_errors_carry_lidarrs_message(
    sim: Simulator, client: LidarrClient, options: dict[str, object], message: str
) -> None:
    artist = _viable_catalog_artist(sim.world)
    [found] = await client.lookup_artist(f"mbid:{artist.mbid}")
    arguments: dict[str, object] = {
        "quality_profile_id": 1,
        "metadata_profile_id": 1,
        "root_folder_path": "/music",
    } | options
    with pytest.raises(BackendRequestError) as caught:
        await client.add_artist(found, **arguments)  # type: ignore[arg-type]
    assert not isinstance(caught.value, AlreadyExistsError)
    assert caught.value.code == 400
    assert message in caught.value.message
    assert caught.value.message.startswith("Lidarr refused the request (/api/v1/artist)")
    assert not artist.in_lidarr


async def test_add_album_of_an_existing_artist_monitors_and_searches(
    sim: Simulator, client: LidarrClient
) -> None:
    world = sim.world
    artist = _viable_catalog_artist(world)
    await _add(client, artist, monitor=MonitorOption.NONE, search=False)
    assert not any(world.albums[i].monitored for i in artist.album_ids)
    assert not [t for t in world.torrents.values() if t.album_id in artist.album_ids]
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    album_id = next(
        i
        for i in artist.album_ids
        if any(
            r.indexer_id in working and r.seeders > 0 for r in world.releases_for(world.albums[i])
        )
    )

    command = await client.add_album(album_id)
    assert command is not None
    assert command.name == LidarrCommand.ALBUM_SEARCH
    assert command.status is CommandStatus.COMPLETED
    assert command.finished
    assert world.albums[album_id].monitored
    assert (await client.album(album_id)).monitored is True
    torrent = world.torrent_for_album(album_id)
    assert torrent is not None
    assert torrent.category == world.music_category
    queue = await client.queue()
    assert torrent.hash.upper() in {item.download_id for item in queue.records}

    other = (
        next(i for i in artist.album_ids if i != album_id) if len(artist.album_ids) > 1 else None
    )
    if other is not None:
        assert await client.add_album(other, search=False) is None
        assert world.albums[other].monitored
        await client.monitor_albums([other], monitored=False)
        assert not world.albums[other].monitored


async def test_add_album_unknown_to_lidarr_says_to_add_the_artist_first(
    sim: Simulator, client: LidarrClient
) -> None:
    catalog = next(a for a in sim.world.artists.values() if not a.in_lidarr)
    with pytest.raises(BackendRequestError) as caught:
        await client.add_album(catalog.album_ids[0])
    assert caught.value.code == 404
    assert "Add its artist first" in caught.value.message


async def test_commands(sim: Simulator, client: LidarrClient) -> None:
    world = sim.world
    rss = await client.command(LidarrCommand.RSS_SYNC)
    assert (rss.name, rss.status, rss.result) == ("RssSync", CommandStatus.COMPLETED, "successful")
    assert rss.queued == world.clock.now()
    assert await client.command_status(rss.id) == rss

    artist = world.lidarr_artists()[5]
    search = await client.command(LidarrCommand.ARTIST_SEARCH, artist_id=artist.lidarr_id)
    assert world.commands[search.id - 1].body == {"artistId": artist.lidarr_id}

    missing = [a for a in world.missing_albums() if world.torrent_for_album(a.id) is None]
    await client.command(LidarrCommand.MISSING_ALBUM_SEARCH)
    assert all(a.last_search == world.clock.now() for a in missing)

    with pytest.raises(BackendRequestError, match="Unknown command") as caught:
        await client.command("MakeCoffee")
    assert caught.value.code == 400
    with pytest.raises(BackendRequestError) as caught:
        await client.command_status(999)
    assert caught.value.code == 404


async def test_history_is_newest_first_and_filters(sim: Simulator, client: LidarrClient) -> None:
    world = sim.world
    await client.command(LidarrCommand.MISSING_ALBUM_SEARCH)
    await sim.advance(400, step=5)
    page = await client.history(page_size=100)
    assert page.total_records == len(world.history)
    assert [r.id for r in page.records] == [
        e.id for e in sorted(world.history, key=lambda e: (e.date, e.id), reverse=True)
    ]
    first = page.records[-1]
    source = world.history[first.id - 1]
    assert first.event_type is HistoryEventType.GRABBED
    assert first.source_title == source.source_title
    assert first.download_id == source.download_id
    assert first.album_id == source.album_id
    assert first.quality == source.quality
    assert first.indexer in {i.name for i in world.indexers}
    grabbed = await client.history(event_type=HistoryEventType.GRABBED, page_size=100)
    assert grabbed.total_records == sum(1 for e in world.history if e.event_type == "grabbed")
    assert {r.event_type for r in grabbed.records} == {HistoryEventType.GRABBED}


async def test_calendar_lists_upcoming_albums(sim: Simulator, client: LidarrClient) -> None:
    world = sim.world
    today = world.clock.now().date()
    upcoming = sorted(
        (a for a in world.lidarr_albums() if today < a.release_date <= today + timedelta(days=30)),
        key=lambda a: (a.release_date, a.id),
    )
    assert len(upcoming) == Scale().upcoming_albums
    albums = await client.calendar(today, today + timedelta(days=30))
    assert [a.id for a in albums] == [a.id for a in upcoming]
    for album, source in zip(albums, upcoming, strict=True):
        assert album.release_date is not None
        assert album.release_date.date() == source.release_date
        assert album.artist_name == world.artist_of(source).name
    upcoming[0].monitored = False
    assert len(await client.calendar(today, today + timedelta(days=30))) == len(upcoming) - 1
    assert len(await client.calendar(today, today + timedelta(days=30), unmonitored=True)) == len(
        upcoming
    )


# --- errors and secrets --------------------------------------------------------------------


async def test_wrong_api_key(sim: Simulator, session: aiohttp.ClientSession) -> None:
    wrong = "wrongkey0123456789abcdef01234567"
    client = LidarrClient(session, sim.url("lidarr"), api_key=wrong)
    for call in (client.probe, client.queue_status, client.missing_count):
        with pytest.raises(InvalidAuthError) as caught:
            await call()
        message = caught.value.message
        assert message == (
            f"Lidarr at {sim.url('lidarr')}/ rejected the API key (HTTP 401). "
            "Check the API key in Lidarr → Settings → General."
        )
        assert wrong not in message
        assert KEY not in message
    assert wrong not in repr(client)


async def test_revoked_key(sim: Simulator, client: LidarrClient) -> None:
    await client.probe()
    await sim.set_fault("lidarr", Fault.AUTH_REVOKED)
    with pytest.raises(InvalidAuthError, match="Settings → General"):
        await client.queue()
    await sim.clear_fault("lidarr")
    assert (await client.queue()).total_records == 2


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        (Fault.HTTP_500, ServerError, "internal error (HTTP 500)"),
        (Fault.MALFORMED_JSON, UnexpectedResponseError, "not valid JSON"),
        (Fault.TRUNCATED_JSON, UnexpectedResponseError, "not valid JSON"),
        (Fault.DOWN, CannotConnectError, "Cannot connect to Lidarr"),
    ],
)
async def test_backend_faults(
    sim: Simulator,
    client: LidarrClient,
    fault: Fault,
    error: type[Exception],
    text: str,
) -> None:
    await sim.set_fault("lidarr", fault)
    for call in (client.probe, client.queue_status, client.artists):
        with pytest.raises(error) as caught:
            await call()
        assert text in str(caught.value)
        assert KEY not in str(caught.value)
    await sim.clear_fault("lidarr")
    assert (await client.probe()).application == "Lidarr"


async def test_slow_lidarr_times_out(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = LidarrClient(session, sim.url("lidarr"), api_key=KEY, timeout=0.3)
    await sim.set_fault("lidarr", Fault.SLOW)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0.3 s"):
        await client.missing_count()
    assert isinstance(BackendTimeoutError("x"), CannotConnectError)


async def test_wrong_application(sim: Simulator, session: aiohttp.ClientSession) -> None:
    at_jackett = LidarrClient(session, sim.url("jackett"), api_key=KEY)
    with pytest.raises(WrongApplicationError) as caught:
        await at_jackett.probe()
    assert caught.value.message.startswith(f"Something answers at {sim.url('jackett')}/")
    assert "it is not Lidarr (HTTP 404" in caught.value.message

    at_prowlarr = LidarrClient(session, sim.url("prowlarr"), api_key=PROWLARR_KEY)
    with pytest.raises(WrongApplicationError, match="it is Prowlarr, not Lidarr"):
        await at_prowlarr.probe()

    wrong_base = LidarrClient(session, sim.url("lidarr") + "/lidarr", api_key=KEY)
    with pytest.raises(WrongApplicationError, match="URL base"):
        await wrong_base.probe()


async def test_api_key_travels_only_in_the_header(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[web.Request] = []

    async def status(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response({"appName": "Lidarr", "version": "2.14.5.4824"})

    app = web.Application()
    app.router.add_get("/api/v1/system/status", status)
    caplog.set_level(logging.DEBUG)
    async with serve(app) as url:
        client = LidarrClient(session, url, api_key=KEY)
        assert (await client.system_status()).version == "2.14.5.4824"
    [request] = seen
    assert request.headers["X-Api-Key"] == KEY
    assert KEY not in str(request.rel_url)
    assert "apikey" not in request.query
    assert KEY not in caplog.text
    assert "/api/v1/system/status" in caplog.text


async def test_unparseable_payload_is_unexpected_response(
    session: aiohttp.ClientSession,
) -> None:
    async def queue(_: web.Request) -> web.Response:
        return web.json_response({"page": 1, "records": [{"id": "x"}]})

    app = web.Application()
    app.router.add_get("/api/v1/queue", queue)
    async with serve(app) as url:
        client = LidarrClient(session, url, api_key=KEY)
        with pytest.raises(UnexpectedResponseError, match="sent its queue in a shape"):
            await client.queue()


# --- stuck imports (issue 21: one count for the exporter and Home Assistant) -----------------


async def test_stuck_imports_are_counted_across_pages_with_lidarrs_message(
    sim: Simulator, client: LidarrClient
) -> None:
    world = sim.world
    queue = [t for t in world.lidarr_queue() if not t.import_error]
    assert len(queue) >= 2, "the seeded world has music downloads in Lidarr's queue"
    finished = queue[:2]
    for torrent in finished:  # downloaded, waiting for Lidarr's import
        torrent.progress, torrent.status = 1.0, TorrentStatus.SEEDING
        world.touch(torrent)
    before = await read_stuck_imports(client)
    world.refuse_imports("Artist name mismatch, automatic import is not possible.")
    stuck = await read_stuck_imports(client, page_size=1)
    assert stuck.count == before.count + len(finished)
    assert stuck.messages[0] == "Artist name mismatch, automatic import is not possible."
    assert len(stuck.messages) <= MESSAGES_KEPT
    whole = await client.queue(page=1, page_size=1000)
    assert StuckImports.of(whole.records) == stuck  # one page or many: the same count

    world.refuse_imports("")
    assert (await read_stuck_imports(client)).count == before.count

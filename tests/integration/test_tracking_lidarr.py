"""Request tracking through Lidarr: every stage, every failure, events, entities, outages."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.stepheybot_music.facts import plural
from custom_components.stepheybot_music.tracking.lidarr_route import NOTHING_FOUND_GRACE
from custom_components.stepheybot_music.tracking.models import (
    EVENT_REQUEST,
    RequestKind,
    Route,
    Stage,
    TrackedRequest,
)
from simulator import Fault, Simulator

from .conftest import ENTRY_ID, setup_stack, subentry_id
from .helpers import poll
from .tracking import (
    SEARCH_SECONDS,
    catalog_album,
    lidarr_client,
    new_id,
    request_album,
    requests_of,
    stage_of,
    step,
    tsim,
)
from .voice import ask, intents_ready

__all__ = ["intents_ready", "tsim"]

BACKENDS = ("lidarr", "qbittorrent")
EVENT_ENTITY = "event.home_music_request"
SENSOR = "sensor.home_music_requests_in_flight"


async def test_album_goes_through_every_stage_with_one_event_each(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    events = async_capture_events(hass, EVENT_REQUEST)
    artist, album = catalog_album(tsim.world)

    request = await request_album(entry, artist, album, source="voice")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [e.data["stage"] for e in events] == ["requested", "searching"]
    assert stage_of(entry, request.request_id) == "searching"
    assert hass.states.get(EVENT_ENTITY).attributes["event_type"] == "searching"
    sensor = hass.states.get(SENSOR)
    assert sensor.state == "1"
    assert sensor.attributes["requests"] == [
        {
            "title": f"{artist.name} \u2013 {album.title}",
            "stage": "searching",
            "progress": None,
            "download_state": None,
            "waiting_for": None,
        }
    ]

    # the search grabs a release: downloading, with Lidarr's progress, size and hash
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert tracked.stage is Stage.DOWNLOADING
    assert tracked.torrent_hash == torrent.hash
    assert tracked.size == torrent.size
    assert tracked.progress == round(torrent.progress, 4)
    first = tracked.progress or 0.0

    await step(hass, tsim, frozen, 5)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert tracked.stage is Stage.DOWNLOADING
    assert (tracked.progress or 0.0) > first
    assert tracked.eta is not None
    assert tracked.eta > 0
    assert hass.states.get(SENSOR).attributes["requests"][0]["progress"] == tracked.progress

    # downloaded, waiting for Lidarr's import
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    assert stage_of(entry, request.request_id) == "importing"

    # imported: the album has all its files
    await step(hass, tsim, frozen, tsim.world.import_delay + 1)
    assert stage_of(entry, request.request_id) == "in_library"
    assert tsim.world.albums[album.id].has_files

    stages = [e.data["stage"] for e in events]
    assert stages == ["requested", "searching", "downloading", "importing", "in_library"]
    previous = [e.data["previous_stage"] for e in events]
    assert previous == [None, "requested", "searching", "downloading", "importing"]
    last = events[-1].data
    assert last["entry_id"] == ENTRY_ID
    assert last["request_id"] == request.request_id
    assert last["title"] == f"{artist.name} \u2013 {album.title}"
    assert last["route"] == "lidarr"
    assert last["kind"] == "download"
    assert last["progress"] == 1.0
    assert last["failure"] is None
    assert "torrent_hash" not in last
    state = hass.states.get(EVENT_ENTITY)
    assert state.attributes["event_type"] == "in_library"
    assert state.attributes["title"] == last["title"]
    assert hass.states.get(SENSOR).state == "0"

    # nothing more happens to a finished request
    await step(hass, tsim, frozen, 60)
    assert len(events) == 5


async def test_in_library_waits_until_navidrome_can_play_it(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """Lidarr's import is not enough: ``in_library`` once Navidrome lists the album."""
    entry = await setup_stack(hass, tsim, (*BACKENDS, "navidrome"))
    events = async_capture_events(hass, EVENT_REQUEST)
    world = tsim.world
    world.scan_delay = 3600.0  # Navidrome's own scan after an import comes late
    artist, album = catalog_album(world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = world.torrent_for_album(album.id)
    assert torrent is not None
    await step(hass, tsim, frozen, torrent.amount_left / world.download_speed + 1)
    await step(hass, tsim, frozen, world.import_delay + 1)
    assert world.albums[album.id].has_files
    assert not world.albums[album.id].in_navidrome
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert tracked.stage is Stage.IMPORTING
    assert tracked.message == "Lidarr imported it; waiting for Navidrome to scan it."
    # the request asked Navidrome for a scan; once it ends, Navidrome lists the album
    assert world.navidrome_scanning
    await step(hass, tsim, frozen, world.scan_duration + 1)
    assert world.albums[album.id].in_navidrome
    assert stage_of(entry, request.request_id) == "in_library"
    stages = [e.data["stage"] for e in events]
    assert stages[-3:] == ["downloading", "importing", "in_library"]


async def test_download_failure_carries_lidarrs_message(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    events = async_capture_events(hass, EVENT_REQUEST)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    tsim.world.fail_torrent(torrent.hash, "No space left on device")

    await step(hass, tsim, frozen, 1)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "download_failed")
    assert tracked.message == "No space left on device"
    assert events[-1].data["failure"] == "download_failed"
    assert events[-1].data["message"] == "No space left on device"
    assert hass.states.get(EVENT_ENTITY).attributes["event_type"] == "failed"


async def test_import_failure_carries_lidarrs_message(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    torrent.import_error = "Couldn't find similar album for this release"

    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    await step(hass, tsim, frozen, tsim.world.import_delay + 1)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "import_failed")
    assert tracked.message == "Couldn't find similar album for this release"


async def test_download_removed_from_the_queue_fails_as_removed(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    assert stage_of(entry, request.request_id) == "downloading"
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    tsim.world.remove_torrent(torrent.hash)

    await step(hass, tsim, frozen, 1)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "removed")
    assert tracked.message == "The download left Lidarr's queue without being imported."


async def test_nothing_found_after_the_grace_period(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    events = async_capture_events(hass, EVENT_REQUEST)
    artist, album = catalog_album(tsim.world, grabbable=False)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    assert tsim.world.torrent_for_album(album.id) is None
    assert stage_of(entry, request.request_id) == "searching"

    await poll(hass, frozen, NOTHING_FOUND_GRACE.total_seconds() - 60)
    assert stage_of(entry, request.request_id) == "searching"
    await poll(hass, frozen, 120)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "nothing_found")
    assert tracked.message == "Lidarr found no release."
    assert [e.data["stage"] for e in events] == ["requested", "searching", "failed"]


async def test_a_failed_search_is_nothing_found_with_lidarrs_message(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    command = tsim.world.commands[-1]
    command.status, command.message = "failed", "Indexer search failed"

    await step(hass, tsim, frozen, 1)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "nothing_found")
    assert tracked.message == "Lidarr's search failed: Indexer search failed"


async def test_stalled_download_fails_after_six_hours(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    torrent.seeds = 0  # nobody to download from: no progress any more
    await step(hass, tsim, frozen, 5)
    assert stage_of(entry, request.request_id) == "downloading"

    await poll(hass, frozen, timedelta(hours=5).total_seconds())
    assert stage_of(entry, request.request_id) == "downloading"
    await poll(hass, frozen, timedelta(hours=1).total_seconds())
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "stalled")
    assert tracked.message == "The download made no progress for 6 hours."


async def test_a_stuck_download_says_so(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, intents_ready: None
) -> None:
    """VPN down: the request, its attributes, its events and Assist say stalled; then paused."""
    entry = await setup_stack(hass, tsim, BACKENDS)
    events = async_capture_events(hass, EVENT_REQUEST)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.download_state) == (Stage.DOWNLOADING, "downloading")
    assert events[-1].data["stage"] == "downloading"
    assert events[-1].data["download_state"] == "downloading"

    tsim.world.set_vpn(up=False)
    await step(hass, tsim, frozen, 5)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.download_state) == (Stage.DOWNLOADING, "stalled")
    assert hass.states.get(SENSOR).attributes["requests"][0]["download_state"] == "stalled"
    world = tsim.world
    stuck = [
        t
        for t in world.torrents.values()
        if t.client == "qbittorrent" and t.category == world.music_category and t.progress < 1
    ]
    assert [t.hash for t in stuck] == [tracked.torrent_hash]  # the seeded world's only one
    assert stuck[0].dl_speed == 0
    percent = round((tracked.progress or 0) * 100)
    assert await ask(hass, "StepheyBotMusicWhatIsDownloading") == (
        f"One request is on its way: {album.title} by {artist.name}, stalled, {percent} percent. "
        "qBittorrent has one music download, stalled. "
        f"Lidarr has {plural(len(world.lidarr_queue()), 'album')} in its queue."
    )
    # a second stuck download
    other = world.add_magnet(
        f"magnet:?xt=urn:btih:{'ab' * 20}&dn=Another+album",
        category=world.music_category,
        client="qbittorrent",
    )
    assert other is not None
    await step(hass, tsim, frozen, 5)
    said = await ask(hass, "StepheyBotMusicWhatIsDownloading")
    assert "qBittorrent has two music downloads, both stalled." in said

    # paused in the client: the request says paused; the stage (and its events) stay
    count = len(events)
    qbittorrent = entry.runtime_data.backends[subentry_id("qbittorrent")]
    assert await qbittorrent.coordinator.async_set_torrent_running(tracked.torrent_hash, False)
    await step(hass, tsim, frozen, 5)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.download_state) == (Stage.DOWNLOADING, "paused")
    assert len(events) == count
    said = await ask(hass, "StepheyBotMusicWhatIsDownloading")
    assert f"{album.title} by {artist.name}, paused, {percent} percent." in said
    assert "qBittorrent has two music downloads: one stalled and one paused." in said


async def test_a_stuck_download_says_so_from_lidarrs_queue(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """No download client in the stack: Lidarr's queue status tells stalled and paused."""
    entry = await setup_stack(hass, tsim, ("lidarr",))
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.download_state) == (Stage.DOWNLOADING, "downloading")
    tsim.world.set_vpn(up=False)
    await step(hass, tsim, frozen, 5)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.download_state) == (Stage.DOWNLOADING, "stalled")
    assert tracked.message == "The download is stalled with no connections"
    assert tracked.torrent_hash is not None
    tsim.world.stop_torrent(tracked.torrent_hash)
    await step(hass, tsim, frozen, 5)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.download_state) == (Stage.DOWNLOADING, "paused")


async def test_lidarr_down_keeps_the_stage_and_tracking_resumes(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    events = async_capture_events(hass, EVENT_REQUEST)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    assert stage_of(entry, request.request_id) == "downloading"
    count = len(events)

    await tsim.set_fault("lidarr", Fault.DOWN)
    await step(hass, tsim, frozen, 600)  # downloaded and imported meanwhile
    assert stage_of(entry, request.request_id) == "downloading"
    assert len(events) == count
    assert requests_of(entry).last_update_success
    assert hass.states.get(SENSOR).state == "1"

    await tsim.clear_fault("lidarr")
    await step(hass, tsim, frozen, 1)
    assert stage_of(entry, request.request_id) == "in_library"
    assert [e.data["stage"] for e in events[count:]] == ["in_library"]


async def test_whole_artist_request_fills_its_albums_and_counts_what_arrived(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, _album = catalog_album(tsim.world)
    client = lidarr_client(entry)
    [found] = await client.lookup_artist(f"mbid:{artist.mbid}")
    added = await client.add_artist(
        found, quality_profile_id=1, metadata_profile_id=1, root_folder_path="/music"
    )
    # added with a search, no command id and no album ids: tracking fills the monitored albums
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.LIDARR,
            backend_id=subentry_id("lidarr"),
            artist=artist.name,
            lidarr_artist_id=added.id,
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert set(tracked.lidarr_album_ids) == set(artist.album_ids)

    for _ in range(12):
        await step(hass, tsim, frozen, 120)
    await poll(hass, frozen, NOTHING_FOUND_GRACE.total_seconds())
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    arrived = sum(1 for i in artist.album_ids if tsim.world.albums[i].has_files)
    assert arrived
    assert tracked.stage is Stage.IN_LIBRARY
    total = len(artist.album_ids)
    if arrived < total:
        assert (
            tracked.message == f"{arrived} of {total} albums by {artist.name} are in your library."
        )
    elif total == 1:
        assert tracked.message == f"1 album by {artist.name} is in your library."
    else:
        assert tracked.message == f"{total} albums by {artist.name} are in your library."


async def test_upgrade_reaches_the_library_once_the_better_release_is_imported(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    events = async_capture_events(hass, EVENT_REQUEST)
    world = tsim.world
    album = next(
        a
        for a in world.cutoff_unmet_albums()
        if a.monitored and world.torrent_for_album(a.id) is None
    )
    command = await lidarr_client(entry).command("AlbumSearch", album_ids=[album.id])
    artist = world.artist_of(album)
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            kind=RequestKind.UPGRADE,
            route=Route.LIDARR,
            backend_id=subentry_id("lidarr"),
            artist=artist.name,
            album=album.title,
            lidarr_artist_id=artist.lidarr_id,
            lidarr_album_ids=(album.id,),
            lidarr_command_id=command.id,
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert stage_of(entry, request.request_id) == "searching"
    # the simulated search only grabs missing albums: grab the better release as Lidarr would
    await tsim.advance(SEARCH_SECONDS + 1)
    torrent = world.upgrade_album(album.id)
    assert torrent is not None
    await step(hass, tsim, frozen, 1)
    assert stage_of(entry, request.request_id) == "downloading"
    await step(hass, tsim, frozen, 600)
    assert stage_of(entry, request.request_id) == "in_library"
    assert [e.data["stage"] for e in events][-2:] == ["downloading", "in_library"]
    assert events[-1].data["kind"] == "upgrade"


async def test_upgrade_without_a_better_release_is_nothing_found(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    world = tsim.world
    album = next(a for a in world.cutoff_unmet_albums() if world.torrent_for_album(a.id) is None)
    artist = world.artist_of(album)
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            kind=RequestKind.UPGRADE,
            route=Route.LIDARR,
            backend_id=subentry_id("lidarr"),
            artist=artist.name,
            album=album.title,
            lidarr_album_ids=(album.id,),
            lidarr_command_id=9999,  # unknown to Lidarr (404): taken as finished
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert stage_of(entry, request.request_id) == "searching"
    await poll(hass, frozen, NOTHING_FOUND_GRACE.total_seconds() + 60)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "nothing_found")
    assert tracked.message == "Lidarr found no better release."

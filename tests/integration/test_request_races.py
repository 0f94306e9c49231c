"""What a review of requests and tracking found: races, and requests that could never finish."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.stepheybot_music.tracking.models import Route, Stage, TrackedRequest
from simulator import Simulator

from .conftest import setup_stack, subentry_id
from .test_requesting import _albums, catalog_artist, lidarr_artist, request, stored
from .test_tracking_clients import HASH, MAGNET
from .test_upgrades import _search_upgrades
from .tracking import (
    SEARCH_SECONDS,
    lidarr_client,
    new_id,
    requests_of,
    stage_of,
    step,
    tsim,
)

__all__ = ["tsim"]


async def test_two_requests_for_one_album_at_once(hass: HomeAssistant, sim: Simulator) -> None:
    """Both pass the duplicate check before either is stored unless they wait for each other."""
    await setup_stack(hass, sim, ["lidarr"])
    artist = lidarr_artist(sim, complete=True)
    album = _albums(sim, artist)[0]
    album.track_files, album.monitored = 0, False
    commands = len(sim.world.commands)

    answers = await asyncio.gather(
        request(hass, artist=artist.name, album=album.title),
        request(hass, artist=artist.name.lower(), album=album.title),
    )

    assert Counter(a["status"] for a in answers) == {"requested": 1, "already_requested": 1}
    assert answers[0]["request"]["request_id"] == answers[1]["request"]["request_id"]
    assert len(stored(hass)) == 1
    assert len(sim.world.commands) == commands + 1, "one search, not two"


async def test_two_upgrade_searches_at_once(hass: HomeAssistant, tsim: Simulator) -> None:
    """One upgrade request per Lidarr, even when the button and the action race."""
    entry = await setup_stack(hass, tsim, ["lidarr", "qbittorrent"])
    commands = len(tsim.world.commands)

    answers = await asyncio.gather(
        _search_upgrades(hass, entry.entry_id), _search_upgrades(hass, entry.entry_id)
    )

    statuses = Counter(a["results"][0]["status"] for a in answers)
    assert statuses == {"requested": 1, "already_requested": 1}
    assert len(requests_of(entry).store.all()) == 1
    assert len(tsim.world.commands) == commands + 1, "one cutoff-unmet search, not two"


async def test_music_brain_request_by_name_reaches_the_library(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """The Music Brain gives no request id for a name (its Lidarr downloads): Navidrome tells."""
    entry = await setup_stack(hass, tsim, ["music_brain", "navidrome"])
    artist = catalog_artist(tsim, index=9)
    album = _albums(tsim, artist)[0]
    answer = await request(hass, artist=artist.name, album=album.title)
    request_id = answer["request"]["request_id"]
    assert answer["request"]["brain_request_id"] is None

    await step(hass, tsim, frozen, 60)
    assert stage_of(entry, request_id) == "requested"  # not in Navidrome yet

    # the Music Brain's Lidarr imported the album and Navidrome scanned it
    album.track_files = album.track_count
    tsim.world.start_scan()
    await step(hass, tsim, frozen, tsim.world.scan_duration + 1)
    assert album.in_navidrome
    assert stage_of(entry, request_id) == "in_library"


async def test_one_failed_album_does_not_fail_a_whole_artist_request(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """Lidarr grabs each album on its own; one failing download leaves the others going."""
    entry = await setup_stack(hass, tsim, ["lidarr", "qbittorrent"])
    world = tsim.world
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    artist = next(
        a
        for a in world.artists.values()
        if not a.in_lidarr
        and sum(
            any(r.indexer_id in working and r.seeders > 0 for r in world.releases_for(album))
            for album in _albums(tsim, a)
        )
        >= 2
    )
    client = lidarr_client(entry)
    [found] = await client.lookup_artist(f"mbid:{artist.mbid}")
    added = await client.add_artist(
        found, quality_profile_id=1, metadata_profile_id=1, root_folder_path="/music"
    )
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.LIDARR,
            backend_id=subentry_id("lidarr"),
            artist=artist.name,
            lidarr_artist_id=added.id,
        )
    )
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrents = [t for i in artist.album_ids if (t := world.torrent_for_album(i)) is not None]
    assert len(torrents) >= 2
    assert stage_of(entry, request.request_id) == "downloading"

    world.fail_torrent(torrents[0].hash, "No space left on device")
    await step(hass, tsim, frozen, 1)
    assert stage_of(entry, request.request_id) == "downloading", "the other albums go on"

    for _ in range(12):
        await step(hass, tsim, frozen, 120)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert any(world.albums[t.album_id or 0].has_files for t in torrents[1:])
    assert tracked.stage is Stage.IN_LIBRARY


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_a_finished_torrent_that_errs_still_reaches_the_library(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, client: str
) -> None:
    """Files moved away after the download (post-processing) make the client report an
    error (qBittorrent's ``missingFiles``): the download is done, the scan goes on."""
    entry = await setup_stack(hass, tsim, (client, "navidrome"))
    tsim.world.add_magnet(MAGNET, category="music", client=client)
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.DOWNLOAD_CLIENT,
            backend_id=subentry_id(client),
            artist="Night Owls",
            album="Quiet Hours",
            torrent_hash=HASH,
        )
    )
    await step(hass, tsim, frozen, 5)
    torrent = tsim.world.torrents[HASH]
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    assert stage_of(entry, request.request_id) == "importing"

    tsim.world.fail_torrent(HASH, "No data found! Ensure your drives are connected")
    await step(hass, tsim, frozen, tsim.world.scan_duration + 1)
    assert stage_of(entry, request.request_id) == "in_library"


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_a_torrent_that_finished_and_erred_between_two_polls_is_done(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory, client: str
) -> None:
    """Complete, then moved away before tracking looked: downloaded all the same."""
    entry = await setup_stack(hass, tsim, (client,))
    tsim.world.add_magnet(MAGNET, category="music", client=client)
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.DOWNLOAD_CLIENT,
            backend_id=subentry_id(client),
            artist="Night Owls",
            album="Quiet Hours",
            torrent_hash=HASH,
        )
    )
    await step(hass, tsim, frozen, 5)
    assert stage_of(entry, request.request_id) == "downloading"

    tsim.world.torrents[HASH].progress = 1.0
    tsim.world.fail_torrent(HASH, "No data found! Ensure your drives are connected")
    await step(hass, tsim, frozen, 1)
    assert stage_of(entry, request.request_id) == "in_library"  # no Navidrome: at once

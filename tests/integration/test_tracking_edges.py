"""Request tracking at the edges: partial arrivals, shared library scans, missing ids, the store."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.const import CONF_PUSH, DOMAIN
from custom_components.stepheybot_music.tracking.lidarr_route import NOTHING_FOUND_GRACE
from custom_components.stepheybot_music.tracking.models import (
    Route,
    Stage,
    TrackedRequest,
)
from custom_components.stepheybot_music.tracking.store import KEEP_FINISHED
from simulator import Simulator

from .conftest import (
    ENTRY_ID,
    STACK_TITLE,
    setup_stack,
    simulator_specs,
    subentry,
    subentry_id,
)
from .helpers import poll
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

MIB = 1024 * 1024


def _magnet(n: int) -> tuple[str, str]:
    info_hash = f"{n:040x}"
    return info_hash, f"magnet:?xt=urn:btih:{info_hash}&dn=Album+{n}"


def _client_request(info_hash: str, **fields: Any) -> TrackedRequest:
    return TrackedRequest(
        request_id=new_id(),
        route=Route.DOWNLOAD_CLIENT,
        backend_id=subentry_id("qbittorrent"),
        artist="Night Owls",
        album=f"Album {info_hash[-2:]}",
        torrent_hash=info_hash,
        **fields,
    )


async def test_whole_artist_request_counts_the_albums_that_arrived(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    world = tsim.world
    artist = next(a for a in world.artists.values() if not a.in_lidarr and len(a.album_ids) >= 2)
    # every album can be grabbed but the first: nobody seeds it
    for index, album_id in enumerate(artist.album_ids):
        for release in world.releases_for(world.albums[album_id]):
            release.seeders = 0 if index == 0 else 5
            release.indexer_id = world.indexers[0].id
    world.indexers[0].enabled = True
    entry = await setup_stack(hass, tsim, ("lidarr", "qbittorrent"))
    client = lidarr_client(entry)
    [found] = await client.lookup_artist(f"mbid:{artist.mbid}")
    added = await client.add_artist(
        found,
        quality_profile_id=1,
        metadata_profile_id=1,
        root_folder_path="/music",
        search=False,
    )
    command = await client.command("ArtistSearch", artist_id=added.id)
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.LIDARR,
            backend_id=subentry_id("lidarr"),
            artist=artist.name,
            lidarr_artist_id=added.id,
            lidarr_album_ids=tuple(artist.album_ids),
            lidarr_command_id=command.id,
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert stage_of(entry, request.request_id) == "searching"
    for _ in range(8):
        await step(hass, tsim, frozen, 120)
    await poll(hass, frozen, NOTHING_FOUND_GRACE.total_seconds())
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    total = len(artist.album_ids)
    assert [world.albums[i].has_files for i in artist.album_ids] == [False] + [True] * (total - 1)
    assert tracked.stage is Stage.IN_LIBRARY
    assert tracked.message == f"{total - 1} of {total} albums by {artist.name} are in your library."


async def test_whole_artist_request_says_how_many_albums_arrived(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    world = tsim.world
    artist = next(a for a in world.artists.values() if not a.in_lidarr and len(a.album_ids) >= 2)
    for album_id in artist.album_ids:
        for release in world.releases_for(world.albums[album_id]):
            release.seeders = 5
            release.indexer_id = world.indexers[0].id
    world.indexers[0].enabled = True
    entry = await setup_stack(hass, tsim, ("lidarr", "qbittorrent"))
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
            lidarr_album_ids=tuple(artist.album_ids),
        )
    )
    for _ in range(8):
        await step(hass, tsim, frozen, 120)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert all(world.albums[i].has_files for i in artist.album_ids)
    assert tracked.stage is Stage.IN_LIBRARY
    total = len(artist.album_ids)
    assert tracked.message == f"{total} albums by {artist.name} are in your library."


async def test_downloads_finishing_together_share_one_library_scan(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("qbittorrent", "navidrome"))
    hashes = []
    for n in (1, 2):
        info_hash, magnet = _magnet(n)
        tsim.world.add_magnet(magnet, category="music")
        hashes.append(info_hash)
        await requests_of(entry).async_submit(_client_request(info_hash))
    await step(hass, tsim, frozen, 5)
    size = max(tsim.world.torrents[h].amount_left for h in hashes)
    await step(hass, tsim, frozen, size / tsim.world.download_speed + 1)
    tracker = requests_of(entry)
    assert [r.stage for r in tracker.store.all()] == [Stage.IMPORTING, Stage.IMPORTING]
    assert tsim.world.navidrome_scanning
    await step(hass, tsim, frozen, tsim.world.scan_duration + 1)
    assert [r.stage for r in tracker.store.all()] == [Stage.IN_LIBRARY, Stage.IN_LIBRARY]


async def test_a_scan_started_by_someone_else_is_waited_out(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("qbittorrent", "navidrome"))
    info_hash, magnet = _magnet(3)
    tsim.world.add_magnet(magnet, category="music")
    request = await requests_of(entry).async_submit(_client_request(info_hash))
    await step(hass, tsim, frozen, 5)
    tsim.world.scan_duration = 60.0
    tsim.world.start_scan()  # a scan the files may have missed
    torrent = tsim.world.torrents[info_hash]
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    assert stage_of(entry, request.request_id) == "importing"
    started = tsim.world.navidrome_scan_started

    await step(hass, tsim, frozen, 60)  # that scan ended: tracking starts its own
    assert stage_of(entry, request.request_id) == "importing"
    assert tsim.world.navidrome_scanning
    assert tsim.world.navidrome_scan_started != started
    await step(hass, tsim, frozen, 61)
    assert stage_of(entry, request.request_id) == "in_library"


async def test_requests_without_backend_ids_wait_then_time_out(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("qbittorrent", "music_brain"))
    tracker = requests_of(entry)
    brain = await tracker.async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.MUSIC_BRAIN,
            backend_id=subentry_id("music_brain"),
            artist="Night Owls",
        )
    )
    client = await tracker.async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.DOWNLOAD_CLIENT,
            backend_id=subentry_id("qbittorrent"),
            artist="Night Owls",
        )
    )
    await step(hass, tsim, frozen, 5)
    assert stage_of(entry, brain.request_id) == stage_of(entry, client.request_id) == "requested"
    await poll(hass, frozen, timedelta(hours=6).total_seconds())
    assert stage_of(entry, brain.request_id) == stage_of(entry, client.request_id) == "failed"


async def test_a_torrent_never_listed_is_removed_after_the_grace(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("qbittorrent",))
    request = await requests_of(entry).async_submit(_client_request(_magnet(4)[0]))
    await step(hass, tsim, frozen, 5)
    assert stage_of(entry, request.request_id) == "requested"
    await poll(hass, frozen, 300)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "removed")


async def test_requests_of_a_backend_removed_from_the_stack_fail_as_removed(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("qbittorrent",))
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.LIDARR,
            backend_id=subentry_id("lidarr"),  # not in this stack
            artist="Night Owls",
            lidarr_album_ids=(1,),
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert (tracked.stage, tracked.failure) == (Stage.FAILED, "removed")
    assert tracked.message == "The backend that carried it was removed from the stack."


async def test_unreadable_stored_requests_are_skipped_and_old_finished_ones_pruned(
    hass: HomeAssistant,
    tsim: Simulator,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = dt_util.utcnow() - KEEP_FINISHED - timedelta(days=1)
    finished = _client_request("ab" * 20).moved_to(Stage.IN_LIBRARY, now=old)
    waiting = _client_request("cd" * 20)
    hass_storage[f"{DOMAIN}.{ENTRY_ID}.requests"] = {
        "version": 1,
        "key": f"{DOMAIN}.{ENTRY_ID}.requests",
        "data": {
            "requests": [
                {"request_id": "broken", "route": "carrier pigeon"},
                finished.as_dict(),
                waiting.as_dict(),
            ]
        },
    }
    with caplog.at_level(logging.WARNING):
        entry = await setup_stack(hass, tsim, ("qbittorrent",))
    assert "Skipping a stored request that cannot be read" in caplog.text
    store = requests_of(entry).store
    assert store.get("broken") is None
    assert store.at([Stage.IN_LIBRARY]) == [finished]
    await requests_of(entry).async_submit(_client_request("ef" * 20))
    assert store.at([Stage.IN_LIBRARY]) == []  # older than KEEP_FINISHED: pruned
    assert {r.request_id for r in store.in_flight()} >= {waiting.request_id}


async def test_search_still_running_keeps_searching(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, ("lidarr",))
    command = await lidarr_client(entry).command("MissingAlbumSearch")
    request = await requests_of(entry).async_submit(
        TrackedRequest(
            request_id=new_id(),
            route=Route.LIDARR,
            backend_id=subentry_id("lidarr"),
            artist="Night Owls",
            lidarr_album_ids=(1,),
            lidarr_command_id=command.id,
        )
    )
    await step(hass, tsim, frozen, SEARCH_SECONDS / 2)
    tracked = requests_of(entry).store.get(request.request_id)
    assert tracked is not None
    assert tracked.stage is Stage.SEARCHING
    assert tracked.message == "Lidarr is searching for a release."


async def test_without_scan_rights_the_request_waits_for_navidromes_own_scan(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory
) -> None:
    specs = simulator_specs(("qbittorrent", "navidrome"))
    navidrome = next(spec for spec in specs if spec.name == "navidrome")
    navidrome.extra["users"] = "listener:listener-pass"
    async with Simulator(seed=7, specs=specs, speed=0, tick_interval=3600) as sim:
        listener = subentry(sim, "navidrome")
        listener["data"] = {
            **listener["data"],
            CONF_USERNAME: "listener",
            CONF_PASSWORD: "listener-pass",
        }
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=STACK_TITLE,
            entry_id=ENTRY_ID,
            data={},
            options={CONF_PUSH: False},
            subentries_data=[subentry(sim, "qbittorrent"), listener],
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        sim.world.scan_delay = 3600.0  # no scan after Lidarr's own imports meanwhile
        info_hash, magnet = _magnet(5)
        sim.world.add_magnet(magnet, category="music")
        request = await requests_of(entry).async_submit(_client_request(info_hash))
        await step(hass, sim, frozen, 5)
        torrent = sim.world.torrents[info_hash]
        await step(hass, sim, frozen, torrent.amount_left / sim.world.download_speed + 1)
        assert stage_of(entry, request.request_id) == "importing"
        assert not sim.world.navidrome_scanning  # a listener may not start scans

        await step(hass, sim, frozen, 60)
        assert stage_of(entry, request.request_id) == "importing"
        sim.world.start_scan()  # Navidrome's own schedule
        await step(hass, sim, frozen, sim.world.scan_duration + 1)
        assert stage_of(entry, request.request_id) == "in_library"
